//! Augmentation kernels against their CPU references (fixed random draws), exact identities,
//! a 90-degree rotation, the mixup formula, exact mask bands, deterministic draws, and the
//! waveform augmentations. GPU parts run on the wgpu device (lavapipe in CI).

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use emovox::augment::*;
use emovox::gpu::to_host;
use emovox::rng;

fn image_batch(batch: usize, h: usize, w: usize) -> Vec<f32> {
    (0..batch * h * w)
        .map(|i| ((i * 7919) % 1009) as f32 / 1009.0)
        .collect()
}

fn tensor(data: &[f32], shape: [usize; 3], device: &Device) -> Tensor<3> {
    Tensor::from_data(TensorData::new(data.to_vec(), shape), device)
}

fn random_warps(batch: usize) -> Vec<Warp> {
    let cfg = AugmentConfig {
        shift: 0.1,
        ..AugmentConfig::default()
    };
    cfg.draw(3, 1, 2, batch, 32, 32).warps
}

#[test]
fn identity_warp_returns_the_input_exactly() {
    let (b, h, w) = (2, 37, 53);
    let x = image_batch(b, h, w);
    let identity = vec![Warp::identity(0.0); b];
    assert_eq!(warp_cpu(&x, [b, h, w], &identity, [h, w]), x);
    let Some(gpu) = wgpu_or_skip() else { return };
    let out = to_host(warp(tensor(&x, [b, h, w], &gpu.device), &identity, [h, w])).unwrap();
    assert_eq!(out, x);
}

#[test]
fn rotation_by_90_degrees_transposes_and_flips() {
    let n = 16;
    let x = image_batch(1, n, n);
    let quarter = [Warp {
        angle_deg: 90.0,
        ..Warp::identity(-1.0)
    }];
    // out[y][x] = in[n - 1 - x][y]
    let expected: Vec<f32> = (0..n * n).map(|i| x[(n - 1 - i % n) * n + i / n]).collect();
    let cpu = warp_cpu(&x, [1, n, n], &quarter, [n, n]);
    assert!(max_abs(&cpu, &expected) < 1e-5, "cpu {}", max_abs(&cpu, &expected));
    let Some(gpu) = wgpu_or_skip() else { return };
    let out = to_host(warp(tensor(&x, [1, n, n], &gpu.device), &quarter, [n, n])).unwrap();
    assert!(max_abs(&out, &expected) < 1e-5, "gpu {}", max_abs(&out, &expected));
}

#[test]
fn warp_kernel_matches_cpu_reference() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let (b, h, w) = (4, 40, 60);
    let x = image_batch(b, h, w);
    let warps = random_warps(b);
    for out_size in [[32, 32], [64, 48], [40, 60]] {
        let cpu = warp_cpu(&x, [b, h, w], &warps, out_size);
        let gpu_out = to_host(warp(tensor(&x, [b, h, w], &gpu.device), &warps, out_size)).unwrap();
        let err = max_abs(&cpu, &gpu_out);
        assert!(err < 1e-3, "{out_size:?}: {err}");
    }
}

#[test]
fn masks_zero_exactly_the_requested_bands_on_both_paths() {
    let (b, h, w) = (2, 20, 30);
    let x: Vec<f32> = image_batch(b, h, w).iter().map(|v| v + 1.0).collect(); // no zeros
    let masks = vec![
        Masks {
            freq: vec![(3, 4), (0, 0)],
            time: vec![(10, 5)],
        },
        Masks {
            freq: vec![(18, 2), (5, 1)],
            time: vec![(0, 0)],
        },
    ];
    let check = |out: &[f32], path: &str| {
        for (bi, m) in masks.iter().enumerate() {
            for r in 0..h {
                for c in 0..w {
                    let i = bi * h * w + r * w + c;
                    let in_band = m.freq.iter().any(|&(s, n)| r >= s && r < s + n)
                        || m.time.iter().any(|&(s, n)| c >= s && c < s + n);
                    let expect = if in_band { 0.0 } else { x[i] };
                    assert_eq!(out[i], expect, "{path}: example {bi} row {r} col {c}");
                }
            }
        }
    };
    check(&mask_cpu(&x, [b, h, w], &masks, 0.0), "cpu");
    let Some(gpu) = wgpu_or_skip() else { return };
    check(
        &to_host(mask(tensor(&x, [b, h, w], &gpu.device), &masks, 0.0)).unwrap(),
        "gpu",
    );
}

