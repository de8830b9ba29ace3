//! `emovox train` and `emovox eval`.

use super::{DeviceArgs, FeatureArgs, print_json};
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use emovox::audio::ClipConfig;
use emovox::eval::{Metrics, Summary};
use emovox::models::{ModelKind, SvmConfig};
use emovox::train::TrainConfig;
use emovox::train::experiment::{self, ExperimentConfig, NetParams, Protocol, RepeatResult};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum ProtocolArg {
    /// Stratified random 90/5/5 split per seed (the paper's protocol; speakers leak).
    Random,
    /// Speaker-independent k-fold: no speaker in both train and test.
    Speaker,
    /// Your own CSV of `path,split` lines (--split-file).
    File,
}

#[derive(Args)]
pub struct TrainArgs {
    /// Data folders (RAVDESS, SAVEE, label-per-folder); searched recursively.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Model to train.
    #[arg(long, value_enum)]
    model: ModelKind,
    /// Evaluation protocol.
    #[arg(long, value_enum, default_value = "random")]
    protocol: ProtocolArg,
    /// CSV of `path,split` (train/val/test) for --protocol file.
    #[arg(long)]
    split_file: Option<PathBuf>,
    /// Number of repeats with seeds seed, seed+1, ... (mean and std are reported).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folds of the speaker protocol.
    #[arg(long, default_value_t = 7)]
    folds: usize,
    /// Epochs (the paper: 200 for BiLSTM and ResNet34 from scratch, 30 for fine-tuning).
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Learning-rate factor applied after every epoch.
    #[arg(long, default_value_t = 0.9)]
    lr_decay: f64,
    /// Stop after this many epochs without a lower validation loss.
    #[arg(long)]
    patience: Option<usize>,
    /// BiLSTM hidden units per direction.
    #[arg(long, default_value_t = 128)]
    hidden: usize,
    #[arg(long, default_value_t = 0.3)]
    dropout: f64,
    /// ResNet input image side (the log-mel image is resized to it).
    #[arg(long, default_value_t = 128)]
    image_size: usize,
    /// Clip length in seconds for the networks (centre crop / zero pad after silence trimming).
    #[arg(long, default_value_t = 4.0)]
    duration: f32,
    /// SVM soft-margin C.
    #[arg(long, default_value_t = 1.0)]
    svm_c: f64,
    #[command(flatten)]
    features: FeatureArgs,
    #[command(flatten)]
    device: DeviceArgs,
    /// Run directory (default runs/<model>-<protocol>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue an interrupted run in --out from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// Print metrics.json on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EvalArgs {
    /// A run directory written by `emovox train`.
    #[arg(long)]
    run: PathBuf,
    /// Score every labelled clip of these folders instead of each repeat's test split.
    #[arg(long, num_args = 1..)]
    data: Option<Vec<PathBuf>>,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// The paper's Table 1 (accuracy, macro-F1) for the rows emovox reproduces.
pub fn paper_numbers(model: ModelKind) -> (f64, f64) {
    match model {
        ModelKind::Svm => (0.517, 0.509),
        ModelKind::Bilstm => (0.528, 0.497),
        ModelKind::Resnet34 => (0.458, 0.426),
    }
}

fn print_results(title: &str, repeats: &[RepeatResult], summary: &Summary, pooled: &Metrics) {
    println!("{title}");
    println!(
        "{:<16} {:>8} {:>9} {:>7} {:>6}",
        "repeat", "accuracy", "macro-F1", "UAR", "clips"
    );
    for r in repeats {
        let m = &r.metrics;
        println!(
            "{:<16} {:>8.3} {:>9.3} {:>7.3} {:>6}",
            r.name, m.accuracy, m.macro_f1, m.uar, m.n
        );
    }
    println!(
        "mean ± std over {}: accuracy {}, macro-F1 {}, weighted-F1 {}, UAR {}",
        summary.repeats, summary.accuracy, summary.macro_f1, summary.weighted_f1, summary.uar
    );
    println!("\nper class (pooled over repeats):");
    println!(
        "{:<10} {:>9} {:>7} {:>6} {:>8}",
        "class", "precision", "recall", "F1", "support"
    );
    for c in &pooled.per_class {
        println!(
            "{:<10} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            c.name, c.precision, c.recall, c.f1, c.support
        );
    }
}

pub fn run_train(args: TrainArgs) -> Result<ExitCode> {
    let protocol = match args.protocol {
        ProtocolArg::Random => Protocol::Random { val: 0.05, test: 0.05 },
        ProtocolArg::Speaker => Protocol::Speaker { folds: args.folds },
        ProtocolArg::File => match &args.split_file {
            Some(path) => Protocol::File { path: path.clone() },
            None => bail!("--protocol file needs --split-file PATH"),
        },
    };
    if args.seeds == 0 || args.epochs == 0 || args.batch_size == 0 {
        bail!("--seeds, --epochs and --batch-size must be at least 1");
    }
    let protocol_name = match protocol {
        Protocol::Random { .. } => "random",
        Protocol::Speaker { .. } => "speaker",
        Protocol::File { .. } => "file",
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{}-{protocol_name}", args.model.name())));
    let features = args.features.config();
    features.validate()?;
    let cfg = ExperimentConfig {
        data: args.data.clone(),
        model: args.model,
        protocol,
        seeds: (args.seed..args.seed + args.seeds).collect(),
        clip: ClipConfig {
            sample_rate: features.sample_rate,
            // The SVM averages MFCCs over the whole (trimmed) utterance; networks need one length.
            duration: (args.model != ModelKind::Svm).then_some(args.duration),
            trim_db: Some(40.0),
        },
        features,
        train: TrainConfig {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: args.lr,
            lr_decay: args.lr_decay,
            patience: args.patience,
            seed: args.seed,
        },
        net: NetParams {
            hidden: args.hidden,
            dropout: args.dropout,
            image_size: args.image_size,
        },
        svm: SvmConfig {
            c: args.svm_c,
            gamma: None,
        },
        device: args.device.device,
    };
    let result = experiment::run(&cfg, &out, args.resume)?;
    if args.json {
        print_json(&result)?;
    } else {
        let (acc, f1) = paper_numbers(args.model);
        print_results(
            &format!(
                "{} on the {protocol_name} protocol (run directory {})",
                args.model.name(),
                out.display()
            ),
            &result.repeats,
            &result.summary,
            &result.pooled,
        );
        println!("\npaper (random 90/5/5 split): accuracy {acc:.3}, macro-F1 {f1:.3}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval(args: EvalArgs) -> Result<ExitCode> {
    let report = experiment::evaluate_run(&args.run, args.data.as_deref())?;
    if args.json {
        print_json(&report)?;
    } else {
        print_results(
            &format!(
                "{} re-scored on {} clips",
                args.run.display(),
                if report.test_set == "all" {
                    "all given"
                } else {
                    "each repeat's test"
                }
            ),
            &report.repeats,
            &report.summary,
            &report.pooled,
        );
    }
    Ok(ExitCode::SUCCESS)
}
