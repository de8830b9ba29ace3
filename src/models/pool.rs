//! 2 x 2 average pooling at stride 2 (the compact CNN's downsampling) as one op with a
//! hand-written backward. x [B, C, H, W] -> y [B, C, H / 2, W / 2] (floor; an odd last row or
//! column is dropped):
//!
//! ```text
//! y[b, c, i, j] = (x[2i, 2j] + x[2i, 2j + 1] + x[2i + 1, 2j] + x[2i + 1, 2j + 1]) / 4
//! dx[b, c, 2i + a, 2j + e] = dy[b, c, i, j] / 4   (a, e in {0, 1}; 0 on a dropped row or column)
//! ```
//!
//! On flex, one plane per parallel piece in plain Rust: Burn's generic pooling gradient counts
//! the window's valid taps for every output and was 8% of the CNN's training step. Elsewhere
//! Burn's `avg_pool2d` and its backward. Under autodiff the op is tracked with x as its state.

use super::host::{contiguous, f32s, from_f32, par_filled};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::ops::ModuleOps;
use burn::backend::wgpu::CubeBackend;
use burn::backend::{
    AutodiffBackend, Backend, Dispatch, Shape, TensorMetadata, backend_extension, tensor::FloatTensor,
};
use burn::nn::PaddingConfig2d;
use burn::nn::pool::AvgPool2d;
use burn::tensor::{DType, Tensor};

/// The window, stride and padding of Burn's ops for this pooling.
const WINDOW: [usize; 2] = [2, 2];
const NO_PADDING: [usize; 2] = [0, 0];

/// 2 x 2 average pooling at stride 2 and its gradient.
#[backend_extension(Autodiff, Cube, Fusion, Flex)]
pub trait AvgPool2x2Ops: Backend {
    /// y [B, C, H / 2, W / 2].
    #[fusion(default)]
    fn avg_pool2x2_forward(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::avg_pool2d(x, WINDOW, WINDOW, NO_PADDING, true, false)
    }

    /// dx [B, C, H, W] from dy [B, C, H / 2, W / 2].
    #[fusion(default)]
    fn avg_pool2x2_backward(x: FloatTensor<Self>, dy: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::avg_pool2d_backward(x, dy, WINDOW, WINDOW, NO_PADDING, true, false)
    }
}

/// On the wgpu device the pooling stays Burn's.
impl AvgPool2x2Ops for CubeBackend {}

/// [planes, H, W] of a [B, C, H, W] shape.
fn planes(shape: &Shape) -> (usize, usize, usize) {
    (shape[0] * shape[1], shape[2], shape[3])
}

impl AvgPool2x2Ops for Flex {
    fn avg_pool2x2_forward(x: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 {
            return Flex::avg_pool2d(x, WINDOW, WINDOW, NO_PADDING, true, false);
        }
        let x = contiguous(&x);
        let shape = x.shape();
        let ((n, h, w), (ho, wo)) = (planes(&shape), (shape[2] / 2, shape[3] / 2));
        let input = f32s(&x);
        let y = par_filled(n * ho * wo, ho * wo, |p, out| {
            let plane = &input[p * h * w..][..h * w];
            for (i, out_row) in out.chunks_exact_mut(wo.max(1)).enumerate() {
                let (top, bottom) = (&plane[2 * i * w..][..w], &plane[(2 * i + 1) * w..][..w]);
                for (j, o) in out_row.iter_mut().enumerate() {
                    *o = (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]) * 0.25;
                }
            }
        });
        from_f32(y, Shape::new([shape[0], shape[1], ho, wo]))
    }

    fn avg_pool2x2_backward(x: FlexTensor, dy: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 || dy.dtype() != DType::F32 {
            return Flex::avg_pool2d_backward(x, dy, WINDOW, WINDOW, NO_PADDING, true, false);
        }
        let shape = x.shape();
        let ((n, h, w), (ho, wo)) = (planes(&shape), (shape[2] / 2, shape[3] / 2));
        let dy = contiguous(&dy);
        let grad = f32s(&dy);
        let dx = par_filled(n * h * w, h * w, |p, plane| {
            let g = &grad[p * ho * wo..][..ho * wo];
            for (i, g_row) in g.chunks_exact(wo.max(1)).enumerate() {
                for a in 0..2 {
                    let row = &mut plane[(2 * i + a) * w..][..w];
                    for (j, &v) in g_row.iter().enumerate() {
                        row[2 * j] = v * 0.25;
                        row[2 * j + 1] = v * 0.25;
                    }
                }
            }
        });
        from_f32(dx, shape)
    }
}

#[derive(Debug)]
struct AvgPool2x2Backward;

impl<B: Backend + AvgPool2x2Ops> Backward<B, 1> for AvgPool2x2Backward {
    /// The input.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [x_node] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, B::avg_pool2x2_backward(ops.state, dy));
        }
    }
}

impl<B: Backend + AvgPool2x2Ops, C: CheckpointStrategy> AvgPool2x2Ops for Autodiff<B, C> {
    fn avg_pool2x2_forward(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let parents = [x.node()];
        let x = x.into_primitive();
        let y = B::avg_pool2x2_forward(x.clone());
        match AvgPool2x2Backward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(x, y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        }
    }

    fn avg_pool2x2_backward(x: FloatTensor<Self>, dy: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::avg_pool2x2_backward(Self::inner(x), Self::inner(dy)))
    }
}

/// 2 x 2 average pooling at stride 2 of `x` [B, C, H, W], differentiable under autodiff.
pub fn avg_pool2x2(x: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as AvgPool2x2Ops>::avg_pool2x2_forward(x.into_dispatch()))
}

/// `pool`'s forward pass through [`avg_pool2x2`] when it is that pooling (2 x 2 window, stride
/// 2, no padding, floor), else Burn's own.
pub fn forward(pool: &AvgPool2d, x: Tensor<4>) -> Tensor<4> {
    let plain =
        matches!(pool.padding, PaddingConfig2d::Valid) || matches!(pool.padding, PaddingConfig2d::Explicit(0, 0, 0, 0));
    if pool.kernel_size == WINDOW && pool.stride == WINDOW && plain && !pool.ceil_mode {
        avg_pool2x2(x)
    } else {
        pool.forward(x)
    }
}
