//! Convolutions without groups (any square kernel, pointwise 1 x 1 included) on flex as matrix
//! products on NCHW data, image by image (images split across threads). With an image's
//! columns C_b [C_in k k, Ho Wo] (im2col; a pointwise convolution's are its pixels), the
//! weight W [C_out, C_in k k] and the output gradient dY_b [C_out, Ho Wo]:
//!
//! - forward Y_b = W C_b;
//! - input gradient: col2im of W^T dY_b;
//! - weight gradient: dW = sum_b dY_b C_b^T, accumulated as its transpose C_b dY_b^T: gemm
//!   works on column-major results, so this way it packs the small dY_b rather than the
//!   k^2 times larger columns (packing the columns was a quarter of the compact CNN's step).
//!
//! The columns are formed a tile of output rows at a time ([`for_each_column_tile`]), so
//! that they stay in cache between im2col and the product. Putting several small late-stage
//! images into one product (ResNet34's last stage has 16 positions per image) measured no
//! faster, so each product is one image's (or one tile's).

use super::columns::{
    Matrix, Threads, col2im, for_each_column_tile, matmul, matmul_into, row_tiles, sum_over, transpose,
};
use super::dims::ConvDims;
use crate::models::host::par_filled;
use std::ops::Range;

/// Values per input image, output positions per image, rows of the columns (C_in k k).
fn sizes(d: &ConvDims) -> (usize, usize, usize) {
    (d.c_in * d.h * d.w, d.ho * d.wo, d.c_in * d.k * d.k)
}

/// y [B, C_out, Ho, Wo].
pub fn forward(d: &ConvDims, x: &[f32], weight: &[f32]) -> Vec<f32> {
    let (image, positions, ckk) = sizes(d);
    let w = Matrix::new(weight, d.c_out, ckk);
    let threads = Threads::for_parts(d.batch);
    par_filled(d.batch * d.c_out * positions, d.c_out * positions, |b, y_image| {
        for_each_column_tile(d, &x[b * image..][..image], |rows, cols| {
            matmul_into(&mut y_image[rows.start * d.wo..], positions, w, cols, false, threads);
        });
    })
}

/// The [C_out, rows Wo] stretch of one image's output gradient dy_b [C_out, Ho Wo] for output
/// rows `rows` (a strided view).
fn dy_tile<'a>(d: &ConvDims, dy_b: &'a [f32], rows: &Range<usize>) -> Matrix<'a> {
    Matrix::strided(&dy_b[rows.start * d.wo..], d.c_out, rows.len() * d.wo, d.ho * d.wo)
}

/// dx [B, C_in, H, W] from dy [B, C_out, Ho, Wo].
pub fn input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let (image, positions, ckk) = sizes(d);
    let w_t = Matrix::new(weight, d.c_out, ckk).t();
    let threads = Threads::for_parts(d.batch);
    par_filled(d.batch * image, image, |b, dx_image| {
        let dy_b = &dy[b * d.c_out * positions..][..d.c_out * positions];
        if d.unit() {
            return matmul(dx_image, w_t, Matrix::new(dy_b, d.c_out, positions), false, threads);
        }
        let mut cols = Vec::new();
        for rows in row_tiles(d) {
            cols.resize(ckk * rows.len() * d.wo, 0.0);
            matmul(&mut cols, w_t, dy_tile(d, dy_b, &rows), false, threads);
            col2im(d, &cols, rows, dx_image);
        }
    })
}

/// dw [C_out, C_in, k, k] from x [B, C_in, H, W] and dy [B, C_out, Ho, Wo].
pub fn weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (image, positions, ckk) = sizes(d);
    let dw_t = sum_over(d.batch, ckk * d.c_out, |b, acc| {
        let dy_b = &dy[b * d.c_out * positions..][..d.c_out * positions];
        for_each_column_tile(d, &x[b * image..][..image], |rows, cols| {
            matmul(acc, cols, dy_tile(d, dy_b, &rows).t(), true, Threads::ONE);
        });
    });
    transpose(&dw_t, ckk, d.c_out)
}
