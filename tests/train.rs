//! Metrics against hand-computed values, checkpoint round trip, exact resumption, a tiny
//! network learning a tiny synthetic task, the SVM on separable data, ResNet34's size, the
//! report PNGs, and test-time BatchNorm adaptation. All on the CPU backend (flex), seconds each.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::max_abs;
use emovox::augment::AudioAugment;
use emovox::corpus::Classes;
use emovox::features::{FeatureConfig, log_mel_tensor};
use emovox::gpu::Compute;
use emovox::gpu::to_host;
use emovox::models::{
    Arch, BiLstmConfig, CnnConfig, InputNorm, Inputs, NetConfig, NetInput, Network, ResNet, ResNetConfig, SvmConfig,
    SvmModel, adapt_batch_norm, prepare_input,
};
use emovox::run::{TrainConfig, load_network, save_module, save_module_half};
use emovox::scores::{MeanStd, Metrics};
use emovox::train::{Batcher, balanced_weights, consistency_targets, evaluate, fit, one_hot};
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};

/// Burn seeds a backend's RNG globally, so tests that initialise or train networks take turns
/// (cargo runs tests on parallel threads).
fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn metrics_match_hand_computed_values() {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    let m = Metrics::compute(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2], &["a", "b", "c"]);
    assert_eq!(m.confusion, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
    assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
    // precision a 2/2, b 1/2, c 1/2; recall a 2/3, b 1/2, c 1/1
    let f1 = |p: f64, r: f64| 2.0 * p * r / (p + r);
    let (fa, fb, fc) = (f1(1.0, 2.0 / 3.0), f1(0.5, 0.5), f1(0.5, 1.0));
    assert!((m.per_class[0].f1 - fa).abs() < 1e-12);
    assert!((m.macro_f1 - (fa + fb + fc) / 3.0).abs() < 1e-12);
    assert!((m.weighted_f1 - (3.0 * fa + 2.0 * fb + fc) / 6.0).abs() < 1e-12);
    assert!((m.uar - (2.0 / 3.0 + 0.5 + 1.0) / 3.0).abs() < 1e-12);
    assert_eq!(m.per_class[1].support, 2);
    // A class absent from truth and predictions does not dilute the macro averages.
    let m4 = Metrics::compute(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2], &["a", "b", "c", "d"]);
    assert!((m4.macro_f1 - m.macro_f1).abs() < 1e-12 && (m4.uar - m.uar).abs() < 1e-12);
    // Pooling two evaluations equals scoring their concatenation.
    let pooled = Metrics::pooled(&[m.clone(), m.clone()], &["a", "b", "c"]);
    assert_eq!(pooled.confusion[0][0], 4);
    assert!((pooled.accuracy - m.accuracy).abs() < 1e-12);
    let ms = MeanStd::of(&[1.0, 2.0, 3.0]);
    assert!((ms.mean - 2.0).abs() < 1e-12 && (ms.std - 1.0).abs() < 1e-12);
}

const CLASSES: usize = 3;
const MELS: usize = 6;
const FRAMES: usize = 12;

/// 8 examples per class; class c is loud in mel bands 2c and 2c+1, with deterministic noise.
fn synthetic() -> (Tensor<3>, Vec<usize>, NetConfig) {
    let n = 8 * CLASSES;
    let mut data = Vec::with_capacity(n * MELS * FRAMES);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % CLASSES;
        labels.push(class);
        for m in 0..MELS {
            for t in 0..FRAMES {
                let noise = (((i * 31 + m * 7 + t * 13) % 17) as f32 - 8.0) * 0.8;
                let level = if m / 2 == class { -10.0 } else { -50.0 };
                data.push(level + noise);
            }
        }
    }
    let features = Tensor::from_data(TensorData::new(data, [n, MELS, FRAMES]), &Device::flex());
    let net = NetConfig {
        arch: Arch::BiLstm(BiLstmConfig {
            hidden: 8,
            dropout: 0.1,
        }),
        classes: Classes::new(&["a", "b", "c"]).unwrap(),
        n_mels: MELS,
        norm: InputNorm {
            band_mean: vec![-40.0; MELS],
            band_std: vec![20.0; MELS],
            utterance: false,
        },
    };
    (features, labels, net)
}

