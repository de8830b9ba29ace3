//! The compute device: one wgpu device shared by the WGSL front end and the Burn models,
//! or Burn's flex CPU backend; plus the launcher for the WGSL kernels.

pub mod device;
pub mod kernel;

pub use device::{Compute, DeviceChoice, DeviceInfo};

use crate::error::{Error, Result};
use burn::tensor::Tensor;

/// Reads a float tensor back to host memory (the one place emovox copies device data to the
/// CPU: final predictions, reports, and the CPU reference paths).
pub fn to_host<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    tensor
        .try_into_vec_as::<f32>()
        .map_err(|e| Error::Gpu(format!("reading a tensor back: {e}")))
}
