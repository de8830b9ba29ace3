//! The front end as WGSL kernels on the wgpu device: `stft.wgsl` -> `mel.wgsl` (->
//! `dereverb.wgsl`) -> `compress.wgsl`
//! (-> `mfcc.wgsl`). Input is a Burn tensor [batch, samples] already on the device; every
//! intermediate and the output stay in device memory. The tables (window, twiddles, filters,
//! DCT) are the CPU reference's own, computed in f64 and passed as f32 bits.

use super::config::{Compression, FeatureConfig, PadMode};
use super::{Dereverb, filters};
use crate::error::{Error, Result};
use crate::gpu::kernel::{self, Launch, Shader, f32_bits, groups};
use burn::tensor::Tensor;
use std::f64::consts::PI;

/// Largest FFT the kernel's workgroup memory holds (2 x n f32 = 16 KiB, WebGPU's minimum).
pub const MAX_N_FFT: usize = 2048;

/// A configured GPU front end: precomputed parameter tables, ready to launch.
pub struct GpuFrontEnd {
    cfg: FeatureConfig,
    /// Window then interleaved twiddles, as f32 bits (the tail of the STFT params).
    stft_tables: Vec<u32>,
    /// Per-filter (start, count, offset) triples then weights (the tail of the mel params).
    mel_tables: Vec<u32>,
    dct: Vec<u32>,
}

impl GpuFrontEnd {
    pub fn new(cfg: &FeatureConfig) -> Result<Self> {
        cfg.validate()?;
        if !cfg.n_fft.is_power_of_two() || cfg.n_fft > MAX_N_FFT {
            return Err(Error::Config(format!(
                "the GPU front end needs n_fft a power of two up to {MAX_N_FFT}, got {}",
                cfg.n_fft
            )));
        }
        let mut stft_tables: Vec<u32> = f32_bits(&filters::window(cfg)).collect();
        for m in 0..cfg.n_fft / 2 {
            let angle = 2.0 * PI * m as f64 / cfg.n_fft as f64;
            stft_tables.push((angle.cos() as f32).to_bits());
            stft_tables.push((-angle.sin() as f32).to_bits());
        }
        let bands = filters::sparse_bands(&filters::mel_filterbank(cfg), cfg.n_bins());
        let header = 4 + 3 * cfg.n_mels;
        let mut triples = Vec::with_capacity(3 * cfg.n_mels);
        let mut weights = Vec::new();
        for band in &bands {
            triples.extend([
                band.start as u32,
                band.weights.len() as u32,
                (header + weights.len()) as u32,
            ]);
            weights.extend(f32_bits(&band.weights));
        }
        triples.extend(weights);
        Ok(GpuFrontEnd {
            cfg: cfg.clone(),
            stft_tables,
            mel_tables: triples,
            dct: f32_bits(&filters::dct_matrix(cfg.n_mfcc, cfg.n_mels)).collect(),
        })
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// Power spectrogram [batch, frames, n_bins] of audio [batch, samples].
    pub fn stft_power(&self, audio: Tensor<2>) -> Tensor<3> {
        let [batch, len] = audio.dims();
        let cfg = &self.cfg;
        let frames = cfg.n_frames(len);
        let mut params = vec![
            batch as u32,
            len as u32,
            cfg.hop as u32,
            frames as u32,
            cfg.center as u32,
            (cfg.pad_mode == PadMode::Reflect) as u32,
            cfg.power as u32,
            cfg.n_fft.trailing_zeros(),
            cfg.preemphasis.is_some() as u32,
            cfg.preemphasis.unwrap_or(0.0).to_bits(),
        ];
        params.extend_from_slice(&self.stft_tables);
        kernel::run(
            audio,
            Launch {
                shader: Shader::Stft,
                constants: vec![("n", cfg.n_fft as u32)],
                params,
                out_shape: vec![batch, frames, cfg.n_bins()],
                grid: [frames as u32, batch as u32, 1],
            },
        )
    }

    /// Mel power [batch, n_mels, frames] of a spectrogram [batch, frames, n_bins].
    pub fn mel(&self, power: Tensor<3>) -> Tensor<3> {
        let [batch, frames, n_bins] = power.dims();
        let n_mels = self.cfg.n_mels;
        let mut params = vec![batch as u32, frames as u32, n_bins as u32, n_mels as u32];
        params.extend_from_slice(&self.mel_tables);
        kernel::run(
            power,
            Launch {
                shader: Shader::Mel,
                constants: vec![],
                params,
                out_shape: vec![batch, n_mels, frames],
                grid: [groups(n_mels * frames), batch as u32, 1],
            },
        )
    }

    /// Mel power [batch, n_mels, frames] with its late reverberation suppressed.
    pub fn dereverb(&self, mel: Tensor<3>, dereverb: &Dereverb) -> Tensor<3> {
        let [batch, n_mels, frames] = mel.dims();
        let (rate, hop) = (self.cfg.sample_rate, self.cfg.hop);
        let params = vec![
            batch as u32,
            n_mels as u32,
            frames as u32,
            dereverb.delay_frames(rate, hop) as u32,
            dereverb.decay(rate, hop).to_bits(),
            dereverb.floor.to_bits(),
        ];
        kernel::run(
            mel,
            Launch {
                shader: Shader::Dereverb,
                constants: vec![],
                params,
                out_shape: vec![batch, n_mels, frames],
                grid: [groups(n_mels * frames), batch as u32, 1],
            },
        )
    }

    /// Compressed mel [batch, n_mels, frames]: dB with per-clip top_db, or log-affine.
    pub fn compress(&self, mel: Tensor<3>) -> Tensor<3> {
        let [batch, n_mels, frames] = mel.dims();
        let (mode, has_top, a, b, c) = match self.cfg.compression {
            Compression::Db {
                reference,
                amin,
                top_db,
            } => (
                0,
                top_db.is_some(),
                amin,
                10.0 * reference.max(amin).log10(),
                top_db.unwrap_or(0.0),
            ),
            Compression::Log { offset, shift, scale } => (1, false, offset, shift, scale),
        };
        let params = vec![
            batch as u32,
            (n_mels * frames) as u32,
            mode,
            has_top as u32,
            a.to_bits(),
            b.to_bits(),
            c.to_bits(),
        ];
        kernel::run(
            mel,
            Launch {
                shader: Shader::Compress,
                constants: vec![],
                params,
                out_shape: vec![batch, n_mels, frames],
                grid: [batch as u32, 1, 1],
            },
        )
    }

    /// Log-mel [batch, n_mels, frames] of audio [batch, samples].
    pub fn log_mel(&self, audio: Tensor<2>) -> Tensor<3> {
        let mel = self.mel(self.stft_power(audio));
        self.compress(match &self.cfg.dereverb {
            Some(dereverb) => self.dereverb(mel, dereverb),
            None => mel,
        })
    }

    /// MFCC [batch, n_mfcc, frames] of a log-mel batch.
    pub fn mfcc(&self, log_mel: Tensor<3>) -> Tensor<3> {
        let [batch, n_mels, frames] = log_mel.dims();
        let n_mfcc = self.cfg.n_mfcc;
        let mut params = vec![batch as u32, n_mels as u32, frames as u32, n_mfcc as u32];
        params.extend_from_slice(&self.dct);
        kernel::run(
            log_mel,
            Launch {
                shader: Shader::Mfcc,
                constants: vec![],
                params,
                out_shape: vec![batch, n_mfcc, frames],
                grid: [groups(n_mfcc * frames), batch as u32, 1],
            },
        )
    }
}
