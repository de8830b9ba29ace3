//! The classifiers: [`svm`] on MFCC means (linfa), and the Burn networks [`bilstm`] and
//! [`resnet`], which run on whichever device their tensors live on (wgpu GPU or flex CPU).

pub mod bilstm;
pub mod cnn;
pub mod import;
pub mod lstm;
pub mod mobilenet;
pub mod resnet;
pub mod svm;

use crate::augment::{BatchAugment, Warp, mask, mixup, warp};
use crate::corpus::Classes;
use crate::error::{Error, Result};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use bilstm::{BiLstmNet, BurnBiLstmNet};
pub use cnn::Cnn;
pub use import::MN04_WIDTH;
pub use mobilenet::{MobileNet, TRAIN_BN_MOMENTUM};
pub use resnet::ResNet;
pub use svm::{SvmConfig, SvmModel};

/// Which model a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// 20 MFCC time-means + RBF SVM (the paper's Model 1).
    Svm,
    /// Two bidirectional LSTM layers over log-mel frames (Model 2).
    Bilstm,
    /// ResNet34 on the log-mel image (Models 3-5).
    Resnet34,
    /// A compact 4-block CNN on the log-mel image (the model that ships with emovox).
    Cnn,
    /// EfficientAT's MobileNetV3 mn04 on its own 32 kHz log-mel front end; AudioSet-pretrained
    /// with --pretrained.
    Efficientat,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Svm => "svm",
            ModelKind::Bilstm => "bilstm",
            ModelKind::Resnet34 => "resnet34",
            ModelKind::Cnn => "cnn",
            ModelKind::Efficientat => "efficientat",
        }
    }
}

/// Shape of a network and how log-mels become its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetConfig {
    pub kind: ModelKind,
    /// Class names in output order (models saved before class lists store a count; 8 reads
    /// as the eight RAVDESS emotions).
    pub classes: Classes,
    pub n_mels: usize,
    /// BiLSTM hidden size per direction; CNN width of the first block.
    pub hidden: usize,
    pub dropout: f64,
    /// ResNet input image side (the log-mel is resized to image_size x image_size).
    pub image_size: usize,
    /// Per-mel-band mean and std of the training log-mels (BiLSTM input normalisation).
    pub band_mean: Vec<f32>,
    pub band_std: Vec<f32>,
    /// Pretrained backbone weights (ResNet34: a torchvision `.pth`, or the `.bpk` written by
    /// `emovox import-weights`); the classifier head is always trained afresh.
    #[serde(default)]
    pub pretrained: Option<PathBuf>,
}

/// First-block width of the compact CNN (about 0.3 M parameters).
pub const CNN_WIDTH: usize = 16;

/// EfficientAT's normalised log of silence, (ln(1e-5) + 4.5) / 5: what its warps fill with.
pub const EFFICIENTAT_FLOOR: f32 = -1.4;

/// ImageNet channel statistics (the pretrained backbones expect them).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A Burn network of any kind.
// Built once per model and never moved in a hot loop: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
    BiLstm(BiLstmNet),
    ResNet(ResNet),
    Cnn(Cnn),
    MobileNet(MobileNet),
}

impl Network {
    /// A freshly initialised network (uses the device's seeded RNG).
    pub fn new(cfg: &NetConfig, device: &Device) -> Network {
        match cfg.kind {
            ModelKind::Bilstm => Network::BiLstm(BiLstmNet::new(
                cfg.n_mels,
                cfg.hidden,
                cfg.dropout,
                cfg.classes.len(),
                device,
            )),
            ModelKind::Cnn => Network::Cnn(Cnn::new(cfg.hidden, cfg.dropout, cfg.classes.len(), device)),
            ModelKind::Efficientat => Network::MobileNet(
                MobileNet::new(MN04_WIDTH, cfg.classes.len(), cfg.dropout, device).with_bn_momentum(TRAIN_BN_MOMENTUM),
            ),
            _ => Network::ResNet(ResNet::resnet34(cfg.classes.len(), device)),
        }
    }

