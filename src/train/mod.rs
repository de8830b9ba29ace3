//! Training: batches from device-resident features with augmentation ([`batch`]), the
//! per-epoch loop for Burn networks ([`fit`]) with its optimizer ([`adam`]), whole experiments
//! over seeds or folds ([`experiment`]) and a run's figures ([`report`]). What a run leaves on
//! disk is defined in [`crate::run`].

pub mod adam;
pub mod batch;
pub mod experiment;
pub mod fit;
pub mod report;

pub use adam::FusedAdam;
pub use batch::{Batcher, TrainBatch, one_hot, training_input};
pub use fit::{Fitted, balanced_weights, consistency_targets, evaluate, fit, soft_cross_entropy};
