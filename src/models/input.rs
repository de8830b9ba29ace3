//! How log-mels become a network's input ([`prepare_input`]): per-model scaling ([`scale`]),
//! the image models' resize, and the layout each network takes ([`to_network`]); the optional
//! per-utterance spectral normalisation ([`utterance_normalise`]) removes a recording's fixed
//! channel colouration. Training augments between these stages (`train::batch`).

use super::{EFFICIENTAT_FLOOR, IMAGENET_MEAN, IMAGENET_STD, ModelKind, NetConfig, NetInput};
use crate::augment::{Warp, warp};
use burn::tensor::{Tensor, TensorData};

/// Frames whose loudest band is within this of the clip's lowest value are padding or digital
/// silence (the front end's floor), not sound.
const FLOOR_MARGIN: f32 = 1e-3;

/// Per-utterance spectral mean normalisation of log-mels [batch, n_mels, frames]: each clip's
/// mean over its sounding frames is replaced, band by band, by `band_mean` (the training
/// set's). A microphone or line acts as a fixed filter, i.e. an offset per band in the log
/// domain, so a recording's colouration is removed while the shape over time is kept.
/// Padding and digital-silence frames (every band at the clip's floor) are left as they are
/// and do not count towards the mean. Empty `band_mean` means zero.
pub fn utterance_normalise(log_mel: Tensor<3>, band_mean: &[f32]) -> Tensor<3> {
    let device = log_mel.device();
    let [_, n_mels, _] = log_mel.dims();
    let floor = log_mel.clone().min_dim(1).min_dim(2); // [B, 1, 1]
    let sounding = log_mel.clone().max_dim(1).greater(floor + FLOOR_MARGIN).float(); // [B, 1, T]
    let count = sounding.clone().sum_dim(2).clamp_min(1.0);
    let clip_mean = (log_mel.clone() * sounding.clone()).sum_dim(2) / count; // [B, M, 1]
    let target = if band_mean.len() == n_mels {
        Tensor::<1>::from_data(TensorData::new(band_mean.to_vec(), [n_mels]), &device).reshape([1, n_mels, 1])
    } else {
        Tensor::<3>::zeros([1, n_mels, 1], &device)
    };
    log_mel + (target - clip_mean) * sounding
}

/// The side of the square image an image model (ResNet, CNN) sees: its own, or `image_size`
/// when given (progressive resizing trains at other sizes); `None` for the models that take
/// the log-mel as it is.
pub fn image_side(cfg: &NetConfig, image_size: Option<usize>) -> Option<usize> {
    cfg.arch.image_size().map(|own| image_size.unwrap_or(own))
}

/// Rows and columns of the image that training augments (and masks) for this model:
/// the log-mel itself for the BiLSTM and EfficientAT, the [`image_side`] square for the others.
pub fn augmented_dims(cfg: &NetConfig, n_mels: usize, frames: usize, image_size: Option<usize>) -> (usize, usize) {
    match image_side(cfg, image_size) {
        Some(side) => (side, side),
        None => (n_mels, frames),
    }
}

/// The fill of the warps a model's image takes (augmentation; for the ResNet and CNN also the
/// resize to `image_size`): the value of silence after [`scale`]. `None` for the BiLSTM, whose
/// input is never warped.
pub fn warp_fill(cfg: &NetConfig) -> Option<f32> {
    match cfg.kind() {
        ModelKind::Bilstm => None,
        ModelKind::Efficientat => Some(EFFICIENTAT_FLOOR),
        _ => Some(0.0),
    }
}

