//! Training: the per-epoch loop for Burn networks ([`fit`]), batching from device-resident
//! features with augmentation ([`Batcher`]), checkpoints ([`checkpoint`]) and whole
//! experiments over seeds or folds with their run directory ([`experiment`]).

pub mod checkpoint;
pub mod experiment;
pub mod fit;
pub mod protocol;
pub mod report;
pub mod run_record;

use crate::augment::{AudioAugment, AugmentConfig};
use crate::error::Result;
use crate::features::{FeatureConfig, log_mel_tensor};
use crate::gpu::Compute;
use crate::models::{NetConfig, NetInput, augmented_dims, prepare_input};
use crate::rng;
use burn::tensor::{Device, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

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
    /// Image-style augmentation of training batches; `None` = off.
    #[serde(default)]
    pub augment: Option<AugmentConfig>,
    /// Waveform augmentation of training clips (features recomputed every epoch).
    #[serde(default)]
    pub audio_augment: AudioAugment,
    /// Progressive resizing: (image side, epochs) stages, e.g. [(128, 20), (256, 10)];
    /// empty = `epochs` epochs at the network's image size.
    #[serde(default)]
    pub progressive: Vec<(usize, usize)>,
    /// Epochs that train only the classifier head (the backbone frozen) before fine-tuning all.
    #[serde(default)]
    pub freeze_epochs: usize,
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
            augment: None,
            audio_augment: AudioAugment::default(),
            progressive: Vec::new(),
            freeze_epochs: 0,
        }
    }
}

impl TrainConfig {
    /// Epochs of the whole schedule.
    pub fn total_epochs(&self) -> usize {
        if self.progressive.is_empty() {
            self.epochs
        } else {
            self.progressive.iter().map(|(_, e)| e).sum()
        }
    }

    /// Image side during `epoch` (0-based); `default` outside a progressive schedule.
    pub fn image_size_at(&self, epoch: usize, default: usize) -> usize {
        let mut end = 0;
        for &(side, epochs) in &self.progressive {
            end += epochs;
            if epoch < end {
                return side;
            }
        }
        self.progressive.last().map_or(default, |&(side, _)| side)
    }
}

/// Clean waveforms kept for per-epoch waveform augmentation.
struct AudioSource {
    audio: Arc<Vec<Vec<f32>>>,
    features: FeatureConfig,
    compute: Compute,
}

/// Builds network inputs and targets for rows of a device-resident feature tensor.
pub struct Batcher {
    /// Log-mels [clips, n_mels, frames] on the compute device (no autodiff).
    features: Tensor<3>,
    labels: Vec<usize>,
    net: NetConfig,
    pub classes: usize,
    audio: Option<AudioSource>,
    /// This epoch's waveform-augmented features of the training rows, and row -> position.
    epoch_features: Option<(Tensor<3>, HashMap<usize, usize>)>,
}

impl Batcher {
    pub fn new(features: Tensor<3>, labels: Vec<usize>, net: NetConfig) -> Batcher {
        let classes = net.classes.len();
        Batcher {
            features,
            labels,
            net,
            classes,
            audio: None,
            epoch_features: None,
        }
    }

    /// Keeps the clean waveforms so [`Batcher::begin_epoch`] can recompute augmented features.
    pub fn with_audio(mut self, audio: Arc<Vec<Vec<f32>>>, features: FeatureConfig, compute: Compute) -> Batcher {
        self.audio = Some(AudioSource {
            audio,
            features,
            compute,
        });
        self
    }

    pub fn device(&self) -> Device {
        self.features.device()
    }

    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    pub fn net(&self) -> &NetConfig {
        &self.net
    }

    /// Recomputes the training rows' features from freshly augmented waveforms (no-op without
    /// waveform augmentation).
    pub fn begin_epoch(&mut self, augment: &AudioAugment, seed: u64, epoch: usize, train: &[usize]) -> Result<()> {
        let Some(source) = self.audio.as_ref().filter(|_| augment.is_active()) else {
            return Ok(());
        };
        let rate = source.features.sample_rate;
        let clips = train
            .par_iter()
            .map(|&row| {
                let mut rng = rng::seeded(seed, 0xA0D10 ^ ((epoch as u64) << 32) ^ row as u64);
                augment.apply(&source.audio[row], rate, &mut rng, &source.audio)
            })
            .collect::<Result<Vec<_>>>()?;
        let tensor = log_mel_tensor(&source.compute, &clips, &source.features)?;
        let positions = train.iter().enumerate().map(|(i, &row)| (row, i)).collect();
        self.epoch_features = Some((tensor, positions));
        Ok(())
    }

    fn rows_of(features: &Tensor<3>, rows: &[usize]) -> Tensor<3> {
        features.clone().select(0, fit::index_tensor(rows, &features.device()))
    }

    fn targets(&self, rows: &[usize]) -> Tensor<2> {
        let labels: Vec<usize> = rows.iter().map(|&i| self.labels[i]).collect();
        one_hot(&labels, self.classes, &self.device())
    }

    /// Clean input and one-hot targets for `rows` (evaluation).
    pub fn batch(&self, rows: &[usize], image_size: usize) -> (NetInput, Tensor<2>) {
        let x = Self::rows_of(&self.features, rows);
        prepare_input(&self.net, x, self.targets(rows), image_size, None)
    }

    /// Augmented training input and (mixed) targets for `rows`; draws are keyed by
    /// (seed, epoch, step).
    pub fn train_batch(
        &self,
        rows: &[usize],
        image_size: usize,
        cfg: &TrainConfig,
        epoch: usize,
        step: usize,
    ) -> (NetInput, Tensor<2>) {
        let x = match &self.epoch_features {
            Some((tensor, positions)) => {
                let at: Vec<usize> = rows.iter().map(|r| positions[r]).collect();
                Self::rows_of(tensor, &at)
            }
            None => Self::rows_of(&self.features, rows),
        };
        let [_, n_mels, frames] = x.dims();
        let (mask_rows, mask_cols) = augmented_dims(&self.net, n_mels, frames, image_size);
        let draws = cfg
            .augment
            .as_ref()
            .map(|a| a.draw(cfg.seed, epoch, step, rows.len(), mask_rows, mask_cols));
        prepare_input(&self.net, x, self.targets(rows), image_size, draws.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progressive_schedule_sizes_and_length() {
        let cfg = TrainConfig {
            epochs: 99,
            progressive: vec![(128, 2), (256, 3)],
            ..TrainConfig::default()
        };
        assert_eq!(cfg.total_epochs(), 5);
        let sizes: Vec<usize> = (0..6).map(|e| cfg.image_size_at(e, 64)).collect();
        assert_eq!(sizes, [128, 128, 256, 256, 256, 256]);
        let plain = TrainConfig::default();
        assert_eq!((plain.total_epochs(), plain.image_size_at(3, 64)), (30, 64));
    }
}
