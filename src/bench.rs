//! Benchmarks (not tests): front-end throughput on each path, and training-step throughput
//! on each device. Every result names its device so nobody mistakes a software adapter for
//! a GPU. Timings are wall-clock with the device synchronised before the clock stops.

use crate::audio::ClipConfig;
use crate::augment::AugmentConfig;
use crate::corpus::{Classes, Corpus};
use crate::error::{Error, Result};
use crate::features::{CpuFrontEnd, FeatureConfig, GpuFrontEnd, pad_batch};
use crate::gpu::{Compute, DeviceInfo};
use crate::models::{BurnBiLstmNet, CNN_WIDTH, InputNorm, ModelKind, NetConfig, NetInput, Network, augmented_dims};
use crate::run::NetParams;
use crate::train::{FusedAdam, one_hot, soft_cross_entropy, training_input};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Distribution, Tensor, TensorData};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// One front-end path's timing over a corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeaturePath {
    /// `cpu` (reference, all cores) or `gpu` (WGSL kernels).
    pub path: String,
    pub device: DeviceInfo,
    /// First-launch cost (kernel compilation), excluded from `seconds`.
    pub warmup_seconds: f64,
    pub seconds: f64,
    pub clips_per_second: f64,
    /// Seconds of audio processed per wall-clock second.
    pub realtime_factor: f64,
}

/// `emovox bench features`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureBench {
    pub config: FeatureConfig,
    pub clips: usize,
    /// Files that did not decode (left out of the timing).
    pub skipped: usize,
    pub audio_seconds: f64,
    /// Decode + resample of every file, all cores.
    pub decode_resample_seconds: f64,
    pub paths: Vec<FeaturePath>,
}

fn rate(clips: usize, audio: f64, seconds: f64) -> (f64, f64) {
    (clips as f64 / seconds.max(1e-9), audio / seconds.max(1e-9))
}

/// Decodes a corpus once, then times log-mel extraction of every clip on the CPU reference and,
/// if `gpu` is given, on the WGSL kernels (batches of 64 clips of similar length).
pub fn features(data: &[std::path::PathBuf], cfg: &FeatureConfig, gpu: Option<&Compute>) -> Result<FeatureBench> {
    let corpus = Corpus::scan(data)?;
    if corpus.clips.is_empty() {
        return Err(Error::Data("no labelled clips to benchmark".into()));
    }
    let clip_cfg = ClipConfig {
        sample_rate: cfg.sample_rate,
        duration: None,
        trim_db: None,
        loudness_db: None,
    };
    let started = Instant::now();
    let loaded: Vec<Result<Vec<f32>>> = corpus.clips.par_iter().map(|c| clip_cfg.load(&c.path)).collect();
    let decode_resample_seconds = started.elapsed().as_secs_f64();
    let skipped = loaded.iter().filter(|r| r.is_err()).count();
    let audio: Vec<Vec<f32>> = loaded.into_iter().filter_map(|r| r.ok()).collect();
    if audio.is_empty() {
        return Err(Error::Data("no decodable clips to benchmark".into()));
    }
    let audio_seconds = audio.iter().map(|a| a.len()).sum::<usize>() as f64 / cfg.sample_rate as f64;
    let mut paths = Vec::new();

    let cpu = CpuFrontEnd::new(cfg)?;
    let started = Instant::now();
    let maps = cpu.log_mel_batch(&audio);
    let seconds = started.elapsed().as_secs_f64();
    drop(maps);
    let (clips_per_second, realtime_factor) = rate(audio.len(), audio_seconds, seconds);
    paths.push(FeaturePath {
        path: "cpu".into(),
        device: Compute::cpu().info,
        warmup_seconds: 0.0,
        seconds,
        clips_per_second,
        realtime_factor,
    });

    if let Some(gpu) = gpu {
        let fe = GpuFrontEnd::new(cfg)?;
        let mut order: Vec<usize> = (0..audio.len()).collect();
        order.sort_by_key(|&i| audio[i].len());
        let batches: Vec<Vec<&[f32]>> = order
            .chunks(64)
            .map(|c| c.iter().map(|&i| audio[i].as_slice()).collect())
            .collect();
        let run = |batch: &[&[f32]]| -> Tensor<3> {
            let (flat, len) = pad_batch(batch);
            fe.log_mel(Tensor::<2>::from_data(
                TensorData::new(flat, [batch.len(), len]),
                &gpu.device,
            ))
        };
        let sync = || gpu.device.sync().map_err(|e| Error::Gpu(e.to_string()));
        let started = Instant::now();
        let warm = run(&batches[0][..1]);
        sync()?;
        drop(warm);
        let warmup_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let outputs: Vec<Tensor<3>> = batches.iter().map(|b| run(b)).collect();
        sync()?;
        let seconds = started.elapsed().as_secs_f64();
        drop(outputs);
        let (clips_per_second, realtime_factor) = rate(audio.len(), audio_seconds, seconds);
        paths.push(FeaturePath {
            path: "gpu".into(),
            device: gpu.info.clone(),
            warmup_seconds,
            seconds,
            clips_per_second,
            realtime_factor,
        });
    }
    Ok(FeatureBench {
        config: cfg.clone(),
        clips: audio.len(),
        skipped,
        audio_seconds,
        decode_resample_seconds,
        paths,
    })
}

