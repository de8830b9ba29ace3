//! Hardswish, h(x) = x relu6(x + 3) / 6, as one op with a hand-written backward:
//! h'(x) = 0 below -3, 1 above 3, (2x + 3) / 6 between. Composed from Burn's tensor ops it is
//! four passes over memory forward and more backward, with a copy kept per op; here, on flex,
//! one pass each way (a plain-Rust loop), and on other backends the same formulas in Burn's
//! ops (for the gradient, g = relu6(x + 3) / 6 + x (sign(3 - |x|) + 1) / 12). Under autodiff
//! the op is tracked with x as its state.

use super::host::{contiguous, f32s, from_f32, par_filled};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::wgpu::CubeBackend;
use burn::backend::{AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension, tensor::FloatTensor};
use burn::tensor::{DType, Tensor};

/// relu6(x + 3) / 6 in Burn's ops.
fn ramp<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    let shifted = B::float_add_scalar(x, 3.0.into());
    B::float_div_scalar(B::float_clamp(shifted, 0.0.into(), 6.0.into()), 6.0.into())
}

/// h(x) in Burn's ops.
fn composed_forward<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    B::float_mul(x.clone(), ramp::<B>(x))
}

/// dy h'(x) in Burn's ops.
fn composed_backward<B: Backend>(x: FloatTensor<B>, dy: FloatTensor<B>) -> FloatTensor<B> {
    let margin = B::float_add_scalar(B::float_neg(B::float_abs(x.clone())), 3.0.into());
    let inside = B::float_add_scalar(B::float_sign(margin), 1.0.into());
    let slope = B::float_div_scalar(B::float_mul(x.clone(), inside), 12.0.into());
    B::float_mul(dy, B::float_add(ramp::<B>(x), slope))
}

/// Hardswish and its gradient.
#[backend_extension(Autodiff, Cube, Fusion, Flex)]
pub trait HardswishOps: Backend {
    /// h(x), elementwise.
    #[fusion(default)]
    fn hardswish_forward(x: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_forward::<Self>(x)
    }

    /// dy h'(x), elementwise.
    #[fusion(default)]
    fn hardswish_backward(x: FloatTensor<Self>, dy: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_backward::<Self>(x, dy)
    }
}

/// On the wgpu device hardswish stays Burn's ops.
impl HardswishOps for CubeBackend {}

/// h(x) of one value.
fn forward_one(x: f32) -> f32 {
    x * (x + 3.0).clamp(0.0, 6.0) / 6.0
}

/// h'(x) of one value.
fn slope_one(x: f32) -> f32 {
    if x < -3.0 {
        0.0
    } else if x > 3.0 {
        1.0
    } else {
        (2.0 * x + 3.0) / 6.0
    }
}

/// Values per parallel piece.
const PIECE: usize = 1 << 14;

impl HardswishOps for Flex {
    fn hardswish_forward(x: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 {
            return composed_forward::<Flex>(x);
        }
        let x = contiguous(&x);
        let input = f32s(&x);
        let y = par_filled(input.len(), PIECE, |i, out| {
            for (o, &v) in out.iter_mut().zip(&input[i * PIECE..]) {
                *o = forward_one(v);
            }
        });
        from_f32(y, x.shape())
    }

    fn hardswish_backward(x: FlexTensor, dy: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 || dy.dtype() != DType::F32 {
            return composed_backward::<Flex>(x, dy);
        }
        let (x, dy) = (contiguous(&x), contiguous(&dy));
        let (input, grad) = (f32s(&x), f32s(&dy));
        let dx = par_filled(input.len(), PIECE, |i, out| {
            for ((o, &v), &g) in out.iter_mut().zip(&input[i * PIECE..]).zip(&grad[i * PIECE..]) {
                *o = g * slope_one(v);
            }
        });
        from_f32(dx, x.shape())
    }
}

#[derive(Debug)]
struct HardswishBackward;

impl<B: Backend + HardswishOps> Backward<B, 1> for HardswishBackward {
    /// The input.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [x_node] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, B::hardswish_backward(ops.state, dy));
        }
    }
}

impl<B: Backend + HardswishOps, C: CheckpointStrategy> HardswishOps for Autodiff<B, C> {
    fn hardswish_forward(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let parents = [x.node()];
        let x = x.into_primitive();
        let y = B::hardswish_forward(x.clone());
        match HardswishBackward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(x, y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        }
    }

    fn hardswish_backward(x: FloatTensor<Self>, dy: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::hardswish_backward(Self::inner(x), Self::inner(dy)))
    }
}

/// Hardswish of `x`, differentiable under autodiff.
pub fn hardswish<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as HardswishOps>::hardswish_forward(x.into_dispatch()))
}