/// The first stage of every input, log-mels [batch, n_mels, frames] (dB) scaled per model:
/// [`utterance_normalise`]d first with `cfg.norm.utterance`; then EfficientAT's normalised
/// log-mel as is, the BiLSTM's per-band standardised, the ResNet's and CNN's min-max scaled
/// to [0, 1] per clip.
pub fn scale(cfg: &NetConfig, log_mel: Tensor<3>) -> Tensor<3> {
    let device = log_mel.device();
    let [_, n_mels, _] = log_mel.dims();
    let log_mel = if cfg.norm.utterance {
        utterance_normalise(log_mel, &cfg.norm.band_mean)
    } else {
        log_mel
    };
    match cfg.kind() {
        ModelKind::Efficientat => log_mel,
        ModelKind::Bilstm => {
            let mean = Tensor::<1>::from_data(TensorData::new(cfg.norm.band_mean.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            let std = Tensor::<1>::from_data(TensorData::new(cfg.norm.band_std.clone(), [n_mels]), &device)
                .reshape([1, n_mels, 1]);
            (log_mel - mean) / std
        }
        _ => {
            let lo = log_mel.clone().min_dim(1).min_dim(2);
            let hi = log_mel.clone().max_dim(1).max_dim(2);
            (log_mel - lo.clone()) / (hi - lo).clamp_min(1e-6)
        }
    }
}

/// The last stage: a scaled (and, for the image models, sized) batch [batch, rows, cols] in the
/// layout and normalisation the network takes. BiLSTM: frames first [batch, frames, n_mels].
/// EfficientAT: one channel. CNN: one channel scaled to [-2, 2]. ResNet: three channels with
/// ImageNet normalisation.
pub fn to_network(cfg: &NetConfig, image: Tensor<3>) -> NetInput {
    let device = image.device();
    match cfg.kind() {
        ModelKind::Bilstm => NetInput::Sequence(image.swap_dims(1, 2)),
        ModelKind::Efficientat => NetInput::Image(image.unsqueeze_dim::<4>(1)),
        // One channel, centred: the compact CNN has no ImageNet heritage.
        ModelKind::Cnn => NetInput::Image((image.unsqueeze_dim::<4>(1) - 0.5) * 4.0),
        _ => {
            let mean =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_MEAN.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let std =
                Tensor::<1>::from_data(TensorData::new(IMAGENET_STD.to_vec(), [3]), &device).reshape([1, 3, 1, 1]);
            let rgb = image.unsqueeze_dim::<4>(1).repeat_dim(1, 3);
            NetInput::Image((rgb - mean) / std)
        }
    }
}

/// A network's input for log-mels [batch, n_mels, frames] (dB): [`scale`], the ResNet's and
/// CNN's log-mel resized to their [`image_side`] square, [`to_network`]. No augmentation:
/// training adds its own between the stages.
pub fn prepare_input(cfg: &NetConfig, log_mel: Tensor<3>, image_size: Option<usize>) -> NetInput {
    let x = scale(cfg, log_mel);
    let x = match image_side(cfg, image_size) {
        Some(side) => {
            let identity = vec![Warp::identity(0.0); x.dims()[0]];
            warp(x, &identity, [side, side])
        }
        None => x,
    };
    to_network(cfg, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Classes;
    use crate::gpu::to_host;
    use crate::models::{Arch, BiLstmConfig, EfficientAtConfig, InputNorm, ResNetConfig};

    fn net(arch: Arch) -> NetConfig {
        NetConfig {
            arch,
            classes: Classes::emotions(),
            n_mels: 128,
            norm: InputNorm::default(),
        }
    }

    #[test]
    fn augmentation_covers_the_image_each_model_sees() {
        // EfficientAT and the BiLSTM see the whole log-mel: time masks must reach every frame.
        let efficientat = Arch::EfficientAt(EfficientAtConfig {
            dropout: 0.0,
            pretrained: None,
        });
        let bilstm = Arch::BiLstm(BiLstmConfig {
            hidden: 128,
            dropout: 0.0,
        });
        let resnet = Arch::ResNet34(ResNetConfig {
            image_size: 128,
            pretrained: None,
        });
        assert_eq!(augmented_dims(&net(efficientat), 128, 401, Some(128)), (128, 401));
        assert_eq!(augmented_dims(&net(bilstm), 128, 251, Some(128)), (128, 251));
        assert_eq!(augmented_dims(&net(resnet.clone()), 128, 251, Some(96)), (96, 96));
        assert_eq!(augmented_dims(&net(resnet), 128, 251, None), (128, 128));
    }

    #[test]
    fn utterance_normalisation_removes_a_fixed_filter_and_keeps_padding() {
        let device = crate::gpu::Compute::cpu().device;
        let (m, t) = (4, 6);
        // Two sounding frames of a shape over time, then padding at the floor (-1.4).
        let mut clip = vec![-1.4f32; m * t];
        for b in 0..m {
            clip[b * t] = 0.5 + b as f32 * 0.1;
            clip[b * t + 1] = -0.3 + b as f32 * 0.2;
        }
        let filtered: Vec<f32> = clip
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if i % t < 2 {
                    v + [0.7, -0.2, 0.4, -0.9][i / t]
                } else {
                    v
                }
            })
            .collect();
        let band_mean = [0.1, 0.2, 0.3, 0.4];
        let run = |x: Vec<f32>| {
            let x = Tensor::<3>::from_data(TensorData::new(x, [1, m, t]), &device);
            to_host(utterance_normalise(x, &band_mean)).unwrap()
        };
        let (a, b) = (run(clip.clone()), run(filtered));
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() < 1e-5, "{i}: {x} vs {y}");
        }
        for band in 0..m {
            let mean = (a[band * t] + a[band * t + 1]) / 2.0;
            assert!((mean - band_mean[band]).abs() < 1e-5, "band {band}: {mean}");
            assert!(
                a[band * t + 2..(band + 1) * t].iter().all(|&v| v == -1.4),
                "padding kept"
            );
        }
    }
}
