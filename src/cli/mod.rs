//! Subcommands and the options they share.

mod augment;
mod bench;
mod corpus;
mod features;
mod info;
mod train;
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
    /// Train and test a model (SVM, BiLSTM, ResNet34) over seeds or speaker folds.
    Train(Box<train::TrainArgs>),
    /// Re-score a finished run from its saved models.
    Eval(train::EvalArgs),
    /// Convert a PyTorch state dict (torchvision ResNet34) to Burn weights, checking every tensor.
    ImportWeights(weights::ImportArgs),
    /// Benchmarks: front-end and training throughput per device.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Front-end parameters shared by the commands that compute features.
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// Pipeline sample rate in Hz.
    #[arg(long, default_value_t = 16_000)]
    pub sample_rate: u32,
    /// FFT size (a power of two up to 2048 for the GPU kernels).
    #[arg(long, default_value_t = 1024)]
    pub n_fft: usize,
    /// Hop between frames in samples.
    #[arg(long, default_value_t = 256)]
    pub hop: usize,
    /// Number of mel bands.
    #[arg(long, default_value_t = 128)]
    pub n_mels: usize,
}

impl FeatureArgs {
    pub fn config(&self) -> FeatureConfig {
        FeatureConfig {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            hop: self.hop,
            win_length: self.n_fft,
            n_mels: self.n_mels,
            ..FeatureConfig::default()
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
        Command::Train(a) => train::run_train(*a),
        Command::Eval(a) => train::run_eval(a),
        Command::Bench(c) => bench::run(c),
        Command::ImportWeights(a) => weights::run(a),
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
