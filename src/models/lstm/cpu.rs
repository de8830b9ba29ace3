//! The plain-Rust twin of the two LSTM recurrence kernels (`shaders/lstm_forward.wgsl`,
//! `shaders/lstm_backward.wgsl`): same layouts, same math, used as their test oracle and as the
//! flex CPU training path. The two directions run in parallel (rayon); within a direction each
//! time step is one [batch, H] x [H, 4H] GEMM (ndarray / matrixmultiply) plus element-wise gates.
//!
//! Layouts (row-major, batch-first), with G = 4H gates in PyTorch order i, f, g, o:
//!   xproj  [B, T, 2, G]   x W_ih^T + b_ih + b_hh
//!   w_hh   [2, G, H]
//!   state  [B, T, 2, 6H]  per step h, c, i, f, g, o (gates after their activations)
//!   dh     [B, T, 2, H]   gradient of the layer output
//!   dgates [B, T, 2, G]   gradient of the gate pre-activations

use super::{LstmDims, LstmOps};
use burn::backend::TensorMetadata;
use burn::backend::flex::{Flex, FlexTensor};
use burn::tensor::{DType, TensorData};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// e^x for f32 without a libm call, so the gate loops vectorise (plain SSE2 suffices):
/// x = n ln2 + r with n rounded by the 1.5 * 2^23 shift trick and ln2 split in two (Cephes'
/// constants), a degree-6 Taylor polynomial for e^r (|r| <= ln2/2, relative error < 2e-7), and
/// 2^n through the exponent bits. Inputs are clamped to [-87, 88]: no overflow, no denormals.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let r = (x - n * 0.693_359_4) + n * 2.121_944_4e-4;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let k = t.to_bits() as i32 - SHIFT.to_bits() as i32;
    p * f32::from_bits(((k + 127) as u32) << 23)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    let e = exp(-2.0 * x.abs());
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

/// Time index of processing step `s` in direction `d` (0 walks forward, 1 backward in time).
fn time(dims: &LstmDims, d: usize, s: usize) -> usize {
    if d == 0 { s } else { dims.t - 1 - s }
}

/// W_hh[d]^T as a contiguous [H, G] matrix.
fn transposed(dims: &LstmDims, w_hh: &[f32], d: usize) -> Array2<f32> {
    let (h, g) = (dims.h, dims.gates());
    let w = ArrayView2::from_shape((g, h), &w_hh[d * g * h..(d + 1) * g * h]).expect("w_hh holds [2, 4H, H]");
    w.t().as_standard_layout().into_owned()
}

/// Scatters per-direction buffers [B, T, width] into one [B, T, 2, width].
fn interleave(dims: &LstmDims, width: usize, per_direction: [Vec<f32>; 2]) -> Vec<f32> {
    let mut out = vec![0.0f32; dims.b * dims.t * 2 * width];
    out.par_chunks_mut(2 * width).enumerate().for_each(|(row, chunk)| {
        for (d, buf) in per_direction.iter().enumerate() {
            chunk[d * width..(d + 1) * width].copy_from_slice(&buf[row * width..(row + 1) * width]);
        }
    });
    out
}

/// One direction of the forward recurrence: that direction's [B, T, 6H] slice of the state.
fn forward_direction(dims: &LstmDims, xproj: &[f32], w_hh: &[f32], d: usize) -> Vec<f32> {
    let (b, t_len, h, g) = (dims.b, dims.t, dims.h, dims.gates());
    let wt = transposed(dims, w_hh, d);
    let mut out = vec![0.0f32; b * t_len * 6 * h];
    let mut h_prev = Array2::<f32>::zeros((b, h));
    let mut c = vec![0.0f32; b * h];
    let mut z = Array2::<f32>::zeros((b, g));
    for s in 0..t_len {
        let t = time(dims, d, s);
        for (row, mut zr) in z.rows_mut().into_iter().enumerate() {
            let at = ((row * t_len + t) * 2 + d) * g;
            zr.as_slice_mut().expect("contiguous row").copy_from_slice(&xproj[at..at + g]);
        }
        general_mat_mul(1.0, &h_prev, &wt, 1.0, &mut z);
        for row in 0..b {
            let zr = &z.as_slice().expect("contiguous")[row * g..(row + 1) * g];
            let cr = &mut c[row * h..(row + 1) * h];
            let at = (row * t_len + t) * 6 * h;
            let st = &mut out[at..at + 6 * h];
            let hp = h_prev.row_mut(row).into_slice().expect("contiguous row");
            for j in 0..h {
                let i = sigmoid(zr[j]);
                let f = sigmoid(zr[h + j]);
                let gg = tanh(zr[2 * h + j]);
                let o = sigmoid(zr[3 * h + j]);
                cr[j] = f * cr[j] + i * gg;
                let hv = o * tanh(cr[j]);
                hp[j] = hv;
                st[j] = hv;
                st[h + j] = cr[j];
                st[2 * h + j] = i;
                st[3 * h + j] = f;
                st[4 * h + j] = gg;
                st[5 * h + j] = o;
            }
        }
    }
    out
}

