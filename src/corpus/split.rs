//! Train/validation/test splits over a corpus's clip indices.
//!
//! - `random`: stratified per class (the paper's 90/5/5), seeded, so each class's share of
//!   every part is within one clip of exact.
//! - `speaker`: k folds of whole speakers; fold i is the test set, fold i+1 (mod k) the
//!   validation set, the rest train. No speaker is in two parts.
//! - `corpus`: leave one corpus out: each corpus in turn is the test set, the others train
//!   (a stratified fraction of them validates).
//! - a split file: CSV lines `path,split` with split in {train, val, test}.

use super::{Clip, Corpus, CorpusKind};
use crate::error::{Error, Result};
use crate::rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Indices into a corpus's clips.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Short name for reports: `seed3`, `fold2`, `file`.
    pub name: String,
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// Stratified random split with the given validation and test fractions.
pub fn random_stratified(labels: &[usize], seed: u64, val_frac: f64, test_frac: f64) -> Result<Split> {
    if !(0.0..1.0).contains(&val_frac) || !(0.0..1.0).contains(&test_frac) || val_frac + test_frac >= 1.0 {
        return Err(Error::Config(format!(
            "split fractions val {val_frac} + test {test_frac} must be in [0, 1) and sum below 1"
        )));
    }
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &label) in labels.iter().enumerate() {
        by_class.entry(label).or_default().push(i);
    }
    let mut rng = rng::seeded(seed, 0x5EED_5717);
    let mut split = Split {
        name: format!("seed{seed}"),
        ..Split::default()
    };
    for members in by_class.values_mut() {
        rng::shuffle(members, &mut rng);
        let n = members.len() as f64;
        let n_test = (n * test_frac).round() as usize;
        let n_val = (n * val_frac).round() as usize;
        split.test.extend_from_slice(&members[..n_test]);
        split.val.extend_from_slice(&members[n_test..n_test + n_val]);
        split.train.extend_from_slice(&members[n_test + n_val..]);
    }
    split.train.sort_unstable();
    split.val.sort_unstable();
    split.test.sort_unstable();
    Ok(split)
}

/// Speaker-independent k-fold splits. Speakers are sorted and dealt round-robin to folds,
/// which spreads each corpus's speakers (and RAVDESS's alternating genders) over all folds.
pub fn speaker_folds(clips: &[Clip], k: usize) -> Result<Vec<Split>> {
    let mut speakers: Vec<&str> = clips.iter().map(|c| c.speaker.as_str()).collect();
    speakers.sort_unstable();
    speakers.dedup();
    if k < 3 || speakers.len() < k {
        return Err(Error::Config(format!(
            "speaker protocol needs at least 3 folds and one speaker per fold: {} speakers, {k} folds",
            speakers.len()
        )));
    }
    let fold_of: HashMap<&str, usize> = speakers.iter().enumerate().map(|(i, s)| (*s, i % k)).collect();
    Ok((0..k)
        .map(|fold| {
            let mut split = Split {
                name: format!("fold{fold}"),
                ..Split::default()
            };
            for (i, clip) in clips.iter().enumerate() {
                let f = fold_of[clip.speaker.as_str()];
                if f == fold {
                    split.test.push(i);
                } else if f == (fold + 1) % k {
                    split.val.push(i);
                } else {
                    split.train.push(i);
                }
            }
            split
        })
        .collect())
}

/// Leave-one-corpus-out splits, one per corpus (named `test-<corpus>`): that corpus's clips
/// are the test set; of the other corpora's clips a stratified `val_frac` validates (seeded)
/// and the rest train. Needs at least two corpora.
pub fn corpus_folds(clips: &[Clip], labels: &[usize], seed: u64, val_frac: f64) -> Result<Vec<Split>> {
    let mut corpora: Vec<CorpusKind> = clips.iter().map(|c| c.corpus).collect();
    corpora.sort_unstable();
    corpora.dedup();
    if corpora.len() < 2 {
        return Err(Error::Config(format!(
            "the corpus protocol needs at least two corpora; the data holds {}",
            corpora.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
        )));
    }
    corpora
        .iter()
        .map(|&held_out| {
            let (test, rest): (Vec<usize>, Vec<usize>) = (0..clips.len()).partition(|&i| clips[i].corpus == held_out);
            let rest_labels: Vec<usize> = rest.iter().map(|&i| labels[i]).collect();
            let inner = random_stratified(&rest_labels, seed, val_frac, 0.0)?;
            Ok(Split {
                name: format!("test-{}", held_out.name()),
                train: inner.train.iter().map(|&j| rest[j]).collect(),
                val: inner.val.iter().map(|&j| rest[j]).collect(),
                test,
            })
        })
        .collect()
}

/// Reads a `path,split` CSV. Relative paths are taken from the CSV's folder; paths are compared
/// after canonicalisation. Clips the file does not list are left out of every part.
pub fn from_file(csv: &Path, corpus: &Corpus) -> Result<Split> {
    let text = std::fs::read_to_string(csv).map_err(|e| Error::io(csv, e))?;
    let base = csv.parent().unwrap_or(Path::new("."));
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let index: HashMap<PathBuf, usize> = corpus
        .clips
        .iter()
        .enumerate()
        .map(|(i, c)| (canonical(&c.path), i))
        .collect();
    let mut split = Split {
        name: "file".into(),
        ..Split::default()
    };
    let mut unknown = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (lineno == 0 && line.eq_ignore_ascii_case("path,split")) {
            continue;
        }
        let (path, part) = line.rsplit_once(',').ok_or_else(|| {
            Error::Data(format!(
                "{}:{}: expected `path,split`, got `{line}`",
                csv.display(),
                lineno + 1
            ))
        })?;
        let path = base.join(path.trim());
        let Some(&i) = index.get(&canonical(&path)) else {
            unknown.push(path.display().to_string());
            continue;
        };
        match part.trim().to_ascii_lowercase().as_str() {
            "train" => split.train.push(i),
            "val" | "valid" | "validation" => split.val.push(i),
            "test" => split.test.push(i),
            other => {
                return Err(Error::Data(format!(
                    "{}:{}: split must be train, val or test, got `{other}`",
                    csv.display(),
                    lineno + 1
                )));
            }
        }
    }
    if !unknown.is_empty() {
        return Err(Error::Data(format!(
            "{}: {} listed files are not labelled clips of the corpus, e.g. {}",
            csv.display(),
            unknown.len(),
            unknown.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if split.train.is_empty() || split.test.is_empty() {
        return Err(Error::Data(format!(
            "{}: needs at least one train and one test clip",
            csv.display()
        )));
    }
    for part in [&mut split.train, &mut split.val, &mut split.test] {
        part.sort_unstable();
        part.dedup();
    }
    Ok(split)
}
