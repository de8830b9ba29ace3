//! Labelled clips: finds audio files under one or more folders and reads each file's label
//! and speaker from its name (RAVDESS, SAVEE, TESS, CREMA-D, EmoDB), from IEMOCAP's label
//! files, or from its folder (label-per-folder: any folder name is a class). Each folder is
//! read by one convention; files that get no label are listed with the reason, never dropped
//! silently.

pub mod cremad;
pub mod emodb;
pub mod iemocap;
pub mod labels;
pub mod naming;
pub mod parsed;
pub mod ravdess;
pub mod savee;
pub mod scan;
pub mod split;
pub mod tess;

pub use labels::{Classes, LabelSpec, canonical};
pub use naming::CorpusKind;
pub use parsed::Parsed;
pub use scan::{
    AUDIO_EXTENSIONS, Clip, Corpus, CorpusCount, Summary, Unlabelled, audio_files, class_indices, is_audio_path,
};
