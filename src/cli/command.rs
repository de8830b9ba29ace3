//! The command line: its subcommands, and running the one given.

use super::observer::Terminal;
use super::{augment, bench, corpus, eval, features, info, predict, reproduce, serve, train, weights};
use anyhow::Result;
use clap::{Parser, Subcommand};
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

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    let command = Cli::parse().command;
    Terminal::install();
    match command {
        Command::Corpus(a) => corpus::run(a),
        Command::Info(a) => info::run(a),
        Command::Features(a) => features::run(a),
        Command::Augment(a) => augment::run(a),
        Command::Predict(a) => predict::run(*a),
        Command::ExportModel(a) => predict::export(a),
        Command::Train(a) => {
            crate::keep_freed_memory();
            train::run_train(*a)
        }
        Command::Eval(a) => eval::run_eval(a),
        Command::Serve(a) => serve::serve(a),
        Command::Bench(c) => {
            crate::keep_freed_memory();
            bench::run(c)
        }
        Command::ImportWeights(a) => weights::run(a),
        Command::Reproduce(a) => {
            crate::keep_freed_memory();
            reproduce::run(a)
        }
    }
}
