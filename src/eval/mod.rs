//! Evaluation: re-scoring saved models (on their own splits or on other corpora, optionally
//! with BatchNorm statistics adapted to them) and robustness to recording conditions. The
//! metrics themselves are in [`crate::scores`].

pub mod rescore;
pub mod robustness;

pub use rescore::{EvalReport, RescoreOptions, evaluate_run};
pub use robustness::{RobustnessReport, robustness, robustness_held_out};
