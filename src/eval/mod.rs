//! Evaluation: metrics over predictions, summaries over repeated runs, re-scoring saved models
//! (on their own splits or on other corpora, optionally with BatchNorm statistics adapted to
//! them), and robustness to recording conditions.

pub mod adapt;
pub mod metrics;
pub mod rescore;
pub mod robustness;
pub mod shared;

pub use adapt::{BnAdaptation, adapt_batch_norm, adapted_probabilities};
pub use metrics::{MeanStd, Metrics, Summary};
pub use rescore::{EvalReport, RescoreOptions, evaluate_run};
pub use robustness::{RobustnessReport, robustness};
pub use shared::SharedClasses;