#[test]
fn mixup_blends_inputs_and_targets() {
    let (b, n) = (4, 6);
    let x: Vec<f32> = (0..b * n).map(|i| i as f32).collect();
    let mix = Mixup {
        partner: vec![2, 0, 3, 1],
        lambda: vec![0.25, 1.0, 0.5, 0.9],
    };
    let expected: Vec<f32> = (0..b * n)
        .map(|i| {
            let (row, col) = (i / n, i % n);
            let lam = mix.lambda[row];
            lam * x[i] + (1.0 - lam) * x[mix.partner[row] * n + col]
        })
        .collect();
    assert_eq!(mixup_cpu(&x, b, &mix), expected);
    let flex = Device::flex();
    let targets = emovox::train::one_hot(&[0, 3, 1, 3], 4, &flex);
    let mixed = to_host(mixup(targets, &mix)).unwrap();
    for row in mixed.chunks(4) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{row:?}");
    }
    let Some(gpu) = wgpu_or_skip() else { return };
    let out = to_host(mixup(
        Tensor::<2>::from_data(TensorData::new(x.clone(), [b, n]), &gpu.device),
        &mix,
    ))
    .unwrap();
    assert!(max_abs(&out, &expected) < 1e-5);
    let targets = to_host(mixup(emovox::train::one_hot(&[0, 3, 1, 3], 4, &gpu.device), &mix)).unwrap();
    assert!(targets.chunks(4).all(|r| (r.iter().sum::<f32>() - 1.0).abs() < 1e-6));
}

#[test]
fn draws_are_deterministic_and_within_their_ranges() {
    let cfg = AugmentConfig {
        shift: 0.05,
        freq_masks: 2,
        freq_mask_width: 10,
        time_masks: 1,
        time_mask_width: 20,
        ..AugmentConfig::default()
    };
    let a = cfg.draw(1, 2, 3, 64, 128, 100);
    assert_eq!(a, cfg.draw(1, 2, 3, 64, 128, 100));
    assert_ne!(a.warps, cfg.draw(1, 2, 4, 64, 128, 100).warps);
    for w in &a.warps {
        assert!(w.angle_deg.abs() <= 5.0 && (1.0..=1.2).contains(&w.zoom));
        assert!(w.shift.0.abs() <= 0.05 && (0.9..=1.1).contains(&w.gain) && w.bias.abs() <= 0.1);
    }
    for m in a.masks.as_ref().unwrap() {
        assert!(m.freq.iter().all(|&(s, n)| n <= 10 && s + n <= 128));
        assert!(m.time.iter().all(|&(s, n)| n <= 20 && s + n <= 100));
    }
    let mix = a.mixup.unwrap();
    let mut partners = mix.partner.clone();
    partners.sort_unstable();
    assert_eq!(partners, (0..64).collect::<Vec<_>>());
    assert!(mix.lambda.iter().all(|l| (0.0..=1.0).contains(l)));
}

#[test]
fn waveform_augmentation_is_reproducible_and_does_what_it_says() {
    let x = sine(500.0, 0.5, 16_000, 1.0);
    let noisy = AudioAugment {
        noise_snr_db: Some((20.0, 20.0)),
        ..AudioAugment::default()
    };
    let a = noisy.apply(&x, 16_000, &mut rng::seeded(5, 0), &[]).unwrap();
    assert_eq!(a, noisy.apply(&x, 16_000, &mut rng::seeded(5, 0), &[]).unwrap());
    let noise: Vec<f32> = a.iter().zip(&x).map(|(a, b)| a - b).collect();
    let snr = 20.0 * (rms(&x) / rms(&noise)).log10();
    assert!((snr - 20.0).abs() < 0.5, "SNR {snr}");

    let faster = AudioAugment {
        speeds: vec![1.1],
        ..AudioAugment::default()
    };
    let y = faster.apply(&x, 16_000, &mut rng::seeded(5, 0), &[]).unwrap();
    assert_eq!(y.len(), x.len());
    let f = tone_frequency(&y[..14_000], 16_000);
    assert!((f - 550.0).abs() < 3.0, "{f} Hz");

    let louder = AudioAugment {
        gain_db: 6.0,
        ..AudioAugment::default()
    };
    let z = louder.apply(&x, 16_000, &mut rng::seeded(9, 0), &[]).unwrap();
    let gain_db = 20.0 * (rms(&z) / rms(&x)).log10();
    assert!(gain_db.abs() <= 6.0 + 1e-3 && gain_db.abs() > 1e-3, "{gain_db}");

    let shifted = AudioAugment {
        shift_s: 0.1,
        ..AudioAugment::default()
    };
    let s = shifted.apply(&x, 16_000, &mut rng::seeded(9, 0), &[]).unwrap();
    assert_eq!(s.len(), x.len());
    assert!((rms(&s) - rms(&x)).abs() < 1e-3);

    // Every effect at once (the world's), from a pool of other clips for babble: reproducible,
    // same length, finite, and not the input.
    let pool = vec![sine(180.0, 0.3, 16_000, 0.7), sine(260.0, 0.2, 16_000, 1.3)];
    let world = AudioAugment {
        gain_db: 6.0,
        noise_snr_db: Some((10.0, 30.0)),
        noise_colours: vec![NoiseColour::White, NoiseColour::Pink, NoiseColour::Brown],
        babble_snr_db: Some((5.0, 20.0)),
        reverb_rt60: Some((0.2, 0.8)),
        room_rt60: Some((0.2, 1.0)),
        clip_db: Some((3.0, 20.0)),
        band_limit: true,
        pitch_semitones: 2.0,
        speeds: vec![0.9, 1.0, 1.1],
        shift_s: 0.1,
        relevel_db: Some(-35.0),
        clean_share: 0.0,
    };
    let w = world.apply(&x, 16_000, &mut rng::seeded(11, 0), &pool).unwrap();
    assert_eq!(w, world.apply(&x, 16_000, &mut rng::seeded(11, 0), &pool).unwrap());
    assert_eq!(w.len(), x.len());
    assert!(w.iter().all(|v| v.is_finite()) && max_abs(&w, &x) > 0.01);
}

