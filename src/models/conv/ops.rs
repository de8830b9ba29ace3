//! The convolution op as a Burn backend extension: forward, and the gradients of the input and
//! of the weight, each with the geometry (square stride and symmetric padding, groups) as plain
//! arguments. The defaults are Burn's own ops, which the wgpu backend and fusion keep.

use burn::backend::ops::ConvOptions;
use burn::backend::wgpu::CubeBackend;
use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;

/// Burn's options for a square stride, the same padding on every side, no dilation.
pub(super) fn options(stride: usize, padding: usize, groups: usize) -> ConvOptions<2> {
    ConvOptions::new([stride, stride], [padding, padding], [1, 1], groups)
}

/// A 2-D convolution without bias, x [B, C_in, H, W] and weight [C_out, C_in / groups, k, k],
/// with its two gradients.
#[backend_extension(Autodiff, Cube, Fusion, Flex)]
pub trait ConvGradOps: Backend {
    /// The output [B, C_out, H_out, W_out].
    #[fusion(default)]
    fn conv_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, None, options(stride, padding, groups))
    }

    /// The gradient of the input, from the output's gradient `dy`.
    #[fusion(default)]
    fn conv_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, dy, options(stride, padding, groups))
    }

    /// The gradient of the weight, from the output's gradient `dy`.
    #[fusion(default)]
    fn conv_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, dy, options(stride, padding, groups))
    }
}

/// On the wgpu device the convolution and its gradients stay Burn's.
impl ConvGradOps for CubeBackend {}

/// The convolution of `x` [B, C_in, H, W] with `weight` [C_out, C_in / groups, k, k] (stride and
/// padding the same along both axes), differentiable under autodiff with emovox's gradients.
pub fn conv2d(x: Tensor<4>, weight: Tensor<4>, stride: usize, padding: usize, groups: usize) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as ConvGradOps>::conv_forward(
        x.into_dispatch(),
        weight.into_dispatch(),
        stride,
        padding,
        groups,
    ))
}

/// `conv`'s forward pass through [`conv2d`] when the op takes its geometry (square kernel and
/// stride, the same padding on every side, no dilation, no bias), else Burn's own.
pub fn forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let padding = match conv.padding {
        PaddingConfig2d::Valid => Some(0),
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == left && top == bottom && top == right => {
            Some(top)
        }
        _ => None,
    };
    let square = conv.stride[0] == conv.stride[1] && conv.kernel_size[0] == conv.kernel_size[1];
    match padding {
        Some(padding) if square && conv.dilation == [1, 1] && conv.bias.is_none() => {
            conv2d(x, conv.weight.val(), conv.stride[0], padding, conv.groups)
        }
        _ => conv.forward(x),
    }
}
