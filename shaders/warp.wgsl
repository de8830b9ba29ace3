// warp.wgsl: per-example affine resampling (bilinear) plus gain and bias of a batch of images.
// One kernel covers resizing (identity transform to another size), rotation, zoom, translation
// and brightness / contrast.
//
// Grid: (ceil(h_out * w_out / {{ wg }}), batch, 1); one invocation per output pixel.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, h_in, w_in]   f32
//   1 out    [batch, h_out, w_out] f32
//   2 params u32 array: [0] batch [1] h_in [2] w_in [3] h_out [4] w_out, then for each example b
//       nine f32 (bits) at 5 + 9 b: m00 m01 m10 m11 c0 c1 gain bias fill
// Math: output pixel (y, x) samples the input at
//   xi = m00 x + m01 y + c0,  yi = m10 x + m11 y + c1        (pixel-index coordinates)
// bilinearly; taps outside the input read `fill`; out = gain * sample + bias.
// The host derives m and c in f64 from angle / zoom / shift / sizes (augment::WarpParams).

fn tap(base: u32, h: u32, w: u32, y: i32, x: i32, fill: f32) -> f32 {
    if (x < 0 || y < 0 || x >= i32(w) || y >= i32(h)) {
        return fill;
    }
    return input[base + u32(y) * w + u32(x)];
}

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let batch = params[0];
    let h_in = params[1];
    let w_in = params[2];
    let h_out = params[3];
    let w_out = params[4];
    let b = gid.y;
    let idx = gid.x;
    if (b >= batch || idx >= h_out * w_out) {
        return;
    }
    let y = f32(idx / w_out);
    let x = f32(idx % w_out);
    let p = 5u + 9u * b;
    let m00 = bitcast<f32>(params[p]);
    let m01 = bitcast<f32>(params[p + 1u]);
    let m10 = bitcast<f32>(params[p + 2u]);
    let m11 = bitcast<f32>(params[p + 3u]);
    let c0 = bitcast<f32>(params[p + 4u]);
    let c1 = bitcast<f32>(params[p + 5u]);
    let gain = bitcast<f32>(params[p + 6u]);
    let bias = bitcast<f32>(params[p + 7u]);
    let fill = bitcast<f32>(params[p + 8u]);
    let xi = m00 * x + m01 * y + c0;
    let yi = m10 * x + m11 * y + c1;
    let x0 = floor(xi);
    let y0 = floor(yi);
    let fx = xi - x0;
    let fy = yi - y0;
    let ix = i32(x0);
    let iy = i32(y0);
    let base = b * h_in * w_in;
    let top = tap(base, h_in, w_in, iy, ix, fill) * (1.0 - fx) + tap(base, h_in, w_in, iy, ix + 1, fill) * fx;
    let bottom = tap(base, h_in, w_in, iy + 1, ix, fill) * (1.0 - fx) + tap(base, h_in, w_in, iy + 1, ix + 1, fill) * fx;
    out[idx + b * h_out * w_out] = gain * (top * (1.0 - fy) + bottom * fy) + bias;
}
