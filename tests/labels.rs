//! Classes as data, end to end through the binary: a label-per-folder corpus with three
//! made-up classes trains a CNN on the CPU, scores well above chance on its own test split,
//! `eval` re-scores the saved models to the recorded scores, and `predict` reports exactly
//! those classes with probabilities; a run's repeats predict as
//! an ensemble (probabilities averaged), also once exported as one model directory; `--protocol all` trains on every clip and scores
//! nothing; a run's repeats trained in two slices (`--first-repeat`, `--max-repeats`) merge with
//! `--resume` into the scores each slice reported, and `--resume` with a longer `--epochs` extends
//! a finished run to the scores the longer schedule gives from the start.

mod common;

use common::*;
use emovox::gpu::Compute;
use emovox::predict::Predictor;

/// 30 takes of each class under `dir/mine/<class>/`, and `dir/split.csv` holding every sixth
/// take out for test and the next for validation.
fn write_corpus(dir: &std::path::Path) {
    let mut split = String::from("path,split\n");
    for class in ["calm", "excited", "bored"] {
        for k in 0..30 {
            let name = format!("mine/{class}/take{k:02}.wav");
            write(
                dir,
                &name,
                &wav_bytes(&made_up_take(class, k), 1, MADE_UP_RATE, WavFormat::Int(16)),
            );
            let part = match k % 6 {
                0 => "test",
                1 => "val",
                _ => "train",
            };
            split += &format!("{name},{part}\n");
        }
    }
    write(dir, "split.csv", split.as_bytes());
}

/// `eval --run RUN` re-scores both repeats (or members) of `trained` to exactly their recorded
/// metrics.
fn assert_rescores_to(dir: &std::path::Path, run: &str, trained: &serde_json::Value) {
    let rescored = success_json(&emovox(&["eval", "--run", run, "--json"], dir));
    for k in 0..2 {
        assert_eq!(
            rescored["repeats"][k]["metrics"], trained["repeats"][k]["metrics"],
            "{run}: repeat {k}"
        );
    }
}

/// `emovox train` of the compact CNN on `dir/mine` (1 s clips, batch 8, CPU) with `args` added.
fn train_cnn(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "train",
        "--data",
        "mine",
        "--model",
        "cnn",
        "--batch-size",
        "8",
        "--duration",
        "1",
        "--device",
        "cpu",
    ];
    all.extend_from_slice(args);
    emovox(&all, dir)
}

