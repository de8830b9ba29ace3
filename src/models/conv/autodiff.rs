//! The convolution under autodiff: one tracked op with two parents (input and weight) that
//! keeps both for its backward pass, which asks the inner backend for each gradient that is
//! needed ([`ConvGradOps::conv_input_grad`], [`ConvGradOps::conv_weight_grad`]). The gradient
//! ops themselves pass through untracked.

use super::ConvGradOps;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{AutodiffBackend, Backend, tensor::FloatTensor};

/// The geometry of the convolution being differentiated.
#[derive(Debug)]
struct ConvBackward {
    stride: usize,
    padding: usize,
    groups: usize,
}

impl<B: Backend + ConvGradOps> Backward<B, 2> for ConvBackward {
    /// The input and the weight.
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let (x, weight) = ops.state;
        let [x_node, weight_node] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        let (s, p, g) = (self.stride, self.padding, self.groups);
        if let Some(node) = weight_node {
            let dw = B::conv_weight_grad(x.clone(), weight.clone(), dy.clone(), s, p, g);
            grads.register::<B>(node.id, dw);
        }
        if let Some(node) = x_node {
            grads.register::<B>(node.id, B::conv_input_grad(x, weight, dy, s, p, g));
        }
    }
}

impl<B: Backend + ConvGradOps, C: CheckpointStrategy> ConvGradOps for Autodiff<B, C> {
    fn conv_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        let parents = [x.node(), weight.node()];
        let (x, weight) = (x.into_primitive(), weight.into_primitive());
        let y = B::conv_forward(x.clone(), weight.clone(), stride, padding, groups);
        let backward = ConvBackward {
            stride,
            padding,
            groups,
        };
        match backward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((x, weight), y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        }
    }

    fn conv_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        let (x, weight, dy) = (Self::inner(x), Self::inner(weight), Self::inner(dy));
        Self::from_inner(B::conv_input_grad(x, weight, dy, stride, padding, groups))
    }

    fn conv_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> FloatTensor<Self> {
        let (x, weight, dy) = (Self::inner(x), Self::inner(weight), Self::inner(dy));
        Self::from_inner(B::conv_weight_grad(x, weight, dy, stride, padding, groups))
    }
}
