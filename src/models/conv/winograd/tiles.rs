//! The transforms of Winograd's F(2x2, 3x3) between images and tiles (the matrices are in the
//! parent module's header): the filters' G g G^T and its adjoint G^T dU G, the input patches'
//! B^T d B, the products' A^T m A back into images, and the output gradient's A dY A^T. Each
//! works on one channel per piece of work and on all tiles of a chunk of images at once: first
//! each tile's values are gathered into one row per position, then the combinations run as
//! row operations the compiler vectorises, so that a small image (ResNet34's last stage is
//! 4 x 4) costs as little per tile as a large one.

use rayon::prelude::*;

/// The 16 positions ξ = 4 i + j of a 4 x 4 tile.
pub const XI: usize = 16;

/// The tiles of a chunk of `batch` images of [h, w]: `rows` x `cols` per image, `count` in
/// all (tile t = (b rows + ty) cols + tx covers outputs 2 ty.. and 2 tx..), and the distance
/// `stride` between the rows of a [16, count] layout: one cache line more than the tiles, so
/// that the 16 rows written together do not all fall into the same cache set (a power-of-two
/// row length put them there and made the transforms a fifth of ResNet34's step).
#[derive(Debug, Clone, Copy)]
pub struct Tiles {
    pub batch: usize,
    pub h: usize,
    pub w: usize,
    pub rows: usize,
    pub cols: usize,
    pub count: usize,
    pub stride: usize,
}

impl Tiles {
    pub fn new(batch: usize, (h, w): (usize, usize)) -> Tiles {
        let (rows, cols) = (h.div_ceil(2), w.div_ceil(2));
        let count = batch * rows * cols;
        Tiles {
            batch,
            h,
            w,
            rows,
            cols,
            count,
            stride: count + 16,
        }
    }

    /// Row k of a layout whose rows lie `stride` apart.
    fn row<'a>(&self, buffer: &'a [f32], k: usize) -> &'a [f32] {
        &buffer[k * self.stride..][..self.count]
    }

    fn row_mut<'a>(&self, buffer: &'a mut [f32], k: usize) -> &'a mut [f32] {
        &mut buffer[k * self.stride..][..self.count]
    }

    /// Each tile's `n` x `n` patch of one channel (`plane(b)` its [h, w] plane of image b) into
    /// `out` [n n, count] (rows `stride` apart): the patch of tile (ty, tx) starts at row and
    /// column 2 ty - (n - 2) / 2 and 2 tx - (n - 2) / 2, zero outside the image (n = 4: the
    /// input patches around each 2 x 2 block; n = 2: the blocks themselves).
    fn gather<'p>(&self, n: usize, plane: impl Fn(usize) -> &'p [f32], out: &mut [f32]) {
        let (border, pw) = ((n - 2) / 2, 2 * self.cols + n - 2);
        let mut padded = vec![0.0f32; (2 * self.rows + n - 2) * pw];
        for b in 0..self.batch {
            for (row, values) in plane(b).chunks_exact(self.w).enumerate() {
                padded[(row + border) * pw + border..][..self.w].copy_from_slice(values);
            }
            for ty in 0..self.rows {
                for tx in 0..self.cols {
                    let tile = (b * self.rows + ty) * self.cols + tx;
                    for i in 0..n {
                        let patch = &padded[(2 * ty + i) * pw + 2 * tx..][..n];
                        for (j, &value) in patch.iter().enumerate() {
                            out[(i * n + j) * self.stride + tile] = value;
                        }
                    }
                }
            }
        }
    }
}

/// Row `i` of B^T applied to four rows: d0 - d2, d1 + d2, d2 - d1, d1 - d3. With B^T's rows
/// over an input's rows this is B^T d; over its columns, (.) B.
fn bt(i: usize, d: [&[f32]; 4], out: &mut [f32]) {
    match i {
        0 => zip_with(out, d[0], d[2], |a, b| a - b),
        1 => zip_with(out, d[1], d[2], |a, b| a + b),
        2 => zip_with(out, d[2], d[1], |a, b| a - b),
        _ => zip_with(out, d[1], d[3], |a, b| a - b),
    }
}

/// Row `i` of A^T applied to four rows: m0 + m1 + m2, m1 - m2 - m3.
fn at(i: usize, m: [&[f32]; 4], out: &mut [f32]) {
    if i == 0 {
        zip_with(out, m[0], m[1], |a, b| a + b);
        zip_with_self(out, m[2], |o, c| o + c);
    } else {
        zip_with(out, m[1], m[2], |a, b| a - b);
        zip_with_self(out, m[3], |o, c| o - c);
    }
}

