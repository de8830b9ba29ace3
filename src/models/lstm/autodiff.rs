//! The fused BiLSTM under autodiff: [`LstmOps::bilstm`] is one tracked op with two parents
//! (xproj and w_hh) and a hand-written backward pass. Forward runs the recurrence kernel once and
//! keeps its state (h, c and the gate activations of every step); backward runs the BPTT kernel
//! once for the gate gradients dZ [B, T, 2, 4H], which are xproj's gradient, and forms
//! dW_hh[d] = sum over (b, t) of dZ[b, t, d]^T h_prev[b, t, d] as one batched matmul, where
//! h_prev is h one step earlier in that direction's walk (zero at its first step).
//! The raw kernels pass through untracked.

use super::{LstmDims, LstmOps};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{AutodiffBackend, Backend, Shape, Slice, TensorMetadata, tensor::FloatTensor};

/// h_prev [B, T, 2, H] of every step: h shifted one step along each direction's walk.
fn previous_hidden<B: Backend>(dims: &LstmDims, state: FloatTensor<B>) -> FloatTensor<B> {
    let (b, t, h) = (dims.b, dims.t, dims.h);
    let hidden = |d: usize, steps: std::ops::Range<usize>| {
        B::float_slice(
            state.clone(),
            &[
                Slice::from(0..b),
                Slice::from(steps),
                Slice::from(d..d + 1),
                Slice::from(0..h),
            ],
        )
    };
    let zeros = || B::float_zeros(Shape::from(vec![b, 1, 1, h]), &state.device(), state.dtype().into());
    let (forward, reverse) = if t == 1 {
        (zeros(), zeros())
    } else {
        (
            B::float_cat(vec![zeros(), hidden(0, 0..t - 1)], 1),
            B::float_cat(vec![hidden(1, 1..t), zeros()], 1),
        )
    };
    B::float_cat(vec![forward, reverse], 2)
}

/// dW_hh [2, 4H, H] from the state and the gate gradients dZ [B, T, 2, 4H].
fn recurrent_weight_grad<B: Backend>(dims: &LstmDims, state: FloatTensor<B>, dgates: FloatTensor<B>) -> FloatTensor<B> {
    let rows = dims.b * dims.t;
    let h_prev = B::float_reshape(previous_hidden::<B>(dims, state), Shape::from(vec![rows, 2, dims.h]));
    let h_prev = B::float_swap_dims(h_prev, 0, 1); // [2, BT, H]
    let dz = B::float_reshape(dgates, Shape::from(vec![rows, 2, dims.gates()]));
    let dz = B::float_swap_dims(B::float_swap_dims(dz, 0, 1), 1, 2); // [2, 4H, BT]
    B::float_matmul(dz, h_prev)
}

#[derive(Debug)]
struct BiLstmBackward;

impl<B: Backend + LstmOps> Backward<B, 2> for BiLstmBackward {
    /// The forward state [B, T, 2, 6H] and w_hh.
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let (state, w_hh) = ops.state;
        let [xproj_node, w_hh_node] = ops.parents;
        let dh = grads.consume::<B>(&ops.node);
        let dims = LstmDims {
            b: state.shape()[0],
            t: state.shape()[1],
            h: w_hh.shape()[2],
        };
        let dgates = B::lstm_backward(state.clone(), dh, w_hh);
        if let Some(node) = w_hh_node {
            grads.register::<B>(node.id, recurrent_weight_grad::<B>(&dims, state, dgates.clone()));
        }
        if let Some(node) = xproj_node {
            grads.register::<B>(node.id, dgates);
        }
    }
}

impl<B: Backend + LstmOps, C: CheckpointStrategy> LstmOps for Autodiff<B, C> {
    fn lstm_forward(xproj: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::lstm_forward(Self::inner(xproj), Self::inner(w_hh)))
    }

    fn lstm_backward(state: FloatTensor<Self>, dh: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::lstm_backward(Self::inner(state), Self::inner(dh), Self::inner(w_hh)))
    }

    fn bilstm(xproj: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self> {
        let dims = LstmDims::of(&xproj.shape(), &w_hh.shape());
        let parents = [xproj.node(), w_hh.node()];
        let w_hh = w_hh.into_primitive();
        let state = B::lstm_forward(xproj.into_primitive(), w_hh.clone());
        let hidden = B::float_slice(state.clone(), &dims.hidden_slices());
        match BiLstmBackward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((state, w_hh), hidden),
            OpsKind::UnTracked(prep) => prep.finish(hidden),
        }
    }
}
