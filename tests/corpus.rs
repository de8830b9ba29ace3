//! Corpus scanning (every corpus convention, label folders, label specs), split invariants, split files,
//! and the real RAVDESS + SAVEE counts when ../shared/data is present.

mod common;

use common::*;
use emovox::audio::decode_file;
use emovox::corpus::split::{from_file, random_stratified, speaker_folds};
use emovox::corpus::{Clip, Corpus, CorpusKind, LabelSpec};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

#[test]
fn scan_labels_every_layout_and_makes_unknown_folders_classes() {
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
        "mine/Happiness/take3.wav",
        "mine/Bored/take2.wav",
        "mine/bored/deep/x.wav",
    ] {
        write(dir.path(), name, &wav);
    }
    write(dir.path(), "README.txt", b"not audio");
    let corpus = Corpus::scan(&[dir.path()]).unwrap();
    let s = corpus.summary();
    assert_eq!(s.total, 10);
    assert_eq!(s.unparsed, 0, "{:?}", s.unparsed_files);
    assert_eq!(s.by_corpus["ravdess"].clips, 2);
    assert_eq!(s.by_corpus["ravdess"].speakers, 2);
    assert_eq!(s.by_corpus["savee"].clips, 4);
    assert_eq!(s.by_corpus["savee"].speakers, 4);
    assert_eq!(s.by_corpus["folder"].clips, 4);
    assert_eq!(s.by_class["sad"], 1);
    assert_eq!(s.by_class["surprised"], 2);
    assert_eq!(s.by_class["angry"], 2);
    assert_eq!(s.by_class["happy"], 2);
    assert_eq!(s.by_class["bored"], 1);
    // The folder that holds a file names its class: `deep` is a class of its own.
    assert_eq!(s.by_class["deep"], 1);
    assert_eq!(
        s.classes,
        ["neutral", "happy", "sad", "angry", "surprised", "bored", "deep"]
    );
}

/// Every emotion code of every corpus convention, as (file path, label, speaker, corpus).
fn convention_cases() -> Vec<(String, &'static str, String, CorpusKind)> {
    let mut cases = Vec::new();
    let ravdess = [
        "neutral",
        "calm",
        "happy",
        "sad",
        "angry",
        "fearful",
        "disgust",
        "surprised",
    ];
    for (i, label) in ravdess.iter().enumerate() {
        let name = format!("RAV/Actor_07/03-01-{:02}-01-01-01-07.wav", i + 1);
        cases.push((name, *label, "ravdess:07".to_string(), CorpusKind::Ravdess));
    }
    for (code, label) in [
        ("a", "angry"),
        ("d", "disgust"),
        ("f", "fearful"),
        ("h", "happy"),
        ("n", "neutral"),
        ("sa", "sad"),
        ("su", "surprised"),
    ] {
        cases.push((
            format!("SAVEE/KL_{code}05.wav"),
            label,
            "savee:KL".into(),
            CorpusKind::Savee,
        ));
    }
    let tess = [
        ("angry", "angry"),
        ("disgust", "disgust"),
        ("fear", "fearful"),
        ("happy", "happy"),
        ("neutral", "neutral"),
        ("ps", "surprised"),
        ("sad", "sad"),
    ];
    for (code, label) in tess {
        for speaker in ["OAF", "YAF"] {
            let name = format!("TESS/{speaker}_{code}/{speaker}_chair_{code}.wav");
            cases.push((name, label, format!("tess:{speaker}"), CorpusKind::Tess));
        }
    }
    let crema = [
        ("ANG", "angry"),
        ("DIS", "disgust"),
        ("FEA", "fearful"),
        ("HAP", "happy"),
        ("NEU", "neutral"),
        ("SAD", "sad"),
    ];
    for (i, (code, label)) in crema.iter().enumerate() {
        let level = ["LO", "MD", "HI", "XX"][i % 4];
        cases.push((
            format!("CREMA-D/AudioWAV/1042_TIE_{code}_{level}.wav"),
            *label,
            "cremad:1042".into(),
            CorpusKind::Cremad,
        ));
    }
    let emodb = [
        ('W', "angry"),
        ('L', "bored"),
        ('E', "disgust"),
        ('A', "fearful"),
        ('F', "happy"),
        ('T', "sad"),
        ('N', "neutral"),
    ];
    for (letter, label) in emodb {
        cases.push((
            format!("emodb/wav/11b02{letter}b.wav"),
            label,
            "emodb:11".into(),
            CorpusKind::Emodb,
        ));
    }
    let iemocap = [
        ("neu", "neutral"),
        ("hap", "happy"),
        ("sad", "sad"),
        ("ang", "angry"),
        ("exc", "excited"),
        ("fru", "frustrated"),
        ("sur", "surprised"),
        ("fea", "fearful"),
        ("dis", "disgust"),
    ];
    for (i, (_, label)) in iemocap.iter().enumerate() {
        let name = format!("IEMOCAP/Session3/sentences/wav/Ses03M_impro02/Ses03M_impro02_M{i:03}.wav");
        cases.push((name, *label, "iemocap:Ses03M".into(), CorpusKind::Iemocap));
    }
    cases
}

