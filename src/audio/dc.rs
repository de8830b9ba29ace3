//! DC removal, the first step after decoding (before resampling, level, trimming and features,
//! in training and in prediction): a cheap sound card's constant offset carries no emotion, yet
//! it moves the level estimate, the silence gate and the lowest mel band. Each clip (or each
//! window of a long input) loses its mean, so an offset of any size leaves exactly the same
//! signal. A 20 Hz Butterworth high-pass was tried instead and not kept: after an abrupt end of
//! sound its ringing sits only 35 dB under the signal, inside the 40 dB relative silence gate,
//! and turned digital silence after speech into "too short".

/// `x` without its mean (summed in f64).
pub fn remove_dc(x: &[f32]) -> Vec<f32> {
    if x.is_empty() {
        return Vec::new();
    }
    let mean = (x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len() as f64) as f32;
    x.iter().map(|v| v - mean).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_changes_nothing_and_the_rest_stays() {
        let x: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.0863).sin() * 0.3).collect();
        let shifted: Vec<f32> = x.iter().map(|v| v + 0.1).collect();
        let (a, b) = (remove_dc(&x), remove_dc(&shifted));
        let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "apart by {worst}");
        // The signal itself only moves by its own mean.
        let mean = x.iter().sum::<f32>() / x.len() as f32;
        assert!(a.iter().zip(&x).all(|(p, q)| (q - p - mean).abs() < 1e-6));
        assert!(remove_dc(&[]).is_empty());
    }
}
