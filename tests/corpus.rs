//! Corpus scanning (RAVDESS, SAVEE both layouts, label folders), split invariants, split files,
//! and the real RAVDESS + SAVEE counts when ../shared/data is present.

mod common;

use common::*;
use emovox::audio::decode_file;
use emovox::corpus::split::{from_file, random_stratified, speaker_folds};
use emovox::corpus::{Clip, Corpus, CorpusKind, Emotion};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

#[test]
fn scan_labels_every_layout_and_reports_unparsed_files() {
    let dir = tempfile::tempdir().unwrap();
    let wav = wav_bytes(&sine(200.0, 0.3, 16_000, 0.1), 1, 16_000, WavFormat::Int(16));
    for name in [
        "ravdess/Actor_01/03-01-01-01-01-01-01.wav",
        "ravdess/Actor_02/03-01-08-02-02-02-02.flac",
        "savee/DC_sa01.wav",
        "savee/JE_su02.wav",
        "savee/KL_a03.wav",
        "SAVEE/AudioData/JK/h04.wav",
        "mine/angry/take1.wav",
        "mine/Happiness/deep/x.wav",
        "mine/unknown/take2.wav",
        "junk/hello.wav",
    ] {
        write(dir.path(), name, &wav);
    }
    write(dir.path(), "README.txt", b"not audio");
    let corpus = Corpus::scan(&[dir.path()]).unwrap();
    let s = corpus.summary();
    assert_eq!(s.total, 7);
    assert_eq!(s.by_corpus["ravdess"].clips, 2);
    assert_eq!(s.by_corpus["ravdess"].speakers, 2);
    assert_eq!(s.by_corpus["savee"].clips, 4);
    assert_eq!(s.by_corpus["savee"].speakers, 4);
    assert_eq!(s.by_corpus["folder"].clips, 1);
    assert_eq!(s.by_class["sad"], 1);
    assert_eq!(s.by_class["surprised"], 2);
    assert_eq!(s.by_class["angry"], 2);
    assert_eq!(s.unparsed, 3, "{:?}", s.unparsed_files);
    // "deep" is the parent of x.wav, not a label; a label folder must hold the file directly.
    assert!(s.unparsed_files.iter().any(|p| p.ends_with("deep/x.wav")));
}

/// 28 speakers x 8 classes with uneven counts, like the combined corpora.
fn synthetic_clips() -> Vec<Clip> {
    let mut clips = Vec::new();
    for speaker in 0..28 {
        for (class, emotion) in Emotion::ALL.iter().enumerate() {
            for take in 0..(2 + (class + speaker) % 5) {
                clips.push(Clip {
                    path: PathBuf::from(format!("/s{speaker}/c{class}/{take}.wav")),
                    emotion: *emotion,
                    speaker: format!("spk{speaker:02}"),
                    corpus: CorpusKind::Folder,
                });
            }
        }
    }
    clips
}

#[test]
fn random_split_is_stratified_disjoint_complete_and_deterministic() {
    let clips = synthetic_clips();
    let labels: Vec<usize> = clips.iter().map(|c| c.emotion.index()).collect();
    let split = random_stratified(&labels, 42, 0.05, 0.05).unwrap();
    let mut all: Vec<usize> = split
        .train
        .iter()
        .chain(&split.val)
        .chain(&split.test)
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..clips.len()).collect::<Vec<_>>(),
        "parts must partition the clips"
    );
    for class in 0..8 {
        let n = labels.iter().filter(|&&l| l == class).count() as f64;
        for (part, frac) in [(&split.val, 0.05), (&split.test, 0.05), (&split.train, 0.90)] {
            let k = part.iter().filter(|&&i| labels[i] == class).count() as f64;
            assert!((k - n * frac).abs() <= 1.0, "class {class}: {k} vs {}", n * frac);
        }
    }
    assert_eq!(split, random_stratified(&labels, 42, 0.05, 0.05).unwrap());
    assert_ne!(split.test, random_stratified(&labels, 43, 0.05, 0.05).unwrap().test);
    assert!(random_stratified(&labels, 1, 0.6, 0.5).is_err());
}

