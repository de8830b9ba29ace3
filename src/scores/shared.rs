//! Scoring a model on some of its classes: on another corpus, or when a held-out corpus lacks
//! classes the model has, the prediction is the most probable class among those both sides
//! have (the argmax restricted to them). Truths and predictions stay in the model's class
//! indices, so a class that is neither true nor predicted drops out of macro-F1 and UAR and
//! repeats scored on different class subsets still pool.

use super::Metrics;
use crate::corpus::Classes;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// A model's classes and the output indices a prediction may take.
#[derive(Debug, Clone)]
pub struct SharedClasses {
    classes: Classes,
    allowed: Vec<usize>,
}

impl SharedClasses {
    /// Every class of the model.
    pub fn all(model: &Classes) -> SharedClasses {
        SharedClasses {
            classes: model.clone(),
            allowed: (0..model.len()).collect(),
        }
    }

    /// The model's classes that `data` also has, in the model's order.
    pub fn between(model: &Classes, data: &Classes) -> Result<SharedClasses> {
        let allowed = model.shared_with(data);
        if allowed.is_empty() {
            return Err(Error::Data(format!(
                "the model's classes ({}) and the data's ({}) have none in common",
                model.names().join(", "),
                data.names().join(", ")
            )));
        }
        Ok(SharedClasses {
            classes: model.clone(),
            allowed,
        })
    }

    /// True if predictions may take model class `class` (clips of other classes are not scored).
    pub fn contains(&self, class: usize) -> bool {
        self.allowed.contains(&class)
    }

    /// Names of the classes scored.
    pub fn names(&self) -> Vec<String> {
        self.allowed
            .iter()
            .filter_map(|&i| self.classes.name(i))
            .map(str::to_string)
            .collect()
    }

    /// The allowed class with the highest score (the last of equal ones, like `max_by`).
    pub fn argmax(&self, scores: &[f64]) -> usize {
        self.allowed
            .iter()
            .copied()
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap_or(0)
    }

    /// Metrics of truths (model class indices) against per-class scores of the same clips.
    pub fn score(&self, truth: &[usize], scores: &[Vec<f64>]) -> Metrics {
        let predicted: Vec<usize> = scores.iter().map(|s| self.argmax(s)).collect();
        Metrics::compute(truth, &predicted, &self.classes.names())
    }

    /// The same predictions scored per group (`groups[i]` is row i's, e.g. its corpus) when
    /// the rows come from more than one group; empty otherwise.
    pub fn score_by_group(&self, truth: &[usize], scores: &[Vec<f64>], groups: &[&str]) -> BTreeMap<String, Metrics> {
        let mut names = groups.to_vec();
        names.sort_unstable();
        names.dedup();
        if names.len() < 2 {
            return BTreeMap::new();
        }
        names
            .into_iter()
            .map(|group| {
                let rows: Vec<usize> = (0..groups.len()).filter(|&i| groups[i] == group).collect();
                let truth: Vec<usize> = rows.iter().map(|&i| truth[i]).collect();
                let scores: Vec<Vec<f64>> = rows.iter().map(|&i| scores[i].clone()).collect();
                (group.to_string(), self.score(&truth, &scores))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_restricted_to_shared_classes() {
        let model = Classes::emotions();
        let savee = Classes::from_labels(["angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]);
        let shared = SharedClasses::between(&model, &savee).unwrap();
        assert_eq!(shared.names().len(), 7);
        assert!(!shared.names().contains(&"calm".to_string()));
        // "calm" (index 1) scores highest but cannot be predicted; "sad" (3) is next.
        let scores = vec![0.1, 0.5, 0.05, 0.3, 0.05, 0.0, 0.0, 0.0];
        assert_eq!(shared.argmax(&scores), 3);
        assert_eq!(SharedClasses::all(&model).argmax(&scores), 1);
        // Truth sad and neutral, both predicted sad: accuracy 1/2; UAR over the two true
        // classes (1 + 0) / 2; macro-F1 over sad and neutral only (calm is never predicted).
        let m = shared.score(&[3, 0], &[scores.clone(), scores]);
        assert!((m.accuracy - 0.5).abs() < 1e-12);
        assert!((m.uar - 0.5).abs() < 1e-12);
        assert!((m.macro_f1 - (2.0 / 3.0) / 2.0).abs() < 1e-12, "{}", m.macro_f1);
        let none = Classes::from_labels(["bored"]);
        assert!(SharedClasses::between(&model, &none).is_err());
    }

    #[test]
    fn scores_per_group_are_the_groups_own() {
        let shared = SharedClasses::all(&Classes::from_labels(["a", "b"]));
        let (yes_a, yes_b) = (vec![0.9, 0.1], vec![0.2, 0.8]);
        // Group x: both right; group y: one of two right.
        let truth = [0, 1, 0, 1];
        let scores = [yes_a.clone(), yes_b.clone(), yes_a.clone(), yes_a];
        let groups = ["x", "x", "y", "y"];
        let by = shared.score_by_group(&truth, &scores, &groups);
        assert_eq!(by.keys().collect::<Vec<_>>(), ["x", "y"]);
        assert!((by["x"].accuracy - 1.0).abs() < 1e-12 && by["x"].n == 2);
        assert!((by["y"].accuracy - 0.5).abs() < 1e-12 && (by["y"].uar - 0.5).abs() < 1e-12);
        // One group: nothing to break down.
        assert!(shared.score_by_group(&truth, &scores, &["x"; 4]).is_empty());
    }
}
