//! Training: the per-epoch loop for Burn networks ([`fit`]), batching from device-resident
//! features ([`Batcher`]), checkpoints ([`checkpoint`]) and whole experiments over seeds or
//! folds with their run directory ([`experiment`]).

pub mod checkpoint;
pub mod experiment;
pub mod fit;

use crate::models::{NetConfig, NetInput, prepare_input};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

pub use fit::{EpochRecord, FitState, Fitted, evaluate, fit, one_hot, soft_cross_entropy};

/// Optimisation settings (the paper's: Adam, lr 1e-3 decayed by 0.9 per epoch, batch 64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Multiplies the learning rate after every epoch.
    pub lr_decay: f64,
    /// Stop after this many epochs without a lower validation loss.
    pub patience: Option<usize>,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            batch_size: 64,
            lr: 1e-3,
            lr_decay: 0.9,
            patience: None,
            seed: 0,
        }
    }
}

/// Builds network inputs and targets for rows of a device-resident feature tensor.
pub struct Batcher {
    /// Log-mels [clips, n_mels, frames] on the compute device (no autodiff).
    features: Tensor<3>,
    labels: Vec<usize>,
    net: NetConfig,
    pub classes: usize,
}

impl Batcher {
    pub fn new(features: Tensor<3>, labels: Vec<usize>, net: NetConfig) -> Batcher {
        let classes = net.classes;
        Batcher {
            features,
            labels,
            net,
            classes,
        }
    }

    pub fn device(&self) -> Device {
        self.features.device()
    }

    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Input and one-hot targets for `rows`.
    pub fn batch(&self, rows: &[usize]) -> (NetInput, Tensor<2>) {
        let device = self.device();
        let x = self.features.clone().select(0, fit::index_tensor(rows, &device));
        let labels: Vec<usize> = rows.iter().map(|&i| self.labels[i]).collect();
        (
            prepare_input(&self.net, x, None),
            one_hot(&labels, self.classes, &device),
        )
    }
}