fn tiny_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 8,
        lr: 1e-2,
        lr_decay: 0.97,
        seed: 11,
        ..TrainConfig::default()
    }
}

fn logits(network: &Network, batcher: &Batcher, rows: &[usize]) -> Vec<Vec<f32>> {
    evaluate(network, batcher, rows, 64, None, None).unwrap().2
}

#[test]
fn a_tiny_network_learns_a_tiny_task() {
    let _turn = rng_lock();
    let (features, labels, net) = synthetic();
    let mut batcher = Batcher::new(features, labels.clone(), net.clone());
    let rows: Vec<usize> = (0..labels.len()).collect();
    let dir = tempfile::tempdir().unwrap();
    let fitted = fit(&net, &tiny_config(40), &mut batcher, &rows, &[], dir.path(), false).unwrap();
    let history = &fitted.state.history;
    assert!(
        history.last().unwrap().train_loss < 0.2 * history[0].train_loss,
        "{history:?}"
    );
    let (loss, predictions, _) = evaluate(&fitted.network, &batcher, &rows, 64, None, None).unwrap();
    assert_eq!(predictions, labels, "eval loss {loss}");
}

#[test]
fn class_balanced_loss_weighs_each_present_class_equally() {
    // 6 clips of class 0, 2 of class 1, none of class 2: n / (K n_c) with K = 2 classes present.
    let w = balanced_weights([0, 0, 0, 0, 0, 0, 1, 1], 3);
    assert_eq!(w, vec![8.0 / 12.0, 2.0, 1.0]);
    let _turn = rng_lock();
    let (features, labels, net) = synthetic();
    // Every clip of the first two classes, a quarter of the third's, trained balanced.
    let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != 2 || i < 6).collect();
    let mut batcher = Batcher::new(features, labels.clone(), net.clone());
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        class_balanced: true,
        ..tiny_config(3)
    };
    let fitted = fit(&net, &cfg, &mut batcher, &rows, &rows, dir.path(), false).unwrap();
    // The validation loss it records is the weighted mean of -w_y log p_y over the clips.
    let w = balanced_weights(rows.iter().map(|&i| labels[i]), 3);
    let weights = Tensor::<1>::from_floats(w.as_slice(), &Device::flex());
    let (loss, _, probs) = evaluate(&fitted.network, &batcher, &rows, 64, None, Some(&weights)).unwrap();
    let by_hand = rows
        .iter()
        .zip(&probs)
        .map(|(&i, p)| -f64::from(w[labels[i]]) * f64::from(p[labels[i]]).ln())
        .sum::<f64>()
        / rows.len() as f64;
    assert!((loss - by_hand).abs() < 1e-4 * by_hand, "{loss} vs {by_hand}");
    let recorded = fitted.state.history[fitted.state.best_epoch - 1].val_loss.unwrap();
    assert!((recorded - by_hand).abs() < 1e-4 * by_hand, "{recorded} vs {by_hand}");
    let (plain, _, _) = evaluate(&fitted.network, &batcher, &rows, 64, None, None).unwrap();
    assert!((plain - by_hand).abs() > 1e-3, "weighting changed nothing: {plain}");
    // Training itself follows the weighted loss: the first epoch's training loss differs.
    let unweighted = fit(
        &net,
        &tiny_config(1),
        &mut batcher,
        &rows,
        &[],
        dir.path().join("plain").as_path(),
        false,
    )
    .unwrap();
    let (a, b) = (
        fitted.state.history[0].train_loss,
        unweighted.state.history[0].train_loss,
    );
    assert!((a - b).abs() > 1e-3, "balanced {a} vs plain {b}");
}

fn input_values(input: NetInput) -> Vec<f32> {
    match input {
        NetInput::Sequence(x) => to_host(x).unwrap(),
        NetInput::Image(x) => to_host(x).unwrap(),
    }
}

