//! `emovox features FILE`: the log-mel spectrogram of one file.

use super::options::{DeviceArgs, FeatureArgs, print_json};
use anyhow::{Context, Result};
use clap::Args;
use emovox::audio::{decode_file, resample};
use emovox::features::{filters, log_mel_tensor};
use emovox::gpu::{Compute, to_host};
use emovox::plot::{Heatmap, heatmap_png};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct FeaturesArgs {
    /// Audio file (wav, flac, mp3, ogg).
    file: PathBuf,
    /// Write the spectrogram as a PNG image.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Print the log-mel matrix as JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    features: FeatureArgs,
    #[command(flatten)]
    device: DeviceArgs,
}

#[derive(Serialize)]
struct Output {
    file: PathBuf,
    sample_rate: u32,
    hop: usize,
    n_mels: usize,
    frames: usize,
    device: String,
    /// dB values, [n_mels][frames].
    log_mel: Vec<Vec<f32>>,
}

pub fn run(args: FeaturesArgs) -> Result<ExitCode> {
    let cfg = args.features.apply(emovox::features::FeatureConfig::default());
    cfg.validate()?;
    let audio = decode_file(&args.file)?;
    let samples = resample(&audio.samples, audio.sample_rate, cfg.sample_rate)?;
    let compute = Compute::select(args.device.device)?;
    let tensor = log_mel_tensor(&compute, &[samples], &cfg)?;
    let [_, n_mels, frames] = tensor.dims();
    let values = to_host(tensor)?;
    if let Some(png) = &args.png {
        let seconds = frames as f64 * cfg.hop as f64 / cfg.sample_rate as f64;
        let mel_hz = |bin: f64| {
            let lo = filters::hz_to_mel(cfg.fmin as f64, cfg.mel_scale);
            let hi = filters::hz_to_mel(cfg.fmax_hz() as f64, cfg.mel_scale);
            let mel = lo + (hi - lo) * (bin + 1.0) / (n_mels as f64 + 1.0);
            format!("{:.0}", filters::mel_to_hz(mel, cfg.mel_scale))
        };
        let title = format!(
            "log-mel: {}",
            args.file
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        );
        heatmap_png(
            png,
            &Heatmap {
                title: &title,
                values: &values,
                rows: n_mels,
                cols: frames,
                x_range: (0.0, seconds),
                x_label: "time (s)",
                y_label: "frequency (Hz)",
                y_tick: &mel_hz,
                limits: None,
                colorbar: Some("dB"),
            },
            (1000, 520),
        )
        .with_context(|| format!("writing {}", png.display()))?;
    }
    if args.json {
        print_json(&Output {
            file: args.file.clone(),
            sample_rate: cfg.sample_rate,
            hop: cfg.hop,
            n_mels,
            frames,
            device: compute.info.describe(),
            log_mel: values.chunks(frames).map(<[f32]>::to_vec).collect(),
        })?;
    } else {
        let (lo, hi) = values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        println!(
            "{}: {:.2} s at {} Hz -> log-mel {n_mels} x {frames} frames, {lo:.1}..{hi:.1} dB ({})",
            args.file.display(),
            audio.duration(),
            audio.sample_rate,
            compute.info.describe()
        );
        if let Some(png) = &args.png {
            println!("wrote {}", png.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
