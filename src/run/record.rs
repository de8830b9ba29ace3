//! What a run directory records about a run besides its configuration: `metrics.json`
//! (per-repeat and summary results), `manifest.json` (version, commit, device, timings), each
//! repeat's `split.json`, and a repeat's training state (`state.json`: learning curves, best
//! epoch) that `--resume` continues from.

use super::protocol::Protocol;
use crate::gpu::DeviceInfo;
use crate::models::ModelKind;
use crate::scores::{Metrics, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

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
    /// The same predictions scored per corpus, when the test clips come from more than one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_corpus: BTreeMap<String, Metrics>,
    pub best_epoch: Option<usize>,
    pub train_clips: usize,
    pub test_clips: usize,
}

/// Per corpus, mean ± std of the repeats' scores on that corpus's test clips.
pub fn corpus_summaries(repeats: &[RepeatResult]) -> BTreeMap<String, Summary> {
    let mut per: BTreeMap<String, Vec<Metrics>> = BTreeMap::new();
    for r in repeats {
        for (corpus, m) in &r.by_corpus {
            per.entry(corpus.clone()).or_default().push(m.clone());
        }
    }
    per.into_iter()
        .map(|(corpus, runs)| (corpus, Summary::of(&runs)))
        .collect()
}

/// metrics.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExperimentResult {
    pub model: ModelKind,
    pub protocol: Protocol,
    pub summary: Summary,
    /// Mean ± std over the repeats that tested on each corpus (see [`RepeatResult::by_corpus`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_corpus: BTreeMap<String, Summary>,
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

pub fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=40"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// One epoch of the learning curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub lr: f64,
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// `None` when there is no validation set.
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    pub seconds: f64,
}

/// What `state.json` in a checkpoint folder holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FitState {
    /// Epochs completed.
    pub epochs_done: usize,
    pub history: Vec<EpochRecord>,
    /// Epoch (1-based) whose weights are in `best.bpk`.
    pub best_epoch: usize,
    pub best_val_loss: Option<f64>,
    /// Early stopping ended the run before the configured epochs.
    pub stopped_early: bool,
}