#[test]
fn scan_reads_every_corpus_convention_and_reports_unknown_codes() {
    let dir = tempfile::tempdir().unwrap();
    let wav = wav_bytes(&sine(200.0, 0.3, 16_000, 0.05), 1, 16_000, WavFormat::Int(16));
    let cases = convention_cases();
    for (name, ..) in &cases {
        write(dir.path(), name, &wav);
    }
    let mut labels = String::from("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
    for (i, code) in ["neu", "hap", "sad", "ang", "exc", "fru", "sur", "fea", "dis"]
        .iter()
        .enumerate()
    {
        labels += &format!("[{i}.5 - {i}.9]\tSes03M_impro02_M{i:03}\t{code}\t[2.5, 3.0, 2.0]\n");
    }
    labels += "[20.0 - 21.0]\tSes03M_impro02_M020\txxx\t[2.5, 3.0, 2.0]\n";
    write(
        dir.path(),
        "IEMOCAP/Session3/dialog/EmoEvaluation/Ses03M_impro02.txt",
        labels.as_bytes(),
    );
    // Names that follow a convention but carry codes it does not define.
    let unknown = [
        "RAV/Actor_07/03-01-09-01-01-01-07.wav",
        "SAVEE/KL_x05.wav",
        "TESS/OAF_angry/OAF_chair_bored.wav",
        "CREMA-D/AudioWAV/1042_TIE_XYZ_HI.wav",
        "emodb/wav/11b02Xb.wav",
        "IEMOCAP/Session3/sentences/wav/Ses03M_impro02/Ses03M_impro02_M020.wav",
    ];
    for name in unknown {
        write(dir.path(), name, &wav);
    }
    let corpus = Corpus::scan(&[dir.path()]).unwrap();
    let found: BTreeMap<PathBuf, &Clip> = corpus.clips.iter().map(|c| (c.path.clone(), c)).collect();
    for (name, label, speaker, kind) in &cases {
        let clip = found
            .get(&dir.path().join(name))
            .unwrap_or_else(|| panic!("{name} not labelled: {:?}", corpus.unparsed));
        assert_eq!(
            (clip.label.as_str(), clip.speaker.as_str(), clip.corpus),
            (*label, speaker.as_str(), *kind),
            "{name}"
        );
    }
    assert_eq!(corpus.clips.len(), cases.len());
    let reported: HashSet<PathBuf> = corpus.unparsed.iter().map(|u| u.path.clone()).collect();
    assert_eq!(
        reported,
        unknown.iter().map(|n| dir.path().join(n)).collect::<HashSet<_>>()
    );
    assert!(corpus.unparsed.iter().all(|u| !u.reason.is_empty()));
    let s = corpus.summary();
    assert_eq!(s.by_corpus.len(), 6);
    assert_eq!(s.by_corpus["tess"].speakers, 2);
    assert_eq!(
        s.classes,
        [
            "neutral",
            "calm",
            "happy",
            "sad",
            "angry",
            "fearful",
            "disgust",
            "surprised",
            "bored",
            "excited",
            "frustrated"
        ]
    );
}

#[test]
fn label_spec_selects_merges_and_orders_classes() {
    let dir = tempfile::tempdir().unwrap();
    let wav = wav_bytes(&sine(200.0, 0.3, 16_000, 0.05), 1, 16_000, WavFormat::Int(16));
    for (name, ..) in convention_cases() {
        write(dir.path(), &name, &wav);
    }
    let mut corpus = Corpus::scan(&[dir.path().join("RAV"), dir.path().join("SAVEE")]).unwrap();
    let spec = LabelSpec::parse(
        Some(&["sad".into(), "Anger".into(), "neutral".into()]),
        &["calm=neutral".into()],
    )
    .unwrap();
    let (classes, left_out) = corpus.apply_labels(&spec).unwrap();
    assert_eq!(classes.names(), ["sad", "angry", "neutral"]);
    assert_eq!(left_out, 15 - 7);
    assert_eq!(
        corpus.labels(&classes).unwrap().iter().filter(|&&l| l == 2).count(),
        3,
        "neutral + calm + SAVEE neutral"
    );
}

/// 28 speakers x 8 classes with uneven counts, like the combined corpora.
fn synthetic_clips() -> Vec<Clip> {
    let mut clips = Vec::new();
    for speaker in 0..28 {
        for class in 0..8 {
            for take in 0..(2 + (class + speaker) % 5) {
                clips.push(Clip {
                    path: PathBuf::from(format!("/s{speaker}/c{class}/{take}.wav")),
                    label: format!("c{class}"),
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
    let labels: Vec<usize> = clips.iter().map(|c| c.label[1..].parse().unwrap()).collect();
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

#[test]
fn emodb_counts_and_every_clip_decodes() {
    let Some(dir) = shared_emodb() else { return };
    let corpus = Corpus::scan(&[dir]).unwrap();
    let s = corpus.summary();
    assert_eq!((s.total, s.unparsed), (535, 0), "{:?}", s.unparsed_files);
    assert_eq!((s.by_corpus["emodb"].clips, s.by_corpus["emodb"].speakers), (535, 10));
    let expected: BTreeMap<&str, usize> = [
        ("angry", 127),
        ("bored", 81),
        ("disgust", 46),
        ("fearful", 69),
        ("happy", 71),
        ("sad", 62),
        ("neutral", 79),
    ]
    .into();
    assert_eq!(s.by_class.len(), expected.len(), "{:?}", s.by_class);
    for (class, n) in expected {
        assert_eq!(s.by_class[class], n, "{class}");
    }
    let failures: Vec<String> = corpus
        .clips
        .par_iter()
        .filter_map(|clip| match decode_file(&clip.path) {
            Ok(a) if a.sample_rate == 16_000 && a.samples.len() > 8_000 => None,
            Ok(a) => Some(format!(
                "{}: {} Hz, {} samples",
                clip.path.display(),
                a.sample_rate,
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
