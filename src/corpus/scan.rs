//! Finding labelled clips: the audio files below folders (each file once, non-files listed so
//! they get their own error), each folder read by its naming convention or IEMOCAP's label
//! files, labels mapped to the run's classes, and what `emovox corpus` reports.

use super::naming::{folder_convention, parse_as};
use super::{Classes, CorpusKind, LabelSpec, Parsed, iemocap};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// File extensions treated as audio (case-insensitive).
pub const AUDIO_EXTENSIONS: [&str; 5] = ["wav", "flac", "mp3", "ogg", "oga"];

/// One labelled audio file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    pub path: PathBuf,
    /// Canonical class name (see [`canonical`]).
    pub label: String,
    /// Speaker id, unique across corpora: `ravdess:07`, `savee:DC`, `folder:unknown`.
    pub speaker: String,
    pub corpus: CorpusKind,
}

/// An audio file that got no label, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlabelled {
    pub path: PathBuf,
    pub reason: String,
}

/// All clips found under the scanned folders, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub clips: Vec<Clip>,
    /// Audio files that got no label (unknown codes, names unlike their folder's convention).
    pub unparsed: Vec<Unlabelled>,
}

/// True if `path` has an audio extension.
pub fn is_audio_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Every audio file below `root` (or `root` itself if it is a file), sorted, each once:
/// symbolic links are followed, directory cycles are detected, and a file reached by two
/// paths is listed once. Entries named like audio that are not regular files (FIFOs, sockets,
/// devices, folders, dangling links) are listed too, so that each gets its own error when
/// opened; other unreadable entries below `root` are reported on stderr and skipped.
pub fn audio_files(root: &Path) -> Result<Vec<PathBuf>> {
    Ok(walk(root)?.audio)
}

/// Audio files and IEMOCAP label files below a root.
struct Walk {
    audio: Vec<PathBuf>,
    label_files: Vec<PathBuf>,
}

fn walk(root: &Path) -> Result<Walk> {
    std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    let mut seen = HashSet::new();
    let mut found = Walk {
        audio: Vec::new(),
        label_files: Vec::new(),
    };
    for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            // A dangling link named like audio is still an input: opening it says what it is.
            Err(e) if e.loop_ancestor().is_none() && e.path().is_some_and(is_audio_path) => {
                found.audio.extend(e.path().map(Path::to_path_buf));
                continue;
            }
            Err(e) => {
                crate::observe::warn(format!("skipped {e}"));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            // A FIFO, socket, device or folder named like audio is listed so that it gets its
            // own error (opening refuses it without blocking); anything else is not an input.
            if entry.depth() > 0 && is_audio_path(entry.path()) {
                found.audio.push(entry.into_path());
            }
            continue;
        }
        let path = entry.into_path();
        let in_label_folder = path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == iemocap::LABEL_FOLDER);
        if in_label_folder && path.extension().is_some_and(|e| e == "txt") {
            found.label_files.push(path);
        } else if is_audio_path(&path) && seen.insert(std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone())) {
            found.audio.push(path);
        }
    }
    found.audio.sort();
    Ok(found)
}

impl Corpus {
    /// Scans folders (recursively) and labels every audio file found. Each folder is read by
    /// the convention most of its files follow (RAVDESS, SAVEE, TESS, CREMA-D, EmoDB,
    /// IEMOCAP), or as label-per-folder; corpora mix freely.
    pub fn scan<P: AsRef<Path>>(roots: &[P]) -> Result<Corpus> {
        let mut audio = Vec::new();
        let mut label_files = Vec::new();
        for root in roots {
            let found = walk(root.as_ref())?;
            audio.extend(found.audio);
            label_files.extend(found.label_files);
        }
        let iemocap = iemocap::Labels::read(&label_files)?;
        let mut folders: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        for path in audio {
            folders
                .entry(path.parent().map(Path::to_path_buf).unwrap_or_default())
                .or_default()
                .push(path);
        }
        let mut corpus = Corpus::default();
        for files in folders.values() {
            let kind = folder_convention(files, &iemocap);
            for path in files {
                match parse_as(kind, path, &iemocap) {
                    Parsed::Labelled { label, speaker } => corpus.clips.push(Clip {
                        path: path.clone(),
                        label,
                        speaker: format!("{}:{speaker}", kind.name()),
                        corpus: kind,
                    }),
                    Parsed::Unknown(reason) => corpus.unparsed.push(Unlabelled {
                        path: path.clone(),
                        reason,
                    }),
                    Parsed::NoMatch => corpus.unparsed.push(Unlabelled {
                        path: path.clone(),
                        reason: format!("name does not follow {}, the convention of its folder", kind.name()),
                    }),
                }
            }
        }
        corpus.clips.sort_by(|a, b| a.path.cmp(&b.path));
        corpus.clips.dedup_by(|a, b| a.path == b.path);
        Ok(corpus)
    }

