//! The paper's Table 1 in one command: every row on the paper's random 90/5/5 protocol, on the
//! speaker-independent protocol and, with two or more corpora, leaving one corpus out (scored on
//! the shared classes); written as `reproduce.md` beside each row's run directory.
//! Rows whose prerequisites are missing (ImageNet weights) are reported as skipped, never faked.

use crate::augment::AugmentConfig;
use crate::error::{Error, Result};
use crate::gpu::DeviceChoice;
use crate::models::ModelKind;
use crate::observe;
use crate::run::{ExperimentConfig, Manifest, Protocol, read_json, write_atomic, write_json};
use crate::scores::Summary;
use crate::train::experiment;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A row of the table: the paper's accuracy and macro-F1 on its random split, where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PaperRow {
    pub name: &'static str,
    pub paper_accuracy: Option<f64>,
    pub paper_f1: Option<f64>,
}

/// The paper's Table 1, and EfficientAT (an AudioSet-pretrained backbone, the paper's future work).
pub const TABLE: [PaperRow; 6] = [
    PaperRow {
        name: "1. 20 MFCC means + RBF SVM",
        paper_accuracy: Some(0.517),
        paper_f1: Some(0.509),
    },
    PaperRow {
        name: "2. log-mel + 2-layer BiLSTM",
        paper_accuracy: Some(0.528),
        paper_f1: Some(0.497),
    },
    PaperRow {
        name: "3. ResNet34 from scratch",
        paper_accuracy: Some(0.458),
        paper_f1: Some(0.426),
    },
    PaperRow {
        name: "4. ResNet34 ImageNet-pretrained",
        paper_accuracy: Some(0.573),
        paper_f1: Some(0.528),
    },
    PaperRow {
        name: "5. pretrained + augmentation, progressive resizing, mixup",
        paper_accuracy: Some(0.667),
        paper_f1: Some(0.631),
    },
    PaperRow {
        name: "6. EfficientAT mn04, AudioSet-pretrained, + augmentation (not in the paper)",
        paper_accuracy: None,
        paper_f1: None,
    },
];

/// The paper row an experiment corresponds to.
/// The paper's row for a run of the same model on its 8-class label space (`None` for other
/// class sets and models the paper does not have).
pub fn paper_row(cfg: &ExperimentConfig) -> Option<&'static PaperRow> {
    if cfg.classes != crate::corpus::Classes::emotions() {
        return None;
    }
    let index = match (cfg.model, cfg.net.pretrained.is_some(), cfg.train.augment.is_some()) {
        (ModelKind::Svm, ..) => 0,
        (ModelKind::Bilstm, ..) => 1,
        (ModelKind::Resnet34, false, _) => 2,
        (ModelKind::Resnet34, true, false) => 3,
        (ModelKind::Resnet34, true, true) => 4,
        (ModelKind::Efficientat, true, _) => 5,
        (ModelKind::Cnn | ModelKind::Efficientat, ..) => return None,
    };
    TABLE.get(index)
}

/// What `emovox reproduce` runs.
#[derive(Debug, Clone)]
pub struct ReproduceConfig {
    pub data: Vec<PathBuf>,
    pub pretrained: Option<PathBuf>,
    /// EfficientAT mn04 AudioSet weights (`mn04_as_mAP_432.pt`) for row 6.
    pub efficientat: Option<PathBuf>,
    pub device: DeviceChoice,
    /// Reduced schedule for a 2-core CPU (about half an hour).
    pub quick: bool,
    /// Seeds of the random protocol.
    pub seeds: usize,
    /// Folds of the speaker protocol.
    pub folds: usize,
    pub out: PathBuf,
}

/// One protocol's outcome for a row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProtocolOutcome {
    pub summary: Summary,
    pub run_dir: PathBuf,
    pub device: String,
}

