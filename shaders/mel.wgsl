// mel.wgsl: sparse mel projection of a batched power spectrogram.
//
// Grid: (ceil(n_mels * frames / {{ wg }}), batch, 1); one invocation per output value.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, frames, n_bins] f32
//   1 out    [batch, n_mels, frames] f32
//   2 params u32 array:
//       [0] batch [1] frames [2] n_bins [3] n_mels
//       [4 .. 4+3*n_mels)  per filter m: first non-zero bin, number of non-zero bins, and the
//                          params index of its first weight
//       [4+3*n_mels ..)    the filters' non-zero weights (f32 bits), concatenated in filter order
// Math: out[b, m, t] = sum_j w_m[j] * input[b, t, start_m + j]  (librosa mel_basis @ S).

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let batch = params[0];
    let frames = params[1];
    let n_bins = params[2];
    let n_mels = params[3];
    let b = gid.y;
    let idx = gid.x;
    if (b >= batch || idx >= n_mels * frames) {
        return;
    }
    let m = idx / frames;
    let t = idx % frames;
    let start = params[4u + 3u * m];
    let count = params[5u + 3u * m];
    let w = params[6u + 3u * m];
    let row = (b * frames + t) * n_bins + start;
    var acc = 0.0;
    for (var j = 0u; j < count; j = j + 1u) {
        acc = acc + bitcast<f32>(params[w + j]) * input[row + j];
    }
    out[(b * n_mels + m) * frames + t] = acc;
}
