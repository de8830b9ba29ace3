//! ResNet34 in torchvision's layout (BasicBlock x [3, 4, 6, 3], BatchNorm, 7x7 stem, max pool,
//! global average pool, linear head), so torchvision state dicts map onto it name by name
//! (`downsample.0/1` -> `downsample.conv/bn`, BatchNorm `weight/bias` -> `gamma/beta`).
//! Input [batch, 3, H, W]; output logits [batch, classes].

use super::conv;
use super::norm::batch_norm;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// 1x1 strided projection on the skip path when a block changes shape.
#[derive(Module, Debug)]
pub struct Downsample {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

/// Two 3x3 convolutions with a residual connection.
#[derive(Module, Debug)]
pub struct BasicBlock {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
    pub downsample: Option<Downsample>,
}

fn conv(in_c: usize, out_c: usize, kernel: usize, stride: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([in_c, out_c], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .init(device)
}

impl BasicBlock {
    fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        let mut norms = vec![&mut self.bn1, &mut self.bn2];
        norms.extend(self.downsample.as_mut().map(|d| &mut d.bn));
        norms
    }

    fn new(in_c: usize, out_c: usize, stride: usize, device: &Device) -> Self {
        let downsample = (stride != 1 || in_c != out_c).then(|| Downsample {
            conv: conv(in_c, out_c, 1, stride, device),
            bn: BatchNormConfig::new(out_c).init(device),
        });
        BasicBlock {
            conv1: conv(in_c, out_c, 3, stride, device),
            bn1: BatchNormConfig::new(out_c).init(device),
            conv2: conv(out_c, out_c, 3, 1, device),
            bn2: BatchNormConfig::new(out_c).init(device),
            downsample,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let skip = match &self.downsample {
            Some(d) => batch_norm(&d.bn, conv::forward(&d.conv, x.clone())),
            None => x.clone(),
        };
        let y = relu(batch_norm(&self.bn1, conv::forward(&self.conv1, x)));
        let y = batch_norm(&self.bn2, conv::forward(&self.conv2, y));
        relu(y + skip)
    }
}

/// ResNet34.
#[derive(Module, Debug)]
pub struct ResNet {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub maxpool: MaxPool2d,
    pub layer1: Vec<BasicBlock>,
    pub layer2: Vec<BasicBlock>,
    pub layer3: Vec<BasicBlock>,
    pub layer4: Vec<BasicBlock>,
    pub avgpool: AdaptiveAvgPool2d,
    pub fc: Linear,
}

/// Blocks per stage of ResNet34.
pub const RESNET34_BLOCKS: [usize; 4] = [3, 4, 6, 3];

impl ResNet {
    /// ResNet34 with a `classes`-way head and freshly initialised weights.
    pub fn resnet34(classes: usize, device: &Device) -> Self {
        let stage = |in_c: usize, out_c: usize, blocks: usize, stride: usize| -> Vec<BasicBlock> {
            (0..blocks)
                .map(|i| {
                    if i == 0 {
                        BasicBlock::new(in_c, out_c, stride, device)
                    } else {
                        BasicBlock::new(out_c, out_c, 1, device)
                    }
                })
                .collect()
        };
        let [b1, b2, b3, b4] = RESNET34_BLOCKS;
        ResNet {
            conv1: conv(3, 64, 7, 2, device),
            bn1: BatchNormConfig::new(64).init(device),
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
            layer1: stage(64, 64, b1, 1),
            layer2: stage(64, 128, b2, 2),
            layer3: stage(128, 256, b3, 2),
            layer4: stage(256, 512, b4, 2),
            avgpool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            fc: LinearConfig::new(512, classes).init(device),
        }
    }

    /// Pooled 512-d embedding [batch, 512].
    pub fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self
            .maxpool
            .forward(relu(batch_norm(&self.bn1, conv::forward(&self.conv1, x))));
        let x = [&self.layer1, &self.layer2, &self.layer3, &self.layer4]
            .into_iter()
            .flatten()
            .fold(x, |x, block| block.forward(x));
        self.avgpool.forward(x).flatten(1, 3)
    }

    /// Logits [batch, classes].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.fc.forward(self.embed(x))
    }

    /// Every BatchNorm, input side first.
    pub fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        let mut norms = vec![&mut self.bn1];
        for block in [&mut self.layer1, &mut self.layer2, &mut self.layer3, &mut self.layer4]
            .into_iter()
            .flatten()
        {
            norms.extend(block.batch_norms_mut());
        }
        norms
    }

    /// Replaces the head with a fresh `classes`-way linear layer.
    pub fn with_head(mut self, classes: usize, device: &Device) -> Self {
        self.fc = LinearConfig::new(512, classes).init(device);
        self
    }
}
