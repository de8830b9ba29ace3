//! emovox: speech emotion recognition on a GPU-native pipeline.
//!
//! Data flow, one module each: [`audio`] (decode, resample) -> [`corpus`] (labels, splits)
//! -> [`features`] (log-mel / MFCC: WGSL kernels or CPU reference) -> models and training
//! (Burn, on the same wgpu device or the flex CPU backend) -> evaluation, prediction, the
//! HTTP server ([`serve`]) and reports.

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
pub mod plot;
pub mod predict;
pub mod progress;
pub mod reproduce;
pub mod rng;
pub mod serve;
pub mod train;

pub use error::{Error, Result};
