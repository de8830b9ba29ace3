//! How log-mels become a network's input: per-model scaling, augmentation, masks and mixup
//! ([`prepare_input`]), and the optional per-utterance spectral normalisation
//! ([`utterance_normalise`]) that removes a recording's fixed channel colouration.

use super::{EFFICIENTAT_FLOOR, IMAGENET_MEAN, IMAGENET_STD, ModelKind, NetConfig, NetInput};
use crate::augment::{BatchAugment, Warp, mask, mixup, warp};
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
/// With `cfg.utterance_norm`, every model first gets [`utterance_normalise`]d log-mels.
pub fn prepare_input(
    cfg: &NetConfig,
    log_mel: Tensor<3>,
    targets: Tensor<2>,
    image_size: usize,
    augment: Option<&BatchAugment>,
) -> (NetInput, Tensor<2>) {
    let device = log_mel.device();
    let [batch, n_mels, _] = log_mel.dims();
    let log_mel = if cfg.utterance_norm {
        utterance_normalise(log_mel, &cfg.band_mean)
    } else {
        log_mel
    };
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
    use crate::corpus::Classes;
    use crate::gpu::to_host;

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
            utterance_norm: false,
        }
    }

    #[test]
    fn augmentation_covers_the_image_each_model_sees() {
        // EfficientAT and the BiLSTM see the whole log-mel: time masks must reach every frame.
        assert_eq!(augmented_dims(&net(ModelKind::Efficientat), 128, 401, 128), (128, 401));
        assert_eq!(augmented_dims(&net(ModelKind::Bilstm), 128, 251, 128), (128, 251));
        assert_eq!(augmented_dims(&net(ModelKind::Resnet34), 128, 251, 96), (96, 96));
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
