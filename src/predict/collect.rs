//! Prediction with every result returned at once (the pipeline's results collected), for
//! callers that want a list rather than a stream.

use super::{Classifier, FileResult, Input, PredictOptions, Predictor, Sink, Window, predict_inputs};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Collects every result (windows go with their file).
struct Collect(Vec<FileResult>);

impl Sink for Collect {
    fn window(&mut self, _: &Path, _: &Window) -> Result<()> {
        Ok(())
    }

    fn file(&mut self, result: FileResult) -> Result<()> {
        self.0.push(result);
        Ok(())
    }
}

/// Predicts every file and returns the results in order; unreadable files get an error entry
/// and the rest continue.
pub fn predict_files(predictor: &Predictor, files: &[PathBuf], options: &PredictOptions) -> Result<Vec<FileResult>> {
    let inputs: Vec<Input> = files.iter().cloned().map(Input::File).collect();
    let mut sink = Collect(Vec::with_capacity(files.len()));
    predict_inputs(predictor, &inputs, options, &mut sink)?;
    Ok(sink.0)
}

/// Predicts one input and returns its result (an unreadable input gives a result with its
/// error, not an `Err`).
pub fn predict_input(classifier: &dyn Classifier, input: Input, options: &PredictOptions) -> Result<FileResult> {
    let mut sink = Collect(Vec::with_capacity(1));
    predict_inputs(classifier, &[input], options, &mut sink)?;
    sink.0
        .pop()
        .ok_or_else(|| Error::Data("the prediction pipeline gave no result".into()))
}
