//! Evaluation protocols: how a run's clips become (name, split, seed) repeats, and which
//! classes each repeat is scored on.
//!
//! - `random`: the paper's stratified split per seed (speakers leak);
//! - `speaker`: speaker-independent k-fold;
//! - `corpus`: leave one corpus out, scored on the classes both sides share;
//! - `file`: a user CSV of `path,split`;
//! - `all`: every clip trains, nothing is held out (the model to ship once the speaker and
//!   corpus protocols have chosen the recipe).

use crate::corpus::split::{self, Split};
use crate::corpus::{Classes, Corpus};
use crate::error::Result;
use crate::scores::SharedClasses;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How clips are divided into train / validation / test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Protocol {
    /// Stratified random split per seed (the paper's 90/5/5).
    Random { val: f64, test: f64 },
    /// Speaker-independent k-fold.
    Speaker { folds: usize },
    /// Leave one corpus out, scored on the classes the training and test corpora share.
    Corpus { val: f64 },
    /// A user CSV of `path,split`.
    File { path: PathBuf },
    /// Every clip trains for the configured epochs (the last epoch is kept): no validation,
    /// no test, so no scores.
    All,
}

impl Protocol {
    /// The (name, split, seed) repeats of this protocol over `corpus` labelled with `classes`,
    /// one per seed (per fold and seed for the speaker protocol).
    pub fn repeats(&self, seeds: &[u64], classes: &Classes, corpus: &Corpus) -> Result<Vec<(String, Split, u64)>> {
        let labels = corpus.labels(classes)?;
        Ok(match self {
            Protocol::Random { val, test } => seeds
                .iter()
                .map(|&seed| {
                    Ok((
                        format!("seed{seed}"),
                        split::random_stratified(&labels, seed, *val, *test)?,
                        seed,
                    ))
                })
                .collect::<Result<_>>()?,
            Protocol::Speaker { folds } => {
                let splits = split::speaker_folds(&corpus.clips, *folds)?;
                splits
                    .into_iter()
                    .flat_map(|s| {
                        seeds.iter().map(move |&seed| {
                            let name = if seeds.len() > 1 {
                                format!("{}-seed{seed}", s.name)
                            } else {
                                s.name.clone()
                            };
                            (name, s.clone(), seed)
                        })
                    })
                    .collect()
            }
            Protocol::Corpus { val } => {
                let seed = seeds.first().copied().unwrap_or(0);
                split::corpus_folds(&corpus.clips, &labels, seed, *val)?
                    .into_iter()
                    .map(|s| (s.name.clone(), s, seed))
                    .collect()
            }
            Protocol::All => {
                let seed = seeds.first().copied().unwrap_or(0);
                let split = Split {
                    name: "all".into(),
                    train: (0..corpus.clips.len()).collect(),
                    ..Split::default()
                };
                vec![("all".into(), split, seed)]
            }
            Protocol::File { path } => {
                let s = split::from_file(path, corpus)?;
                seeds
                    .iter()
                    .map(|&seed| (format!("file-seed{seed}"), s.clone(), seed))
                    .collect()
            }
        })
    }

    /// The classes a repeat is scored on: all of `classes`, or for the corpus protocol those that
    /// both the training corpora and the held-out corpus have.
    pub fn scoring_classes(&self, classes: &Classes, split: &Split, labels: &[usize]) -> Result<SharedClasses> {
        if !matches!(self, Protocol::Corpus { .. }) {
            return Ok(SharedClasses::all(classes));
        }
        let present = |rows: &[usize]| Classes::from_labels(rows.iter().filter_map(|&i| classes.name(labels[i])));
        let (train, test) = (present(&split.train), present(&split.test));
        let both = Classes::from_labels(train.names().into_iter().filter(|n| test.index(n).is_some()));
        SharedClasses::between(classes, &both)
    }

    /// Short name: random, speaker, corpus, file or all.
    pub fn name(&self) -> &'static str {
        match self {
            Protocol::Random { .. } => "random",
            Protocol::Speaker { .. } => "speaker",
            Protocol::Corpus { .. } => "corpus",
            Protocol::File { .. } => "file",
            Protocol::All => "all",
        }
    }
}

/// The test rows whose class is scored.
pub fn scored_rows(shared: &SharedClasses, test: &[usize], labels: &[usize]) -> Vec<usize> {
    test.iter().copied().filter(|&i| shared.contains(labels[i])).collect()
}

pub fn truth_of(rows: &[usize], labels: &[usize]) -> Vec<usize> {
    rows.iter().map(|&i| labels[i]).collect()
}
