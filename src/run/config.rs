//! What defines a run (`config.json`): data, labels and classes, model, protocol, seeds, clip
//! format, front end, optimisation ([`TrainConfig`]), network shape ([`NetParams`]), SVM and
//! device; and which changes `--resume` accepts ([`extends_schedule`]).

use super::protocol::Protocol;
use crate::audio::ClipConfig;
use crate::augment::{AudioAugment, AugmentConfig};
use crate::corpus::{Classes, LabelSpec};
use crate::features::FeatureConfig;
use crate::gpu::DeviceChoice;
use crate::models::{Arch, BiLstmConfig, CnnConfig, EfficientAtConfig, ModelKind, ResNetConfig, SvmConfig};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The speech level networks normalise clips to by default (dBFS; the median active level of
/// RAVDESS + SAVEE).
pub const DEFAULT_LOUDNESS_DB: f32 = -35.0;

/// Network settings chosen by the user (`train`'s flags); [`NetParams::arch`] makes them an
/// architecture's own.
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

impl NetParams {
    /// The architecture `kind` with these settings (`hidden`: the BiLSTM's hidden size, the
    /// CNN's width), its image at `image_size`; `None` for the SVM.
    pub fn arch(&self, kind: ModelKind, image_size: usize) -> Option<Arch> {
        Some(match kind {
            ModelKind::Svm => return None,
            ModelKind::Bilstm => Arch::BiLstm(BiLstmConfig {
                hidden: self.hidden,
                dropout: self.dropout,
            }),
            ModelKind::Resnet34 => Arch::ResNet34(ResNetConfig {
                image_size,
                pretrained: self.pretrained.clone(),
            }),
            ModelKind::Cnn => Arch::Cnn(CnnConfig {
                width: self.hidden,
                dropout: self.dropout,
                image_size,
            }),
            ModelKind::Efficientat => Arch::EfficientAt(EfficientAtConfig {
                dropout: self.dropout,
                pretrained: self.pretrained.clone(),
            }),
        })
    }
}

/// Everything that defines a run (written as config.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub data: Vec<PathBuf>,
    /// How corpus labels become classes (`--classes`, `--merge`).
    #[serde(default)]
    pub labels: LabelSpec,
    /// The run's classes in output order, resolved by `train::experiment::run` from the corpora and `labels`
    /// (runs saved before class lists existed read as the eight RAVDESS emotions).
    #[serde(default = "Classes::emotions")]
    pub classes: Classes,
    /// The corpora found in `data` (naming conventions detected per folder), resolved by `train::experiment::run`.
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

    /// Short protocol name: random, speaker, corpus, file or all.
    pub fn protocol_name(&self) -> &'static str {
        self.protocol.name()
    }
}

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
    /// Weight each class's share of the loss (training and validation) by the inverse of its
    /// frequency in the training split, so every class counts as much as the others; absent
    /// (off) in runs saved before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub class_balanced: bool,
    /// Consistency with the clean clip: each waveform-augmented clip's target becomes
    /// (1 - w) x its label + w x the network's own eval-mode prediction on the clean clip (the
    /// same masks and mixup), so the answer learns not to move with the room or the line;
    /// 0 (off, absent in runs saved before it existed) or in (0, 1).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub consistency: f32,
}

fn is_zero(w: &f32) -> bool {
    *w == 0.0
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
            class_balanced: false,
            consistency: 0.0,
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

/// Whether `next` is `previous` with a longer schedule. Learning rate, shuffles, augmentation
/// and early stopping depend only on (seed, epoch), so resuming such a run from its checkpoints
/// reaches what training `next` from the start would (a repeat that stopped early stays stopped).
/// Progressive resizing ties image sizes to the schedule's length, so it never extends.
pub fn extends_schedule(previous: &ExperimentConfig, next: &ExperimentConfig) -> bool {
    let longer = next.train.epochs > previous.train.epochs;
    let fixed_size = previous.train.progressive.is_empty() && next.train.progressive.is_empty();
    let mut same_otherwise = previous.clone();
    same_otherwise.train.epochs = next.train.epochs;
    longer && fixed_size && same_otherwise == *next
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
