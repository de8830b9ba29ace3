//! EfficientAT mn04 (AudioSet-pretrained MobileNetV3): its front end reproduced by the CPU
//! reference and by the WGSL kernels, and the network's AudioSet logits, against the reference
//! implementation's outputs in ../shared/fixtures/efficientat_mn04_reference.json.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use emovox::features::{CpuFrontEnd, FeatureConfig, GpuFrontEnd};
use emovox::gpu::to_host;
use emovox::models::import::{AUDIOSET_CLASSES, MN04_WIDTH, import_efficientat};
use serde_json::Value;
use std::path::PathBuf;

struct Case {
    name: String,
    signal: Vec<f32>,
    log_mel: Vec<f32>,
    frames: usize,
    logits: Vec<f32>,
}

fn cases() -> Option<Vec<Case>> {
    let text = std::fs::read_to_string(fixture("efficientat_mn04_reference.json")?).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let cases = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            signal: floats(&c["signal"]),
            log_mel: floats(&c["logmel_normalised"]),
            frames: c["logmel_shape"][1].as_u64().unwrap() as usize,
            logits: floats(&c["logits"]),
        })
        .collect();
    Some(cases)
}

fn weights() -> Option<PathBuf> {
    shared_file("weights/efficientat/mn04_as_mAP_432.pt")
}

#[test]
fn cpu_front_end_matches_efficientat() {
    let cfg = FeatureConfig::efficientat();
    let fe = CpuFrontEnd::new(&cfg).unwrap();
    let Some(cases) = cases() else { return };
    for case in cases {
        let ours = fe.log_mel(&case.signal);
        assert_eq!((ours.rows, ours.cols), (128, case.frames), "{}", case.name);
        let err = max_abs(&ours.data, &case.log_mel);
        assert!(err < 1e-3, "{}: max abs error {err}", case.name);
    }
}

#[test]
fn gpu_front_end_matches_efficientat() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let fe = GpuFrontEnd::new(&FeatureConfig::efficientat()).unwrap();
    let Some(cases) = cases() else { return };
    for case in cases {
        let audio = Tensor::<2>::from_data(
            TensorData::new(case.signal.clone(), [1, case.signal.len()]),
            &gpu.device,
        );
        let err = max_abs(&to_host(fe.log_mel(audio)).unwrap(), &case.log_mel);
        assert!(err < 1e-3, "{}: max abs error {err}", case.name);
    }
}

fn check_network(device: &Device) {
    let (Some(weights), Some(cases)) = (weights(), cases()) else {
        return;
    };
    let model = import_efficientat(&weights, MN04_WIDTH, AUDIOSET_CLASSES, device).unwrap();
    for case in cases {
        let input = Tensor::<4>::from_data(TensorData::new(case.log_mel.clone(), [1, 1, 128, case.frames]), device);
        let logits = to_host(model.forward(input)).unwrap();
        let err = max_abs(&logits, &case.logits);
        assert!(err < 1e-2, "{}: logits max abs error {err}", case.name);
        // The fixture names the reference's top-5 AudioSet labels; they are the top-5 of its logits.
        assert_eq!(
            top_k(&logits, 5),
            top_k(&case.logits, 5),
            "{}: top-5 classes",
            case.name
        );
    }
}

#[test]
fn network_reproduces_audioset_logits_on_cpu() {
    check_network(&Device::flex());
}

#[test]
fn network_reproduces_audioset_logits_on_wgpu() {
    let Some(gpu) = wgpu_or_skip() else { return };
    check_network(&gpu.device);
}
