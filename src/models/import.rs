//! PyTorch weights without Python: state dicts (f32 or f16 `.pth`/`.pt`) mapped onto the Burn
//! models through burn-store's PyTorch reader: torchvision's ResNet34 and EfficientAT's
//! MobileNetV3. Every tensor must find its place: a missing, unexpected or wrongly shaped
//! tensor is an error that lists the keys. (`num_batches_tracked`, a BatchNorm step counter
//! with no Burn counterpart, is ignored.) Tensors are cast to the device's float type.

use super::ResNet;
use super::mobilenet::MobileNet;
use crate::error::{Error, Result};
use burn::module::Module;
use burn::store::{DTypePolicy, ModuleSnapshot, PytorchStore};
use burn::tensor::Device;
use std::path::Path;

/// ImageNet classes of torchvision's classifier head.
pub const IMAGENET_CLASSES: usize = 1000;
/// AudioSet classes of EfficientAT's classifier head.
pub const AUDIOSET_CLASSES: usize = 527;
/// Width multiplier of EfficientAT mn04.
pub const MN04_WIDTH: f64 = 0.4;

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

/// Loads a state dict into `model` (after `remaps` of its keys), checks that it covers the
/// model exactly, and returns the weights cast into `fresh()`'s float type.
fn import<M: Module>(
    path: &Path,
    mut model: M,
    remaps: &[(&str, &str)],
    what: &str,
    fresh: impl FnOnce() -> M,
) -> Result<M> {
    if !path.is_file() {
        return Err(weights_err(path, "no such file".into()));
    }
    let mut store = remaps
        .iter()
        .fold(PytorchStore::from_file(path), |store, (from, to)| {
            store.with_key_remapping(*from, *to)
        })
        .skip_enum_variants(true)
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
            format!("not a {what} state dict: {}", problems.join("; ")),
        ));
    }
    // Tensors arrive in the file's dtype (f16 checkpoints are common); compute in the
    // device's float dtype.
    let record = model.into_record().with_dtype_policy(DTypePolicy::CastToModule);
    fresh()
        .try_load_record(record)
        .map_err(|e| weights_err(path, format!("converting to the device's float type: {e}")))
}

/// Loads a torchvision-layout ResNet34 state dict with a `classes`-way head.
pub fn import_resnet34(path: &Path, classes: usize, device: &Device) -> Result<ResNet> {
    import(
        path,
        ResNet::resnet34(classes, device),
        &[
            (r"^(.+)\.downsample\.0\.(.+)$", "$1.downsample.conv.$2"),
            (r"^(.+)\.downsample\.1\.(.+)$", "$1.downsample.bn.$2"),
        ],
        "torchvision resnet34",
        || ResNet::resnet34(classes, device),
    )
}

/// Loads an EfficientAT MobileNetV3 state dict of width `width` (0.4 = mn04) with a
/// `classes`-way head (527 for the AudioSet checkpoints).
pub fn import_efficientat(path: &Path, width: f64, classes: usize, device: &Device) -> Result<MobileNet> {
    import(
        path,
        MobileNet::new(width, classes, 0.2, device),
        &[
            (r"^features\.(\d+)\.0\.", "features.$1.conv."),
            (r"^features\.(\d+)\.1\.", "features.$1.bn."),
            (r"\.block\.(\d+)\.0\.", ".block.$1.conv."),
            (r"\.block\.(\d+)\.1\.", ".block.$1.bn."),
            (r"^classifier\.2\.", "head_hidden."),
            (r"^classifier\.5\.", "head_out."),
        ],
        "EfficientAT MobileNetV3",
        || MobileNet::new(width, classes, 0.2, device),
    )
}