#[test]
fn consistency_targets_mix_the_label_with_the_clean_clips_prediction() {
    let _turn = rng_lock();
    // Tones whose pitch names the class, 0.4 s at 16 kHz, through a 6-band mel front end.
    let classes_of = [0, 1, 2, 0, 1, 2];
    let audio: Vec<Vec<f32>> = classes_of
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let f = 300.0 * (c + 1) as f32 + 10.0 * i as f32;
            (0..6400)
                .map(|t| 0.3 * (std::f32::consts::TAU * f * t as f32 / 16_000.0).sin())
                .collect()
        })
        .collect();
    let features_cfg = FeatureConfig {
        n_fft: 256,
        hop: 128,
        win_length: 256,
        n_mels: MELS,
        n_mfcc: MELS,
        ..FeatureConfig::default()
    };
    let compute = Compute::cpu();
    let features = log_mel_tensor(&compute, &audio, &features_cfg).unwrap();
    let (_, _, net) = synthetic();
    let labels = classes_of.to_vec();
    let mut batcher =
        Batcher::new(features, labels.clone(), net.clone()).with_audio(Arc::new(audio), features_cfg, compute);
    let rows: Vec<usize> = (0..labels.len()).collect();
    let noisy = AudioAugment {
        noise_snr_db: Some((0.0, 0.0)),
        ..AudioAugment::default()
    };
    let cfg = TrainConfig {
        consistency: 0.25,
        audio_augment: noisy.clone(),
        ..tiny_config(1)
    };
    batcher.begin_epoch(&noisy, cfg.seed, 0, &rows).unwrap();
    let batch = batcher.train_batch(&rows, None, &cfg, 0, 0);
    // The twin is the clean clips' input; the trained input is the augmented one.
    let clean = batch.clean.expect("a clean twin with consistency on");
    let clean_values = input_values(clean.clone());
    assert_eq!(clean_values, input_values(batcher.batch(&rows, None).0));
    assert!(max_abs(&clean_values, &input_values(batch.input)) > 0.1);
    // Targets: 0.75 x one-hot + 0.25 x the eval-mode probabilities on the clean clips.
    let network = Network::initialise(&net, &Device::flex().autodiff()).unwrap();
    let mixed = to_host(consistency_targets(&network, clean, batch.targets, 0.25)).unwrap();
    let probs = logits(&network, &batcher, &rows);
    for (i, &label) in labels.iter().enumerate() {
        for c in 0..CLASSES {
            let expected = 0.75 * f32::from(u8::from(c == label)) + 0.25 * probs[i][c];
            assert!((mixed[i * CLASSES + c] - expected).abs() < 1e-5, "clip {i} class {c}");
        }
    }
    // Off, or without waveform augmentation, there is no twin and the targets stay one-hot.
    let off = batcher.train_batch(
        &rows,
        None,
        &TrainConfig {
            consistency: 0.0,
            ..cfg.clone()
        },
        0,
        0,
    );
    assert!(off.clean.is_none());
    let expected = to_host(one_hot(&labels, CLASSES, &Device::flex())).unwrap();
    assert_eq!(to_host(off.targets).unwrap(), expected);
    let (features, _, _) = synthetic();
    let plain = Batcher::new(features, (0..24).map(|i| i % CLASSES).collect(), net);
    assert!(plain.train_batch(&rows, None, &cfg, 0, 0).clean.is_none());
}

#[test]
fn checkpoints_round_trip_exactly() {
    let _turn = rng_lock();
    let (features, labels, net) = synthetic();
    let mut batcher = Batcher::new(features, labels.clone(), net.clone());
    let rows: Vec<usize> = (0..labels.len()).collect();
    let dir = tempfile::tempdir().unwrap();
    let fitted = fit(&net, &tiny_config(2), &mut batcher, &rows, &[], dir.path(), false).unwrap();
    let path = dir.path().join("copy.bpk");
    save_module(&path, &fitted.network).unwrap();
    let device = Device::flex();
    device.seed(999); // a different initialisation, fully overwritten by the load
    let loaded = load_network(&path, Network::new(&net, &device)).unwrap();
    assert_eq!(
        logits(&loaded, &batcher, &rows),
        logits(&fitted.network, &batcher, &rows)
    );
    assert!(load_network(&dir.path().join("missing.bpk"), Network::new(&net, &device)).is_err());
}

