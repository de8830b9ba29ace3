//! The classifying side of the streaming pipeline: gathers pieces from any input into batches,
//! classifies a batch when it is full or when nothing else is waiting (so live input is
//! answered at once), and hands results to the sink in input order, each input's windows in
//! time order, then the input's summary.

use super::event::{Event, Job};
use super::source::Input;
use super::{Classifier, FileResult, PredictOptions, Prediction, Sink, Window};
use crate::corpus::Classes;
use crate::error::Result;
use std::sync::mpsc::{Receiver, TryRecvError};

/// One input's results while they come in.
#[derive(Default)]
struct Tracker {
    windows: Vec<(f64, f64, Option<Prediction>)>,
    whole: Option<Option<Prediction>>,
    emitted: usize,
    end: Option<(Option<f64>, Vec<f32>, Option<String>)>,
    kept: Vec<Window>,
}

impl Tracker {
    fn resolved(&self) -> bool {
        self.end.is_some()
            && self.whole.as_ref().is_none_or(Option::is_some)
            && self.windows.iter().all(|w| w.2.is_some())
    }
}

/// Duration-weighted mean of the classified windows' probabilities; silence if none.
fn summarise(windows: &[Window], classes: &Classes) -> Prediction {
    let mut sum = vec![0.0f64; classes.len()];
    let mut weight = 0.0;
    for w in windows.iter().filter(|w| !w.prediction.probabilities.is_empty()) {
        let d = (w.end - w.start).max(1e-9);
        for (s, (_, p)) in sum.iter_mut().zip(&w.prediction.probabilities.0) {
            *s += d * *p as f64;
        }
        weight += d;
    }
    if weight == 0.0 {
        let any_voiced = windows.iter().any(|w| w.prediction.label == "too short");
        return Prediction::labelled(if any_voiced { "too short" } else { "silence" });
    }
    let mean: Vec<f32> = sum.iter().map(|s| (s / weight) as f32).collect();
    Prediction::from_probabilities(&mean, classes)
}

pub(super) struct Consumer<'a> {
    predictor: &'a dyn Classifier,
    options: &'a PredictOptions,
    inputs: &'a [Input],
    trackers: Vec<Tracker>,
    batch: Vec<(usize, Option<usize>, Vec<f32>)>,
    next_out: usize,
    timeline: bool,
}

impl<'a> Consumer<'a> {
    pub(super) fn new(
        predictor: &'a dyn Classifier,
        options: &'a PredictOptions,
        inputs: &'a [Input],
        timeline: bool,
    ) -> Self {
        Consumer {
            predictor,
            options,
            inputs,
            trackers: (0..inputs.len()).map(|_| Tracker::default()).collect(),
            batch: Vec::new(),
            next_out: 0,
            timeline,
        }
    }

    fn take(&mut self, event: Event) {
        match event {
            Event::Piece { input, span, job } => {
                let t = &mut self.trackers[input];
                let (known, audio) = match job {
                    Job::Known(p) => (Some(p), None),
                    Job::Classify(x) => (None, Some(x)),
                };
                let at = match span {
                    Some((a, b)) => {
                        t.windows.push((a, b, known));
                        Some(t.windows.len() - 1)
                    }
                    None => {
                        t.whole = Some(known);
                        None
                    }
                };
                if let Some(x) = audio {
                    self.batch.push((input, at, x));
                }
            }
            Event::End {
                input,
                duration,
                envelope,
                error,
            } => self.trackers[input].end = Some((duration, envelope, error)),
        }
    }

    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let clips: Vec<&[f32]> = batch.iter().map(|(_, _, x)| x.as_slice()).collect();
        let probabilities = self.predictor.classify_refs(&clips, self.options.batch)?;
        for ((input, at, _), p) in batch.iter().zip(probabilities) {
            let prediction = Some(Prediction::from_probabilities(&p, self.predictor.classes()));
            let t = &mut self.trackers[*input];
            match at {
                Some(i) => t.windows[*i].2 = prediction,
                None => t.whole = Some(prediction),
            }
        }
        Ok(())
    }

    /// Hands out everything that is known, in input order.
    fn emit(&mut self, sink: &mut dyn Sink) -> Result<()> {
        while self.next_out < self.trackers.len() {
            let path = self.inputs[self.next_out].path();
            let t = &mut self.trackers[self.next_out];
            while let Some((start, end, Some(prediction))) = t.windows.get(t.emitted) {
                let window = Window {
                    start: *start,
                    end: *end,
                    prediction: prediction.clone(),
                };
                if self.timeline {
                    sink.window(path, &window)?;
                }
                t.kept.push(window);
                t.emitted += 1;
            }
            if !t.resolved() {
                return Ok(());
            }
            let Some((duration, envelope, error)) = t.end.take() else {
                return Ok(());
            };
            let windows = std::mem::take(&mut t.kept);
            let prediction = match t.whole.take() {
                Some(whole) => whole,
                None if error.is_none() => Some(summarise(&windows, self.predictor.classes())),
                None => None,
            };
            let keep = self.timeline && self.options.keep_windows;
            sink.file(FileResult {
                path: path.to_path_buf(),
                duration,
                prediction,
                windows: if keep { windows } else { Vec::new() },
                envelope: if keep { envelope } else { Vec::new() },
                error,
            })?;
            t.windows = Vec::new();
            self.next_out += 1;
        }
        Ok(())
    }

    pub(super) fn run(&mut self, rx: Receiver<Event>, sink: &mut dyn Sink) -> Result<()> {
        loop {
            let event = if self.batch.is_empty() {
                match rx.recv() {
                    Ok(e) => e,
                    Err(_) => break,
                }
            } else {
                match rx.try_recv() {
                    Ok(e) => e,
                    // Nothing waiting: classify what there is now (low latency on live input).
                    Err(TryRecvError::Empty) => {
                        self.flush()?;
                        self.emit(sink)?;
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => break,
                }
            };
            self.take(event);
            if self.batch.len() >= self.options.batch.max(1) {
                self.flush()?;
            }
            self.emit(sink)?;
        }
        self.flush()?;
        self.emit(sink)
    }
}
