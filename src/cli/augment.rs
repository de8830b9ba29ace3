//! `emovox augment FILE --png grid.png`: what the network sees. The clip's log-mel image
//! (resized to the model input) next to randomly augmented versions of it.

use super::choices;
use anyhow::{Context, Result};
use clap::Args;
use emovox::audio::ClipConfig;
use emovox::augment::{AugmentConfig, Warp, mask, warp};
use emovox::features::{FeatureConfig, log_mel_tensor};
use emovox::gpu::{Compute, DeviceChoice, to_host};
use emovox::plot::{Heatmap, heatmap_grid_png};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct AugmentCliArgs {
    /// Audio file (wav, flac, mp3, ogg).
    file: PathBuf,
    /// Where to write the grid.
    #[arg(long)]
    png: PathBuf,
    /// Augmented versions to draw next to the original.
    #[arg(long, default_value_t = 8)]
    count: usize,
    /// Image side the model sees.
    #[arg(long, default_value_t = 128)]
    image_size: usize,
    /// Seed of the random draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also draw SpecAugment masks (two frequency and two time masks of up to 16 rows/columns).
    #[arg(long)]
    masks: bool,
    #[arg(long, value_parser = choices::device(), default_value = "auto")]
    device: DeviceChoice,
}

pub fn run(args: AugmentCliArgs) -> Result<ExitCode> {
    let features = FeatureConfig::default();
    let clip = ClipConfig::default().load(&args.file)?;
    let compute = Compute::select(args.device)?;
    let n = args.count + 1;
    let log_mel = log_mel_tensor(&compute, &vec![clip; n], &features)?;
    let [_, n_mels, _] = log_mel.dims();
    let lo = log_mel.clone().min_dim(1).min_dim(2);
    let hi = log_mel.clone().max_dim(1).max_dim(2);
    let unit = (log_mel - lo.clone()) / (hi - lo).clamp_min(1e-6);
    let config = AugmentConfig {
        freq_masks: if args.masks { 2 } else { 0 },
        freq_mask_width: 16,
        time_masks: if args.masks { 2 } else { 0 },
        time_mask_width: 16,
        mixup_alpha: None,
        ..AugmentConfig::default()
    };
    let side = args.image_size;
    let mut draws = config.draw(args.seed, 0, 0, n, side, side);
    draws.warps[0] = Warp::identity(0.0);
    let mut images = warp(unit, &draws.warps, [side, side]);
    if let Some(masks) = draws.masks.as_mut() {
        masks[0] = Default::default();
        images = mask(images, masks, 0.0);
    }
    let values = to_host(images)?;
    let titles: Vec<String> = draws
        .warps
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                "original (resized)".to_string()
            } else {
                format!(
                    "rot {:+.1}°, zoom {:.2}, gain {:.2}, bias {:+.2}",
                    w.angle_deg, w.zoom, w.gain, w.bias
                )
            }
        })
        .collect();
    let seconds = ClipConfig::default().duration.unwrap_or(4.0) as f64;
    let tick = |v: f64| format!("{:.0}", v * n_mels as f64 / side as f64);
    let maps: Vec<Heatmap> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| Heatmap {
            title,
            values: &values[i * side * side..(i + 1) * side * side],
            rows: side,
            cols: side,
            x_range: (0.0, seconds),
            x_label: "time (s)",
            y_label: "mel band",
            y_tick: &tick,
            limits: Some((0.0, 1.0)),
            colorbar: None,
        })
        .collect();
    heatmap_grid_png(&args.png, &maps, 3, (420, 360)).with_context(|| format!("writing {}", args.png.display()))?;
    println!(
        "wrote {} ({} augmented versions, {})",
        args.png.display(),
        args.count,
        compute.info.describe()
    );
    Ok(ExitCode::SUCCESS)
}
