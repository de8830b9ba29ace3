// lstm_backward.wgsl: back-propagation through time of one bidirectional LSTM layer in one
// launch: the gate pre-activation gradients of every step and both directions. Own binding
// layout (not bindings.wgsl): the launcher binds the tensors in this order. H, T, G and
// tanh_stable come from lstm_common.wgsl, prepended by the launcher.
//
// Grid: (batch, 2, 1); one workgroup per (batch row b, direction d), {{ wg }} = H invocations,
// one per hidden unit j. Each walks its direction's steps in reverse; the step's 4H gate
// gradients are shared in workgroup memory (unit k's four as one vec4) for dh_prev = W_hh^T dz;
// dc stays in a register.
// Compile-time constants: {{ h }} hidden units H, {{ t }} time steps T.
// Bindings:
//   0 state  [B, T, 2, 6H] f32  h, c, i, f, g, o of every step (lstm_forward.wgsl)
//   1 dh     [B, T, 2, H] f32   gradient of the layer output h
//   2 w4     [2, H, H] vec4<f32>  W_hh per direction as w4[d, k, j] = (W_i, W_f, W_g, W_o)[k, j]
//   3 dgates [B, T, 2, 4H] f32  written: gradients of the gate pre-activations z
// Math (per step, dh' = dh[t] + dh_prev of the later step, c_prev = c one step earlier in the
// direction's walk, 0 at its first step):
//   dc' = dc + dh' o (1 - tanh(c)^2);  dz_i = dc' g i (1 - i);  dz_f = dc' c_prev f (1 - f);
//   dz_g = dc' i (1 - g^2);  dz_o = dh' tanh(c) o (1 - o);  dc = dc' f;  dh_prev = W_hh^T dz.

@group(0) @binding(0) var<storage, read_write> state: array<f32>;
@group(0) @binding(1) var<storage, read_write> dh: array<f32>;
@group(0) @binding(2) var<storage, read_write> w4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dgates: array<f32>;

var<workgroup> dz: array<vec4<f32>, {{ h }}>;

@compute @workgroup_size({{ wg }})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let j = lid.x;
    let b = wid.x;
    let d = wid.y;
    let w_base = d * H * H;
    var dh_next = 0.0;
    var dc = 0.0;
    for (var s = 0u; s < T; s = s + 1u) {
        // Reverse of the forward walk: direction 0 from t = T-1 down, direction 1 from t = 0 up.
        var t = T - 1u - s;
        var t_prev = t - 1u;
        if (d == 1u) {
            t = s;
            t_prev = s + 1u;
        }
        let s_at = ((b * T + t) * 2u + d) * 6u * H;
        let c = state[s_at + H + j];
        let i = state[s_at + 2u * H + j];
        let f = state[s_at + 3u * H + j];
        let g = state[s_at + 4u * H + j];
        let o = state[s_at + 5u * H + j];
        var c_prev = 0.0;
        if (s + 1u < T) {
            c_prev = state[((b * T + t_prev) * 2u + d) * 6u * H + H + j];
        }
        let dhv = dh[((b * T + t) * 2u + d) * H + j] + dh_next;
        let tc = tanh_stable(c);
        let dct = dc + dhv * o * (1.0 - tc * tc);
        let zi = dct * g * i * (1.0 - i);
        let zf = dct * c_prev * f * (1.0 - f);
        let zg = dct * i * (1.0 - g * g);
        let zo = dhv * tc * o * (1.0 - o);
        dc = dct * f;
        let g_at = ((b * T + t) * 2u + d) * G;
        dgates[g_at + j] = zi;
        dgates[g_at + H + j] = zf;
        dgates[g_at + 2u * H + j] = zg;
        dgates[g_at + 3u * H + j] = zo;
        dz[j] = vec4<f32>(zi, zf, zg, zo);
        workgroupBarrier();
        // dh_prev[j] = sum over units k and gates q of dz[q H + k] W_hh[d, q H + k, j]: one
        // iteration per k keeps the loop count at T (H + 1) (lavapipe's limit, see wgsl.rs).
        var acc = 0.0;
        for (var k = 0u; k < H; k = k + 1u) {
            acc = acc + dot(dz[k], w4[w_base + k * H + j]);
        }
        dh_next = acc;
        workgroupBarrier();
    }
}
