//! Late-reverberation suppression on mel power: Lebart, Boucher and Denbigh's (2001) spectral
//! subtraction. A room's late tail at frame t is modelled as the power `delay` seconds earlier,
//! decayed as the room decays (60 dB per RT60):
//!
//! ```text
//! late(t) = 10^(-6 D / rt60) x(t - d)     (d = the delay in frames, D = d hop / sr)
//! y(t)    = max(x(t) - late(t), floor x(t))      for t >= d; y(t) = x(t) before.
//! ```
//!
//! Applied per mel band between the mel projection and the compression. The CPU twin of
//! `shaders/dereverb.wgsl` (and the CPU path).

use super::FeatureMap;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Parameters of the suppression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dereverb {
    /// The room's assumed reverberation time (s): how fast the late tail decays.
    pub rt60: f32,
    /// Where the late tail starts (s): direct sound and early reflections are kept.
    pub delay: f32,
    /// Smallest share of a band's power kept (a gain floor against musical noise).
    pub floor: f32,
}

impl Dereverb {
    /// Lebart's delay of 50 ms and a floor of -10 dB, for a room of `rt60` seconds.
    pub fn for_rt60(rt60: f32) -> Dereverb {
        Dereverb {
            rt60,
            delay: 0.05,
            floor: 0.1,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let ok = self.rt60.is_finite()
            && self.rt60 > 0.0
            && self.delay.is_finite()
            && self.delay > 0.0
            && (0.0..=1.0).contains(&self.floor);
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "dereverberation needs rt60 > 0 s, delay > 0 s and a floor in [0, 1], got {self:?}"
            )))
        }
    }

    /// Frames between a frame and the one its late tail is estimated from (at least one).
    pub fn delay_frames(&self, sample_rate: u32, hop: usize) -> usize {
        ((self.delay * sample_rate as f32 / hop as f32).round() as usize).max(1)
    }

    /// How much the power decays over [`Dereverb::delay_frames`] frames.
    pub fn decay(&self, sample_rate: u32, hop: usize) -> f32 {
        let seconds = (self.delay_frames(sample_rate, hop) * hop) as f64 / f64::from(sample_rate);
        10f64.powf(-6.0 * seconds / f64::from(self.rt60)) as f32
    }

    /// Suppresses the late tail in place in mel power [n_mels, frames] (one band per row).
    pub fn apply(&self, mel: &mut FeatureMap, sample_rate: u32, hop: usize) {
        let (d, decay) = (self.delay_frames(sample_rate, hop), self.decay(sample_rate, hop));
        let frames = mel.cols;
        for band in mel.data.chunks_mut(frames.max(1)) {
            // Backwards, so x(t - d) is still the input when frame t is written.
            for t in (d..band.len()).rev() {
                let x = band[t];
                band[t] = (x - decay * band[t - d]).max(self.floor * x);
            }
        }
    }
}
