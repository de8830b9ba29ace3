// compress.wgsl: compression of mel power per clip. Two modes:
//   dB  (librosa power_to_db): y = 10 log10(max(amin, x)) - ref_db; with top_db, y is floored
//       at (the clip's maximum y) - top_db.
//   log (EfficientAT): y = (ln(x + offset) + shift) / scale.
//
// Grid: (batch, 1, 1); one workgroup of {{ wg }} invocations per clip.
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, count] f32 (mel power, count = n_mels * frames)
//   1 out    [batch, count] f32
//   2 params u32 array: [0] batch [1] count [2] mode (0 dB, 1 log) [3] has_top_db (0/1)
//       [4] a [5] b [6] c (f32 bits): dB: amin, ref_db = 10 log10(max(amin, ref)), top_db;
//       log: offset, shift, scale

const WG: u32 = {{ wg }}u;
const TEN_LOG10_2: f32 = 3.0102999566398120;

var<workgroup> partial: array<f32, {{ wg }}>;

@compute @workgroup_size({{ wg }})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let b = wid.x;
    let count = params[1];
    let log_mode = params[2] == 1u;
    let has_top = params[3] == 1u;
    let a = bitcast<f32>(params[4]);
    let bb = bitcast<f32>(params[5]);
    let c = bitcast<f32>(params[6]);
    if (b >= params[0]) {
        return;
    }
    let base = b * count;
    if (log_mode) {
        for (var i = lid; i < count; i = i + WG) {
            out[base + i] = (log(input[base + i] + a) + bb) / c;
        }
        return;
    }
    var local_max = -3.0e38;
    for (var i = lid; i < count; i = i + WG) {
        let y = TEN_LOG10_2 * log2(max(a, input[base + i])) - bb;
        out[base + i] = y;
        local_max = max(local_max, y);
    }
    partial[lid] = local_max;
    workgroupBarrier();
    var width = WG / 2u;
    loop {
        if (width == 0u) {
            break;
        }
        if (lid < width) {
            partial[lid] = max(partial[lid], partial[lid + width]);
        }
        workgroupBarrier();
        width = width / 2u;
    }
    if (!has_top) {
        return;
    }
    let floor = partial[0] - c;
    // Each invocation revisits only the values it wrote itself.
    for (var i = lid; i < count; i = i + WG) {
        out[base + i] = max(out[base + i], floor);
    }
}
