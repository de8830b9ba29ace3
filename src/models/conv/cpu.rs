//! The convolution gradients on flex, in plain Rust on the tensors' host data (a grouped
//! convolution other than depthwise goes to Burn's):
//!
//! - depthwise (groups = C_in = C_out, weight [C, 1, k, k]), x [B, C, H, W], dy [B, C, Ho, Wo],
//!   with ih = oh s + i - p, iw = ow s + j - p:
//!   dx[b, c, ih, iw] = sum_{i, j} dy[b, c, oh, ow] w[c, i, j] (each plane on its own thread),
//!   dw[c, i, j] = sum_{b, oh, ow} dy[b, c, oh, ow] x[b, c, ih, iw] (each channel on its own);
//! - pointwise (1 x 1, stride 1, no padding, groups 1), per image as matrices X_b [C_in, HW],
//!   dY_b [C_out, HW], W [C_out, C_in]: dX_b = W^T dY_b, dW = sum_b dY_b X_b^T;
//! - any other without groups, the same through the image's columns C_b [C_in k k, Ho Wo]
//!   (im2col): dW = sum_b dY_b C_b^T, and dX_b is col2im of W^T dY_b.

use super::ConvGradOps;
use super::ops::options;
use crate::models::host::{contiguous, f32s, from_f32, lane_sum};
use burn::backend::flex::{Flex, FlexTensor};
use burn::backend::ops::ModuleOps;
use burn::backend::{Shape, TensorMetadata};
use burn::tensor::DType;
use rayon::prelude::*;

/// Sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvDims {
    pub batch: usize,
    pub c_in: usize,
    pub c_out: usize,
    pub h: usize,
    pub w: usize,
    pub ho: usize,
    pub wo: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl ConvDims {
    /// From x [B, C_in, H, W], weight [C_out, _, k, k] and dy [B, C_out, Ho, Wo].
    pub fn of(x: &Shape, weight: &Shape, dy: &Shape, stride: usize, pad: usize) -> ConvDims {
        ConvDims {
            batch: x[0],
            c_in: x[1],
            c_out: weight[0],
            h: x[2],
            w: x[3],
            ho: dy[2],
            wo: dy[3],
            k: weight[2],
            stride,
            pad,
        }
    }

    /// Depthwise: every channel its own k x k filter.
    pub fn depthwise(&self, groups: usize, weight: &Shape) -> bool {
        groups > 1 && groups == self.c_in && self.c_out == self.c_in && weight[1] == 1 && weight[3] == self.k
    }

    /// Pointwise: 1 x 1, stride 1, no padding, no groups.
    pub fn pointwise(&self, groups: usize, weight: &Shape) -> bool {
        self.dense(groups, weight) && self.k == 1 && self.stride == 1 && self.pad == 0
    }

    /// Any square kernel without groups.
    pub fn dense(&self, groups: usize, weight: &Shape) -> bool {
        groups == 1 && weight[1] == self.c_in && weight[3] == self.k
    }

    /// The output columns ow whose input column ow s + j - p lies inside the image.
    fn columns(&self, j: usize) -> std::ops::Range<usize> {
        let (s, p, j) = (self.stride as isize, self.pad as isize, j as isize);
        let lo = (p - j).max(0);
        let lo = (lo + s - 1) / s;
        let last = self.w as isize - 1 + p - j;
        let hi = if last < 0 {
            0
        } else {
            (last / s + 1).min(self.wo as isize)
        };
        lo.min(hi) as usize..hi as usize
    }

    /// The input row of output row `oh` and kernel row `i`, if inside the image.
    fn row(&self, oh: usize, i: usize) -> Option<usize> {
        (oh * self.stride + i).checked_sub(self.pad).filter(|&r| r < self.h)
    }

    /// The input column of output column `ow` and kernel column `j` (inside [`Self::columns`]).
    fn column(&self, ow: usize, j: usize) -> usize {
        ow * self.stride + j - self.pad
    }
}