/// Row `i` of A applied to two rows: y0, y0 + y1, y0 - y1, -y1.
fn a(i: usize, y: [&[f32]; 2], out: &mut [f32]) {
    match i {
        0 => out.copy_from_slice(&y[0][..out.len()]),
        1 => zip_with(out, y[0], y[1], |a, b| a + b),
        2 => zip_with(out, y[0], y[1], |a, b| a - b),
        _ => zip_with(out, y[1], y[1], |a, _| -a),
    }
}

/// Row `k` of G applied to three rows: g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2.
fn g(k: usize, [g0, g1, g2]: [&[f32]; 3], out: &mut [f32]) {
    match k {
        0 => out.copy_from_slice(&g0[..out.len()]),
        1 => zip_with(out, g0, g1, |a, b| a + b),
        2 => zip_with(out, g0, g1, |a, b| a - b),
        _ => out.copy_from_slice(&g2[..out.len()]),
    }
    if k == 1 || k == 2 {
        zip_with_self(out, g2, |o, c| 0.5 * (o + c));
    }
}

/// Row `k` of G^T applied to four rows: x0 + (x1 + x2) / 2, (x1 - x2) / 2, (x1 + x2) / 2 + x3.
fn gt(k: usize, [x0, x1, x2, x3]: [&[f32]; 4], out: &mut [f32]) {
    match k {
        0 => zip_with(out, x1, x2, |a, b| 0.5 * (a + b)),
        1 => zip_with(out, x1, x2, |a, b| 0.5 * (a - b)),
        _ => zip_with(out, x1, x2, |a, b| 0.5 * (a + b)),
    }
    match k {
        0 => zip_with_self(out, x0, |o, a| a + o),
        2 => zip_with_self(out, x3, |o, a| o + a),
        _ => {}
    }
}

/// G g G^T of every filter of weight [C_out, C_in, 3, 3], into U [rows, 16, cols]: rows C_out
/// and cols C_in, or with `turned` rows C_in and cols C_out, each filter turned by 180 degrees
/// (the input gradient's filters). One row per piece of work, along its cols.
pub fn filters(weight: &[f32], rows: usize, cols: usize, turned: bool, u: &mut [f32]) {
    u.par_chunks_mut(XI * cols).enumerate().for_each(|(r, u)| {
        // The nine taps [9, cols] (a turned filter's in reverse order), then G g [12, cols].
        let mut taps = vec![0.0f32; 9 * cols];
        for c in 0..cols {
            let filter = if turned {
                &weight[(c * rows + r) * 9..][..9]
            } else {
                &weight[(r * cols + c) * 9..][..9]
            };
            for (k, &value) in filter.iter().enumerate() {
                taps[(if turned { 8 - k } else { k }) * cols + c] = value;
            }
        }
        let mut gg = vec![0.0f32; 12 * cols];
        for i in 0..4 {
            for j in 0..3 {
                let column = [line(&taps, j, cols), line(&taps, 3 + j, cols), line(&taps, 6 + j, cols)];
                g(i, column, &mut gg[(i * 3 + j) * cols..][..cols]);
            }
        }
        for i in 0..4 {
            for j in 0..4 {
                let rows = std::array::from_fn(|k| line(&gg, i * 3 + k, cols));
                g(j, rows, &mut u[(i * 4 + j) * cols..][..cols]);
            }
        }
    });
}

/// G^T dU G of every filter: dw [C_out, C_in, 3, 3] from dU [16, C_out, C_in]. One output
/// channel per piece of work, along its input channels.
pub fn filter_grads(du: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut dw = vec![0.0f32; c_out * c_in * 9];
    dw.par_chunks_mut(c_in * 9).enumerate().for_each(|(o, dw)| {
        let du = |xi: usize| &du[(xi * c_out + o) * c_in..][..c_in];
        // G^T dU [3 x 4 rows], then (G^T dU) G [9 rows], then into each filter.
        let mut z = vec![0.0f32; 12 * c_in];
        for k in 0..3 {
            for j in 0..4 {
                gt(
                    k,
                    std::array::from_fn(|i| du(4 * i + j)),
                    &mut z[(k * 4 + j) * c_in..][..c_in],
                );
            }
        }
        let mut taps = vec![0.0f32; 9 * c_in];
        for k in 0..3 {
            for l in 0..3 {
                let rows = std::array::from_fn(|j| line(&z, k * 4 + j, c_in));
                gt(l, rows, &mut taps[(k * 3 + l) * c_in..][..c_in]);
            }
        }
        for (i, filter) in dw.chunks_exact_mut(9).enumerate() {
            for (tap, value) in filter.iter_mut().enumerate() {
                *value = taps[tap * c_in + i];
            }
        }
    });
    dw
}

