//! A whole experiment: scan and decode the corpus, compute features once on the compute device,
//! then train and test one model per repeat (seeds of the random split, speaker folds, held-out
//! corpora or a split file; see [`crate::run::protocol`]), and leave a complete run directory:
//!
//! ```text
//! runs/NAME/config.json     everything needed to rerun
//!           manifest.json   git commit, device, adapter, timings
//!           metrics.json    mean ± std over repeats, pooled and per-repeat metrics
//!           history.json    per-epoch curves of every repeat
//!           confusion.png   pooled test confusion matrix
//!           loss.png        train / validation loss (and accuracy.png)
//!           <repeat>/       split.json, metrics.json, checkpoints (last/best/optimizer), state.json
//! ```

use super::report::write_reports;
use super::{Batcher, fit};
use crate::corpus::split::Split;
use crate::corpus::{Classes, Corpus, LabelSpec};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::features::{log_mel_tensor, mfcc_means};
use crate::gpu::{Compute, to_host};
use crate::models::{InputNorm, ModelKind, NetConfig, Network, SvmModel, select_rows};
use crate::observe;
use crate::run::{
    EpochRecord, ExperimentConfig, ExperimentResult, Manifest, RepeatResult, SplitPaths, TrainConfig, corpus_summaries,
    extends_schedule, git_commit, read_json, scored_rows, truth_of, write_json,
};
use crate::scores::{Metrics, SharedClasses, Summary, widen};
use burn::module::Module;
use burn::tensor::Tensor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn paths(corpus: &Corpus, rows: &[usize]) -> Vec<PathBuf> {
    rows.iter().map(|&i| corpus.clips[i].path.clone()).collect()
}

/// Per-band mean and std of training log-mels [clips, n_mels, frames].
fn band_stats(features: &Tensor<3>, rows: &[usize]) -> Result<(Vec<f32>, Vec<f32>)> {
    let x = select_rows(features, rows);
    let [_, n_mels, _] = x.dims();
    let mean = x.clone().mean_dim(0).mean_dim(2).reshape([1, n_mels, 1]);
    let var = (x - mean.clone()).powi_scalar(2).mean_dim(0).mean_dim(2);
    let mean = to_host(mean)?;
    let std = to_host(var.sqrt())?.into_iter().map(|s| s.max(1e-3)).collect();
    Ok((mean, std))
}

/// Scans a run's corpora and applies its label spec: the clips it trains on and its classes.
fn labelled_corpus(data: &[PathBuf], spec: &LabelSpec) -> Result<(Corpus, Classes)> {
    let mut corpus = Corpus::scan(data)?;
    if let Some(first) = corpus.unparsed.first() {
        observe::warn(format!(
            "{} audio files got no label and are ignored, e.g. {}: {}",
            corpus.unparsed.len(),
            first.path.display(),
            first.reason
        ));
    }
    let (classes, left_out) = corpus.apply_labels(spec)?;
    if left_out > 0 {
        observe::info(format!(
            "{left_out} clips have labels outside --classes and are left out"
        ));
    }
    Ok((corpus, classes))
}

/// What every repeat of a run shares: its configuration and folder, the decoded clips and
/// their class indices.
struct Prepared<'a> {
    cfg: &'a ExperimentConfig,
    out: &'a Path,
    corpus: Corpus,
    data: Dataset,
    labels: Vec<usize>,
}

/// The repeats' results, their learning curves and the networks' parameter count.
#[derive(Default)]
struct Trained {
    results: Vec<RepeatResult>,
    histories: Vec<(String, Vec<EpochRecord>)>,
    parameters: Option<usize>,
}

