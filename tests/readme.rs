//! The README's commands work: every command in its `sh` blocks runs and succeeds, except
//! those marked `# long` (training runs, the server and its clients, the paper's table) and
//! `cargo test` (this suite). `cargo run --release --` is the emovox binary, run in a folder
//! that holds what the commands name: recordings, a label-per-folder `mydata/`, a small
//! RAVDESS-named `corpora/` (8 speakers, 8 emotions) and the shipped `weights/`.

mod common;

use common::*;
use std::path::Path;

const README: &str = include_str!("../README.md");

/// The README's shell commands (continuation lines joined), in order.
fn commands() -> Vec<String> {
    let (mut commands, mut inside, mut pending) = (Vec::new(), false, String::new());
    for line in README.lines() {
        if line.starts_with("```") {
            inside = line == "```sh";
            continue;
        }
        if !inside || line.trim().is_empty() {
            continue;
        }
        pending.push_str(line.trim_end().trim_end_matches('\\'));
        if !line.trim_end().ends_with('\\') {
            commands.push(std::mem::take(&mut pending));
        }
    }
    commands
}

/// Words of a command line, single and double quotes grouping, up to a `#` comment.
fn words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut started) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if !started => break,
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), _) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// What the README's commands read, in `dir`.
fn lay_out(dir: &Path) {
    let speech = speech_wav(dir);
    std::fs::create_dir_all(dir.join("path/to")).unwrap();
    std::fs::copy(&speech, dir.join("path/to/your.wav")).unwrap();
    std::fs::create_dir_all(dir.join("my_recordings")).unwrap();
    std::fs::copy(&speech, dir.join("my_recordings/speech.wav")).unwrap();
    let rate = MADE_UP_RATE;
    let wav = |samples: &[f32]| wav_bytes(samples, 1, rate, WavFormat::Int(16));
    write(&dir.join("my_recordings"), "calm.wav", &wav(&made_up_take("calm", 0)));
    // Ten seconds of changing voices for the timeline.
    let talk: Vec<f32> = (0..10)
        .flat_map(|k| made_up_take(["calm", "excited", "bored"][k % 3], k))
        .collect();
    write(dir, "talk.mp3", &mp3_bytes(&talk, rate));
    for k in 0..4 {
        write(
            &dir.join("one_speaker"),
            &format!("{k}.wav"),
            &wav(&made_up_take("excited", k)),
        );
    }
    for class in ["calm", "excited", "bored"] {
        for k in 0..6 {
            write(
                &dir.join("mydata").join(class),
                &format!("{k}.wav"),
                &wav(&made_up_take(class, k)),
            );
        }
    }
    // RAVDESS names: modality-channel-emotion-intensity-statement-repetition-actor.
    for actor in 1..=8 {
        let folder = dir.join(format!("corpora/Actor_{actor:02}"));
        for emotion in 1..=8 {
            let pitch = 90.0 + 30.0 * emotion as f32 + 5.0 * actor as f32;
            let voice = made_up_voice(pitch, |t| 0.5 + 0.3 * (emotion as f32 * t).sin());
            write(
                &folder,
                &format!("03-01-{emotion:02}-01-01-01-{actor:02}.wav"),
                &wav(&voice),
            );
        }
    }
    let weights = Path::new(env!("CARGO_MANIFEST_DIR")).join("weights");
    std::os::unix::fs::symlink(weights, dir.join("weights")).unwrap();
}

#[test]
fn the_readme_commands_work() {
    let all = commands();
    assert!(all.len() >= 10, "the README's sh blocks hold {} commands", all.len());
    let dir = tempfile::tempdir().unwrap();
    lay_out(dir.path());
    let mut ran = 0;
    for line in &all {
        if line.contains("# long") || line.starts_with("cargo test") {
            continue;
        }
        let words = words(line);
        let args = words
            .strip_prefix(&["cargo".to_string(), "run".into(), "--release".into(), "--".into()])
            .unwrap_or_else(|| panic!("a README command this test cannot run (mark it `# long`?): {line}"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = emovox(&args, dir.path());
        assert!(
            out.status.success(),
            "`{line}` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "`{line}` printed nothing");
        ran += 1;
    }
    assert!(ran >= 6, "only {ran} README commands ran");
}

#[test]
fn command_lines_split_like_a_shell() {
    assert_eq!(
        words("cargo run -- predict 'a b.wav' --window 3s   # comment"),
        ["cargo", "run", "--", "predict", "a b.wav", "--window", "3s"]
    );
    assert_eq!(
        words("curl -F file=@x \"q?a=1#b\""),
        ["curl", "-F", "file=@x", "q?a=1#b"]
    );
}
