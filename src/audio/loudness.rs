//! Speech level, and level normalisation so that a recording's gain does not matter: the
//! active level is the mean power of the 50 ms frames within 30 dB of the loudest frame (a
//! relative gate, so pauses and the noise floor do not count), in dB re full scale.

/// Analysis frame in seconds.
const FRAME_S: f32 = 0.05;
/// Frames more than this many dB below the loudest one are not active speech.
pub const GATE_DB: f32 = 30.0;
/// Audio whose loudest frame is below this (dBFS) is digital silence: no level.
pub const DIGITAL_SILENCE_DB: f32 = -100.0;

/// Samples per 50 ms analysis frame.
pub fn frame_len(rate: u32) -> usize {
    ((rate as f32 * FRAME_S) as usize).max(1)
}

/// Mean power of each 50 ms frame.
pub fn frame_powers(x: &[f32], rate: u32) -> Vec<f32> {
    x.chunks(frame_len(rate))
        .map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32)
        .collect()
}

/// Active speech level in dBFS, or `None` for digital silence.
pub fn active_level_db(x: &[f32], rate: u32) -> Option<f32> {
    let powers = frame_powers(x, rate);
    let loudest = powers.iter().copied().fold(0.0f32, f32::max);
    if loudest <= 0.0 || 10.0 * loudest.log10() < DIGITAL_SILENCE_DB {
        return None;
    }
    let gate = loudest * 10f32.powf(-GATE_DB / 10.0);
    let active: Vec<f64> = powers.iter().filter(|&&p| p >= gate).map(|&p| f64::from(p)).collect();
    let mean = active.iter().sum::<f64>() / active.len() as f64;
    Some((10.0 * mean.log10()) as f32)
}

/// `x` scaled so its active level is `target_db` (digital silence is returned unchanged).
pub fn normalize_loudness(x: &[f32], rate: u32, target_db: f32) -> Vec<f32> {
    match active_level_db(x, rate) {
        Some(level) => {
            let g = 10f32.powf((target_db - level) / 20.0);
            x.iter().map(|v| v * g).collect()
        }
        None => x.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_ignores_pauses_and_normalisation_removes_gain() {
        let rate = 16_000;
        let tone: Vec<f32> = (0..16_000).map(|i| 0.1 * (i as f32 * 0.05).sin()).collect();
        let mut speech = tone.clone();
        speech.extend(vec![0.0; 32_000]);
        speech.extend(vec![1e-5; 8_000]);
        // A sine of amplitude 0.1 has power 0.005: -23.0 dBFS, pauses or not.
        let level = active_level_db(&speech, rate).unwrap();
        assert!((level - -23.01).abs() < 0.05, "{level}");
        assert_eq!(active_level_db(&vec![0.0; 1000], rate), None);
        for gain in [0.01f32, 0.3, 2.0] {
            let scaled: Vec<f32> = speech.iter().map(|v| v * gain).collect();
            let a = normalize_loudness(&scaled, rate, -30.0);
            let b = normalize_loudness(&speech, rate, -30.0);
            let err = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
            assert!(err < 1e-5, "gain {gain}: {err}");
        }
    }
}
