//! How to predict: whole files or a timeline of windows, silence gates, batch size, decoding
//! threads and the limits on an input.

use super::Cancel;

/// How to predict.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// Window and hop in seconds for a timeline; `None` = one prediction per file.
    pub window: Option<(f64, f64)>,
    /// Audio whose loudest 50 ms is quieter than this (RMS, dB re full scale) is silence, not
    /// classified: a floor for digital and near-digital silence.
    pub silence_db: f32,
    /// A window whose loudest 50 ms is this many dB below the loudest 50 ms heard so far in its
    /// input is silence too (pauses, the noise floor), whatever the recording's gain.
    pub relative_silence_db: f32,
    pub batch: usize,
    /// Keep timeline windows (and the waveform envelope) in each [`FileResult`]; without it
    /// windows only stream through [`Sink::window`].
    pub keep_windows: bool,
    /// Decoding threads (default: half the cores, at least one).
    pub producers: Option<usize>,
    /// Longest input in seconds: a header claiming more is refused before decoding, a stream
    /// that goes past it is stopped with an error ([`super::budget`]).
    pub max_duration: Option<f64>,
    /// Stops every input's reading at its next chunk once cancelled.
    pub cancel: Option<Cancel>,
}

/// `predict`'s default longest input (12 hours).
pub const DEFAULT_MAX_DURATION_S: f64 = 12.0 * 3600.0;

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            window: None,
            silence_db: -90.0,
            relative_silence_db: 40.0,
            batch: 32,
            keep_windows: true,
            producers: None,
            max_duration: Some(DEFAULT_MAX_DURATION_S),
            cancel: None,
        }
    }
}
