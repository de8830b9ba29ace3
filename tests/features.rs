//! Front-end parity: the CPU reference and the WGSL kernels against librosa 0.11
//! (../shared/fixtures/librosa_reference.json, two parameter sets), GPU against CPU on real
//! clips of different lengths, and GPU features feeding a Burn model under autodiff.

mod common;

use burn::nn::LinearConfig;
use burn::tensor::{Tensor, TensorData};
use common::*;
use emovox::features::{CpuFrontEnd, FeatureConfig, FeatureMap, GpuFrontEnd, filters, pad_batch};
use serde_json::Value;

struct Case {
    cfg: FeatureConfig,
    signal: Vec<f32>,
    filterbank: Vec<f32>,
    mel_power: Vec<f32>,
    log_mel_db: Vec<f32>,
    mfcc: Vec<f32>,
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

fn librosa_cases() -> Option<Vec<Case>> {
    let text = std::fs::read_to_string(fixture("librosa_reference.json")?).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let cases = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let p = &c["params"];
            let n_fft = p["n_fft"].as_u64().unwrap() as usize;
            let cfg = FeatureConfig {
                sample_rate: p["sr"].as_u64().unwrap() as u32,
                n_fft,
                hop: p["hop_length"].as_u64().unwrap() as usize,
                win_length: p["win_length"].as_u64().unwrap() as usize,
                n_mels: p["n_mels"].as_u64().unwrap() as usize,
                fmin: p["fmin"].as_f64().unwrap() as f32,
                fmax: Some(p["fmax"].as_f64().unwrap() as f32),
                n_mfcc: p["mfcc"]["n_mfcc"].as_u64().unwrap() as usize,
                ..FeatureConfig::default()
            };
            Case {
                cfg,
                signal: floats(&c["signal"]),
                filterbank: floats(&c["mel_filterbank"]),
                mel_power: floats(&c["mel_power"]),
                log_mel_db: floats(&c["log_mel_db"]),
                mfcc: floats(&c["mfcc"]),
            }
        })
        .collect();
    Some(cases)
}

/// Largest relative error over reference values above 1e-6 of the reference maximum.
fn max_rel_above_floor(ours: &[f32], reference: &[f32]) -> f32 {
    let max = reference.iter().cloned().fold(0.0, f32::max);
    ours.iter()
        .zip(reference)
        .filter(|(_, r)| **r > 1e-6 * max)
        .map(|(o, r)| ((o - r) / r).abs())
        .fold(0.0, f32::max)
}

fn check_against_librosa(label: &str, case: &Case, mel_power: &[f32], log_mel: &[f32], mfcc: &[f32]) {
    let rel = max_rel_above_floor(mel_power, &case.mel_power);
    assert!(
        rel < 1e-4,
        "{label} sr {}: mel power relative error {rel}",
        case.cfg.sample_rate
    );
    let db = max_abs(log_mel, &case.log_mel_db);
    assert!(db < 0.01, "{label} sr {}: dB error {db}", case.cfg.sample_rate);
    let m = max_abs(mfcc, &case.mfcc);
    assert!(m < 0.05, "{label} sr {}: MFCC error {m}", case.cfg.sample_rate);
}

#[test]
fn filterbank_matches_librosa() {
    let Some(cases) = librosa_cases() else { return };
    for case in cases {
        let err = max_abs(&filters::mel_filterbank(&case.cfg), &case.filterbank);
        assert!(err < 1e-6, "sr {}: filterbank error {err}", case.cfg.sample_rate);
    }
}

#[test]
fn cpu_front_end_matches_librosa() {
    let Some(cases) = librosa_cases() else { return };
    for case in cases {
        let fe = CpuFrontEnd::new(&case.cfg).unwrap();
        let mel = fe.mel_power(&case.signal);
        let log_mel = fe.log_mel(&case.signal);
        let mfcc = fe.mfcc_from_log_mel(&log_mel);
        check_against_librosa("cpu", &case, &mel.data, &log_mel.data, &mfcc.data);
    }
}

fn host(t: Tensor<3>) -> Vec<f32> {
    emovox::gpu::to_host(t).unwrap()
}

