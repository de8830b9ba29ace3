//! Features of many clips at once: log-mels as one device tensor [clips, n_mels, frames] (the
//! networks' input, WGSL kernels on wgpu, the CPU reference otherwise) and MFCC time-means (the
//! SVM's).

use super::{CpuFrontEnd, FeatureConfig, GpuFrontEnd};
use crate::error::{Error, Result};
use crate::gpu::Compute;
use burn::tensor::{Tensor, TensorData};
use rayon::prelude::*;

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

/// MFCC time-means of every clip (the SVM's features), CPU reference on all cores.
pub fn mfcc_means(audio: &[Vec<f32>], features: &FeatureConfig) -> Result<Vec<Vec<f32>>> {
    let fe = CpuFrontEnd::new(features)?;
    Ok(audio.par_iter().map(|x| fe.mfcc(x).row_means()).collect())
}
