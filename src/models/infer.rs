//! Batched inference on rows of a device-resident log-mel tensor [clips, n_mels, frames]: the
//! rows' network inputs ([`Inputs::of`]: no targets, no augmentation) and their class
//! probabilities, `batch` rows per forward pass, with the network in eval mode.

use super::{NetConfig, NetInput, Network, prepare_input};
use crate::error::Result;
use crate::gpu::to_host;
use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Row indices as an Int tensor.
pub fn index_tensor(indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(data, [indices.len()]), device)
}

/// Rows `rows` of `features` (along the first axis).
pub fn select_rows(features: &Tensor<3>, rows: &[usize]) -> Tensor<3> {
    features.clone().select(0, index_tensor(rows, &features.device()))
}

/// Log-mels of many clips on the compute device, as a network takes them.
pub struct Inputs<'a> {
    pub net: &'a NetConfig,
    /// Log-mels [clips, n_mels, frames] (no autodiff).
    pub features: &'a Tensor<3>,
    /// Image side of the image models, when not their own (progressive resizing).
    pub image_size: Option<usize>,
}

impl Inputs<'_> {
    pub fn device(&self) -> Device {
        self.features.device()
    }

    /// The network input of `rows`.
    pub fn of(&self, rows: &[usize]) -> NetInput {
        prepare_input(self.net, select_rows(self.features, rows), self.image_size)
    }

    /// Class probabilities of `rows` (in their order), `batch` rows at a time.
    pub fn probabilities(&self, network: &Network, rows: &[usize], batch: usize) -> Result<Vec<Vec<f32>>> {
        let model = network.valid();
        let classes = self.net.classes.len();
        let mut probabilities = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(batch.max(1)) {
            let probs = to_host(softmax(model.forward(self.of(chunk)), 1))?;
            probabilities.extend(probs.chunks(classes).map(<[f32]>::to_vec));
        }
        Ok(probabilities)
    }
}
