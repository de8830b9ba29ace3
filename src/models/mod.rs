//! The classifiers: [`svm`] on MFCC means (linfa), and the Burn networks [`bilstm`] and
//! [`resnet`], which run on whichever device their tensors live on (wgpu GPU or flex CPU).

pub mod bilstm;
pub mod resnet;
pub mod svm;

use crate::augment::{Warp, warp};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

pub use bilstm::BiLstmNet;
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
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Svm => "svm",
            ModelKind::Bilstm => "bilstm",
            ModelKind::Resnet34 => "resnet34",
        }
    }
}

/// Shape of a network and how log-mels become its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetConfig {
    pub kind: ModelKind,
    pub classes: usize,
    pub n_mels: usize,
    /// BiLSTM hidden size per direction.
    pub hidden: usize,
    pub dropout: f64,
    /// ResNet input image side (the log-mel is resized to image_size x image_size).
    pub image_size: usize,
    /// Per-mel-band mean and std of the training log-mels (BiLSTM input normalisation).
    pub band_mean: Vec<f32>,
    pub band_std: Vec<f32>,
}

/// ImageNet channel statistics (the pretrained backbones expect them).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A Burn network of any kind.
#[derive(Module, Debug)]
pub enum Network {
    BiLstm(BiLstmNet),
    ResNet(ResNet),
}

impl Network {
    /// A freshly initialised network (uses the device's seeded RNG).
    pub fn new(cfg: &NetConfig, device: &Device) -> Network {
        match cfg.kind {
            ModelKind::Bilstm => {
                Network::BiLstm(BiLstmNet::new(cfg.n_mels, cfg.hidden, cfg.dropout, cfg.classes, device))
            }
            _ => Network::ResNet(ResNet::resnet34(cfg.classes, device)),
        }
    }

    /// Logits [batch, classes] for prepared inputs (see [`prepare_input`]).
    pub fn forward(&self, input: NetInput) -> Tensor<2> {
        match (self, input) {
            (Network::BiLstm(m), NetInput::Sequence(x)) => m.forward(x),
            (Network::ResNet(m), NetInput::Image(x)) => m.forward(x),
            _ => unreachable!("prepare_input builds the input the network kind takes"),
        }
    }
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

/// Turns log-mels [batch, n_mels, frames] (dB) into the network's input on the same device.
/// BiLSTM: per-band standardisation, [batch, frames, n_mels]. ResNet: per-clip min-max to
/// [0, 1], warp to image_size^2 (identity = resize; augmentation passes random warps), three
/// channels with ImageNet normalisation.
pub fn prepare_input(cfg: &NetConfig, log_mel: Tensor<3>, warps: Option<&[Warp]>) -> NetInput {
    let device = log_mel.device();
    let [batch, n_mels, _] = log_mel.dims();
    match cfg.kind {
        ModelKind::Bilstm => {
            let mean = Tensor::<1>::from_data(TensorData::new(cfg.band_mean.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            let std = Tensor::<1>::from_data(TensorData::new(cfg.band_std.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            NetInput::Sequence(((log_mel - mean) / std).swap_dims(1, 2))
        }
        _ => {
            let lo = log_mel.clone().min_dim(1).min_dim(2);
            let hi = log_mel.clone().max_dim(1).max_dim(2);
            let unit = (log_mel - lo.clone()) / (hi - lo).clamp_min(1e-6);
            let identity = vec![Warp::identity(0.0); batch];
            let side = cfg.image_size;
            let image = warp(unit, warps.unwrap_or(&identity), [side, side]);
            let mean =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_MEAN.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let std =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_STD.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let rgb = image.unsqueeze_dim::<4>(1).repeat_dim(1, 3);
            NetInput::Image((rgb - mean) / std)
        }
    }
}