/// B^T d B of every 4 x 4 input patch of x [B, C_in, H, W] (the patch of tile (ty, tx)
/// starts at row 2 ty - 1 and column 2 tx - 1, zero outside the image), as V [C_in, 16, T]
/// with rows `tiles.stride` apart.
pub fn input_tiles(t: &Tiles, c_in: usize, x: &[f32], v: &mut [f32]) {
    let Tiles { h, w, .. } = *t;
    v.par_chunks_mut(XI * t.stride).enumerate().for_each(|(c, v)| {
        // The patches' values by position [16, T], and one row of B^T d.
        let mut d = vec![0.0f32; XI * t.stride];
        let mut r = vec![0.0f32; 4 * t.stride];
        t.gather(4, |b| &x[(b * c_in + c) * h * w..][..h * w], &mut d);
        for i in 0..4 {
            // Row i of B^T d, its four columns j, then row i of (B^T d) B.
            for j in 0..4 {
                let column = std::array::from_fn(|k| t.row(&d, 4 * k + j));
                bt(i, column, t.row_mut(&mut r, j));
            }
            for j in 0..4 {
                bt(j, std::array::from_fn(|k| t.row(&r, k)), t.row_mut(v, i * 4 + j));
            }
        }
    });
}

/// A dY A^T of every 2 x 2 block of the output gradient dy [B, C_out, H, W] (zero where a block
/// reaches past the image), as dM [C_out, 16, T] with rows `tiles.stride` apart.
pub fn gradient_tiles(t: &Tiles, c_out: usize, dy: &[f32], dm: &mut [f32]) {
    let Tiles { h, w, .. } = *t;
    dm.par_chunks_mut(XI * t.stride).enumerate().for_each(|(o, dm)| {
        // The blocks' values by position [4, T], and one row of A dY.
        let mut y = vec![0.0f32; 4 * t.stride];
        let mut r = vec![0.0f32; 2 * t.stride];
        t.gather(2, |b| &dy[(b * c_out + o) * h * w..][..h * w], &mut y);
        for i in 0..4 {
            // Row i of A dY (two columns), then row i of (A dY) A^T.
            for j in 0..2 {
                a(i, [t.row(&y, j), t.row(&y, 2 + j)], t.row_mut(&mut r, j));
            }
            for j in 0..4 {
                a(j, [t.row(&r, 0), t.row(&r, 1)], t.row_mut(dm, i * 4 + j));
            }
        }
    });
}

/// A^T m A of every tile's products into y [B, C_out, H, W] (the parts of a tile past the
/// image left out), from M [16, C_out, T] whose positions lie `block` values apart.
pub fn output_tiles(t: &Tiles, c_out: usize, m: &[f32], block: usize, y: &mut [f32]) {
    let Tiles { h, w, rows, cols, .. } = *t;
    // Each output channel's planes, one per image.
    let mut planes: Vec<Vec<&mut [f32]>> = (0..c_out).map(|_| Vec::with_capacity(t.batch)).collect();
    for (p, plane) in y.chunks_mut(h * w).enumerate() {
        planes[p % c_out].push(plane);
    }
    planes.into_par_iter().enumerate().for_each(|(o, mut planes)| {
        let m = |xi: usize| &m[xi * block + o * t.count..][..t.count];
        // A^T m (2 x 4 rows), then (A^T m) A (2 x 2 rows), then each tile into its plane.
        let mut s = vec![0.0f32; 8 * t.stride];
        let mut out = vec![0.0f32; 4 * t.stride];
        for i in 0..2 {
            for j in 0..4 {
                at(i, std::array::from_fn(|k| m(4 * k + j)), t.row_mut(&mut s, i * 4 + j));
            }
            for j in 0..2 {
                let s_i = std::array::from_fn(|k| t.row(&s, i * 4 + k));
                at(j, s_i, t.row_mut(&mut out, i * 2 + j));
            }
        }
        let pw = 2 * cols;
        let mut full = vec![0.0f32; 2 * rows * pw];
        for (b, plane) in planes.iter_mut().enumerate() {
            for ty in 0..rows {
                for tx in 0..cols {
                    let tile = (b * rows + ty) * cols + tx;
                    for i in 0..2 {
                        let block = &mut full[(2 * ty + i) * pw + 2 * tx..][..2];
                        block[0] = out[(i * 2) * t.stride + tile];
                        block[1] = out[(i * 2 + 1) * t.stride + tile];
                    }
                }
            }
            for (r, values) in plane.chunks_exact_mut(w).enumerate() {
                values.copy_from_slice(&full[r * pw..][..w]);
            }
        }
    });
}

/// Row k of a buffer of rows `len` long.
fn line(buffer: &[f32], k: usize, len: usize) -> &[f32] {
    &buffer[k * len..][..len]
}

/// out[i] = f(a[i], b[i]) over the shortest of the three (a loop the compiler vectorises).
fn zip_with(out: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
    for (o, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = f(a, b);
    }
}

/// out[i] = f(out[i], a[i]).
fn zip_with_self(out: &mut [f32], a: &[f32], f: impl Fn(f32, f32) -> f32) {
    for (o, &a) in out.iter_mut().zip(a) {
        *o = f(*o, a);
    }
}
