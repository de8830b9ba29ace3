//! Options several subcommands share (front end, device) and JSON output on stdout.

use super::choices;
use anyhow::Result;
use clap::Args;
use emovox::features::{Dereverb, FeatureConfig};
use emovox::gpu::DeviceChoice;

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
    /// Suppress late reverberation of a room of this RT60 (s) in the mel power before
    /// compression (spectral subtraction of the tail from 50 ms on, floor -10 dB).
    #[arg(long, value_name = "RT60")]
    pub dereverb: Option<f32>,
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
            dereverb: self.dereverb.map(Dereverb::for_rt60).or(base.dereverb),
            ..base
        }
    }
}

/// `--device` for the commands that compute on a device.
#[derive(Args, Debug, Clone)]
pub struct DeviceArgs {
    /// Where to compute: `auto` takes a hardware GPU through wgpu if present, else the CPU.
    #[arg(long, value_parser = choices::device(), default_value = "auto")]
    pub device: DeviceChoice,
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
