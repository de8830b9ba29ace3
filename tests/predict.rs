//! Prediction on users' files with the shipped model: folder recursion, mixed good and bad
//! files, JSON and CSV output of the real binary, timelines that tile the file exactly,
//! silence detection, determinism.

mod common;

use common::*;
use emovox::audio::window_bounds;
use emovox::gpu::Compute;
use emovox::predict::{PredictOptions, Predictor, default_model_dir, expand_inputs, predict_files};

fn predictor() -> Predictor {
    Predictor::load(&default_model_dir(), Compute::cpu()).expect("the shipped model in weights/default")
}

fn corpus_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wav = |x: &[f32]| wav_bytes(x, 1, 16_000, WavFormat::Int(16));
    write(dir.path(), "a.wav", &wav(&voiced(2.0, 16_000)));
    write(dir.path(), "nested/deeper/b.wav", &wav(&voiced(3.0, 16_000)));
    write(
        dir.path(),
        "nested/c.flac",
        &flac_bytes(&tone(220.0, 0.4, 16_000, 8 * FLAC_BLOCK), 1, 16_000),
    );
    write(dir.path(), "nested/broken.wav", b"RIFF\x10\x00\x00\x00WAVEfmt garbage");
    write(dir.path(), "nested/notes.txt", b"not audio");
    dir
}

#[test]
fn folders_are_searched_and_bad_files_do_not_stop_the_rest() {
    let dir = corpus_dir();
    let (files, errors) = expand_inputs(&[dir.path().to_path_buf()]);
    assert!(errors.is_empty());
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.wav", "broken.wav", "c.flac", "b.wav"]);
    let results = predict_files(&predictor(), &files, &PredictOptions::default()).unwrap();
    assert_eq!(results.len(), 4);
    for r in &results {
        let broken = r.path.ends_with("broken.wav");
        assert_eq!(r.error.is_some(), broken, "{:?}", r);
        if !broken {
            let p = r.prediction.as_ref().unwrap();
            let total: f32 = p.probabilities.iter().map(|(_, v)| v).sum();
            assert!((total - 1.0).abs() < 1e-4, "{total}");
            assert_eq!(p.probabilities.len(), shipped_classes().len());
            assert_eq!(
                p.confidence,
                p.probabilities.iter().map(|(_, v)| *v).fold(0.0, f32::max)
            );
        }
    }
}

#[test]
fn timeline_windows_tile_the_file_exactly_and_silence_is_marked() {
    assert_eq!(window_bounds(10, 4, 3), [(0, 4), (3, 7), (6, 10)]);
    assert_eq!(window_bounds(10, 4, 4), [(0, 4), (4, 8), (8, 10)]);
    assert_eq!(window_bounds(3, 4, 1), [(0, 3)]);
    // 2 s voice, 2.5 s digital silence, 2.3 s voice.
    let rate = 16_000;
    let mut x = voiced(2.0, rate);
    x.extend(vec![0.0; 40_000]);
    x.extend(voiced(2.3, rate));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "long.wav", &wav_bytes(&x, 1, rate, WavFormat::Int(16)));
    let options = PredictOptions {
        window: Some((1.0, 0.5)),
        ..PredictOptions::default()
    };
    let p = predictor();
    let result = predict_files(&p, std::slice::from_ref(&path), &options)
        .unwrap()
        .remove(0);
    let duration = x.len() as f64 / rate as f64;
    let w = &result.windows;
    assert_eq!(w.first().unwrap().start, 0.0);
    assert!((w.last().unwrap().end - duration).abs() < 1e-9);
    for pair in w.windows(2) {
        assert!((pair[1].start - pair[0].start - 0.5).abs() < 1e-9 && pair[0].end >= pair[1].start);
    }
    for window in w {
        let silent_span = window.start >= 2.0 && window.end <= 4.5;
        let voiced_span = window.end <= 2.0 || window.start >= 4.5;
        if silent_span {
            assert_eq!(window.prediction.label, "silence", "{window:?}");
        }
        if voiced_span {
            assert_ne!(window.prediction.label, "silence", "{window:?}");
        }
    }
    // The same input gives the same numbers.
    let again = predict_files(&p, std::slice::from_ref(&path), &options)
        .unwrap()
        .remove(0);
    assert_eq!(again, result);
}

#[test]
fn json_and_csv_outputs_have_their_schema_and_exit_codes_tell_success() {
    let dir = corpus_dir();
    let root = dir.path().to_str().unwrap();
    let out = emovox(&["predict", "--device", "cpu", "--json", root], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json.as_array().unwrap();
    // The keys keep the model's class order in the text (serde_json's Value would sort them).
    let text = String::from_utf8_lossy(&out.stdout);
    let first = &text[text.find("\"probabilities\"").unwrap()..];
    let first = &first[..first.find('}').unwrap()];
    let classes = shipped_classes();
    let order: Vec<usize> = classes
        .iter()
        .map(|n| first.find(&format!("\"{n}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{first}");
    assert_eq!(rows.len(), 4);
    for row in rows {
        assert!(row["path"].is_string());
        if row["error"].is_null() {
            assert!(row["prediction"]["label"].is_string() && row["prediction"]["confidence"].is_number());
            // Probabilities are an object keyed by class name, in the model's class order.
            let probabilities = row["prediction"]["probabilities"].as_object().unwrap();
            assert_eq!(probabilities.len(), classes.len());
        } else {
            assert!(row["prediction"].is_null());
        }
    }
    let out = emovox(&["predict", "--device", "cpu", "--csv", root], dir.path());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..4], ["path", "duration", "label", "confidence"]);
    assert_eq!(header.len(), 4 + classes.len() + 1);
    assert!(lines.all(|l| l.split(',').count() == header.len()));
    // Nothing predictable: a non-zero exit.
    let out = emovox(
        &["predict", "--device", "cpu", &format!("{root}/nested/broken.wav")],
        dir.path(),
    );
    assert!(!out.status.success());
}

#[test]
fn a_batch_split_over_cores_gives_each_clip_its_own_answer() {
    let predictor = predictor();
    let rate = predictor.clip.sample_rate;
    let clips: Vec<Vec<f32>> = (0..12)
        .map(|i| {
            let x = voiced(1.0 + 0.2 * i as f32, rate);
            x.iter().map(|v| v * (0.2 + 0.1 * i as f32)).collect()
        })
        .collect();
    let together = predictor.classify(&clips, 32).unwrap();
    assert_eq!(together.len(), clips.len());
    for (clip, batched) in clips.iter().zip(&together) {
        let alone = &predictor.classify(std::slice::from_ref(clip), 1).unwrap()[0];
        assert!(max_abs(alone, batched) < 1e-6, "{alone:?} vs {batched:?}");
    }
    // The clips differ, so the parts must not have been mixed up.
    assert!(max_abs(&together[0], &together[11]) > 1e-3);
}
