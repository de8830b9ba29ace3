//! Mixup: each example blended with a partner from the same batch, inputs and targets alike.
//! `shaders/mixup.wgsl` on wgpu, [`mixup_cpu`] (the oracle) elsewhere.

use crate::gpu::kernel::{self, Launch, Shader, groups};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Partner index and weight of every example: out_b = lambda_b x_b + (1 - lambda_b) x_partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixup {
    pub partner: Vec<usize>,
    pub lambda: Vec<f32>,
}

/// CPU reference on row-major [batch, n].
pub fn mixup_cpu(rows: &[f32], batch: usize, mix: &Mixup) -> Vec<f32> {
    let n = rows.len() / batch.max(1);
    let mut out = vec![0.0f32; rows.len()];
    for b in 0..batch {
        let (lam, p) = (mix.lambda[b], mix.partner[b]);
        for i in 0..n {
            out[b * n + i] = lam * rows[b * n + i] + (1.0 - lam) * rows[p * n + i];
        }
    }
    out
}

/// Mixes a batch tensor of any rank along its first axis, on its own device.
pub fn mixup<const D: usize>(x: Tensor<D>, mix: &Mixup) -> Tensor<D> {
    let dims = x.dims();
    let batch = dims[0];
    let n: usize = dims[1..].iter().product();
    assert_eq!(mix.partner.len(), batch, "one partner per example");
    let mut params = vec![batch as u32, n as u32];
    params.extend(mix.partner.iter().map(|&p| p as u32));
    params.extend(mix.lambda.iter().map(|l| l.to_bits()));
    let launch = Launch {
        shader: Shader::Mixup,
        constants: vec![],
        params,
        out_shape: vec![batch, n],
        grid: [groups(n), batch as u32, 1],
    };
    let flat: Tensor<2> = x.reshape([batch, n]);
    let mixed: Tensor<2> = kernel::run_or_cpu(flat, launch, |host| mixup_cpu(host, batch, mix));
    mixed.reshape(dims)
}
