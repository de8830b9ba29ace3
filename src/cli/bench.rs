//! `emovox bench features`, `emovox bench train` and `emovox bench serve` (in `serve.rs`).

use super::choices;
use super::options::{FeatureArgs, print_json};
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use emovox::augment::AugmentConfig;
use emovox::bench::{self, LstmLayer, TorchBench, TrainBench};
use emovox::features::FeatureConfig;
use emovox::gpu::Compute;
use emovox::models::ModelKind;
use emovox::scores::MeanStd;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// librosa 0.11 on this project's 2-core reference machine, 1920 clips at its defaults
/// (22.05 kHz, n_fft 2048, hop 512, 128 mels): decode + resample, then log-mel.
const LIBROSA_DECODE_S: f64 = 7.6;
const LIBROSA_LOG_MEL_S: f64 = 7.9;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Log-mel throughput of the CPU reference and the WGSL kernels over a corpus.
    Features(FeatureBenchArgs),
    /// Training-step throughput of a network on each device.
    Train(TrainBenchArgs),
    /// Load test of `emovox serve` on loopback: throughput, latency percentiles, server memory.
    Serve(super::serve::ServeBenchArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Paths {
    /// CPU reference, plus the WGSL kernels when a wgpu adapter exists.
    All,
    Cpu,
    Gpu,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layers {
    Both,
    Fused,
    Burn,
}

impl Layers {
    fn list(self) -> Vec<LstmLayer> {
        match self {
            Layers::Both => vec![LstmLayer::Burn, LstmLayer::Fused],
            Layers::Fused => vec![LstmLayer::Fused],
            Layers::Burn => vec![LstmLayer::Burn],
        }
    }
}

#[derive(Args)]
pub struct FeatureBenchArgs {
    /// Corpus folders to decode once and featurise.
    #[arg(long, num_args = 1.., default_value = "../shared/data")]
    data: Vec<PathBuf>,
    /// Use librosa's defaults (22.05 kHz, n_fft 2048, hop 512) to compare with librosa.
    #[arg(long)]
    librosa: bool,
    /// Which front-end paths to time.
    #[arg(long, value_enum, default_value = "all")]
    paths: Paths,
    #[command(flatten)]
    features: FeatureArgs,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct TrainBenchArgs {
    #[arg(long, value_parser = choices::model(), default_value = "resnet34")]
    model: ModelKind,
    /// Batch size.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Untimed steps first: on a GPU, kernel compilation, autotuning and fusion settle there
    /// (one step is not enough on wgpu).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Log-mel frames per example (4 s at 16 kHz, hop 256 = 251).
    #[arg(long, default_value_t = 251)]
    frames: usize,
    /// Devices: the CPU (flex), plus the wgpu device when it is a hardware GPU; `gpu` forces
    /// the wgpu device even if it is a software one.
    #[arg(long, value_enum, default_value = "all")]
    devices: Paths,
    /// BiLSTM only: which recurrent layers to time (default both, Burn's `BiLstm` and the fused
    /// layer, side by side with their ratio).
    #[arg(long, value_enum, default_value = "both")]
    layers: Layers,
    /// Also time steps with the paper's augmentation (warp, brightness/contrast, mixup) plus
    /// two frequency and two time masks, and report the overhead.
    #[arg(long)]
    augment: bool,
    /// Also time the same network in PyTorch (`benches/train_torch.py`) at the same shapes
    /// with this Python interpreter (one with torch installed), in the same run, and print
    /// the ratio on the CPU.
    #[arg(long, value_name = "PYTHON")]
    torch: Option<PathBuf>,
    /// Time everything this many times, alternating emovox and PyTorch, and report mean ± sd.
    #[arg(long, default_value_t = 1)]
    repeats: usize,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `bench train --json`: the timed steps, and PyTorch's when `--torch` was given (one per
/// repeat each).
#[derive(Serialize)]
struct TrainBenchReport {
    steps: Vec<TrainBench>,
    torch: Vec<TorchBench>,
}

pub fn run(command: BenchCommand) -> Result<ExitCode> {
    match command {
        BenchCommand::Features(a) => features(a),
        BenchCommand::Train(a) => train(a),
        BenchCommand::Serve(a) => super::serve::bench(a),
    }
}

fn features(args: FeatureBenchArgs) -> Result<ExitCode> {
    let cfg = args.features.apply(if args.librosa {
        FeatureConfig::librosa_default()
    } else {
        FeatureConfig::default()
    });
    let gpu = match args.paths {
        Paths::Cpu => None,
        Paths::Gpu => Some(Compute::wgpu()?),
        Paths::All => Compute::wgpu().ok(),
    };
    let report = bench::features(&args.data, &cfg, gpu.as_ref())?;
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} clips, {:.0} s of audio; front end {} Hz, n_fft {}, hop {}, {} mels",
        report.clips, report.audio_seconds, cfg.sample_rate, cfg.n_fft, cfg.hop, cfg.n_mels
    );
    if report.skipped > 0 {
        println!("warning: {} files did not decode and are left out", report.skipped);
    }
    println!("decode + resample (all cores): {:.2} s", report.decode_resample_seconds);
    println!(
        "{:<5} {:>9} {:>9} {:>10} {:>9}  device",
        "path", "log-mel s", "clips/s", "x realtime", "warm-up s"
    );
    for p in &report.paths {
        println!(
            "{:<5} {:>9.2} {:>9.0} {:>10.0} {:>9.2}  {}",
            p.path,
            p.seconds,
            p.clips_per_second,
            p.realtime_factor,
            p.warmup_seconds,
            p.device.describe()
        );
    }
    if let Some(cpu) = report.paths.iter().find(|p| p.path == "cpu") {
        let total = report.decode_resample_seconds + cpu.seconds;
        println!("CPU end to end (decode + resample + log-mel): {total:.2} s");
        if args.librosa {
            let peer = LIBROSA_DECODE_S + LIBROSA_LOG_MEL_S;
            println!(
                "librosa 0.11 on the 2-core reference machine: {LIBROSA_DECODE_S} + {LIBROSA_LOG_MEL_S} = {peer:.1} s -> emovox CPU is {:.1}x faster",
                peer / total
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn train(args: TrainBenchArgs) -> Result<ExitCode> {
    if args.model == ModelKind::Svm {
        anyhow::bail!("bench train times the networks: bilstm, resnet34, cnn or efficientat");
    }
    let mut devices = Vec::new();
    if args.devices != Paths::Gpu {
        devices.push(Compute::cpu());
    }
    match args.devices {
        Paths::Gpu => devices.push(Compute::wgpu()?),
        Paths::All => match Compute::wgpu() {
            Ok(gpu) if !gpu.info.software => devices.push(gpu),
            Ok(gpu) => eprintln!(
                "skipping {} (software adapter; --devices gpu forces it)",
                gpu.info.describe()
            ),
            Err(e) => eprintln!("no wgpu device: {e}"),
        },
        Paths::Cpu => {}
    }
    let augment = AugmentConfig {
        freq_masks: 2,
        freq_mask_width: 16,
        time_masks: 2,
        time_mask_width: 16,
        ..AugmentConfig::default()
    };
    let variants: Vec<Option<&AugmentConfig>> = if args.augment {
        vec![None, Some(&augment)]
    } else {
        vec![None]
    };
    let layers = if args.model == ModelKind::Bilstm {
        args.layers.list()
    } else {
        vec![LstmLayer::Fused]
    };
    let (mut results, mut torch) = (Vec::new(), Vec::new());
    for repeat in 1..=args.repeats.max(1) {
        let of = if args.repeats > 1 {
            format!(" (repeat {repeat}/{})", args.repeats)
        } else {
            String::new()
        };
        for compute in &devices {
            for &layer in &layers {
                for aug in &variants {
                    let label = match args.model {
                        ModelKind::Bilstm => format!("bilstm ({} layer)", layer.name()),
                        kind => kind.name().to_string(),
                    };
                    eprintln!("timing {label} on {}{of} ...", compute.info.describe());
                    results.push(bench::train_steps(
                        compute,
                        args.model,
                        layer,
                        args.batch,
                        args.frames,
                        args.warmup,
                        args.steps,
                        *aug,
                    )?);
                }
            }
        }
        if let Some(python) = &args.torch {
            eprintln!(
                "timing PyTorch's {} with {}{of} ...",
                args.model.name(),
                python.display()
            );
            torch.push(bench::torch_peer(
                python,
                args.model,
                args.batch,
                args.frames,
                args.warmup,
                args.steps,
            )?);
        }
    }
    if args.json {
        print_json(&TrainBenchReport { steps: results, torch })?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<9} {:>6} {:>9} {:>5} {:>10} {:>10} {:>9}  device",
        "model", "layer", "augmented", "batch", "ms/step", "samples/s", "warm-up s"
    );
    for r in &results {
        println!(
            "{:<9} {:>6} {:>9} {:>5} {:>10.1} {:>10.1} {:>9.1}  {}",
            r.model.name(),
            r.layer.map_or("-", LstmLayer::name),
            if r.augmented { "yes" } else { "no" },
            r.batch,
            r.ms_per_step,
            r.samples_per_second,
            r.warmup_seconds,
            r.device.describe()
        );
    }
    for r in results.iter().filter(|r| r.layer == Some(LstmLayer::Fused)) {
        let baseline = results.iter().find(|b| {
            b.layer == Some(LstmLayer::Burn) && b.augmented == r.augmented && b.device.describe() == r.device.describe()
        });
        if let Some(b) = baseline {
            println!(
                "fused / Burn BiLstm throughput on {}{}: {:.1}x",
                r.device.describe(),
                if r.augmented { " (augmented)" } else { "" },
                r.samples_per_second / b.samples_per_second
            );
        }
    }
    for t in &torch {
        println!(
            "PyTorch {} {} ({} threads): {:.1} ms/step, {:.1} samples/s",
            t.torch, t.model, t.threads, t.ms_per_step, t.samples_per_second
        );
    }
    // emovox's comparable CPU steps (plain batches; the fused BiLSTM layer), one per repeat.
    let ours: Vec<f64> = results
        .iter()
        .filter(|r| !r.augmented && r.device.backend == "flex" && r.layer != Some(LstmLayer::Burn))
        .map(|r| r.samples_per_second)
        .collect();
    let theirs: Vec<f64> = torch.iter().map(|t| t.samples_per_second).collect();
    if !theirs.is_empty() && ours.len() == theirs.len() {
        let ratios: Vec<f64> = ours.iter().zip(&theirs).map(|(a, b)| a / b).collect();
        println!(
            "on the CPU, {} repeats (mean ± sd): emovox {} samples/s, PyTorch {} samples/s, emovox / PyTorch {}x",
            ratios.len(),
            MeanStd::of(&ours),
            MeanStd::of(&theirs),
            MeanStd::of(&ratios)
        );
    }
    if args.augment {
        for pair in results.chunks(2) {
            if let [plain, augmented] = pair {
                println!(
                    "augmentation overhead on {}: {:+.1}% per step",
                    plain.device.describe(),
                    100.0 * (augmented.ms_per_step / plain.ms_per_step - 1.0)
                );
            }
        }
    }
    let plain = |on_gpu: bool| -> Vec<f64> {
        results
            .iter()
            .filter(|r| !r.augmented && r.layer != Some(LstmLayer::Burn) && (r.device.backend != "flex") == on_gpu)
            .map(|r| r.samples_per_second)
            .collect()
    };
    let (cpu, gpu) = (plain(false), plain(true));
    if !cpu.is_empty() && cpu.len() == gpu.len() {
        let ratios: Vec<f64> = gpu.iter().zip(&cpu).map(|(g, c)| g / c).collect();
        println!("GPU / CPU throughput: {}x", MeanStd::of(&ratios));
    }
    Ok(ExitCode::SUCCESS)
}