/// Which recurrent layer a BiLSTM benchmark trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LstmLayer {
    /// emovox's fused layer (one recurrence launch per layer and pass).
    Fused,
    /// Burn 0.22's `BiLstm` (per-step, per-gate `Linear`s).
    Burn,
}

impl LstmLayer {
    pub fn name(self) -> &'static str {
        match self {
            LstmLayer::Fused => "fused",
            LstmLayer::Burn => "burn",
        }
    }
}

/// `emovox bench train` on one device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainBench {
    pub model: ModelKind,
    /// The BiLSTM's recurrent layer (BiLSTM runs only).
    #[serde(default)]
    pub layer: Option<LstmLayer>,
    /// Whether training batches were augmented (warp, masks, mixup).
    pub augmented: bool,
    pub batch: usize,
    pub frames: usize,
    pub device: DeviceInfo,
    pub steps: usize,
    /// Untimed steps before the timed ones, and their total time (kernel compilation,
    /// autotuning and fusion happen there on a GPU).
    pub warmup_steps: usize,
    pub warmup_seconds: f64,
    pub ms_per_step: f64,
    pub samples_per_second: f64,
}

/// Times full training steps (input preparation from resident log-mels, augmentation if
/// given, forward, backward, Adam) of a network on synthetic log-mels [batch, 128, frames].
/// `layer` picks the BiLSTM's recurrent layer (ignored for the other models).
#[allow(clippy::too_many_arguments)]
pub fn train_steps(
    compute: &Compute,
    kind: ModelKind,
    layer: LstmLayer,
    batch: usize,
    frames: usize,
    warmup_steps: usize,
    steps: usize,
    augment: Option<&AugmentConfig>,
) -> Result<TrainBench> {
    if kind == ModelKind::Svm {
        return Err(Error::Config(
            "bench train times the networks (bilstm, resnet34)".into(),
        ));
    }
    let device = compute.device.clone();
    let train_device = device.clone().autodiff();
    train_device.seed(0);
    let n_mels = 128;
    let params = NetParams {
        hidden: if kind == ModelKind::Cnn { CNN_WIDTH } else { 128 },
        dropout: 0.3,
        image_size: 128,
        ..NetParams::default()
    };
    let net = NetConfig {
        arch: params
            .arch(kind, params.image_size)
            .ok_or_else(|| Error::Config(format!("{} is not a network", kind.name())))?,
        classes: Classes::emotions(),
        n_mels,
        norm: InputNorm {
            band_mean: vec![-40.0; n_mels],
            band_std: vec![20.0; n_mels],
            utterance: false,
        },
    };
    let features = Tensor::<3>::random([batch, n_mels, frames], Distribution::Uniform(-80.0, 0.0), &device);
    let labels: Vec<usize> = (0..batch).map(|i| i % 8).collect();
    let targets = one_hot(&labels, 8, &device);
    let (rows, cols) = augmented_dims(&net, n_mels, frames, None);
    let mut counter = 0;
    let input = || {
        counter += 1;
        let draws = augment.map(|a| a.draw(0, 0, counter, batch, rows, cols));
        let (input, targets) = training_input(&net, features.clone(), targets.clone(), None, draws.as_ref());
        (input.autodiff(), targets.autodiff())
    };
    let burn_layer = kind == ModelKind::Bilstm && layer == LstmLayer::Burn;
    let (warmup_seconds, seconds) = if burn_layer {
        let network = BurnBiLstmNet::new(n_mels, params.hidden, params.dropout, 8, &train_device);
        let forward = |m: &BurnBiLstmNet, input: NetInput| match input {
            NetInput::Sequence(x) => m.forward(x),
            NetInput::Image(_) => unreachable!("the BiLSTM's input is a sequence"),
        };
        time_steps(compute, network, forward, input, warmup_steps, steps)?
    } else {
        let network = Network::new(&net, &train_device);
        time_steps(
            compute,
            network,
            |m: &Network, x| m.forward(x),
            input,
            warmup_steps,
            steps,
        )?
    };
    Ok(TrainBench {
        model: kind,
        layer: (kind == ModelKind::Bilstm).then_some(layer),
        augmented: augment.is_some(),
        batch,
        frames,
        device: compute.info.clone(),
        steps,
        warmup_steps,
        warmup_seconds,
        ms_per_step: seconds * 1000.0 / steps.max(1) as f64,
        samples_per_second: (batch * steps) as f64 / seconds.max(1e-9),
    })
}

