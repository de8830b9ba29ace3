//! A front end that does not care about level or a DC offset: with loudness normalisation and
//! DC removal, the features and the shipped model's predicted labels of real clips stay the
//! same from -30 to +6 dB of gain and under offsets of +0.1 and -0.05;
//! relative silence detection marks digital silence and pauses but keeps quiet speech.

mod common;

use common::*;
use emovox::audio::{ClipConfig, decode_file};
use emovox::corpus::Corpus;
use emovox::features::{CpuFrontEnd, FeatureConfig};
use emovox::gpu::Compute;
use emovox::predict::{PredictOptions, Predictor, default_model_dir, predict_clips, predict_files};

/// The shipped model, which normalises every clip to -35 dBFS.
fn shipped_model() -> Predictor {
    let predictor = Predictor::load(&default_model_dir(), Compute::cpu()).unwrap();
    assert_eq!(
        predictor.clip.loudness_db,
        Some(-35.0),
        "the shipped model normalises level"
    );
    predictor
}

fn scaled(x: &[f32], db: f32) -> Vec<f32> {
    let g = 10f32.powf(db / 20.0);
    x.iter().map(|v| v * g).collect()
}

/// A change to a recording, named.
type Change<'a> = (&'a str, &'a dyn Fn(&[f32]) -> Vec<f32>);

/// The log-mel features (within 0.01 dB) and the shipped model's labels of 20 real clips stay
/// the same under every change.
fn assert_invariant(changes: &[Change]) {
    let Some(data) = shared_data() else { return };
    let corpus = Corpus::scan(&[data]).unwrap();
    let clips: Vec<_> = corpus.clips.iter().step_by(96).collect();
    assert_eq!(clips.len(), 20);
    let clip_cfg = ClipConfig {
        loudness_db: Some(-35.0),
        ..ClipConfig::default()
    };
    let fe = CpuFrontEnd::new(&FeatureConfig::default()).unwrap();
    let predictor = shipped_model();
    let rate = predictor.clip.sample_rate;
    let mut originals = Vec::new();
    for clip in &clips {
        let audio = decode_file(&clip.path).unwrap();
        let reference = fe.log_mel(&clip_cfg.prepare(&audio).unwrap());
        for (name, change) in changes {
            let changed = emovox::audio::Audio {
                samples: change(&audio.samples),
                sample_rate: audio.sample_rate,
            };
            let features = fe.log_mel(&clip_cfg.prepare(&changed).unwrap());
            let err = max_abs(&features.data, &reference.data);
            assert!(
                err < 0.01,
                "{}: {name} changes the log-mel by {err} dB",
                clip.path.display()
            );
        }
        originals.push(emovox::audio::resample(&audio.samples, audio.sample_rate, rate).unwrap());
    }
    let options = PredictOptions::default();
    let labels = |clips: &[Vec<f32>]| -> Vec<String> {
        predict_clips(&predictor, clips, &options)
            .unwrap()
            .into_iter()
            .map(|p| p.label)
            .collect()
    };
    let reference = labels(&originals);
    assert!(
        reference.iter().all(|l| l != "silence" && l != "too short"),
        "{reference:?}"
    );
    for (name, change) in changes {
        let changed: Vec<Vec<f32>> = originals.iter().map(|x| change(x)).collect();
        assert_eq!(labels(&changed), reference, "{name}");
    }
}

#[test]
fn features_and_labels_of_real_clips_do_not_depend_on_gain() {
    assert_invariant(&[
        ("-30 dB", &|x| scaled(x, -30.0)),
        ("-20 dB", &|x| scaled(x, -20.0)),
        ("-10 dB", &|x| scaled(x, -10.0)),
        ("+6 dB", &|x| scaled(x, 6.0)),
    ]);
}

#[test]
fn features_and_labels_of_real_clips_do_not_depend_on_a_dc_offset() {
    let offset = |dc: f32| move |x: &[f32]| x.iter().map(|v| v + dc).collect::<Vec<f32>>();
    assert_invariant(&[("DC +0.1", &offset(0.1)), ("DC -0.05", &offset(-0.05))]);
}

#[test]
fn relative_silence_marks_digital_silence_and_pauses_but_keeps_quiet_speech() {
    let predictor = Predictor::load(&default_model_dir(), Compute::cpu()).unwrap();
    let rate = predictor.clip.sample_rate;
    let speech: Vec<f32> = (0..2 * rate as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            (2.0 * std::f32::consts::PI * 150.0 * t).sin() * (0.5 + 0.5 * (2.0 * std::f32::consts::PI * 3.0 * t).sin())
        })
        .collect();
    // Speech whose loudest 50 ms is at -40 dBFS.
    let peak_power = speech
        .chunks(rate as usize / 20)
        .map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32)
        .fold(0.0, f32::max);
    let quiet = scaled(&speech, -40.0 - 10.0 * peak_power.log10());
    let options = PredictOptions::default();
    let got = predict_clips(&predictor, &[vec![0.0; rate as usize * 2], quiet.clone()], &options).unwrap();
    assert_eq!(got[0].label, "silence");
    assert!(got[1].label != "silence" && got[1].label != "too short", "{:?}", got[1]);
    // A quiet recording with a pause: the pause is silence, the speech around it is not.
    let mut x = quiet.clone();
    x.extend(scaled(&quiet, -50.0));
    x.extend(&quiet);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "quiet.wav", &wav_bytes(&x, 1, rate, WavFormat::Float32));
    let timeline = PredictOptions {
        window: Some((1.0, 1.0)),
        ..PredictOptions::default()
    };
    let result = predict_files(&predictor, &[path], &timeline).unwrap().remove(0);
    let labels: Vec<&str> = result.windows.iter().map(|w| w.prediction.label.as_str()).collect();
    assert_eq!(labels.len(), 6);
    assert!(labels[2] == "silence" && labels[3] == "silence", "{labels:?}");
    for i in [0, 1, 4, 5] {
        assert!(labels[i] != "silence" && labels[i] != "too short", "{labels:?}");
    }
}
