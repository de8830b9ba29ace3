//! Affine warp + gain/bias of a batch of single-channel images: resize, rotation, zoom,
//! translation, brightness and contrast in one bilinear pass. `shaders/warp.wgsl` on wgpu,
//! [`warp_cpu`] (the oracle, same arithmetic) elsewhere.

use crate::gpu::kernel::{self, Launch, Shader, groups};
use burn::tensor::Tensor;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A warp as the user thinks of it, in the output image's centred, size-normalised frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Warp {
    /// Rotation in degrees (counter-clockwise in image coordinates).
    pub angle_deg: f64,
    /// Zoom factor (> 1 zooms in).
    pub zoom: f64,
    /// Translation as a fraction of the image (x, y).
    pub shift: (f64, f64),
    /// Multiplies the sampled value (contrast).
    pub gain: f32,
    /// Added after the gain (brightness).
    pub bias: f32,
    /// Value read outside the source image.
    pub fill: f32,
}

impl Warp {
    /// Identity geometry and intensity: a plain resize.
    pub fn identity(fill: f32) -> Warp {
        Warp {
            angle_deg: 0.0,
            zoom: 1.0,
            shift: (0.0, 0.0),
            gain: 1.0,
            bias: 0.0,
            fill,
        }
    }

    /// Pixel-space coefficients `[m00, m01, m10, m11, c0, c1]` mapping output pixel (x, y) to
    /// input pixel coordinates, derived in f64 so the identity is exact.
    pub fn pixel_map(&self, input: [usize; 2], output: [usize; 2]) -> [f32; 6] {
        let ([h_in, w_in], [h_out, w_out]) = (input.map(|v| v as f64), output.map(|v| v as f64));
        let (sin, cos) = self.angle_deg.to_radians().sin_cos();
        let snap = |v: f64| if v.abs() < 1e-12 { 0.0 } else { v };
        let (cos, sin) = (snap(cos), snap(sin));
        let z = self.zoom;
        // Centred, normalised coordinate of output pixel 0, minus the shift.
        let u0 = 0.5 / w_out - 0.5 - self.shift.0;
        let v0 = 0.5 / h_out - 0.5 - self.shift.1;
        [
            (w_in / (z * w_out) * cos) as f32,
            (w_in / (z * h_out) * sin) as f32,
            (-h_in / (z * w_out) * sin) as f32,
            (h_in / (z * h_out) * cos) as f32,
            (w_in / z * (cos * u0 + sin * v0) + w_in / 2.0 - 0.5) as f32,
            (h_in / z * (-sin * u0 + cos * v0) + h_in / 2.0 - 0.5) as f32,
        ]
    }
}

fn sample(img: &[f32], h: usize, w: usize, m: &[f32; 6], x: f32, y: f32, fill: f32) -> f32 {
    let xi = m[0] * x + m[1] * y + m[4];
    let yi = m[2] * x + m[3] * y + m[5];
    let (x0, y0) = (xi.floor(), yi.floor());
    let (fx, fy) = (xi - x0, yi - y0);
    let (ix, iy) = (x0 as i64, y0 as i64);
    let tap = |yy: i64, xx: i64| {
        if xx < 0 || yy < 0 || xx >= w as i64 || yy >= h as i64 {
            fill
        } else {
            img[yy as usize * w + xx as usize]
        }
    };
    let top = tap(iy, ix) * (1.0 - fx) + tap(iy, ix + 1) * fx;
    let bottom = tap(iy + 1, ix) * (1.0 - fx) + tap(iy + 1, ix + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// CPU reference: `images` row-major [batch, h, w] -> [batch, out_h, out_w].
pub fn warp_cpu(images: &[f32], shape: [usize; 3], warps: &[Warp], output: [usize; 2]) -> Vec<f32> {
    let [batch, h, w] = shape;
    let [oh, ow] = output;
    assert_eq!(warps.len(), batch, "one warp per image");
    let mut out = vec![0.0f32; batch * oh * ow];
    out.par_chunks_mut(oh * ow).enumerate().for_each(|(b, dst)| {
        let warp = &warps[b];
        let m = warp.pixel_map([h, w], output);
        let img = &images[b * h * w..(b + 1) * h * w];
        for (i, v) in dst.iter_mut().enumerate() {
            let s = sample(img, h, w, &m, (i % ow) as f32, (i / ow) as f32, warp.fill);
            *v = warp.gain * s + warp.bias;
        }
    });
    out
}

/// Warps a batch [batch, h, w] on its own device (kernel on wgpu, CPU reference elsewhere).
pub fn warp(images: Tensor<3>, warps: &[Warp], output: [usize; 2]) -> Tensor<3> {
    let [batch, h, w] = images.dims();
    let [oh, ow] = output;
    let mut params = vec![batch as u32, h as u32, w as u32, oh as u32, ow as u32];
    for warp in warps {
        params.extend(warp.pixel_map([h, w], output).iter().map(|v| v.to_bits()));
        params.extend([warp.gain.to_bits(), warp.bias.to_bits(), warp.fill.to_bits()]);
    }
    let launch = Launch {
        shader: Shader::Warp,
        constants: vec![],
        params,
        out_shape: vec![batch, oh, ow],
        grid: [groups(oh * ow), batch as u32, 1],
    };
    kernel::run_or_cpu(images, launch, |host| warp_cpu(host, [batch, h, w], warps, output))
}
