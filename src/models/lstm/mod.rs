//! emovox's fused bidirectional LSTM. One input-projection matmul covers all time steps and both
//! directions (an ordinary Burn op); the recurrence of a layer is one backend-extension op,
//! [`LstmOps`], with a WGSL kernel pair on the wgpu device ([`wgsl`]) and a plain-Rust twin on
//! flex ([`cpu`]), and a hand-written backward pass under autodiff ([`autodiff`]): one
//! back-propagation-through-time launch for the gate gradients, then `dW_hh` as one batched
//! matmul; `dW_ih`, the biases and `dx` follow from Burn's own matmul backward.
//! The layer itself (PyTorch's parameter layout) is [`layer::FusedBiLstm`].

pub mod autodiff;
pub mod cpu;
pub mod layer;
pub mod ops;
pub mod wgsl;

pub use layer::FusedBiLstm;
pub use ops::{LstmDims, LstmOps, backward_gates, bilstm, forward_state};
