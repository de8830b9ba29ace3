//! What the world does to a recording, as plain functions on mono waveforms: additive noise
//! (white, pink, brown, or babble from other clips) at an exact SNR, reverberation through a
//! synthesised room impulse response of a given RT60, band-limiting (telephone band, codec
//! low-pass), clipping, and pitch shift at constant duration. Training augmentation
//! ([`super::AudioAugment`]) and the robustness report draw on the same functions.

use crate::audio::resample;
use crate::error::Result;
use crate::rng::{self, SeededRng};
use rand::Rng;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use serde::{Deserialize, Serialize};

/// Spectral colour of additive noise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoiseColour {
    /// Flat spectrum.
    #[default]
    White,
    /// -3 dB per octave.
    Pink,
    /// -6 dB per octave.
    Brown,
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64
}

/// Unit-variance, nearly Gaussian sample (sum of four uniforms), exactly reproducible.
fn gaussian(rng: &mut SeededRng) -> f32 {
    (0..4).map(|_| rng::uniform(rng) - 0.5).sum::<f32>() * 3f32.sqrt()
}

/// `len` samples of noise of the given colour.
pub fn noise(len: usize, colour: NoiseColour, rng: &mut SeededRng) -> Vec<f32> {
    let white = (0..len).map(|_| gaussian(rng));
    match colour {
        NoiseColour::White => white.collect(),
        // Paul Kellet's economy pink filter (three one-pole sections, within 0.5 dB of -3 dB/oct).
        NoiseColour::Pink => {
            let mut b = [0.0f32; 3];
            white
                .map(|w| {
                    b[0] = 0.99765 * b[0] + w * 0.0990460;
                    b[1] = 0.96300 * b[1] + w * 0.2965164;
                    b[2] = 0.57000 * b[2] + w * 1.0526913;
                    b[0] + b[1] + b[2] + w * 0.1848
                })
                .collect()
        }
        // Leaky integration of white noise.
        NoiseColour::Brown => {
            let mut y = 0.0f32;
            white
                .map(|w| {
                    y = 0.995 * y + 0.1 * w;
                    y
                })
                .collect()
        }
    }
}

/// `x` plus `noise` (repeated or cut to `x`'s length) scaled to `snr_db` below `x`'s power.
pub fn add_at_snr(x: &[f32], noise: &[f32], snr_db: f32) -> Vec<f32> {
    if noise.is_empty() || x.is_empty() {
        return x.to_vec();
    }
    let n: Vec<f32> = noise.iter().cycle().take(x.len()).copied().collect();
    let (px, pn) = (power(x), power(&n));
    if pn <= 0.0 || px <= 0.0 {
        return x.to_vec();
    }
    let g = (px / pn / 10f64.powf(f64::from(snr_db) / 10.0)).sqrt() as f32;
    x.iter().zip(&n).map(|(a, b)| a + g * b).collect()
}

/// Babble: the sum of `talkers` clips from `pool`, each from a random offset, `len` long.
pub fn babble(pool: &[impl AsRef<[f32]>], talkers: usize, len: usize, rng: &mut SeededRng) -> Vec<f32> {
    let mut out = vec![0.0f32; len];
    let voices: Vec<&[f32]> = pool.iter().map(AsRef::as_ref).filter(|c| !c.is_empty()).collect();
    if voices.is_empty() {
        return out;
    }
    for _ in 0..talkers {
        let clip = voices[(rng.next_u32() as usize) % voices.len()];
        let offset = (rng.next_u32() as usize) % clip.len();
        for (o, v) in out.iter_mut().zip(clip.iter().cycle().skip(offset)) {
            *o += v;
        }
    }
    out
}

/// An overdriven input stage: `x` amplified so that its loudest sample lies `db` above full
/// scale, then clipped to [-1, 1].
pub fn overdrive(x: &[f32], db: f32) -> Vec<f32> {
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak <= 0.0 {
        return x.to_vec();
    }
    let g = 10f32.powf(db / 20.0) / peak;
    x.iter().map(|v| (v * g).clamp(-1.0, 1.0)).collect()
}

/// A synthetic room impulse response: a unit direct path, then Gaussian noise under an
/// exponential decay that falls 60 dB in `rt60` seconds (1.2 x rt60 long).
pub fn room_impulse(rate: u32, rt60: f32, rng: &mut SeededRng) -> Vec<f32> {
    let len = ((1.2 * rt60 * rate as f32) as usize).max(2);
    let decay = (1000f32).ln() / (rt60 * rate as f32);
    let mut h: Vec<f32> = (0..len)
        .map(|n| 0.3 * gaussian(rng) * (-decay * n as f32).exp())
        .collect();
    h[0] = 1.0;
    h
}

