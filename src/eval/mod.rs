//! Evaluation: metrics over predictions, and summaries over repeated runs.

pub mod metrics;

pub use metrics::{MeanStd, Metrics, Summary};