#[test]
fn gpu_kernels_match_librosa() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let Some(cases) = librosa_cases() else { return };
    for case in cases {
        let fe = GpuFrontEnd::new(&case.cfg).unwrap();
        let audio = Tensor::<2>::from_data(
            TensorData::new(case.signal.clone(), [1, case.signal.len()]),
            &gpu.device,
        );
        let mel = fe.mel(fe.stft_power(audio));
        let log_mel = fe.compress(mel.clone());
        let mfcc = fe.mfcc(log_mel.clone());
        check_against_librosa("gpu", &case, &host(mel), &host(log_mel), &host(mfcc));
    }
}

#[test]
fn gpu_matches_cpu_on_real_clips_of_different_lengths() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let Some(data) = shared_data() else { return };
    let cfg = FeatureConfig::default();
    let corpus = emovox::corpus::Corpus::scan(&[data]).unwrap();
    let clip_cfg = emovox::audio::ClipConfig {
        sample_rate: cfg.sample_rate,
        duration: None,
        trim_db: None,
        loudness_db: None,
    };
    // Six clips from both corpora, natural lengths (about 3 to 7 s), zero-padded to the longest.
    let clips: Vec<Vec<f32>> = corpus
        .clips
        .iter()
        .step_by(corpus.clips.len() / 6)
        .take(6)
        .map(|c| clip_cfg.load(&c.path).unwrap())
        .collect();
    assert!(clips.iter().map(Vec::len).min() < clips.iter().map(Vec::len).max());
    let (flat, len) = pad_batch(&clips);
    let cpu = CpuFrontEnd::new(&cfg).unwrap();
    let gpu_fe = GpuFrontEnd::new(&cfg).unwrap();
    let out = host(gpu_fe.log_mel(Tensor::<2>::from_data(
        TensorData::new(flat.clone(), [clips.len(), len]),
        &gpu.device,
    )));
    let per_clip = out.len() / clips.len();
    for (i, row) in flat.chunks(len).enumerate() {
        let reference: FeatureMap = cpu.log_mel(row);
        let err = max_abs(&out[i * per_clip..(i + 1) * per_clip], &reference.data);
        assert!(err < 1e-3, "clip {i}: GPU vs CPU {err} dB");
    }
}

#[test]
fn gpu_features_feed_an_autodiff_model_on_the_same_device() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let cfg = FeatureConfig::default();
    let fe = GpuFrontEnd::new(&cfg).unwrap();
    let batch: Vec<f32> = [220.0, 880.0].iter().flat_map(|&f| sine(f, 0.5, 16_000, 0.5)).collect();
    let audio = Tensor::<2>::from_data(TensorData::new(batch, [2, 8_000]), &gpu.device);
    let features = fe.log_mel(audio); // [2, 128, frames], still on the device
    assert_eq!(features.device(), gpu.device);
    let pooled: Tensor<2> = features.mean_dim(2).squeeze_dim(2);
    let x = pooled.autodiff().require_grad();
    let model = LinearConfig::new(cfg.n_mels, 8).init(&gpu.device.clone().autodiff());
    let loss = model.forward(x.clone()).powi_scalar(2).mean();
    let grads = loss.backward();
    let weight_grad = model.weight.grad(&grads).expect("weight gradient");
    let input_grad = x.grad(&grads).expect("input gradient");
    let norm: f32 = weight_grad.abs().sum().into_scalar();
    assert!(norm > 0.0 && norm.is_finite(), "gradient norm {norm}");
    assert_eq!(input_grad.dims(), [2, cfg.n_mels]);
}

/// The kernels run on Vulkan, Metal or DX12 only: on a machine whose only driver is OpenGL
/// (Mesa's llvmpipe without mesa-vulkan-drivers) Burn would otherwise open the device there,
/// and the front end's log-mels were off by up to 1.6 dB from the reference.
#[test]
fn the_wgpu_device_is_vulkan_metal_or_dx12() {
    let Some(gpu) = wgpu_or_skip() else { return };
    assert!(
        ["Vulkan", "Metal", "Dx12"].contains(&gpu.info.api.as_str()),
        "wgpu device on {}",
        gpu.info.describe()
    );
}
