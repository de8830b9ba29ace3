//! How a decoded file becomes a fixed-format clip ([`ClipConfig`]: rate, trimming, level,
//! length), with the helpers a batch needs.

use super::{Audio, decode_file, normalize_loudness, remove_dc, resample};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How a decoded file becomes a model input clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipConfig {
    /// Pipeline sample rate in Hz.
    pub sample_rate: u32,
    /// Fixed clip length in seconds (longer clips are centre-cropped, shorter ones zero-padded
    /// on both sides). `None` keeps the natural length.
    pub duration: Option<f32>,
    /// Trim leading and trailing frames quieter than this many dB below the clip's loudest
    /// frame before fitting the length (librosa `effects.trim`); `None` keeps everything.
    pub trim_db: Option<f32>,
    /// Scale every clip to this active speech level in dBFS (see [`loudness`]) before
    /// trimming, so the recording's gain does not matter; `None` keeps the level.
    #[serde(default)]
    pub loudness_db: Option<f32>,
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            sample_rate: 16_000,
            duration: Some(4.0),
            trim_db: Some(40.0),
            loudness_db: None,
        }
    }
}

impl ClipConfig {
    /// Clip length in samples, if fixed.
    pub fn num_samples(&self) -> Option<usize> {
        self.duration
            .map(|d| (d as f64 * self.sample_rate as f64).round() as usize)
    }

    /// Resamples, removes the DC offset, normalises the level, trims and fits one decoded file.
    pub fn prepare(&self, audio: &Audio) -> Result<Vec<f32>> {
        // DC goes before resampling, whose filter would ring at the offset's edges.
        let x = remove_dc(&audio.samples);
        let mut x = resample(&x, audio.sample_rate, self.sample_rate)?;
        if let Some(target) = self.loudness_db {
            x = normalize_loudness(&x, self.sample_rate, target);
        }
        if let Some(db) = self.trim_db {
            let (start, end) = non_silent_range(&x, db);
            x = x[start..end].to_vec();
        }
        Ok(match self.num_samples() {
            Some(n) => fit_length(&x, n),
            None => x,
        })
    }

    /// Decodes and prepares one file.
    pub fn load(&self, path: &Path) -> Result<Vec<f32>> {
        self.prepare(&decode_file(path)?)
    }
}

/// Centre-crops or symmetrically zero-pads to exactly `len` samples.
pub fn fit_length(x: &[f32], len: usize) -> Vec<f32> {
    if x.len() >= len {
        let start = (x.len() - len) / 2;
        return x[start..start + len].to_vec();
    }
    let mut out = vec![0.0; len];
    let start = (len - x.len()) / 2;
    out[start..start + x.len()].copy_from_slice(x);
    out
}

/// Sample range from the first to the last 2048-sample frame (hop 512) whose RMS is within
/// `top_db` of the loudest frame. Silent input keeps its full range.
pub fn non_silent_range(x: &[f32], top_db: f32) -> (usize, usize) {
    const FRAME: usize = 2048;
    const HOP: usize = 512;
    if x.len() <= FRAME {
        return (0, x.len());
    }
    let energies: Vec<f32> = (0..=(x.len() - FRAME) / HOP)
        .map(|f| x[f * HOP..f * HOP + FRAME].iter().map(|s| s * s).sum::<f32>() / FRAME as f32)
        .collect();
    let max = energies.iter().cloned().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return (0, x.len());
    }
    let threshold = max * 10f32.powf(-top_db / 10.0);
    let first = energies.iter().position(|&e| e > threshold).unwrap_or(0);
    let last = energies
        .iter()
        .rposition(|&e| e > threshold)
        .unwrap_or(energies.len() - 1);
    (first * HOP, (last * HOP + FRAME).min(x.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_length_crops_centre_and_pads_both_sides() {
        let x: Vec<f32> = (0..10).map(|i| i as f32).collect();
        assert_eq!(fit_length(&x, 4), vec![3.0, 4.0, 5.0, 6.0]);
        assert_eq!(fit_length(&[1.0, 2.0], 5), vec![0.0, 1.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    fn trim_finds_the_loud_part() {
        let mut x = vec![0.0f32; 20_000];
        for (i, s) in x[8_000..12_000].iter_mut().enumerate() {
            *s = (i as f32 * 0.1).sin();
        }
        let (a, b) = non_silent_range(&x, 40.0);
        assert!(a <= 8_000 && a + 2048 > 8_000, "start {a}");
        assert!((12_000..12_000 + 2048).contains(&b), "end {b}");
    }
}
