// lstm_forward.wgsl: the whole forward recurrence of one bidirectional LSTM layer in one launch
// (time loop inside the kernel, both directions in the same grid). Own binding layout (not
// bindings.wgsl): the launcher binds the tensors in this order. H, T, G and
// tanh_stable come from lstm_common.wgsl, prepended by the launcher.
//
// Grid: (batch, 2, 1); one workgroup per (batch row b, direction d), {{ wg }} = H invocations,
// one per hidden unit j. h of the previous step lives in workgroup memory, c in a register.
// Compile-time constants: {{ h }} hidden units H, {{ t }} time steps T (uniform loop bound).
// Bindings:
//   0 xproj [B, T, 2, 4H] f32  x W_ih^T + b_ih + b_hh, gates in PyTorch order i, f, g, o
//   1 w4    [2, H, H] vec4<f32> W_hh per direction as w4[d, k, j] = (W_i, W_f, W_g, W_o)[j, k]:
//                              the four gates of unit j in one load, coalesced over j
//   2 state [B, T, 2, 6H] f32  written: h, c, i, f, g, o of every step
// Math: direction 0 walks t = 0..T-1, direction 1 t = T-1..0, from h = c = 0:
//   z = xproj[b, t, d] + W_hh[d] h_prev; i, f, o = sigmoid(z_i, z_f, z_o), g = tanh(z_g);
//   c = f c + i g; h = o tanh(c).

@group(0) @binding(0) var<storage, read_write> xproj: array<f32>;
@group(0) @binding(1) var<storage, read_write> w4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;

var<workgroup> h_prev: array<f32, {{ h }}>;

fn sigmoid(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}

@compute @workgroup_size({{ wg }})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let j = lid.x;
    let b = wid.x;
    let d = wid.y;
    let w_base = d * H * H;
    h_prev[j] = 0.0;
    var c = 0.0;
    workgroupBarrier();
    for (var s = 0u; s < T; s = s + 1u) {
        var t = s;
        if (d == 1u) {
            t = T - 1u - s;
        }
        let x_at = ((b * T + t) * 2u + d) * G;
        var z = vec4<f32>(xproj[x_at + j], xproj[x_at + H + j], xproj[x_at + 2u * H + j], xproj[x_at + 3u * H + j]);
        for (var k = 0u; k < H; k = k + 1u) {
            z = z + w4[w_base + k * H + j] * h_prev[k];
        }
        let i = sigmoid(z.x);
        let f = sigmoid(z.y);
        let g = tanh_stable(z.z);
        let o = sigmoid(z.w);
        c = f * c + i * g;
        let h = o * tanh_stable(c);
        let s_at = ((b * T + t) * 2u + d) * 6u * H;
        state[s_at + j] = h;
        state[s_at + H + j] = c;
        state[s_at + 2u * H + j] = i;
        state[s_at + 3u * H + j] = f;
        state[s_at + 4u * H + j] = g;
        state[s_at + 5u * H + j] = o;
        workgroupBarrier();
        h_prev[j] = h;
        workgroupBarrier();
    }
}
