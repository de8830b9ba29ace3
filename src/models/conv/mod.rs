//! Convolutions with emovox's own CPU backward pass. The forward pass is Burn's `conv2d` on
//! every backend; the gradients of a convolution's input and weight are a backend extension
//! ([`ConvGradOps`]): on flex, plain-Rust kernels for the convolutions MobileNet is made of
//! ([`cpu`]: depthwise k x k, and pointwise 1 x 1 as matrix products), Burn's own gradients for
//! any other convolution and on the other backends; under autodiff the op is one tracked node
//! whose backward calls them ([`autodiff`]). Burn's generic gradients loop over the channels
//! of a depthwise convolution one by one and form a pointwise one's weight gradient as a
//! convolution with an image-sized kernel; these are what made EfficientAT train slowly.

pub mod autodiff;
pub mod cpu;
pub mod ops;

pub use ops::{ConvGradOps, conv2d, forward};
