//! The corpus protocol end to end through the binary, and test-time BatchNorm adaptation:
//! two made-up corpora named like RAVDESS (neutral, calm, happy; four actors) and SAVEE
//! (neutral, happy; four speakers, each on its own noisy line) train the compact CNN with
//! `--protocol corpus`, each corpus held out in turn and scored on the classes both sides
//! share; `eval` re-scores the saved models to exactly the recorded scores (the held-out
//! RAVDESS calm clips are not scored); `eval --adapt-bn` scores the same clips with BatchNorm
//! statistics re-estimated on them, together or per speaker; `--ensemble --all` scores both
//! models as one; `eval --robustness --held-out` scores each model on its held-out corpus;
//! `predict --adapt-bn` adapts to the files it predicts.

mod common;

use common::*;

/// Which made-up voice plays each emotion.
fn voice_of(emotion: &str) -> &'static str {
    match emotion {
        "neutral" => "calm",
        "happy" => "excited",
        _ => "bored",
    }
}

/// `rav/Actor_AA/03-01-EE-II-SS-RR-AA.wav` (4 actors x neutral, calm, happy x 6 takes) and
/// `sav/<speaker>/<code>NN.wav` (4 speakers x neutral, happy x 6 takes, each speaker with
/// its own level of hum).
fn write_corpora(dir: &std::path::Path) {
    for actor in 1..=4usize {
        for (code, emotion) in [(1, "neutral"), (2, "calm"), (3, "happy")] {
            for k in 0..6usize {
                let name = format!(
                    "rav/Actor_{actor:02}/03-01-{code:02}-{:02}-{:02}-{:02}-{actor:02}.wav",
                    1 + k % 2,
                    1 + (k / 2) % 2,
                    1 + k / 4
                );
                let take = made_up_take(voice_of(emotion), 10 * actor + k);
                write(dir, &name, &wav_bytes(&take, 1, MADE_UP_RATE, WavFormat::Int(16)));
            }
        }
    }
    for (s, speaker) in ["DC", "JE", "JK", "KL"].iter().enumerate() {
        let hum = made_up_voice(50.0, |_| 0.1 * (s + 1) as f32);
        for (code, emotion) in [("n", "neutral"), ("h", "happy")] {
            for k in 0..6usize {
                let take = made_up_take(voice_of(emotion), 100 + 10 * s + k);
                let mixed: Vec<f32> = take.iter().zip(&hum).map(|(x, h)| x + h).collect();
                let name = format!("sav/{speaker}/{code}{:02}.wav", k + 1);
                write(dir, &name, &wav_bytes(&mixed, 1, MADE_UP_RATE, WavFormat::Int(16)));
            }
        }
    }
}