#[test]
fn three_made_up_classes_train_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let out = train_cnn(
        dir.path(),
        &[
            "--protocol",
            "file",
            "--split-file",
            "split.csv",
            "--epochs",
            "6",
            "--seeds",
            "2",
            "--out",
            "runs/mine",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(metrics["repeats"].as_array().unwrap().len(), 2);
    let repeat = &metrics["repeats"][0];
    let accuracy = repeat["metrics"]["accuracy"].as_f64().unwrap();
    assert_eq!(repeat["metrics"]["n"], 15);
    assert!(accuracy >= 0.8, "accuracy {accuracy} (chance 0.33)");
    // Known emotions first, then the rest alphabetically.
    let order = ["calm", "bored", "excited"];
    let names: Vec<&str> = repeat["metrics"]["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, order);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("runs/mine/config.json")).unwrap()).unwrap();
    assert_eq!(config["classes"], serde_json::json!(order));
    assert_eq!(config["corpora"], serde_json::json!(["folder"]));
    // Re-scored from the saved models on their own test splits: the recorded scores again.
    assert_rescores_to(dir.path(), "runs/mine", &metrics);

    let probe = write(
        dir.path(),
        "probe.wav",
        &wav_bytes(&made_up_take("excited", 100), 1, MADE_UP_RATE, WavFormat::Int(16)),
    );
    let out = emovox(
        &[
            "predict",
            "--model",
            "runs/mine",
            "--device",
            "cpu",
            "--json",
            probe.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let prediction = &json[0]["prediction"];
    let probabilities = prediction["probabilities"].as_object().unwrap();
    assert_eq!(probabilities.len(), 3);
    let total: f64 = probabilities.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
    // The keys come in the model's class order.
    let text = String::from_utf8_lossy(&out.stdout);
    let at: Vec<usize> = order.iter().map(|n| text.find(&format!("\"{n}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(prediction["label"], "excited", "{probabilities:?}");

    // The two repeats as an ensemble: their probabilities averaged.
    let run = dir.path().join("runs/mine");
    let ensemble = Predictor::load_ensemble(&run, Compute::cpu()).unwrap();
    assert_eq!(ensemble.members(), 2);
    let first = Predictor::load(&run, Compute::cpu()).unwrap();
    // The second repeat alone: the same run with its repeats listed the other way round.
    let swapped = dir.path().join("runs/swapped");
    std::fs::create_dir_all(&swapped).unwrap();
    for entry in std::fs::read_dir(&run).unwrap() {
        let entry = entry.unwrap();
        let to = swapped.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            for f in std::fs::read_dir(entry.path()).unwrap() {
                let f = f.unwrap();
                std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
            }
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    let mut listed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(swapped.join("metrics.json")).unwrap()).unwrap();
    listed["repeats"].as_array_mut().unwrap().reverse();
    std::fs::write(swapped.join("metrics.json"), listed.to_string()).unwrap();
    let second = Predictor::load(&swapped, Compute::cpu()).unwrap();
    let clips = [made_up_take("calm", 101), made_up_take("bored", 102)];
    let (e, a, b) = (
        ensemble.classify(&clips, 4).unwrap(),
        first.classify(&clips, 4).unwrap(),
        second.classify(&clips, 4).unwrap(),
    );
    for i in 0..2 {
        for k in 0..3 {
            assert!((e[i][k] - (a[i][k] + b[i][k]) / 2.0).abs() < 1e-5);
        }
    }
    assert_ne!(a, b, "the two repeats are different models");

    // Exported as an ensemble (f32): a model directory that predicts with both repeats and
    // re-scores each on its own test split.
    let out = emovox(
        &[
            "export-model",
            "--run",
            "runs/mine",
            "--ensemble",
            "--f32",
            "--out",
            "shipped",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shipped = Predictor::load(&dir.path().join("shipped"), Compute::cpu()).unwrap();
    assert_eq!(shipped.members(), 2);
    assert_eq!(shipped.classify(&clips, 4).unwrap(), e);
    assert_rescores_to(dir.path(), "shipped", &metrics);
    // Exporting over a run directory is refused: it would delete the run.
    let out = emovox(
        &["export-model", "--run", "runs/mine", "--out", "runs/swapped"],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an emovox model"));
    assert!(swapped.join("metrics.json").exists());
}

#[test]
fn protocol_all_trains_on_every_clip_and_scores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let out = train_cnn(dir.path(), &["--protocol", "all", "--epochs", "4", "--out", "runs/all"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing was held out"));
    let run = dir.path().join("runs/all");
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("all/split.json")).unwrap()).unwrap();
    assert_eq!(split["train"].as_array().unwrap().len(), 90);
    assert!(split["val"].as_array().unwrap().is_empty() && split["test"].as_array().unwrap().is_empty());
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("all/state.json")).unwrap()).unwrap();
    assert_eq!(state["best_epoch"], 4, "without validation the last epoch is kept");

    // Its own split has no test clips: a clear error, not a score of zero.
    let out = emovox(&["eval", "--run", "runs/all"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was held out"));
    // Scored on other recordings (here its own corpus) it learned the classes.
    let out = emovox(
        &["eval", "--run", "runs/all", "--data", "mine", "--all", "--json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pooled"]["n"], 90);
    let accuracy = report["pooled"]["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.8, "accuracy {accuracy} (chance 0.33)");
}

#[test]
fn repeats_split_over_two_processes_merge_with_resume() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let common = [
        "--protocol",
        "file",
        "--split-file",
        "split.csv",
        "--epochs",
        "3",
        "--seeds",
        "2",
    ];
    let train = |extra: &[&str]| {
        let args: Vec<&str> = common.iter().chain(extra).copied().collect();
        let out = train_cnn(dir.path(), &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let repeats = |out: &std::process::Output| -> Vec<serde_json::Value> {
        let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        metrics["repeats"].as_array().unwrap().clone()
    };
    let first = repeats(&train(&["--max-repeats", "1", "--out", "runs/first", "--json"]));
    let second = repeats(&train(&["--first-repeat", "1", "--out", "runs/second", "--json"]));
    assert_eq!((first.len(), second.len()), (1, 1));
    assert_ne!(first[0]["name"], second[0]["name"]);

    // The two slices' repeat directories in one run, scored together without retraining.
    let merged = dir.path().join("runs/merged");
    for (run, repeat) in [("first", &first[0]), ("second", &second[0])] {
        let name = repeat["name"].as_str().unwrap();
        let to = merged.join(name);
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(dir.path().join("runs").join(run).join(name)).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    let out = train(&["--out", "runs/merged", "--resume", "--json"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("train loss"),
        "nothing retrains"
    );
    let both = repeats(&out);
    assert_eq!(both.len(), 2);
    assert_eq!(both[0]["metrics"], first[0]["metrics"]);
    assert_eq!(both[1]["metrics"], second[0]["metrics"]);

    let out = train_cnn(
        dir.path(),
        &[&common[..], &["--first-repeat", "2", "--out", "runs/none"]].concat(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only 2 repeats"));
}

#[test]
fn resume_with_more_epochs_extends_a_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let train = |epochs: &str, out: &str, extra: &[&str]| {
        let base = [
            "--protocol",
            "file",
            "--split-file",
            "split.csv",
            "--seeds",
            "1",
            "--epochs",
            epochs,
            "--out",
            out,
            "--json",
        ];
        train_cnn(dir.path(), &[&base[..], extra].concat())
    };
    let metrics = |out: &std::process::Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let straight = metrics(&train("3", "runs/straight", &[]));
    metrics(&train("2", "runs/extended", &[]));
    let out = train("3", "runs/extended", &["--resume"]);
    let extended = metrics(&out);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("extending the schedule from 2 to 3 epochs"), "{log}");
    assert_eq!(log.matches("train loss").count(), 1, "only epoch 3 trains: {log}");
    assert_eq!(extended["repeats"][0]["metrics"], straight["repeats"][0]["metrics"]);
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("runs/extended/history.json")).unwrap()).unwrap();
    assert_eq!(
        history
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A shorter schedule, or any other change, is another run.
    for (epochs, extra) in [("2", &[][..]), ("3", &["--lr", "0.01"])] {
        let out = train(epochs, "runs/extended", &[&["--resume"][..], extra].concat());
        assert!(!out.status.success(), "{extra:?} was accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("different configuration"));
    }
}