    /// The network a training run starts from: fresh, or a pretrained backbone with a new head.
    pub fn initialise(cfg: &NetConfig, device: &Device) -> Result<Network> {
        let Some(path) = &cfg.pretrained else {
            return Ok(Network::new(cfg, device));
        };
        match cfg.kind {
            ModelKind::Resnet34 => Ok(Network::ResNet(
                load_resnet34(path, device)?.with_head(cfg.classes.len(), device),
            )),
            ModelKind::Efficientat => Ok(Network::MobileNet(
                import::import_efficientat(path, MN04_WIDTH, import::AUDIOSET_CLASSES, device)?
                    .with_head(cfg.classes.len(), device)
                    .with_bn_momentum(TRAIN_BN_MOMENTUM),
            )),
            kind => Err(Error::Config(format!(
                "pretrained weights are for resnet34 and efficientat, not {}",
                kind.name()
            ))),
        }
    }

    /// Freezes everything but the classifier head (weights and BatchNorm statistics).
    pub fn freeze_backbone(self) -> Network {
        match self {
            Network::ResNet(r) => Network::ResNet(ResNet {
                conv1: r.conv1.freeze(),
                bn1: r.bn1.freeze(),
                layer1: r.layer1.freeze(),
                layer2: r.layer2.freeze(),
                layer3: r.layer3.freeze(),
                layer4: r.layer4.freeze(),
                ..r
            }),
            Network::MobileNet(m) => Network::MobileNet(MobileNet {
                features: m.features.freeze(),
                ..m
            }),
            other => other,
        }
    }

    /// Logits [batch, classes] for prepared inputs (see [`prepare_input`]).
    pub fn forward(&self, input: NetInput) -> Tensor<2> {
        match (self, input) {
            (Network::BiLstm(m), NetInput::Sequence(x)) => m.forward(x),
            (Network::ResNet(m), NetInput::Image(x)) => m.forward(x),
            (Network::Cnn(m), NetInput::Image(x)) => m.forward(x),
            (Network::MobileNet(m), NetInput::Image(x)) => m.forward(x),
            _ => unreachable!("prepare_input builds the input the network kind takes"),
        }
    }
}

/// An ImageNet ResNet34 (1000-class head) from a torchvision `.pth`/`.pt` state dict or from
/// the burnpack `emovox import-weights` writes.
pub fn load_resnet34(path: &Path, device: &Device) -> Result<ResNet> {
    let torch = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pth") || e.eq_ignore_ascii_case("pt"));
    if torch {
        return import::import_resnet34(path, import::IMAGENET_CLASSES, device);
    }
    ResNet::resnet34(import::IMAGENET_CLASSES, device)
        .try_load_file(path)
        .map_err(|e| Error::Weights {
            path: path.into(),
            reason: e.to_string(),
        })
}

/// A network input: frames for sequence models, a 3-channel image for CNNs.
pub enum NetInput {
    Sequence(Tensor<3>),
    Image(Tensor<4>),
}

impl NetInput {
    /// The same input in the autodiff context (inputs never need gradients themselves).
    pub fn autodiff(self) -> NetInput {
        match self {
            NetInput::Sequence(x) => NetInput::Sequence(x.autodiff()),
            NetInput::Image(x) => NetInput::Image(x.autodiff()),
        }
    }
}

/// Rows and columns of the image that [`prepare_input`] augments (and masks) for this model:
/// the log-mel itself for the BiLSTM and EfficientAT, the `image_size` square for the others.
pub fn augmented_dims(cfg: &NetConfig, n_mels: usize, frames: usize, image_size: usize) -> (usize, usize) {
    match cfg.kind {
        ModelKind::Bilstm | ModelKind::Efficientat => (n_mels, frames),
        _ => (image_size, image_size),
    }
}

