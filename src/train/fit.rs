//! The training loop for the Burn networks: Adam, learning rate decayed per epoch, soft-target
//! cross entropy, a checkpoint every epoch, optional early stopping on validation loss, and
//! exact resumption. Randomness (initial weights, batch order, dropout) is re-seeded from
//! (seed, epoch) at every epoch, so a resumed run retraces an uninterrupted one.

use super::{Batcher, FusedAdam};
use crate::error::Result;
use crate::gpu::to_host;
use crate::models::{NetConfig, NetInput, Network};
use crate::observe;
use crate::rng;
use crate::run::checkpoint::{load_optimizer, save_optimizer};
use crate::run::{EpochRecord, FitState, TrainConfig, load_network, read_json, save_module, write_json};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;
use burn::tensor::activation::log_softmax;
use std::path::Path;
use std::time::Instant;

/// A trained network and its learning curves.
pub struct Fitted {
    pub network: Network,
    pub state: FitState,
}

/// Soft-target cross entropy: mean over the batch of -sum_c t_c log softmax(z)_c.
pub fn soft_cross_entropy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    (log_softmax(logits, 1) * targets).sum_dim(1).neg().mean()
}

/// Class weights that balance the loss over `classes` classes for clips of these labels:
/// n / (K n_c) for each of the K classes present (n_c clips of n), so that a clip's mean weight
/// stays 1 and each present class carries 1 / K of the loss; 1 for absent classes (no target
/// ever names them).
pub fn balanced_weights(labels: impl IntoIterator<Item = usize>, classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    for label in labels {
        counts[label] += 1;
    }
    let n: usize = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0).count();
    counts
        .iter()
        .map(|&c| if c == 0 { 1.0 } else { n as f32 / (present * c) as f32 })
        .collect()
}

/// Targets [batch, classes] scaled by class weights (a weighted cross entropy through
/// [`soft_cross_entropy`]), or unchanged without weights.
fn weighted(targets: Tensor<2>, weights: Option<&Tensor<1>>) -> Tensor<2> {
    match weights {
        Some(w) => targets * w.clone().unsqueeze_dim::<2>(0),
        None => targets,
    }
}

/// (1 - w) x targets + w x the network's eval-mode class probabilities on the clean input
/// (no gradient flows through them).
pub fn consistency_targets(network: &Network, clean: NetInput, targets: Tensor<2>, w: f32) -> Tensor<2> {
    let clean_probs = burn::tensor::activation::softmax(network.valid().forward(clean), 1);
    targets * (1.0 - w) + clean_probs * w
}

fn argmax_rows(logits: Tensor<2>) -> Result<Vec<usize>> {
    let ints = logits
        .argmax(1)
        .try_into_vec_as::<i64>()
        .map_err(|e| crate::Error::Gpu(format!("reading predictions: {e}")))?;
    Ok(ints.into_iter().map(|v| v as usize).collect())
}

/// Mean loss (weighted by `class_weights` if given), predictions and class probabilities of a
/// network on some rows, in eval mode.
pub fn evaluate(
    network: &Network,
    batcher: &Batcher,
    rows: &[usize],
    batch_size: usize,
    image_size: Option<usize>,
    class_weights: Option<&Tensor<1>>,
) -> Result<(f64, Vec<usize>, Vec<Vec<f32>>)> {
    let model = network.valid();
    let (mut loss_sum, mut predictions, mut probabilities) = (0.0, Vec::new(), Vec::new());
    for chunk in rows.chunks(batch_size.max(1)) {
        let (input, targets) = batcher.batch(chunk, image_size);
        let logits = model.forward(input);
        let loss = to_host(soft_cross_entropy(logits.clone(), weighted(targets, class_weights)))?[0] as f64;
        loss_sum += loss * chunk.len() as f64;
        let probs = to_host(burn::tensor::activation::softmax(logits.clone(), 1))?;
        probabilities.extend(probs.chunks(batcher.classes).map(<[f32]>::to_vec));
        predictions.extend(argmax_rows(logits)?);
    }
    Ok((loss_sum / rows.len().max(1) as f64, predictions, probabilities))
}

fn accuracy(predictions: &[usize], labels: &[usize]) -> f64 {
    let correct = predictions.iter().zip(labels).filter(|(p, l)| p == l).count();
    correct as f64 / labels.len().max(1) as f64
}