/// Images per thread, so that each thread keeps one accumulator of the weight gradient.
fn per_thread(batch: usize) -> usize {
    batch.div_ceil(rayon::current_num_threads()).max(1)
}

/// dx [B, C, H, W] of a depthwise convolution.
pub fn depthwise_input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, kk) = (d.h * d.w, d.ho * d.wo, d.k * d.k);
    let mut dx = vec![0.0f32; d.batch * d.c_in * plane_in];
    dx.par_chunks_mut(plane_in.max(1))
        .enumerate()
        .for_each(|(bc, dx_plane)| {
            let c = bc % d.c_in;
            let dy_plane = &dy[bc * plane_out..][..plane_out];
            let filter = &weight[c * kk..][..kk];
            for oh in 0..d.ho {
                let dy_row = &dy_plane[oh * d.wo..][..d.wo];
                for i in 0..d.k {
                    let Some(ih) = d.row(oh, i) else { continue };
                    let dx_row = &mut dx_plane[ih * d.w..][..d.w];
                    for j in 0..d.k {
                        let (tap, cols) = (filter[i * d.k + j], d.columns(j));
                        if d.stride == 1 {
                            let start = d.column(cols.start, j);
                            let out = &mut dx_row[start..start + cols.len()];
                            for (o, g) in out.iter_mut().zip(&dy_row[cols]) {
                                *o += g * tap;
                            }
                        } else {
                            for ow in cols {
                                dx_row[d.column(ow, j)] += dy_row[ow] * tap;
                            }
                        }
                    }
                }
            }
        });
    dx
}

/// dw [C, 1, k, k] of a depthwise convolution.
pub fn depthwise_weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, kk) = (d.h * d.w, d.ho * d.wo, d.k * d.k);
    let mut dw = vec![0.0f32; d.c_in * kk];
    dw.par_chunks_mut(kk).enumerate().for_each(|(c, filter)| {
        // A strided row's input columns, gathered for the dot product.
        let mut strided = vec![0.0f32; d.wo];
        for b in 0..d.batch {
            let x_plane = &x[(b * d.c_in + c) * plane_in..][..plane_in];
            let dy_plane = &dy[(b * d.c_out + c) * plane_out..][..plane_out];
            for i in 0..d.k {
                for j in 0..d.k {
                    let cols = d.columns(j);
                    let mut sum = 0.0f32;
                    for oh in 0..d.ho {
                        let Some(ih) = d.row(oh, i) else { continue };
                        let x_row = &x_plane[ih * d.w..][..d.w];
                        let dy_row = &dy_plane[oh * d.wo..][cols.clone()];
                        let start = d.column(cols.start, j);
                        sum += if d.stride == 1 {
                            lane_sum(dy_row, &x_row[start..start + cols.len()], |g, v| g * v) as f32
                        } else {
                            for (n, ow) in cols.clone().enumerate() {
                                strided[n] = x_row[d.column(ow, j)];
                            }
                            lane_sum(dy_row, &strided[..cols.len()], |g, v| g * v) as f32
                        };
                    }
                    filter[i * d.k + j] += sum;
                }
            }
        }
    });
    dw
}

