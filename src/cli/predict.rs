//! `emovox predict`: emotions of your own recordings (files, folders, or live audio on
//! standard input), as a table, JSON, JSON Lines or CSV, optionally as a timeline over long
//! recordings with a PNG. Results stream out as they are computed; `--shard K/N` and
//! `--files-from` split big archives over cluster job arrays.

use super::options::{DeviceArgs, print_json};
use super::predict_output::{Format, Printer};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use emovox::gpu::Compute;
use emovox::predict::{
    Input, PredictOptions, Predictor, RawEncoding, RawFormat, Shard, Sink, default_model_dir, expand_inputs,
    predict_inputs, read_file_list,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum)]
enum RawArg {
    /// Signed 16-bit little-endian.
    S16le,
    /// 32-bit float little-endian.
    F32le,
}

#[derive(Args)]
pub struct PredictArgs {
    /// Audio files or folders (searched recursively; wav, flac, mp3, ogg), or `-` for audio on
    /// standard input (a WAV/FLAC/MP3/Ogg stream, or raw PCM with --raw).
    paths: Vec<PathBuf>,
    /// Also predict the paths listed in this file, one per line (`-` = standard input).
    #[arg(long, value_name = "LIST")]
    files_from: Option<PathBuf>,
    /// Predict only part K of N of the sorted file list (e.g. `$SLURM_ARRAY_TASK_ID/16`);
    /// the outputs of parts 1..N concatenate into the whole run's.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Model directory (weights/default, the one shipped) or a run directory from `emovox train`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// With a run directory: average the probabilities of all its repeats (e.g. the k fold
    /// models of `--protocol speaker`) instead of using the first.
    #[arg(long)]
    ensemble: bool,
    /// Adapt the model to these recordings first: its BatchNorm statistics are re-estimated on
    /// (up to 512 of) the clips the inputs give, then every input is predicted. For a batch of
    /// recordings of one speaker, microphone or corpus (measured: +0.05 UAR on new speakers,
    /// +0.12 on a new corpus); files only, read twice.
    #[arg(long)]
    adapt_bn: bool,
    /// Emotion timeline: window length, e.g. `3s` or `1500ms` (default: one label per file;
    /// files over 8 s and live input are then classified in clip-length windows and summarised).
    #[arg(long, value_parser = parse_seconds)]
    window: Option<f64>,
    /// Hop between timeline windows (default: the window length).
    #[arg(long, value_parser = parse_seconds)]
    hop: Option<f64>,
    /// Draw the timeline (one PNG per file; needs --window).
    #[arg(long)]
    png: Option<PathBuf>,
    /// Audio (or a window) whose loudest 50 ms is quieter than this RMS level in dBFS is
    /// reported as silence (a floor for digital silence; quiet recordings are still classified).
    #[arg(long, default_value_t = -90.0, allow_hyphen_values = true)]
    silence_db: f32,
    /// A window whose loudest 50 ms is this many dB below the loudest 50 ms heard so far in the
    /// same input is silence too (pauses), at any recording level.
    #[arg(long, default_value_t = 40.0)]
    relative_silence_db: f32,
    /// Clips per batch on the device.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Longest input (e.g. `90m`, `12h`): a file whose header claims more is an error before
    /// decoding; a stream or file that goes past it is stopped there with an error.
    #[arg(long, default_value = "12h", value_parser = parse_seconds)]
    max_duration: f64,
    /// Standard input is raw PCM in this encoding (with --rate and --channels).
    #[arg(long, value_enum)]
    raw: Option<RawArg>,
    /// Sample rate of raw PCM input in Hz.
    #[arg(long, default_value_t = 16_000)]
    rate: u32,
    /// Channels of raw PCM input (averaged to mono).
    #[arg(long, default_value_t = 1)]
    channels: u16,
    /// JSON on stdout (one array, written at the end).
    #[arg(long, conflicts_with_all = ["csv", "jsonl"])]
    json: bool,
    /// JSON Lines on stdout, written as results come: a `window` record per timeline window
    /// and a `file` record per input.
    #[arg(long, conflicts_with = "csv")]
    jsonl: bool,
    /// CSV on stdout, written as results come.
    #[arg(long)]
    csv: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

/// A duration like `3s`, `500ms`, `10m` or `2h` (a bare number is seconds), in seconds.
pub(super) fn parse_seconds(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 1e-3)
    } else if let Some(s) = t.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = t.strip_suffix('m') {
        (m, 60.0)
    } else if let Some(h) = t.strip_suffix('h') {
        (h, 3600.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 3s, 500ms, 10m or 2h"))?;
    if value <= 0.0 || !value.is_finite() {
        return Err(format!("`{text}` must be positive"));
    }
    Ok(value * scale)
}

pub fn run(args: PredictArgs) -> Result<ExitCode> {
    if args.png.is_some() && args.window.is_none() {
        bail!("--png draws a timeline: give --window too (e.g. --window 3s --hop 1s)");
    }
    let stdin_audio = args.paths.iter().any(|p| p == Path::new("-"));
    if stdin_audio && args.files_from.as_deref() == Some(Path::new("-")) {
        bail!("standard input cannot carry both audio (`-`) and the file list (--files-from -)");
    }
    let mut paths: Vec<PathBuf> = args.paths.iter().filter(|p| *p != Path::new("-")).cloned().collect();
    if let Some(list) = &args.files_from {
        paths.extend(read_file_list(list).with_context(|| format!("reading the file list {}", list.display()))?);
    }
    if paths.is_empty() && !stdin_audio {
        bail!("nothing to predict: give files, folders, `-` (standard input) or --files-from");
    }
    let (mut files, errors) = expand_inputs(&paths);
    if let Some(shard) = args.shard {
        files = shard.select(files);
    }
    let mut inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    if stdin_audio {
        let raw = args.raw.map(|encoding| RawFormat {
            encoding: match encoding {
                RawArg::S16le => RawEncoding::S16le,
                RawArg::F32le => RawEncoding::F32le,
            },
            rate: args.rate,
            channels: args.channels,
        });
        inputs.push(Input::Stdin(raw));
    } else if args.raw.is_some() {
        bail!("--raw describes audio on standard input: give `-` as the path");
    }
    let model = args.model.clone().unwrap_or_else(default_model_dir);
    let compute = Compute::select(args.device.device)?;
    let mut predictor = Predictor::load_with(&model, compute, args.ensemble)
        .with_context(|| format!("loading the model from {}", model.display()))?;
    let timeline = args.window.is_some();
    let options = PredictOptions {
        window: args.window.map(|w| (w, args.hop.unwrap_or(w))),
        silence_db: args.silence_db,
        relative_silence_db: args.relative_silence_db,
        batch: args.batch.max(1),
        keep_windows: args.json || args.png.is_some(),
        producers: None,
        max_duration: Some(args.max_duration),
        cancel: None,
    };
    let started = Instant::now();
    if args.adapt_bn {
        let clips = predictor.adapt_to_inputs(&inputs, &options)?;
        eprintln!(
            "adapted the BatchNorm statistics to {clips} clips of the inputs in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let format = if args.json {
        Format::Json(Vec::new())
    } else if args.jsonl {
        Format::Jsonl
    } else if args.csv {
        Format::Csv
    } else {
        Format::Table
    };
    let png = args.png.as_deref().map(|p| (p, inputs.len() > 1));
    let mut printer = Printer::new(format, predictor.classes().names(), timeline, png);
    printer.header();
    for failed in errors {
        printer.file(failed)?;
    }
    predict_inputs(&predictor, &inputs, &options, &mut printer)?;
    if let Format::Json(all) = &printer.format {
        print_json(all)?;
    }
    std::io::stdout().flush()?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} of {} inputs predicted in {seconds:.1} s ({:.1}/s) with {} on {}",
        printer.predicted,
        printer.files,
        printer.predicted as f64 / seconds.max(1e-9),
        predictor.source.display(),
        predictor.compute.info.describe()
    );
    Ok(if printer.predicted > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Args)]
pub struct ExportArgs {
    /// A run directory written by `emovox train` (its first repeat's best weights are taken,
    /// or all repeats with --ensemble).
    #[arg(long)]
    run: PathBuf,
    /// The model directory to write.
    #[arg(long, default_value = "weights/default")]
    out: PathBuf,
    /// Keep the weights in f32 (default: f16, half the size; BatchNorm statistics stay f32).
    #[arg(long)]
    f32: bool,
    /// Export every repeat of the run (e.g. its k fold models) as one ensemble whose
    /// probabilities `predict` averages.
    #[arg(long)]
    ensemble: bool,
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    let out = emovox::run::export_model(&args.run, &args.out, !args.f32, args.ensemble)?;
    println!(
        "wrote the model in {} (use it with: emovox predict --model {} FILE)",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
