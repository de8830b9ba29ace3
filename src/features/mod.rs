//! Log-mel and MFCC features. One [`FeatureConfig`], two implementations: the plain-Rust
//! [`cpu`] reference (oracle and CPU path) and the WGSL kernels in [`gpu`] that run on a
//! Burn tensor's own buffers on the wgpu device; [`batch`] computes them for many clips.

pub mod batch;
pub mod config;
pub mod cpu;
pub mod dereverb;
pub mod filters;
pub mod gpu;
pub mod map;

pub use batch::{log_mel_tensor, mfcc_means, pad_batch};
pub use config::FeatureConfig;
pub use cpu::CpuFrontEnd;
pub use dereverb::Dereverb;
pub use gpu::GpuFrontEnd;
pub use map::FeatureMap;
