//! SpecAugment masks: per example, frequency bands (image rows) and time spans (columns) set to
//! a fill value. `shaders/mask.wgsl` on wgpu, [`mask_cpu`] (the oracle) elsewhere.

use crate::gpu::kernel::{self, Launch, Shader, groups};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// One example's masks: (first index, width) pairs; width 0 masks nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masks {
    pub freq: Vec<(usize, usize)>,
    pub time: Vec<(usize, usize)>,
}

fn masked(bands: &[(usize, usize)], i: usize) -> bool {
    bands.iter().any(|&(start, width)| i >= start && i < start + width)
}

/// CPU reference on row-major [batch, h, w].
pub fn mask_cpu(images: &[f32], shape: [usize; 3], masks: &[Masks], fill: f32) -> Vec<f32> {
    let [_, h, w] = shape;
    let mut out = images.to_vec();
    for (img, m) in out.chunks_mut(h * w).zip(masks) {
        for (i, v) in img.iter_mut().enumerate() {
            if masked(&m.freq, i / w) || masked(&m.time, i % w) {
                *v = fill;
            }
        }
    }
    out
}

/// Applies masks to [batch, h, w] on its own device. Every example must have the same number
/// of frequency masks and of time masks (pad with zero-width masks).
pub fn mask(images: Tensor<3>, masks: &[Masks], fill: f32) -> Tensor<3> {
    let [batch, h, w] = images.dims();
    assert_eq!(masks.len(), batch, "one mask set per image");
    let (n_freq, n_time) = (masks[0].freq.len(), masks[0].time.len());
    let mut params = vec![
        batch as u32,
        h as u32,
        w as u32,
        n_freq as u32,
        n_time as u32,
        fill.to_bits(),
    ];
    for m in masks {
        assert!(
            m.freq.len() == n_freq && m.time.len() == n_time,
            "equal mask counts per example"
        );
        params.extend(m.freq.iter().chain(&m.time).flat_map(|&(s, n)| [s as u32, n as u32]));
    }
    let launch = Launch {
        shader: Shader::Mask,
        constants: vec![],
        params,
        out_shape: vec![batch, h, w],
        grid: [groups(h * w), batch as u32, 1],
    };
    kernel::run_or_cpu(images, launch, |host| mask_cpu(host, [batch, h, w], masks, fill))
}
