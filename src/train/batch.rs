//! Training batches: network inputs and one-hot targets for rows of a device-resident feature
//! tensor ([`Batcher`]); waveform augmentation recomputes the training rows' features every
//! epoch, and image augmentation (warps, masks) and mixup are applied between the stages of
//! the model's input preparation ([`crate::models::input`]).

use crate::augment::{AudioAugment, BatchAugment, Warp, mask, mixup, warp};
use crate::error::Result;
use crate::features::{FeatureConfig, log_mel_tensor};
use crate::gpu::Compute;
use crate::models::{
    Inputs, NetConfig, NetInput, augmented_dims, prepare_input, scale, select_rows, to_network, warp_fill,
};
use crate::rng;
use crate::run::TrainConfig;
use burn::tensor::{Device, Tensor, TensorData};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// One-hot targets [n, classes] on `device`.
pub fn one_hot(labels: &[usize], classes: usize, device: &Device) -> Tensor<2> {
    let mut data = vec![0.0f32; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        data[i * classes + l] = 1.0;
    }
    Tensor::from_data(TensorData::new(data, [labels.len(), classes]), device)
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

    fn targets(&self, rows: &[usize]) -> Tensor<2> {
        let labels: Vec<usize> = rows.iter().map(|&i| self.labels[i]).collect();
        one_hot(&labels, self.classes, &self.device())
    }

    /// The clean features as a network takes them (evaluation), the image models' at
    /// `image_size` when given.
    pub fn inputs(&self, image_size: Option<usize>) -> Inputs<'_> {
        Inputs {
            net: &self.net,
            features: &self.features,
            image_size,
        }
    }

    /// Clean input and one-hot targets for `rows` (evaluation).
    pub fn batch(&self, rows: &[usize], image_size: Option<usize>) -> (NetInput, Tensor<2>) {
        (self.inputs(image_size).of(rows), self.targets(rows))
    }

    /// Augmented training input and (mixed) targets for `rows`; draws are keyed by
    /// (seed, epoch, step). With `cfg.consistency` and this epoch's waveform augmentation,
    /// also the clean clips' input under the same draws (masks, mixup) for the consistency
    /// targets.
    pub fn train_batch(
        &self,
        rows: &[usize],
        image_size: Option<usize>,
        cfg: &TrainConfig,
        epoch: usize,
        step: usize,
    ) -> TrainBatch {
        let augmented = self.epoch_features.as_ref().map(|(tensor, positions)| {
            let at: Vec<usize> = rows.iter().map(|r| positions[r]).collect();
            select_rows(tensor, &at)
        });
        let clean = || select_rows(&self.features, rows);
        let x = augmented.unwrap_or_else(clean);
        let [_, n_mels, frames] = x.dims();
        let (mask_rows, mask_cols) = augmented_dims(&self.net, n_mels, frames, image_size);
        let draws = cfg
            .augment
            .as_ref()
            .map(|a| a.draw(cfg.seed, epoch, step, rows.len(), mask_rows, mask_cols));
        let targets = self.targets(rows);
        let twin = (cfg.consistency > 0.0 && self.epoch_features.is_some())
            .then(|| training_input(&self.net, clean(), targets.clone(), image_size, draws.as_ref()).0);
        let (input, targets) = training_input(&self.net, x, targets, image_size, draws.as_ref());
        TrainBatch {
            input,
            targets,
            clean: twin,
        }
    }
}

/// A training batch: the augmented input, its (mixed) one-hot targets, and the clean clips'
/// input under the same draws when consistency targets are asked for.
pub struct TrainBatch {
    pub input: NetInput,
    pub targets: Tensor<2>,
    pub clean: Option<NetInput>,
}

/// Log-mels [batch, n_mels, frames] and one-hot targets as training input and (mixed) targets.
/// Without `draws`, the inference input ([`prepare_input`]). With them: the model's scaling,
/// the draws' warps to the image the model sees ([`augmented_dims`]; none for the BiLSTM),
/// masks, mixup of inputs and targets alike, the network's layout.
pub fn training_input(
    net: &NetConfig,
    log_mel: Tensor<3>,
    targets: Tensor<2>,
    image_size: Option<usize>,
    draws: Option<&BatchAugment>,
) -> (NetInput, Tensor<2>) {
    let Some(draws) = draws else {
        return (prepare_input(net, log_mel, image_size), targets);
    };
    let [_, n_mels, frames] = log_mel.dims();
    let (rows, cols) = augmented_dims(net, n_mels, frames, image_size);
    let x = scale(net, log_mel);
    let x = match warp_fill(net) {
        Some(fill) => {
            let warps: Vec<Warp> = draws.warps.iter().map(|w| Warp { fill, ..*w }).collect();
            warp(x, &warps, [rows, cols])
        }
        None => x,
    };
    let x = match &draws.masks {
        Some(m) => mask(x, m, 0.0),
        None => x,
    };
    let (x, targets) = match &draws.mixup {
        Some(mix) => (mixup(x, mix), mixup(targets, mix)),
        None => (x, targets),
    };
    (to_network(net, x), targets)
}
