//! The on-disk formats of emovox: run directories (configuration, records, training state,
//! splits), network checkpoints, and model and ensemble directories. Training writes through
//! this module; prediction, evaluation and serving read through it, never through training.

pub mod checkpoint;
pub mod config;
pub mod files;
pub mod model_dir;
pub mod protocol;
pub mod record;

pub use checkpoint::{load_network, save_module, save_module_half};
pub use config::{DEFAULT_LOUDNESS_DB, ExperimentConfig, NetParams, TrainConfig, extends_schedule};
pub use files::{read_json, write_atomic, write_json};
pub use model_dir::{RunRepeats, SavedNetwork, export_model, saved_networks};
pub use protocol::{Protocol, scored_rows, truth_of};
pub use record::{
    EpochRecord, ExperimentResult, FitState, Manifest, RepeatResult, SplitPaths, corpus_summaries, git_commit,
};
