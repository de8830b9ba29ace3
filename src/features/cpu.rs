//! Plain-Rust front end: the test oracle for the WGSL kernels and the CPU path.
//! Per clip: centre-pad -> frame -> Hann -> real FFT (realfft) -> |X|^power
//! -> mel projection (sparse triangular filters) -> late-reverberation suppression (optional) -> dB with per-clip top_db -> DCT-II (MFCC).
//! Shapes follow librosa: a feature map is row-major [n_mels or n_mfcc, frames].

use super::config::{Compression, FeatureConfig, PadMode};
use super::{FeatureMap, filters};
use crate::error::Result;
use rayon::prelude::*;
use realfft::{RealFftPlanner, RealToComplex, num_complex::Complex};
use std::sync::Arc;

/// One configured CPU front end; cheap to share across threads.
pub struct CpuFrontEnd {
    cfg: FeatureConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    bands: Vec<filters::Band>,
    dct: Vec<f32>,
}

impl CpuFrontEnd {
    pub fn new(cfg: &FeatureConfig) -> Result<Self> {
        cfg.validate()?;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(cfg.n_fft);
        Ok(CpuFrontEnd {
            cfg: cfg.clone(),
            fft,
            window: filters::window(cfg),
            bands: filters::sparse_bands(&filters::mel_filterbank(cfg), cfg.n_bins()),
            dct: filters::dct_matrix(cfg.n_mfcc, cfg.n_mels),
        })
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// Power (or magnitude) spectrogram, row-major [frames, n_bins].
    pub fn stft_power(&self, signal: &[f32]) -> FeatureMap {
        let cfg = &self.cfg;
        let padded = pad_signal(signal, cfg);
        let frames = cfg.n_frames(signal.len());
        let bins = cfg.n_bins();
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut out = vec![0.0f32; frames * bins];
        for t in 0..frames {
            let start = t * cfg.hop;
            for ((dst, &x), &w) in input
                .iter_mut()
                .zip(&padded[start..start + cfg.n_fft])
                .zip(&self.window)
            {
                *dst = x * w;
            }
            self.fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .expect("realfft buffers are sized by the plan");
            let row = &mut out[t * bins..(t + 1) * bins];
            for (dst, c) in row.iter_mut().zip(&spectrum) {
                *dst = magnitude_power(*c, cfg.power);
            }
        }
        FeatureMap::new(frames, bins, out)
    }

    /// Mel power [n_mels, frames] from a [frames, n_bins] spectrogram.
    pub fn mel_from_power(&self, power: &FeatureMap) -> FeatureMap {
        let (frames, bins) = (power.rows, power.cols);
        let mut out = vec![0.0f32; self.cfg.n_mels * frames];
        for (m, band) in self.bands.iter().enumerate() {
            let row = &mut out[m * frames..(m + 1) * frames];
            for (t, dst) in row.iter_mut().enumerate() {
                let spec = &power.data[t * bins + band.start..t * bins + band.start + band.weights.len()];
                *dst = spec.iter().zip(&band.weights).map(|(p, w)| p * w).sum();
            }
        }
        FeatureMap::new(self.cfg.n_mels, frames, out)
    }

    /// Mel power [n_mels, frames] of one clip.
    pub fn mel_power(&self, signal: &[f32]) -> FeatureMap {
        self.mel_from_power(&self.stft_power(signal))
    }

    /// Compressed mel (dB by default) [n_mels, frames] of one clip, late reverberation
    /// suppressed first if configured.
    pub fn log_mel(&self, signal: &[f32]) -> FeatureMap {
        let mut mel = self.mel_power(signal);
        if let Some(dereverb) = &self.cfg.dereverb {
            dereverb.apply(&mut mel, self.cfg.sample_rate, self.cfg.hop);
        }
        compress(&mut mel.data, &self.cfg.compression);
        mel
    }

    /// MFCC [n_mfcc, frames] from a compressed mel map.
    pub fn mfcc_from_log_mel(&self, log_mel: &FeatureMap) -> FeatureMap {
        let (mels, frames) = (log_mel.rows, log_mel.cols);
        let n_mfcc = self.cfg.n_mfcc;
        let mut out = vec![0.0f32; n_mfcc * frames];
        for c in 0..n_mfcc {
            let basis = &self.dct[c * mels..(c + 1) * mels];
            for (m, &b) in basis.iter().enumerate() {
                let src = &log_mel.data[m * frames..(m + 1) * frames];
                for (dst, &x) in out[c * frames..(c + 1) * frames].iter_mut().zip(src) {
                    *dst += b * x;
                }
            }
        }
        FeatureMap::new(n_mfcc, frames, out)
    }

    /// MFCC [n_mfcc, frames] of one clip.
    pub fn mfcc(&self, signal: &[f32]) -> FeatureMap {
        self.mfcc_from_log_mel(&self.log_mel(signal))
    }

    /// Log-mels of many clips, in parallel on all cores.
    pub fn log_mel_batch<S: AsRef<[f32]> + Sync>(&self, clips: &[S]) -> Vec<FeatureMap> {
        clips.par_iter().map(|c| self.log_mel(c.as_ref())).collect()
    }
}

fn magnitude_power(c: Complex<f32>, power: f32) -> f32 {
    let p = c.re * c.re + c.im * c.im;
    if power == 2.0 { p } else { p.sqrt() }
}

/// Pre-emphasis y[n] = x[n+1] - c x[n] (one sample shorter, as a valid convolution).
pub fn preemphasize(signal: &[f32], c: f32) -> Vec<f32> {
    signal.windows(2).map(|w| w[1] - c * w[0]).collect()
}

/// The signal as the framer sees it: pre-emphasised if configured, then centre-padded by
/// n_fft/2 per side when `center`.
pub fn pad_signal(signal: &[f32], cfg: &FeatureConfig) -> Vec<f32> {
    let emphasised;
    let signal = match cfg.preemphasis {
        Some(c) => {
            emphasised = preemphasize(signal, c);
            &emphasised[..]
        }
        None => signal,
    };
    if !cfg.center {
        return signal.to_vec();
    }
    let pad = cfg.n_fft / 2;
    let len = signal.len() as isize;
    (-(pad as isize)..len + pad as isize)
        .map(|i| match cfg.pad_mode {
            PadMode::Zeros => {
                if (0..len).contains(&i) {
                    signal[i as usize]
                } else {
                    0.0
                }
            }
            PadMode::Reflect => signal.get(reflect_index(i, len)).copied().unwrap_or(0.0),
        })
        .collect()
}

/// Mirror index into `0..len` without repeating edge samples (numpy/torch "reflect").
pub fn reflect_index(mut i: isize, len: isize) -> usize {
    if len <= 1 {
        return 0;
    }
    let period = 2 * (len - 1);
    i = i.rem_euclid(period);
    (if i >= len { period - i } else { i }) as usize
}

/// Applies the configured compression in place to one clip's mel map.
pub fn compress(mel: &mut [f32], compression: &Compression) {
    match *compression {
        Compression::Db {
            reference,
            amin,
            top_db,
        } => {
            let offset = 10.0 * reference.max(amin).log10();
            let mut max = f32::NEG_INFINITY;
            for x in mel.iter_mut() {
                *x = 10.0 * x.max(amin).log10() - offset;
                max = max.max(*x);
            }
            if let Some(top) = top_db {
                let floor = max - top;
                for x in mel.iter_mut() {
                    *x = x.max(floor);
                }
            }
        }
        Compression::Log { offset, shift, scale } => {
            for x in mel.iter_mut() {
                *x = ((*x + offset).ln() + shift) / scale;
            }
        }
    }
}
