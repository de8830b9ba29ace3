//! Subcommands and the options they share.

mod augment;
mod bench;
mod corpus;
mod eval;
mod features;
mod info;
mod predict;
mod predict_output;
mod reproduce;
mod serve;
mod train;
mod train_augment;
mod weights;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use emovox::features::FeatureConfig;
use emovox::gpu::DeviceChoice;
use std::process::ExitCode;

/// Speech emotion recognition: WGSL front end + Burn models on one wgpu device, or the CPU.
#[derive(Parser)]
#[command(name = "emovox", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count the labelled clips of RAVDESS / SAVEE / label-per-folder data and check they decode.
    Corpus(corpus::CorpusArgs),
    /// Show the version, the wgpu adapters found and the device `auto` would use.
    Info(info::InfoArgs),
    /// Compute the log-mel spectrogram of one audio file (print, JSON or PNG).
    Features(features::FeaturesArgs),
    /// Draw a clip's log-mel image and randomly augmented versions of it (PNG grid).
    Augment(augment::AugmentCliArgs),
    /// Predict the emotion of audio files or folders (table, JSON, CSV, timeline PNG).
    Predict(Box<predict::PredictArgs>),
    /// Copy a trained run into a self-contained model directory for `predict --model`.
    ExportModel(predict::ExportArgs),
    /// Train and test a model (SVM, BiLSTM, ResNet34, CNN, EfficientAT) over seeds or speaker folds.
    Train(Box<train::TrainArgs>),
    /// Re-score a finished run from its saved models (its test splits or another corpus), or report its robustness.
    Eval(eval::EvalArgs),
    /// Run the paper's Table 1 (its five rows plus EfficientAT, random and speaker protocols) into reproduce.md.
    Reproduce(reproduce::ReproduceArgs),
    /// Convert a PyTorch state dict (torchvision ResNet34) to Burn weights, checking every tensor.
    ImportWeights(weights::ImportArgs),
    /// Serve the model: HTTP API (POST /v1/predict, WebSocket /v1/stream) and a web page.
    Serve(serve::ServeArgs),
    /// Benchmarks: front-end and training throughput per device, server load.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Front-end parameters shared by the commands that compute features; each overrides the
/// front end the command or model would otherwise use (16 kHz, n_fft 1024, hop 256, 128 mels;
/// EfficientAT's own for `--model efficientat`).
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// Pipeline sample rate in Hz.
    #[arg(long)]
    pub sample_rate: Option<u32>,
    /// FFT size (a power of two up to 2048 for the GPU kernels); also the window length.
    #[arg(long)]
    pub n_fft: Option<usize>,
    /// Hop between frames in samples.
    #[arg(long)]
    pub hop: Option<usize>,
    /// Number of mel bands.
    #[arg(long)]
    pub n_mels: Option<usize>,
}

impl FeatureArgs {
    /// `base` with the given flags applied.
    pub fn apply(&self, base: FeatureConfig) -> FeatureConfig {
        let n_fft = self.n_fft.unwrap_or(base.n_fft);
        FeatureConfig {
            sample_rate: self.sample_rate.unwrap_or(base.sample_rate),
            n_fft,
            win_length: if self.n_fft.is_some() { n_fft } else { base.win_length },
            hop: self.hop.unwrap_or(base.hop),
            n_mels: self.n_mels.unwrap_or(base.n_mels),
            ..base
        }
    }
}

/// `--device` for the commands that compute on a device.
#[derive(Args, Debug, Clone)]
pub struct DeviceArgs {
    /// Where to compute: `auto` takes a hardware GPU through wgpu if present, else the CPU.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Corpus(a) => corpus::run(a),
        Command::Info(a) => info::run(a),
        Command::Features(a) => features::run(a),
        Command::Augment(a) => augment::run(a),
        Command::Predict(a) => predict::run(*a),
        Command::ExportModel(a) => predict::export(a),
        Command::Train(a) => train::run_train(*a),
        Command::Eval(a) => eval::run_eval(a),
        Command::Serve(a) => serve::serve(a),
        Command::Bench(c) => bench::run(c),
        Command::ImportWeights(a) => weights::run(a),
        Command::Reproduce(a) => reproduce::run(a),
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
