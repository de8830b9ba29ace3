//! Two stacked bidirectional LSTMs over log-mel frames, mean-pooled over time, dropout, and a
//! linear head. Input [batch, frames, n_mels] (normalised); output logits [batch, classes].

use burn::module::Module;
use burn::nn::{BiLstm, BiLstmConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct BiLstmNet {
    pub lstm1: BiLstm,
    pub lstm2: BiLstm,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl BiLstmNet {
    pub fn new(n_mels: usize, hidden: usize, dropout: f64, classes: usize, device: &Device) -> Self {
        BiLstmNet {
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
        let pooled: Tensor<2> = h.mean_dim(1).squeeze_dim(1);
        self.fc.forward(self.dropout.forward(pooled))
    }
}
