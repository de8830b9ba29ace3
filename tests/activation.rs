//! emovox's hardswish op against the same function in Burn's tensor ops: output and gradient
//! to 1e-5 relative under autodiff, on flex (emovox's loop) and on the wgpu device (the op's
//! formulas in Burn's ops), over values on both sides of -3 and 3.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::{max_abs, wgpu_or_skip};
use emovox::gpu::to_host;
use emovox::models::hardswish::hardswish;

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
