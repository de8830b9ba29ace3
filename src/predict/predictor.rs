//! A loaded model with its front end ([`Predictor`]: one network, or the members of an
//! ensemble averaged) and what the prediction pipeline needs of any model ([`Classifier`]).

use crate::audio::{ClipConfig, fit_length};
use crate::corpus::Classes;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, log_mel_tensor};
use crate::gpu::{Compute, to_host};
use crate::models::{NetConfig, Network, prepare_input};
use crate::run::{ExperimentConfig, RunRepeats, SavedNetwork, load_network, read_json, saved_networks};
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
    pub(super) members: Vec<(NetConfig, Network)>,
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

/// The error for a directory that is not a model or a run.
fn not_a_model(dir: &Path, what: &str) -> Error {
    Error::Weights {
        path: dir.into(),
        reason: format!("not an emovox model or run directory ({what} not found)"),
    }
}

/// A run or model directory's configuration and the saved networks that count.
fn saved_members(dir: &Path, repeats: RunRepeats) -> Result<(ExperimentConfig, Vec<SavedNetwork>)> {
    let config_path = dir.join("config.json");
    if !config_path.exists() {
        return Err(not_a_model(dir, "config.json"));
    }
    let cfg: ExperimentConfig = read_json(&config_path)?;
    let members = saved_networks(dir, repeats)?;
    if members.is_empty() {
        return Err(not_a_model(dir, "a trained repeat"));
    }
    Ok((cfg, members))
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
        let repeats = if all_repeats {
            RunRepeats::All
        } else {
            RunRepeats::First
        };
        let (cfg, members) = saved_members(dir, repeats)?;
        Predictor::from_saved(dir, &cfg, &members, compute)
    }

    /// Every network of a run or model directory as a predictor of its own, with its saved
    /// record (whose directory holds the repeat's `split.json`).
    pub fn load_each(dir: &Path, compute: Compute) -> Result<Vec<(Predictor, SavedNetwork)>> {
        let (cfg, members) = saved_members(dir, RunRepeats::All)?;
        members
            .into_iter()
            .map(|member| {
                let predictor = Predictor::from_saved(dir, &cfg, std::slice::from_ref(&member), compute.clone())?;
                Ok((predictor, member))
            })
            .collect()
    }

    /// The networks `members` of the run or model directory `dir` averaged.
    fn from_saved(dir: &Path, cfg: &ExperimentConfig, members: &[SavedNetwork], compute: Compute) -> Result<Predictor> {
        let mut loaded = Vec::with_capacity(members.len());
        for SavedNetwork {
            dir: net_dir, weights, ..
        } in members
        {
            if !net_dir.join("net.json").exists() {
                return Err(not_a_model(dir, "net.json (SVM runs cannot predict; train a network)"));
            }
            let net: NetConfig = read_json(&net_dir.join("net.json"))?;
            if loaded
                .first()
                .is_some_and(|(first, _): &(NetConfig, Network)| first.classes != net.classes)
            {
                return Err(Error::Weights {
                    path: net_dir.clone(),
                    reason: "the repeats of this run have different classes".into(),
                });
            }
            let network = load_network(weights, Network::new(&net, &compute.device))?.valid();
            loaded.push((net, network));
        }
        let mut clip = cfg.clip.clone();
        clip.duration = clip.duration.or(Some(4.0));
        Ok(Predictor {
            members: loaded,
            features: cfg.features.clone(),
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
        let mut sum: Option<burn::tensor::Tensor<2>> = None;
        for (net, network) in &self.members {
            let input = prepare_input(net, log_mel.clone(), None);
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