#[test]
fn half_precision_weights_load_back_close_to_full_precision() {
    let _turn = rng_lock();
    let device = Device::flex();
    device.seed(3);
    let net = NetConfig {
        arch: Arch::Cnn(CnnConfig {
            width: emovox::models::CNN_WIDTH,
            dropout: 0.0,
            image_size: 32,
        }),
        classes: Classes::emotions(),
        n_mels: 64,
        norm: InputNorm::default(),
    };
    let network = Network::new(&net, &device);
    let dir = tempfile::tempdir().unwrap();
    let (full, half) = (dir.path().join("full.bpk"), dir.path().join("half.bpk"));
    save_module(&full, &network).unwrap();
    save_module_half(&half, &network).unwrap();
    let (full_size, half_size) = (
        std::fs::metadata(&full).unwrap().len(),
        std::fs::metadata(&half).unwrap().len(),
    );
    assert!(
        half_size * 10 < full_size * 6,
        "f16 file {half_size} bytes vs f32 {full_size}"
    );
    let loaded = load_network(&half, Network::new(&net, &device)).unwrap();
    let log_mel = Tensor::<3>::random([4, 64, 40], burn::tensor::Distribution::Uniform(-80.0, 0.0), &device);
    let run = |n: &Network| {
        let input = prepare_input(&net, log_mel.clone(), None);
        to_host(burn::module::Module::valid(n).forward(input)).unwrap()
    };
    let (a, b) = (run(&network), run(&loaded));
    let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-2 * scale.max(1.0), "{x} vs {y}");
    }
}

#[test]
fn resuming_reaches_the_uninterrupted_result() {
    let _turn = rng_lock();
    let (features, labels, net) = synthetic();
    let mut batcher = Batcher::new(features, labels.clone(), net.clone());
    let train: Vec<usize> = (0..18).collect();
    let val: Vec<usize> = (18..24).collect();
    // Dropout, masks and mixup all draw random numbers: resumption must replay them exactly.
    let augmented = |epochs| TrainConfig {
        augment: Some(emovox::augment::AugmentConfig {
            freq_masks: 1,
            freq_mask_width: 2,
            time_masks: 1,
            time_mask_width: 3,
            ..Default::default()
        }),
        ..tiny_config(epochs)
    };
    let straight = tempfile::tempdir().unwrap();
    let a = fit(&net, &augmented(4), &mut batcher, &train, &val, straight.path(), false).unwrap();
    // Stop after 2 epochs, then resume to 4 from the checkpoint on disk.
    let interrupted = tempfile::tempdir().unwrap();
    fit(
        &net,
        &augmented(2),
        &mut batcher,
        &train,
        &val,
        interrupted.path(),
        false,
    )
    .unwrap();
    let b = fit(
        &net,
        &augmented(4),
        &mut batcher,
        &train,
        &val,
        interrupted.path(),
        true,
    )
    .unwrap();
    assert_eq!(a.state.history.len(), 4);
    for (x, y) in a.state.history.iter().zip(&b.state.history) {
        assert_eq!(x.epoch, y.epoch);
        assert!(
            (x.train_loss - y.train_loss).abs() < 1e-6,
            "epoch {}: {} vs {}",
            x.epoch,
            x.train_loss,
            y.train_loss
        );
        assert_eq!(
            x.val_loss.map(|v| (v * 1e6).round()),
            y.val_loss.map(|v| (v * 1e6).round())
        );
    }
    assert_eq!(a.state.best_epoch, b.state.best_epoch);
    let rows: Vec<usize> = (0..24).collect();
    let (la, lb) = (logits(&a.network, &batcher, &rows), logits(&b.network, &batcher, &rows));
    for (x, y) in la.iter().flatten().zip(lb.iter().flatten()) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
}

#[test]
fn svm_separates_separable_classes() {
    let rows: Vec<Vec<f32>> = (0..60)
        .map(|i| {
            let c = (i % 3) as f32;
            vec![
                c * 4.0 + (i % 7) as f32 * 0.1,
                -c * 2.0 + (i % 5) as f32 * 0.1,
                ((i * 13) % 11) as f32 * 0.05,
            ]
        })
        .collect();
    let labels: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let model = SvmModel::fit(&rows, &labels, 8, &SvmConfig::default()).unwrap();
    assert_eq!(model.predict(&rows), labels);
    assert!(SvmModel::fit(&[], &[], 8, &SvmConfig::default()).is_err());
}

