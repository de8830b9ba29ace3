//! `emovox train`: options, validation, and the printed results table.

use super::choices;
use super::options::{DeviceArgs, FeatureArgs, print_json};
use super::train_augment::AugmentArgs;
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use emovox::corpus::LabelSpec;
use emovox::models::{ModelKind, SvmConfig};
use emovox::reproduce::paper_row;
use emovox::run::{ExperimentConfig, NetParams, Protocol, RepeatResult, TrainConfig, corpus_summaries};
use emovox::scores::{Metrics, Summary};
use emovox::train::experiment;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum ProtocolArg {
    /// Stratified random 90/5/5 split per seed (the paper's protocol; speakers leak).
    Random,
    /// Speaker-independent k-fold: no speaker in both train and test.
    Speaker,
    /// Leave one corpus out: train on the other corpora, test on the held-out one, scored on
    /// the classes both sides share.
    Corpus,
    /// Your own CSV of `path,split` lines (--split-file).
    File,
    /// Train on every clip, hold nothing out, score nothing: the model to ship once the
    /// speaker and corpus protocols have chosen the recipe (the last epoch is kept).
    All,
}

/// `--loudness`: a level in dBFS, or off.
#[derive(Clone, Copy)]
struct Level(Option<f32>);

fn parse_loudness(text: &str) -> std::result::Result<Level, String> {
    if text.trim() == "off" {
        return Ok(Level(None));
    }
    let db: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a level in dBFS or `off`"))?;
    if !(-80.0..=0.0).contains(&db) {
        return Err(format!("{db} dBFS: choose a level between -80 and 0"));
    }
    Ok(Level(Some(db)))
}

