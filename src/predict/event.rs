//! What the producer threads of the prediction pipeline send its classifying thread: pieces of
//! an input (a window, or a whole short file) to classify or already decided, and the end of
//! an input.

use super::Prediction;

/// What a piece of audio needs.
pub(super) enum Job {
    Classify(Vec<f32>),
    Known(Prediction),
}

/// One message of a producer.
pub(super) enum Event {
    /// A window (`span` in seconds) or, with `span` None, a whole short file.
    Piece {
        input: usize,
        span: Option<(f64, f64)>,
        job: Job,
    },
    End {
        input: usize,
        duration: Option<f64>,
        envelope: Vec<f32>,
        error: Option<String>,
    },
}
