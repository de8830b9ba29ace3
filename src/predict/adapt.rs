//! `predict --adapt-bn`: test-time BatchNorm adaptation to the recordings being predicted. A
//! first pass runs the inputs through the ordinary pipeline with a [`Recorder`] in place of the
//! model, which keeps the model inputs the pipeline would classify (the same windows, trimming,
//! level normalisation and silence verdicts; a seeded uniform sample of at most
//! [`MAX_ADAPTATION_CLIPS`]) and answers with uniform probabilities; every network's BatchNorm
//! statistics are then re-estimated on those clips ([`crate::models::adapt_batch_norm`]), and the
//! second pass predicts with the adapted networks. Files only: standard input and live sources
//! cannot be read twice.

use super::{Classifier, Input, PredictOptions, Predictor, Probabilities, Sink, predict_inputs};
use crate::audio::{ClipConfig, fit_length};
use crate::corpus::Classes;
use crate::error::{Error, Result};
use crate::features::log_mel_tensor;
use crate::models::{Inputs, adapt_batch_norm};
use crate::rng;
use std::path::Path;
use std::sync::Mutex;

/// Most clips the statistics are estimated on (4 s at 32 kHz: 0.5 MB each).
pub const MAX_ADAPTATION_CLIPS: usize = 512;

/// Stands in for the model in the first pass: keeps a uniform sample (reservoir) of the clips
/// it is asked to classify.
struct Recorder<'a> {
    predictor: &'a Predictor,
    sample: Mutex<Reservoir>,
}

struct Reservoir {
    clips: Vec<Vec<f32>>,
    seen: usize,
    rng: rng::SeededRng,
}

impl Classifier for Recorder<'_> {
    fn classes(&self) -> &Classes {
        self.predictor.classes()
    }

    fn clip(&self) -> &ClipConfig {
        &self.predictor.clip
    }

    fn classify_refs(&self, clips: &[&[f32]], _batch: usize) -> Result<Vec<Probabilities>> {
        let n = self.clip_samples();
        let mut sample = self
            .sample
            .lock()
            .map_err(|_| Error::Data("the adaptation sample was poisoned".into()))?;
        for clip in clips {
            sample.seen += 1;
            if sample.clips.len() < MAX_ADAPTATION_CLIPS {
                sample.clips.push(fit_length(clip, n));
            } else {
                // Algorithm R, with the portable modulo draw of `rng::shuffle`.
                let seen = sample.seen as u64;
                let at = (rand::Rng::next_u64(&mut sample.rng) % seen) as usize;
                if at < MAX_ADAPTATION_CLIPS {
                    sample.clips[at] = fit_length(clip, n);
                }
            }
        }
        let k = self.classes().len();
        Ok(vec![vec![1.0 / k as f32; k]; clips.len()])
    }
}

/// Discards the first pass's results.
struct Discard;

impl Sink for Discard {
    fn window(&mut self, _: &Path, _: &super::Window) -> Result<()> {
        Ok(())
    }

    fn file(&mut self, _: super::FileResult) -> Result<()> {
        Ok(())
    }
}

impl Predictor {
    /// Re-estimates every member's BatchNorm statistics on the model inputs `inputs` would
    /// give under `options` (see the module documentation). Returns how many clips were used.
    pub fn adapt_to_inputs(&mut self, inputs: &[Input], options: &PredictOptions) -> Result<usize> {
        if let Some(input) = inputs.iter().find(|i| !matches!(i, Input::File(_))) {
            return Err(Error::Config(format!(
                "--adapt-bn reads the inputs twice, so it takes files, not {}",
                input.path().display()
            )));
        }
        let recorder = Recorder {
            predictor: self,
            sample: Mutex::new(Reservoir {
                clips: Vec::new(),
                seen: 0,
                rng: rng::seeded(0, 0xADA9),
            }),
        };
        let first_pass = PredictOptions {
            keep_windows: false,
            ..options.clone()
        };
        predict_inputs(&recorder, inputs, &first_pass, &mut Discard)?;
        let clips = recorder
            .sample
            .into_inner()
            .map_err(|_| Error::Data("the adaptation sample was poisoned".into()))?
            .clips;
        if clips.len() < 2 {
            return Err(Error::Data(format!(
                "--adapt-bn needs at least 2 clips of speech to adapt to; the inputs gave {}",
                clips.len()
            )));
        }
        let log_mel = log_mel_tensor(&self.compute, &clips, &self.features)?;
        let rows: Vec<usize> = (0..clips.len()).collect();
        let adapted = self
            .members
            .iter()
            .map(|(net, network)| {
                let inputs = Inputs {
                    net,
                    features: &log_mel,
                    image_size: None,
                };
                let network = adapt_batch_norm(network.clone(), &inputs, &rows, options.batch)?;
                Ok((net.clone(), network))
            })
            .collect::<Result<Vec<_>>>()?;
        self.members = adapted;
        Ok(clips.len())
    }
}
