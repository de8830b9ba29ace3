//! Emotion prediction on users' audio: whole files, or windows over recordings of any length
//! (streamed, see [`pipeline`]) with silent stretches marked instead of classified. A model is
//! a directory holding `net.json` (architecture, classes and input normalisation),
//! `config.json` (front end and clip length) and `model.bpk` (weights), or an exported
//! ensemble of such networks; a run directory written by `emovox train` also works (its first
//! repeat's best checkpoint, or all repeats as an ensemble). See [`crate::run::model_dir`].

pub mod adapt;
pub mod budget;
mod collect;
mod consumer;
mod event;
pub mod inputs;
pub mod options;
pub mod pipeline;
pub mod predictor;
mod results;
pub mod source;

pub use budget::{Budgeted, Cancel, CancelOnDrop};
pub use collect::{predict_files, predict_input};
pub use inputs::{Shard, expand_inputs, read_file_list};
pub use options::{DEFAULT_MAX_DURATION_S, PredictOptions};
pub use pipeline::{predict_clips, predict_inputs};
pub use predictor::{Classifier, Predictor, Probabilities, default_model_dir};
pub use results::{ClassProbabilities, FileResult, Prediction, Sink, Window};
pub use source::{ChunkSource, HandOver, Input, RawEncoding, RawFormat, RawPcm};
