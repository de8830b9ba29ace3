//! The paper's Model 1: time-means of 20 MFCCs, standardised with training statistics, and an
//! RBF-kernel SVM (sklearn `SVC` defaults: C = 1, gamma = "scale" = 1 / n_features on
//! standardised data). linfa-svm is binary, so the multi-class model is one-vs-one with
//! majority voting (libsvm's scheme), ties broken by the summed decision values.

use crate::error::{Error, Result};
use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// SVM hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmConfig {
    /// Soft-margin penalty C.
    pub c: f64,
    /// RBF width: k(x, y) = exp(-gamma |x - y|^2); `None` = 1 / n_features (sklearn "scale").
    pub gamma: Option<f64>,
}

impl Default for SvmConfig {
    fn default() -> Self {
        SvmConfig { c: 1.0, gamma: None }
    }
}

/// Per-feature standardisation fitted on training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Standardizer {
    pub fn fit(rows: &[Vec<f32>]) -> Standardizer {
        let d = rows.first().map_or(0, Vec::len);
        let n = rows.len().max(1) as f64;
        let mean: Vec<f64> = (0..d)
            .map(|j| rows.iter().map(|r| r[j] as f64).sum::<f64>() / n)
            .collect();
        let std = (0..d)
            .map(|j| {
                let var = rows.iter().map(|r| (r[j] as f64 - mean[j]).powi(2)).sum::<f64>() / n;
                var.sqrt().max(1e-12)
            })
            .collect();
        Standardizer { mean, std }
    }

    pub fn apply(&self, rows: &[Vec<f32>]) -> Array2<f64> {
        let d = self.mean.len();
        Array2::from_shape_fn((rows.len(), d), |(i, j)| {
            (rows[i][j] as f64 - self.mean[j]) / self.std[j]
        })
    }
}

/// One binary classifier of the one-vs-one ensemble: `positive` vs `negative` class.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PairModel {
    positive: usize,
    negative: usize,
    svm: Svm<f64, bool>,
}

/// A trained multi-class SVM with its input standardisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SvmModel {
    pub config: SvmConfig,
    pub standardizer: Standardizer,
    pub classes: usize,
    pairs: Vec<PairModel>,
}

impl SvmModel {
    /// Trains on feature rows and class labels in `0..classes`.
    pub fn fit(rows: &[Vec<f32>], labels: &[usize], classes: usize, config: &SvmConfig) -> Result<SvmModel> {
        if rows.is_empty() || rows.len() != labels.len() {
            return Err(Error::Data(format!(
                "SVM needs matching rows and labels ({} vs {})",
                rows.len(),
                labels.len()
            )));
        }
        let standardizer = Standardizer::fit(rows);
        let x = standardizer.apply(rows);
        let gamma = config.gamma.unwrap_or(1.0 / x.ncols().max(1) as f64);
        let present: Vec<usize> = (0..classes).filter(|c| labels.contains(c)).collect();
        let pairs: Vec<(usize, usize)> = present
            .iter()
            .enumerate()
            .flat_map(|(i, &a)| present[i + 1..].iter().map(move |&b| (a, b)))
            .collect();
        let pairs = pairs
            .into_par_iter()
            .map(|(a, b)| {
                let idx: Vec<usize> = (0..labels.len())
                    .filter(|&i| labels[i] == a || labels[i] == b)
                    .collect();
                let xs = x.select(ndarray::Axis(0), &idx);
                let ys: Array1<bool> = idx.iter().map(|&i| labels[i] == a).collect();
                let svm = Svm::<f64, bool>::params()
                    .gaussian_kernel(1.0 / gamma)
                    .pos_neg_weights(config.c, config.c)
                    .eps(1e-3)
                    .fit(&DatasetBase::new(xs, ys))
                    .map_err(|e| Error::Config(format!("SVM {a} vs {b}: {e}")))?;
                Ok(PairModel {
                    positive: a,
                    negative: b,
                    svm,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SvmModel {
            config: config.clone(),
            standardizer,
            classes,
            pairs,
        })
    }

    fn scores(&self, x: ArrayView1<f64>) -> Vec<f64> {
        let mut votes = vec![0.0f64; self.classes];
        let mut margin = vec![0.0f64; self.classes];
        for p in &self.pairs {
            let d = p.svm.weighted_sum(&x) - p.svm.rho;
            let winner = if d >= 0.0 { p.positive } else { p.negative };
            votes[winner] += 1.0;
            margin[p.positive] += d;
            margin[p.negative] -= d;
        }
        // Votes decide; the summed margins (bounded well below one vote) break ties.
        let scale = margin.iter().map(|m| m.abs()).fold(0.0, f64::max).max(1e-12) * 2.0;
        votes.iter().zip(&margin).map(|(v, m)| v + m / scale * 0.5).collect()
    }

    /// Class scores per row (votes with margin tie-break), for argmax.
    pub fn decision(&self, rows: &[Vec<f32>]) -> Vec<Vec<f64>> {
        let x = self.standardizer.apply(rows);
        x.rows().into_iter().map(|r| self.scores(r)).collect()
    }

    /// Predicted class per row.
    pub fn predict(&self, rows: &[Vec<f32>]) -> Vec<usize> {
        self.decision(rows)
            .iter()
            .map(|s| (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap_or(0))
            .collect()
    }
}