#[derive(Args)]
pub struct TrainArgs {
    /// Data folders, searched recursively: RAVDESS, SAVEE, TESS, CREMA-D, EmoDB and IEMOCAP
    /// by their file names, anything else as label-per-folder (`DIR/<label>/*.wav`).
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Classes to train on, in output order, e.g. `angry,happy,neutral,sad` (clips of other
    /// labels are left out). Default: every label found in the data.
    #[arg(long, value_delimiter = ',')]
    classes: Option<Vec<String>>,
    /// Merge one label into another before choosing classes, e.g. `calm=neutral` (repeatable).
    #[arg(long, value_name = "FROM=TO")]
    merge: Vec<String>,
    /// Model to train.
    #[arg(long, value_parser = choices::model())]
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
    /// BiLSTM hidden units per direction (default 128), or the CNN's first-block width
    /// (default 16).
    #[arg(long)]
    hidden: Option<usize>,
    #[arg(long, default_value_t = 0.3)]
    dropout: f64,
    /// Normalise each clip's spectrum: its mean log-mel over sounding frames is replaced by
    /// the training set's, removing a microphone's or line's fixed colouration (in training
    /// and prediction).
    #[arg(long)]
    utterance_norm: bool,
    /// ResNet input image side (the log-mel image is resized to it).
    #[arg(long, default_value_t = 128)]
    image_size: usize,
    /// ImageNet-pretrained ResNet34: a torchvision state dict (.pth) or the .bpk written by
    /// `emovox import-weights`. The 1000-class head is replaced by one for the run's classes.
    #[arg(long)]
    pretrained: Option<PathBuf>,
    /// With --pretrained: epochs that train only the new head before fine-tuning all layers.
    #[arg(long, default_value_t = 0)]
    freeze_epochs: usize,
    /// Weight the loss by inverse class frequency in the training split (training and
    /// validation), so rare classes are not given up for common ones.
    #[arg(long)]
    class_balanced: bool,
    /// Pull the prediction on each waveform-augmented training clip toward the network's own
    /// (eval-mode) prediction on the clean clip: targets become (1 - W) x label + W x clean
    /// prediction, W in (0, 1); needs waveform augmentation (--audio-*). Costs one more forward
    /// pass per batch.
    #[arg(long, default_value_t = 0.0)]
    consistency: f32,
    /// Scale every clip to this active speech level in dBFS before features, in training and
    /// prediction, so a recording's gain does not matter; `off` keeps each clip's own level
    /// (default: -35 for the networks, off for the SVM).
    #[arg(long, value_parser = parse_loudness, allow_hyphen_values = true)]
    loudness: Option<Level>,
    /// Clip length in seconds for the networks (centre crop / zero pad after silence trimming).
    #[arg(long, default_value_t = 4.0)]
    duration: f32,
    /// SVM soft-margin C.
    #[arg(long, default_value_t = 1.0)]
    svm_c: f64,
    #[command(flatten)]
    augment: AugmentArgs,
    #[command(flatten)]
    features: FeatureArgs,
    #[command(flatten)]
    device: DeviceArgs,
    /// Run directory (default runs/<model>-<protocol>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only the first N repeats (seeds or folds) of the protocol, for quick checks.
    #[arg(long)]
    max_repeats: Option<usize>,
    /// Skip the first K repeats: with --max-repeats, train a slice of the folds (e.g. folds 4-6
    /// in a second process or on a second machine); copy the fold directories into a new --out
    /// (a slice's config.json records the slice) and run the full command with --resume there
    /// to score them together.
    #[arg(long, default_value_t = 0)]
    first_repeat: usize,
    /// Continue an interrupted run in --out from its last checkpoint. With a larger --epochs (and
    /// nothing else changed) it extends a finished run's schedule: the result is the one training
    /// that many epochs from the start gives.
    #[arg(long)]
    resume: bool,
    /// Print metrics.json on stdout.
    #[arg(long)]
    json: bool,
}

/// Prints per-repeat scores, the mean ± std, and the pooled per-class table (classes no repeat
/// scored are left out of it).
pub(super) fn print_results(title: &str, repeats: &[RepeatResult], summary: &Summary, pooled: &Metrics) {
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
    for r in repeats
        .iter()
        .filter(|r| !r.scored_classes.is_empty() && r.scored_classes.len() < pooled.per_class.len())
    {
        println!(
            "{}: scored on the {} shared classes: {}",
            r.name,
            r.scored_classes.len(),
            r.scored_classes.join(", ")
        );
    }
    if summary.repeats > 1 {
        println!(
            "mean ± std over {}: accuracy {}, macro-F1 {}, weighted-F1 {}, UAR {}",
            summary.repeats, summary.accuracy, summary.macro_f1, summary.weighted_f1, summary.uar
        );
    }
    for (corpus, s) in corpus_summaries(repeats) {
        println!(
            "{corpus} clips ({} repeats): accuracy {}, macro-F1 {}, UAR {}",
            s.repeats, s.accuracy, s.macro_f1, s.uar
        );
    }
    println!("\nper class (pooled over repeats):");
    println!(
        "{:<10} {:>9} {:>7} {:>6} {:>8}",
        "class", "precision", "recall", "F1", "support"
    );
    let scored = |name: &str| {
        repeats
            .iter()
            .any(|r| r.scored_classes.is_empty() || r.scored_classes.iter().any(|s| s == name))
    };
    for c in pooled.per_class.iter().filter(|c| scored(&c.name)) {
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
        ProtocolArg::Corpus => Protocol::Corpus { val: 0.1 },
        ProtocolArg::All => Protocol::All,
        ProtocolArg::File => match &args.split_file {
            Some(path) => Protocol::File { path: path.clone() },
            None => bail!("--protocol file needs --split-file PATH"),
        },
    };
    if args.seeds == 0 || args.epochs == 0 || args.batch_size == 0 {
        bail!("--seeds, --epochs and --batch-size must be at least 1");
    }
    if args.image_size < 32 || args.hidden == Some(0) {
        bail!("--image-size must be at least 32 and --hidden at least 1");
    }
    if !((0.0..1.0).contains(&args.dropout) && args.duration > 0.1 && args.duration.is_finite()) {
        bail!("--dropout must be in [0, 1) and --duration above 0.1 s");
    }
    if !(args.lr > 0.0 && args.lr.is_finite() && args.lr_decay > 0.0 && args.lr_decay <= 1.0 && args.svm_c > 0.0) {
        bail!("--lr and --svm-c must be positive and --lr-decay in (0, 1]");
    }
    args.augment.validate()?;
    let mut cfg = ExperimentConfig::new(args.data.clone(), args.model, protocol);
    cfg.labels = LabelSpec::parse(args.classes.as_deref(), &args.merge)?;
    let features = args.features.apply(cfg.features.clone());
    features.validate()?;
    cfg.seeds = (args.seed..args.seed + args.seeds).collect();
    cfg.clip.sample_rate = features.sample_rate;
    if cfg.clip.duration.is_some() {
        cfg.clip.duration = Some(args.duration);
    }
    if let Some(level) = args.loudness {
        cfg.clip.loudness_db = level.0;
    }
    cfg.features = features;
    cfg.train = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        lr: args.lr,
        lr_decay: args.lr_decay,
        patience: args.patience,
        seed: args.seed,
        augment: args.augment.image(),
        audio_augment: args.augment.audio(cfg.clip.loudness_db)?,
        progressive: args.augment.progressive.clone().unwrap_or_default(),
        freeze_epochs: args.freeze_epochs,
        class_balanced: args.class_balanced,
        consistency: args.consistency,
    };
    let consistency_usable = (0.0..1.0).contains(&args.consistency) && cfg.train.audio_augment.is_active();
    if args.consistency != 0.0 && !consistency_usable {
        bail!("--consistency must be in [0, 1) and needs waveform augmentation (--audio-*) to compare against");
    }
    cfg.net = NetParams {
        hidden: args.hidden.unwrap_or(cfg.net.hidden),
        dropout: args.dropout,
        image_size: args.image_size,
        pretrained: args.pretrained.clone(),
        utterance_norm: args.utterance_norm,
    };
    cfg.svm = SvmConfig {
        c: args.svm_c,
        gamma: None,
    };
    cfg.device = args.device.device;
    cfg.max_repeats = args.max_repeats;
    cfg.first_repeat = args.first_repeat;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{}-{}", args.model.name(), cfg.protocol_name())));
    let result = experiment::run(&cfg, &out, args.resume)?;
    if args.json {
        print_json(&result)?;
        return Ok(ExitCode::SUCCESS);
    }
    if result.pooled.n == 0 {
        println!(
            "{} trained on every clip (run directory {}); nothing was held out, so nothing is \
             scored: the speaker and corpus protocols say what to expect on new recordings",
            args.model.name(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    print_results(
        &format!(
            "{} on the {} protocol (run directory {})",
            args.model.name(),
            cfg.protocol_name(),
            out.display()
        ),
        &result.repeats,
        &result.summary,
        &result.pooled,
    );
    if let Some(row) = paper_row(&cfg)
        && let (Some(accuracy), Some(f1)) = (row.paper_accuracy, row.paper_f1)
    {
        println!(
            "\npaper, {} (random 90/5/5 split): accuracy {:.3}, macro-F1 {:.3}",
            row.name, accuracy, f1
        );
    }
    Ok(ExitCode::SUCCESS)
}
