//! Emotion prediction on users' audio: whole files, or windows over long recordings with
//! silent stretches marked instead of classified. Files are decoded in parallel on the CPU and
//! classified in batches on the compute device. A model is a directory holding `net.json`
//! (architecture and input normalisation), `config.json` (front end and clip length) and
//! `model.bpk` (weights); a run directory written by `emovox train` also works (its first
//! repeat's best checkpoint is used).

use crate::audio::{ClipConfig, decode_file, fit_length, resample};
use crate::corpus::{Emotion, audio_files};
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, log_mel_tensor};
use crate::gpu::{Compute, to_host};
use crate::models::{NetConfig, Network, prepare_input};
use crate::train::checkpoint::{load_network, read_json};
use crate::train::experiment::{ExperimentConfig, ExperimentResult};
use crate::train::one_hot;
use burn::module::Module;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The model that ships in `weights/default` (relative to the working directory, else to the
/// source checkout this binary was built from).
pub fn default_model_dir() -> PathBuf {
    let local = PathBuf::from("weights/default");
    if local.join("net.json").exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/default")
}

/// A loaded classifier with its front end.
pub struct Predictor {
    net: NetConfig,
    network: Network,
    pub features: FeatureConfig,
    pub clip: ClipConfig,
    pub compute: Compute,
    /// Where the model came from.
    pub source: PathBuf,
}

/// Class probabilities in class order.
pub type Probabilities = Vec<f32>;

impl Predictor {
    /// Loads a model directory or a run directory.
    pub fn load(dir: &Path, compute: Compute) -> Result<Predictor> {
        let missing = |what: &str| Error::Weights {
            path: dir.into(),
            reason: format!("not an emovox model or run directory ({what} not found)"),
        };
        let config_path = dir.join("config.json");
        if !config_path.exists() {
            return Err(missing("config.json"));
        }
        let cfg: ExperimentConfig = read_json(&config_path)?;
        let (net_dir, weights) = if dir.join("model.bpk").exists() {
            (dir.to_path_buf(), dir.join("model.bpk"))
        } else {
            let result: ExperimentResult = read_json(&dir.join("metrics.json"))?;
            let first = result.repeats.first().ok_or_else(|| missing("a trained repeat"))?;
            let repeat = dir.join(&first.name);
            let weights = repeat.join("best.bpk");
            (repeat, weights)
        };
        if !net_dir.join("net.json").exists() {
            return Err(missing("net.json (SVM runs cannot predict; train a network)"));
        }
        let net: NetConfig = read_json(&net_dir.join("net.json"))?;
        let network = load_network(&weights, Network::new(&net, &compute.device))?.valid();
        let mut clip = cfg.clip.clone();
        clip.duration = clip.duration.or(Some(4.0));
        Ok(Predictor {
            net,
            network,
            features: cfg.features,
            clip,
            compute,
            source: dir.to_path_buf(),
        })
    }

    /// Samples per model input clip.
    pub fn clip_samples(&self) -> usize {
        self.clip.num_samples().unwrap_or(self.clip.sample_rate as usize * 4)
    }

    /// Class probabilities of prepared clips (pipeline rate, any length: fitted to the model's
    /// clip length), in batches of `batch`.
    pub fn classify(&self, clips: &[Vec<f32>], batch: usize) -> Result<Vec<Probabilities>> {
        let n = self.clip_samples();
        let mut out = Vec::with_capacity(clips.len());
        for chunk in clips.chunks(batch.max(1)) {
            let fitted: Vec<Vec<f32>> = chunk.iter().map(|c| fit_length(c, n)).collect();
            let log_mel = log_mel_tensor(&self.compute, &fitted, &self.features)?;
            let targets = one_hot(&vec![0; chunk.len()], self.net.classes, &self.compute.device);
            let (input, _) = prepare_input(&self.net, log_mel, targets, self.net.image_size, None);
            let probs = burn::tensor::activation::softmax(self.network.forward(input), 1);
            out.extend(to_host(probs)?.chunks(self.net.classes).map(<[f32]>::to_vec));
        }
        Ok(out)
    }
}

/// Label and probabilities of one prediction; `label` is "silence" for silent audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub label: String,
    /// Probability of the predicted label (0 for silence).
    pub confidence: f32,
    /// Every class's probability, by class name (empty for silence).
    pub probabilities: Vec<(String, f32)>,
}

impl Prediction {
    fn silence() -> Prediction {
        Prediction {
            label: "silence".into(),
            confidence: 0.0,
            probabilities: Vec::new(),
        }
    }

    fn from_probabilities(p: &[f32]) -> Prediction {
        let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0);
        Prediction {
            label: Emotion::from_index(best).map_or("?".into(), |e| e.name().to_string()),
            confidence: p[best],
            probabilities: Emotion::ALL
                .iter()
                .zip(p)
                .map(|(e, &v)| (e.name().to_string(), v))
                .collect(),
        }
    }
}

/// One window of a timeline, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: f64,
    pub end: f64,
    #[serde(flatten)]
    pub prediction: Prediction,
}

/// The outcome for one input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileResult {
    pub path: PathBuf,
    pub duration: Option<f64>,
    /// Whole-file prediction (absent in timeline mode and on error).
    pub prediction: Option<Prediction>,
    /// Timeline windows (timeline mode).
    pub windows: Vec<Window>,
    pub error: Option<String>,
}

/// How to predict.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// Window and hop in seconds for a timeline; `None` = one prediction per file.
    pub window: Option<(f64, f64)>,
    /// Audio whose loudest 50 ms is quieter than this (RMS, dB re full scale) is silence, not
    /// classified.
    pub silence_db: f32,
    pub batch: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            window: None,
            silence_db: -50.0,
            batch: 32,
        }
    }
}

