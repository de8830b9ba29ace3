//! Two stacked bidirectional LSTMs over log-mel frames, mean-pooled over time, dropout, and a
//! linear head. Input [batch, frames, n_mels] (normalised); output logits [batch, classes].
//! [`BiLstmNet`] uses emovox's fused layer ([`super::lstm::FusedBiLstm`]); [`BurnBiLstmNet`]
//! is the same network on Burn's own `BiLstm` (the layout of checkpoints written before the
//! fused layer, converted by [`BurnBiLstmNet::into_fused`], and the baseline `bench train`
//! times).

use super::lstm::FusedBiLstm;
use crate::error::Result;
use burn::module::Module;
use burn::nn::{BiLstm, BiLstmConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct BiLstmNet {
    pub lstm1: FusedBiLstm,
    pub lstm2: FusedBiLstm,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl BiLstmNet {
    pub fn new(n_mels: usize, hidden: usize, dropout: f64, classes: usize, device: &Device) -> Self {
        BiLstmNet {
            lstm1: FusedBiLstm::new(n_mels, hidden, device),
            lstm2: FusedBiLstm::new(2 * hidden, hidden, device),
            dropout: DropoutConfig::new(dropout).init(),
            fc: LinearConfig::new(2 * hidden, classes).init(device),
        }
    }

    /// Logits [batch, classes] for frames [batch, frames, n_mels].
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let h = self.lstm1.forward(x);
        let h = self.lstm2.forward(self.dropout.forward(h));
        head(&self.dropout, &self.fc, h)
    }
}

/// Mean over time, dropout, linear: logits from hidden states [batch, frames, 2H].
fn head(dropout: &Dropout, fc: &Linear, h: Tensor<3>) -> Tensor<2> {
    let pooled: Tensor<2> = h.mean_dim(1).squeeze_dim(1);
    fc.forward(dropout.forward(pooled))
}

/// The network on Burn's `BiLstm` layers (per-gate `Linear`s).
#[derive(Module, Debug)]
pub struct BurnBiLstmNet {
    pub lstm1: BiLstm,
    pub lstm2: BiLstm,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl BurnBiLstmNet {
    pub fn new(n_mels: usize, hidden: usize, dropout: f64, classes: usize, device: &Device) -> Self {
        BurnBiLstmNet {
            lstm1: BiLstmConfig::new(n_mels, hidden, true)
                .with_batch_first(true)
                .init(device),
            lstm2: BiLstmConfig::new(2 * hidden, hidden, true)
                .with_batch_first(true)
                .init(device),
            dropout: DropoutConfig::new(dropout).init(),
            fc: LinearConfig::new(2 * hidden, classes).init(device),
        }
    }

    /// Logits [batch, classes] for frames [batch, frames, n_mels].
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let (h, _) = self.lstm1.forward(x, None);
        let (h, _) = self.lstm2.forward(self.dropout.forward(h), None);
        head(&self.dropout, &self.fc, h)
    }

    /// The same network (same weights) on the fused layer.
    pub fn into_fused(self) -> Result<BiLstmNet> {
        Ok(BiLstmNet {
            lstm1: FusedBiLstm::from_burn(&self.lstm1)?,
            lstm2: FusedBiLstm::from_burn(&self.lstm2)?,
            dropout: self.dropout,
            fc: self.fc,
        })
    }
}
