//! Winograd's F(2x2, 3x3) convolution ops (the math is in the parent module's header): which
//! convolutions take it, the forward pass and both gradients as 16 matrix products per chunk of
//! images between the transforms of [`super::tiles`], and the buffers kept on a thread between
//! calls.

use super::tiles::{self, Tiles, XI};
use crate::models::conv::columns::{Matrix, Threads, matmul};
use crate::models::conv::dims::ConvDims;
use crate::models::host::par_filled;
use rayon::prelude::*;
use std::cell::RefCell;

/// Whether the convolution is one this module computes: 3 x 3, stride 1, padding 1, at least
/// [`MIN_CHANNELS`] channels in and out (groups are the caller's to rule out).
pub fn applies(d: &ConvDims) -> bool {
    d.k == 3 && d.stride == 1 && d.pad == 1 && d.c_in.min(d.c_out) >= MIN_CHANNELS
}

/// Below this many channels the transforms, which read and write every value four times over,
/// cost more than the multiplications they save: measured on a 2-core Zen 3 at the compact
/// CNN's sizes, 16 and 32 channels ran up to 40% slower than the columns' product (its 1-channel
/// input layer 7x slower), 64 channels and more (ResNet34's) 0-40% faster.
const MIN_CHANNELS: usize = 64;

/// y [B, C_out, H, W] from x [B, C_in, H, W] and weight [C_out, C_in, 3, 3].
pub fn forward(d: &ConvDims, x: &[f32], weight: &[f32]) -> Vec<f32> {
    let u = |u: &mut [f32]| tiles::filters(weight, d.c_out, d.c_in, false, u);
    convolve(d.batch, (d.c_in, d.c_out), (d.h, d.w), x, u)
}

/// dx [B, C_in, H, W] from dy [B, C_out, H, W] and weight [C_out, C_in, 3, 3].
pub fn input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let u = |u: &mut [f32]| tiles::filters(weight, d.c_in, d.c_out, true, u);
    convolve(d.batch, (d.c_out, d.c_in), (d.h, d.w), dy, u)
}

/// dw [C_out, C_in, 3, 3] from x [B, C_in, H, W] and dy [B, C_out, H, W]. U = G g G^T is
/// linear in g and M = U ⊙ V, so dU_ξ = sum over tiles of dM_ξ V_ξ^T (16 products [C_out, T]
/// [T, C_in]) with dM = A dY A^T of each 2 x 2 block of the output gradient, and dg = G^T dU G.
pub fn weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (c_in, c_out, (h, w)) = (d.c_in, d.c_out, (d.h, d.w));
    SCRATCH.with_borrow_mut(|Scratch { u, v, m }| {
        // dU [16, C_out, C_in], summed over the chunks.
        let du = grown(u, XI * c_out * c_in);
        du.fill(0.0);
        for (first, t) in chunks(d.batch, (h, w), c_in.max(c_out)) {
            let x = &x[first * c_in * h * w..][..t.batch * c_in * h * w];
            let dy = &dy[first * c_out * h * w..][..t.batch * c_out * h * w];
            tiles::input_tiles(&t, c_in, x, grown(v, c_in * XI * t.stride));
            tiles::gradient_tiles(&t, c_out, dy, grown(m, c_out * XI * t.stride));
            let (v, m) = (&v[..], &m[..]);
            du.par_chunks_mut(c_out * c_in).enumerate().for_each(|(xi, du)| {
                let dm_xi = Matrix::strided(&m[xi * t.stride..], c_out, t.count, XI * t.stride);
                let v_xi = Matrix::strided(&v[xi * t.stride..], c_in, t.count, XI * t.stride);
                matmul(du, dm_xi, v_xi.t(), true, Threads::for_parts(XI));
            });
        }
        tiles::filter_grads(du, c_out, c_in)
    })
}

/// How many values V and M of one chunk of images may hold each: the batch goes through in
/// chunks of images so that they stay this size (4 MB, so that M is still in cache when the
/// output transform reads it back; 1 and 16 MB measured slower on ResNet34) whatever the batch.
const CHUNK_VALUES: usize = 1 << 20;

/// U, V and M, kept on a thread from one call to the next: fresh pages of their size cost the
/// kernel's page clearing.
#[derive(Default)]
struct Scratch {
    u: Vec<f32>,
    v: Vec<f32>,
    m: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// The first `len` values of the buffer, grown to hold them (contents unspecified: every value
/// read is written first).
fn grown(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    &mut buffer[..len]
}

/// The batch in chunks of images (the first image of each, and its tiles) small enough that V
/// and M, with `channels` rows of tiles, stay within [`CHUNK_VALUES`] (at least one image).
fn chunks(batch: usize, (h, w): (usize, usize), channels: usize) -> impl Iterator<Item = (usize, Tiles)> {
    let per_image = h.div_ceil(2) * w.div_ceil(2) * XI * channels;
    let images = (CHUNK_VALUES / per_image.max(1)).clamp(1, batch.max(1));
    (0..batch)
        .step_by(images)
        .map(move |first| (first, Tiles::new(images.min(batch - first), (h, w))))
}

/// The convolution of x [B, C_in, H, W] with the filters that `filters` writes transformed
/// into U [C_out, 16, C_in] (padding 1, so the output is [B, C_out, H, W]), a chunk of images
/// at a time: V, the 16 products into M [16, C_out, T] (each position's block a cache line
/// longer than its values, as V's rows), and the outputs.
fn convolve(
    batch: usize,
    (c_in, c_out): (usize, usize),
    (h, w): (usize, usize),
    x: &[f32],
    filters: impl FnOnce(&mut [f32]),
) -> Vec<f32> {
    // Zeroed in parallel (a serial memset would leave the workers waiting); every value is
    // written by the output transform.
    let mut y = par_filled(batch * c_out * h * w, h * w, |_, _| {});
    SCRATCH.with_borrow_mut(|Scratch { u, v, m }| {
        filters(grown(u, c_out * XI * c_in));
        let u = &u[..c_out * XI * c_in];
        for (first, t) in chunks(batch, (h, w), c_in.max(c_out)) {
            let x = &x[first * c_in * h * w..][..t.batch * c_in * h * w];
            let y = &mut y[first * c_out * h * w..][..t.batch * c_out * h * w];
            tiles::input_tiles(&t, c_in, x, grown(v, c_in * XI * t.stride));
            let v = &v[..];
            let block = c_out * t.count + 16;
            grown(m, XI * block)
                .par_chunks_mut(block)
                .enumerate()
                .for_each(|(xi, m)| {
                    let u_xi = Matrix::strided(&u[xi * c_in..], c_out, c_in, XI * c_in);
                    let v_xi = Matrix::strided(&v[xi * t.stride..], c_in, t.count, XI * t.stride);
                    matmul(&mut m[..c_out * t.count], u_xi, v_xi, false, Threads::for_parts(XI));
                });
            tiles::output_tiles(&t, c_out, m, block, y);
        }
    });
    y
}
