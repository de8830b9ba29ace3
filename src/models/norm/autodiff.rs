//! BatchNorm under autodiff: the output is one tracked op with three parents (input, gamma,
//! beta) that keeps the input, gamma and the batch statistics for its backward pass, which
//! asks the inner backend for the gradients ([`BatchNormOps::norm_train_backward`]). The
//! statistics themselves are returned untracked (they only update the running statistics).

use super::BatchNormOps;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{AutodiffBackend, Backend, tensor::FloatTensor};

#[derive(Debug)]
struct NormBackward {
    epsilon: f64,
}

impl<B: Backend + BatchNormOps> Backward<B, 3> for NormBackward {
    /// The input, gamma, the batch mean and variance.
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let (x, gamma, mean, variance) = ops.state;
        let [x_node, gamma_node, beta_node] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        let (dx, dgamma, dbeta) = B::norm_train_backward(x, gamma, mean, variance, dy, self.epsilon);
        for (node, grad) in [(x_node, dx), (gamma_node, dgamma), (beta_node, dbeta)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

impl<B: Backend + BatchNormOps, C: CheckpointStrategy> BatchNormOps for Autodiff<B, C> {
    fn norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let parents = [x.node(), gamma.node(), beta.node()];
        let (x, gamma) = (x.into_primitive(), gamma.into_primitive());
        let (y, mean, variance) = B::norm_train(x.clone(), gamma.clone(), beta.into_primitive(), epsilon);
        let statistics = (Self::from_inner(mean.clone()), Self::from_inner(variance.clone()));
        let backward = NormBackward { epsilon };
        let y = match backward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, mean, variance), y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        };
        (y, statistics.0, statistics.1)
    }

    fn norm_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (dx, dgamma, dbeta) = B::norm_train_backward(
            Self::inner(x),
            Self::inner(gamma),
            Self::inner(mean),
            Self::inner(variance),
            Self::inner(dy),
            epsilon,
        );
        (Self::from_inner(dx), Self::from_inner(dgamma), Self::from_inner(dbeta))
    }
}
