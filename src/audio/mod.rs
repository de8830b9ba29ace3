//! Audio in: decoding any supported file or stream to mono f32, removing its DC offset,
//! resampling to the pipeline rate (whole clips, or chunk by chunk for inputs of any length), and shaping clips to the
//! fixed length a batch needs.

pub mod clip;
pub mod dc;
mod decode;
pub mod loudness;
mod regular;
mod resample;
pub mod stream;

pub use clip::{ClipConfig, fit_length, non_silent_range};
pub use dc::remove_dc;
pub use decode::{Audio, Decoder, MAX_CHANNELS, MAX_SAMPLE, RATES, decode_file, plausible};
pub use loudness::{active_level_db, normalize_loudness};
pub use regular::open_regular;
pub use resample::resample;
pub use stream::{StreamResampler, Windower, window_bounds};
