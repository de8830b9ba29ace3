//! Emotion prediction on users' audio: whole files, or windows over recordings of any length
//! (streamed, see [`pipeline`]) with silent stretches marked instead of classified. A model is
//! a directory holding `net.json` (architecture, classes and input normalisation),
//! `config.json` (front end and clip length) and `model.bpk` (weights), or an exported
//! ensemble of such networks; a run directory written by `emovox train` also works (its first
//! repeat's best checkpoint, or all repeats as an ensemble). See [`model_dir`].

pub mod adapt;
pub mod budget;
mod consumer;
pub mod inputs;
pub mod model_dir;
pub mod pipeline;
mod results;
pub mod source;

pub use budget::{Budgeted, Cancel, CancelOnDrop};
pub use inputs::{Shard, expand_inputs, read_file_list};
pub use model_dir::{RunRepeats, SavedNetwork, export_model, saved_networks};
pub use pipeline::{Sink, predict_clips, predict_inputs};
pub use results::{ClassProbabilities, FileResult, Prediction, Window};
pub use source::{ChunkSource, HandOver, Input, RawEncoding, RawFormat, RawPcm};

use crate::audio::{ClipConfig, fit_length};
use crate::corpus::Classes;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, log_mel_tensor};
use crate::gpu::{Compute, to_host};
use crate::models::{NetConfig, Network, prepare_input};
use crate::train::checkpoint::{load_network, read_json};
use crate::train::one_hot;
use crate::train::run_record::ExperimentConfig;
use burn::module::Module;
use rayon::prelude::*;
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

/// A loaded classifier with its front end: one network, or the fold models of a run averaged.
pub struct Predictor {
    /// The networks and their input normalisation; probabilities are averaged over them.
    members: Vec<(NetConfig, Network)>,
    pub features: FeatureConfig,
    pub clip: ClipConfig,
    pub compute: Compute,
    /// Where the model came from.
    pub source: PathBuf,
}

/// Class probabilities in class order.
pub type Probabilities = Vec<f32>;

/// What the prediction pipeline needs of a model: its classes, its clip format, and the class
/// probabilities of prepared clips. A [`Predictor`] classifies in the calling thread; the
/// server hands clips to a queue that batches many clients' clips on the device.
pub trait Classifier {
    /// Output classes, in order.
    fn classes(&self) -> &Classes;
    /// Sample rate, clip length, trimming and level normalisation of model inputs.
    fn clip(&self) -> &ClipConfig;
    /// Class probabilities of clips at the pipeline rate (any length), `batch` at a time.
    fn classify_refs(&self, clips: &[&[f32]], batch: usize) -> Result<Vec<Probabilities>>;
    /// Samples per model input clip.
    fn clip_samples(&self) -> usize {
        let clip = self.clip();
        clip.num_samples().unwrap_or(clip.sample_rate as usize * 4)
    }
}

impl Classifier for Predictor {
    fn classes(&self) -> &Classes {
        Predictor::classes(self)
    }

    fn clip(&self) -> &ClipConfig {
        &self.clip
    }

    fn classify_refs(&self, clips: &[&[f32]], batch: usize) -> Result<Vec<Probabilities>> {
        Predictor::classify_refs(self, clips, batch)
    }
}

impl Predictor {
    /// Loads a model directory (one network, or every member of an exported ensemble), or a
    /// run directory's first repeat.
    pub fn load(dir: &Path, compute: Compute) -> Result<Predictor> {
        Predictor::load_with(dir, compute, false)
    }

    /// Loads every repeat of a run directory (e.g. the k fold models of the speaker protocol)
    /// as one ensemble that averages their probabilities; a model directory gives its own
    /// networks (one, or an exported ensemble's members).
    pub fn load_ensemble(dir: &Path, compute: Compute) -> Result<Predictor> {
        Predictor::load_with(dir, compute, true)
    }

    /// [`Predictor::load_ensemble`] with `all_repeats`, else [`Predictor::load`].
    pub fn load_with(dir: &Path, compute: Compute, all_repeats: bool) -> Result<Predictor> {
        let missing = |what: &str| Error::Weights {
            path: dir.into(),
            reason: format!("not an emovox model or run directory ({what} not found)"),
        };
        let config_path = dir.join("config.json");
        if !config_path.exists() {
            return Err(missing("config.json"));
        }
        let cfg: ExperimentConfig = read_json(&config_path)?;
        let repeats = if all_repeats {
            RunRepeats::All
        } else {
            RunRepeats::First
        };
        let members = saved_networks(dir, repeats)?;
        if members.is_empty() {
            return Err(missing("a trained repeat"));
        }
        let mut loaded = Vec::with_capacity(members.len());
        for SavedNetwork {
            dir: net_dir, weights, ..
        } in members
        {
            if !net_dir.join("net.json").exists() {
                return Err(missing("net.json (SVM runs cannot predict; train a network)"));
            }
            let net: NetConfig = read_json(&net_dir.join("net.json"))?;
            if loaded
                .first()
                .is_some_and(|(first, _): &(NetConfig, Network)| first.classes != net.classes)
            {
                return Err(Error::Weights {
                    path: net_dir,
                    reason: "the repeats of this run have different classes".into(),
                });
            }
            let network = load_network(&weights, Network::new(&net, &compute.device))?.valid();
            loaded.push((net, network));
        }
        let mut clip = cfg.clip.clone();
        clip.duration = clip.duration.or(Some(4.0));
        Ok(Predictor {
            members: loaded,
            features: cfg.features,
            clip,
            compute,
            source: dir.to_path_buf(),
        })
    }

