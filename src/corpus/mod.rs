//! Labelled clips: finds audio files under one or more folders and reads each file's
//! emotion and speaker from its name (RAVDESS, SAVEE) or its folder (label-per-folder).
//! Files whose names do not parse are kept in a list for the report, never dropped silently.

mod emotion;
pub mod folder;
pub mod ravdess;
pub mod savee;
pub mod split;

pub use emotion::Emotion;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File extensions treated as audio (case-insensitive).
pub const AUDIO_EXTENSIONS: [&str; 5] = ["wav", "flac", "mp3", "ogg", "oga"];

/// Which naming scheme a clip's label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorpusKind {
    Ravdess,
    Savee,
    Folder,
}

impl CorpusKind {
    pub fn name(self) -> &'static str {
        match self {
            CorpusKind::Ravdess => "ravdess",
            CorpusKind::Savee => "savee",
            CorpusKind::Folder => "folder",
        }
    }
}

/// One labelled audio file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    pub path: PathBuf,
    pub emotion: Emotion,
    /// Speaker id, unique across corpora: `ravdess:07`, `savee:DC`, `folder:unknown`.
    pub speaker: String,
    pub corpus: CorpusKind,
}

/// All clips found under the scanned folders, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub clips: Vec<Clip>,
    /// Audio files whose names matched no scheme.
    pub unparsed: Vec<PathBuf>,
}

/// True if `path` has an audio extension.
pub fn is_audio_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Label of one audio file from its name and parent folder, or `None` if no scheme matches.
pub fn label_file(path: &Path) -> Option<Clip> {
    let stem = path.file_stem()?.to_str()?;
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
    let clip = |emotion, speaker: String, corpus| Clip {
        path: path.to_path_buf(),
        emotion,
        speaker,
        corpus,
    };
    if let Some((emotion, actor)) = ravdess::parse_stem(stem) {
        return Some(clip(emotion, format!("ravdess:{actor:02}"), CorpusKind::Ravdess));
    }
    if let Some((emotion, speaker)) = savee::parse(stem, parent) {
        return Some(clip(emotion, format!("savee:{speaker}"), CorpusKind::Savee));
    }
    folder::parse(parent).map(|emotion| clip(emotion, "folder:unknown".into(), CorpusKind::Folder))
}

/// Every audio file below `root` (or `root` itself if it is a file), sorted.
pub fn audio_files(root: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if meta.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_audio_path(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

impl Corpus {
    /// Scans folders (recursively) and labels every audio file found.
    pub fn scan<P: AsRef<Path>>(roots: &[P]) -> Result<Corpus> {
        let mut corpus = Corpus::default();
        for root in roots {
            for path in audio_files(root.as_ref())? {
                match label_file(&path) {
                    Some(clip) => corpus.clips.push(clip),
                    None => corpus.unparsed.push(path),
                }
            }
        }
        corpus.clips.sort_by(|a, b| a.path.cmp(&b.path));
        corpus.clips.dedup_by(|a, b| a.path == b.path);
        Ok(corpus)
    }

    /// Class index of every clip, in clip order.
    pub fn labels(&self) -> Vec<usize> {
        self.clips.iter().map(|c| c.emotion.index()).collect()
    }

    /// Counts per class, corpus and speaker.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.clips.len(),
            unparsed: self.unparsed.len(),
            unparsed_files: self.unparsed.clone(),
            ..Summary::default()
        };
        for e in Emotion::ALL {
            s.by_class.insert(e.name().to_string(), 0);
        }
        let mut speakers: BTreeMap<CorpusKind, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for clip in &self.clips {
            *s.by_class.entry(clip.emotion.name().to_string()).or_default() += 1;
            *s.by_speaker.entry(clip.speaker.clone()).or_default() += 1;
            s.by_corpus.entry(clip.corpus.name().to_string()).or_default().clips += 1;
            speakers.entry(clip.corpus).or_default().insert(&clip.speaker);
        }
        for (kind, set) in speakers {
            if let Some(c) = s.by_corpus.get_mut(kind.name()) {
                c.speakers = set.len();
            }
        }
        s
    }
}

/// Clip and speaker count of one corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusCount {
    pub clips: usize,
    pub speakers: usize,
}

/// What `emovox corpus --json` prints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub by_class: BTreeMap<String, usize>,
    pub by_corpus: BTreeMap<String, CorpusCount>,
    pub by_speaker: BTreeMap<String, usize>,
    /// Number of audio files whose names matched no scheme.
    pub unparsed: usize,
    pub unparsed_files: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_by_scheme_precedence() {
        let r = label_file(Path::new("/d/Actor_03/03-01-05-02-01-01-03.flac")).unwrap();
        assert_eq!(
            (r.emotion, r.speaker.as_str(), r.corpus),
            (Emotion::Angry, "ravdess:03", CorpusKind::Ravdess)
        );
        let s = label_file(Path::new("/d/savee/KL_su12.wav")).unwrap();
        assert_eq!((s.emotion, s.speaker.as_str()), (Emotion::Surprised, "savee:KL"));
        let s = label_file(Path::new("/d/JE/sa12.wav")).unwrap();
        assert_eq!((s.emotion, s.speaker.as_str()), (Emotion::Sad, "savee:JE"));
        let f = label_file(Path::new("/mine/fear/take1.mp3")).unwrap();
        assert_eq!((f.emotion, f.corpus), (Emotion::Fearful, CorpusKind::Folder));
        assert!(label_file(Path::new("/mine/misc/take1.wav")).is_none());
    }

    #[test]
    fn audio_extensions_any_case() {
        assert!(is_audio_path(Path::new("a.WAV")));
        assert!(is_audio_path(Path::new("a.flac")));
        assert!(!is_audio_path(Path::new("README.md")));
        assert!(!is_audio_path(Path::new("noext")));
    }
}
