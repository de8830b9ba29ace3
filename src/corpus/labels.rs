//! The label space as data: class names are strings, canonicalised through a table of common
//! spellings (anger -> angry, ps -> surprised, ...). A run's classes are an ordered list
//! ([`Classes`]) taken from its corpora or chosen with `--classes`, after `--merge` rules
//! ([`LabelSpec`]). Known emotions keep RAVDESS's order (so RAVDESS + SAVEE is today's 8-class
//! space); any other label follows, alphabetically.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The eight RAVDESS emotions in code order (01 neutral ... 08 surprised): the order known
/// emotions take in every class list, and the classes of models saved before labels were data.
pub const EMOTIONS: [&str; 8] = [
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
];

/// Canonical name of a label: lowercase, trimmed, `_`/`-` read as spaces, and common
/// spellings of the same emotion mapped onto one name. Anything else is kept as written
/// (lowercased), so a folder called `Bored` is the class `bored`.
pub fn canonical(name: &str) -> String {
    let clean = name.trim().to_lowercase().replace(['_', '-'], " ");
    let known = match clean.as_str() {
        "neutral" | "neutrality" | "neu" => "neutral",
        "calm" | "calmness" => "calm",
        "happy" | "happiness" | "joy" | "hap" => "happy",
        "sad" | "sadness" | "sorrow" => "sad",
        "angry" | "anger" | "ang" => "angry",
        "fearful" | "fear" | "afraid" | "fea" => "fearful",
        "disgust" | "disgusted" | "dis" => "disgust",
        "surprised" | "surprise" | "pleasant surprise" | "pleasant surprised" | "ps" | "sur" => "surprised",
        "bored" | "boredom" => "bored",
        "excited" | "excitement" | "exc" => "excited",
        "frustrated" | "frustration" | "fru" => "frustrated",
        other => return other.to_string(),
    };
    known.to_string()
}

/// Position of a label in the stable class order: known emotions first, in [`EMOTIONS`] order.
fn order_key(name: &str) -> (usize, String) {
    let rank = EMOTIONS.iter().position(|e| *e == name).unwrap_or(EMOTIONS.len());
    (rank, name.to_string())
}

/// An ordered list of class names: position = the model's output index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classes(Vec<String>);

impl Classes {
    /// Classes in the given order (names canonicalised); duplicates and an empty list are errors.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Classes> {
        let names: Vec<String> = names.iter().map(|n| canonical(n.as_ref())).collect();
        let unique: BTreeSet<&String> = names.iter().collect();
        if names.is_empty() || unique.len() != names.len() || names.iter().any(String::is_empty) {
            return Err(Error::Config(format!(
                "a class list needs distinct, non-empty names (got {names:?})"
            )));
        }
        Ok(Classes(names))
    }

    /// The classes of a set of labels, in the stable order.
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = &'a str>) -> Classes {
        let set: BTreeSet<&str> = labels.into_iter().collect();
        let mut names: Vec<String> = set.into_iter().map(str::to_string).collect();
        names.sort_by_key(|n| order_key(n));
        Classes(names)
    }

    /// The eight RAVDESS emotions (the label space of models saved before class lists existed).
    pub fn emotions() -> Classes {
        Classes(EMOTIONS.iter().map(|e| e.to_string()).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Class names in output order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }

    /// Name of class `index`.
    pub fn name(&self, index: usize) -> Option<&str> {
        self.0.get(index).map(String::as_str)
    }

    /// Output index of a (canonical) class name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|n| n == name)
    }

    /// Output indices of this list's classes that `other` also has, in this list's order.
    pub fn shared_with(&self, other: &Classes) -> Vec<usize> {
        (0..self.len()).filter(|&i| other.index(&self.0[i]).is_some()).collect()
    }
}

/// Reads a class list, or the class count that models saved before class lists stored: a
/// count of 8 means the eight RAVDESS emotions; any other bare count cannot be named.
impl<'de> Deserialize<'de> for Classes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Classes, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Names(Vec<String>),
            Count(usize),
        }
        match Stored::deserialize(deserializer)? {
            Stored::Names(names) => Classes::new(&names).map_err(serde::de::Error::custom),
            Stored::Count(n) if n == EMOTIONS.len() => Ok(Classes::emotions()),
            Stored::Count(n) => Err(serde::de::Error::custom(format!(
                "this model stores only a class count ({n}), not class names; \
                 write the names as a list in its net.json (\"classes\": [\"angry\", ...])"
            ))),
        }
    }
}

/// How a run turns corpus labels into classes: `--merge` rules applied first, then `--classes`
/// selects and orders (clips of other labels are left out); without `--classes`, every label
/// found becomes a class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSpec {
    /// Chosen classes in output order (`--classes`); `None` = all labels of the corpora.
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// `from -> to` renames (`--merge calm=neutral`), canonical names.
    #[serde(default)]
    pub merge: BTreeMap<String, String>,
}

