//! A row-major 2-D feature map, what the CPU front end returns per clip.

/// A row-major 2-D feature map (e.g. [n_mels, frames]).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMap {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl FeatureMap {
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Self {
        debug_assert_eq!(rows * cols, data.len());
        FeatureMap { rows, cols, data }
    }

    /// Value at (row, col).
    pub fn at(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.cols + col]
    }

    /// Mean of each row over the columns (e.g. MFCC time-means for the SVM).
    pub fn row_means(&self) -> Vec<f32> {
        self.data
            .chunks(self.cols.max(1))
            .map(|r| r.iter().sum::<f32>() / self.cols.max(1) as f32)
            .collect()
    }
}
