//! Evaluation: metrics over predictions, summaries over repeated runs, re-scoring saved models
//! (on their own splits or on other corpora), and robustness to recording conditions.

pub mod metrics;
pub mod rescore;
pub mod robustness;
pub mod shared;

pub use metrics::{MeanStd, Metrics, Summary};
pub use rescore::{EvalReport, evaluate_run};
pub use robustness::{RobustnessReport, robustness};
pub use shared::SharedClasses;