/// Turns log-mels [batch, n_mels, frames] (dB) and one-hot targets into the network's input
/// and (possibly mixed) targets, on the same device.
/// BiLSTM: per-band standardisation, masks, mixup; frames-first [batch, frames, n_mels].
/// ResNet: per-clip min-max to [0, 1], warp to `image_size`^2 (identity = resize; training
/// passes random warps), masks, mixup, three channels with ImageNet normalisation.
/// CNN: as ResNet, but one channel scaled to [-2, 2].
/// EfficientAT: its normalised log-mel as is (warped at its own size), one channel.
pub fn prepare_input(
    cfg: &NetConfig,
    log_mel: Tensor<3>,
    targets: Tensor<2>,
    image_size: usize,
    augment: Option<&BatchAugment>,
) -> (NetInput, Tensor<2>) {
    let device = log_mel.device();
    let [batch, n_mels, _] = log_mel.dims();
    let finish = |x: Tensor<3>, targets: Tensor<2>| -> (Tensor<3>, Tensor<2>) {
        let x = match augment.and_then(|a| a.masks.as_ref()) {
            Some(m) => mask(x, m, 0.0),
            None => x,
        };
        match augment.and_then(|a| a.mixup.as_ref()) {
            Some(mix) => (mixup(x, mix), mixup(targets, mix)),
            None => (x, targets),
        }
    };
    match cfg.kind {
        ModelKind::Efficientat => {
            // Already normalised by its own front end: warp in place, mask, mix, one channel.
            let [_, _, frames] = log_mel.dims();
            let x = match augment {
                Some(a) => {
                    let warps: Vec<Warp> = a
                        .warps
                        .iter()
                        .map(|w| Warp {
                            fill: EFFICIENTAT_FLOOR,
                            ..*w
                        })
                        .collect();
                    warp(log_mel, &warps, [n_mels, frames])
                }
                None => log_mel,
            };
            let (x, targets) = finish(x, targets);
            (NetInput::Image(x.unsqueeze_dim::<4>(1)), targets)
        }
        ModelKind::Bilstm => {
            let mean = Tensor::<1>::from_data(TensorData::new(cfg.band_mean.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            let std = Tensor::<1>::from_data(TensorData::new(cfg.band_std.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            let (x, targets) = finish((log_mel - mean) / std, targets);
            (NetInput::Sequence(x.swap_dims(1, 2)), targets)
        }
        _ => {
            let lo = log_mel.clone().min_dim(1).min_dim(2);
            let hi = log_mel.clone().max_dim(1).max_dim(2);
            let unit = (log_mel - lo.clone()) / (hi - lo).clamp_min(1e-6);
            let identity = vec![Warp::identity(0.0); batch];
            let warps = augment.map_or(identity.as_slice(), |a| a.warps.as_slice());
            let (image, targets) = finish(warp(unit, warps, [image_size, image_size]), targets);
            if cfg.kind == ModelKind::Cnn {
                // One channel, centred: the compact CNN has no ImageNet heritage.
                return (NetInput::Image((image.unsqueeze_dim::<4>(1) - 0.5) * 4.0), targets);
            }
            let mean =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_MEAN.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let std =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_STD.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let rgb = image.unsqueeze_dim::<4>(1).repeat_dim(1, 3);
            (NetInput::Image((rgb - mean) / std), targets)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(kind: ModelKind) -> NetConfig {
        NetConfig {
            kind,
            classes: Classes::emotions(),
            n_mels: 128,
            hidden: 128,
            dropout: 0.0,
            image_size: 128,
            band_mean: vec![],
            band_std: vec![],
            pretrained: None,
        }
    }

    #[test]
    fn augmentation_covers_the_image_each_model_sees() {
        // EfficientAT and the BiLSTM see the whole log-mel: time masks must reach every frame.
        assert_eq!(augmented_dims(&net(ModelKind::Efficientat), 128, 401, 128), (128, 401));
        assert_eq!(augmented_dims(&net(ModelKind::Bilstm), 128, 251, 128), (128, 251));
        assert_eq!(augmented_dims(&net(ModelKind::Resnet34), 128, 251, 96), (96, 96));
    }
}