    /// Every label found, in the stable class order.
    pub fn classes(&self) -> Classes {
        Classes::from_labels(self.clips.iter().map(|c| c.label.as_str()))
    }

    /// Applies a run's label spec: merges labels, resolves the classes, and leaves out clips
    /// of labels that are not among them. Returns the classes and how many clips were left out.
    pub fn apply_labels(&mut self, spec: &LabelSpec) -> Result<(Classes, usize)> {
        for clip in &mut self.clips {
            clip.label = spec.map(&clip.label);
        }
        let classes = spec.resolve(self.clips.iter().map(|c| c.label.as_str()))?;
        let before = self.clips.len();
        self.clips.retain(|c| classes.index(&c.label).is_some());
        Ok((classes, before - self.clips.len()))
    }

    /// Class index of every clip, in clip order; a label outside `classes` is an error.
    pub fn labels(&self, classes: &Classes) -> Result<Vec<usize>> {
        class_indices(&self.clips, classes)
    }

    /// Counts per class, corpus and speaker.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.clips.len(),
            classes: self.classes().names().iter().map(|n| n.to_string()).collect(),
            unparsed: self.unparsed.len(),
            unparsed_files: self.unparsed.clone(),
            ..Summary::default()
        };
        let mut speakers: BTreeMap<CorpusKind, BTreeSet<&str>> = BTreeMap::new();
        for clip in &self.clips {
            *s.by_class.entry(clip.label.clone()).or_default() += 1;
            *s.by_speaker.entry(clip.speaker.clone()).or_default() += 1;
            let c = s.by_corpus.entry(clip.corpus.name().to_string()).or_default();
            c.clips += 1;
            *c.by_class.entry(clip.label.clone()).or_default() += 1;
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

/// Class index of each clip's label.
pub fn class_indices(clips: &[Clip], classes: &Classes) -> Result<Vec<usize>> {
    clips
        .iter()
        .map(|c| {
            classes.index(&c.label).ok_or_else(|| {
                Error::Data(format!(
                    "{}: label `{}` is not one of the classes ({})",
                    c.path.display(),
                    c.label,
                    classes.names().join(", ")
                ))
            })
        })
        .collect()
}

/// Clips, speakers and classes of one corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusCount {
    pub clips: usize,
    pub speakers: usize,
    #[serde(default)]
    pub by_class: BTreeMap<String, usize>,
}

/// What `emovox corpus --json` prints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    /// Every label found, in the stable class order (the classes a run on this data gets).
    pub classes: Vec<String>,
    pub by_class: BTreeMap<String, usize>,
    pub by_corpus: BTreeMap<String, CorpusCount>,
    pub by_speaker: BTreeMap<String, usize>,
    /// Number of audio files that got no label.
    pub unparsed: usize,
    pub unparsed_files: Vec<Unlabelled>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_extensions_any_case() {
        assert!(is_audio_path(Path::new("a.WAV")));
        assert!(is_audio_path(Path::new("a.flac")));
        assert!(!is_audio_path(Path::new("README.md")));
        assert!(!is_audio_path(Path::new("noext")));
    }

    #[test]
    fn a_folder_follows_its_majority_convention() {
        let none = iemocap::Labels::default();
        let files: Vec<PathBuf> = ["03a01Wa.wav", "03a02Fb.wav", "notes.wav"]
            .iter()
            .map(|f| Path::new("/d/emodb").join(f))
            .collect();
        assert_eq!(folder_convention(&files, &none), CorpusKind::Emodb);
        let mine: Vec<PathBuf> = ["take1.wav", "take2.mp3"]
            .iter()
            .map(|f| Path::new("/mine/Bored").join(f))
            .collect();
        assert_eq!(folder_convention(&mine, &none), CorpusKind::Folder);
        assert_eq!(
            parse_as(CorpusKind::Folder, &mine[0], &none),
            Parsed::labelled("bored", "unknown")
        );
        let savee = [Path::new("/d/JE/sa12.wav").to_path_buf()];
        assert_eq!(folder_convention(&savee, &none), CorpusKind::Savee);
    }
}