#[test]
fn corpus_protocol_rescores_exactly_and_adapts_batch_norm() {
    let dir = tempfile::tempdir().unwrap();
    write_corpora(dir.path());
    let trained = success_json(&emovox(
        &[
            "train",
            "--data",
            "rav",
            "sav",
            "--model",
            "cnn",
            "--protocol",
            "corpus",
            "--batch-size",
            "8",
            "--duration",
            "1",
            "--epochs",
            "3",
            "--device",
            "cpu",
            "--out",
            "runs/loco",
            "--json",
        ],
        dir.path(),
    ));
    let repeats = trained["repeats"].as_array().unwrap();
    let names: Vec<&str> = repeats.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["test-ravdess", "test-savee"]);
    for r in repeats {
        assert_eq!(
            r["scored_classes"],
            serde_json::json!(["neutral", "happy"]),
            "{}",
            r["name"]
        );
        // 4 actors x 2 shared classes x 6 takes: calm is not scored; SAVEE likewise 48.
        assert_eq!(r["metrics"]["n"], 48, "{}", r["name"]);
    }

    // Re-scored from the saved models: exactly the recorded scores, on the same classes.
    let rescored = success_json(&emovox(&["eval", "--run", "runs/loco", "--json"], dir.path()));
    assert_eq!(rescored["scored_classes"], serde_json::json!(["neutral", "happy"]));
    assert!(rescored["adapted_bn"].is_null());
    for (k, r) in repeats.iter().enumerate() {
        assert_eq!(rescored["repeats"][k]["metrics"], r["metrics"], "{}", r["name"]);
    }

    // The robustness report with each corpus model on its own held-out corpus (the 96 clips
    // of the shared classes), predicted as `predict` predicts files: its argmax runs over all
    // three classes where the re-scoring's runs over the two scored ones, so a label right
    // here is right there; no label moves with a DC offset or the gain.
    let robust = success_json(&emovox(
        &[
            "eval",
            "--run",
            "runs/loco",
            "--robustness",
            "--held-out",
            "--clips",
            "200",
            "--json",
        ],
        dir.path(),
    ));
    assert_eq!(robust["clips"], 96);
    let accuracy = |v: &serde_json::Value| v["accuracy"].as_f64().unwrap();
    assert!(
        accuracy(&robust) <= accuracy(&rescored["pooled"]) + 1e-9 && accuracy(&robust) > 0.5,
        "{} vs {}",
        robust["accuracy"],
        rescored["pooled"]["accuracy"]
    );
    for name in ["DC offset 0.1", "gain -10 dB"] {
        let condition = (robust["conditions"].as_array().unwrap().iter())
            .find(|c| c["condition"] == name)
            .unwrap_or_else(|| panic!("no {name} in {robust}"));
        assert_eq!(condition["unchanged"], 1.0, "{name}");
    }

    // Adapted to the scored clips, together and per speaker: the same clips, other statistics.
    for scope in ["scored", "speaker"] {
        let adapted = success_json(&emovox(
            &["eval", "--run", "runs/loco", "--adapt-bn", scope, "--json"],
            dir.path(),
        ));
        assert_eq!(adapted["adapted_bn"], scope);
        for (k, r) in repeats.iter().enumerate() {
            let m = &adapted["repeats"][k]["metrics"];
            assert_eq!(m["n"], 48, "{scope} {}", r["name"]);
            assert_eq!(m["per_class"].as_array().unwrap().len(), 3, "{scope} {}", r["name"]);
        }
    }
    // Both corpus models as one ensemble on every clip of both corpora (calm is the models'
    // too, so all 120 clips are scored), adapted per speaker; an ensemble needs --all.
    let ensemble = success_json(&emovox(
        &[
            "eval",
            "--run",
            "runs/loco",
            "--data",
            "rav",
            "sav",
            "--all",
            "--ensemble",
            "--adapt-bn",
            "speaker",
            "--json",
        ],
        dir.path(),
    ));
    assert_eq!(ensemble["repeats"].as_array().unwrap().len(), 1);
    assert_eq!(ensemble["repeats"][0]["name"], "ensemble of 2");
    assert_eq!(ensemble["pooled"]["n"], 120);
    assert_eq!(
        ensemble["scored_classes"],
        serde_json::json!(["neutral", "calm", "happy"])
    );
    let out = emovox(&["eval", "--run", "runs/loco", "--ensemble"], dir.path());
    assert!(
        !out.status.success(),
        "an ensemble's members have different test splits"
    );
    // predict --adapt-bn: the SAVEE-trained corpus model adapted to the RAVDESS-like files
    // (72 one-second clips) before predicting them; other probabilities than unadapted.
    let predict = |extra: &[&str]| {
        let mut args = vec!["predict", "rav", "--model", "runs/loco", "--device", "cpu", "--json"];
        args.extend_from_slice(extra);
        emovox(&args, dir.path())
    };
    let (plain, adapted) = (predict(&[]), predict(&["--adapt-bn"]));
    assert!(String::from_utf8_lossy(&adapted.stderr).contains("to 72 clips"));
    let (plain, adapted) = (success_json(&plain), success_json(&adapted));
    assert_eq!(adapted.as_array().unwrap().len(), 72);
    assert_ne!(plain, adapted);
    let out = emovox(
        &[
            "predict",
            "-",
            "--model",
            "runs/loco",
            "--adapt-bn",
            "--raw",
            "s16le",
            "--rate",
            "16000",
        ],
        dir.path(),
    );
    assert!(!out.status.success(), "standard input cannot be read twice");
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes files"));
    let out = emovox(
        &["eval", "--run", "runs/loco", "--adapt-bn", "--robustness"],
        dir.path(),
    );
    assert!(!out.status.success(), "--adapt-bn and --robustness conflict");
}