/// A matrix read from a slice: element (r, c) at `r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// A row-major [rows, cols] matrix.
    fn new(data: &'a [f32], rows: usize, cols: usize) -> Matrix<'a> {
        Matrix {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    fn t(self) -> Matrix<'a> {
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
/// kernels (AVX-512 where the CPU has it), on the calling thread.
fn matmul(dst: &mut [f32], a: Matrix, b: Matrix, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner sizes");
    assert_eq!(dst.len(), m * n, "destination size");
    let last = |x: &Matrix| (x.rows.max(1) - 1) * x.row_stride + (x.cols.max(1) - 1) * x.col_stride;
    assert!(m * k == 0 || last(&a) < a.data.len(), "left matrix inside its slice");
    assert!(k * n == 0 || last(&b) < b.data.len(), "right matrix inside its slice");
    if m * n == 0 {
        return;
    }
    // SAFETY: the asserts above keep every element gemm reads or writes inside the slices.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
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
            gemm::Parallelism::None,
        );
    }
}

/// Sum over images of `image(b, accumulator)` into one [rows, cols] accumulator per thread.
fn sum_over_images(batch: usize, len: usize, image: impl Fn(usize, &mut [f32]) + Sync) -> Vec<f32> {
    (0..batch)
        .into_par_iter()
        .with_min_len(per_thread(batch))
        .fold(
            || vec![0.0f32; len],
            |mut acc, b| {
                image(b, &mut acc);
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

/// dx [B, C_in, H, W] of a pointwise convolution.
pub fn pointwise_input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let hw = d.h * d.w;
    let w_t = Matrix::new(weight, d.c_out, d.c_in).t();
    let mut dx = vec![0.0f32; d.batch * d.c_in * hw];
    dx.par_chunks_mut((d.c_in * hw).max(1))
        .enumerate()
        .for_each(|(b, dx_image)| {
            let dy_b = Matrix::new(&dy[b * d.c_out * hw..][..d.c_out * hw], d.c_out, hw);
            matmul(dx_image, w_t, dy_b, false);
        });
    dx
}

/// dw [C_out, C_in, 1, 1] of a pointwise convolution.
pub fn pointwise_weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let hw = d.h * d.w;
    sum_over_images(d.batch, d.c_out * d.c_in, |b, acc| {
        let x_b = Matrix::new(&x[b * d.c_in * hw..][..d.c_in * hw], d.c_in, hw);
        let dy_b = Matrix::new(&dy[b * d.c_out * hw..][..d.c_out * hw], d.c_out, hw);
        matmul(acc, dy_b, x_b.t(), true);
    })
}

/// The columns of one image [C_in k k, Ho Wo] (row-major): row (c, i, j) holds x[c, ih, iw]
/// for every output position (zero where the kernel reaches into the padding).
fn im2col(d: &ConvDims, image: &[f32]) -> Vec<f32> {
    let (plane, kk, positions) = (d.h * d.w, d.k * d.k, d.ho * d.wo);
    let mut cols = vec![0.0f32; d.c_in * kk * positions];
    for (r, row) in cols.chunks_mut(positions.max(1)).enumerate() {
        let (c, i, j) = (r / kk, r % kk / d.k, r % d.k);
        let cols_j = d.columns(j);
        for oh in 0..d.ho {
            let Some(ih) = d.row(oh, i) else { continue };
            let x_row = &image[c * plane + ih * d.w..][..d.w];
            for ow in cols_j.clone() {
                row[oh * d.wo + ow] = x_row[d.column(ow, j)];
            }
        }
    }
    cols
}

/// Adds the column gradients [C_in k k, Ho Wo] of one image back onto its pixels (the
/// transpose of [`im2col`]).
fn col2im(d: &ConvDims, cols: &[f32], image: &mut [f32]) {
    let (plane, kk, positions) = (d.h * d.w, d.k * d.k, d.ho * d.wo);
    for (r, row) in cols.chunks(positions.max(1)).enumerate() {
        let (c, i, j) = (r / kk, r % kk / d.k, r % d.k);
        let cols_j = d.columns(j);
        for oh in 0..d.ho {
            let Some(ih) = d.row(oh, i) else { continue };
            let x_row = &mut image[c * plane + ih * d.w..][..d.w];
            for ow in cols_j.clone() {
                x_row[d.column(ow, j)] += row[oh * d.wo + ow];
            }
        }
    }
}

/// dx [B, C_in, H, W] of a convolution without groups: per image, the columns' gradient
/// W^T dY_b [C_in k k, Ho Wo] added back onto the pixels.
pub fn dense_input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let (image, positions, ckk) = (d.c_in * d.h * d.w, d.ho * d.wo, d.c_in * d.k * d.k);
    let w_t = Matrix::new(weight, d.c_out, ckk).t();
    let mut dx = vec![0.0f32; d.batch * image];
    dx.par_chunks_mut(image.max(1)).enumerate().for_each(|(b, dx_image)| {
        let dy_b = Matrix::new(
            &dy[b * d.c_out * positions..][..d.c_out * positions],
            d.c_out,
            positions,
        );
        let mut cols = vec![0.0f32; ckk * positions];
        matmul(&mut cols, w_t, dy_b, false);
        col2im(d, &cols, dx_image);
    });
    dx
}

/// dw [C_out, C_in, k, k] of a convolution without groups: sum over images of dY_b times
/// the image's columns, transposed.
pub fn dense_weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (image, positions, ckk) = (d.c_in * d.h * d.w, d.ho * d.wo, d.c_in * d.k * d.k);
    sum_over_images(d.batch, d.c_out * ckk, |b, acc| {
        let cols = im2col(d, &x[b * image..][..image]);
        let dy_b = Matrix::new(
            &dy[b * d.c_out * positions..][..d.c_out * positions],
            d.c_out,
            positions,
        );
        matmul(acc, dy_b, Matrix::new(&cols, ckk, positions).t(), true);
    })
}

