//! The convolution op on flex: which kernel computes a convolution and its gradients, on the
//! tensors' host f32 data. Depthwise convolutions take [`depthwise`]'s gradients (their forward
//! pass stays Burn's direct per-plane loop); wide 3 x 3 convolutions at stride 1 take
//! [`winograd`]'s forward pass and gradients, other convolutions without groups [`dense`]'s;
//! any other (other groupings, other dtypes) stays Burn's.

use super::ConvGradOps;
use super::dims::ConvDims;
use super::ops::options;
use super::{dense, depthwise, winograd};
use crate::models::host::{contiguous, f32s, from_f32};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::ops::ModuleOps;
use burn::backend::{Shape, TensorMetadata};
use burn::tensor::DType;

/// Which of emovox's kernels computes this convolution's gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Depthwise,
    /// Without groups ([`dense`]), pointwise included.
    Dense,
    /// Without groups, 3 x 3 at stride 1 with padding 1 and 64 channels or more ([`winograd`]).
    Winograd,
}

/// The geometry and kernel of a convolution emovox's kernels take (f32 data), if it is one.
fn kernel(
    x: &FlexTensor,
    weight: &FlexTensor,
    dy: Option<&FlexTensor>,
    stride: usize,
    padding: usize,
    groups: usize,
) -> Option<(ConvDims, Kernel)> {
    if ![Some(x), Some(weight), dy]
        .iter()
        .flatten()
        .all(|t| t.dtype() == DType::F32)
    {
        return None;
    }
    let shape = weight.shape();
    let d = match dy {
        Some(dy) => ConvDims::of(&x.shape(), &shape, &dy.shape(), stride, padding),
        None => ConvDims::forward(&x.shape(), &shape, stride, padding),
    };
    let kernel = if d.depthwise(groups, &shape) {
        Kernel::Depthwise
    } else if d.dense(groups, &shape) && winograd::applies(&d) {
        Kernel::Winograd
    } else if d.dense(groups, &shape) {
        Kernel::Dense
    } else {
        return None;
    };
    Some((d, kernel))
}

/// Which gradient of a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gradient {
    Input,
    Weight,
}

/// One gradient of a convolution: emovox's kernel where one takes it, else Burn's.
fn gradient(
    of: Gradient,
    x: FlexTensor,
    weight: FlexTensor,
    dy: FlexTensor,
    (stride, padding, groups): (usize, usize, usize),
) -> FlexTensor {
    let Some((d, kind)) = kernel(&x, &weight, Some(&dy), stride, padding, groups) else {
        let options = options(stride, padding, groups);
        return match of {
            Gradient::Input => Flex::conv2d_x_backward(x, weight, dy, options),
            Gradient::Weight => Flex::conv2d_weight_backward(x, weight, dy, options),
        };
    };
    let g = contiguous(&dy);
    let g = f32s(&g);
    match of {
        Gradient::Input => {
            let w = contiguous(&weight);
            let dx = match kind {
                Kernel::Depthwise => depthwise::input_grad(&d, f32s(&w), g),
                Kernel::Dense => dense::input_grad(&d, f32s(&w), g),
                Kernel::Winograd => winograd::input_grad(&d, f32s(&w), g),
            };
            from_f32(dx, x.shape())
        }
        Gradient::Weight => {
            let input = contiguous(&x);
            let dw = match kind {
                Kernel::Depthwise => depthwise::weight_grad(&d, f32s(&input), g),
                Kernel::Dense => dense::weight_grad(&d, f32s(&input), g),
                Kernel::Winograd => winograd::weight_grad(&d, f32s(&input), g),
            };
            from_f32(dw, weight.shape())
        }
    }
}

impl ConvGradOps for Flex {
    fn conv_forward(x: FlexTensor, weight: FlexTensor, stride: usize, padding: usize, groups: usize) -> FlexTensor {
        match kernel(&x, &weight, None, stride, padding, groups) {
            // Burn's depthwise forward is already a direct per-plane loop.
            Some((d, kind @ (Kernel::Dense | Kernel::Winograd))) => {
                let (input, w) = (contiguous(&x), contiguous(&weight));
                let y = if kind == Kernel::Winograd {
                    winograd::forward(&d, f32s(&input), f32s(&w))
                } else {
                    dense::forward(&d, f32s(&input), f32s(&w))
                };
                from_f32(y, Shape::new([d.batch, d.c_out, d.ho, d.wo]))
            }
            _ => Flex::conv2d(x, weight, None, options(stride, padding, groups)),
        }
    }

    fn conv_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        dy: FlexTensor,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FlexTensor {
        gradient(Gradient::Input, x, weight, dy, (stride, padding, groups))
    }

    fn conv_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        dy: FlexTensor,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FlexTensor {
        gradient(Gradient::Weight, x, weight, dy, (stride, padding, groups))
    }
}
