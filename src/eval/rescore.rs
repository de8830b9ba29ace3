//! `emovox eval`: re-scores the saved models of a run (or a model directory) on each repeat's
//! own test split, or on every clip of other data. On other data a model is scored on the
//! classes it shares with that data: clips of other labels are left out, and the prediction is
//! the most probable shared class (the argmax restricted to them), so a RAVDESS model (8
//! classes) on SAVEE (7, no calm) is scored on exactly those 7.

use crate::corpus::{Classes, Corpus};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::features::{log_mel_tensor, mfcc_means};
use crate::gpu::Compute;
use crate::models::{BnAdaptation, Inputs, ModelKind, NetConfig, Network, SvmModel, adapted_probabilities};
use crate::observe;
use crate::run::{
    ExperimentConfig, RepeatResult, RunRepeats, SavedNetwork, SplitPaths, load_network, read_json, saved_networks,
    scored_rows,
};
use crate::scores::{Metrics, SharedClasses, Summary, widen};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `emovox eval` reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalReport {
    pub run: PathBuf,
    /// `split` (each repeat's own test clips) or `all` (every clip of the given data).
    pub test_set: String,
    /// The classes scored (all the model's on its own split; the shared ones on other data).
    pub scored_classes: Vec<String>,
    /// Clips whose labels the model does not have (left out).
    pub left_out: usize,
    /// Whether BatchNorm statistics were re-estimated on the scored clips first, and on which.
    #[serde(default)]
    pub adapted_bn: Option<BnAdaptation>,
    pub summary: Summary,
    pub pooled: Metrics,
    pub repeats: Vec<RepeatResult>,
}

/// How `eval` scores a run.
#[derive(Debug, Clone, Default)]
pub struct RescoreOptions {
    /// Where the corpora are now (the split's files are looked up under the new folders by
    /// their path relative to the old ones), or other data to score with `all`.
    pub data: Option<Vec<PathBuf>>,
    /// Score every labelled clip found (e.g. another corpus) on the classes the model shares
    /// with it, instead of each repeat's own test split.
    pub all: bool,
    /// Re-estimate each network's BatchNorm statistics on the clips it is about to score,
    /// together or per speaker ([`adapt_batch_norm`](crate::models::adapt_batch_norm); transductive,
    /// labels unused).
    pub adapt_bn: Option<BnAdaptation>,
    /// With `all`: score the repeats as one ensemble (probabilities averaged), as `predict`
    /// uses an exported ensemble or `--ensemble`.
    pub ensemble: bool,
}

