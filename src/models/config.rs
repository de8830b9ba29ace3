//! Which model a run trains ([`ModelKind`]), and what defines a network (`net.json`): its
//! architecture with that architecture's own settings ([`Arch`]), its classes, the log-mel
//! bands it takes, and how they are normalised for it ([`InputNorm`]). On disk `net.json`
//! keeps the flat layout every saved model has ([`NetFile`]), so earlier models still load.

use crate::corpus::Classes;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which model a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// Two bidirectional LSTM layers over log-mel frames.
#[derive(Debug, Clone, PartialEq)]
pub struct BiLstmConfig {
    /// Hidden units per direction.
    pub hidden: usize,
    pub dropout: f64,
}

/// ResNet34 on the log-mel resized to a square image.
#[derive(Debug, Clone, PartialEq)]
pub struct ResNetConfig {
    /// Side of the square image.
    pub image_size: usize,
    /// ImageNet weights (a torchvision `.pth`, or the `.bpk` `emovox import-weights` writes);
    /// the classifier head is always trained afresh.
    pub pretrained: Option<PathBuf>,
}

/// The compact 4-block CNN on the log-mel resized to a square image.
#[derive(Debug, Clone, PartialEq)]
pub struct CnnConfig {
    /// Channels of the first block (doubled per block).
    pub width: usize,
    pub dropout: f64,
    /// Side of the square image.
    pub image_size: usize,
}

/// EfficientAT's MobileNetV3 mn04 on its own normalised log-mel.
#[derive(Debug, Clone, PartialEq)]
pub struct EfficientAtConfig {
    pub dropout: f64,
    /// AudioSet weights (EfficientAT's `.pt`); the classifier head is always trained afresh.
    pub pretrained: Option<PathBuf>,
}

/// A network architecture and its own settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Arch {
    BiLstm(BiLstmConfig),
    ResNet34(ResNetConfig),
    Cnn(CnnConfig),
    EfficientAt(EfficientAtConfig),
}

impl Arch {
    pub fn kind(&self) -> ModelKind {
        match self {
            Arch::BiLstm(_) => ModelKind::Bilstm,
            Arch::ResNet34(_) => ModelKind::Resnet34,
            Arch::Cnn(_) => ModelKind::Cnn,
            Arch::EfficientAt(_) => ModelKind::Efficientat,
        }
    }

    /// Side of the square image the ResNet and the CNN see; `None` for the architectures that
    /// take the log-mel as it is.
    pub fn image_size(&self) -> Option<usize> {
        match self {
            Arch::ResNet34(c) => Some(c.image_size),
            Arch::Cnn(c) => Some(c.image_size),
            Arch::BiLstm(_) | Arch::EfficientAt(_) => None,
        }
    }

    /// Pretrained weights the architecture starts from, if any.
    pub fn pretrained(&self) -> Option<&Path> {
        match self {
            Arch::ResNet34(c) => c.pretrained.as_deref(),
            Arch::EfficientAt(c) => c.pretrained.as_deref(),
            Arch::BiLstm(_) | Arch::Cnn(_) => None,
        }
    }
}

/// How the log-mels are normalised before the architecture's own scaling.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputNorm {
    /// Per-band mean and std of the training log-mels: the BiLSTM's standardisation, and the
    /// target of the per-utterance normalisation.
    pub band_mean: Vec<f32>,
    pub band_std: Vec<f32>,
    /// Per-utterance spectral mean normalisation first (`models::utterance_normalise`).
    pub utterance: bool,
}

/// A network: architecture, classes, input bands and normalisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "NetFile", into = "NetFile")]
pub struct NetConfig {
    pub arch: Arch,
    /// Class names in output order.
    pub classes: Classes,
    /// Log-mel bands of the input.
    pub n_mels: usize,
    pub norm: InputNorm,
}

impl NetConfig {
    pub fn kind(&self) -> ModelKind {
        self.arch.kind()
    }
}

/// `net.json` as every version has written it: one flat record for all architectures, where
/// `hidden` is the BiLSTM's hidden size or the CNN's width and the fields an architecture does
/// not use are written as zero.
#[derive(Serialize, Deserialize)]
pub struct NetFile {
    kind: ModelKind,
    /// Models saved before class lists store a count; 8 reads as the eight RAVDESS emotions.
    classes: Classes,
    n_mels: usize,
    hidden: usize,
    dropout: f64,
    image_size: usize,
    band_mean: Vec<f32>,
    band_std: Vec<f32>,
    #[serde(default)]
    pretrained: Option<PathBuf>,
    /// False in models saved before it existed.
    #[serde(default)]
    utterance_norm: bool,
}

impl TryFrom<NetFile> for NetConfig {
    type Error = String;

    fn try_from(f: NetFile) -> Result<NetConfig, String> {
        let arch = match f.kind {
            ModelKind::Bilstm => Arch::BiLstm(BiLstmConfig {
                hidden: f.hidden,
                dropout: f.dropout,
            }),
            ModelKind::Resnet34 => Arch::ResNet34(ResNetConfig {
                image_size: f.image_size,
                pretrained: f.pretrained,
            }),
            ModelKind::Cnn => Arch::Cnn(CnnConfig {
                width: f.hidden,
                dropout: f.dropout,
                image_size: f.image_size,
            }),
            ModelKind::Efficientat => Arch::EfficientAt(EfficientAtConfig {
                dropout: f.dropout,
                pretrained: f.pretrained,
            }),
            ModelKind::Svm => return Err("net.json describes a network, not the SVM".into()),
        };
        Ok(NetConfig {
            arch,
            classes: f.classes,
            n_mels: f.n_mels,
            norm: InputNorm {
                band_mean: f.band_mean,
                band_std: f.band_std,
                utterance: f.utterance_norm,
            },
        })
    }
}

impl From<NetConfig> for NetFile {
    fn from(c: NetConfig) -> NetFile {
        let kind = c.kind();
        let image_size = c.arch.image_size().unwrap_or(0);
        let (hidden, dropout, pretrained) = match c.arch {
            Arch::BiLstm(a) => (a.hidden, a.dropout, None),
            Arch::ResNet34(a) => (0, 0.0, a.pretrained),
            Arch::Cnn(a) => (a.width, a.dropout, None),
            Arch::EfficientAt(a) => (0, a.dropout, a.pretrained),
        };
        NetFile {
            kind,
            classes: c.classes,
            n_mels: c.n_mels,
            hidden,
            dropout,
            image_size,
            band_mean: c.norm.band_mean,
            band_std: c.norm.band_std,
            pretrained,
            utterance_norm: c.norm.utterance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_json_keeps_its_flat_layout() {
        // A CNN saved by an earlier version: `hidden` is its width.
        let saved = r#"{"kind":"cnn","classes":8,"n_mels":128,"hidden":16,"dropout":0.3,
            "image_size":96,"band_mean":[],"band_std":[]}"#;
        let net: NetConfig = serde_json::from_str(saved).unwrap();
        assert_eq!(
            net.arch,
            Arch::Cnn(CnnConfig {
                width: 16,
                dropout: 0.3,
                image_size: 96
            })
        );
        assert_eq!((net.classes.len(), net.norm.utterance), (8, false));
        let again: NetConfig = serde_json::from_str(&serde_json::to_string(&net).unwrap()).unwrap();
        assert_eq!(again, net);
        let svm = saved.replace("\"cnn\"", "\"svm\"");
        assert!(serde_json::from_str::<NetConfig>(&svm).is_err());
    }
}