/// Runs the experiment and writes its run directory. The classes are resolved here from the
/// corpora and `cfg.labels`, and recorded in config.json.
pub fn run(cfg: &ExperimentConfig, out: &Path, resume: bool) -> Result<ExperimentResult> {
    let started = Instant::now();
    let started_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (corpus, classes) = labelled_corpus(&cfg.data, &cfg.labels)?;
    observe::info(format!("{} classes: {}", classes.len(), classes.names().join(", ")));
    let cfg = &ExperimentConfig {
        classes,
        corpora: corpus.summary().by_corpus.into_keys().collect(),
        ..cfg.clone()
    };
    record_config(cfg, out, resume)?;
    let run = decode(cfg, out, corpus)?;
    let compute = match cfg.model {
        ModelKind::Svm => Compute::cpu(),
        _ => Compute::select(cfg.device)?,
    };
    observe::info(format!(
        "{} clips; device: {}",
        run.corpus.clips.len(),
        compute.info.describe()
    ));
    let repeats = chosen_repeats(cfg, &run.corpus)?;
    let trained = match cfg.model {
        ModelKind::Svm => svm_repeats(&run, &repeats)?,
        kind => network_repeats(&run, &repeats, kind, &compute, resume)?,
    };
    let metrics: Vec<Metrics> = trained.results.iter().map(|r| r.metrics.clone()).collect();
    let result = ExperimentResult {
        model: cfg.model,
        protocol: cfg.protocol.clone(),
        summary: Summary::of(&metrics),
        by_corpus: corpus_summaries(&trained.results),
        pooled: Metrics::pooled(&metrics, &cfg.classes.names()),
        repeats: trained.results,
    };
    write_json(&out.join("metrics.json"), &result)?;
    write_reports(out, cfg, &result, &trained.histories)?;
    write_json(
        &out.join("manifest.json"),
        &Manifest {
            emovox_version: env!("CARGO_PKG_VERSION").into(),
            git_commit: git_commit(),
            device: compute.info.clone(),
            started_unix,
            wall_seconds: started.elapsed().as_secs_f64(),
            clips: run.corpus.clips.len(),
            skipped_files: run.data.failed.clone(),
            parameters: trained.parameters,
        },
    )?;
    Ok(result)
}

/// Writes config.json into `out`; with `resume`, only over the same configuration or one with
/// a longer schedule.
fn record_config(cfg: &ExperimentConfig, out: &Path, resume: bool) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let config_path = out.join("config.json");
    if resume && config_path.exists() {
        let previous: ExperimentConfig = read_json(&config_path)?;
        if extends_schedule(&previous, cfg) {
            observe::info(format!(
                "--resume: extending the schedule from {} to {} epochs (the same result as {} epochs from the start)",
                previous.train.epochs, cfg.train.epochs, cfg.train.epochs
            ));
        } else if previous != *cfg {
            return Err(Error::Config(format!(
                "--resume: {} holds a run with a different configuration (only a longer --epochs may \
                 change); use another --out",
                config_path.display()
            )));
        }
    }
    write_json(&config_path, cfg)
}

/// Decodes the corpus's clips (those that fail are left out and reported).
fn decode<'a>(cfg: &'a ExperimentConfig, out: &'a Path, mut corpus: Corpus) -> Result<Prepared<'a>> {
    let data = Dataset::load(&corpus.clips, &cfg.clip);
    if let Some(note) = data.failure_note() {
        observe::warn(note);
    }
    corpus.clips = data.clips.clone();
    if corpus.clips.is_empty() {
        return Err(Error::Data("no decodable labelled clips found".into()));
    }
    let labels = data.labels(&cfg.classes)?;
    Ok(Prepared {
        cfg,
        out,
        corpus,
        data,
        labels,
    })
}

/// The protocol's repeats this run trains: from `first_repeat`, at most `max_repeats`.
fn chosen_repeats(cfg: &ExperimentConfig, corpus: &Corpus) -> Result<Vec<(String, Split, u64)>> {
    let mut repeats = cfg.protocol.repeats(&cfg.seeds, &cfg.classes, corpus)?;
    if cfg.first_repeat > 0 && cfg.first_repeat >= repeats.len() {
        return Err(Error::Config(format!(
            "--first-repeat {}: the protocol has only {} repeats",
            cfg.first_repeat,
            repeats.len()
        )));
    }
    repeats.drain(..cfg.first_repeat);
    if let Some(n) = cfg.max_repeats {
        repeats.truncate(n.max(1));
    }
    Ok(repeats)
}

/// One SVM per repeat on MFCC means, scored on its test clips.
fn svm_repeats(run: &Prepared, repeats: &[(String, Split, u64)]) -> Result<Trained> {
    let (cfg, labels) = (run.cfg, &run.labels);
    let rows = mfcc_means(&run.data.audio, &cfg.features)?;
    let mut trained = Trained::default();
    for (name, split, seed) in repeats {
        let dir = run.out.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let pick = |idx: &[usize]| idx.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>();
        let train_labels: Vec<usize> = split.train.iter().map(|&i| labels[i]).collect();
        let model = SvmModel::fit(&pick(&split.train), &train_labels, cfg.classes.len(), &cfg.svm)?;
        let shared = cfg.protocol.scoring_classes(&cfg.classes, split, labels)?;
        let test = scored_rows(&shared, &split.test, labels);
        let scores = model.decision(&pick(&test));
        let scored = score_test(&run.corpus, &shared, &test, labels, &scores);
        write_json(&dir.join("svm.json"), &model)?;
        let result = finish_repeat(&dir, &run.corpus, name, *seed, split, (scored, &shared), None)?;
        trained.results.push(result);
    }
    Ok(trained)
}

