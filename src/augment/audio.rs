//! Audio-domain augmentation (the paper's future work), applied to training waveforms on the
//! CPU before the front end: random gain, time shift, additive white noise at a random SNR,
//! and speed perturbation (resampling by a factor, then back to the clip length).

use crate::audio::{fit_length, resample};
use crate::error::Result;
use crate::rng::{self, SeededRng};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Waveform augmentation; every field off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioAugment {
    /// Largest gain change in dB (uniform in +-gain_db).
    pub gain_db: f32,
    /// Largest circular time shift in seconds (uniform in +-shift).
    pub shift_s: f32,
    /// White noise at an SNR uniform in [min, max] dB; `None` = no noise.
    pub noise_snr_db: Option<(f32, f32)>,
    /// Speed factors to choose from uniformly (e.g. 0.9, 1.0, 1.1); empty = no change.
    pub speeds: Vec<f32>,
}

impl AudioAugment {
    pub fn is_active(&self) -> bool {
        self.gain_db > 0.0 || self.shift_s > 0.0 || self.noise_snr_db.is_some() || !self.speeds.is_empty()
    }

    /// One augmented copy of `x` (sample rate `rate`); same length as `x`.
    pub fn apply(&self, x: &[f32], rate: u32, rng: &mut SeededRng) -> Result<Vec<f32>> {
        let mut y = x.to_vec();
        if !self.speeds.is_empty() {
            let speed = self.speeds[(rng.next_u32() as usize) % self.speeds.len()];
            if speed > 0.0 && (speed - 1.0).abs() > 1e-6 {
                // Playing `speed` times faster = the same samples at rate / speed.
                let target = (rate as f64 / speed as f64).round() as u32;
                y = fit_length(&resample(&y, rate, target)?, x.len());
            }
        }
        if self.shift_s > 0.0 && !y.is_empty() {
            let max = (self.shift_s * rate as f32) as i64;
            let shift = (rng.next_u64() % (2 * max as u64 + 1)) as i64 - max;
            let len = y.len() as i64;
            y.rotate_left(shift.rem_euclid(len) as usize);
        }
        if self.gain_db > 0.0 {
            let db = (rng::uniform(rng) * 2.0 - 1.0) * self.gain_db;
            let g = 10f32.powf(db / 20.0);
            y.iter_mut().for_each(|v| *v *= g);
        }
        if let Some((lo, hi)) = self.noise_snr_db {
            let snr = lo + (hi - lo) * rng::uniform(rng);
            let power = y.iter().map(|v| v * v).sum::<f32>() / y.len().max(1) as f32;
            let sigma = (power / 10f32.powf(snr / 10.0)).sqrt();
            for v in y.iter_mut() {
                // Sum of uniforms: unit variance, close to Gaussian, exactly reproducible.
                let n: f32 = (0..4).map(|_| rng::uniform(rng) - 0.5).sum::<f32>() * 3f32.sqrt();
                *v += sigma * n;
            }
        }
        Ok(y)
    }
}
