//! Flex tensors as host f32 data, for emovox's plain-Rust CPU kernels (the fused LSTM, the
//! convolution gradients, BatchNorm, hardswish): contiguous data in, new tensors out, and the
//! lane-wise sum those kernels reduce with.

use burn::backend::Shape;
use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;

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
