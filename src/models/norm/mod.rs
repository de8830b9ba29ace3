//! BatchNorm in training mode with emovox's own CPU kernels. Burn's generic batch statistics
//! and their gradient transpose every activation to channels-first rows and back (a copy of
//! each activation per pass, the largest cost of EfficientAT's step after the convolutions);
//! on flex, [`cpu`] computes them in place on the NCHW data, one channel per thread. The op is
//! a backend extension ([`BatchNormOps`]) whose defaults are Burn's own (the wgpu backend and
//! fusion keep them), tracked under autodiff with a hand-written backward ([`autodiff`]).
//! [`batch_norm`] is a BatchNorm layer's forward pass through it.

pub mod autodiff;
pub mod cpu;
pub mod ops;

pub use ops::{BatchNormOps, batch_norm};