/// Level of the loudest 50 ms of `x` (RMS, dB re full scale; -inf for digital silence).
/// Audio is silent when even its loudest moment is quiet, so speech with pauses is not.
pub fn peak_level_db(x: &[f32], rate: u32) -> f32 {
    let frame = (rate as usize / 20).max(1);
    let loudest = x
        .chunks(frame)
        .map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32)
        .fold(0.0f32, f32::max);
    10.0 * loudest.log10()
}

/// Window bounds (in samples) that tile `[0, len)` exactly: starts at multiples of `hop`, the
/// last window ends at `len`.
pub fn window_bounds(len: usize, window: usize, hop: usize) -> Vec<(usize, usize)> {
    let (window, hop) = (window.max(1), hop.max(1));
    let mut bounds = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + window).min(len);
        bounds.push((start, end));
        if end >= len {
            return bounds;
        }
        start += hop;
    }
}

/// Expands paths (files or folders, recursively) into audio files, in order.
pub fn expand_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileResult>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match audio_files(p) {
                Ok(found) => files.extend(found),
                Err(e) => errors.push(failed(p, e.to_string())),
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, errors)
}

fn failed(path: &Path, error: String) -> FileResult {
    FileResult {
        path: path.to_path_buf(),
        duration: None,
        prediction: None,
        windows: Vec::new(),
        error: Some(error),
    }
}

/// Predicts every file; unreadable files get an error entry and the rest continue.
pub fn predict_files(predictor: &Predictor, files: &[PathBuf], options: &PredictOptions) -> Result<Vec<FileResult>> {
    let rate = predictor.clip.sample_rate;
    let decoded: Vec<Result<Vec<f32>>> = files
        .par_iter()
        .map(|path| {
            let audio = decode_file(path)?;
            resample(&audio.samples, audio.sample_rate, rate)
        })
        .collect();
    // Every clip to classify: (index into `results`, window index or None, samples).
    let mut results: Vec<FileResult> = Vec::with_capacity(files.len());
    let mut jobs: Vec<(usize, Option<usize>, Vec<f32>)> = Vec::new();
    for (path, audio) in files.iter().zip(decoded) {
        let i = results.len();
        let x = match audio {
            Ok(x) => x,
            Err(e) => {
                results.push(failed(path, e.to_string()));
                continue;
            }
        };
        let mut result = FileResult {
            path: path.clone(),
            duration: Some(x.len() as f64 / rate as f64),
            prediction: None,
            windows: Vec::new(),
            error: None,
        };
        match options.window {
            None => {
                if peak_level_db(&x, rate) < options.silence_db {
                    result.prediction = Some(Prediction::silence());
                } else {
                    let prepared = predictor.clip.trim_db.map_or(x.clone(), |db| {
                        let (a, b) = crate::audio::non_silent_range(&x, db);
                        x[a..b].to_vec()
                    });
                    jobs.push((i, None, prepared));
                }
            }
            Some((window, hop)) => {
                let to_samples = |s: f64| (s * rate as f64).round() as usize;
                for (w, (a, b)) in window_bounds(x.len(), to_samples(window), to_samples(hop))
                    .into_iter()
                    .enumerate()
                {
                    let silent = peak_level_db(&x[a..b], rate) < options.silence_db;
                    result.windows.push(Window {
                        start: a as f64 / rate as f64,
                        end: b as f64 / rate as f64,
                        prediction: Prediction::silence(),
                    });
                    if !silent {
                        jobs.push((i, Some(w), x[a..b].to_vec()));
                    }
                }
            }
        }
        results.push(result);
    }
    let clips: Vec<Vec<f32>> = jobs.iter().map(|(_, _, x)| x.clone()).collect();
    let probabilities = predictor.classify(&clips, options.batch)?;
    for ((file, window, _), p) in jobs.iter().zip(probabilities) {
        let result = &mut results[*file];
        let prediction = Prediction::from_probabilities(&p);
        match window {
            None => result.prediction = Some(prediction),
            Some(w) => result.windows[*w].prediction = prediction,
        }
    }
    Ok(results)
}

/// Copies a trained run's first repeat into a self-contained model directory
/// (`config.json`, `net.json`, `model.bpk`, `metrics.json`, `split.json`) that
/// [`Predictor::load`] reads and `emovox eval --run` re-scores;
/// with `half`, the weights are stored in f16 (half the size, for shipping).
pub fn export_model(run_dir: &Path, out: &Path, half: bool) -> Result<PathBuf> {
    let result: ExperimentResult = read_json(&run_dir.join("metrics.json"))?;
    let first = result.repeats.first().ok_or_else(|| Error::Weights {
        path: run_dir.into(),
        reason: "the run has no trained repeat".into(),
    })?;
    let repeat = run_dir.join(&first.name);
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    for (from, to) in [
        (run_dir.join("config.json"), "config.json"),
        (repeat.join("net.json"), "net.json"),
        (repeat.join("metrics.json"), "metrics.json"),
        (repeat.join("split.json"), "split.json"),
    ] {
        std::fs::copy(&from, out.join(to)).map_err(|e| Error::io(&from, e))?;
    }
    let weights = repeat.join("best.bpk");
    if half {
        let net: NetConfig = read_json(&repeat.join("net.json"))?;
        let device = Compute::cpu().device;
        let network = load_network(&weights, Network::new(&net, &device))?;
        crate::train::checkpoint::save_module_half(&out.join("model.bpk"), &network)?;
    } else {
        std::fs::copy(&weights, out.join("model.bpk")).map_err(|e| Error::io(&weights, e))?;
    }
    Ok(out.to_path_buf())
}
