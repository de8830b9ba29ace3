//! EfficientAT's MobileNetV3 ("mn", Schmid et al., ICASSP 2023) for log-mel input
//! [batch, 1, n_mels, frames]: a 3x3/2 stem, 15 inverted-residual blocks (1x1 expansion,
//! depthwise kxk, channel squeeze-excitation, 1x1 projection, BatchNorm eps 1e-3), a 1x1
//! 6x-wide conv, global average pooling and an MLP head (Linear, hardswish, dropout, Linear).
//! Channel widths scale by `width` (0.4 for mn04) with torchvision's round-to-8 rule.
//! Module paths mirror the PyTorch state dict (`features.N.block.M...`) so that its 312 tensors
//! map one to one (see [`crate::models::import::import_efficientat`]).

use super::conv;
use super::hardswish::hardswish;
use super::norm::batch_norm;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};

/// BatchNorm momentum for training (PyTorch semantics: weight of the new batch statistics).
pub const TRAIN_BN_MOMENTUM: f64 = 0.1;

/// Activation after a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    Hardswish,
}

impl Activation {
    fn apply(self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Activation::None => x,
            Activation::Relu => relu(x),
            Activation::Hardswish => hardswish(x),
        }
    }
}

/// Convolution (no bias), BatchNorm, activation (torchvision `ConvNormActivation`).
#[derive(Module, Debug)]
pub struct ConvNormAct {
    pub conv: Conv2d,
    pub bn: BatchNorm,
    #[module(skip)]
    pub activation: Activation,
}

impl ConvNormAct {
    fn new(
        in_c: usize,
        out_c: usize,
        kernel: usize,
        stride: usize,
        groups: usize,
        activation: Activation,
        device: &Device,
    ) -> Self {
        let pad = (kernel - 1) / 2;
        ConvNormAct {
            conv: Conv2dConfig::new([in_c, out_c], [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_groups(groups)
                .with_bias(false)
                .init(device),
            bn: BatchNormConfig::new(out_c)
                .with_epsilon(1e-3)
                .with_momentum(0.01)
                .init(device),
            activation,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.activation
            .apply(batch_norm(&self.bn, conv::forward(&self.conv, x)))
    }
}

/// Channel squeeze-excitation: mean over frequency and time, bottleneck MLP, sigmoid gate.
#[derive(Module, Debug)]
pub struct SqueezeExcitation {
    pub fc1: Linear,
    pub fc2: Linear,
}

/// EfficientAT's container of concurrent SE layers (one, on channels, for mn04).
#[derive(Module, Debug)]
pub struct ConcurrentSe {
    pub conc_se_layers: Vec<SqueezeExcitation>,
}

impl ConcurrentSe {
    fn new(channels: usize, device: &Device) -> Self {
        let squeeze = make_divisible(channels as f64 / 4.0, 8);
        ConcurrentSe {
            conc_se_layers: vec![SqueezeExcitation {
                fc1: LinearConfig::new(channels, squeeze).init(device),
                fc2: LinearConfig::new(squeeze, channels).init(device),
            }],
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [batch, channels, _, _] = x.dims();
        let se = &self.conc_se_layers[0];
        let pooled: Tensor<2> = x.clone().mean_dim(2).mean_dim(3).reshape([batch, channels]);
        let gate = sigmoid(se.fc2.forward(relu(se.fc1.forward(pooled))));
        x * gate.reshape([batch, channels, 1, 1])
    }
}

/// A layer of an inverted-residual block.
// Built once per model and never moved in a hot loop: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum BlockLayer {
    Conv(ConvNormAct),
    Se(ConcurrentSe),
}

/// Expansion (if wider), depthwise, optional SE, projection; residual when shapes allow.
#[derive(Module, Debug)]
pub struct InvertedResidual {
    pub block: Vec<BlockLayer>,
    #[module(skip)]
    pub residual: bool,
}

impl InvertedResidual {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = self.block.iter().fold(x.clone(), |y, layer| match layer {
            BlockLayer::Conv(c) => c.forward(y),
            BlockLayer::Se(s) => s.forward(y),
        });
        if self.residual { y + x } else { y }
    }
}

/// One entry of `features`.
// Built once per model and never moved in a hot loop: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Feature {
    Conv(ConvNormAct),
    Block(InvertedResidual),
}

/// The MobileNetV3 classifier.
#[derive(Module, Debug)]
pub struct MobileNet {
    pub features: Vec<Feature>,
    pub head_hidden: Linear,
    pub head_dropout: Dropout,
    pub head_out: Linear,
}

/// torchvision's channel rounding: a multiple of `divisor`, never below 90% of `v`.
pub fn make_divisible(v: f64, divisor: usize) -> usize {
    let d = divisor as f64;
    let mut rounded = (((v + d / 2.0) as usize) / divisor * divisor).max(divisor);
    if (rounded as f64) < 0.9 * v {
        rounded += divisor;
    }
    rounded
}

/// MobileNetV3-Large blocks: (in, kernel, expanded, out, squeeze-excitation, hardswish, stride).
const BLOCKS: [(usize, usize, usize, usize, bool, bool, usize); 15] = [
    (16, 3, 16, 16, false, false, 1),
    (16, 3, 64, 24, false, false, 2),
    (24, 3, 72, 24, false, false, 1),
    (24, 5, 72, 40, true, false, 2),
    (40, 5, 120, 40, true, false, 1),
    (40, 5, 120, 40, true, false, 1),
    (40, 3, 240, 80, false, true, 2),
    (80, 3, 200, 80, false, true, 1),
    (80, 3, 184, 80, false, true, 1),
    (80, 3, 184, 80, false, true, 1),
    (80, 3, 480, 112, true, true, 1),
    (112, 3, 672, 112, true, true, 1),
    (112, 5, 672, 160, true, true, 2),
    (160, 5, 960, 160, true, true, 1),
    (160, 5, 960, 160, true, true, 1),
];

impl MobileNet {
    /// EfficientAT `mn` at `width` (0.4 = mn04) with a `classes`-way head.
    pub fn new(width: f64, classes: usize, dropout: f64, device: &Device) -> Self {
        let ch = |c: usize| make_divisible(c as f64 * width, 8);
        let mut features = vec![Feature::Conv(ConvNormAct::new(
            1,
            ch(16),
            3,
            2,
            1,
            Activation::Hardswish,
            device,
        ))];
        for &(inp, kernel, expanded, out, se, hs, stride) in &BLOCKS {
            let (inp, expanded, out) = (ch(inp), ch(expanded), ch(out));
            let act = if hs { Activation::Hardswish } else { Activation::Relu };
            let mut block = Vec::new();
            if expanded != inp {
                block.push(BlockLayer::Conv(ConvNormAct::new(inp, expanded, 1, 1, 1, act, device)));
            }
            block.push(BlockLayer::Conv(ConvNormAct::new(
                expanded, expanded, kernel, stride, expanded, act, device,
            )));
            if se {
                block.push(BlockLayer::Se(ConcurrentSe::new(expanded, device)));
            }
            block.push(BlockLayer::Conv(ConvNormAct::new(
                expanded,
                out,
                1,
                1,
                1,
                Activation::None,
                device,
            )));
            features.push(Feature::Block(InvertedResidual {
                block,
                residual: stride == 1 && inp == out,
            }));
        }
        let last_in = ch(160);
        let last_out = 6 * last_in;
        features.push(Feature::Conv(ConvNormAct::new(
            last_in,
            last_out,
            1,
            1,
            1,
            Activation::Hardswish,
            device,
        )));
        let hidden = ch(1280);
        MobileNet {
            features,
            head_hidden: LinearConfig::new(last_out, hidden).init(device),
            head_dropout: DropoutConfig::new(dropout).init(),
            head_out: LinearConfig::new(hidden, classes).init(device),
        }
    }