#[test]
fn rooms_and_clipping_reach_half_the_clips() {
    let x = sine(300.0, 0.5, 16_000, 1.0);
    let rooms = AudioAugment {
        room_rt60: Some((0.4, 0.8)),
        ..AudioAugment::default()
    };
    let clipping = AudioAugment {
        clip_db: Some((20.0, 20.0)),
        ..AudioAugment::default()
    };
    let (mut reverberant, mut clipped) = (0, 0);
    for seed in 0..40 {
        let r = rooms.apply(&x, 16_000, &mut rng::seeded(seed, 1), &[]).unwrap();
        assert_eq!(r.len(), x.len());
        if max_abs(&r, &x) > 1e-3 {
            reverberant += 1;
            // The room keeps the level (reverberate rescales to the input's power).
            let power = |v: &[f32]| v.iter().map(|s| s * s).sum::<f32>();
            assert!((power(&r) / power(&x) - 1.0).abs() < 1e-3);
        }
        let c = clipping.apply(&x, 16_000, &mut rng::seeded(seed, 2), &[]).unwrap();
        if max_abs(&c, &x) > 1e-3 {
            clipped += 1;
            // Driven 20 dB over full scale: most samples sit at the rails.
            assert!(c.iter().all(|v| v.abs() <= 1.0));
            assert!(c.iter().filter(|v| v.abs() == 1.0).count() > x.len() / 2);
        }
    }
    assert!((10..=30).contains(&reverberant), "{reverberant} of 40 in a room");
    assert!((10..=30).contains(&clipped), "{clipped} of 40 clipped");
}

#[test]
fn the_clean_share_of_clips_is_left_as_recorded() {
    let x = sine(300.0, 0.5, 16_000, 1.0);
    let noisy = AudioAugment {
        noise_snr_db: Some((20.0, 20.0)),
        ..AudioAugment::default()
    };
    let sometimes_clean = AudioAugment {
        clean_share: 0.25,
        ..noisy.clone()
    };
    let untouched = |augment: &AudioAugment| {
        (0..200)
            .filter(|&seed| augment.apply(&x, 16_000, &mut rng::seeded(seed, 4), &[]).unwrap() == x)
            .count()
    };
    assert_eq!(untouched(&noisy), 0);
    // A quarter of 200 draws: 50, with a binomial sd of 6.
    let clean = untouched(&sometimes_clean);
    assert!((32..=68).contains(&clean), "{clean} of 200 left as recorded");
}

#[test]
fn relevelled_clips_leave_at_the_prepared_level_whatever_was_done_to_them() {
    // A prepared clip at -35 dBFS whose waveform is lopsided (a fundamental and its second
    // harmonic in cosine phase), so clipping it leaves a DC offset.
    let rate = 16_000;
    let w = 2.0 * std::f32::consts::PI * 300.0 / rate as f32;
    let lopsided: Vec<f32> = (0..rate)
        .map(|n| (w * n as f32).cos() + 0.6 * (2.0 * w * n as f32).cos())
        .collect();
    let x = emovox::audio::normalize_loudness(&lopsided, rate as u32, -35.0);
    let clipping = AudioAugment {
        clip_db: Some((20.0, 20.0)),
        ..AudioAugment::default()
    };
    let relevelled = AudioAugment {
        relevel_db: Some(-35.0),
        ..clipping.clone()
    };
    let level = |v: &[f32]| emovox::audio::active_level_db(v, rate as u32).unwrap();
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (mut loudest, mut largest_offset) = (f32::NEG_INFINITY, 0.0f32);
    for seed in 0..12 {
        let plain = clipping.apply(&x, rate as u32, &mut rng::seeded(seed, 3), &[]).unwrap();
        loudest = loudest.max(level(&plain));
        largest_offset = largest_offset.max(mean(&plain).abs());
        let y = relevelled
            .apply(&x, rate as u32, &mut rng::seeded(seed, 3), &[])
            .unwrap();
        assert!((level(&y) + 35.0).abs() < 0.01, "seed {seed}: {} dBFS", level(&y));
        assert!(mean(&y).abs() < 1e-6, "seed {seed}: DC {}", mean(&y));
    }
    // Without it a clipped clip sits some 30 dB above the prepared level, off centre.
    assert!(loudest > -10.0, "{loudest} dBFS");
    assert!(largest_offset > 0.01, "{largest_offset}");
}
