//! Log-mel and MFCC features. One [`FeatureConfig`], two implementations: the plain-Rust
//! [`cpu`] reference (oracle and CPU path) and the WGSL kernels in [`gpu`] that run on a
//! Burn tensor's own buffers on the wgpu device.

use crate::error::{Error, Result};
use crate::gpu::Compute;
use burn::tensor::{Tensor, TensorData};

pub mod config;
pub mod cpu;
pub mod filters;
pub mod gpu;

pub use config::FeatureConfig;
pub use cpu::CpuFrontEnd;
pub use gpu::GpuFrontEnd;

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

/// Clips of unequal length zero-padded at the end to the longest, as one row-major buffer.
pub fn pad_batch<S: AsRef<[f32]>>(clips: &[S]) -> (Vec<f32>, usize) {
    let len = clips.iter().map(|c| c.as_ref().len()).max().unwrap_or(0);
    let mut flat = vec![0.0f32; clips.len() * len];
    for (row, clip) in flat.chunks_mut(len.max(1)).zip(clips) {
        row[..clip.as_ref().len()].copy_from_slice(clip.as_ref());
    }
    (flat, len)
}

/// Bytes of intermediate spectrogram per GPU launch; keeps every storage binding far below
/// the smallest per-binding limit (128 MiB on lavapipe).
const GPU_CHUNK_BYTES: usize = 64 << 20;

/// Log-mels of a batch of clips (zero-padded to one length) as a tensor
/// [clips, n_mels, frames] on `compute`'s device: WGSL kernels on wgpu, uploaded in chunks and
/// never read back; the CPU reference on all cores otherwise.
pub fn log_mel_tensor<S: AsRef<[f32]> + Sync>(
    compute: &Compute,
    clips: &[S],
    cfg: &FeatureConfig,
) -> Result<Tensor<3>> {
    if clips.is_empty() {
        return Err(Error::Data("no clips to compute features for".into()));
    }
    let (flat, len) = pad_batch(clips);
    if len == 0 {
        return Err(Error::Data("all clips are empty".into()));
    }
    let frames = cfg.n_frames(len);
    if compute.is_wgpu() {
        let gpu = GpuFrontEnd::new(cfg)?;
        let per_clip = frames * cfg.n_bins() * std::mem::size_of::<f32>();
        let chunk = (GPU_CHUNK_BYTES / per_clip.max(1)).clamp(1, 4096);
        let parts: Vec<Tensor<3>> = flat
            .chunks(chunk * len)
            .map(|rows| {
                let n = rows.len() / len;
                let audio = Tensor::<2>::from_data(TensorData::new(rows.to_vec(), [n, len]), &compute.device);
                gpu.log_mel(audio)
            })
            .collect();
        return Ok(Tensor::cat(parts, 0));
    }
    let cpu = CpuFrontEnd::new(cfg)?;
    let rows: Vec<&[f32]> = flat.chunks(len).collect();
    let maps = cpu.log_mel_batch(&rows);
    let data: Vec<f32> = maps.into_iter().flat_map(|m| m.data).collect();
    Ok(Tensor::from_data(
        TensorData::new(data, [clips.len(), cfg.n_mels, frames]),
        &compute.device,
    ))
}
