//! emovox: speech emotion recognition on a GPU-native pipeline.
//!
//! Layers, each importing only those below it (`tests/layers.rs` checks):
//! [`error`], [`rng`], [`observe`] (notes and progress for whoever listens) -> [`gpu`],
//! [`audio`] (decode, resample), [`plot`] -> [`corpus`] (labels, splits) -> [`features`]
//! (log-mel / MFCC: WGSL kernels or CPU reference), [`dataset`], [`scores`] -> [`augment`]
//! -> [`models`] (Burn networks and the SVM, inference) -> [`run`] (what runs and models leave
//! on disk) -> [`train`], [`predict`] -> [`eval`], [`serve`], [`bench`] -> [`reproduce`];
//! the command line (`src/cli`) on top.

pub mod audio;
pub mod augment;
pub mod bench;
pub mod corpus;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod features;
pub mod gpu;
pub mod models;
pub mod observe;
pub mod plot;
pub mod predict;
pub mod reproduce;
pub mod rng;
pub mod run;
pub mod scores;
pub mod serve;
pub mod train;

pub use error::{Error, Result};
