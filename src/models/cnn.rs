//! A compact CNN for the log-mel image, small enough to ship in the repository as the default
//! model: four blocks of two 3x3 convolutions (BatchNorm, ReLU) with 2x2 average pooling,
//! widths w, 2w, 4w, 8w; mean and max pooled over the image; dropout; linear head.
//! Input [batch, 1, side, side]; output logits [batch, classes].

use super::conv;
use super::norm::batch_norm;
use super::pool;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct ConvBlock {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
    pub pool: AvgPool2d,
}

fn conv3(in_c: usize, out_c: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([in_c, out_c], [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_bias(false)
        .init(device)
}

impl ConvBlock {
    fn new(in_c: usize, out_c: usize, device: &Device) -> Self {
        ConvBlock {
            conv1: conv3(in_c, out_c, device),
            bn1: BatchNormConfig::new(out_c).init(device),
            conv2: conv3(out_c, out_c, device),
            bn2: BatchNormConfig::new(out_c).init(device),
            pool: AvgPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(batch_norm(&self.bn1, conv::forward(&self.conv1, x)));
        let x = relu(batch_norm(&self.bn2, conv::forward(&self.conv2, x)));
        pool::forward(&self.pool, x)
    }
}

#[derive(Module, Debug)]
pub struct Cnn {
    pub blocks: Vec<ConvBlock>,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl Cnn {
    /// Four blocks of widths `width`, 2x, 4x, 8x.
    pub fn new(width: usize, dropout: f64, classes: usize, device: &Device) -> Self {
        let widths = [width, 2 * width, 4 * width, 8 * width];
        let mut in_c = 1;
        let blocks = widths
            .iter()
            .map(|&w| {
                let block = ConvBlock::new(in_c, w, device);
                in_c = w;
                block
            })
            .collect();
        Cnn {
            blocks,
            dropout: DropoutConfig::new(dropout).init(),
            fc: LinearConfig::new(2 * in_c, classes).init(device),
        }
    }

    /// Every BatchNorm, input side first.
    pub fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        self.blocks.iter_mut().flat_map(|b| [&mut b.bn1, &mut b.bn2]).collect()
    }

    /// Logits [batch, classes].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let [batch, channels, h, w] = x.dims();
        let flat: Tensor<3> = x.reshape([batch, channels, h * w]);
        let pooled = Tensor::cat(vec![flat.clone().mean_dim(2), flat.max_dim(2)], 1).reshape([batch, 2 * channels]);
        self.fc.forward(self.dropout.forward(pooled))
    }
}