/// The peer of a training step: the same network in PyTorch at the same shapes, timed by
/// PyTorch itself (`benches/train_torch.py`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TorchBench {
    /// PyTorch's version and its CPU threads.
    pub torch: String,
    pub threads: usize,
    /// The network (`bilstm` in records written before the other peers existed).
    #[serde(default = "bilstm_name")]
    pub model: String,
    pub batch: usize,
    pub frames: usize,
    pub steps: usize,
    pub ms_per_step: f64,
    pub samples_per_second: f64,
}

fn bilstm_name() -> String {
    "bilstm".into()
}

/// `benches/train_torch.py`, handed to the interpreter on its standard input so the binary
/// needs no source tree.
const TORCH_SCRIPT: &str = include_str!("../benches/train_torch.py");

/// Times PyTorch's training step of the network `kind` with `python` (an interpreter with
/// torch installed) on the inputs [`train_steps`] gives it.
pub fn torch_peer(
    python: &Path,
    kind: ModelKind,
    batch: usize,
    frames: usize,
    warmup: usize,
    steps: usize,
) -> Result<TorchBench> {
    let fail = |reason: String| Error::Config(format!("PyTorch peer ({}): {reason}", python.display()));
    if kind == ModelKind::Svm {
        return Err(fail("the peers are networks, not the SVM".into()));
    }
    let mut child = Command::new(python)
        .args(["-", kind.name()])
        .args([batch, frames, steps, warmup].map(|n| n.to_string()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(TORCH_SCRIPT.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
    }
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    let last_line = |bytes: &[u8]| String::from_utf8_lossy(bytes).lines().last().unwrap_or("").to_string();
    if !out.status.success() {
        return Err(fail(last_line(&out.stderr)));
    }
    serde_json::from_str(&last_line(&out.stdout)).map_err(|e| fail(format!("unreadable result: {e}")))
}

/// Runs `warmup` untimed then `steps` timed training steps (Adam, soft cross entropy, device
/// synchronised after each); returns (warm-up seconds, timed seconds).
fn time_steps<M: Module>(
    compute: &Compute,
    mut network: M,
    forward: impl Fn(&M, NetInput) -> Tensor<2>,
    mut input: impl FnMut() -> (NetInput, Tensor<2>),
    warmup: usize,
    steps: usize,
) -> Result<(f64, f64)> {
    let mut optimizer = ModuleOptimizer::from(FusedAdam::default());
    let mut step = |network: M| -> Result<M> {
        let (x, targets) = input();
        let loss = soft_cross_entropy(forward(&network, x), targets);
        let grads = GradientsParams::from_grads(loss.backward(), &network);
        let network = optimizer.step(1e-3, network, grads);
        compute.device.sync().map_err(|e| Error::Gpu(e.to_string()))?;
        Ok(network)
    };
    let started = Instant::now();
    for _ in 0..warmup {
        network = step(network)?;
    }
    let warmup_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..steps {
        network = step(network)?;
    }
    Ok((warmup_seconds, started.elapsed().as_secs_f64()))
}
