//! Convolutions as matrix products: a strided matrix view, gemm's product, the per-thread sum
//! over images, and an image's columns (im2col) and their transpose (col2im), a tile of output
//! rows at a time so that the columns stay in the core's cache.

use super::dims::ConvDims;
use rayon::prelude::*;
use std::ops::Range;

/// How many threads one matrix product may use.
#[derive(Clone, Copy)]
pub struct Threads(gemm::Parallelism);

impl Threads {
    /// The calling thread only (the caller splits the work across threads).
    pub const ONE: Threads = Threads(gemm::Parallelism::None);

    /// Rayon's threads when `parts` pieces of work are too few to keep them all busy.
    pub fn for_parts(parts: usize) -> Threads {
        let n = rayon::current_num_threads();
        if parts >= n {
            Threads::ONE
        } else {
            Threads(gemm::Parallelism::Rayon(n))
        }
    }
}

/// Parts per thread, so that each thread keeps one accumulator of the weight gradient.
fn per_thread(parts: usize) -> usize {
    parts.div_ceil(rayon::current_num_threads()).max(1)
}

/// A matrix read from a slice: element (r, c) at `r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
pub struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// A row-major [rows, cols] matrix.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Matrix<'a> {
        Matrix {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// A [rows, cols] matrix whose rows start `row_stride` values apart.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Matrix<'a> {
        Matrix {
            row_stride,
            ..Matrix::new(data, rows, cols)
        }
    }

    pub fn t(self) -> Matrix<'a> {
        Matrix {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// dst [m, n] (row-major) = a [m, k] b [k, n], added to dst with `accumulate`; gemm's
/// kernels (AVX-512 where the CPU has it), on the calling thread, or on all of rayon's when
/// `threads` says so (for work that is not already split across them).
pub fn matmul(dst: &mut [f32], a: Matrix, b: Matrix, accumulate: bool, threads: Threads) {
    matmul_into(dst, b.cols, a, b, accumulate, threads);
}

/// [`matmul`] into a destination whose rows start `dst_row_stride` values apart.
pub fn matmul_into(dst: &mut [f32], dst_row_stride: usize, a: Matrix, b: Matrix, accumulate: bool, threads: Threads) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner sizes");
    assert!(dst_row_stride >= n, "destination rows overlap");
    let last = |x: &Matrix| (x.rows.max(1) - 1) * x.row_stride + (x.cols.max(1) - 1) * x.col_stride;
    assert!(m * k == 0 || last(&a) < a.data.len(), "left matrix inside its slice");
    assert!(k * n == 0 || last(&b) < b.data.len(), "right matrix inside its slice");
    if m * n == 0 {
        return;
    }
    assert!((m - 1) * dst_row_stride + n <= dst.len(), "destination in its slice");
    // SAFETY: the asserts above keep every element gemm reads or writes inside the slices.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_row_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            threads.0,
        );
    }
}

/// The [cols, rows] transpose of a row-major [rows, cols] matrix, in 16 x 16 tiles (so that
/// reads and writes both stay in cache lines).
pub fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const TILE: usize = 16;
    assert_eq!(data.len(), rows * cols, "matrix size");
    let mut out = vec![0.0f32; data.len()];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    out[c * rows + r] = data[r * cols + c];
                }
            }
        }
    }
    out
}