/// RT60 of an impulse response by Schroeder backward integration: the decay from -5 to -25 dB
/// of the energy decay curve, extrapolated to 60 dB.
pub fn rt60_of(h: &[f32], rate: u32) -> f32 {
    let mut edc: Vec<f64> = h
        .iter()
        .rev()
        .scan(0.0, |acc, &v| {
            *acc += f64::from(v) * f64::from(v);
            Some(*acc)
        })
        .collect();
    edc.reverse();
    let total = edc[0].max(1e-30);
    let db: Vec<f64> = edc.iter().map(|e| 10.0 * (e / total).max(1e-30).log10()).collect();
    let at = |level: f64| db.iter().position(|&d| d <= level).unwrap_or(db.len() - 1) as f32;
    (at(-25.0) - at(-5.0)) / rate as f32 * 3.0
}

/// Linear convolution of `x` with `h`, cut to `x`'s length and scaled back to `x`'s RMS.
pub fn reverberate(x: &[f32], h: &[f32]) -> Vec<f32> {
    if x.is_empty() || h.is_empty() {
        return x.to_vec();
    }
    let n = (x.len() + h.len() - 1).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let (forward, inverse) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let spectrum = |signal: &[f32]| {
        let mut padded = vec![0.0f32; n];
        padded[..signal.len()].copy_from_slice(signal);
        let mut out = forward.make_output_vec();
        // Buffers are sized by the plan, so the transform cannot fail.
        let _ = forward.process(&mut padded, &mut out);
        out
    };
    let (a, b) = (spectrum(x), spectrum(h));
    let mut product: Vec<Complex<f32>> = a.iter().zip(&b).map(|(p, q)| p * q / n as f32).collect();
    let mut y = inverse.make_output_vec();
    let _ = inverse.process(&mut product, &mut y);
    y.truncate(x.len());
    let g = (power(x) / power(&y).max(1e-30)).sqrt() as f32;
    y.iter().map(|v| v * g).collect()
}

/// Keeps only `low_hz..high_hz` (a brick-wall filter over the whole clip).
pub fn band_limit(x: &[f32], rate: u32, low_hz: f32, high_hz: f32) -> Vec<f32> {
    if x.len() < 2 {
        return x.to_vec();
    }
    let n = x.len();
    let mut planner = RealFftPlanner::<f32>::new();
    let (forward, inverse) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let mut input = x.to_vec();
    let mut spectrum = forward.make_output_vec();
    let _ = forward.process(&mut input, &mut spectrum);
    let bin_hz = rate as f32 / n as f32;
    for (k, c) in spectrum.iter_mut().enumerate() {
        let f = k as f32 * bin_hz;
        *c = if (low_hz..=high_hz).contains(&f) {
            *c / n as f32
        } else {
            Complex::new(0.0, 0.0)
        };
    }
    // The DC and Nyquist bins of a real signal must be real.
    spectrum[0].im = 0.0;
    if n.is_multiple_of(2)
        && let Some(last) = spectrum.last_mut()
    {
        last.im = 0.0;
    }
    let mut y = inverse.make_output_vec();
    let _ = inverse.process(&mut spectrum, &mut y);
    y
}

/// Time-stretches `x` to `len` samples without changing pitch (WSOLA: 40 ms Hann frames at
/// half overlap, each taken from within +-10 ms of its nominal place where it best continues
/// the previous one).
fn stretch(x: &[f32], len: usize, rate: u32) -> Vec<f32> {
    let frame = ((rate as f32 * 0.04) as usize).max(8) & !1;
    let hop = frame / 2;
    let tolerance = (rate as f32 * 0.01) as usize;
    if x.len() < frame + 2 * tolerance || len == 0 {
        return crate::audio::fit_length(x, len);
    }
    let window: Vec<f32> = (0..frame)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / frame as f32).cos())
        .collect();
    let ratio = x.len() as f64 / len as f64;
    let mut out = vec![0.0f32; len + frame];
    let mut previous = 0usize;
    let last_start = x.len() - frame;
    for k in 0..=len / hop {
        let nominal = ((k * hop) as f64 * ratio) as usize;
        let start = if k == 0 {
            0
        } else {
            // The natural continuation of the previous frame, and the best match near `nominal`.
            let natural = (previous + hop).min(last_start);
            let lo = nominal.saturating_sub(tolerance).min(last_start);
            let hi = (nominal + tolerance).min(last_start);
            (lo..=hi)
                .max_by(|&a, &b| {
                    let score = |s: usize| -> f32 { (0..hop).map(|i| x[s + i] * x[natural + i]).sum() };
                    score(a).total_cmp(&score(b))
                })
                .unwrap_or(nominal.min(last_start))
        };
        for i in 0..frame {
            out[k * hop + i] += window[i] * x[start + i];
        }
        previous = start;
        if k * hop + frame >= out.len() {
            break;
        }
    }
    out.truncate(len);
    out
}

