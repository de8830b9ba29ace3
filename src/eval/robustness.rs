//! How much a model's answers depend on the recording rather than the speaker's emotion: for a
//! set of labelled clips, the share of labels left unchanged, the accuracy and the UAR under
//! gain changes, peak normalisation, white noise, the telephone band, rooms (a synthetic
//! exponential tail, and image-method rooms of given RT60 and direct-to-reverberant ratio),
//! babble, clipping, a DC offset and speed changes, each predicted exactly as `emovox predict`
//! predicts a file. Score it on clips the model did not train on: a held-out corpus, or each
//! network of a run on its own test split ([`robustness_held_out`]).

use crate::audio::{decode_file, resample};
use crate::augment::channel::{self, NoiseColour};
use crate::augment::room::calibrated_room;
use crate::corpus::{Classes, Corpus};
use crate::error::{Error, Result};
use crate::gpu::Compute;
use crate::predict::{PredictOptions, Predictor, predict_clips};
use crate::rng;
use crate::run::{ExperimentConfig, SplitPaths, read_json};
use crate::scores::Metrics;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
    /// A synthetic room (exponentially decaying noise) of this RT60 in seconds.
    Reverb(f32),
    /// An image-method room of this RT60 (s) with this direct-to-reverberant ratio (dB).
    Room {
        rt60: f32,
        drr_db: f32,
    },
    /// Six other clips of the set talking at this SNR in dB.
    Babble(f32),
    /// Amplified until the peak lies this many dB above full scale, then clipped.
    Clipping(f32),
    /// This constant added to every sample.
    DcOffset(f32),
    /// Played this many times faster (pitch and tempo).
    Speed(f32),
}

/// Talkers in the babble condition.
const BABBLE_TALKERS: usize = 6;
/// Rooms drawn per room condition (clip i hears room i mod ROOMS).
const ROOMS: usize = 8;

/// The conditions of the report.
pub const CONDITIONS: [Condition; 22] = [
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
    Condition::Room { rt60: 0.3, drr_db: 3.0 },
    Condition::Room {
        rt60: 0.3,
        drr_db: -3.0,
    },
    Condition::Room { rt60: 0.6, drr_db: 3.0 },
    Condition::Room {
        rt60: 0.6,
        drr_db: -3.0,
    },
    Condition::Room { rt60: 0.9, drr_db: 3.0 },
    Condition::Room {
        rt60: 0.9,
        drr_db: -3.0,
    },
    Condition::Babble(20.0),
    Condition::Babble(10.0),
    Condition::Clipping(20.0),
    Condition::DcOffset(0.1),
    Condition::Speed(0.95),
    Condition::Speed(1.05),
];

/// What the conditions draw on besides the clip: the other clips (babble) and the rooms.
struct Scene<'a> {
    clips: &'a [Vec<f32>],
    rooms: &'a [Vec<f32>],
}

impl Condition {
    pub fn name(self) -> String {
        match self {
            Condition::Gain(db) => format!("gain {db:+} dB"),
            Condition::PeakNormalise => "peak normalised".into(),
            Condition::Noise(snr) => format!("white noise {snr} dB SNR"),
            Condition::Telephone => "telephone band".into(),
            Condition::Reverb(rt60) => format!("reverberation RT60 {rt60} s"),
            Condition::Room { rt60, drr_db } => format!("room RT60 {rt60} s, DRR {drr_db:+} dB"),
            Condition::Babble(snr) => format!("babble {snr} dB SNR"),
            Condition::Clipping(db) => format!("clipping +{db} dB"),
            Condition::DcOffset(dc) => format!("DC offset {dc}"),
            Condition::Speed(s) => format!("speed {s}"),
        }
    }

    /// The impulse responses of this condition's rooms (none for the other conditions).
    fn rooms(self, rate: u32) -> Vec<Vec<f32>> {
        let Condition::Room { rt60, drr_db } = self else {
            return Vec::new();
        };
        (0..ROOMS)
            .into_par_iter()
            .map(|k| calibrated_room(rate, rt60, drr_db, &mut rng::seeded(k as u64, 0x5_0B0E)).1)
            .collect()
    }

