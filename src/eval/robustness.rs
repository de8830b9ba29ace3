//! How much a model's answers depend on the recording rather than the speaker's emotion: for a
//! set of labelled clips, the share of labels left unchanged and the accuracy under gain
//! changes, peak normalisation, white noise, the telephone band and reverberation, each
//! predicted exactly as `emovox predict` predicts a file.

use crate::audio::decode_file;
use crate::augment::channel::{self, NoiseColour};
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::predict::{PredictOptions, Predictor, predict_clips};
use crate::rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One way the recording changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    Gain(f32),
    /// Scaled so the loudest sample is at full scale.
    PeakNormalise,
    /// White noise at this SNR in dB.
    Noise(f32),
    /// 300-3400 Hz.
    Telephone,
    /// A synthetic room of this RT60 in seconds.
    Reverb(f32),
}

/// The conditions of the report.
pub const CONDITIONS: [Condition; 10] = [
    Condition::Gain(-30.0),
    Condition::Gain(-20.0),
    Condition::Gain(-10.0),
    Condition::Gain(6.0),
    Condition::PeakNormalise,
    Condition::Noise(30.0),
    Condition::Noise(20.0),
    Condition::Noise(10.0),
    Condition::Telephone,
    Condition::Reverb(0.6),
];

impl Condition {
    pub fn name(self) -> String {
        match self {
            Condition::Gain(db) => format!("gain {db:+} dB"),
            Condition::PeakNormalise => "peak normalised".into(),
            Condition::Noise(snr) => format!("white noise {snr} dB SNR"),
            Condition::Telephone => "telephone band".into(),
            Condition::Reverb(rt60) => format!("reverberation RT60 {rt60} s"),
        }
    }

    /// The changed clip (`index` seeds the noise and the room).
    pub fn apply(self, x: &[f32], rate: u32, index: usize) -> Vec<f32> {
        let mut rng = rng::seeded(index as u64, 0x0B05_7A7E);
        match self {
            Condition::Gain(db) => {
                let g = 10f32.powf(db / 20.0);
                x.iter().map(|v| v * g).collect()
            }
            Condition::PeakNormalise => {
                let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
                x.iter().map(|v| v / peak).collect()
            }
            Condition::Noise(snr) => {
                channel::add_at_snr(x, &channel::noise(x.len(), NoiseColour::White, &mut rng), snr)
            }
            Condition::Telephone => channel::band_limit(x, rate, 300.0, 3400.0),
            Condition::Reverb(rt60) => channel::reverberate(x, &channel::room_impulse(rate, rt60, &mut rng)),
        }
    }
}

/// One condition's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConditionResult {
    pub condition: String,
    /// Share of clips whose label is the same as on the original recording.
    pub unchanged: f64,
    pub accuracy: f64,
}

/// `emovox eval --robustness`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustnessReport {
    pub model: PathBuf,
    pub clips: usize,
    pub accuracy: f64,
    pub conditions: Vec<ConditionResult>,
}

/// Evenly spaced clips (by sorted path) of the model's classes under `data`.
fn pick_clips(data: &[PathBuf], predictor: &Predictor, count: usize) -> Result<Vec<(PathBuf, usize)>> {
    let corpus = Corpus::scan(data)?;
    let known: Vec<(PathBuf, usize)> = corpus
        .clips
        .iter()
        .filter_map(|c| predictor.classes().index(&c.label).map(|i| (c.path.clone(), i)))
        .collect();
    if known.is_empty() {
        return Err(Error::Data("no clips of the model's classes in the given data".into()));
    }
    let step = (known.len() as f64 / count.max(1) as f64).max(1.0);
    Ok((0..count.min(known.len()))
        .map(|k| known[(k as f64 * step) as usize].clone())
        .collect())
}

fn agreement(a: &[String], b: &[String]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64
}

/// Predicts `count` clips of `data` as recorded and under every condition.
pub fn robustness(model: &Path, predictor: &Predictor, data: &[PathBuf], count: usize) -> Result<RobustnessReport> {
    let picked = pick_clips(data, predictor, count)?;
    let rate = predictor.clip.sample_rate;
    let audio: Vec<Vec<f32>> = picked
        .par_iter()
        .map(|(path, _)| {
            let a = decode_file(path)?;
            crate::audio::resample(&a.samples, a.sample_rate, rate)
        })
        .collect::<Result<_>>()?;
    let truth: Vec<String> = picked
        .iter()
        .map(|(_, i)| predictor.classes().name(*i).unwrap_or("?").to_string())
        .collect();
    let options = PredictOptions::default();
    let labels = |clips: &[Vec<f32>]| -> Result<Vec<String>> {
        Ok(predict_clips(predictor, clips, &options)?
            .into_iter()
            .map(|p| p.label)
            .collect())
    };
    let original = labels(&audio)?;
    let mut conditions = Vec::new();
    for condition in CONDITIONS {
        let changed: Vec<Vec<f32>> = audio
            .par_iter()
            .enumerate()
            .map(|(i, x)| condition.apply(x, rate, i))
            .collect();
        let got = labels(&changed)?;
        conditions.push(ConditionResult {
            condition: condition.name(),
            unchanged: agreement(&got, &original),
            accuracy: agreement(&got, &truth),
        });
    }
    Ok(RobustnessReport {
        model: model.to_path_buf(),
        clips: audio.len(),
        accuracy: agreement(&original, &truth),
        conditions,
    })
}
