//! Evaluation: metrics over predictions, summaries over repeated runs, and re-scoring saved
//! models (on their own splits or on other corpora).

pub mod metrics;
pub mod rescore;
pub mod shared;

pub use metrics::{MeanStd, Metrics, Summary};
pub use rescore::{EvalReport, evaluate_run};
pub use shared::SharedClasses;
