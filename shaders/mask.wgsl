// mask.wgsl: SpecAugment-style masks. Whole rows (frequency bands) and whole columns (time
// spans) of each image are set to a fill value.
//
// Grid: (ceil(h * w / {{ wg }}), batch, 1); one invocation per pixel.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, h, w] f32
//   1 out    [batch, h, w] f32
//   2 params u32 array: [0] batch [1] h [2] w [3] n_freq [4] n_time [5] fill (f32 bits), then per
//       example b, at 6 + b * 2 (n_freq + n_time): n_freq (first row, rows) pairs followed by
//       n_time (first column, columns) pairs; a pair with 0 rows/columns masks nothing.
// Math: out = fill if the pixel's row lies in a frequency mask or its column in a time mask,
// else the input value.

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let batch = params[0];
    let h = params[1];
    let w = params[2];
    let n_freq = params[3];
    let n_time = params[4];
    let fill = bitcast<f32>(params[5]);
    let b = gid.y;
    let idx = gid.x;
    if (b >= batch || idx >= h * w) {
        return;
    }
    let row = idx / w;
    let col = idx % w;
    let base = 6u + b * 2u * (n_freq + n_time);
    var masked = false;
    for (var i = 0u; i < n_freq; i = i + 1u) {
        let start = params[base + 2u * i];
        if (row >= start && row < start + params[base + 2u * i + 1u]) {
            masked = true;
        }
    }
    let tbase = base + 2u * n_freq;
    for (var i = 0u; i < n_time; i = i + 1u) {
        let start = params[tbase + 2u * i];
        if (col >= start && col < start + params[tbase + 2u * i + 1u]) {
            masked = true;
        }
    }
    let at = b * h * w + idx;
    if (masked) {
        out[at] = fill;
    } else {
        out[at] = input[at];
    }
}
