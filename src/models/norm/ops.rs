//! The batch-statistics BatchNorm as a Burn backend extension: the forward pass (output,
//! batch mean and biased variance per channel) and its backward pass (gradients of the input,
//! gamma and beta), both defaulting to Burn's `batch_norm_train` ops.

use burn::backend::wgpu::CubeBackend;
use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::BatchNorm;
use burn::tensor::Tensor;

/// BatchNorm over x [B, C, ...] with the batch's statistics.
#[backend_extension(Autodiff, Cube, Fusion, Flex)]
pub trait BatchNormOps: Backend {
    /// (output, mean [C], biased variance [C]) of x with gamma, beta [C].
    #[fusion(default)]
    fn norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let r = Self::batch_norm_train(x, gamma, beta, epsilon);
        (r.output, r.mean, r.variance)
    }

    /// (dx, dgamma, dbeta) from the output's gradient dy and the forward pass's statistics.
    #[fusion(default)]
    fn norm_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let r = Self::batch_norm_train_backward(x, gamma, mean, variance, epsilon, dy);
        (r.x_grad, r.gamma_grad, r.beta_grad)
    }
}

/// On the wgpu device BatchNorm stays Burn's.
impl BatchNormOps for CubeBackend {}

/// `bn`'s forward pass on x [B, C, H, W]: in training (an autodiff device and the layer not
/// frozen) with the batch's statistics through [`BatchNormOps`], updating the running
/// statistics as Burn's layer does; otherwise Burn's own pass with the running statistics.
pub fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    if !(x.device().is_autodiff() && bn.training.is_enabled()) {
        return bn.forward(x);
    }
    let device = x.device();
    let (y, mean, variance) = <Dispatch as BatchNormOps>::norm_train(
        x.into_dispatch(),
        bn.gamma.val().into_dispatch(),
        bn.beta.val().into_dispatch(),
        bn.epsilon,
    );
    let (mean, variance) = (Tensor::<1>::from_dispatch(mean), Tensor::<1>::from_dispatch(variance));
    let m = bn.momentum;
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let running_mean = running_mean.mul_scalar(1.0 - m).add(mean.detach().mul_scalar(m));
    let running_var = running_var.mul_scalar(1.0 - m).add(variance.detach().mul_scalar(m));
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    Tensor::from_dispatch(y)
}
