//! emovox's convolution gradients against Burn's own: the output and the gradients of the input
//! and the weight of [`emovox::models::conv::conv2d`] under autodiff on flex equal those of
//! Burn's `conv2d` to 1e-4 relative, for depthwise (strides 1 and 2, kernels 3 and 5, odd
//! sizes), pointwise, dense (kernels 1 to 7, strides 1 and 2; Winograd's 3x3/1 with 64
//! channels or more) and other grouped convolutions (which keep Burn's gradients), on odd
//! shapes and on EfficientAT's and ResNet34's real ones.

mod common;

use burn::tensor::module::conv2d as burn_conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};
use common::{made_up_values, max_abs};
use emovox::gpu::to_host;
use emovox::models::conv::conv2d;

/// x [B, C_in, H, W], weight [C_out, C_in / groups, k, k], stride, padding, groups.
struct Case {
    x: [usize; 4],
    c_out: usize,
    k: usize,
    stride: usize,
    padding: usize,
    groups: usize,
}

/// Made-up values in [-1, 1) of `shape` on flex.
fn values(shape: [usize; 4], seed: u64) -> Tensor<4> {
    let data = made_up_values(shape.iter().product(), seed);
    Tensor::from_data(TensorData::new(data, shape), &Device::flex())
}

fn outputs_and_gradients(case: &Case, ours: bool) -> [Vec<f32>; 3] {
    let [b, c_in, _, _] = case.x;
    let x = values(case.x, 1).autodiff().require_grad();
    let weight = values([case.c_out, c_in / case.groups, case.k, case.k], 2)
        .autodiff()
        .require_grad();
    let y = if ours {
        conv2d(x.clone(), weight.clone(), case.stride, case.padding, case.groups)
    } else {
        let options = ConvOptions::new([case.stride; 2], [case.padding; 2], [1, 1], case.groups);
        burn_conv2d(x.clone(), weight.clone(), None, options)
    };
    let [_, _, ho, wo] = y.dims();
    // A random weighting of the outputs, the same for both.
    let r = values([b, case.c_out, ho, wo], 3).autodiff();
    let grads = (y.clone() * r).sum().backward();
    let host = |t: Tensor<4>| to_host(t).unwrap();
    [
        host(y.inner()),
        host(x.grad(&grads).expect("x gradient")),
        host(weight.grad(&grads).expect("weight gradient")),
    ]
}

fn assert_parity(name: &str, case: &Case) {
    let (ours, burn) = (outputs_and_gradients(case, true), outputs_and_gradients(case, false));
    for (what, (a, b)) in ["output", "input gradient", "weight gradient"]
        .iter()
        .zip(ours.iter().zip(&burn))
    {
        assert_eq!(a.len(), b.len(), "{name}: {what} sizes");
        let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
        let err = max_abs(a, b) / scale;
        assert!(err < 1e-4, "{name}: {what} differs by {err:e} of its largest value");
    }
}

