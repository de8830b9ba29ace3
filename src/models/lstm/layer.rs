//! [`FusedBiLstm`]: one bidirectional LSTM layer in PyTorch's parameter layout (gates i, f, g, o;
//! per direction W_ih [4H, I], W_hh [4H, H], b_ih, b_hh; direction 0 forward in time, 1
//! reverse), batch-first. Forward is one input-projection matmul for all steps and both
//! directions, then the fused recurrence ([`super::bilstm`]).

use super::bilstm;
use crate::error::{Error, Result};
use burn::module::{Module, Param};
use burn::nn::{BiLstm, GateController, Initializer, Linear, Lstm};
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct FusedBiLstm {
    /// [2, 4H, I]: input weights of the forward and the reverse direction.
    pub weight_ih: Param<Tensor<3>>,
    /// [2, 4H, H]: recurrent weights.
    pub weight_hh: Param<Tensor<3>>,
    /// [2, 4H]
    pub bias_ih: Param<Tensor<2>>,
    /// [2, 4H]
    pub bias_hh: Param<Tensor<2>>,
}

impl FusedBiLstm {
    /// PyTorch's initialisation: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)].
    pub fn new(d_input: usize, d_hidden: usize, device: &Device) -> FusedBiLstm {
        let k = 1.0 / (d_hidden as f64).sqrt();
        let init = Initializer::Uniform { min: -k, max: k };
        let g = 4 * d_hidden;
        FusedBiLstm {
            weight_ih: init.init([2, g, d_input], device),
            weight_hh: init.init([2, g, d_hidden], device),
            bias_ih: init.init([2, g], device),
            bias_hh: init.init([2, g], device),
        }
    }

    /// Hidden units per direction.
    pub fn hidden(&self) -> usize {
        self.weight_hh.dims()[2]
    }

    /// Hidden states [B, T, 2H] (forward direction first) for x [B, T, I], from h = c = 0.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, i] = x.dims();
        let [_, g, h] = self.weight_hh.dims();
        let w_ih = self.weight_ih.val().reshape([2 * g, i]);
        let bias = (self.bias_ih.val() + self.bias_hh.val()).reshape([1, 2 * g]);
        let xproj = x.reshape([b * t, i]).matmul(w_ih.transpose()) + bias;
        bilstm(xproj.reshape([b, t, 2, g]), self.weight_hh.val()).reshape([b, t, 2 * h])
    }

    /// The same layer as Burn's `BiLstm` (per-gate `Linear`s, weights [in, out]); fails for a
    /// BiLstm without biases or with a coupled input-forget gate.
    pub fn from_burn(lstm: &BiLstm) -> Result<FusedBiLstm> {
        let forward = gates(&lstm.forward)?;
        let reverse = gates(&lstm.reverse)?;
        let stack = |pick: fn(&GateParams) -> Tensor<2>| {
            Param::from_tensor(Tensor::stack::<3>(vec![pick(&forward), pick(&reverse)], 0).detach())
        };
        let stack_bias = |pick: fn(&GateParams) -> Tensor<1>| {
            Param::from_tensor(Tensor::stack::<2>(vec![pick(&forward), pick(&reverse)], 0).detach())
        };
        Ok(FusedBiLstm {
            weight_ih: stack(|p| p.weight_ih.clone()),
            weight_hh: stack(|p| p.weight_hh.clone()),
            bias_ih: stack_bias(|p| p.bias_ih.clone()),
            bias_hh: stack_bias(|p| p.bias_hh.clone()),
        })
    }
}

/// One direction's parameters in PyTorch's layout.
struct GateParams {
    weight_ih: Tensor<2>,
    weight_hh: Tensor<2>,
    bias_ih: Tensor<1>,
    bias_hh: Tensor<1>,
}

/// A gate's input (x) or hidden (h) `Linear`.
fn transform(gate: &GateController, input: bool) -> &Linear {
    if input {
        &gate.input_transform
    } else {
        &gate.hidden_transform
    }
}

fn gates(lstm: &Lstm) -> Result<GateParams> {
    let unsupported = |what: &str| Error::Config(format!("fused BiLSTM: Burn LSTM {what} has no fused equivalent"));
    let forget = lstm
        .forget_gate
        .as_ref()
        .ok_or_else(|| unsupported("with a coupled input-forget gate"))?;
    let order: [&GateController; 4] = [&lstm.input_gate, forget, &lstm.cell_gate, &lstm.output_gate];
    let bias = |gate: &GateController, input: bool| {
        transform(gate, input)
            .bias
            .as_ref()
            .map(|b| b.val())
            .ok_or_else(|| unsupported("without biases"))
    };
    let mut bias_ih = Vec::with_capacity(4);
    let mut bias_hh = Vec::with_capacity(4);
    for gate in order {
        bias_ih.push(bias(gate, true)?);
        bias_hh.push(bias(gate, false)?);
    }
    // Burn's Linear weights are [in, out]; PyTorch's rows are output units.
    let weights = |input: bool| {
        let parts = order
            .iter()
            .map(|gate| transform(gate, input).weight.val().transpose())
            .collect();
        Tensor::cat(parts, 0)
    };
    Ok(GateParams {
        weight_ih: weights(true),
        weight_hh: weights(false),
        bias_ih: Tensor::cat(bias_ih, 0),
        bias_hh: Tensor::cat(bias_hh, 0),
    })
}
