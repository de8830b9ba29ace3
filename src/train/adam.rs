//! Adam exactly as Burn's `AdamConfig::new()` computes it (beta 0.9 / 0.999, epsilon 1e-5, no
//! weight decay), in one parallel pass per parameter on flex. Burn's Adam is thirteen
//! element-wise ops per parameter, each a pass over memory on the calling thread while the
//! other cores wait (a tenth of ResNet34's training step at 21 M parameters); here one pass on
//! rayon's threads, the same f32 operations in the same order, so the same values to the bit.
//! On other devices (wgpu) and dtypes the step is Burn's own. The state is Burn's `AdamState`,
//! so a checkpoint of either loads in the other.
//!
//! Per value at step t, gradient g: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g g, then
//! p = p - lr (c m) / (sqrt(v) + eps s), with s = sqrt(1 - b2^t) and c = s / (1 - b1^t).

use crate::models::host::{contiguous, f32s, from_f32};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::{Backend, Dispatch, Shape, TensorMetadata, backend_extension, tensor::FloatTensor};
use burn::optim::{Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{DType, Device, Tensor};
use rayon::prelude::*;
use std::mem::MaybeUninit;

const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-5;

/// The Adam step as an op on flex tensors: parameter, gradient and moments in, the new
/// parameter and moments (p, m, v) out, each shaped as the parameter. (The macro reads the
/// tuples as three outputs; an alias would hide them.)
#[backend_extension(Flex)]
pub trait AdamOps: Backend {
    /// The first step (no moments yet).
    fn adam_first(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        lr: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// Step `time` (2 or later) from the moments of the step before.
    fn adam_next(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        lr: f64,
        time: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Values per parallel piece.
const PIECE: usize = 1 << 14;

/// One pass: p, m and v after step `time` (moments `None` at the first).
fn update(p: &[f32], g: &[f32], moments: Option<(&[f32], &[f32])>, lr: f64, time: usize) -> [Vec<f32>; 3] {
    let n = p.len();
    let t = time as i32;
    // Burn's scalars: f32 factors; the learning rate passed as f64, applied as f32.
    let (a1, a2) = (1.0 - BETA_1, 1.0 - BETA_2);
    let s = (1.0 - BETA_2.powi(t)).sqrt();
    let c = s / (1.0 - BETA_1.powi(t));
    let eps = EPSILON * s;
    let lr = lr as f32;
    let mut out: [Vec<f32>; 3] = std::array::from_fn(|_| Vec::with_capacity(n));
    let [new_p, new_m, new_v] = &mut out;
    new_p.spare_capacity_mut()[..n]
        .par_chunks_mut(PIECE)
        .zip(new_m.spare_capacity_mut()[..n].par_chunks_mut(PIECE))
        .zip(new_v.spare_capacity_mut()[..n].par_chunks_mut(PIECE))
        .enumerate()
        .for_each(|(i, ((op, om), ov))| {
            let at = i * PIECE;
            for j in 0..op.len() {
                let k = at + j;
                let gk = g[k];
                let (m, v) = match moments {
                    Some((m, v)) => (m[k] * BETA_1 + gk * a1, v[k] * BETA_2 + gk * gk * a2),
                    None => (gk * a1, gk * gk * a2),
                };
                om[j] = MaybeUninit::new(m);
                ov[j] = MaybeUninit::new(v);
                op[j] = MaybeUninit::new(p[k] - m * c / (v.sqrt() + eps) * lr);
            }
        });
    for values in &mut out {
        // SAFETY: the pieces cover the first n values, and the loop above wrote each one.
        unsafe { values.set_len(n) };
    }
    out
}

/// The new parameter and moments (p, m, v) on flex.
type Stepped = (FlexTensor, FlexTensor, FlexTensor);

/// `update`'s three buffers as tensors of `shape`.
fn tensors([p, m, v]: [Vec<f32>; 3], shape: Shape) -> Stepped {
    (
        from_f32(p, shape.clone()),
        from_f32(m, shape.clone()),
        from_f32(v, shape),
    )
}

impl AdamOps for Flex {
    fn adam_first(param: FlexTensor, grad: FlexTensor, lr: f64) -> Stepped {
        let (param, grad) = (contiguous(&param), contiguous(&grad));
        tensors(update(f32s(&param), f32s(&grad), None, lr, 1), param.shape())
    }

    fn adam_next(param: FlexTensor, grad: FlexTensor, m: FlexTensor, v: FlexTensor, lr: f64, time: usize) -> Stepped {
        let [param, grad, m, v] = [param, grad, m, v].map(|t| contiguous(&t));
        let values = update(f32s(&param), f32s(&grad), Some((f32s(&m), f32s(&v))), lr, time);
        tensors(values, param.shape())
    }
}

/// Adam with `AdamConfig::new()`'s settings, one pass per parameter on flex (f32).
#[derive(Clone)]
pub struct FusedAdam {
    /// Burn's Adam with the same settings, for other devices and dtypes.
    burn: Adam,
}

impl Default for FusedAdam {
    fn default() -> Self {
        Self {
            burn: AdamConfig::new().build(),
        }
    }
}

impl FusedAdam {
    /// Whether a step on `tensor` (or its gradient) takes the one-pass kernel: f32 on flex.
    pub fn fuses<const D: usize>(tensor: &Tensor<D>) -> bool {
        tensor.device().inner() == Device::flex() && tensor.dtype() == DType::F32
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        let moments_fuse = state.as_ref().is_none_or(|s| {
            let m = &s.momentum;
            Self::fuses(&m.moment_1) && Self::fuses(&m.moment_2) && m.max_moment_2.is_none()
        });
        if !(Self::fuses(&tensor) && Self::fuses(&grad) && moments_fuse) {
            return self.burn.step(lr, tensor, grad, state);
        }
        let ((p, m, v), time) = match state {
            None => (
                Dispatch::adam_first(tensor.into_dispatch(), grad.into_dispatch(), lr),
                1,
            ),
            Some(state) => {
                let AdaptiveMomentumState {
                    time,
                    moment_1,
                    moment_2,
                    ..
                } = state.momentum;
                let next = Dispatch::adam_next(
                    tensor.into_dispatch(),
                    grad.into_dispatch(),
                    moment_1.into_dispatch(),
                    moment_2.into_dispatch(),
                    lr,
                    time + 1,
                );
                (next, time + 1)
            }
        };
        let momentum = AdaptiveMomentumState::new(time, Tensor::from_dispatch(m), Tensor::from_dispatch(v));
        (Tensor::from_dispatch(p), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(state: AdamState<D>, device: &Device) -> AdamState<D> {
        Adam::to_device(state, device)
    }
}