/// Shifts pitch by `semitones` at constant duration: resample (changes pitch and length),
/// then time-stretch back to the original length.
pub fn pitch_shift(x: &[f32], rate: u32, semitones: f32) -> Result<Vec<f32>> {
    if semitones.abs() < 1e-3 || x.is_empty() {
        return Ok(x.to_vec());
    }
    let factor = 2f32.powf(semitones / 12.0);
    // Played at `rate`, the samples of a recording resampled to rate / factor sound `factor` higher.
    let target = (rate as f32 / factor).round() as u32;
    let shifted = resample(x, rate, target)?;
    Ok(stretch(&shifted, x.len(), rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    fn frequency(x: &[f32], rate: u32) -> f32 {
        let (a, b) = (x.len() / 10, x.len() - x.len() / 10);
        let crossings = x[a..b].windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count();
        crossings as f32 / 2.0 / ((b - a) as f32 / rate as f32)
    }

    #[test]
    fn noise_hits_the_requested_snr() {
        let x = sine(220.0, 16_000, 32_000);
        let mut rng = rng::seeded(1, 2);
        for colour in [NoiseColour::White, NoiseColour::Pink, NoiseColour::Brown] {
            for snr in [30.0, 20.0, 10.0, 0.0] {
                let n = noise(x.len(), colour, &mut rng);
                let y = add_at_snr(&x, &n, snr);
                let residual: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
                let measured = 10.0 * (power(&x) / power(&residual)).log10();
                assert!((measured - f64::from(snr)).abs() < 0.5, "{colour:?} {snr}: {measured}");
            }
        }
        // Pink and brown noise put more power below 1 kHz than white noise does.
        let low_share = |n: &[f32]| {
            let low = band_limit(n, 16_000, 0.0, 1000.0);
            power(&low) / power(n)
        };
        let share = |c| low_share(&noise(32_000, c, &mut rng::seeded(3, 4)));
        assert!(share(NoiseColour::White) < 0.2 && share(NoiseColour::Pink) > 0.4 && share(NoiseColour::Brown) > 0.9);
    }

    #[test]
    fn room_impulse_has_the_requested_rt60() {
        for rt60 in [0.2f32, 0.5, 0.9] {
            let h = room_impulse(16_000, rt60, &mut rng::seeded(5, 6));
            let measured = rt60_of(&h[1..], 16_000);
            assert!((measured - rt60).abs() < 0.1 * rt60, "{rt60}: {measured}");
        }
        let x = sine(300.0, 16_000, 16_000);
        let y = reverberate(&x, &room_impulse(16_000, 0.4, &mut rng::seeded(7, 8)));
        assert_eq!(y.len(), x.len());
        assert!((power(&y) / power(&x) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn band_limit_keeps_the_band_and_removes_the_rest() {
        let rate = 16_000;
        let inside = sine(1000.0, rate, 16_000);
        let below = sine(100.0, rate, 16_000);
        let above = sine(5000.0, rate, 16_000);
        let mixed: Vec<f32> = (0..16_000).map(|i| inside[i] + below[i] + above[i]).collect();
        let y = band_limit(&mixed, rate, 300.0, 3400.0);
        let err: f32 = y.iter().zip(&inside).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-3, "{err}");
    }

    #[test]
    fn pitch_shift_moves_a_sine_by_semitones_at_constant_length() {
        let rate = 16_000;
        let x = sine(200.0, rate, 32_000);
        for semitones in [-3.0f32, -1.0, 2.0, 4.0] {
            let y = pitch_shift(&x, rate, semitones).unwrap();
            assert_eq!(y.len(), x.len());
            let expected = 200.0 * 2f32.powf(semitones / 12.0);
            let got = frequency(&y, rate);
            assert!((got / expected - 1.0).abs() < 0.01, "{semitones}: {got} vs {expected}");
        }
    }
}
