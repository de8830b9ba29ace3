//! The recurrence of a bidirectional LSTM layer as a Burn backend extension ([`LstmOps`]:
//! forward state, back-propagation-through-time gate gradients, the differentiable layer
//! output) and its sizes ([`LstmDims`]); implemented per backend in the sibling modules.

use burn::backend::{Backend, Dispatch, Shape, Slice, backend_extension, tensor::FloatTensor};
use burn::tensor::Tensor;

/// Sizes of one recurrence: batch, time steps, hidden units per direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmDims {
    pub b: usize,
    pub t: usize,
    pub h: usize,
}

impl LstmDims {
    /// From xproj [B, T, 2, 4H] and w_hh [2, 4H, H].
    pub fn of(xproj: &Shape, w_hh: &Shape) -> LstmDims {
        assert!(
            xproj.num_dims() == 4 && w_hh.num_dims() == 3 && xproj[2] == 2 && w_hh[0] == 2,
            "fused BiLSTM: xproj must be [B, T, 2, 4H] and w_hh [2, 4H, H], got {xproj:?} and {w_hh:?}"
        );
        let h = w_hh[2];
        assert!(
            xproj[3] == 4 * h && w_hh[1] == 4 * h,
            "fused BiLSTM: gate width of {xproj:?} / {w_hh:?} is not 4 x hidden {h}"
        );
        LstmDims {
            b: xproj[0],
            t: xproj[1],
            h,
        }
    }

    /// Gates per direction (4H).
    pub fn gates(&self) -> usize {
        4 * self.h
    }

    /// The saved state [B, T, 2, 6H]: h, c, i, f, g, o per step and direction.
    pub fn state_shape(&self) -> Shape {
        Shape::from(vec![self.b, self.t, 2, 6 * self.h])
    }

    /// Gate gradients [B, T, 2, 4H].
    pub fn gates_shape(&self) -> Shape {
        Shape::from(vec![self.b, self.t, 2, self.gates()])
    }

    /// Slices of the state that hold h: [B, T, 2, H].
    pub fn hidden_slices(&self) -> [Slice; 4] {
        [
            Slice::from(0..self.b),
            Slice::from(0..self.t),
            Slice::from(0..2),
            Slice::from(0..self.h),
        ]
    }
}

fn state_shape(xproj: &Shape, w_hh: &Shape) -> Shape {
    LstmDims::of(xproj, w_hh).state_shape()
}

fn gates_shape(state: &Shape, w_hh: &Shape) -> Shape {
    let h = w_hh[2];
    Shape::from(vec![state[0], state[1], 2, 4 * h])
}

/// The recurrence of a bidirectional LSTM layer as a backend extension. Direction 0 walks
/// t = 0..T-1 and direction 1 t = T-1..0, both from h = c = 0.
#[backend_extension(Autodiff, Cube, Fusion, Flex)]
pub trait LstmOps: Backend {
    /// The state [B, T, 2, 6H] (h, c, i, f, g, o) for xproj [B, T, 2, 4H] and w_hh [2, 4H, H].
    #[fusion(dtype = xproj, shape = state_shape(xproj, w_hh))]
    fn lstm_forward(xproj: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Gate pre-activation gradients [B, T, 2, 4H] from the state and the output gradient dh
    /// [B, T, 2, H] (back-propagation through time).
    #[fusion(dtype = state, shape = gates_shape(state, w_hh))]
    fn lstm_backward(state: FloatTensor<Self>, dh: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self>;

    /// The layer output h [B, T, 2, H]; differentiable (xproj and w_hh) under autodiff.
    #[fusion(default)]
    fn bilstm(xproj: FloatTensor<Self>, w_hh: FloatTensor<Self>) -> FloatTensor<Self> {
        use burn::backend::TensorMetadata;
        let dims = LstmDims::of(&xproj.shape(), &w_hh.shape());
        Self::float_slice(Self::lstm_forward(xproj, w_hh), &dims.hidden_slices())
    }
}

/// Hidden states [B, T, 2, H] of a bidirectional LSTM layer, on whichever device the tensors
/// live (gradients flow to both inputs under autodiff).
pub fn bilstm(xproj: Tensor<4>, w_hh: Tensor<3>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as LstmOps>::bilstm(
        xproj.into_dispatch(),
        w_hh.into_dispatch(),
    ))
}

/// The raw forward kernel (no autodiff): the state [B, T, 2, 6H]. For tests and benchmarks.
pub fn forward_state(xproj: Tensor<4>, w_hh: Tensor<3>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as LstmOps>::lstm_forward(
        xproj.into_dispatch(),
        w_hh.into_dispatch(),
    ))
}

/// The raw backward kernel (no autodiff): gate gradients [B, T, 2, 4H]. For tests.
pub fn backward_gates(state: Tensor<4>, dh: Tensor<4>, w_hh: Tensor<3>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as LstmOps>::lstm_backward(
        state.into_dispatch(),
        dh.into_dispatch(),
        w_hh.into_dispatch(),
    ))
}