    /// Logits [batch, classes] for log-mels [batch, 1, n_mels, frames].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.features.iter().fold(x, |x, f| match f {
            Feature::Conv(c) => c.forward(x),
            Feature::Block(b) => b.forward(x),
        });
        let [batch, channels, _, _] = x.dims();
        let pooled: Tensor<2> = x.mean_dim(2).mean_dim(3).reshape([batch, channels]);
        let hidden = hardswish(self.head_hidden.forward(pooled));
        self.head_out.forward(self.head_dropout.forward(hidden))
    }

    /// Sets the momentum of every BatchNorm. The checkpoint's 0.01 (PyTorch's setting for
    /// AudioSet training) leaves the statistics lagging far behind a new domain during a short
    /// fine-tune; training uses [`TRAIN_BN_MOMENTUM`].
    pub fn with_bn_momentum(mut self, momentum: f64) -> Self {
        for bn in self.batch_norms_mut() {
            bn.momentum = momentum;
        }
        self
    }

    /// Every BatchNorm, input side first.
    pub fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        let mut norms = Vec::new();
        for feature in &mut self.features {
            match feature {
                Feature::Conv(c) => norms.push(&mut c.bn),
                Feature::Block(b) => norms.extend(b.block.iter_mut().filter_map(|layer| match layer {
                    BlockLayer::Conv(c) => Some(&mut c.bn),
                    BlockLayer::Se(_) => None,
                })),
            }
        }
        norms
    }

    /// Replaces the classifier's output layer with a fresh `classes`-way one.
    pub fn with_head(mut self, classes: usize, device: &Device) -> Self {
        let [hidden, _] = self.head_out.weight.shape().dims();
        self.head_out = LinearConfig::new(hidden, classes).init(device);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_rounding_matches_torchvision() {
        let widths: Vec<usize> = [
            16, 64, 24, 72, 40, 120, 240, 80, 200, 184, 480, 112, 672, 160, 960, 1280,
        ]
        .iter()
        .map(|&c| make_divisible(c as f64 * 0.4, 8))
        .collect();
        assert_eq!(
            widths,
            [8, 24, 16, 32, 16, 48, 96, 32, 80, 72, 192, 48, 272, 64, 384, 512]
        );
    }
}
