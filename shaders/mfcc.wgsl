// mfcc.wgsl: orthonormal DCT-II along the mel axis of a batched log-mel map.
//
// Grid: (ceil(n_mfcc * frames / {{ wg }}), batch, 1); one invocation per output value.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, n_mels, frames] f32 (dB)
//   1 out    [batch, n_mfcc, frames] f32
//   2 params u32 array: [0] batch [1] n_mels [2] frames [3] n_mfcc
//       [4 ..) DCT basis [n_mfcc, n_mels] (f32 bits), scipy dct(type=2, norm="ortho") rows
// Math: out[b, c, t] = sum_m D[c, m] * input[b, m, t].

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let batch = params[0];
    let n_mels = params[1];
    let frames = params[2];
    let n_mfcc = params[3];
    let b = gid.y;
    let idx = gid.x;
    if (b >= batch || idx >= n_mfcc * frames) {
        return;
    }
    let c = idx / frames;
    let t = idx % frames;
    var acc = 0.0;
    for (var m = 0u; m < n_mels; m = m + 1u) {
        acc = acc + bitcast<f32>(params[4u + c * n_mels + m]) * input[(b * n_mels + m) * frames + t];
    }
    out[(b * n_mfcc + c) * frames + t] = acc;
}
