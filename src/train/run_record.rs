//! What a run directory records about a run: `config.json` (everything that defines it, and
//! which changes `--resume` accepts), `metrics.json` (per-repeat and summary results),
//! `manifest.json` (version, commit, device, timings) and each repeat's `split.json`.

use super::TrainConfig;
use super::protocol::Protocol;
use crate::audio::ClipConfig;
use crate::corpus::{Classes, LabelSpec};
use crate::eval::{Metrics, Summary};
use crate::features::FeatureConfig;
use crate::gpu::{DeviceChoice, DeviceInfo};
use crate::models::{ModelKind, SvmConfig};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The speech level networks normalise clips to by default (dBFS; the median active level of
/// RAVDESS + SAVEE).
pub const DEFAULT_LOUDNESS_DB: f32 = -35.0;

/// Network shape parameters chosen by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetParams {
    pub hidden: usize,
    pub dropout: f64,
    pub image_size: usize,
    /// Pretrained ResNet34 weights (`.pth` or imported `.bpk`).
    #[serde(default)]
    pub pretrained: Option<PathBuf>,
    /// Per-utterance spectral mean normalisation of the network input.
    #[serde(default)]
    pub utterance_norm: bool,
}

impl Default for NetParams {
    fn default() -> Self {
        NetParams {
            hidden: 128,
            dropout: 0.3,
            image_size: 128,
            pretrained: None,
            utterance_norm: false,
        }
    }
}

/// Everything that defines a run (written as config.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub data: Vec<PathBuf>,
    /// How corpus labels become classes (`--classes`, `--merge`).
    #[serde(default)]
    pub labels: LabelSpec,
    /// The run's classes in output order, resolved by [`super::experiment::run`] from the corpora and `labels`
    /// (runs saved before class lists existed read as the eight RAVDESS emotions).
    #[serde(default = "Classes::emotions")]
    pub classes: Classes,
    /// The corpora found in `data` (naming conventions detected per folder), resolved by [`super::experiment::run`].
    #[serde(default)]
    pub corpora: Vec<String>,
    pub model: ModelKind,
    pub protocol: Protocol,
    /// Seeds; each is one repeat (per fold for the speaker protocol).
    pub seeds: Vec<u64>,
    pub clip: ClipConfig,
    pub features: FeatureConfig,
    pub train: TrainConfig,
    pub net: NetParams,
    pub svm: SvmConfig,
    pub device: DeviceChoice,
    /// Run only the first N repeats (quick checks; `None` = all).
    #[serde(default)]
    pub max_repeats: Option<usize>,
    /// Skip this many repeats first (with `max_repeats`, a slice of the repeats: the folds of
    /// one run split over several processes or machines, merged afterwards with `--resume`).
    #[serde(default)]
    pub first_repeat: usize,
}

impl ExperimentConfig {
    /// The paper's setting for `model` on `protocol`: 16 kHz, 128 mels, silence-trimmed clips
    /// (4 s for the networks), Adam 1e-3 decayed by 0.9 per epoch, batch 64, one seed.
    pub fn new(data: Vec<PathBuf>, model: ModelKind, protocol: Protocol) -> ExperimentConfig {
        let features = if model == ModelKind::Efficientat {
            FeatureConfig::efficientat()
        } else {
            FeatureConfig::default()
        };
        ExperimentConfig {
            data,
            labels: LabelSpec::default(),
            classes: Classes::emotions(),
            corpora: Vec::new(),
            model,
            protocol,
            seeds: vec![0],
            clip: ClipConfig {
                sample_rate: features.sample_rate,
                // The SVM averages MFCCs over the whole (trimmed) utterance; networks need one length.
                duration: (model != ModelKind::Svm).then_some(4.0),
                trim_db: Some(40.0),
                // Networks see every clip at one speech level, so a recording's gain does not
                // change the answer; on 2 speaker folds this cost EfficientAT nothing (UAR
                // 0.604 vs 0.592). The SVM's MFCC means lost 0.04 speaker-independent UAR
                // without level, so it keeps it.
                loudness_db: (model != ModelKind::Svm).then_some(DEFAULT_LOUDNESS_DB),
            },
            features,
            train: TrainConfig::default(),
            net: NetParams {
                hidden: if model == ModelKind::Cnn {
                    crate::models::CNN_WIDTH
                } else {
                    128
                },
                ..NetParams::default()
            },
            svm: SvmConfig::default(),
            device: DeviceChoice::Auto,
            max_repeats: None,
            first_repeat: 0,
        }
    }

    /// Short protocol name: random, speaker, corpus or file.
    pub fn protocol_name(&self) -> &'static str {
        match self.protocol {
            Protocol::Random { .. } => "random",
            Protocol::Speaker { .. } => "speaker",
            Protocol::Corpus { .. } => "corpus",
            Protocol::File { .. } => "file",
            Protocol::All => "all",
        }
    }
}

/// One train/test repeat's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepeatResult {
    pub name: String,
    pub seed: u64,
    /// The classes predictions could take (all the run's, unless a protocol or another corpus
    /// restricts them to the shared ones).
    #[serde(default)]
    pub scored_classes: Vec<String>,
    pub metrics: Metrics,
    pub best_epoch: Option<usize>,
    pub train_clips: usize,
    pub test_clips: usize,
}

/// metrics.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExperimentResult {
    pub model: ModelKind,
    pub protocol: Protocol,
    pub summary: Summary,
    /// All repeats' test predictions scored together.
    pub pooled: Metrics,
    pub repeats: Vec<RepeatResult>,
}

/// manifest.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub emovox_version: String,
    /// `HEAD` of the working tree the run started in, `-dirty` appended if it had changes.
    pub git_commit: String,
    pub device: DeviceInfo,
    pub started_unix: u64,
    pub wall_seconds: f64,
    pub clips: usize,
    pub skipped_files: Vec<(PathBuf, String)>,
    pub parameters: Option<usize>,
}

/// The clip paths of one repeat's split (split.json), so evaluation never depends on indices.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitPaths {
    pub train: Vec<PathBuf>,
    pub val: Vec<PathBuf>,
    pub test: Vec<PathBuf>,
}

pub(super) fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=40"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether `next` is `previous` with a longer schedule. Learning rate, shuffles, augmentation
/// and early stopping depend only on (seed, epoch), so resuming such a run from its checkpoints
/// reaches what training `next` from the start would (a repeat that stopped early stays stopped).
/// Progressive resizing ties image sizes to the schedule's length, so it never extends.
pub(super) fn extends_schedule(previous: &ExperimentConfig, next: &ExperimentConfig) -> bool {
    let longer = next.train.epochs > previous.train.epochs;
    let fixed_size = previous.train.progressive.is_empty() && next.train.progressive.is_empty();
    let mut same_otherwise = previous.clone();
    same_otherwise.train.epochs = next.train.epochs;
    longer && fixed_size && same_otherwise == *next
}
