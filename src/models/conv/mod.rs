//! Convolutions with emovox's own CPU kernels, forward and backward, as a backend extension
//! ([`ConvGradOps`]): on flex ([`cpu`]), plain-Rust kernels on NCHW data: [`depthwise`]
//! gradients, and convolutions without groups as matrix products through the images' columns
//! ([`dense`], [`columns`]; wide 3 x 3 ones at stride 1 by Winograd's F(2x2, 3x3),
//! [`winograd`]), in the geometry of [`dims`]; Burn's own ops for any other convolution and on
//! the other backends; under autodiff the op is one tracked node whose
//! backward calls them ([`autodiff`]). Burn's generic gradients loop over the channels of a
//! depthwise convolution one by one and form a pointwise one's weight gradient as a
//! convolution with an image-sized kernel, and its forward pass turns every image to NHWC
//! first; these are what made the convolutional networks train slowly.

pub mod autodiff;
pub mod columns;
pub mod cpu;
pub mod dense;
pub mod depthwise;
pub mod dims;
pub mod ops;
pub mod winograd;

pub use ops::{ConvGradOps, conv2d, forward};