/// Trains a network on `train` rows, validating on `val` rows, checkpointing into `dir`.
/// With `resume`, continues from the checkpoint in `dir` if there is one (a checkpoint that
/// already holds `cfg.epochs` epochs, or stopped early, just returns its best weights).
/// Returns the weights of the epoch with the lowest validation loss (the last epoch when
/// there is no validation set).
pub fn fit(
    net_cfg: &NetConfig,
    cfg: &TrainConfig,
    batcher: &mut Batcher,
    train: &[usize],
    val: &[usize],
    dir: &Path,
    resume: bool,
) -> Result<Fitted> {
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let (last_path, best_path, optim_path, state_path) = (
        dir.join("last.bpk"),
        dir.join("best.bpk"),
        dir.join("optimizer.bpk"),
        dir.join("state.json"),
    );
    let device = batcher.device().clone();
    let train_device = device.clone().autodiff();
    train_device.seed(cfg.seed);
    let mut network = if resume && state_path.exists() {
        Network::new(net_cfg, &train_device)
    } else {
        Network::initialise(net_cfg, &train_device)?
    };
    let mut optimizer = ModuleOptimizer::from(FusedAdam::default());
    let mut state = FitState::default();
    if resume && state_path.exists() {
        state = read_json(&state_path)?;
        network = load_network(&last_path, network)?;
        if optim_path.exists() {
            optimizer = load_optimizer(&optim_path, optimizer)?;
        }
    }
    let epochs = cfg.total_epochs();
    if state.stopped_early || state.epochs_done >= epochs {
        let best = if best_path.exists() { &best_path } else { &last_path };
        return Ok(Fitted {
            network: load_network(best, network)?,
            state,
        });
    }

    let labels = batcher.labels().to_vec();
    let class_weights = cfg.class_balanced.then(|| {
        let w = balanced_weights(train.iter().map(|&i| labels[i]), batcher.classes);
        Tensor::<1>::from_floats(w.as_slice(), &device)
    });
    let mut since_best = state.history.len().saturating_sub(state.best_epoch);
    for epoch in state.epochs_done..epochs {
        let started = Instant::now();
        let side = net_cfg.arch.image_size().map(|own| cfg.image_size_at(epoch, own));
        batcher.begin_epoch(&cfg.audio_augment, cfg.seed, epoch, train)?;
        network = if epoch < cfg.freeze_epochs {
            network.freeze_backbone()
        } else {
            network.unfreeze()
        };
        let lr = cfg.lr * cfg.lr_decay.powi(epoch as i32);
        train_device.seed(cfg.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64));
        let mut order = train.to_vec();
        rng::shuffle(&mut order, &mut rng::seeded(cfg.seed, 1_000 + epoch as u64));
        let work = observe::progress(&format!("epoch {}/{epochs}", epoch + 1), order.len());
        let (mut loss_sum, mut predictions, mut seen_labels) = (0.0, Vec::new(), Vec::new());
        for (step, chunk) in order.chunks(cfg.batch_size).enumerate() {
            let batch = batcher.train_batch(chunk, side, cfg, epoch, step);
            let targets = match batch.clean {
                Some(clean) => consistency_targets(&network, clean, batch.targets, cfg.consistency),
                None => batch.targets,
            };
            let logits = network.forward(batch.input.autodiff());
            let targets = weighted(targets, class_weights.as_ref());
            let loss = soft_cross_entropy(logits.clone(), targets.autodiff());
            let loss_value = to_host(loss.clone().inner())?[0] as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &network);
            network = optimizer.step(lr, network, grads);
            loss_sum += loss_value * chunk.len() as f64;
            predictions.extend(argmax_rows(logits.inner())?);
            seen_labels.extend(chunk.iter().map(|&i| labels[i]));
            work.advance(chunk.len());
            let correct = predictions.iter().zip(&seen_labels).filter(|(p, l)| p == l).count();
            work.status(format!(
                "loss {:.3} acc {:.3}",
                loss_sum / seen_labels.len() as f64,
                correct as f64 / seen_labels.len() as f64
            ));
        }
        drop(work);
        let (val_loss, val_accuracy) = if val.is_empty() {
            (None, None)
        } else {
            let (loss, preds, _) = evaluate(&network, batcher, val, cfg.batch_size, side, class_weights.as_ref())?;
            let val_labels: Vec<usize> = val.iter().map(|&i| labels[i]).collect();
            (Some(loss), Some(accuracy(&preds, &val_labels)))
        };
        let record = EpochRecord {
            epoch: epoch + 1,
            lr,
            train_loss: loss_sum / train.len().max(1) as f64,
            train_accuracy: accuracy(&predictions, &seen_labels),
            val_loss,
            val_accuracy,
            seconds: started.elapsed().as_secs_f64(),
        };
        let size = side.map_or(String::new(), |side| format!("  size {side:>3}"));
        observe::info(format!(
            "epoch {:>3}{size}  lr {:.2e}  train loss {:.4} acc {:.3}  val loss {} acc {}  ({:.1} s)",
            record.epoch,
            lr,
            record.train_loss,
            record.train_accuracy,
            val_loss.map_or("-".into(), |v| format!("{v:.4}")),
            val_accuracy.map_or("-".into(), |v| format!("{v:.3}")),
            record.seconds
        ));
        let improved = match (val_loss, state.best_val_loss) {
            (Some(v), Some(best)) => v < best,
            (Some(_), None) => true,
            (None, _) => true,
        };
        if improved {
            state.best_epoch = epoch + 1;
            state.best_val_loss = val_loss;
            save_module(&best_path, &network)?;
            since_best = 0;
        } else {
            since_best += 1;
        }
        state.history.push(record);
        state.epochs_done = epoch + 1;
        save_module(&last_path, &network)?;
        save_optimizer(&optim_path, &optimizer)?;
        write_json(&state_path, &state)?;
        if cfg.patience.is_some_and(|p| since_best >= p) {
            state.stopped_early = true;
            write_json(&state_path, &state)?;
            break;
        }
    }
    let network = if best_path.exists() {
        load_network(&best_path, network)?
    } else {
        network
    };
    Ok(Fitted { network, state })
}
