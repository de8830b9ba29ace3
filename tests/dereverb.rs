//! Late-reverberation suppression (`features::dereverb`): its CPU form against the model's
//! math on bands of known decay, the WGSL kernel against the CPU twin, and the whole front end
//! with it on real clips, GPU against CPU.

mod common;

use burn::tensor::{Tensor, TensorData};
use common::*;
use emovox::features::{CpuFrontEnd, Dereverb, FeatureConfig, FeatureMap, GpuFrontEnd, pad_batch};

/// The EfficientAT front end (32 kHz, hop 320: 10 ms frames) with a 0.5 s room suppressed.
fn config() -> FeatureConfig {
    FeatureConfig {
        dereverb: Some(Dereverb::for_rt60(0.5)),
        ..FeatureConfig::efficientat()
    }
}

#[test]
fn delay_and_decay_follow_the_room() {
    let d = Dereverb::for_rt60(0.5);
    // 50 ms of 10 ms frames; 60 dB per 0.5 s is 6 dB over 50 ms.
    assert_eq!(d.delay_frames(32_000, 320), 5);
    assert!((d.decay(32_000, 320) - 10f32.powf(-0.6)).abs() < 1e-6);
    for bad in [0.0, -1.0, f32::NAN] {
        assert!(Dereverb::for_rt60(bad).validate().is_err(), "{bad}");
    }
    let floor_too_high = Dereverb {
        floor: 1.5,
        ..Dereverb::for_rt60(0.5)
    };
    assert!(floor_too_high.validate().is_err());
}

#[test]
fn a_tail_decaying_like_the_room_falls_to_the_floor_and_steady_sound_keeps_its_excess() {
    let (rate, hop) = (32_000, 320);
    let d = Dereverb::for_rt60(0.5);
    let (delay, decay) = (d.delay_frames(rate, hop), d.decay(rate, hop));
    let per_frame = decay.powf(1.0 / delay as f32);
    let frames = 40;
    // Band 0: silence, an onset at frame 10, then the room's own decay. Band 1: steady sound.
    let mut data = vec![0.0f32; 2 * frames];
    for (k, x) in data[10..frames].iter_mut().enumerate() {
        *x = 2.0 * per_frame.powi(k as i32);
    }
    data[frames..].fill(3.0);
    let mut mel = FeatureMap::new(2, frames, data.clone());
    d.apply(&mut mel, rate, hop);
    for t in 0..frames {
        let (x, y) = (data[t], mel.data[t]);
        if t < 10 + delay {
            assert_eq!(y, x, "frame {t}: the onset and early sound are kept");
        } else {
            assert!(
                (y - d.floor * x).abs() <= 1e-6 * x,
                "frame {t}: {y} vs floor {}",
                d.floor * x
            );
        }
        let (x, y) = (data[frames + t], mel.data[frames + t]);
        let expected = if t < delay { x } else { (1.0 - decay) * x };
        assert!((y - expected).abs() < 1e-6, "steady frame {t}: {y} vs {expected}");
    }
}

#[test]
fn the_wgsl_kernel_matches_its_cpu_twin() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let cfg = config();
    let d = cfg.dereverb.unwrap();
    let (batch, n_mels, frames) = (3, 5, 37);
    let values: Vec<f32> = made_up_values(batch * n_mels * frames, 7)
        .iter()
        .map(|v| v.abs() + 1e-3)
        .collect();
    let fe = GpuFrontEnd::new(&cfg).unwrap();
    let input = Tensor::<3>::from_data(TensorData::new(values.clone(), [batch, n_mels, frames]), &gpu.device);
    let got = emovox::gpu::to_host(fe.dereverb(input, &d)).unwrap();
    for (b, clip) in values.chunks(n_mels * frames).enumerate() {
        let mut mel = FeatureMap::new(n_mels, frames, clip.to_vec());
        d.apply(&mut mel, cfg.sample_rate, cfg.hop);
        let err = max_abs(&got[b * n_mels * frames..(b + 1) * n_mels * frames], &mel.data);
        assert!(err < 1e-6, "clip {b}: {err}");
    }
}

#[test]
fn the_front_end_with_it_agrees_on_gpu_and_cpu_for_real_clips() {
    let Some(gpu) = wgpu_or_skip() else { return };
    let Some(data) = shared_data() else { return };
    let cfg = config();
    let corpus = emovox::corpus::Corpus::scan(&[data]).unwrap();
    let clip_cfg = emovox::audio::ClipConfig {
        sample_rate: cfg.sample_rate,
        duration: Some(1.5),
        trim_db: Some(40.0),
        loudness_db: None,
    };
    let clips: Vec<Vec<f32>> = (corpus.clips.iter().step_by(corpus.clips.len() / 3))
        .take(3)
        .map(|c| clip_cfg.load(&c.path).unwrap())
        .collect();
    let (flat, len) = pad_batch(&clips);
    let cpu = CpuFrontEnd::new(&cfg).unwrap();
    let plain = CpuFrontEnd::new(&FeatureConfig::efficientat()).unwrap();
    let out = emovox::gpu::to_host(GpuFrontEnd::new(&cfg).unwrap().log_mel(Tensor::<2>::from_data(
        TensorData::new(flat.clone(), [clips.len(), len]),
        &gpu.device,
    )))
    .unwrap();
    let per_clip = out.len() / clips.len();
    for (i, row) in flat.chunks(len).enumerate() {
        let reference = cpu.log_mel(row);
        let err = max_abs(&out[i * per_clip..(i + 1) * per_clip], &reference.data);
        assert!(err < 1e-3, "clip {i}: GPU vs CPU {err}");
        // Suppression only ever lowers the mel power, and does lower it on speech.
        let without = plain.log_mel(row);
        assert!(reference.data.iter().zip(&without.data).all(|(a, b)| a <= b));
        assert!(max_abs(&reference.data, &without.data) > 0.1, "clip {i}");
    }
}
