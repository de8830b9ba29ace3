//! Audio-domain augmentation, applied to training waveforms on the CPU before the front end
//! (features are recomputed every epoch), in this order: speed perturbation, pitch shift,
//! circular time shift, reverberation (synthetic rooms of random RT60), image-method rooms
//! (random size, absorption and source distance), band-limiting (telephone band or a
//! codec-like low-pass), random gain, additive noise (white, pink or brown) and babble (other
//! training clips) at random SNRs, and clipping. Every field is off by default and
//! recorded in config.json; effects that are off draw no random numbers, so older configs
//! replay their draws.

use super::channel::{self, NoiseColour};
use super::room;
use crate::audio::{fit_length, resample};
use crate::audio::{normalize_loudness, remove_dc};
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
    /// Noise at an SNR uniform in [min, max] dB; `None` = no noise.
    pub noise_snr_db: Option<(f32, f32)>,
    /// Noise colours to draw from (empty = white).
    #[serde(default)]
    pub noise_colours: Vec<NoiseColour>,
    /// Babble of 3-6 other training clips at an SNR uniform in [min, max] dB.
    #[serde(default)]
    pub babble_snr_db: Option<(f32, f32)>,
    /// Reverberation with a synthetic room of RT60 uniform in [min, max] seconds, half the time.
    #[serde(default)]
    pub reverb_rt60: Option<(f32, f32)>,
    /// Half the time, an image-method room ([`room::random_room`]) of RT60 uniform in
    /// [min, max] seconds.
    #[serde(default)]
    pub room_rt60: Option<(f32, f32)>,
    /// Half the time, clipping with the peak driven uniform [min, max] dB above full scale.
    #[serde(default)]
    pub clip_db: Option<(f32, f32)>,
    /// Half the time, band-limit: the telephone band (300-3400 Hz) or a low-pass at 3.5-8 kHz.
    #[serde(default)]
    pub band_limit: bool,
    /// Largest pitch shift in semitones (uniform in +-pitch), at constant duration.
    #[serde(default)]
    pub pitch_semitones: f32,
    /// Speed factors to choose from uniformly (e.g. 0.9, 1.0, 1.1); empty = no change.
    pub speeds: Vec<f32>,
    /// Last, the augmented clip loses its DC offset and is scaled to this active speech level
    /// (dBFS), as prediction prepares a recording whatever happened to it; `None` = the level
    /// the augmentations leave (clipping, for one, leaves it far above any prepared clip's).
    #[serde(default)]
    pub relevel_db: Option<f32>,
    /// The share of clips (0-1) left as recorded, drawn afresh per clip and epoch, so the
    /// network also hears speech no room or line has touched; 0 = every clip augmented.
    #[serde(default)]
    pub clean_share: f32,
}

/// Uniform in [lo, hi].
fn between(rng: &mut SeededRng, (lo, hi): (f32, f32)) -> f32 {
    lo + (hi - lo) * rng::uniform(rng)
}

impl AudioAugment {
    pub fn is_active(&self) -> bool {
        self.gain_db > 0.0
            || self.shift_s > 0.0
            || self.noise_snr_db.is_some()
            || self.babble_snr_db.is_some()
            || self.reverb_rt60.is_some()
            || self.room_rt60.is_some()
            || self.clip_db.is_some()
            || self.band_limit
            || self.pitch_semitones > 0.0
            || !self.speeds.is_empty()
    }

    /// One augmented copy of `x` (sample rate `rate`); same length as `x`, or `x` itself for
    /// the `clean_share` of the draws. Babble is drawn from `pool` (other training clips).
    pub fn apply(&self, x: &[f32], rate: u32, rng: &mut SeededRng, pool: &[Vec<f32>]) -> Result<Vec<f32>> {
        let mut y = x.to_vec();
        if self.clean_share > 0.0 && rng::uniform(rng) < self.clean_share {
            return Ok(y);
        }
        if !self.speeds.is_empty() {
            let speed = self.speeds[(rng.next_u32() as usize) % self.speeds.len()];
            if speed > 0.0 && (speed - 1.0).abs() > 1e-6 {
                // Playing `speed` times faster = the same samples at rate / speed.
                let target = (rate as f64 / speed as f64).round() as u32;
                y = fit_length(&resample(&y, rate, target)?, x.len());
            }
        }
        if self.pitch_semitones > 0.0 {
            let semitones = between(rng, (-self.pitch_semitones, self.pitch_semitones));
            y = channel::pitch_shift(&y, rate, semitones)?;
        }
        if self.shift_s > 0.0 && !y.is_empty() {
            let max = (self.shift_s * rate as f32) as i64;
            let shift = (rng.next_u64() % (2 * max as u64 + 1)) as i64 - max;
            let len = y.len() as i64;
            y.rotate_left(shift.rem_euclid(len) as usize);
        }
        if let Some(range) = self.reverb_rt60
            && rng::uniform(rng) < 0.5
        {
            let rt60 = between(rng, range).max(0.05);
            y = channel::reverberate(&y, &channel::room_impulse(rate, rt60, rng));
        }
        if let Some(range) = self.room_rt60
            && rng::uniform(rng) < 0.5
        {
            let room = room::random_room(range, rng);
            y = channel::reverberate(&y, &room.impulse_response(rate, 1.2 * room.eyring_rt60()));
        }
        if self.band_limit && rng::uniform(rng) < 0.5 {
            y = if rng::uniform(rng) < 0.5 {
                channel::band_limit(&y, rate, 300.0, 3400.0)
            } else {
                channel::band_limit(&y, rate, 0.0, between(rng, (3500.0, 8000.0)))
            };
        }
        if self.gain_db > 0.0 {
            let g = 10f32.powf(between(rng, (-self.gain_db, self.gain_db)) / 20.0);
            y.iter_mut().for_each(|v| *v *= g);
        }
        if let Some(range) = self.noise_snr_db {
            let colour = match self.noise_colours.len() {
                0 => NoiseColour::White,
                n => self.noise_colours[(rng.next_u32() as usize) % n],
            };
            let snr = between(rng, range);
            y = channel::add_at_snr(&y, &channel::noise(y.len(), colour, rng), snr);
        }
        if let Some(range) = self.babble_snr_db {
            let talkers = 3 + (rng.next_u32() as usize) % 4;
            let snr = between(rng, range);
            y = channel::add_at_snr(&y, &channel::babble(pool, talkers, y.len(), rng), snr);
        }
        if let Some(range) = self.clip_db
            && rng::uniform(rng) < 0.5
        {
            y = channel::overdrive(&y, between(rng, range));
        }
        if let Some(level) = self.relevel_db {
            y = normalize_loudness(&remove_dc(&y), rate, level);
        }
        Ok(y)
    }
}
