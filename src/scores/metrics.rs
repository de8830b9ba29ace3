//! Classification metrics: accuracy, macro- and weighted-F1, unweighted average recall (UAR),
//! per-class precision / recall / F1 and the confusion matrix.
//! Averaging follows scikit-learn: macro-F1 over the classes seen in truth or predictions,
//! UAR (macro recall) over the classes seen in truth, weighted-F1 by true support.

use serde::{Deserialize, Serialize};

/// Scores of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    pub name: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of true examples of the class.
    pub support: usize,
}

/// Everything reported for one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    /// Unweighted average recall (= balanced accuracy).
    pub uar: f64,
    pub per_class: Vec<ClassScores>,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<usize>>,
    pub n: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Metrics {
    /// Scores predictions against truth; `names` gives the classes (indices `0..names.len()`).
    pub fn compute(truth: &[usize], predicted: &[usize], names: &[&str]) -> Metrics {
        assert_eq!(truth.len(), predicted.len(), "truth and predictions differ in length");
        let k = names.len();
        let mut confusion = vec![vec![0usize; k]; k];
        for (&t, &p) in truth.iter().zip(predicted) {
            confusion[t][p] += 1;
        }
        let n = truth.len();
        let correct: usize = (0..k).map(|c| confusion[c][c]).sum();
        let mut per_class = Vec::with_capacity(k);
        let (mut f1_sum, mut f1_count, mut recall_sum, mut recall_count, mut weighted) = (0.0, 0, 0.0, 0, 0.0);
        for c in 0..k {
            let tp = confusion[c][c];
            let support: usize = confusion[c].iter().sum();
            let predicted_c: usize = (0..k).map(|t| confusion[t][c]).sum();
            let precision = ratio(tp, predicted_c);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            if support > 0 || predicted_c > 0 {
                f1_sum += f1;
                f1_count += 1;
            }
            if support > 0 {
                recall_sum += recall;
                recall_count += 1;
            }
            weighted += f1 * support as f64;
            per_class.push(ClassScores {
                name: names[c].to_string(),
                precision,
                recall,
                f1,
                support,
            });
        }
        Metrics {
            accuracy: ratio(correct, n),
            macro_f1: if f1_count > 0 { f1_sum / f1_count as f64 } else { 0.0 },
            weighted_f1: if n > 0 { weighted / n as f64 } else { 0.0 },
            uar: if recall_count > 0 {
                recall_sum / recall_count as f64
            } else {
                0.0
            },
            per_class,
            confusion,
            n,
        }
    }

    /// Sums confusion matrices of several evaluations (e.g. folds) and rescores.
    pub fn pooled(parts: &[Metrics], names: &[&str]) -> Metrics {
        let mut truth = Vec::new();
        let mut predicted = Vec::new();
        for m in parts {
            for (t, row) in m.confusion.iter().enumerate() {
                for (p, &count) in row.iter().enumerate() {
                    truth.extend(std::iter::repeat_n(t, count));
                    predicted.extend(std::iter::repeat_n(p, count));
                }
            }
        }
        Metrics::compute(&truth, &predicted, names)
    }
}

/// Mean and sample standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
}

impl MeanStd {
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len();
        if n == 0 {
            return MeanStd { mean: 0.0, std: 0.0 };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        MeanStd { mean, std }
    }
}

impl std::fmt::Display for MeanStd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} ± {:.3}", self.mean, self.std)
    }
}

/// Mean ± std of the headline metrics over repeats (seeds or folds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub accuracy: MeanStd,
    pub macro_f1: MeanStd,
    pub weighted_f1: MeanStd,
    pub uar: MeanStd,
    pub repeats: usize,
}

impl Summary {
    pub fn of(runs: &[Metrics]) -> Summary {
        let pick = |f: fn(&Metrics) -> f64| MeanStd::of(&runs.iter().map(f).collect::<Vec<_>>());
        Summary {
            accuracy: pick(|m| m.accuracy),
            macro_f1: pick(|m| m.macro_f1),
            weighted_f1: pick(|m| m.weighted_f1),
            uar: pick(|m| m.uar),
            repeats: runs.len(),
        }
    }
}

/// Class probabilities as f64 scores (what [`Metrics`] and [`super::SharedClasses`] take).
pub fn widen(probabilities: &[Vec<f32>]) -> Vec<Vec<f64>> {
    probabilities
        .iter()
        .map(|p| p.iter().map(|&v| f64::from(v)).collect())
        .collect()
}
