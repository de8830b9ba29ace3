//! `emovox predict`: emotions of your own recordings (files or folders), as a table, JSON or
//! CSV, optionally as a timeline over long recordings with a PNG.

use super::{DeviceArgs, print_json};
use anyhow::{Context, Result};
use clap::Args;
use emovox::audio::{decode_file, resample};
use emovox::corpus::Emotion;
use emovox::gpu::Compute;
use emovox::plot::{Span, timeline_png};
use emovox::predict::{FileResult, PredictOptions, Predictor, default_model_dir, expand_inputs, predict_files};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct PredictArgs {
    /// Audio files or folders (searched recursively); wav, flac, mp3, ogg.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Model directory (weights/default, the one shipped) or a run directory from `emovox train`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Emotion timeline: window length, e.g. `3s` or `1500ms` (default: one label per file).
    #[arg(long, value_parser = parse_seconds)]
    window: Option<f64>,
    /// Hop between timeline windows (default: the window length).
    #[arg(long, value_parser = parse_seconds)]
    hop: Option<f64>,
    /// Draw the timeline over the waveform (one PNG per file; needs --window).
    #[arg(long)]
    png: Option<PathBuf>,
    /// Audio (or a window) whose loudest 50 ms is quieter than this RMS level in dBFS is
    /// reported as silence.
    #[arg(long, default_value_t = -50.0, allow_hyphen_values = true)]
    silence_db: f32,
    /// Clips per batch on the device.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// JSON on stdout.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV on stdout.
    #[arg(long)]
    csv: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

fn parse_seconds(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 1e-3)
    } else if let Some(s) = t.strip_suffix('s') {
        (s, 1.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 3s or 500ms"))?;
    if value <= 0.0 || !value.is_finite() {
        return Err(format!("`{text}` must be positive"));
    }
    Ok(value * scale)
}

fn png_path(base: &Path, file: &Path, many: bool) -> PathBuf {
    if !many {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map_or("timeline".into(), |s| s.to_string_lossy().into_owned());
    let file_stem = file
        .file_stem()
        .map_or("clip".into(), |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}-{file_stem}.png"))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn print_csv(results: &[FileResult], timeline: bool) {
    let names = Emotion::names();
    let probs = names.iter().map(|n| format!("p_{n}")).collect::<Vec<_>>().join(",");
    if timeline {
        println!("path,start,end,label,confidence,{probs},error");
    } else {
        println!("path,duration,label,confidence,{probs},error");
    }
    let cells = |p: &emovox::predict::Prediction| -> String {
        let values: Vec<String> = if p.probabilities.is_empty() {
            vec![String::new(); names.len()]
        } else {
            p.probabilities.iter().map(|(_, v)| format!("{v:.4}")).collect()
        };
        format!("{},{:.4},{}", p.label, p.confidence, values.join(","))
    };
    let empty = vec![""; names.len() + 2].join(",");
    for r in results {
        let path = csv_field(&r.path.display().to_string());
        let error = csv_field(r.error.as_deref().unwrap_or(""));
        if r.error.is_some() {
            if timeline {
                println!("{path},,,{empty},{error}");
            } else {
                println!("{path},,{empty},{error}");
            }
        } else if timeline {
            for w in &r.windows {
                println!("{path},{:.3},{:.3},{},", w.start, w.end, cells(&w.prediction));
            }
        } else if let Some(p) = &r.prediction {
            println!("{path},{:.3},{},", r.duration.unwrap_or(0.0), cells(p));
        }
    }
}

fn print_table(results: &[FileResult]) {
    for r in results {
        if let Some(e) = &r.error {
            println!("{}: error: {e}", r.path.display());
            continue;
        }
        if let Some(p) = &r.prediction {
            let mut top: Vec<&(String, f32)> = p.probabilities.iter().collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let others: Vec<String> = top.iter().skip(1).take(2).map(|(n, v)| format!("{n} {v:.2}")).collect();
            println!(
                "{:<10} {:>5.2}  ({})  {}",
                p.label,
                p.confidence,
                others.join(", "),
                r.path.display()
            );
            continue;
        }
        println!("{} ({:.1} s):", r.path.display(), r.duration.unwrap_or(0.0));
        for w in &r.windows {
            println!(
                "  {:>7.2} - {:>7.2} s  {:<10} {:.2}",
                w.start, w.end, w.prediction.label, w.prediction.confidence
            );
        }
    }
}

pub fn run(args: PredictArgs) -> Result<ExitCode> {
    if args.png.is_some() && args.window.is_none() {
        anyhow::bail!("--png draws a timeline: give --window too (e.g. --window 3s --hop 1s)");
    }
    let model = args.model.clone().unwrap_or_else(default_model_dir);
    let compute = Compute::select(args.device.device)?;
    let predictor =
        Predictor::load(&model, compute).with_context(|| format!("loading the model from {}", model.display()))?;
    let (files, mut results) = expand_inputs(&args.paths);
    let options = PredictOptions {
        window: args.window.map(|w| (w, args.hop.unwrap_or(w))),
        silence_db: args.silence_db,
        batch: args.batch,
    };
    let started = Instant::now();
    results.extend(predict_files(&predictor, &files, &options)?);
    let seconds = started.elapsed().as_secs_f64();
    let predicted = results.iter().filter(|r| r.error.is_none()).count();
    let timeline = options.window.is_some();
    if args.json {
        print_json(&results)?;
    } else if args.csv {
        print_csv(&results, timeline);
    } else {
        print_table(&results);
    }
    if let Some(base) = &args.png {
        let names = Emotion::names();
        let many = predicted > 1;
        for r in results.iter().filter(|r| r.error.is_none()) {
            let audio = decode_file(&r.path)?;
            let samples = resample(&audio.samples, audio.sample_rate, predictor.clip.sample_rate)?;
            // Overlapping windows: each span runs to the next window's start.
            let spans: Vec<Span> = r
                .windows
                .iter()
                .enumerate()
                .map(|(i, w)| Span {
                    start: w.start,
                    end: r.windows.get(i + 1).map_or(w.end, |next| next.start.min(w.end)),
                    class: names.iter().position(|n| *n == w.prediction.label),
                    label: &w.prediction.label,
                })
                .collect();
            let out = png_path(base, &r.path, many);
            let title = format!("emotion timeline: {}", r.path.display());
            timeline_png(&out, &title, &samples, predictor.clip.sample_rate, &spans, &names)?;
            eprintln!("wrote {}", out.display());
        }
    }
    eprintln!(
        "{predicted} of {} files in {seconds:.2} s ({:.1} files/s) with {} on {}",
        results.len(),
        predicted as f64 / seconds.max(1e-9),
        predictor.source.display(),
        predictor.compute.info.describe()
    );
    Ok(if predicted > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Args)]
pub struct ExportArgs {
    /// A run directory written by `emovox train` (its first repeat's best weights are taken).
    #[arg(long)]
    run: PathBuf,
    /// The model directory to write.
    #[arg(long, default_value = "weights/default")]
    out: PathBuf,
    /// Keep the weights in f32 (default: f16, half the size; BatchNorm statistics stay f32).
    #[arg(long)]
    f32: bool,
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    let out = emovox::predict::export_model(&args.run, &args.out, !args.f32)?;
    println!(
        "wrote the model in {} (use it with: emovox predict --model {} FILE)",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
