//! Fixed front-end tables, computed in f64 and stored as f32: the analysis window, the mel
//! filterbank (librosa `filters.mel` semantics) and the orthonormal DCT-II basis.
//! The CPU path and the GPU kernels use the same tables, so they differ only in arithmetic.

use super::config::{FeatureConfig, MelScale, Window};
use std::f64::consts::PI;

/// Hann window of `win_length`, zero-padded (centred) to `n_fft`.
pub fn window(cfg: &FeatureConfig) -> Vec<f32> {
    let n = cfg.win_length;
    let denom = match cfg.window {
        Window::Periodic => n as f64,
        Window::Symmetric => (n.max(2) - 1) as f64,
    };
    let offset = (cfg.n_fft - n) / 2;
    let mut w = vec![0.0f32; cfg.n_fft];
    for i in 0..n {
        w[offset + i] = (0.5 - 0.5 * (2.0 * PI * i as f64 / denom).cos()) as f32;
    }
    w
}

/// Hz to mel on the configured scale.
pub fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
        MelScale::Kaldi => 1127.0 * (1.0 + hz / 700.0).ln(),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if hz >= min_log_hz {
                min_log_mel + (hz / min_log_hz).ln() / logstep
            } else {
                hz / f_sp
            }
        }
    }
}

/// Mel to Hz on the configured scale.
pub fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
        MelScale::Kaldi => 700.0 * ((mel / 1127.0).exp() - 1.0),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if mel >= min_log_mel {
                min_log_hz * (logstep * (mel - min_log_mel)).exp()
            } else {
                f_sp * mel
            }
        }
    }
}

/// Dense mel filterbank, row-major [n_mels, n_bins]: triangles between n_mels + 2 points
/// equally spaced in mel, evaluated at the rFFT bin frequencies, optionally Slaney-normalised.
pub fn mel_filterbank(cfg: &FeatureConfig) -> Vec<f32> {
    if cfg.mel_scale == MelScale::Kaldi {
        return kaldi_filterbank(cfg);
    }
    let (n_mels, n_bins) = (cfg.n_mels, cfg.n_bins());
    let lo = hz_to_mel(cfg.fmin as f64, cfg.mel_scale);
    let hi = hz_to_mel(cfg.fmax_hz() as f64, cfg.mel_scale);
    let points: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64, cfg.mel_scale))
        .collect();
    let bin_hz = |k: usize| k as f64 * cfg.sample_rate as f64 / cfg.n_fft as f64;
    let mut fb = vec![0.0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let (left, centre, right) = (points[m], points[m + 1], points[m + 2]);
        let norm = if cfg.mel_norm { 2.0 / (right - left) } else { 1.0 };
        for k in 0..n_bins {
            let f = bin_hz(k);
            let rising = (f - left) / (centre - left);
            let falling = (right - f) / (right - centre);
            fb[m * n_bins + k] = (rising.min(falling).max(0.0) * norm) as f32;
        }
    }
    fb
}

/// Kaldi's mel banks ([`MelScale::Kaldi`]), row-major [n_mels, n_fft/2 + 1]: each triangle is
/// linear in mel between equally spaced mel edges, evaluated at the mel value of each bin below
/// Nyquist; the Nyquist column is zero.
fn kaldi_filterbank(cfg: &FeatureConfig) -> Vec<f32> {
    let (n_mels, n_bins) = (cfg.n_mels, cfg.n_bins());
    let mel = |hz: f64| hz_to_mel(hz, MelScale::Kaldi);
    let (lo, hi) = (mel(cfg.fmin as f64), mel(cfg.fmax_hz() as f64));
    let delta = (hi - lo) / (n_mels + 1) as f64;
    let bin_width = cfg.sample_rate as f64 / cfg.n_fft as f64;
    let mut fb = vec![0.0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let (left, centre, right) = (
            lo + m as f64 * delta,
            lo + (m + 1) as f64 * delta,
            lo + (m + 2) as f64 * delta,
        );
        for k in 0..cfg.n_fft / 2 {
            let x = mel(bin_width * k as f64);
            let up = (x - left) / (centre - left);
            let down = (right - x) / (right - centre);
            fb[m * n_bins + k] = up.min(down).max(0.0) as f32;
        }
    }
    fb
}

/// The non-zero run of one mel filter.
#[derive(Debug, Clone)]
pub struct Band {
    pub start: usize,
    pub weights: Vec<f32>,
}

/// Each filter's first non-zero bin and its weights up to the last non-zero bin.
pub fn sparse_bands(fb: &[f32], n_bins: usize) -> Vec<Band> {
    fb.chunks(n_bins)
        .map(|row| match row.iter().position(|&w| w != 0.0) {
            None => Band {
                start: 0,
                weights: Vec::new(),
            },
            Some(start) => {
                let end = row.iter().rposition(|&w| w != 0.0).unwrap_or(start) + 1;
                Band {
                    start,
                    weights: row[start..end].to_vec(),
                }
            }
        })
        .collect()
}

/// Orthonormal DCT-II basis, row-major [n_out, n_in] (scipy `dct(type=2, norm="ortho")`).
pub fn dct_matrix(n_out: usize, n_in: usize) -> Vec<f32> {
    let mut basis = vec![0.0f32; n_out * n_in];
    for k in 0..n_out {
        let scale = if k == 0 {
            (1.0 / n_in as f64).sqrt()
        } else {
            (2.0 / n_in as f64).sqrt()
        };
        for n in 0..n_in {
            basis[k * n_in + n] = (scale * (PI * k as f64 * (2 * n + 1) as f64 / (2 * n_in) as f64).cos()) as f32;
        }
    }
    basis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_round_trips_and_breaks_at_1khz() {
        for hz in [0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0] {
            let back = mel_to_hz(hz_to_mel(hz, MelScale::Slaney), MelScale::Slaney);
            assert!((back - hz).abs() < 1e-9, "{hz} -> {back}");
        }
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn dct_is_orthonormal() {
        let n = 16;
        let d = dct_matrix(n, n);
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..n).map(|i| d[a * n + i] * d[b * n + i]).sum();
                let expect = if a == b { 1.0 } else { 0.0 };
                assert!((dot - expect).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn periodic_hann_is_zero_at_start_and_one_at_centre() {
        let cfg = FeatureConfig::default();
        let w = window(&cfg);
        assert_eq!(w[0], 0.0);
        assert!((w[cfg.n_fft / 2] - 1.0).abs() < 1e-7);
    }
}
