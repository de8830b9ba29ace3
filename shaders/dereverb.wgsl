// dereverb.wgsl: late-reverberation suppression on batched mel power (Lebart et al. 2001);
// the CPU twin is features::dereverb::Dereverb::apply.
//
// Grid: (ceil(n_mels * frames / {{ wg }}), batch, 1); one invocation per output value.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, n_mels, frames] f32 mel power
//   1 out    [batch, n_mels, frames] f32
//   2 params u32 array: [0] batch [1] n_mels [2] frames [3] delay d (frames)
//       [4] decay = 10^(-6 d hop / (sr rt60)) [5] floor (f32 bits)
// Math: out[b, m, t] = max(x(t) - decay x(t - d), floor x(t)) for t >= d, else x(t),
//       with x(t) = input[b, m, t].

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let frames = params[2];
    let d = params[3];
    let b = gid.y;
    let idx = gid.x;
    if (b >= params[0] || idx >= params[1] * frames) {
        return;
    }
    let at = b * params[1] * frames + idx;
    let x = input[at];
    if (idx % frames < d) {
        out[at] = x;
        return;
    }
    let late = bitcast<f32>(params[4]) * input[at - d];
    out[at] = max(x - late, bitcast<f32>(params[5]) * x);
}
