//! The fused BiLSTM on the wgpu device: [`LstmOps`] for the cubecl backend launches
//! `shaders/lstm_forward.wgsl` and `shaders/lstm_backward.wgsl` on Burn's own buffers, one
//! launch per layer and pass, both directions in the grid (batch, 2).
//!
//! Each invocation runs T (H + 1) loop iterations in either kernel. Mesa's lavapipe (llvmpipe)
//! stops a shader invocation after 65535 loop iterations in all (its infinite-loop guard), so on
//! that software adapter T (H + 1) must stay below 65536: the model's T 251, H 128 runs
//! 32379. Hardware GPUs have no such limit.

use super::{LstmDims, LstmOps};
use crate::gpu::kernel::{Kernel, Shader, dispatch, empty_like};
use burn::backend::ops::FloatTensorOps;
use burn::backend::wgpu::{CubeBackend, CubeTensor, into_contiguous};
use burn::backend::{Shape, TensorMetadata};

/// Hidden sizes one workgroup can hold (an invocation per unit; lavapipe allows 1024).
pub const MAX_HIDDEN: usize = 1024;

fn kernel(shader: Shader, dims: &LstmDims) -> Kernel {
    assert!(
        dims.h <= MAX_HIDDEN,
        "fused BiLSTM on wgpu: hidden size {} exceeds {MAX_HIDDEN}",
        dims.h
    );
    Kernel {
        shader,
        constants: vec![("h", dims.h as u32), ("t", dims.t as u32)],
        workgroup: dims.h as u32,
    }
}

/// W_hh [2, 4H, H] as the kernels' vec4 table w4 [2, H, H, 4]: w4[d, k, j, q] is
/// W_hh[d, q H + j, k] for the forward kernel (`rows_first`: j indexes gate rows) and
/// W_hh[d, q H + k, j] for the backward one.
fn gate_vectors(w_hh: CubeTensor, h: usize, rows_first: bool) -> CubeTensor {
    let w = CubeBackend::float_reshape(w_hh, Shape::from(vec![2, 4, h, h]));
    let axes: [usize; 4] = if rows_first { [0, 3, 2, 1] } else { [0, 2, 3, 1] };
    into_contiguous(CubeBackend::float_permute(w, &axes))
}

fn grid(dims: &LstmDims) -> [u32; 3] {
    [dims.b as u32, 2, 1]
}

impl LstmOps for CubeBackend {
    fn lstm_forward(xproj: CubeTensor, w_hh: CubeTensor) -> CubeTensor {
        let dims = LstmDims::of(&xproj.shape(), &w_hh.shape());
        let xproj = into_contiguous(xproj);
        let w4 = gate_vectors(w_hh, dims.h, true);
        let state = empty_like(&xproj, dims.state_shape());
        if dims.b * dims.t > 0 {
            dispatch(
                kernel(Shader::LstmForward, &dims),
                grid(&dims),
                &[&xproj, &w4, &state],
                None,
            );
        }
        state
    }

    fn lstm_backward(state: CubeTensor, dh: CubeTensor, w_hh: CubeTensor) -> CubeTensor {
        let dims = LstmDims {
            b: state.shape()[0],
            t: state.shape()[1],
            h: w_hh.shape()[2],
        };
        let (state, dh) = (into_contiguous(state), into_contiguous(dh));
        let w4 = gate_vectors(w_hh, dims.h, false);
        let dgates = empty_like(&state, dims.gates_shape());
        if dims.b * dims.t > 0 {
            dispatch(
                kernel(Shader::LstmBackward, &dims),
                grid(&dims),
                &[&state, &dh, &w4, &dgates],
                None,
            );
        }
        dgates
    }
}
