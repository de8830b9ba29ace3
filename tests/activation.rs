//! emovox's hardswish and 2 x 2 average pooling ops against the same functions in Burn's ops:
//! output and gradient to 1e-5 relative under autodiff, on flex (emovox's loops) and on the
//! wgpu device (the ops' defaults in Burn's ops); hardswish over values on both sides of -3 and
//! 3, the pooling on odd and even sizes (an odd last row or column dropped).

mod common;

use burn::nn::pool::AvgPool2dConfig;
use burn::tensor::{Device, Tensor, TensorData};
use common::{made_up_values, max_abs, wgpu_or_skip};
use emovox::gpu::to_host;
use emovox::models::hardswish::hardswish;
use emovox::models::pool;

/// [output, gradient] of hardswish on values from -5 to 5 (never exactly -3 or 3), weighted by r.
fn output_and_gradient(device: &Device, ours: bool) -> [Vec<f32>; 2] {
    let n = 1001;
    let values: Vec<f32> = (0..n).map(|i| -5.0 + 10.0 * (i as f32 + 0.37) / n as f32).collect();
    let weights: Vec<f32> = (0..n).map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0).collect();
    let ad = device.clone().autodiff();
    let x = Tensor::<2>::from_data(TensorData::new(values, [7, 143]), &ad).require_grad();
    let r = Tensor::<2>::from_data(TensorData::new(weights, [7, 143]), &ad);
    let y = if ours {
        hardswish(x.clone())
    } else {
        x.clone() * (x.clone() + 3.0).clamp(0.0, 6.0) / 6.0
    };
    let grads = (y.clone() * r).sum().backward();
    [
        to_host(y.inner()).unwrap(),
        to_host(x.grad(&grads).expect("x gradient")).unwrap(),
    ]
}

fn assert_parity(name: &str, device: &Device) {
    let (ours, burn) = (output_and_gradient(device, true), output_and_gradient(device, false));
    for (what, (a, b)) in ["output", "gradient"].iter().zip(ours.iter().zip(&burn)) {
        let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let err = max_abs(a, b) / scale;
        assert!(err < 1e-5, "{name}: {what} differs by {err:e} of its largest value");
    }
}

#[test]
fn hardswish_equals_burns_ops() {
    assert_parity("flex", &Device::flex());
    if let Some(gpu) = wgpu_or_skip() {
        assert_parity("wgpu", &gpu.device);
    }
}

/// [output, input gradient] of 2 x 2 average pooling at stride 2 of made-up x of `shape`,
/// weighted by made-up r: emovox's op or Burn's layer.
fn pooled_and_gradient(device: &Device, shape: [usize; 4], ours: bool) -> [Vec<f32>; 2] {
    let ad = device.clone().autodiff();
    let n = shape.iter().product();
    let x = Tensor::<4>::from_data(TensorData::new(made_up_values(n, 3), shape), &ad).require_grad();
    let layer = AvgPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    let y = if ours {
        pool::forward(&layer, x.clone())
    } else {
        layer.forward(x.clone())
    };
    let r = Tensor::<4>::from_data(
        TensorData::new(made_up_values(y.shape().num_elements(), 4), y.dims()),
        &ad,
    );
    let grads = (y.clone() * r).sum().backward();
    [
        to_host(y.inner()).unwrap(),
        to_host(x.grad(&grads).expect("x gradient")).unwrap(),
    ]
}

#[test]
fn average_pooling_equals_burns() {
    let mut devices = vec![("flex", Device::flex())];
    if let Some(gpu) = wgpu_or_skip() {
        devices.push(("wgpu", gpu.device));
    }
    for (name, device) in &devices {
        for shape in [[2, 3, 8, 6], [1, 2, 7, 5], [3, 1, 3, 9], [16, 16, 128, 128]] {
            let (ours, burn) = (
                pooled_and_gradient(device, shape, true),
                pooled_and_gradient(device, shape, false),
            );
            for (what, (a, b)) in ["output", "gradient"].iter().zip(ours.iter().zip(&burn)) {
                assert_eq!(a.len(), b.len(), "{name} {shape:?}: {what} sizes");
                let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
                let err = max_abs(a, b) / scale;
                assert!(
                    err < 1e-5,
                    "{name} {shape:?}: {what} differs by {err:e} of its largest value"
                );
            }
            // The gradient is not all zero (a dropped-everything pool would pass the parity).
            assert!(ours[1].iter().any(|&g| g != 0.0), "{name} {shape:?}: zero gradient");
        }
    }
}
