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
use crate::models::host::{contiguous, f32s, from_f32};
use burn::backend::TensorMetadata;
use burn::backend::flex::{Flex, FlexTensor};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};

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

/// Rows of `out` ([B, T, 2, width]) split by direction, each list indexed by b T + t: both
/// directions write the one buffer in parallel, no scatter afterwards.
fn split_directions(out: &mut [f32], width: usize) -> [Vec<&mut [f32]>; 2] {
    let mut rows = [Vec::new(), Vec::new()];
    for (i, row) in out.chunks_exact_mut(width).enumerate() {
        rows[i % 2].push(row);
    }
    rows
}

/// Whether the gate loops may run their AVX2 build (the crate targets baseline x86-64, SSE2).
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`cell_forward`] and [`cell_backward`] compiled for AVX2 (8 lanes instead of 4).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2")]
    pub fn cell_forward(z: &[f32], c: &mut [f32], h_out: &mut [f32], st: &mut [f32]) {
        super::cell_forward(z, c, h_out, st)
    }

    #[target_feature(enable = "avx2")]
    pub fn cell_backward(st: &[f32], c_prev: &[f32], dh: &[f32], dh_next: &[f32], dc: &mut [f32], dz: &mut [f32]) {
        super::cell_backward(st, c_prev, dh, dh_next, dc, dz)
    }
}

/// [`cell_forward`], in its AVX2 build when `avx2` (from [`has_avx2`]).
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
fn cell_forward_on(avx2: bool, z: &[f32], c: &mut [f32], h_out: &mut [f32], st: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` comes from has_avx2(): this CPU executes AVX2 instructions.
        return unsafe { avx2::cell_forward(z, c, h_out, st) };
    }
    cell_forward(z, c, h_out, st)
}

/// [`cell_backward`], in its AVX2 build when `avx2` (from [`has_avx2`]).
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
fn cell_backward_on(
    avx2: bool,
    st: &[f32],
    c_prev: &[f32],
    dh: &[f32],
    dh_next: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` comes from has_avx2(): this CPU executes AVX2 instructions.
        return unsafe { avx2::cell_backward(st, c_prev, dh, dh_next, dc, dz) };
    }
    cell_backward(st, c_prev, dh, dh_next, dc, dz)
}

/// One cell step of one batch row: pre-activations z [4H] in, c [H] updated, h [H] and the
/// state row [6H] (h, c, i, f, g, o) written. Equal-length slices so the loop vectorises.
#[inline(always)]
fn cell_forward(z: &[f32], c: &mut [f32], h_out: &mut [f32], st: &mut [f32]) {
    let h = c.len();
    let (zi, zf, zg, zo) = (&z[..h], &z[h..2 * h], &z[2 * h..3 * h], &z[3 * h..4 * h]);
    let (sh, rest) = st.split_at_mut(h);
    let (sc, rest) = rest.split_at_mut(h);
    let (si, rest) = rest.split_at_mut(h);
    let (sf, rest) = rest.split_at_mut(h);
    let (sg, so) = rest.split_at_mut(h);
    let (h_out, so) = (&mut h_out[..h], &mut so[..h]);
    for j in 0..h {
        let i = sigmoid(zi[j]);
        let f = sigmoid(zf[j]);
        let g = tanh(zg[j]);
        let o = sigmoid(zo[j]);
        let cj = f * c[j] + i * g;
        let hj = o * tanh(cj);
        c[j] = cj;
        h_out[j] = hj;
        sh[j] = hj;
        sc[j] = cj;
        si[j] = i;
        sf[j] = f;
        sg[j] = g;
        so[j] = o;
    }
}

/// One direction of the forward recurrence, writing that direction's state rows.
fn forward_direction(dims: &LstmDims, xproj: &[f32], w_hh: &[f32], d: usize, mut rows: Vec<&mut [f32]>) {
    let (b, t_len, h, g) = (dims.b, dims.t, dims.h, dims.gates());
    let wt = transposed(dims, w_hh, d);
    let avx2 = has_avx2();
    let mut h_prev = Array2::<f32>::zeros((b, h));
    let mut c = vec![0.0f32; b * h];
    let mut z = Array2::<f32>::zeros((b, g));
    for s in 0..t_len {
        let t = time(dims, d, s);
        let zs = z.as_slice_mut().expect("standard layout");
        for (row, zr) in zs.chunks_exact_mut(g).enumerate() {
            let at = ((row * t_len + t) * 2 + d) * g;
            zr.copy_from_slice(&xproj[at..at + g]);
        }
        general_mat_mul(1.0, &h_prev, &wt, 1.0, &mut z);
        let zs = z.as_slice().expect("standard layout");
        let hs = h_prev.as_slice_mut().expect("standard layout");
        for (row, ((zr, cr), hr)) in zs
            .chunks_exact(g)
            .zip(c.chunks_exact_mut(h))
            .zip(hs.chunks_exact_mut(h))
            .enumerate()
        {
            cell_forward_on(avx2, zr, cr, hr, rows[row * t_len + t]);
        }
    }
}

