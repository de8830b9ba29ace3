//! Prediction at any length and scale, through the real binary: live audio on standard input
//! (a WAV stream and raw PCM) gives windows before the input ends; `--shard` parts concatenate
//! into the whole run; folders with symbolic-link cycles are walked once; a clip of a few
//! samples is `too short`; a long file streamed in windows matches the in-memory result.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const RATE: u32 = 16_000;

/// Speech-like test audio: a voiced signal with a slow pitch glide.
fn voiced(seconds: f32) -> Vec<f32> {
    let n = (RATE as f32 * seconds) as usize;
    let mut phase = 0.0f32;
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            phase += 2.0 * std::f32::consts::PI * (140.0 + 30.0 * (0.7 * t).sin()) / RATE as f32;
            0.3 * (phase.sin() + 0.4 * (3.0 * phase).sin()) * (0.6 + 0.4 * (2.1 * t).sin().abs())
        })
        .collect()
}

fn pcm16(x: &[f32]) -> Vec<u8> {
    x.iter()
        .flat_map(|v| ((v.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
        .collect()
}

/// Runs `predict -` with `args`, feeding `chunks` to standard input with a pause after each;
/// returns the JSON lines and, per line, whether it arrived before standard input was closed.
fn live(args: &[&str], header: &[u8], chunks: &[Vec<u8>]) -> Vec<(serde_json::Value, bool)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emovox"))
        .args(["predict", "-", "--device", "cpu", "--jsonl"])
        .args(args)
        .env("BURN_DEVICE", "flex")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start emovox");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            tx.send(line.unwrap()).unwrap();
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(header).unwrap();
    let mut early = Vec::new();
    for chunk in chunks {
        stdin.write_all(chunk).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        early.extend(rx.try_iter());
    }
    // Windows complete so far must come out while the input is still open.
    let deadline = Instant::now() + Duration::from_secs(60);
    while early.is_empty() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            early.push(line);
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
    let late: Vec<String> = rx.try_iter().collect();
    let parse = |l: &String| serde_json::from_str::<serde_json::Value>(l).unwrap();
    early
        .iter()
        .map(|l| (parse(l), true))
        .chain(late.iter().map(|l| (parse(l), false)))
        .collect()
}

#[test]
fn live_wav_on_stdin_gives_windows_before_the_input_ends() {
    let x = voiced(6.0);
    let wav = wav_bytes(&x, 1, RATE, WavFormat::Int(16));
    // A WAV header as a live recorder writes it: the data size is not known yet.
    let mut header = wav[..44].to_vec();
    header[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    header[40..44].copy_from_slice(&(u32::MAX - 36).to_le_bytes());
    let chunks: Vec<Vec<u8>> = wav[44..].chunks(3200).map(<[u8]>::to_vec).collect();
    let lines = live(&["--window", "1s", "--hop", "1s"], &header, &chunks);
    let windows: Vec<&(serde_json::Value, bool)> = lines.iter().filter(|(l, _)| l["kind"] == "window").collect();
    assert_eq!(windows.len(), 6, "{lines:?}");
    assert!(windows[0].1, "the first window came out only after the input ended");
    let classes = shipped_classes().len();
    for (i, (w, _)) in windows.iter().enumerate() {
        assert!((w["start"].as_f64().unwrap() - i as f64).abs() < 1e-9);
        assert!(w["probabilities"].as_object().unwrap().len() == classes);
    }
    let file = &lines.last().unwrap().0;
    assert_eq!(
        (file["kind"].as_str(), file["path"].as_str()),
        (Some("file"), Some("-"))
    );
    assert!((file["duration"].as_f64().unwrap() - 6.0).abs() < 1e-3);
}

#[test]
fn raw_pcm_on_stdin_matches_the_same_audio_from_a_file() {
    let x = voiced(5.0);
    let chunks: Vec<Vec<u8>> = pcm16(&x).chunks(1000).map(<[u8]>::to_vec).collect();
    let lines = live(
        &[
            "--raw",
            "s16le",
            "--rate",
            "16000",
            "--channels",
            "1",
            "--window",
            "2s",
            "--hop",
            "1s",
        ],
        &[],
        &chunks,
    );
    let live_windows: Vec<&serde_json::Value> =
        lines.iter().map(|(l, _)| l).filter(|l| l["kind"] == "window").collect();
    assert!(lines.iter().any(|(l, early)| *early && l["kind"] == "window"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "same.wav", &wav_bytes(&x, 1, RATE, WavFormat::Int(16)));
    let out = emovox(
        &[
            "predict", "same.wav", "--device", "cpu", "--jsonl", "--window", "2s", "--hop", "1s",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let from_file: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &serde_json::Value| l["kind"] == "window")
        .collect();
    assert_eq!(live_windows.len(), from_file.len());
    assert_eq!(live_windows.len(), 4, "starts 0..3 s, the last ending at 5 s");
    for (a, b) in live_windows.iter().zip(&from_file) {
        assert_eq!(
            (&a["start"], &a["end"], &a["label"]),
            (&b["start"], &b["end"], &b["label"])
        );
        let (pa, pb) = (
            a["probabilities"].as_object().unwrap(),
            b["probabilities"].as_object().unwrap(),
        );
        for (k, v) in pa {
            assert!((v.as_f64().unwrap() - pb[k].as_f64().unwrap()).abs() < 1e-3, "{k}");
        }
    }
}

#[test]
fn shards_concatenate_into_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in [
        "b/2.wav",
        "a/1.wav",
        "c.wav",
        "a/0.wav",
        "b/1.wav",
        "d/e/f.wav",
        "a/9.wav",
    ]
    .iter()
    .enumerate()
    {
        write(
            dir.path(),
            name,
            &wav_bytes(&voiced(1.0 + i as f32 * 0.1), 1, RATE, WavFormat::Int(16)),
        );
    }
    let rows = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["predict", ".", "--device", "cpu", "--csv"];
        args.extend(extra);
        let out = emovox(&args, dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    let whole = rows(&[]);
    assert_eq!(whole.len(), 7);
    let mut joined = Vec::new();
    for k in 1..=3 {
        let part = rows(&["--shard", &format!("{k}/3")]);
        assert!((2..=3).contains(&part.len()), "{part:?}");
        joined.extend(part);
    }
    assert_eq!(joined, whole);
    // The same list from a file.
    write(dir.path(), "list.txt", b"c.wav\n# a comment\n\na/0.wav\n");
    let out = emovox(
        &["predict", "--files-from", "list.txt", "--device", "cpu", "--csv"],
        dir.path(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn symlink_cycles_are_walked_once_and_tiny_clips_are_too_short() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "top/a.wav",
        &wav_bytes(&voiced(1.0), 1, RATE, WavFormat::Int(16)),
    );
    write(
        dir.path(),
        "top/sub/b.wav",
        &wav_bytes(&voiced(1.0), 1, RATE, WavFormat::Int(16)),
    );
    write(
        dir.path(),
        "top/sub/tiny.wav",
        &wav_bytes(&voiced(10.0 / RATE as f32), 1, RATE, WavFormat::Int(16)),
    );
    std::os::unix::fs::symlink(dir.path().join("top"), dir.path().join("top/sub/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("top/a.wav"), dir.path().join("top/sub/alias.wav")).unwrap();
    let out = emovox(&["predict", "top", "--device", "cpu", "--json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3, "each file once: {rows:?}");
    let tiny = rows
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("tiny.wav"))
        .unwrap();
    assert_eq!(tiny["prediction"]["label"], "too short");
    assert!(tiny["prediction"]["probabilities"].as_object().unwrap().is_empty());
}

#[test]
fn a_long_file_streams_in_windows_with_the_in_memory_labels() {
    // 40 s: longer than the whole-file limit, so it is classified in windows and summarised.
    let x = voiced(40.0);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "long.wav", &wav_bytes(&x, 1, RATE, WavFormat::Int(16)));
    let out = emovox(
        &["predict", "long.wav", "--device", "cpu", "--json", "--window", "3s"],
        dir.path(),
    );
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let windows = json[0]["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 14);
    // Each window's label is that of the same samples classified as a file of their own.
    let predictor =
        emovox::predict::Predictor::load(&emovox::predict::default_model_dir(), emovox::gpu::Compute::cpu()).unwrap();
    // The file resampled at once, cut at the windows' bounds, each window without its DC offset
    // and scaled to the model's speech level as a file of its own would be.
    let rate = predictor.clip.sample_rate;
    let resampled = emovox::audio::resample(&x, RATE, rate).unwrap();
    let clips: Vec<Vec<f32>> = windows
        .iter()
        .map(|w| {
            let at = |key: &str| ((w[key].as_f64().unwrap() * rate as f64).round() as usize).min(resampled.len());
            let window = emovox::audio::remove_dc(&resampled[at("start")..at("end")]);
            match predictor.clip.loudness_db {
                Some(target) => emovox::audio::normalize_loudness(&window, rate, target),
                None => window,
            }
        })
        .collect();
    let probabilities = predictor.classify(&clips, 8).unwrap();
    for (w, p) in windows.iter().zip(&probabilities) {
        let best = (0..p.len()).max_by(|&i, &j| p[i].total_cmp(&p[j])).unwrap();
        assert_eq!(w["label"], predictor.classes().name(best).unwrap(), "{w} vs {p:?}");
        for (k, &pk) in p.iter().enumerate() {
            let streamed = w["probabilities"][predictor.classes().name(k).unwrap()]
                .as_f64()
                .unwrap();
            assert!((streamed - f64::from(pk)).abs() < 1e-3, "{w} vs {p:?}");
        }
    }
    let summary = &json[0]["prediction"];
    assert!(summary["probabilities"].as_object().unwrap().len() == shipped_classes().len());
    // Whole-file mode on the same file: clip-length windows, one summary.
    let out = emovox(&["predict", "long.wav", "--device", "cpu", "--json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json[0]["windows"].is_null());
    assert!(json[0]["prediction"]["label"].is_string());
}

#[test]
fn short_real_files_get_exactly_the_whole_file_prediction() {
    let Some(data) = shared_data() else { return };
    let corpus = emovox::corpus::Corpus::scan(&[data]).unwrap();
    let files: Vec<std::path::PathBuf> = corpus.clips.iter().step_by(64).map(|c| c.path.clone()).collect();
    let predictor =
        emovox::predict::Predictor::load(&emovox::predict::default_model_dir(), emovox::gpu::Compute::cpu()).unwrap();
    let streamed =
        emovox::predict::predict_files(&predictor, &files, &emovox::predict::PredictOptions::default()).unwrap();
    // The whole-file path: decode, resample, trim, classify the clip at once.
    let mut clip = predictor.clip.clone();
    clip.duration = None;
    let prepared: Vec<Vec<f32>> = files.iter().map(|f| clip.load(f).unwrap()).collect();
    let whole = predictor.classify(&prepared, 8).unwrap();
    assert_eq!(streamed.len(), 30);
    for (r, p) in streamed.iter().zip(&whole) {
        let got: Vec<f32> = r
            .prediction
            .as_ref()
            .unwrap()
            .probabilities
            .iter()
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(&got, p, "{}", r.path.display());
    }
}