    /// The changed clip `index` of the scene (which seeds the noise and picks the room).
    fn apply(self, scene: &Scene, index: usize, rate: u32) -> Result<Vec<f32>> {
        let x = &scene.clips[index];
        let mut rng = rng::seeded(index as u64, 0x0B05_7A7E);
        Ok(match self {
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
            Condition::Room { .. } => channel::reverberate(x, &scene.rooms[index % scene.rooms.len()]),
            Condition::Babble(snr) => {
                let others: Vec<&[f32]> = (scene.clips.iter().enumerate())
                    .filter(|&(j, _)| j != index)
                    .map(|(_, c)| c.as_slice())
                    .collect();
                let talk = channel::babble(&others, BABBLE_TALKERS, x.len(), &mut rng);
                channel::add_at_snr(x, &talk, snr)
            }
            Condition::Clipping(db) => channel::overdrive(x, db),
            Condition::DcOffset(dc) => x.iter().map(|v| v + dc).collect(),
            // Played `speed` times faster: the same samples at rate / speed.
            Condition::Speed(speed) => resample(x, rate, (f64::from(rate) / f64::from(speed)).round() as u32)?,
        })
    }
}

/// One condition's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConditionResult {
    pub condition: String,
    /// Share of clips whose label is the same as on the original recording.
    pub unchanged: f64,
    pub accuracy: f64,
    /// Unweighted average recall over the classes of the clips.
    #[serde(default)]
    pub uar: f64,
}

/// `emovox eval --robustness`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustnessReport {
    pub model: PathBuf,
    pub clips: usize,
    pub accuracy: f64,
    /// UAR as recorded.
    #[serde(default)]
    pub uar: f64,
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
    Ok(evenly_spaced(known, count))
}

/// `count` of `items` (all of them if fewer), evenly spaced.
fn evenly_spaced<T: Clone>(items: Vec<T>, count: usize) -> Vec<T> {
    let step = (items.len() as f64 / count.max(1) as f64).max(1.0);
    (0..count.min(items.len()))
        .map(|k| items[(k as f64 * step) as usize].clone())
        .collect()
}

fn agreement(a: &[String], b: &[String]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64
}

/// UAR of `labels` against the clips' classes (a label outside the model's classes, such as
/// "silence", counts as wrong).
fn uar(labels: &[String], truth: &[usize], classes: &Classes) -> f64 {
    let mut names = classes.names();
    let none = names.len();
    names.push("(no emotion)");
    let predicted: Vec<usize> = labels.iter().map(|l| classes.index(l).unwrap_or(none)).collect();
    Metrics::compute(truth, &predicted, &names).uar
}

/// Predicts `count` clips of `data` as recorded and under every condition.
pub fn robustness(model: &Path, predictor: &Predictor, data: &[PathBuf], count: usize) -> Result<RobustnessReport> {
    let picked = pick_clips(data, predictor, count)?;
    report(
        model,
        &[Trial {
            predictor,
            clips: picked,
        }],
    )
}