    /// The model's classes, in output order.
    pub fn classes(&self) -> &Classes {
        &self.members[0].0.classes
    }

    /// Networks whose probabilities are averaged (1 unless loaded as an ensemble).
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// Samples per model input clip.
    pub fn clip_samples(&self) -> usize {
        Classifier::clip_samples(self)
    }

    /// Class probabilities of prepared clips (pipeline rate, any length: fitted to the model's
    /// clip length), in batches of `batch`.
    pub fn classify(&self, clips: &[Vec<f32>], batch: usize) -> Result<Vec<Probabilities>> {
        self.classify_refs(&clips.iter().map(Vec::as_slice).collect::<Vec<_>>(), batch)
    }

    /// [`Predictor::classify`] on borrowed clips.
    pub fn classify_refs(&self, clips: &[&[f32]], batch: usize) -> Result<Vec<Probabilities>> {
        let batch = batch.max(1);
        let parts: Result<Vec<Vec<Probabilities>>> = if self.compute.is_wgpu() || clips.len() < 2 * MIN_CPU_PART {
            clips.chunks(batch).map(|c| self.classify_batch(c)).collect()
        } else {
            // On the CPU, Burn's flex forward pass of these networks keeps about one core
            // busy: run one part of the clips per core instead.
            let part = clips.len().div_ceil(self.compute.info.cpu_threads.max(1));
            clips
                .par_chunks(part.clamp(MIN_CPU_PART, batch))
                .map(|c| self.classify_batch(c))
                .collect()
        };
        Ok(parts?.concat())
    }

    /// Class probabilities of one batch of clips, averaged over the members.
    fn classify_batch(&self, clips: &[&[f32]]) -> Result<Vec<Probabilities>> {
        let n = self.clip_samples();
        let k = self.classes().len();
        let fitted: Vec<Vec<f32>> = clips.iter().map(|c| fit_length(c, n)).collect();
        let log_mel = log_mel_tensor(&self.compute, &fitted, &self.features)?;
        let targets = one_hot(&vec![0; clips.len()], k, &self.compute.device);
        let mut sum: Option<burn::tensor::Tensor<2>> = None;
        for (net, network) in &self.members {
            let (input, _) = prepare_input(net, log_mel.clone(), targets.clone(), net.image_size, None);
            let probs = burn::tensor::activation::softmax(network.forward(input), 1);
            sum = Some(match sum {
                Some(s) => s + probs,
                None => probs,
            });
        }
        let mean = match sum {
            Some(s) if self.members.len() > 1 => s / self.members.len() as f32,
            Some(s) => s,
            None => return Err(Error::Data("a predictor without networks".into())),
        };
        Ok(to_host(mean)?.chunks(k).map(<[f32]>::to_vec).collect())
    }
}

/// Fewest clips per CPU forward pass when a batch is split over cores.
const MIN_CPU_PART: usize = 4;

/// How to predict.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// Window and hop in seconds for a timeline; `None` = one prediction per file.
    pub window: Option<(f64, f64)>,
    /// Audio whose loudest 50 ms is quieter than this (RMS, dB re full scale) is silence, not
    /// classified: a floor for digital and near-digital silence.
    pub silence_db: f32,
    /// A window whose loudest 50 ms is this many dB below the loudest 50 ms heard so far in its
    /// input is silence too (pauses, the noise floor), whatever the recording's gain.
    pub relative_silence_db: f32,
    pub batch: usize,
    /// Keep timeline windows (and the waveform envelope) in each [`FileResult`]; without it
    /// windows only stream through [`Sink::window`].
    pub keep_windows: bool,
    /// Decoding threads (default: half the cores, at least one).
    pub producers: Option<usize>,
    /// Longest input in seconds: a header claiming more is refused before decoding, a stream
    /// that goes past it is stopped with an error ([`budget`]).
    pub max_duration: Option<f64>,
    /// Stops every input's reading at its next chunk once cancelled.
    pub cancel: Option<Cancel>,
}

/// `predict`'s default longest input (12 hours).
pub const DEFAULT_MAX_DURATION_S: f64 = 12.0 * 3600.0;

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            window: None,
            silence_db: -90.0,
            relative_silence_db: 40.0,
            batch: 32,
            keep_windows: true,
            producers: None,
            max_duration: Some(DEFAULT_MAX_DURATION_S),
            cancel: None,
        }
    }
}

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
