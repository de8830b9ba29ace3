//! emovox's BatchNorm in training mode against Burn's layer: the output, the gradients of the
//! input, gamma and beta, and the running statistics after the step agree to 1e-4 relative on
//! flex under autodiff (odd shapes, a real MobileNet one, and a 2-D input); in eval mode both
//! are Burn's own pass.

mod common;

use burn::module::Param;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::tensor::{Device, Tensor, TensorData};
use common::{made_up_values, max_abs};
use emovox::gpu::to_host;
use emovox::models::norm::batch_norm;

/// Made-up values in [-1, 1) * scale + offset.
fn values(n: usize, seed: u64, scale: f32, offset: f32) -> Vec<f32> {
    made_up_values(n, seed)
        .into_iter()
        .map(|v| v * scale + offset)
        .collect()
}

/// A BatchNorm of `channels` with made-up gamma and beta, on the autodiff device.
fn layer(channels: usize, device: &Device) -> BatchNorm {
    let mut bn = BatchNormConfig::new(channels)
        .with_epsilon(1e-3)
        .with_momentum(0.1)
        .init(device);
    let param = |seed, offset| {
        Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(values(channels, seed, 0.5, offset), [channels]),
            device,
        ))
    };
    bn.gamma = param(5, 1.0);
    bn.beta = param(6, 0.0);
    bn
}

/// [output, dx, dgamma, dbeta, running mean, running variance].
fn step<const D: usize>(shape: [usize; D], ours: bool) -> Vec<Vec<f32>> {
    let device = Device::flex().autodiff();
    let bn = layer(shape[1], &device);
    let n = shape.iter().product();
    // Inputs off zero mean and unit variance, so the statistics matter.
    let x = Tensor::<D>::from_data(TensorData::new(values(n, 1, 3.0, 2.0), shape), &device).require_grad();
    let y = if ours {
        batch_norm_any(&bn, x.clone())
    } else {
        bn.forward(x.clone())
    };
    let r = Tensor::<D>::from_data(TensorData::new(values(n, 3, 1.0, 0.0), shape), &device);
    let grads = (y.clone() * r).sum().backward();
    vec![
        to_host(y.inner()).unwrap(),
        to_host(x.grad(&grads).expect("x gradient")).unwrap(),
        to_host(bn.gamma.val().grad(&grads).expect("gamma gradient")).unwrap(),
        to_host(bn.beta.val().grad(&grads).expect("beta gradient")).unwrap(),
        to_host(bn.running_mean.value()).unwrap(),
        to_host(bn.running_var.value()).unwrap(),
    ]
}

/// emovox's pass for any rank: 4-D directly, others as [B, C, S, 1].
fn batch_norm_any<const D: usize>(bn: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let dims = x.dims();
    let spatial: usize = dims[2..].iter().product();
    batch_norm(bn, x.reshape([dims[0], dims[1], spatial, 1])).reshape(dims)
}

fn assert_parity<const D: usize>(name: &str, shape: [usize; D]) {
    let (ours, burn) = (step(shape, true), step(shape, false));
    let what = [
        "output",
        "input gradient",
        "gamma gradient",
        "beta gradient",
        "running mean",
        "running variance",
    ];
    for (what, (a, b)) in what.iter().zip(ours.iter().zip(&burn)) {
        let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
        let err = max_abs(a, b) / scale;
        assert!(err < 1e-4, "{name}: {what} differs by {err:e} of its largest value");
    }
}

#[test]
fn training_batch_norm_equals_burns() {
    assert_parity("odd", [3, 5, 7, 9]);
    assert_parity("one image", [1, 4, 6, 5]);
    assert_parity("MobileNet block 5", [4, 48, 16, 51]);
    assert_parity("2-D", [6, 8]);
}

#[test]
fn eval_mode_is_burns_pass() {
    // On a device without autodiff the layer normalises with its running statistics.
    let device = Device::flex();
    let bn = layer(3, &device);
    let x = Tensor::<4>::from_data(
        TensorData::new(values(2 * 3 * 4 * 5, 9, 2.0, 1.0), [2, 3, 4, 5]),
        &device,
    );
    let (ours, burn) = (
        to_host(batch_norm(&bn, x.clone())).unwrap(),
        to_host(bn.forward(x)).unwrap(),
    );
    assert_eq!(ours, burn);
}
