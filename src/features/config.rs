//! Front-end parameters shared by the CPU reference and the WGSL kernels.
//! Defaults: 16 kHz, n_fft 1024, hop 256, periodic Hann, centred zero padding, power 2,
//! 128 Slaney mels over 0..sr/2, dB with ref 1, amin 1e-10, top_db 80, 20 MFCC.

use super::Dereverb;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Hann window symmetry: `periodic` (librosa, scipy `sym=False`) or `symmetric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    Periodic,
    Symmetric,
}

/// How the signal is padded when frames are centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadMode {
    /// Zeros (librosa >= 0.10 default).
    Zeros,
    /// Mirror without repeating the edge sample (torch.stft default).
    Reflect,
}

/// Mel scale and filter shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MelScale {
    /// Slaney's scale (librosa default): linear below 1 kHz, logarithmic above.
    Slaney,
    /// HTK: 2595 log10(1 + f / 700).
    Htk,
    /// Kaldi / torchaudio `compliance.kaldi.get_mel_banks`: 1127 ln(1 + f / 700), triangles
    /// in the mel domain over the n_fft/2 bins below Nyquist (the Nyquist bin gets no weight),
    /// no area normalisation.
    Kaldi,
}

/// How mel power is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Compression {
    /// librosa `power_to_db`: 10 log10(max(amin, x)) - 10 log10(max(amin, ref)), then
    /// clipped below (max over the clip - top_db) when `top_db` is set.
    Db {
        reference: f32,
        amin: f32,
        top_db: Option<f32>,
    },
    /// Natural log with an offset, then an affine map: (ln(x + offset) + shift) / scale
    /// (EfficientAT: offset 1e-5, shift 4.5, scale 5).
    Log { offset: f32, shift: f32, scale: f32 },
}

/// Every parameter of the log-mel / MFCC front end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    pub sample_rate: u32,
    /// Pre-emphasis y[n] = x[n+1] - c x[n] (one sample shorter) before framing; `None` = off.
    #[serde(default)]
    pub preemphasis: Option<f32>,
    pub n_fft: usize,
    pub hop: usize,
    /// Window length; the window is zero-padded to `n_fft`, centred.
    pub win_length: usize,
    pub window: Window,
    /// Centre frames on `t * hop` by padding `n_fft / 2` on both sides.
    pub center: bool,
    pub pad_mode: PadMode,
    /// 1 = magnitude, 2 = power.
    pub power: f32,
    pub n_mels: usize,
    pub fmin: f32,
    /// Upper mel edge; `None` = sample_rate / 2.
    pub fmax: Option<f32>,
    pub mel_scale: MelScale,
    /// Slaney area normalisation of each filter (librosa `norm="slaney"`).
    pub mel_norm: bool,
    /// Late-reverberation suppression of mel power before compression; `None` = off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dereverb: Option<Dereverb>,
    pub compression: Compression,
    pub n_mfcc: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            sample_rate: 16_000,
            preemphasis: None,
            n_fft: 1024,
            hop: 256,
            win_length: 1024,
            window: Window::Periodic,
            center: true,
            pad_mode: PadMode::Zeros,
            power: 2.0,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            mel_scale: MelScale::Slaney,
            mel_norm: true,
            dereverb: None,
            compression: Compression::Db {
                reference: 1.0,
                amin: 1e-10,
                top_db: Some(80.0),
            },
            n_mfcc: 20,
        }
    }
}

impl FeatureConfig {
    /// librosa's defaults at 22.05 kHz (n_fft 2048, hop 512), the peer benchmark's setting.
    pub fn librosa_default() -> Self {
        FeatureConfig {
            sample_rate: 22_050,
            n_fft: 2048,
            hop: 512,
            win_length: 2048,
            ..FeatureConfig::default()
        }
    }

    /// The front end of the EfficientAT AudioSet models: 32 kHz, pre-emphasis 0.97, n_fft 1024,
    /// symmetric Hann of 800 zero-padded to 1024, hop 320, centred with reflect padding, power,
    /// 128 Kaldi mel bands 0-15 kHz, (ln(x + 1e-5) + 4.5) / 5.
    pub fn efficientat() -> Self {
        FeatureConfig {
            sample_rate: 32_000,
            preemphasis: Some(0.97),
            n_fft: 1024,
            hop: 320,
            win_length: 800,
            window: Window::Symmetric,
            center: true,
            pad_mode: PadMode::Reflect,
            power: 2.0,
            n_mels: 128,
            fmin: 0.0,
            fmax: Some(15_000.0),
            mel_scale: MelScale::Kaldi,
            mel_norm: false,
            dereverb: None,
            compression: Compression::Log {
                offset: 1e-5,
                shift: 4.5,
                scale: 5.0,
            },
            n_mfcc: 20,
        }
    }

    /// Number of rFFT bins, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Upper mel edge in Hz.
    pub fn fmax_hz(&self) -> f32 {
        self.fmax.unwrap_or(self.sample_rate as f32 / 2.0)
    }

    /// Number of STFT frames for a signal of `len` samples (before pre-emphasis).
    pub fn n_frames(&self, len: usize) -> usize {
        let len = self.framed_len(len);
        if self.center {
            1 + len / self.hop
        } else if len >= self.n_fft {
            1 + (len - self.n_fft) / self.hop
        } else {
            0
        }
    }

    /// Length of the signal that is framed: one sample shorter with pre-emphasis.
    pub fn framed_len(&self, len: usize) -> usize {
        if self.preemphasis.is_some() {
            len.saturating_sub(1)
        } else {
            len
        }
    }

    /// Checks that the parameters are consistent.
    pub fn validate(&self) -> Result<()> {
        let fail = |m: String| Err(Error::Config(m));
        if self.sample_rate == 0 || self.n_fft < 2 || self.hop == 0 || self.n_mels == 0 {
            return fail(format!(
                "sample_rate, n_fft >= 2, hop and n_mels must be positive (got {}, {}, {}, {})",
                self.sample_rate, self.n_fft, self.hop, self.n_mels
            ));
        }
        if self.win_length == 0 || self.win_length > self.n_fft {
            return fail(format!(
                "win_length {} must be in 1..=n_fft ({})",
                self.win_length, self.n_fft
            ));
        }
        if !(self.power == 1.0 || self.power == 2.0) {
            return fail(format!("power must be 1 or 2, got {}", self.power));
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        if self.fmin < 0.0 || self.fmin >= self.fmax_hz() || self.fmax_hz() > nyquist {
            return fail(format!(
                "mel range {}..{} Hz must be increasing and within 0..{nyquist} Hz",
                self.fmin,
                self.fmax_hz()
            ));
        }
        if self.n_mfcc > self.n_mels {
            return fail(format!("n_mfcc {} exceeds n_mels {}", self.n_mfcc, self.n_mels));
        }
        self.dereverb.as_ref().map_or(Ok(()), Dereverb::validate)
    }
}