#[test]
fn resnet34_has_torchvisions_size_and_takes_log_mel_images() {
    let _turn = rng_lock();
    let device = Device::flex();
    let resnet = ResNet::resnet34(8, &device);
    // torchvision resnet34: 21,797,672 parameters with 1000 classes; 512 * 992 + 992 fewer here.
    // Burn also counts BatchNorm running mean and variance (2 x 8,512 channels).
    assert_eq!(
        burn::module::Module::num_params(&resnet),
        21_797_672 - 512 * 992 - 992 + 2 * 8_512
    );
    let net = NetConfig {
        arch: Arch::ResNet34(ResNetConfig {
            image_size: 64,
            pretrained: None,
        }),
        classes: Classes::emotions(),
        n_mels: 128,
        norm: InputNorm::default(),
    };
    let log_mel = Tensor::<3>::random([2, 128, 100], burn::tensor::Distribution::Uniform(-80.0, 0.0), &device);
    let network = Network::ResNet(resnet);
    let input = prepare_input(&net, log_mel, None);
    let out = network.forward(input);
    assert_eq!(out.dims(), [2, 8]);
}

#[test]
fn report_pngs_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let confusion = dir.path().join("confusion.png");
    emovox::plot::confusion_png(&confusion, "test", &[vec![3, 1], vec![0, 4]], &["a", "b"]).unwrap();
    let curves = dir.path().join("loss.png");
    emovox::plot::curves_png(
        &curves,
        "loss",
        "cross entropy",
        &[
            emovox::plot::Series {
                name: "train",
                values: &[2.0, 1.5, 1.0],
            },
            emovox::plot::Series {
                name: "validation",
                values: &[2.1, f64::NAN, 1.4],
            },
        ],
    )
    .unwrap();
    for path in [confusion, curves] {
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 5_000, "{} is {} bytes", path.display(), bytes.len());
        assert_eq!(&bytes[1..4], b"PNG");
    }
    let unwritable = dir.path().join("no/such/dir/x.png");
    assert!(emovox::plot::confusion_png(&unwritable, "t", &[vec![1]], &["a"]).is_err());
}

#[test]
fn batch_norm_adaptation_takes_the_statistics_of_the_adapted_clips() {
    let _turn = rng_lock();
    let (features, _, mut net) = synthetic();
    net.arch = Arch::Cnn(CnnConfig {
        width: 4,
        dropout: 0.1,
        image_size: 32,
    });
    let network = Network::new(&net, &Device::flex());
    let inputs = Inputs {
        net: &net,
        features: &features,
        image_size: None,
    };
    let rows = [0, 3, 4, 7, 9];
    // Batches of 2, 2 and 1 clips, weighted by their clips.
    let adapted = adapt_batch_norm(network.clone(), &inputs, &rows, 2).unwrap();
    let (Network::Cnn(before), Network::Cnn(after)) = (&network, &adapted) else {
        unreachable!("a CNN was built")
    };
    let NetInput::Image(x) = inputs.of(&rows) else {
        unreachable!("the CNN takes images")
    };
    // The first BatchNorm's mean: the mean of the first convolution over those clips.
    let conv = before.blocks[0].conv1.forward(x);
    let [n, c, h, w] = conv.dims();
    let expected = to_host(conv.swap_dims(0, 1).reshape([c, n * h * w]).mean_dim(1)).unwrap();
    let got = to_host(after.blocks[0].bn1.running_mean.value()).unwrap();
    let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(scale > 0.1, "{expected:?}");
    assert!(max_abs(&got, &expected) < 1e-4 * scale, "{got:?} vs {expected:?}");
    // The variance moved off its initial 1, and the network it came from kept its statistics.
    let var = to_host(after.blocks[0].bn1.running_var.value()).unwrap();
    assert!(var.iter().all(|v| (v - 1.0).abs() > 1e-3), "{var:?}");
    let kept = to_host(before.blocks[0].bn1.running_mean.value()).unwrap();
    assert!(kept.iter().all(|&v| v == 0.0), "{kept:?}");
    // The BiLSTM has no BatchNorm to adapt.
    let (features, _, net) = synthetic();
    let lstm = Network::new(&net, &Device::flex());
    let inputs = Inputs {
        net: &net,
        features: &features,
        image_size: None,
    };
    assert!(adapt_batch_norm(lstm, &inputs, &rows, 2).is_err());
}