/// Predicts, with each network of the run or model directory `run`, clips of its own test split
/// (`count` in all, evenly spaced over each split, shared out between the networks) as
/// recorded and under every condition: the speakers (or corpus) each network never heard.
pub fn robustness_held_out(run: &Path, compute: Compute, count: usize) -> Result<RobustnessReport> {
    let cfg: ExperimentConfig = read_json(&run.join("config.json"))?;
    let members = Predictor::load_each(run, compute)?;
    let mut corpus = Corpus::scan(&cfg.data)?;
    for clip in &mut corpus.clips {
        clip.label = cfg.labels.map(&clip.label);
    }
    let labels: HashMap<&Path, &str> = corpus
        .clips
        .iter()
        .map(|c| (c.path.as_path(), c.label.as_str()))
        .collect();
    let share = count.div_ceil(members.len());
    let mut trials = Vec::with_capacity(members.len());
    for (predictor, saved) in &members {
        let split: SplitPaths = read_json(&saved.dir.join("split.json"))?;
        // Under the corpus protocol only the classes the held-out corpus shares with the
        // training corpora were scored; elsewhere all of them.
        let scored = &saved.result.scored_classes;
        let known: Vec<(PathBuf, usize)> = split
            .test
            .iter()
            .filter_map(|p| {
                let label = *labels.get(p.as_path())?;
                if !scored.is_empty() && !scored.iter().any(|c| c == label) {
                    return None;
                }
                Some((p.clone(), predictor.classes().index(label)?))
            })
            .collect();
        if known.is_empty() {
            return Err(Error::Data(format!(
                "{}: no labelled test clips of the model's classes found under {:?}",
                saved.result.name, cfg.data
            )));
        }
        trials.push(Trial {
            predictor,
            clips: evenly_spaced(known, share),
        });
    }
    report(run, &trials)
}

/// One network and the labelled clips it predicts.
struct Trial<'a> {
    predictor: &'a Predictor,
    clips: Vec<(PathBuf, usize)>,
}

/// Labels of one trial's clips as recorded and under each condition, in [`CONDITIONS`] order
/// (`rooms[k]`: the room impulse responses of condition k).
fn trial_labels(trial: &Trial, rooms: &[Vec<Vec<f32>>]) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let predictor = trial.predictor;
    let rate = predictor.clip.sample_rate;
    let audio: Vec<Vec<f32>> = trial
        .clips
        .par_iter()
        .map(|(path, _)| {
            let a = decode_file(path)?;
            resample(&a.samples, a.sample_rate, rate)
        })
        .collect::<Result<_>>()?;
    let options = PredictOptions::default();
    let labels = |clips: &[Vec<f32>]| -> Result<Vec<String>> {
        Ok(predict_clips(predictor, clips, &options)?
            .into_iter()
            .map(|p| p.label)
            .collect())
    };
    let original = labels(&audio)?;
    let mut changed = Vec::with_capacity(CONDITIONS.len());
    for (condition, rooms) in CONDITIONS.into_iter().zip(rooms) {
        let scene = Scene { clips: &audio, rooms };
        let clips: Vec<Vec<f32>> = (0..audio.len())
            .into_par_iter()
            .map(|i| condition.apply(&scene, i, rate))
            .collect::<Result<_>>()?;
        changed.push(labels(&clips)?);
    }
    Ok((original, changed))
}

/// The report over the trials' clips pooled (the trials share their classes).
fn report(model: &Path, trials: &[Trial]) -> Result<RobustnessReport> {
    let Some(first) = trials.first() else {
        return Err(Error::Data("no clips to score".into()));
    };
    let names = first.predictor.classes();
    let rate = first.predictor.clip.sample_rate;
    let rooms: Vec<Vec<Vec<f32>>> = CONDITIONS.iter().map(|c| c.rooms(rate)).collect();
    let (mut classes, mut original) = (Vec::new(), Vec::new());
    let mut changed = vec![Vec::new(); CONDITIONS.len()];
    for trial in trials {
        let (as_recorded, under) = trial_labels(trial, &rooms)?;
        classes.extend(trial.clips.iter().map(|(_, i)| *i));
        original.extend(as_recorded);
        for (pooled, labels) in changed.iter_mut().zip(under) {
            pooled.extend(labels);
        }
    }
    let truth: Vec<String> = classes
        .iter()
        .map(|&i| names.name(i).unwrap_or("?").to_string())
        .collect();
    let conditions = CONDITIONS
        .iter()
        .zip(&changed)
        .map(|(condition, got)| ConditionResult {
            condition: condition.name(),
            unchanged: agreement(got, &original),
            accuracy: agreement(got, &truth),
            uar: uar(got, &classes, names),
        })
        .collect();
    Ok(RobustnessReport {
        model: model.to_path_buf(),
        clips: original.len(),
        accuracy: agreement(&original, &truth),
        uar: uar(&original, &classes, names),
        conditions,
    })
}