/// One row of reproduce.md.
#[derive(Debug, Clone, Serialize)]
pub struct RowResult {
    pub row: PaperRow,
    pub random: Option<ProtocolOutcome>,
    pub speaker: Option<ProtocolOutcome>,
    /// Leave one corpus out, scored on the shared classes (absent with fewer than two corpora).
    pub corpus: Option<ProtocolOutcome>,
    /// Why the row did not run.
    pub skipped: Option<String>,
    pub wall_seconds: f64,
}

/// The schedule of each row, full or quick.
fn row_config(index: usize, protocol: Protocol, rc: &ReproduceConfig) -> ExperimentConfig {
    let model = match index {
        0 => ModelKind::Svm,
        1 => ModelKind::Bilstm,
        5 => ModelKind::Efficientat,
        _ => ModelKind::Resnet34,
    };
    let mut cfg = ExperimentConfig::new(rc.data.clone(), model, protocol.clone());
    cfg.device = rc.device;
    if let Protocol::Random { .. } = protocol {
        cfg.seeds = (0..rc.seeds.max(1) as u64).collect();
    }
    if index >= 3 {
        cfg.net.pretrained = if index == 5 {
            rc.efficientat.clone()
        } else {
            rc.pretrained.clone()
        };
        cfg.train.freeze_epochs = 1;
    }
    cfg.train.epochs = match index {
        0 => 1,
        1 | 2 => 200,
        _ => 30,
    };
    if index >= 4 {
        cfg.train.augment = Some(AugmentConfig::default());
    }
    if index == 4 {
        cfg.train.progressive = vec![(128, 20), (256, 10)];
    }
    if rc.quick {
        cfg.max_repeats = Some(1);
        cfg.train.epochs = if index == 1 { 2 } else { 3 };
        cfg.net.image_size = 64;
        if index == 4 {
            cfg.train.progressive = vec![(64, 2), (96, 1)];
        }
    }
    cfg
}

fn fmt_summary(o: &Option<ProtocolOutcome>) -> (String, String) {
    match o {
        Some(o) => {
            let n = o.summary.repeats;
            if n > 1 {
                (
                    format!("{} ({n})", o.summary.accuracy),
                    format!("{}", o.summary.macro_f1),
                )
            } else {
                // One repeat has no spread: print the value alone.
                (
                    format!("{:.3} (1)", o.summary.accuracy.mean),
                    format!("{:.3}", o.summary.macro_f1.mean),
                )
            }
        }
        None => ("-".into(), "-".into()),
    }
}

/// Markdown table of the results.
pub fn markdown(rc: &ReproduceConfig, rows: &[RowResult], clips: usize) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# emovox: the paper's Table 1, reproduced\n");
    let _ = writeln!(
        md,
        "Vu, \"Amplifying Emotional Signals: Data-Efficient Deep Learning for Robust SER\": RAVDESS + SAVEE, 8 classes ({clips} clips). \
         Accuracy and macro-F1 as mean ± sample std over repeats (count in brackets; one repeat has no spread): `random` = the paper's stratified 90/5/5 split \
         with different seeds (speakers leak between train and test); `speaker` = speaker-independent folds (no speaker in both); \
         `corpus` = leave one corpus out (train on the others, test on the held-out one), scored on the classes both have.\n"
    );
    if rc.quick {
        let _ = writeln!(
            md,
            "**Reduced schedule (`--quick`)**: one seed and one speaker fold per row, 2-3 epochs, 64-pixel images. \
             These numbers check that every row runs; they are not the paper's schedule.\n"
        );
    } else {
        let _ = writeln!(
            md,
            "Full schedule: SVM on {} seeds; BiLSTM and ResNet34 from scratch 200 epochs; pretrained rows 30 epochs \
             (1 with the backbone frozen), row 5 with progressive resizing 128 px x 20 + 256 px x 10 epochs and mixup (alpha 0.4).\n",
            rc.seeds
        );
    }
    let paper = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    let _ = writeln!(
        md,
        "| model | paper acc | paper F1 | random acc | random F1 | speaker acc | speaker F1 | corpus acc | corpus F1 | device | wall time |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        if let Some(why) = &r.skipped {
            let _ = writeln!(
                md,
                "| {} | {} | {} | skipped: {why} | | | | | | | |",
                r.row.name,
                paper(r.row.paper_accuracy),
                paper(r.row.paper_f1)
            );
            continue;
        }
        let (ra, rf) = fmt_summary(&r.random);
        let (sa, sf) = fmt_summary(&r.speaker);
        let (ca, cf) = r
            .corpus
            .as_ref()
            .map_or(("-".into(), "-".into()), |_| fmt_summary(&r.corpus));
        let device = r
            .random
            .as_ref()
            .or(r.speaker.as_ref())
            .map_or("-".to_string(), |o| o.device.clone());
        let _ = writeln!(
            md,
            "| {} | {} | {} | {ra} | {rf} | {sa} | {sf} | {ca} | {cf} | {device} | {:.0} s |",
            r.row.name,
            paper(r.row.paper_accuracy),
            paper(r.row.paper_f1),
            r.wall_seconds
        );
    }
    let _ = writeln!(
        md,
        "\nEach row's run directories (config, metrics, plots, checkpoints) are beside this file."
    );
    md
}