/// Which of emovox's kernels computes this convolution's gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Depthwise,
    Pointwise,
    Dense,
}

/// The geometry and kernel of a convolution emovox's kernels take (f32 data), if it is one.
fn kernel(
    x: &FlexTensor,
    weight: &FlexTensor,
    dy: &FlexTensor,
    stride: usize,
    padding: usize,
    groups: usize,
) -> Option<(ConvDims, Kernel)> {
    if ![x, weight, dy].iter().all(|t| t.dtype() == DType::F32) {
        return None;
    }
    let shape = weight.shape();
    let d = ConvDims::of(&x.shape(), &shape, &dy.shape(), stride, padding);
    let kernel = if d.depthwise(groups, &shape) {
        Kernel::Depthwise
    } else if d.pointwise(groups, &shape) {
        Kernel::Pointwise
    } else if d.dense(groups, &shape) {
        Kernel::Dense
    } else {
        return None;
    };
    Some((d, kernel))
}

/// Which gradient of a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gradient {
    Input,
    Weight,
}

/// One gradient of a convolution: emovox's kernel where one takes it, else Burn's.
fn gradient(
    of: Gradient,
    x: FlexTensor,
    weight: FlexTensor,
    dy: FlexTensor,
    (stride, padding, groups): (usize, usize, usize),
) -> FlexTensor {
    let Some((d, kind)) = kernel(&x, &weight, &dy, stride, padding, groups) else {
        let options = options(stride, padding, groups);
        return match of {
            Gradient::Input => Flex::conv2d_x_backward(x, weight, dy, options),
            Gradient::Weight => Flex::conv2d_weight_backward(x, weight, dy, options),
        };
    };
    let g = contiguous(&dy);
    let g = f32s(&g);
    match of {
        Gradient::Input => {
            let w = contiguous(&weight);
            let dx = match kind {
                Kernel::Depthwise => depthwise_input_grad(&d, f32s(&w), g),
                Kernel::Pointwise => pointwise_input_grad(&d, f32s(&w), g),
                Kernel::Dense => dense_input_grad(&d, f32s(&w), g),
            };
            from_f32(dx, x.shape())
        }
        Gradient::Weight => {
            let input = contiguous(&x);
            let dw = match kind {
                Kernel::Depthwise => depthwise_weight_grad(&d, f32s(&input), g),
                Kernel::Pointwise => pointwise_weight_grad(&d, f32s(&input), g),
                Kernel::Dense => dense_weight_grad(&d, f32s(&input), g),
            };
            from_f32(dw, weight.shape())
        }
    }
}

impl ConvGradOps for Flex {
    fn conv_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        dy: FlexTensor,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FlexTensor {
        gradient(Gradient::Input, x, weight, dy, (stride, padding, groups))
    }

    fn conv_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        dy: FlexTensor,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FlexTensor {
        gradient(Gradient::Weight, x, weight, dy, (stride, padding, groups))
    }
}