/// Re-scores every repeat of a finished run (or a model directory) from its saved model, on
/// its own test split or on other data (see [`RescoreOptions`]).
pub fn evaluate_run(run_dir: &Path, options: &RescoreOptions) -> Result<EvalReport> {
    let (all, adapt_bn) = (options.all, options.adapt_bn);
    if options.ensemble && !all {
        return Err(Error::Config(
            "an ensemble is scored on other data (--all): its members' own test splits differ".into(),
        ));
    }
    let cfg: ExperimentConfig = read_json(&run_dir.join("config.json"))?;
    if (adapt_bn.is_some() || options.ensemble) && cfg.model == ModelKind::Svm {
        return Err(Error::Config(
            "--adapt-bn and --ensemble need networks (BatchNorm, probabilities), not an SVM".into(),
        ));
    }
    let saved = saved_networks(run_dir, RunRepeats::All)?;
    // Each repeat's test split, read before any audio is decoded: a run that held nothing out
    // has nothing to re-score.
    let mut test_splits = Vec::new();
    if !all {
        for repeat in &saved {
            let split: SplitPaths = read_json(&repeat.dir.join("split.json"))?;
            if split.test.is_empty() {
                return Err(Error::Data(format!(
                    "{}: nothing was held out of this run (it trained on every clip); score it on \
                     other recordings with `eval --run {} --data DIR --all`",
                    repeat.result.name,
                    run_dir.display()
                )));
            }
            test_splits.push(split.test);
        }
    }
    let dirs = options.data.clone().unwrap_or_else(|| cfg.data.clone());
    let mut corpus = Corpus::scan(&dirs)?;
    for clip in &mut corpus.clips {
        clip.label = cfg.labels.map(&clip.label);
    }
    // On other data, the classes the model shares with it; on a repeat's own split, the
    // classes that repeat was scored on in training (all of them, or under the corpus protocol
    // the ones the held-out corpus shares with the training corpora).
    let data_shared = all
        .then(|| SharedClasses::between(&cfg.classes, &corpus.classes()))
        .transpose()?;
    let repeat_shared = |repeat: &SavedNetwork| -> Result<SharedClasses> {
        match &data_shared {
            Some(shared) => Ok(shared.clone()),
            None if repeat.result.scored_classes.is_empty() => Ok(SharedClasses::all(&cfg.classes)),
            None => SharedClasses::between(
                &cfg.classes,
                &Classes::from_labels(repeat.result.scored_classes.iter().map(String::as_str)),
            ),
        }
    };
    let before = corpus.clips.len();
    corpus.clips.retain(|c| cfg.classes.index(&c.label).is_some());
    let left_out = before - corpus.clips.len();
    if all && left_out > 0 {
        observe::info(format!(
            "{left_out} clips have labels the model does not know and are left out"
        ));
    }
    let loaded = Dataset::load(&corpus.clips, &cfg.clip);
    if let Some(note) = loaded.failure_note() {
        observe::warn(note);
    }
    let labels = loaded.labels(&cfg.classes)?;
    let index: HashMap<&Path, usize> = loaded
        .clips
        .iter()
        .enumerate()
        .map(|(i, c)| (c.path.as_path(), i))
        .collect();
    let find = |p: &Path| -> Option<usize> {
        index.get(p).copied().or_else(|| {
            let rel = cfg.data.iter().find_map(|root| p.strip_prefix(root).ok())?;
            dirs.iter()
                .find_map(|root| index.get(root.join(rel).as_path()).copied())
        })
    };
    // Repeat k's classes scored and its test rows (the clips of those classes).
    let test_rows = |k: usize| -> Result<(Vec<usize>, SharedClasses)> {
        let shared = repeat_shared(&saved[k])?;
        let Some(test) = test_splits.get(k) else {
            let rows: Vec<usize> = (0..loaded.clips.len()).collect();
            return Ok((scored_rows(&shared, &rows, &labels), shared));
        };
        let rows: Vec<usize> = test.iter().filter_map(|p| find(p)).collect();
        if rows.len() < test.len() {
            observe::warn(format!(
                "{}: {} of {} test clips are missing or undecodable",
                saved[k].result.name,
                test.len() - rows.len(),
                test.len()
            ));
        }
        Ok((scored_rows(&shared, &rows, &labels), shared))
    };
    let compute = match cfg.model {
        ModelKind::Svm => Compute::cpu(),
        _ => Compute::select(cfg.device)?,
    };
    let mut repeats = Vec::new();
    let mut score = |repeat: &RepeatResult, shared: &SharedClasses, test: &[usize], scores: &[Vec<f64>]| {
        let truth: Vec<usize> = test.iter().map(|&i| labels[i]).collect();
        let corpora: Vec<&str> = test.iter().map(|&i| loaded.clips[i].corpus.name()).collect();
        repeats.push(RepeatResult {
            metrics: shared.score(&truth, scores),
            by_corpus: shared.score_by_group(&truth, scores, &corpora),
            test_clips: test.len(),
            scored_classes: shared.names(),
            ..repeat.clone()
        });
    };
    match cfg.model {
        ModelKind::Svm => {
            let rows = mfcc_means(&loaded.audio, &cfg.features)?;
            for (k, repeat) in saved.iter().enumerate() {
                let model: SvmModel = read_json(&repeat.dir.join("svm.json"))?;
                let (test, shared) = test_rows(k)?;
                let scores = model.decision(&test.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>());
                score(&repeat.result, &shared, &test, &scores);
            }
        }
        _ => {
            let features = log_mel_tensor(&compute, &loaded.audio, &cfg.features)?;
            // With `ensemble`, the members' probabilities of the same clips summed here.
            let mut summed: Option<(Vec<usize>, SharedClasses, Vec<Vec<f64>>)> = None;
            for (k, repeat) in saved.iter().enumerate() {
                let net: NetConfig = read_json(&repeat.dir.join("net.json"))?;
                let network = load_network(&repeat.weights, Network::new(&net, &compute.device))?;
                let inputs = Inputs {
                    net: &net,
                    features: &features,
                    image_size: None,
                };
                let (test, shared) = test_rows(k)?;
                let speaker_of = |i: usize| loaded.clips[i].speaker.clone();
                let batch = cfg.train.batch_size;
                let probabilities = widen(&adapted_probabilities(
                    &network,
                    &inputs,
                    &test,
                    options.adapt_bn,
                    speaker_of,
                    batch,
                )?);
                match &mut summed {
                    _ if !options.ensemble => score(&repeat.result, &shared, &test, &probabilities),
                    None => summed = Some((test, shared, probabilities)),
                    Some((_, _, sum)) => {
                        for (s, p) in sum.iter_mut().flatten().zip(probabilities.iter().flatten()) {
                            *s += p;
                        }
                    }
                }
            }
            if let Some((test, shared, sum)) = summed {
                let mean: Vec<Vec<f64>> = sum
                    .into_iter()
                    .map(|row| row.into_iter().map(|v| v / saved.len() as f64).collect())
                    .collect();
                let members = RepeatResult {
                    name: format!("ensemble of {}", saved.len()),
                    ..saved[0].result.clone()
                };
                score(&members, &shared, &test, &mean);
            }
        }
    }
    let metrics: Vec<Metrics> = repeats.iter().map(|r| r.metrics.clone()).collect();
    let names = cfg.classes.names();
    Ok(EvalReport {
        run: run_dir.to_path_buf(),
        test_set: if all { "all".into() } else { "split".into() },
        // Every class some repeat was scored on, in the model's order.
        scored_classes: names
            .iter()
            .filter(|n| repeats.iter().any(|r| r.scored_classes.iter().any(|s| s == *n)))
            .map(|n| n.to_string())
            .collect(),
        left_out,
        adapted_bn: adapt_bn,
        summary: Summary::of(&metrics),
        pooled: Metrics::pooled(&metrics, &names),
        repeats,
    })
}
