//! Test-time BatchNorm adaptation (AdaBN; Li et al., "Revisiting Batch Normalization For
//! Practical Domain Adaptation", 2017): every BatchNorm's running mean and variance are
//! re-estimated on the clips about to be scored (a new corpus, microphone or speaker group),
//! in one pass with the network in training mode; weights are untouched and labels never read.
//! The estimate is the clip-weighted mean of the per-batch statistics, built with a momentum of
//! `batch / (seen + batch)` per batch, so the first batch replaces the trained statistics and
//! every clip counts once. The statistics come from all the scored clips together, or from each
//! speaker's clips separately (per-speaker normalisation at every layer).

use super::{Inputs, Network};
use crate::error::{Error, Result};
use burn::module::Module;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Which clips a network's BatchNorm statistics are re-estimated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BnAdaptation {
    /// All the clips scored together (a new corpus or microphone).
    Scored,
    /// Each speaker's clips separately (needs several clips per speaker).
    Speaker,
}

impl BnAdaptation {
    /// `rows` split into the groups that get their own statistics (`speaker_of` names a row's
    /// speaker); groups keep the order of `rows`, speakers in name order.
    pub fn groups(self, rows: &[usize], speaker_of: impl Fn(usize) -> String) -> Vec<Vec<usize>> {
        match self {
            BnAdaptation::Scored => vec![rows.to_vec()],
            BnAdaptation::Speaker => {
                let mut by_speaker: BTreeMap<String, Vec<usize>> = BTreeMap::new();
                for &row in rows {
                    by_speaker.entry(speaker_of(row)).or_default().push(row);
                }
                by_speaker.into_values().collect()
            }
        }
    }
}

/// Class probabilities of `rows` (in their order), each group of `scope` scored by the network
/// adapted to that group ([`adapt_batch_norm`]); without a scope, by `network` as it is.
pub fn adapted_probabilities(
    network: &Network,
    inputs: &Inputs,
    rows: &[usize],
    scope: Option<BnAdaptation>,
    speaker_of: impl Fn(usize) -> String,
    batch_size: usize,
) -> Result<Vec<Vec<f32>>> {
    let Some(scope) = scope else {
        return inputs.probabilities(network, rows, batch_size);
    };
    let mut by_row: HashMap<usize, Vec<f32>> = HashMap::with_capacity(rows.len());
    for group in scope.groups(rows, speaker_of) {
        let adapted = adapt_batch_norm(network.clone(), inputs, &group, batch_size)?;
        let probabilities = inputs.probabilities(&adapted, &group, batch_size)?;
        by_row.extend(group.into_iter().zip(probabilities));
    }
    Ok(rows.iter().filter_map(|r| by_row.remove(r)).collect())
}

/// `network` with BatchNorm statistics of `rows` of `inputs`, `batch_size` at a time. Errors
/// for a network without BatchNorm (the BiLSTM) or no rows.
pub fn adapt_batch_norm(network: Network, inputs: &Inputs, rows: &[usize], batch_size: usize) -> Result<Network> {
    // `valid` first gives the running statistics their own storage (a clone of a network
    // shares it with the original, and moving it to the autodiff device would move the
    // original's too); then training mode for the BatchNorms with no parameter tracked, so
    // no graph is built.
    let mut network = network.valid().fork(&inputs.device().autodiff()).train().no_grad();
    if network.batch_norms_mut().is_empty() {
        return Err(Error::Config(
            "BatchNorm adaptation needs a network with BatchNorm (efficientat, resnet34, cnn)".into(),
        ));
    }
    if rows.is_empty() {
        return Err(Error::Data("BatchNorm adaptation needs clips to adapt to".into()));
    }
    let mut seen = 0usize;
    for chunk in rows.chunks(batch_size.max(1)) {
        let momentum = chunk.len() as f64 / (seen + chunk.len()) as f64;
        for bn in network.batch_norms_mut() {
            bn.momentum = momentum;
        }
        let input = inputs.of(chunk);
        // The forward pass in training mode updates the running statistics; its output and
        // graph are dropped.
        drop(network.forward(input.autodiff()));
        seen += chunk.len();
    }
    Ok(network.valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaker_groups_partition_the_rows() {
        let speakers = ["b", "a", "b", "c", "a"];
        let speaker_of = |row: usize| speakers[row].to_string();
        let rows = [0, 1, 2, 3, 4];
        assert_eq!(
            BnAdaptation::Scored.groups(&rows, speaker_of),
            vec![vec![0, 1, 2, 3, 4]]
        );
        assert_eq!(
            BnAdaptation::Speaker.groups(&rows, speaker_of),
            vec![vec![1, 4], vec![0, 2], vec![3]]
        );
    }
}
