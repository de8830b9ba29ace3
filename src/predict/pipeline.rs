//! Streaming prediction: producer threads decode, resample and window their inputs chunk by
//! chunk and send the pieces to classify over a bounded channel; the calling thread batches
//! pieces from any input, classifies them on the compute device, and hands results to a
//! [`Sink`] in input order as soon as they are known (a window's row is out while its file is
//! still being read). Memory is bounded by the channel, the batch and one window per producer,
//! whatever the length of the inputs; decoding overlaps classification.
//!
//! Whole-file mode classifies a short file (up to [`WHOLE_FILE_LIMIT_S`]) as one clip, as it
//! always has; a longer one (or a live stream) is classified in clip-length windows. A file's
//! summary is the duration-weighted mean of its classified windows' probabilities.

use super::budget::{Budgeted, Cancel};
use super::consumer::Consumer;
use super::event::{Event, Job};
use super::source::{ChunkSource, Input};
use super::{Classifier, PredictOptions, Prediction, Sink};
use crate::audio::loudness::{frame_len, frame_powers};
use crate::audio::{StreamResampler, Windower, non_silent_range, normalize_loudness, remove_dc, resample};
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

/// Files up to this many seconds are classified whole in whole-file mode.
pub const WHOLE_FILE_LIMIT_S: f64 = 8.0;
/// Less voiced audio than this (seconds above the silence level) is `too short` to classify.
pub const MIN_VOICED_S: f64 = 0.25;
/// Waveform envelope resolution (blocks per second) kept for timeline figures.
pub const ENVELOPE_HZ: usize = 20;

/// What producers need to know of the model and options (plain data, shared by threads).
#[derive(Clone)]
struct Plan {
    rate: u32,
    clip_samples: usize,
    trim_db: Option<f32>,
    loudness_db: Option<f32>,
    window: Option<(usize, usize)>,
    /// Absolute floor (dBFS): quieter audio is silence whatever else is heard.
    silence_db: f32,
    /// Relative gate (dB): quieter than the loudest 50 ms heard so far by more than this is
    /// silence (a pause in speech, the noise floor).
    relative_db: f32,
    /// Windows shown on the timeline (false: clip-length windows of a long whole-file input).
    timeline: bool,
    max_duration: Option<f64>,
    cancel: Option<Cancel>,
}

impl Plan {
    fn new(predictor: &dyn Classifier, options: &PredictOptions) -> Plan {
        let clip = predictor.clip();
        let rate = clip.sample_rate;
        let to_samples = |s: f64| ((s * rate as f64).round() as usize).max(1);
        Plan {
            rate,
            clip_samples: predictor.clip_samples(),
            trim_db: clip.trim_db,
            loudness_db: clip.loudness_db,
            window: options.window.map(|(w, h)| (to_samples(w), to_samples(h))),
            silence_db: options.silence_db,
            relative_db: options.relative_silence_db,
            timeline: options.window.is_some(),
            max_duration: options.max_duration,
            cancel: options.cancel.clone(),
        }
    }

    /// Silence, too short, or audio to classify. `loudest` is the loudest 50 ms frame power
    /// heard so far in this input (updated), which sets the relative gate. `x` has lost its DC
    /// offset already, so that it moves neither the gate nor the level.
    fn judge(&self, x: &[f32], trim: bool, loudest: &mut f32) -> Job {
        let powers = frame_powers(x, self.rate);
        let here = powers.iter().copied().fold(0.0f32, f32::max);
        *loudest = loudest.max(here);
        let floor = 10f32
            .powf(self.silence_db / 10.0)
            .max(*loudest * 10f32.powf(-self.relative_db / 10.0));
        if here < floor {
            return Job::Known(Prediction::labelled("silence"));
        }
        let voiced: usize = x
            .chunks(frame_len(self.rate))
            .zip(&powers)
            .filter(|(_, p)| **p >= floor)
            .map(|(c, _)| c.len())
            .sum();
        if (voiced as f64) < MIN_VOICED_S * self.rate as f64 {
            return Job::Known(Prediction::labelled("too short"));
        }
        let mut clip = match self.loudness_db {
            Some(target) => normalize_loudness(x, self.rate, target),
            None => x.to_vec(),
        };
        if let Some(db) = self.trim_db.filter(|_| trim) {
            let (a, b) = non_silent_range(&clip, db);
            clip = clip[a..b].to_vec();
        }
        Job::Classify(clip)
    }
}

/// Per-block peak of the resampled stream.
struct Envelope {
    block: usize,
    current: (usize, f32),
    peaks: Vec<f32>,
}

impl Envelope {
    fn new(rate: u32) -> Envelope {
        Envelope {
            block: (rate as usize / ENVELOPE_HZ).max(1),
            current: (0, 0.0),
            peaks: Vec::new(),
        }
    }

    fn push(&mut self, x: &[f32]) {
        for v in x {
            self.current = (self.current.0 + 1, self.current.1.max(v.abs()));
            if self.current.0 == self.block {
                self.peaks.push(self.current.1);
                self.current = (0, 0.0);
            }
        }
    }

