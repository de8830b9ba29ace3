//! Training-time augmentation. Image-style operations on the log-mel image, each a WGSL
//! kernel with a CPU reference: [`warp`] (resize / rotate / zoom / shift / brightness /
//! contrast), [`mask`] (SpecAugment), [`mixup`]; their random draws in [`config`]; and
//! waveform augmentation on the CPU decode side in [`audio`], built on the channel effects of
//! [`channel`] (noise, babble, reverberation, band-limiting, pitch shift, clipping) and the
//! image-method rooms of [`room`].

pub mod audio;
pub mod channel;
pub mod config;
pub mod mask;
pub mod mixup;
pub mod room;
pub mod warp;

pub use audio::AudioAugment;
pub use channel::NoiseColour;
pub use config::{AugmentConfig, BatchAugment};
pub use mask::{Masks, mask, mask_cpu};
pub use mixup::{Mixup, mixup, mixup_cpu};
pub use warp::{Warp, warp, warp_cpu};