impl LabelSpec {
    /// A spec from `--classes` names and `--merge FROM=TO` rules (aliases accepted).
    pub fn parse(classes: Option<&[String]>, merges: &[String]) -> Result<LabelSpec> {
        let mut merge = BTreeMap::new();
        for rule in merges {
            let (from, to) = rule
                .split_once('=')
                .ok_or_else(|| Error::Config(format!("--merge `{rule}` is not FROM=TO")))?;
            let (from, to) = (canonical(from), canonical(to));
            if from.is_empty() || to.is_empty() || from == to {
                return Err(Error::Config(format!(
                    "--merge `{rule}` must name two different labels"
                )));
            }
            merge.insert(from, to);
        }
        let classes = classes.map(|c| Classes::new(c).map(|c| c.0)).transpose()?;
        Ok(LabelSpec { classes, merge })
    }

    /// The class a corpus label becomes (after merges), whether or not it is selected.
    pub fn map(&self, label: &str) -> String {
        let mut name = label.to_string();
        // Follow chains (a=b, b=c) but never loop.
        for _ in 0..=self.merge.len() {
            match self.merge.get(&name) {
                Some(next) => name = next.clone(),
                None => break,
            }
        }
        name
    }

    /// The run's classes given the labels found in its corpora. Chosen classes that no clip
    /// has are an error (a class without examples cannot be learned).
    pub fn resolve<'a>(&self, labels: impl IntoIterator<Item = &'a str>) -> Result<Classes> {
        let mapped: Vec<String> = labels.into_iter().map(|l| self.map(l)).collect();
        let found = Classes::from_labels(mapped.iter().map(String::as_str));
        let Some(chosen) = &self.classes else {
            return Ok(found);
        };
        let missing: Vec<&str> = chosen
            .iter()
            .map(String::as_str)
            .filter(|c| found.index(c).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Error::Data(format!(
                "--classes: no clips labelled {} (labels found: {})",
                missing.join(", "),
                found.names().join(", ")
            )));
        }
        Classes::new(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_onto_canonical_names() {
        for (alias, name) in [
            ("Anger", "angry"),
            ("HAPPINESS", "happy"),
            ("sadness", "sad"),
            ("fear", "fearful"),
            ("disgusted", "disgust"),
            ("pleasant_surprise", "surprised"),
            ("Pleasant surprise", "surprised"),
            ("ps", "surprised"),
            ("surprise", "surprised"),
            ("neutrality", "neutral"),
            ("boredom", "bored"),
            (" Rudeness ", "rudeness"),
        ] {
            assert_eq!(canonical(alias), name, "{alias}");
        }
    }

    #[test]
    fn stable_order_known_emotions_first() {
        let c = Classes::from_labels(["surprised", "zesty", "angry", "neutral", "bored", "angry"]);
        assert_eq!(c.names(), ["neutral", "angry", "surprised", "bored", "zesty"]);
        let all = Classes::from_labels(EMOTIONS.iter().rev().copied());
        assert_eq!(all, Classes::emotions());
    }

    #[test]
    fn stored_counts_and_lists() {
        let eight: Classes = serde_json::from_str("8").unwrap();
        assert_eq!(eight, Classes::emotions());
        assert!(serde_json::from_str::<Classes>("4").is_err());
        let three: Classes = serde_json::from_str(r#"["calm","Excitement","bored"]"#).unwrap();
        assert_eq!(three.names(), ["calm", "excited", "bored"]);
        assert_eq!(serde_json::to_string(&three).unwrap(), r#"["calm","excited","bored"]"#);
        assert!(serde_json::from_str::<Classes>(r#"["sad","sadness"]"#).is_err());
    }

    #[test]
    fn merge_then_select() {
        let spec = LabelSpec::parse(
            Some(&["angry".into(), "Happiness".into(), "neutral".into(), "sad".into()]),
            &["calm=neutral".into(), "excitement=happy".into()],
        )
        .unwrap();
        assert_eq!(spec.map("calm"), "neutral");
        assert_eq!(spec.map("excited"), "happy");
        assert_eq!(spec.map("fearful"), "fearful");
        let classes = spec.resolve(["sad", "calm", "angry", "happy", "fearful"]).unwrap();
        assert_eq!(classes.names(), ["angry", "happy", "neutral", "sad"]);
        assert!(spec.resolve(["sad", "angry", "happy"]).is_err(), "no neutral clips");
        assert!(LabelSpec::parse(None, &["calm".into()]).is_err());
        assert!(LabelSpec::parse(None, &["calm=calmness".into()]).is_err());
    }

    #[test]
    fn shared_classes_in_model_order() {
        let model = Classes::emotions();
        let savee = Classes::from_labels(["angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]);
        let shared: Vec<&str> = model.shared_with(&savee).iter().map(|&i| model.names()[i]).collect();
        assert_eq!(
            shared,
            ["neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
        );
    }
}
