//! torchvision ResNet34 import: parity with PyTorch's logits on the fixture (random weights,
//! f16 state dict) on the CPU backend and on the wgpu device, and clear errors naming the keys
//! for state dicts with a missing, an extra or a wrongly shaped tensor.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use emovox::models::import::{IMAGENET_CLASSES, import_resnet34};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

fn reference() -> Option<(Vec<f32>, [usize; 4], Vec<f32>)> {
    let text = std::fs::read_to_string(fixture("resnet34_torchvision_random_expected.json")?).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let shape: Vec<usize> = json["input_shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    Some((
        floats(&json["input"]),
        [shape[0], shape[1], shape[2], shape[3]],
        floats(&json["logits"]),
    ))
}

fn check_parity(device: &Device) {
    let (Some(weights), Some((input, shape, expected))) = (fixture("resnet34_torchvision_random_f16.pth"), reference())
    else {
        return;
    };
    let model = import_resnet34(&weights, IMAGENET_CLASSES, device).unwrap();
    let logits = model.forward(Tensor::<4>::from_data(TensorData::new(input, shape), device));
    let got = emovox::gpu::to_host(logits).unwrap();
    assert_eq!(got.len(), expected.len());
    let err = got
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    let scale = expected.iter().map(|v| v.abs()).fold(0.0, f32::max);
    assert!(err < 1e-2, "max abs error {err} (logits up to {scale})");
}

#[test]
fn imported_resnet34_reproduces_torchvision_logits_on_cpu() {
    check_parity(&Device::flex());
}

#[test]
fn imported_resnet34_reproduces_torchvision_logits_on_wgpu() {
    let Some(gpu) = wgpu_or_skip() else { return };
    check_parity(&gpu.device);
}

/// Copies the fixture with its pickle edited (the zip rewritten around it).
fn patched_fixture(source: &Path, dir: &Path, name: &str, edit: impl Fn(&mut Vec<u8>)) -> std::path::PathBuf {
    let source = std::fs::File::open(source).unwrap();
    let mut archive = zip::ZipArchive::new(source).unwrap();
    let path = dir.join(name);
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.ends_with("data.pkl") {
            edit(&mut bytes);
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> usize {
    from + haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("pattern in pickle")
}

#[test]
fn bad_state_dicts_are_errors_that_name_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    // Not a state dict at all, and no file.
    let text = write(dir.path(), "notes.pth", b"not a pytorch file");
    assert!(
        import_resnet34(&text, IMAGENET_CLASSES, &device)
            .unwrap_err()
            .to_string()
            .contains("notes.pth")
    );
    assert!(import_resnet34(&dir.path().join("none.pth"), IMAGENET_CLASSES, &device).is_err());
    let Some(pth) = fixture("resnet34_torchvision_random_f16.pth") else {
        return;
    };
    // Rename fc.bias -> fc.biaz: one tensor missing, one unexpected.
    let renamed = patched_fixture(&pth, dir.path(), "renamed.pth", |pkl| {
        let at = find(pkl, b"fc.bias", 0);
        pkl[at + 6] = b'z';
    });
    let err = import_resnet34(&renamed, IMAGENET_CLASSES, &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 missing tensors: fc.bias"), "{err}");
    assert!(err.contains("1 unexpected tensors: fc.biaz"), "{err}");
    // fc.bias declared with 999 elements instead of 1000.
    let reshaped = patched_fixture(&pth, dir.path(), "reshaped.pth", |pkl| {
        let key = find(pkl, b"fc.bias", 0);
        let size = find(pkl, &[b'M', 0xe8, 0x03, 0x85], key); // BININT2 1000, TUPLE1
        pkl[size + 1] = 0xe7;
    });
    let err = import_resnet34(&reshaped, IMAGENET_CLASSES, &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("do not fit") && err.contains("fc.bias"), "{err}");
    // A head of the wrong size is a shape error on both fc tensors.
    let err = import_resnet34(&pth, 8, &device).unwrap_err().to_string();
    assert!(
        err.contains("2 tensors do not fit") && err.contains("fc.weight"),
        "{err}"
    );
}