/// Forward recurrence of both directions from h = c = 0: the state [B, T, 2, 6H].
pub fn forward(dims: &LstmDims, xproj: &[f32], w_hh: &[f32]) -> Vec<f32> {
    let (d0, d1) = rayon::join(
        || forward_direction(dims, xproj, w_hh, 0),
        || forward_direction(dims, xproj, w_hh, 1),
    );
    interleave(dims, 6 * dims.h, [d0, d1])
}

/// One direction of back-propagation through time: that direction's [B, T, G] gate gradients.
fn backward_direction(dims: &LstmDims, state: &[f32], dh: &[f32], w_hh: &[f32], d: usize) -> Vec<f32> {
    let (b, t_len, h, g) = (dims.b, dims.t, dims.h, dims.gates());
    let w = ArrayView2::from_shape((g, h), &w_hh[d * g * h..(d + 1) * g * h]).expect("w_hh holds [2, 4H, H]");
    let mut out = vec![0.0f32; b * t_len * g];
    let mut dh_next = Array2::<f32>::zeros((b, h));
    let mut dc = vec![0.0f32; b * h];
    let mut dz = Array2::<f32>::zeros((b, g));
    for s in (0..t_len).rev() {
        let t = time(dims, d, s);
        for row in 0..b {
            let st = &state[((row * t_len + t) * 2 + d) * 6 * h..][..6 * h];
            let c_prev = (s > 0).then(|| {
                let tp = time(dims, d, s - 1);
                &state[((row * t_len + tp) * 2 + d) * 6 * h + h..][..h]
            });
            let dho = &dh[((row * t_len + t) * 2 + d) * h..][..h];
            let dhn = dh_next.row(row);
            let dcr = &mut dc[row * h..(row + 1) * h];
            let dzr = dz.row_mut(row).into_slice().expect("contiguous row");
            for j in 0..h {
                let (c, i, f, gg, o) = (st[h + j], st[2 * h + j], st[3 * h + j], st[4 * h + j], st[5 * h + j]);
                let cp = c_prev.map_or(0.0, |p| p[j]);
                let dhv = dho[j] + dhn[j];
                let tc = tanh(c);
                let dct = dcr[j] + dhv * o * (1.0 - tc * tc);
                dzr[j] = dct * gg * i * (1.0 - i);
                dzr[h + j] = dct * cp * f * (1.0 - f);
                dzr[2 * h + j] = dct * i * (1.0 - gg * gg);
                dzr[3 * h + j] = dhv * tc * o * (1.0 - o);
                dcr[j] = dct * f;
            }
            out[(row * t_len + t) * g..][..g].copy_from_slice(dzr);
        }
        general_mat_mul(1.0, &dz, &w, 0.0, &mut dh_next);
    }
    out
}

/// Back-propagation through time of both directions: the gate gradients [B, T, 2, G].
pub fn backward(dims: &LstmDims, state: &[f32], dh: &[f32], w_hh: &[f32]) -> Vec<f32> {
    let (d0, d1) = rayon::join(
        || backward_direction(dims, state, dh, w_hh, 0),
        || backward_direction(dims, state, dh, w_hh, 1),
    );
    interleave(dims, dims.gates(), [d0, d1])
}


/// Contiguous f32 host data of a flex tensor.
fn host(tensor: &FlexTensor) -> FlexTensor {
    assert_eq!(tensor.dtype(), DType::F32, "the fused BiLSTM runs in f32");
    tensor.to_contiguous()
}

fn values(tensor: &FlexTensor) -> &[f32] {
    tensor.as_slice::<f32>().expect("a contiguous f32 tensor")
}

/// On flex (CPU memory) the extension runs the twin directly on the tensors' host data.
impl LstmOps for Flex {
    fn lstm_forward(xproj: FlexTensor, w_hh: FlexTensor) -> FlexTensor {
        let dims = LstmDims::of(&xproj.shape(), &w_hh.shape());
        let (x, w) = (host(&xproj), host(&w_hh));
        let state = forward(&dims, values(&x), values(&w));
        FlexTensor::from_data(TensorData::new(state, dims.state_shape()))
    }

    fn lstm_backward(state: FlexTensor, dh: FlexTensor, w_hh: FlexTensor) -> FlexTensor {
        let h = w_hh.shape()[2];
        let dims = LstmDims {
            b: state.shape()[0],
            t: state.shape()[1],
            h,
        };
        let (s, d, w) = (host(&state), host(&dh), host(&w_hh));
        let gates = backward(&dims, values(&s), values(&d), values(&w));
        FlexTensor::from_data(TensorData::new(gates, dims.gates_shape()))
    }
}
