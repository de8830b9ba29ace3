//! The naming conventions a corpus folder can follow ([`CorpusKind`]), each read by its own
//! module; a folder is read by the convention most of its files fit.

use super::parsed::Parsed;
use super::{canonical, cremad, emodb, iemocap, ravdess, savee, tess};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which corpus (naming convention) a clip's label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorpusKind {
    Ravdess,
    Savee,
    Tess,
    Cremad,
    Emodb,
    Iemocap,
    /// Label-per-folder: `DIR/<label>/*.wav`.
    Folder,
}

impl CorpusKind {
    /// The naming conventions tried on every folder, in order of precedence on ties.
    const NAMED: [CorpusKind; 6] = [
        CorpusKind::Ravdess,
        CorpusKind::Savee,
        CorpusKind::Cremad,
        CorpusKind::Tess,
        CorpusKind::Emodb,
        CorpusKind::Iemocap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CorpusKind::Ravdess => "ravdess",
            CorpusKind::Savee => "savee",
            CorpusKind::Tess => "tess",
            CorpusKind::Cremad => "cremad",
            CorpusKind::Emodb => "emodb",
            CorpusKind::Iemocap => "iemocap",
            CorpusKind::Folder => "folder",
        }
    }
}

/// What a naming convention makes of a file, given IEMOCAP's label table.
pub(super) fn parse_as(kind: CorpusKind, path: &Path, iemocap: &iemocap::Labels) -> Parsed {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
    match kind {
        CorpusKind::Ravdess => ravdess::parse(stem),
        CorpusKind::Savee => savee::parse(stem, parent),
        CorpusKind::Tess => tess::parse(stem),
        CorpusKind::Cremad => cremad::parse(stem),
        CorpusKind::Emodb => emodb::parse(stem),
        CorpusKind::Iemocap => iemocap.parse(stem),
        CorpusKind::Folder => match parent.map(canonical) {
            Some(label) if !label.is_empty() => Parsed::labelled(&label, "unknown"),
            _ => Parsed::Unknown("no folder to take a label from".into()),
        },
    }
}

/// The convention of one folder: the naming convention most of its audio files follow, or
/// label-per-folder if none fits any of them.
pub(super) fn folder_convention(files: &[PathBuf], iemocap: &iemocap::Labels) -> CorpusKind {
    let mut best = (0, CorpusKind::Folder);
    for kind in CorpusKind::NAMED {
        let matched = files.iter().filter(|f| parse_as(kind, f, iemocap).matched()).count();
        if matched > best.0 {
            best = (matched, kind);
        }
    }
    best.1
}