/// Sum over `parts` (images) of `part(n, accumulator)`, into one accumulator of
/// `len` values per thread.
pub fn sum_over(parts: usize, len: usize, part: impl Fn(usize, &mut [f32]) + Sync) -> Vec<f32> {
    (0..parts)
        .into_par_iter()
        .with_min_len(per_thread(parts))
        .fold(
            || vec![0.0f32; len],
            |mut acc, n| {
                part(n, &mut acc);
                acc
            },
        )
        .reduce(
            || vec![0.0f32; len],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// About how many values one tile of columns holds (512 KB): small enough to stay in a core's
/// L2 cache between im2col writing it and the product reading it. A whole image's columns
/// (the compact CNN's second layer: 144 rows of 32 k positions, 18 MB) went out to memory and
/// back, with a memset of the same size for the input gradient's.
const TILE_VALUES: usize = 1 << 17;

/// The output rows of a non-pointwise convolution in tiles of about [`TILE_VALUES`] columns.
pub fn row_tiles(d: &ConvDims) -> impl Iterator<Item = Range<usize>> + use<> {
    let per_row = (d.c_in * d.k * d.k * d.wo).max(1);
    let rows = (TILE_VALUES / per_row).clamp(1, d.ho.max(1));
    let ho = d.ho;
    (0..ho).step_by(rows).map(move |r| r..(r + rows).min(ho))
}

/// Calls `f(rows, columns)` for each tile of output rows of one image [C_in, H, W] with the
/// tile's columns [C_in k k, rows Wo] ([`im2col`] into one reused buffer); a pointwise
/// convolution's columns are the image itself, one tile of all rows, not copied.
pub fn for_each_column_tile(d: &ConvDims, image: &[f32], mut f: impl FnMut(Range<usize>, Matrix)) {
    let ckk = d.c_in * d.k * d.k;
    if d.unit() {
        return f(0..d.ho, Matrix::new(image, ckk, d.ho * d.wo));
    }
    let mut cols = Vec::new();
    for rows in row_tiles(d) {
        im2col(d, image, rows.clone(), &mut cols);
        f(rows.clone(), Matrix::new(&cols, ckk, rows.len() * d.wo));
    }
}

/// The columns of output rows `rows` of one image [C_in, H, W], written into `cols` as a
/// row-major matrix [C_in k k, rows Wo]: row (c, i, j) holds x[c, ih, iw] for every output
/// position (zero where the kernel reaches into the padding).
fn im2col(d: &ConvDims, image: &[f32], rows: Range<usize>, cols: &mut Vec<f32>) {
    let kk = d.k * d.k;
    cols.clear();
    // Written once, row by row, padding zeros included: zeroing the buffer first was a
    // memset as long as the copy itself.
    let zeros = |cols: &mut Vec<f32>, n: usize| cols.extend(std::iter::repeat_n(0.0, n));
    for r in 0..d.c_in * kk {
        let (c, i, j) = (r / kk, r % kk / d.k, r % d.k);
        let outs = d.columns(j);
        for oh in rows.clone() {
            let Some(ih) = d.row(oh, i) else {
                zeros(cols, d.wo);
                continue;
            };
            let x_row = &image[(c * d.h + ih) * d.w..][..d.w];
            zeros(cols, outs.start);
            if d.stride == 1 {
                let start = d.column(outs.start, j);
                cols.extend_from_slice(&x_row[start..start + outs.len()]);
            } else {
                cols.extend(outs.clone().map(|ow| x_row[d.column(ow, j)]));
            }
            zeros(cols, d.wo - outs.end);
        }
    }
}

/// Adds the column gradients [C_in k k, rows Wo] of output rows `rows` back onto the pixels of
/// one image [C_in, H, W] (the transpose of [`im2col`]).
pub fn col2im(d: &ConvDims, cols: &[f32], rows: Range<usize>, image: &mut [f32]) {
    let kk = d.k * d.k;
    if rows.is_empty() || d.wo == 0 {
        return;
    }
    for (r, col_row) in cols.chunks(rows.len() * d.wo).enumerate() {
        let (c, i, j) = (r / kk, r % kk / d.k, r % d.k);
        let outs = d.columns(j);
        for (oh, row) in rows.clone().zip(col_row.chunks(d.wo)) {
            let Some(ih) = d.row(oh, i) else { continue };
            let x_row = &mut image[(c * d.h + ih) * d.w..][..d.w];
            if d.stride == 1 {
                let start = d.column(outs.start, j);
                for (x, g) in x_row[start..start + outs.len()].iter_mut().zip(&row[outs.clone()]) {
                    *x += g;
                }
            } else {
                for ow in outs.clone() {
                    x_row[d.column(ow, j)] += row[ow];
                }
            }
        }
    }
}
