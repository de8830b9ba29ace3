//! What augmentation a run uses (recorded in config.json) and the per-batch random draws.
//! Every draw comes from a ChaCha stream keyed by (seed, epoch, step), so a batch's
//! augmentation is the same on every machine and after a resume.

use super::{Masks, Mixup, Warp};
use crate::rng::{self, SeededRng};
use rand::Rng;
use rand_distr::{Beta, Distribution};
use serde::{Deserialize, Serialize};

/// Image-style augmentation of the log-mel image (training batches only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentConfig {
    /// Largest rotation in degrees (uniform in +-rotate).
    pub rotate: f64,
    /// Zoom range (uniform in [zoom_min, zoom_max]; > 1 zooms in).
    pub zoom_min: f64,
    pub zoom_max: f64,
    /// Largest translation, as a fraction of the image (uniform per axis).
    pub shift: f64,
    /// Largest brightness offset on the [0, 1] image (uniform in +-brightness).
    pub brightness: f32,
    /// Largest contrast change (gain uniform in 1 +- contrast).
    pub contrast: f32,
    /// SpecAugment: number of frequency masks and their largest width in image rows.
    pub freq_masks: usize,
    pub freq_mask_width: usize,
    /// SpecAugment: number of time masks and their largest width in image columns.
    pub time_masks: usize,
    pub time_mask_width: usize,
    /// Mixup with lambda ~ Beta(alpha, alpha); `None` = off.
    pub mixup_alpha: Option<f64>,
}

impl Default for AugmentConfig {
    /// The paper's recipe: small rotation, zoom, brightness; mixup with alpha 0.4.
    fn default() -> Self {
        AugmentConfig {
            rotate: 5.0,
            zoom_min: 1.0,
            zoom_max: 1.2,
            shift: 0.0,
            brightness: 0.1,
            contrast: 0.1,
            freq_masks: 0,
            freq_mask_width: 0,
            time_masks: 0,
            time_mask_width: 0,
            mixup_alpha: Some(0.4),
        }
    }
}

/// One batch's draws.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAugment {
    pub warps: Vec<Warp>,
    pub masks: Option<Vec<Masks>>,
    pub mixup: Option<Mixup>,
}

fn uniform(rng: &mut SeededRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng::uniform(rng) as f64
}

fn bands(rng: &mut SeededRng, count: usize, max_width: usize, extent: usize) -> Vec<(usize, usize)> {
    (0..count)
        .map(|_| {
            let width = ((rng.next_u32() as usize) % (max_width.min(extent) + 1)).min(extent);
            let start = (rng.next_u32() as usize) % (extent - width + 1);
            (start, width)
        })
        .collect()
}

impl AugmentConfig {
    /// Draws one batch's augmentation; masks cover an input of `rows` x `cols`
    /// (the image side for CNNs, mels x frames for sequence models).
    pub fn draw(&self, seed: u64, epoch: usize, step: usize, batch: usize, rows: usize, cols: usize) -> BatchAugment {
        let mut rng = rng::seeded(seed, 0xA06 ^ ((epoch as u64) << 32) ^ step as u64);
        let warps = (0..batch)
            .map(|_| Warp {
                angle_deg: uniform(&mut rng, -self.rotate, self.rotate),
                zoom: uniform(&mut rng, self.zoom_min, self.zoom_max),
                shift: (
                    uniform(&mut rng, -self.shift, self.shift),
                    uniform(&mut rng, -self.shift, self.shift),
                ),
                gain: uniform(&mut rng, 1.0 - self.contrast as f64, 1.0 + self.contrast as f64) as f32,
                bias: uniform(&mut rng, -self.brightness as f64, self.brightness as f64) as f32,
                fill: 0.0,
            })
            .collect();
        let masks = (self.freq_masks + self.time_masks > 0).then(|| {
            (0..batch)
                .map(|_| Masks {
                    freq: bands(&mut rng, self.freq_masks, self.freq_mask_width, rows),
                    time: bands(&mut rng, self.time_masks, self.time_mask_width, cols),
                })
                .collect()
        });
        let mixup = self.mixup_alpha.and_then(|alpha| {
            let beta = Beta::new(alpha, alpha).ok()?;
            let mut partner: Vec<usize> = (0..batch).collect();
            rng::shuffle(&mut partner, &mut rng);
            let lambda = (0..batch).map(|_| beta.sample(&mut rng) as f32).collect();
            Some(Mixup { partner, lambda })
        });
        BatchAugment { warps, masks, mixup }
    }
}