/// One network of `kind` per repeat, trained on the log-mels computed once on `compute`,
/// checkpointed into the repeat's folder, and scored on its test clips.
fn network_repeats(
    run: &Prepared,
    repeats: &[(String, Split, u64)],
    kind: ModelKind,
    compute: &Compute,
    resume: bool,
) -> Result<Trained> {
    let (cfg, labels) = (run.cfg, &run.labels);
    let features = log_mel_tensor(compute, &run.data.audio, &cfg.features)?;
    let [_, n_mels, _] = features.dims();
    let audio = std::sync::Arc::new(run.data.audio.clone());
    // The size the final epochs train at is the size the model is evaluated at.
    let image_size = cfg
        .train
        .image_size_at(cfg.train.total_epochs().saturating_sub(1), cfg.net.image_size);
    let arch = cfg
        .net
        .arch(kind, image_size)
        .ok_or_else(|| Error::Config(format!("{} is not a network", kind.name())))?;
    let mut trained = Trained::default();
    for (name, split, seed) in repeats {
        let dir = run.out.join(name);
        let (band_mean, band_std) = band_stats(&features, &split.train)?;
        let net = NetConfig {
            arch: arch.clone(),
            classes: cfg.classes.clone(),
            n_mels,
            norm: InputNorm {
                band_mean,
                band_std,
                utterance: cfg.net.utterance_norm,
            },
        };
        if trained.parameters.is_none() {
            let count = Network::new(&net, &compute.device).num_params();
            observe::info(format!("{}: {count} parameters", kind.name()));
            trained.parameters = Some(count);
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        write_json(&dir.join("net.json"), &net)?;
        let mut batcher = Batcher::new(features.clone(), labels.clone(), net.clone()).with_audio(
            audio.clone(),
            cfg.features.clone(),
            compute.clone(),
        );
        let train_cfg = TrainConfig {
            seed: *seed,
            ..cfg.train.clone()
        };
        observe::info(format!(
            "{name}: {} train / {} val / {} test clips",
            split.train.len(),
            split.val.len(),
            split.test.len()
        ));
        let fitted = fit(&net, &train_cfg, &mut batcher, &split.train, &split.val, &dir, resume)?;
        let shared = cfg.protocol.scoring_classes(&cfg.classes, split, labels)?;
        let test = scored_rows(&shared, &split.test, labels);
        let probabilities = batcher
            .inputs(None)
            .probabilities(&fitted.network, &test, train_cfg.batch_size)?;
        let scored = score_test(&run.corpus, &shared, &test, labels, &widen(&probabilities));
        write_json(&dir.join("history.json"), &fitted.state.history)?;
        trained.histories.push((name.clone(), fitted.state.history.clone()));
        let best = Some(fitted.state.best_epoch);
        let result = finish_repeat(&dir, &run.corpus, name, *seed, split, (scored, &shared), best)?;
        trained.results.push(result);
    }
    Ok(trained)
}

/// A repeat's test scores: overall, and per corpus when its test clips come from several.
fn score_test(
    corpus: &Corpus,
    shared: &SharedClasses,
    test: &[usize],
    labels: &[usize],
    scores: &[Vec<f64>],
) -> (Metrics, BTreeMap<String, Metrics>) {
    let truth = truth_of(test, labels);
    let corpora: Vec<&str> = test.iter().map(|&i| corpus.clips[i].corpus.name()).collect();
    (
        shared.score(&truth, scores),
        shared.score_by_group(&truth, scores, &corpora),
    )
}

fn finish_repeat(
    dir: &Path,
    corpus: &Corpus,
    name: &str,
    seed: u64,
    split: &Split,
    ((metrics, by_corpus), shared): ((Metrics, BTreeMap<String, Metrics>), &SharedClasses),
    best_epoch: Option<usize>,
) -> Result<RepeatResult> {
    write_json(
        &dir.join("split.json"),
        &SplitPaths {
            train: paths(corpus, &split.train),
            val: paths(corpus, &split.val),
            test: paths(corpus, &split.test),
        },
    )?;
    let result = RepeatResult {
        name: name.to_string(),
        seed,
        scored_classes: shared.names(),
        metrics,
        by_corpus,
        best_epoch,
        train_clips: split.train.len(),
        test_clips: split.test.len(),
    };
    write_json(&dir.join("metrics.json"), &result)?;
    if split.test.is_empty() {
        observe::info(format!(
            "{name}: trained on {} clips; none held out, so nothing is scored",
            split.train.len()
        ));
        return Ok(result);
    }
    observe::info(format!(
        "{name}: test accuracy {:.3}  macro-F1 {:.3}  UAR {:.3}  ({} clips)",
        result.metrics.accuracy, result.metrics.macro_f1, result.metrics.uar, result.metrics.n
    ));
    Ok(result)
}
