//! The compute device: one wgpu device shared by the WGSL front end and the Burn models,
//! or Burn's flex CPU backend; plus the launcher for the WGSL kernels.

pub mod device;
pub mod kernel;

pub use device::{Compute, DeviceChoice, DeviceInfo, to_host};