/// A named case: (name, x, c_out, k, stride, padding, groups).
type Named = (&'static str, [usize; 4], usize, usize, usize, usize, usize);

/// Parity of each case.
fn assert_cases(cases: &[Named]) {
    for &(name, x, c_out, k, stride, padding, groups) in cases {
        let case = Case {
            x,
            c_out,
            k,
            stride,
            padding,
            groups,
        };
        assert_parity(name, &case);
    }
}

#[test]
fn depthwise_gradients_equal_burns() {
    assert_cases(&[
        ("3x3 stride 1", [2, 5, 7, 9], 5, 3, 1, 1, 5),
        ("3x3 stride 2 odd", [3, 4, 9, 11], 4, 3, 2, 1, 4),
        ("5x5 stride 2", [2, 3, 13, 8], 3, 5, 2, 2, 3),
        ("5x5 stride 1", [1, 6, 6, 17], 6, 5, 1, 2, 6),
        ("3x3 stride 2 even", [2, 2, 8, 10], 2, 3, 2, 1, 2),
    ]);
}

#[test]
fn pointwise_gradients_equal_burns() {
    assert_cases(&[
        ("odd", [3, 5, 7, 9], 11, 1, 1, 0, 1),
        ("wide", [2, 24, 4, 13], 72, 1, 1, 0, 1),
    ]);
}

#[test]
fn dense_gradients_equal_burns() {
    // EfficientAT's stem (3x3/2, one channel), ResNet's 7x7/2 stem, 3x3 and the 1x1/2 shortcut.
    assert_cases(&[
        ("stem 3x3/2", [2, 1, 12, 15], 8, 3, 2, 1, 1),
        ("7x7/2", [2, 3, 17, 13], 5, 7, 2, 3, 1),
        ("3x3/1", [3, 4, 9, 7], 6, 3, 1, 1, 1),
        // Stride 1 with other kernels and paddings (a padding as wide as the kernel too).
        ("3x3/1 unpadded", [2, 3, 8, 11], 5, 3, 1, 0, 1),
        ("5x5/1 padding 2", [2, 4, 9, 12], 3, 5, 1, 2, 1),
        ("5x5/1 padding 1", [1, 2, 10, 7], 4, 5, 1, 1, 1),
        ("2x2/1 padding 1", [2, 3, 6, 5], 2, 2, 1, 1, 1),
        ("3x3/1 padding 3", [2, 2, 5, 6], 3, 3, 1, 3, 1),
        ("1x1/1 padding 1", [2, 3, 4, 5], 2, 1, 1, 1, 1),
        // 3x3/1 padding 1 with 64 channels or more goes through Winograd's F(2x2, 3x3): odd
        // sizes leave part-filled tiles, a one-pixel image has only the centre tap, and three
        // 64 x 64 images go through one at a time (the chunks of the transformed values).
        ("Winograd one pixel", [2, 64, 1, 1], 64, 3, 1, 1, 1),
        ("Winograd 5 x 3, odd channels", [3, 65, 5, 3], 67, 3, 1, 1, 1),
        ("Winograd 7 x 10", [1, 64, 7, 10], 80, 3, 1, 1, 1),
        ("Winograd in chunks", [3, 64, 64, 64], 64, 3, 1, 1, 1),
        ("3x3/1 with few channels", [2, 63, 6, 9], 64, 3, 1, 1, 1),
        ("3x3/2 odd", [2, 5, 11, 9], 7, 3, 2, 1, 1),
        ("1x1/2", [2, 6, 9, 10], 4, 1, 2, 0, 1),
        // Columns formed in tiles of output rows (about 128 k values each): 23 output rows of
        // 270 x 150 columns go as seven tiles of three rows and one of two.
        ("3x3/2 in row tiles", [1, 30, 45, 300], 7, 3, 2, 1, 1),
    ]);
}

#[test]
fn other_grouped_convolutions_keep_burns_gradients() {
    assert_cases(&[("2 groups", [2, 4, 7, 8], 6, 3, 1, 1, 2)]);
}

#[test]
fn real_shapes() {
    // A depthwise 5x5/2 and a pointwise expansion of EfficientAT's at a 4 s clip's size (fewer
    // channels), ResNet34's layer 2 entry (3x3/2, 64 to 128 channels), a layer 1 convolution
    // and a layer 3 one at a 128 px image's, and the compact CNN's second convolution.
    assert_cases(&[
        ("depthwise 5x5/2, 32 x 32 x 101", [2, 32, 32, 101], 32, 5, 2, 2, 32),
        ("pointwise 16 -> 48, 16 x 51", [2, 16, 16, 51], 48, 1, 1, 0, 1),
        ("3x3/2 64 -> 128, 32 x 32", [2, 64, 32, 32], 128, 3, 2, 1, 1),
        ("3x3/1 64 -> 64, 32 x 32", [2, 64, 32, 32], 64, 3, 1, 1, 1),
        ("3x3/1 256 -> 256, 8 x 8", [2, 256, 8, 8], 256, 3, 1, 1, 1),
        ("CNN block 1, 16 -> 16, 128 x 128", [2, 16, 128, 128], 16, 3, 1, 1, 1),
    ]);
}
