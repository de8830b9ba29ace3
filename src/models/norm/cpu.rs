//! BatchNorm's batch statistics and their gradient on flex, in plain Rust on NCHW data seen
//! as x [B, C, S]: per channel c over its N = B S values (one channel per thread),
//! mean = sum x / N, var = sum (x - mean)^2 / N (biased), x^ = (x - mean) / sqrt(var + eps),
//! y = gamma x^ + beta; backward, with the sums of dy and of dy x^ over the channel,
//! dbeta = sum dy, dgamma = sum dy x^, dx = gamma / sqrt(var + eps) (dy - dbeta / N - x^ dgamma / N).
//! Sums run in eight f32 lanes per plane and in f64 across planes.

use super::BatchNormOps;
use crate::models::host::{contiguous, f32s, from_f32, lane_sum, par_filled};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::{Shape, TensorMetadata};
use burn::tensor::DType;
use rayon::prelude::*;

/// Batch, channels and values per channel of each image.
#[derive(Debug, Clone, Copy)]
struct Dims {
    batch: usize,
    channels: usize,
    spatial: usize,
}

impl Dims {
    fn of(shape: &Shape) -> Dims {
        let (batch, channels) = (shape[0], shape[1]);
        Dims {
            batch,
            channels,
            spatial: shape.num_elements() / (batch * channels).max(1),
        }
    }

    /// Values per channel.
    fn n(&self) -> f64 {
        (self.batch * self.spatial).max(1) as f64
    }

    /// Channel `c`'s plane in image `b`.
    fn plane<'a>(&self, data: &'a [f32], b: usize, c: usize) -> &'a [f32] {
        &data[(b * self.channels + c) * self.spatial..][..self.spatial]
    }
}

/// Per channel, sum over its planes of `f(plane index b, plane)`.
fn per_channel(d: &Dims, f: impl Fn(usize, usize) -> f64 + Sync) -> Vec<f64> {
    (0..d.channels)
        .into_par_iter()
        .map(|c| (0..d.batch).map(|b| f(b, c)).sum())
        .collect()
}

/// (y, mean, biased variance) of x with gamma and beta.
pub fn forward(shape: &Shape, x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = Dims::of(shape);
    let sums = per_channel(&d, |b, c| {
        let plane = d.plane(x, b, c);
        lane_sum(plane, plane, |v, _| v)
    });
    let mean: Vec<f64> = sums.iter().map(|s| s / d.n()).collect();
    let squares = per_channel(&d, |b, c| {
        let (plane, m) = (d.plane(x, b, c), mean[c] as f32);
        lane_sum(plane, plane, |v, _| (v - m) * (v - m))
    });
    let var: Vec<f64> = squares.iter().map(|s| s / d.n()).collect();
    let y = par_filled(x.len(), d.spatial, |bc, out| {
        let c = bc % d.channels;
        let scale = (f64::from(gamma[c]) / (var[c] + epsilon).sqrt()) as f32;
        let shift = (f64::from(beta[c]) - mean[c] * f64::from(scale)) as f32;
        for (o, &v) in out.iter_mut().zip(&x[bc * d.spatial..][..d.spatial]) {
            *o = v * scale + shift;
        }
    });
    let narrow = |v: Vec<f64>| v.into_iter().map(|s| s as f32).collect();
    (y, narrow(mean), narrow(var))
}

/// (dx, dgamma, dbeta) from dy and the forward pass's statistics.
pub fn backward(
    shape: &Shape,
    x: &[f32],
    gamma: &[f32],
    mean: &[f32],
    var: &[f32],
    dy: &[f32],
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = Dims::of(shape);
    let inv_std: Vec<f64> = var.iter().map(|&v| 1.0 / (f64::from(v) + epsilon).sqrt()).collect();
    let dbeta = per_channel(&d, |b, c| {
        let plane = d.plane(dy, b, c);
        lane_sum(plane, plane, |g, _| g)
    });
    let dgamma = per_channel(&d, |b, c| {
        let m = mean[c];
        inv_std[c] * lane_sum(d.plane(dy, b, c), d.plane(x, b, c), |g, v| g * (v - m))
    });
    let dx = par_filled(x.len(), d.spatial, |bc, out| {
        let c = bc % d.channels;
        let (m, s, n) = (mean[c], inv_std[c] as f32, d.n());
        let scale = (f64::from(gamma[c]) * inv_std[c]) as f32;
        let (mean_dy, mean_dyx) = ((dbeta[c] / n) as f32, (dgamma[c] / n) as f32);
        let (x_plane, dy_plane) = (&x[bc * d.spatial..][..d.spatial], &dy[bc * d.spatial..][..d.spatial]);
        for ((o, &v), &g) in out.iter_mut().zip(x_plane).zip(dy_plane) {
            *o = scale * (g - mean_dy - (v - m) * s * mean_dyx);
        }
    });
    let narrow = |v: Vec<f64>| v.into_iter().map(|s| s as f32).collect();
    (dx, narrow(dgamma), narrow(dbeta))
}

fn all_f32(tensors: &[&FlexTensor]) -> bool {
    tensors.iter().all(|t| t.dtype() == DType::F32)
}

impl BatchNormOps for Flex {
    fn norm_train(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        if !all_f32(&[&x, &gamma, &beta]) || x.shape().num_dims() < 2 {
            let r = <Flex as burn::backend::ops::ModuleOps<Flex>>::batch_norm_train(x, gamma, beta, epsilon);
            return (r.output, r.mean, r.variance);
        }
        let shape = x.shape();
        let channels = Shape::new([shape[1]]);
        let (x, gamma, beta) = (contiguous(&x), contiguous(&gamma), contiguous(&beta));
        let (y, mean, var) = forward(&shape, f32s(&x), f32s(&gamma), f32s(&beta), epsilon);
        (
            from_f32(y, shape),
            from_f32(mean, channels.clone()),
            from_f32(var, channels),
        )
    }

    fn norm_train_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        dy: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        if !all_f32(&[&x, &gamma, &mean, &variance, &dy]) || x.shape().num_dims() < 2 {
            let r = <Flex as burn::backend::ops::ModuleOps<Flex>>::batch_norm_train_backward(
                x, gamma, mean, variance, epsilon, dy,
            );
            return (r.x_grad, r.gamma_grad, r.beta_grad);
        }
        let shape = x.shape();
        let channels = Shape::new([shape[1]]);
        let (x, gamma, mean, variance, dy) = (
            contiguous(&x),
            contiguous(&gamma),
            contiguous(&mean),
            contiguous(&variance),
            contiguous(&dy),
        );
        let (dx, dgamma, dbeta) = backward(
            &shape,
            f32s(&x),
            f32s(&gamma),
            f32s(&mean),
            f32s(&variance),
            f32s(&dy),
            epsilon,
        );
        (
            from_f32(dx, shape),
            from_f32(dgamma, channels.clone()),
            from_f32(dbeta, channels),
        )
    }
}