#[test]
fn speaker_folds_never_leak_a_speaker() {
    let clips = synthetic_clips();
    let folds = speaker_folds(&clips, 7).unwrap();
    assert_eq!(folds.len(), 7);
    let mut tested = vec![0usize; clips.len()];
    for fold in &folds {
        let speakers = |part: &[usize]| part.iter().map(|&i| clips[i].speaker.clone()).collect::<HashSet<_>>();
        let (tr, va, te) = (speakers(&fold.train), speakers(&fold.val), speakers(&fold.test));
        assert!(
            tr.is_disjoint(&te) && tr.is_disjoint(&va) && va.is_disjoint(&te),
            "{}",
            fold.name
        );
        assert_eq!(te.len(), 4);
        assert_eq!(fold.train.len() + fold.val.len() + fold.test.len(), clips.len());
        for &i in &fold.test {
            tested[i] += 1;
        }
    }
    assert!(tested.iter().all(|&n| n == 1), "every clip is tested exactly once");
    assert_eq!(folds, speaker_folds(&clips, 7).unwrap());
    assert!(
        speaker_folds(&clips[..10], 7).is_err(),
        "one speaker cannot fill 7 folds"
    );
}

#[test]
fn split_file_assigns_listed_clips_and_rejects_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let wav = wav_bytes(&sine(200.0, 0.3, 16_000, 0.1), 1, 16_000, WavFormat::Int(16));
    for name in ["d/angry/a.wav", "d/angry/b.wav", "d/sad/c.wav", "d/sad/d.wav"] {
        write(dir.path(), name, &wav);
    }
    let corpus = Corpus::scan(&[dir.path().join("d")]).unwrap();
    let csv = write(
        dir.path(),
        "split.csv",
        b"path,split\nd/angry/a.wav,train\nd/sad/c.wav,train\nd/angry/b.wav,test\nd/sad/d.wav,val\n",
    );
    let split = from_file(&csv, &corpus).unwrap();
    assert_eq!((split.train.len(), split.val.len(), split.test.len()), (2, 1, 1));
    let name = |i: usize| corpus.clips[i].path.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name(split.test[0]), "b.wav");

    let bad = write(dir.path(), "bad.csv", b"d/angry/a.wav,holdout\n");
    assert!(from_file(&bad, &corpus).unwrap_err().to_string().contains("holdout"));
    let unknown = write(dir.path(), "unknown.csv", b"d/angry/a.wav,train\nd/nope.wav,test\n");
    assert!(
        from_file(&unknown, &corpus)
            .unwrap_err()
            .to_string()
            .contains("nope.wav")
    );
}

#[test]
fn real_corpora_counts_and_every_clip_decodes() {
    let Some(data) = shared_data() else { return };
    let corpus = Corpus::scan(&[data]).unwrap();
    let s = corpus.summary();
    assert_eq!(s.total, 1920);
    assert_eq!(s.unparsed, 0, "{:?}", s.unparsed_files);
    assert_eq!(
        (s.by_corpus["ravdess"].clips, s.by_corpus["ravdess"].speakers),
        (1440, 24)
    );
    assert_eq!((s.by_corpus["savee"].clips, s.by_corpus["savee"].speakers), (480, 4));
    let expected: BTreeMap<&str, usize> = [
        ("neutral", 216),
        ("calm", 192),
        ("happy", 252),
        ("sad", 252),
        ("angry", 252),
        ("fearful", 252),
        ("disgust", 252),
        ("surprised", 252),
    ]
    .into();
    for (class, n) in expected {
        assert_eq!(s.by_class[class], n, "{class}");
    }
    let failures: Vec<String> = corpus
        .clips
        .par_iter()
        .filter_map(|clip| match decode_file(&clip.path) {
            Ok(a) if a.samples.len() > 8_000 && rms(&a.samples) > 1e-4 => None,
            Ok(a) => Some(format!(
                "{}: silent or short ({} samples)",
                clip.path.display(),
                a.samples.len()
            )),
            Err(e) => Some(e.to_string()),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} clips failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}
