// stft.wgsl: batched framing + window + radix-2 complex FFT -> power (or magnitude) spectrum.
//
// Grid: (frames, batch, 1) workgroups of {{ wg }} invocations; one workgroup per (frame, clip).
// Bindings (declared in bindings.wgsl):
//   0 input  [batch, len]            f32, row-major (clips zero-padded to one length)
//   1 out    [batch, frames, n_bins] f32, n_bins = n/2 + 1
//   2 params u32 array:
//       [0] batch [1] len [2] hop [3] frames [4] center (0/1) [5] pad_mode (0 zeros, 1 reflect)
//       [6] power (1 or 2) [7] log2(n) [8] pre-emphasis on (0/1) [9] pre-emphasis c (f32 bits)
//       [10 .. 10+n)          window w[i] (f32 bits), already zero-padded to n
//       [10+n .. 10+n+n)      twiddles: cos, -sin of 2*pi*m/n for m in 0..n/2 (f32 bits, pairs)
// Math: the framed signal is x, or with pre-emphasis e[j] = x[j+1] - c x[j] (len - 1 samples).
// Frame t of clip b reads it at t*hop + i - c0 for i in 0..n, c0 = n/2 if center else 0, with
// out-of-range samples 0 (zeros) or mirrored without edge repeat (reflect); X = FFT(w * frame);
// out = |X_k|^2 (power 2) or |X_k| (power 1) for k in 0..=n/2.
// n = {{ n }} is a compile-time constant (power of two); tables come from the CPU in f64->f32.

const N: u32 = {{ n }}u;
const WG: u32 = {{ wg }}u;

var<workgroup> re: array<f32, {{ n }}>;
var<workgroup> im: array<f32, {{ n }}>;

fn bit_reverse(i: u32, bits: u32) -> u32 {
    return reverseBits(i) >> (32u - bits);
}

fn signal(b: u32, j: u32, len: u32, pre: bool, c: f32) -> f32 {
    if (pre) {
        return input[b * len + j + 1u] - c * input[b * len + j];
    }
    return input[b * len + j];
}

// Sample s of clip b's framed signal (length l after pre-emphasis), padded as configured.
fn sample(b: u32, s: i32, len: u32, reflect: bool, pre: bool, c: f32) -> f32 {
    var l = i32(len);
    if (pre) {
        l = l - 1;
    }
    var j = s;
    if (reflect) {
        if (l <= 1) {
            j = 0;
        } else {
            let period = 2 * (l - 1);
            j = ((j % period) + period) % period;
            if (j >= l) {
                j = period - j;
            }
        }
    } else if (j < 0 || j >= l) {
        return 0.0;
    }
    return signal(b, u32(j), len, pre, c);
}

@compute @workgroup_size({{ wg }})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = wid.x;
    let b = wid.y;
    let batch = params[0];
    let len = params[1];
    let hop = params[2];
    let frames = params[3];
    let center = params[4] == 1u;
    let reflect = params[5] == 1u;
    let power = params[6];
    let bits = params[7];
    let pre = params[8] == 1u;
    let coef = bitcast<f32>(params[9]);
    if (b >= batch || t >= frames) {
        return;
    }
    var offset = i32(t * hop);
    if (center) {
        offset = offset - i32(N / 2u);
    }
    // Load windowed frame in bit-reversed order.
    for (var i = lid; i < N; i = i + WG) {
        let x = sample(b, offset + i32(i), len, reflect, pre, coef) * bitcast<f32>(params[10u + i]);
        let r = bit_reverse(i, bits);
        re[r] = x;
        im[r] = 0.0;
    }
    workgroupBarrier();
    // Iterative Cooley-Tukey butterflies.
    var half = 1u;
    loop {
        if (half >= N) {
            break;
        }
        let stride = N / (2u * half);
        for (var j = lid; j < N / 2u; j = j + WG) {
            let k = j % half;
            let i0 = (j / half) * 2u * half + k;
            let i1 = i0 + half;
            let tw = 10u + N + 2u * (k * stride);
            let c = bitcast<f32>(params[tw]);
            let s = bitcast<f32>(params[tw + 1u]);
            let tr = c * re[i1] - s * im[i1];
            let ti = c * im[i1] + s * re[i1];
            re[i1] = re[i0] - tr;
            im[i1] = im[i0] - ti;
            re[i0] = re[i0] + tr;
            im[i0] = im[i0] + ti;
        }
        workgroupBarrier();
        half = half * 2u;
    }
    let n_bins = N / 2u + 1u;
    let base = (b * frames + t) * n_bins;
    for (var k = lid; k < n_bins; k = k + WG) {
        let p = re[k] * re[k] + im[k] * im[k];
        if (power == 1u) {
            out[base + k] = sqrt(p);
        } else {
            out[base + k] = p;
        }
    }
}