    fn finish(mut self) -> Vec<f32> {
        if self.current.0 > 0 {
            self.peaks.push(self.current.1);
        }
        self.peaks
    }
}

/// Reads one input to the end, sending its pieces; returns its duration and envelope.
fn produce(index: usize, input: &Input, plan: &Plan, tx: &SyncSender<Event>) -> Result<(f64, Vec<f32>)> {
    let mut source = Budgeted::new(input.open()?, input.path(), plan.max_duration, plan.cancel.clone())?;
    let native = source.sample_rate();
    let mut envelope = Envelope::new(plan.rate);
    let mut loudest = 0.0f32;
    // A closed channel means the consumer stopped (on an error): stop reading.
    let stopped = || Error::Data("prediction stopped".into());
    let send = |span, job| {
        tx.send(Event::Piece {
            input: index,
            span,
            job,
        })
        .map_err(|_| stopped())
    };
    let mut head = Vec::new();
    if plan.window.is_none() && !input.is_live() {
        let limit = (WHOLE_FILE_LIMIT_S * native as f64) as usize;
        while head.len() <= limit {
            match source.next_chunk()? {
                Some(chunk) => head.extend(chunk),
                None => {
                    // As a training clip: DC off at the input's own rate, then resampled.
                    let x = resample(&remove_dc(&head), native, plan.rate)?;
                    envelope.push(&x);
                    send(None, plan.judge(&x, true, &mut loudest))?;
                    return Ok((x.len() as f64 / plan.rate as f64, envelope.finish()));
                }
            }
        }
    }
    let (window, hop) = plan.window.unwrap_or((plan.clip_samples, plan.clip_samples));
    let mut resampler = StreamResampler::new(native, plan.rate)?;
    let mut windower = Windower::new(window, hop);
    let seconds = |s: usize| s as f64 / plan.rate as f64;
    let mut total = 0usize;
    let mut pending = Some(head).filter(|h| !h.is_empty());
    loop {
        let (resampled, last) = match pending.take().map(Ok).or_else(|| source.next_chunk().transpose()) {
            Some(chunk) => (resampler.push(&chunk?)?, false),
            None => (resampler.finish()?, true),
        };
        total += resampled.len();
        envelope.push(&resampled);
        let mut windows = windower.push(&resampled);
        if last {
            windows.extend(windower.finish());
        }
        for (a, b, x) in windows {
            send(
                Some((seconds(a), seconds(b))),
                plan.judge(&remove_dc(&x), !plan.timeline, &mut loudest),
            )?;
        }
        if last {
            return Ok((seconds(total), envelope.finish()));
        }
    }
}

/// Predicts every input, streaming results into `sink` in input order. Unreadable inputs get
/// an error result and the rest continue.
pub fn predict_inputs(
    predictor: &dyn Classifier,
    inputs: &[Input],
    options: &PredictOptions,
    sink: &mut dyn Sink,
) -> Result<()> {
    let plan = Plan::new(predictor, options);
    let producers = options
        .producers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() / 2))
        .clamp(1, inputs.len().max(1));
    let (tx, rx) = sync_channel::<Event>(2 * options.batch.max(1));
    let next = AtomicUsize::new(0);
    let mut consumer = Consumer::new(predictor, options, inputs, plan.timeline);
    std::thread::scope(|scope| {
        for _ in 0..producers {
            let (tx, plan, next) = (tx.clone(), plan.clone(), &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let (duration, envelope, error) = match produce(i, input, &plan, &tx) {
                        Ok((d, env)) => (Some(d), env, None),
                        Err(e) => (None, Vec::new(), Some(e.to_string())),
                    };
                    if tx
                        .send(Event::End {
                            input: i,
                            duration,
                            envelope,
                            error,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(tx);
        consumer.run(rx, sink)
    })
}

/// Whole-clip predictions of in-memory clips at the model's sample rate, exactly as `predict`
/// makes them for short files (silence and too-short verdicts, level normalisation, trimming).
pub fn predict_clips(
    predictor: &dyn Classifier,
    clips: &[Vec<f32>],
    options: &PredictOptions,
) -> Result<Vec<Prediction>> {
    let plan = Plan::new(predictor, options);
    let jobs: Vec<Job> = clips
        .iter()
        .map(|x| plan.judge(&remove_dc(x), true, &mut 0.0))
        .collect();
    let audio: Vec<&[f32]> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Classify(x) => Some(x.as_slice()),
            Job::Known(_) => None,
        })
        .collect();
    let mut probabilities = predictor.classify_refs(&audio, options.batch)?.into_iter();
    Ok(jobs
        .into_iter()
        .map(|j| match j {
            Job::Known(p) => p,
            Job::Classify(_) => probabilities.next().map_or_else(
                || Prediction::labelled("?"),
                |p| Prediction::from_probabilities(&p, predictor.classes()),
            ),
        })
        .collect())
}
