//! Flex tensors as host f32 data, for emovox's plain-Rust CPU kernels (the fused LSTM, the
//! convolution gradients, BatchNorm, hardswish): contiguous data in, new tensors out, the
//! output buffers those kernels fill in parallel, and the lane-wise sum they reduce with.

use burn::backend::Shape;
use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// The tensor with contiguous data (a copy only when it is a strided view).
pub fn contiguous(tensor: &FlexTensor) -> FlexTensor {
    tensor.to_contiguous()
}

/// The f32 data of a contiguous tensor (the kernels run in f32; flex trains in f32).
pub fn f32s(tensor: &FlexTensor) -> &[f32] {
    tensor.as_slice::<f32>().expect("a contiguous f32 tensor")
}

/// A flex tensor of `shape` holding `data`.
pub fn from_f32(data: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape))
}

/// A new buffer of `len` values, filled part by part on rayon's threads: `fill(i, part)` gets
/// the i-th run of `chunk` values (the last may be shorter), zeroed by the thread that fills it
/// just before. `vec![0.0; len]` would zero the whole buffer on the calling thread first: in
/// EfficientAT's training step those serial memsets were a third of the main thread's time,
/// with the worker threads waiting.
pub fn par_filled(len: usize, chunk: usize, fill: impl Fn(usize, &mut [f32]) + Sync) -> Vec<f32> {
    let mut out: Vec<f32> = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len]
        .par_chunks_mut(chunk.max(1))
        .enumerate()
        .for_each(|(i, part)| {
            part.fill(MaybeUninit::new(0.0));
            // SAFETY: every element of `part` was initialised on the line above.
            fill(i, unsafe { part.assume_init_mut() });
        });
    // SAFETY: the parts cover the first `len` elements, and each was initialised.
    unsafe { out.set_len(len) };
    out
}

/// sum of f(a[i], b[i]) in eight f32 lanes (so the compiler vectorises it), returned in f64.
pub fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f64 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(&x, &y)| f64::from(f(x, y)))
        .sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += f(x[l], y[l]);
        }
    }
    lanes.iter().map(|&v| f64::from(v)).sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_filled_zeroes_each_part_and_numbers_the_parts() {
        // Each part writes its index into its first element only: the rest must read zero,
        // and the last part is the short remainder.
        let out = par_filled(10, 4, |i, part| {
            assert_eq!(part.len(), if i == 2 { 2 } else { 4 });
            assert!(part.iter().all(|&v| v == 0.0));
            part[0] = i as f32 + 1.0;
        });
        assert_eq!(out, [1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
        assert!(par_filled(0, 4, |_, _| panic!("no parts of an empty buffer")).is_empty());
    }
}
