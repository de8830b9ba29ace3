//! The Burn networks as one type ([`Network`]): construction from a [`NetConfig`] with optional
//! pretrained weights, and the input each takes ([`NetInput`]).

use super::{Arch, BiLstmNet, Cnn, MN04_WIDTH, MobileNet, ModelKind, NetConfig, ResNet, TRAIN_BN_MOMENTUM, import};
use crate::error::{Error, Result};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::{Device, Tensor};
use std::path::Path;

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
        let classes = cfg.classes.len();
        match &cfg.arch {
            Arch::BiLstm(a) => Network::BiLstm(BiLstmNet::new(cfg.n_mels, a.hidden, a.dropout, classes, device)),
            Arch::Cnn(a) => Network::Cnn(Cnn::new(a.width, a.dropout, classes, device)),
            Arch::EfficientAt(a) => Network::MobileNet(
                MobileNet::new(MN04_WIDTH, classes, a.dropout, device).with_bn_momentum(TRAIN_BN_MOMENTUM),
            ),
            Arch::ResNet34(_) => Network::ResNet(ResNet::resnet34(classes, device)),
        }
    }

    /// The network a training run starts from: fresh, or a pretrained backbone with a new head.
    pub fn initialise(cfg: &NetConfig, device: &Device) -> Result<Network> {
        let Some(path) = cfg.arch.pretrained() else {
            return Ok(Network::new(cfg, device));
        };
        match cfg.kind() {
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

    /// Every BatchNorm of the network (none in the BiLSTM).
    pub fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        match self {
            Network::BiLstm(_) => Vec::new(),
            Network::ResNet(m) => m.batch_norms_mut(),
            Network::Cnn(m) => m.batch_norms_mut(),
            Network::MobileNet(m) => m.batch_norms_mut(),
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
#[derive(Clone)]
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
