// lstm_common.wgsl: shape constants and math shared by the two LSTM kernels (prepended to each by
// the launcher). {{ h }} hidden units H, {{ t }} time steps T; G = 4H gate rows.

const H: u32 = {{ h }}u;
const T: u32 = {{ t }}u;
const G: u32 = 4u * H;

// tanh without exp overflow for large |x|.
fn tanh_stable(x: f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}
