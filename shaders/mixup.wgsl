// mixup.wgsl: convex combination of each example with a partner from the same batch
// (mixup, Zhang et al. 2018); used for the images and for their one-hot targets.
//
// Grid: (ceil(n / {{ wg }}), batch, 1); one invocation per value.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, n] f32 (any trailing shape, flattened)
//   1 out    [batch, n] f32
//   2 params u32 array: [0] batch [1] n, then partner index p_b for each b, then lambda_b (f32
//       bits) for each b
// Math: out[b, i] = lambda_b * input[b, i] + (1 - lambda_b) * input[p_b, i].

@compute @workgroup_size({{ wg }})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let batch = params[0];
    let n = params[1];
    let b = gid.y;
    let i = gid.x;
    if (b >= batch || i >= n) {
        return;
    }
    let partner = params[2u + b];
    let lambda = bitcast<f32>(params[2u + batch + b]);
    out[b * n + i] = lambda * input[b * n + i] + (1.0 - lambda) * input[partner * n + i];
}
