//! Scores: classification metrics over predictions ([`Metrics`]), mean ± sd over repeats
//! ([`Summary`]), and scoring on the classes a model shares with some data ([`SharedClasses`]).
//! Training, evaluation and reports all read them; they know nothing of models or runs.

pub mod metrics;
pub mod shared;

pub use metrics::{ClassScores, MeanStd, Metrics, Summary, widen};
pub use shared::SharedClasses;