/// Forward recurrence of both directions from h = c = 0: the state [B, T, 2, 6H].
pub fn forward(dims: &LstmDims, xproj: &[f32], w_hh: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; dims.b * dims.t * 2 * 6 * dims.h];
    let [r0, r1] = split_directions(&mut out, 6 * dims.h);
    rayon::join(
        || forward_direction(dims, xproj, w_hh, 0, r0),
        || forward_direction(dims, xproj, w_hh, 1, r1),
    );
    out
}

/// One cell step backwards for one batch row: from its state row [6H], c one step earlier
/// (zeros at the first step), the output gradient dh [H] and dh_next [H] from the later step;
/// dc [H] updated, the gate gradients dz [4H] written.
#[inline(always)]
fn cell_backward(st: &[f32], c_prev: &[f32], dh: &[f32], dh_next: &[f32], dc: &mut [f32], dz: &mut [f32]) {
    let h = dc.len();
    let (c, i, f, g, o) = (
        &st[h..2 * h],
        &st[2 * h..3 * h],
        &st[3 * h..4 * h],
        &st[4 * h..5 * h],
        &st[5 * h..6 * h],
    );
    let (c_prev, dh, dh_next) = (&c_prev[..h], &dh[..h], &dh_next[..h]);
    let (dzi, rest) = dz.split_at_mut(h);
    let (dzf, rest) = rest.split_at_mut(h);
    let (dzg, dzo) = rest.split_at_mut(h);
    let dzo = &mut dzo[..h];
    for j in 0..h {
        let dhv = dh[j] + dh_next[j];
        let tc = tanh(c[j]);
        let dct = dc[j] + dhv * o[j] * (1.0 - tc * tc);
        dzi[j] = dct * g[j] * i[j] * (1.0 - i[j]);
        dzf[j] = dct * c_prev[j] * f[j] * (1.0 - f[j]);
        dzg[j] = dct * i[j] * (1.0 - g[j] * g[j]);
        dzo[j] = dhv * tc * o[j] * (1.0 - o[j]);
        dc[j] = dct * f[j];
    }
}

/// One direction of back-propagation through time, writing that direction's gate-gradient rows.
fn backward_direction(dims: &LstmDims, state: &[f32], dh: &[f32], w_hh: &[f32], d: usize, mut rows: Vec<&mut [f32]>) {
    let (b, t_len, h, g) = (dims.b, dims.t, dims.h, dims.gates());
    let w = ArrayView2::from_shape((g, h), &w_hh[d * g * h..(d + 1) * g * h]).expect("w_hh holds [2, 4H, H]");
    let zeros = vec![0.0f32; h];
    let avx2 = has_avx2();
    let mut dh_next = Array2::<f32>::zeros((b, h));
    let mut dc = vec![0.0f32; b * h];
    let mut dz = Array2::<f32>::zeros((b, g));
    let state_row = |row: usize, t: usize| &state[((row * t_len + t) * 2 + d) * 6 * h..][..6 * h];
    for s in (0..t_len).rev() {
        let t = time(dims, d, s);
        let dhn = dh_next.as_slice().expect("standard layout");
        let dzs = dz.as_slice_mut().expect("standard layout");
        for (row, ((dzr, dcr), dhr)) in dzs
            .chunks_exact_mut(g)
            .zip(dc.chunks_exact_mut(h))
            .zip(dhn.chunks_exact(h))
            .enumerate()
        {
            let c_prev = if s > 0 {
                &state_row(row, time(dims, d, s - 1))[h..2 * h]
            } else {
                &zeros[..]
            };
            let dho = &dh[((row * t_len + t) * 2 + d) * h..][..h];
            cell_backward_on(avx2, state_row(row, t), c_prev, dho, dhr, dcr, dzr);
            rows[row * t_len + t].copy_from_slice(dzr);
        }
        general_mat_mul(1.0, &dz, &w, 0.0, &mut dh_next);
    }
}

/// Back-propagation through time of both directions: the gate gradients [B, T, 2, G].
pub fn backward(dims: &LstmDims, state: &[f32], dh: &[f32], w_hh: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; dims.b * dims.t * 2 * dims.gates()];
    let [r0, r1] = split_directions(&mut out, dims.gates());
    rayon::join(
        || backward_direction(dims, state, dh, w_hh, 0, r0),
        || backward_direction(dims, state, dh, w_hh, 1, r1),
    );
    out
}

/// On flex (CPU memory) the extension runs the twin directly on the tensors' host data.
impl LstmOps for Flex {
    fn lstm_forward(xproj: FlexTensor, w_hh: FlexTensor) -> FlexTensor {
        let dims = LstmDims::of(&xproj.shape(), &w_hh.shape());
        let (x, w) = (contiguous(&xproj), contiguous(&w_hh));
        let state = forward(&dims, f32s(&x), f32s(&w));
        from_f32(state, dims.state_shape())
    }

    fn lstm_backward(state: FlexTensor, dh: FlexTensor, w_hh: FlexTensor) -> FlexTensor {
        let h = w_hh.shape()[2];
        let dims = LstmDims {
            b: state.shape()[0],
            t: state.shape()[1],
            h,
        };
        let (s, d, w) = (contiguous(&state), contiguous(&dh), contiguous(&w_hh));
        let gates = backward(&dims, f32s(&s), f32s(&d), f32s(&w));
        from_f32(gates, dims.gates_shape())
    }
}