fn outcome(cfg: &ExperimentConfig, dir: &Path) -> Result<ProtocolOutcome> {
    let result = experiment::run(cfg, dir, true)?;
    let manifest: Manifest = read_json(&dir.join("manifest.json"))?;
    Ok(ProtocolOutcome {
        summary: result.summary,
        run_dir: dir.to_path_buf(),
        device: manifest.device.describe(),
    })
}

/// Runs every row on both protocols (resuming runs already under `out`) and writes
/// `out/reproduce.md` and `out/reproduce.json`.
pub fn run(rc: &ReproduceConfig) -> Result<Vec<RowResult>> {
    std::fs::create_dir_all(&rc.out).map_err(|e| Error::io(&rc.out, e))?;
    let scanned = crate::corpus::Corpus::scan(&rc.data)?;
    let clips = scanned.clips.len();
    let corpora = scanned.summary().by_corpus.len();
    let mut rows = Vec::new();
    for (index, row) in TABLE.iter().enumerate() {
        let started = Instant::now();
        let mut result = RowResult {
            row: *row,
            random: None,
            speaker: None,
            corpus: None,
            skipped: None,
            wall_seconds: 0.0,
        };
        let missing = match index {
            3 | 4 if rc.pretrained.is_none() => Some(
                "needs ImageNet ResNet34 weights (--pretrained; torchvision's resnet34-b627a593.pth, see weights/README.md)",
            ),
            5 if rc.efficientat.is_none() => {
                Some("needs EfficientAT mn04 AudioSet weights (--efficientat mn04_as_mAP_432.pt)")
            }
            _ => None,
        };
        if let Some(why) = missing {
            result.skipped = Some(why.into());
            rows.push(result);
            continue;
        }
        observe::info(format!("== {}", row.name));
        let slug = format!("row{}", index + 1);
        let random = row_config(index, Protocol::Random { val: 0.05, test: 0.05 }, rc);
        result.random = Some(outcome(&random, &rc.out.join(format!("{slug}-random")))?);
        let speaker = row_config(index, Protocol::Speaker { folds: rc.folds }, rc);
        result.speaker = Some(outcome(&speaker, &rc.out.join(format!("{slug}-speaker")))?);
        if corpora > 1 {
            let corpus = row_config(index, Protocol::Corpus { val: 0.1 }, rc);
            result.corpus = Some(outcome(&corpus, &rc.out.join(format!("{slug}-corpus")))?);
        }
        result.wall_seconds = started.elapsed().as_secs_f64();
        rows.push(result);
        // Keep the table current after every row, so a long run shows progress.
        write_atomic(&rc.out.join("reproduce.md"), markdown(rc, &rows, clips).as_bytes())?;
    }
    write_atomic(&rc.out.join("reproduce.md"), markdown(rc, &rows, clips).as_bytes())?;
    write_json(&rc.out.join("reproduce.json"), &rows)?;
    Ok(rows)
}
