//! The geometry of one 2-D convolution (square kernel and stride, the same padding on every
//! side, no dilation): sizes, which kind of convolution it is, and where an output position
//! reads the input (ih = oh s + i - p, iw = ow s + j - p).

use burn::backend::Shape;

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
            ho: dy[2],
            wo: dy[3],
            ..ConvDims::forward(x, weight, stride, pad)
        }
    }

    /// The geometry of the forward pass of x [B, C_in, H, W] through weight [C_out, _, k, k].
    pub fn forward(x: &Shape, weight: &Shape, stride: usize, pad: usize) -> ConvDims {
        let out = |n: usize| (n + 2 * pad).saturating_sub(weight[2]) / stride.max(1) + 1;
        ConvDims {
            batch: x[0],
            c_in: x[1],
            c_out: weight[0],
            h: x[2],
            w: x[3],
            ho: out(x[2]),
            wo: out(x[3]),
            k: weight[2],
            stride,
            pad,
        }
    }

    /// Depthwise: every channel its own k x k filter.
    pub fn depthwise(&self, groups: usize, weight: &Shape) -> bool {
        groups > 1 && groups == self.c_in && self.c_out == self.c_in && weight[1] == 1 && weight[3] == self.k
    }

    /// A 1 x 1 kernel at stride 1 without padding: its columns are the pixels themselves.
    pub fn unit(&self) -> bool {
        self.k == 1 && self.stride == 1 && self.pad == 0
    }

    /// Any square kernel without groups.
    pub fn dense(&self, groups: usize, weight: &Shape) -> bool {
        groups == 1 && weight[1] == self.c_in && weight[3] == self.k
    }

    /// The output columns ow whose input column ow s + j - p lies inside the image.
    pub fn columns(&self, j: usize) -> std::ops::Range<usize> {
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
    pub fn row(&self, oh: usize, i: usize) -> Option<usize> {
        (oh * self.stride + i).checked_sub(self.pad).filter(|&r| r < self.h)
    }

    /// The input column of output column `ow` and kernel column `j` (inside [`Self::columns`]).
    pub fn column(&self, ow: usize, j: usize) -> usize {
        ow * self.stride + j - self.pad
    }
}
