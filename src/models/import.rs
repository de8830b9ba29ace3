//! PyTorch weights without Python: torchvision ResNet34 state dicts (f32 or f16 `.pth`) mapped
//! onto [`ResNet`] through burn-store's PyTorch reader. Every tensor must find its place: a
//! missing, unexpected or wrongly shaped tensor is an error that lists the keys.
//! (`num_batches_tracked`, a BatchNorm step counter with no Burn counterpart, is ignored.)
//! f16 checkpoints are cast to the device's float type.

use super::ResNet;
use crate::error::{Error, Result};
use burn::module::Module;
use burn::store::{DTypePolicy, ModuleSnapshot, PytorchStore};
use burn::tensor::Device;
use std::path::Path;

/// ImageNet classes of torchvision's classifier head.
pub const IMAGENET_CLASSES: usize = 1000;

fn weights_err(path: &Path, reason: String) -> Error {
    Error::Weights {
        path: path.into(),
        reason,
    }
}

fn listing(keys: &[String]) -> String {
    let shown: Vec<&str> = keys.iter().take(12).map(String::as_str).collect();
    let more = if keys.len() > shown.len() {
        format!(" (+{} more)", keys.len() - shown.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Loads a torchvision-layout ResNet34 state dict with a `classes`-way head.
pub fn import_resnet34(path: &Path, classes: usize, device: &Device) -> Result<ResNet> {
    if !path.is_file() {
        return Err(weights_err(path, "no such file".into()));
    }
    let mut model = ResNet::resnet34(classes, device);
    let mut store = PytorchStore::from_file(path)
        .with_key_remapping(r"^(.+)\.downsample\.0\.(.+)$", "$1.downsample.conv.$2")
        .with_key_remapping(r"^(.+)\.downsample\.1\.(.+)$", "$1.downsample.bn.$2")
        .allow_partial(true)
        .validate(false);
    let result = model
        .load_from(&mut store)
        .map_err(|e| weights_err(path, format!("not a readable PyTorch state dict: {e}")))?;
    let missing: Vec<String> = result.missing.iter().map(|(key, _)| key.clone()).collect();
    let unexpected: Vec<String> = result
        .unused
        .iter()
        .filter(|k| !k.ends_with("num_batches_tracked"))
        .cloned()
        .collect();
    let mismatched: Vec<String> = result.errors.iter().map(|e| e.to_string()).collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("{} missing tensors: {}", missing.len(), listing(&missing)));
    }
    if !unexpected.is_empty() {
        problems.push(format!(
            "{} unexpected tensors: {}",
            unexpected.len(),
            listing(&unexpected)
        ));
    }
    if !mismatched.is_empty() {
        problems.push(format!(
            "{} tensors do not fit: {}",
            mismatched.len(),
            listing(&mismatched)
        ));
    }
    if !problems.is_empty() {
        return Err(weights_err(
            path,
            format!("not a torchvision resnet34 state dict: {}", problems.join("; ")),
        ));
    }
    // Tensors arrive in the file's dtype (f16 checkpoints are common); compute in the
    // device's float dtype.
    let record = model.into_record().with_dtype_policy(DTypePolicy::CastToModule);
    ResNet::resnet34(classes, device)
        .try_load_record(record)
        .map_err(|e| weights_err(path, format!("converting to the device's float type: {e}")))
}
