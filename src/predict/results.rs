//! What a prediction says: a label with every class's probability, timeline windows, and a
//! file's result; the JSON that `predict --json`/`--jsonl` write and the server answers; and
//! where the pipeline sends them ([`Sink`]).

use crate::corpus::Classes;
use crate::error::Result;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// Where results go, in input order.
pub trait Sink {
    /// One timeline window of `path`, in time order, as soon as it is classified.
    fn window(&mut self, path: &Path, window: &Window) -> Result<()>;
    /// A finished input: its summary (and its windows when the options keep them).
    fn file(&mut self, result: FileResult) -> Result<()>;
}

/// Every class's probability by class name, in the model's class order. JSON writes it as an
/// object (`{"angry": 0.85, ...}`) with the keys in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassProbabilities(pub Vec<(String, f32)>);

impl ClassProbabilities {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, f32)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Serialize for ClassProbabilities {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for ClassProbabilities {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = ClassProbabilities;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of class probabilities")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(ClassProbabilities(pairs))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// Label and probabilities of one prediction; `label` is `silence` for silent audio and
/// `too short` for less than a quarter second of voiced audio (no probabilities then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub label: String,
    /// Probability of the predicted label (0 without a classification).
    pub confidence: f32,
    /// Every class's probability (empty without a classification).
    pub probabilities: ClassProbabilities,
}

impl Prediction {
    /// A verdict without a classification (`silence`, `too short`).
    pub fn labelled(label: &str) -> Prediction {
        Prediction {
            label: label.into(),
            confidence: 0.0,
            probabilities: ClassProbabilities::default(),
        }
    }

    /// The most probable class.
    pub fn from_probabilities(p: &[f32], classes: &Classes) -> Prediction {
        let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0);
        Prediction {
            label: classes.name(best).unwrap_or("?").to_string(),
            confidence: p[best],
            probabilities: ClassProbabilities(
                classes
                    .names()
                    .iter()
                    .zip(p)
                    .map(|(name, &v)| (name.to_string(), v))
                    .collect(),
            ),
        }
    }
}

/// One window of a timeline, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: f64,
    pub end: f64,
    #[serde(flatten)]
    pub prediction: Prediction,
}

/// The outcome for one input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileResult {
    pub path: PathBuf,
    pub duration: Option<f64>,
    /// The file's prediction: the whole file, or the duration-weighted mean of its classified
    /// windows (absent on error).
    pub prediction: Option<Prediction>,
    /// Timeline windows (timeline mode, when the options keep them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<Window>,
    /// Peak of every 1/20 s of the waveform at the model rate (kept with the windows, for
    /// timeline figures).
    #[serde(skip)]
    pub envelope: Vec<f32>,
    pub error: Option<String>,
}
