//! Depthwise convolution gradients on flex (groups = C_in = C_out, weight [C, 1, k, k]), in
//! plain Rust on x [B, C, H, W] and dy [B, C, Ho, Wo], with ih = oh s + i - p, iw = ow s + j - p:
//!
//! - dx[b, c, ih, iw] = sum_{i, j} dy[b, c, oh, ow] w[c, i, j] (each plane on its own thread);
//! - dw[c, i, j] = sum_{b, oh, ow} dy[b, c, oh, ow] x[b, c, ih, iw] (each channel on its own).
//!
//! Burn's generic gradients loop over the channels one small convolution at a time.

use super::dims::ConvDims;
use crate::models::host::{lane_sum, par_filled};
use rayon::prelude::*;

/// dx [B, C, H, W] of a depthwise convolution.
pub fn input_grad(d: &ConvDims, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, kk) = (d.h * d.w, d.ho * d.wo, d.k * d.k);
    par_filled(d.batch * d.c_in * plane_in, plane_in, |bc, dx_plane| {
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
    })
}

/// dw [C, 1, k, k] of a depthwise convolution.
pub fn weight_grad(d: &ConvDims, x: &[f32], dy: &[f32]) -> Vec<f32> {
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
