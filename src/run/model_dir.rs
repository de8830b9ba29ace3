//! Where a model's networks are on disk. `emovox train` writes a run directory (`config.json`,
//! `metrics.json` listing the repeats, `<repeat>/net.json`, `<repeat>/best.bpk`);
//! `emovox export-model` writes a self-contained model directory: one network at its top level
//! (`net.json`, `model.bpk`, and the repeat's `metrics.json` and `split.json`), or with
//! `--ensemble` every repeat of a run in its own folder (`<repeat>/net.json`,
//! `<repeat>/model.bpk`, ...) listed in `ensemble.json`: the networks whose probabilities
//! `predict` averages, each still re-scorable on its own test split by `eval`.

use super::checkpoint::{load_network, save_module_half};
use super::files::{read_json, write_json};
use super::record::{ExperimentResult, RepeatResult};
use crate::error::{Error, Result};
use crate::gpu::Compute;
use crate::models::{NetConfig, Network};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The member list of an exported ensemble.
const ENSEMBLE_FILE: &str = "ensemble.json";

#[derive(Serialize, Deserialize)]
struct EnsembleList {
    /// Member folders, in the run's repeat order.
    members: Vec<String>,
}

/// A saved network: its training-time result and where its files are.
pub struct SavedNetwork {
    pub result: RepeatResult,
    /// Holds `net.json` and `split.json`.
    pub dir: PathBuf,
    pub weights: PathBuf,
}

/// Which repeats of a run directory count (model directories always give all their networks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunRepeats {
    First,
    All,
}

/// The networks of a model directory, an exported ensemble, or a run directory.
pub fn saved_networks(dir: &Path, repeats: RunRepeats) -> Result<Vec<SavedNetwork>> {
    if dir.join("model.bpk").exists() {
        return Ok(vec![SavedNetwork {
            result: read_json(&dir.join("metrics.json"))?,
            dir: dir.to_path_buf(),
            weights: dir.join("model.bpk"),
        }]);
    }
    if dir.join(ENSEMBLE_FILE).exists() {
        let list: EnsembleList = read_json(&dir.join(ENSEMBLE_FILE))?;
        return list
            .members
            .iter()
            .map(|name| {
                let member = dir.join(name);
                Ok(SavedNetwork {
                    result: read_json(&member.join("metrics.json"))?,
                    weights: member.join("model.bpk"),
                    dir: member,
                })
            })
            .collect();
    }
    let run: ExperimentResult = read_json(&dir.join("metrics.json"))?;
    let take = match repeats {
        RunRepeats::First => 1,
        RunRepeats::All => run.repeats.len(),
    };
    Ok(run
        .repeats
        .into_iter()
        .take(take)
        .map(|r| {
            let member = dir.join(&r.name);
            SavedNetwork {
                weights: member.join("best.bpk"),
                dir: member,
                result: r,
            }
        })
        .collect())
}

/// Copies a trained run into a self-contained model directory at `out` (replacing an earlier
/// export there): its first repeat, or with `ensemble` every repeat. With `half`, the weights
/// are stored in f16 (half the size, for shipping; BatchNorm statistics stay f32).
pub fn export_model(run_dir: &Path, out: &Path, half: bool, ensemble: bool) -> Result<PathBuf> {
    // Only a run directory exports (its metrics.json lists the repeats), and it is read
    // before `out` is cleared, so a bad --run never costs an earlier export.
    let _: ExperimentResult = read_json(&run_dir.join("metrics.json"))?;
    let repeats = if ensemble { RunRepeats::All } else { RunRepeats::First };
    let members = saved_networks(run_dir, repeats)?;
    if members.is_empty() {
        return Err(Error::Weights {
            path: run_dir.into(),
            reason: "the run has no trained repeat".into(),
        });
    }
    clear_export(out)?;
    let copy = |from: PathBuf, to: PathBuf| std::fs::copy(&from, to).map(drop).map_err(|e| Error::io(&from, e));
    copy(run_dir.join("config.json"), out.join("config.json"))?;
    for member in &members {
        let to = if ensemble {
            out.join(&member.result.name)
        } else {
            out.to_path_buf()
        };
        std::fs::create_dir_all(&to).map_err(|e| Error::io(&to, e))?;
        for name in ["net.json", "metrics.json", "split.json"] {
            copy(member.dir.join(name), to.join(name))?;
        }
        if half {
            let net: NetConfig = read_json(&member.dir.join("net.json"))?;
            let network = load_network(&member.weights, Network::new(&net, &Compute::cpu().device))?;
            save_module_half(&to.join("model.bpk"), &network)?;
        } else {
            copy(member.weights.clone(), to.join("model.bpk"))?;
        }
    }
    if ensemble {
        let members = members.into_iter().map(|m| m.result.name).collect();
        write_json(&out.join(ENSEMBLE_FILE), &EnsembleList { members })?;
    }
    Ok(out.to_path_buf())
}

/// Empties `out` for a new export: it must be absent, empty, or an earlier export (a folder
/// with `config.json` and no run history), never anything else.
fn clear_export(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?.next().is_none();
        let export = out.join("config.json").exists() && !out.join("history.json").exists();
        if !empty && !export {
            return Err(Error::Config(format!(
                "{} holds files that are not an emovox model; export into a new folder",
                out.display()
            )));
        }
        std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))?;
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}
