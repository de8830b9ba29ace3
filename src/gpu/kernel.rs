//! Runs the WGSL kernels of `shaders/` on a Burn tensor's own wgpu buffer.
//!
//! The front-end kernels share one binding layout, declared once in `shaders/bindings.wgsl` and
//! prepended to each kernel: 0 = input tensor (read), 1 = output tensor (written), 2 = a small
//! u32 parameter buffer (shape numbers, f32 tables as bits). So one
//! backend extension, [`WgslOps::wgsl_launch`], serves all of them: it allocates the output
//! on the input's device and dispatches the kernel with no host round trip. With fusion on,
//! the launch is recorded lazily like any other Burn op.
//!
//! Kernels with more tensors (the fused LSTM) declare their own bindings and go through the
//! same [`dispatch`]: N tensors bound in order, then an optional parameter buffer.

use burn::backend::wgpu::{CubeBackend, CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeCount, CubeDim};
use burn::tensor::{DType, Shape, Tensor, TensorData};

/// Invocations per workgroup of every kernel (the `{{ wg }}` template value).
pub const WORKGROUP: u32 = 256;

/// The kernels in `shaders/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shader {
    Stft,
    Mel,
    Dereverb,
    Compress,
    Mfcc,
    Warp,
    Mask,
    Mixup,
    /// The fused BiLSTM recurrence (own bindings).
    LstmForward,
    /// Its back-propagation through time (own bindings).
    LstmBackward,
}

/// A front-end kernel's source starts with the shared binding layout; the LSTM kernels declare
/// their own bindings and start with their shared constants and math (`lstm_common.wgsl`).
macro_rules! kernel_source {
    ($file:literal) => {
        concat!(
            include_str!("../../shaders/bindings.wgsl"),
            include_str!(concat!("../../shaders/", $file))
        )
    };
    (lstm $file:literal) => {
        concat!(
            include_str!("../../shaders/lstm_common.wgsl"),
            include_str!(concat!("../../shaders/", $file))
        )
    };
}

impl Shader {
    fn source(self) -> &'static str {
        match self {
            Shader::Stft => kernel_source!("stft.wgsl"),
            Shader::Mel => kernel_source!("mel.wgsl"),
            Shader::Dereverb => kernel_source!("dereverb.wgsl"),
            Shader::Compress => kernel_source!("compress.wgsl"),
            Shader::Mfcc => kernel_source!("mfcc.wgsl"),
            Shader::Warp => kernel_source!("warp.wgsl"),
            Shader::Mask => kernel_source!("mask.wgsl"),
            Shader::Mixup => kernel_source!("mixup.wgsl"),
            Shader::LstmForward => kernel_source!(lstm "lstm_forward.wgsl"),
            Shader::LstmBackward => kernel_source!(lstm "lstm_backward.wgsl"),
        }
    }
}

/// One kernel dispatch: which shader, its compile-time constants, its parameter buffer,
/// the output shape and the workgroup grid.
#[derive(Debug, Clone)]
pub struct Launch {
    pub shader: Shader,
    /// Template values besides `wg` (e.g. `("n", 1024)` for the FFT size).
    pub constants: Vec<(&'static str, u32)>,
    pub params: Vec<u32>,
    pub out_shape: Vec<usize>,
    pub grid: [u32; 3],
}

/// Number of workgroups covering `n` invocations.
pub fn groups(n: usize) -> u32 {
    n.div_ceil(WORKGROUP as usize) as u32
}

/// f32 values as the u32 bit patterns the kernels `bitcast` back.
pub fn f32_bits(values: &[f32]) -> impl Iterator<Item = u32> + '_ {
    values.iter().map(|v| v.to_bits())
}

/// A compiled kernel: shader, template constants and invocations per workgroup (`{{ wg }}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kernel {
    pub shader: Shader,
    pub constants: Vec<(&'static str, u32)>,
    pub workgroup: u32,
}

impl KernelSource for Kernel {
    fn source(&self) -> SourceTemplate {
        self.constants.iter().fold(
            SourceTemplate::new(self.shader.source()).register("wg", self.workgroup.to_string()),
            |t, (name, value)| t.register(*name, value.to_string()),
        )
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(self.clone())
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

fn launch_shape(launch: &Launch) -> Shape {
    Shape::from(launch.out_shape.clone())
}

/// The backend extension behind [`run`].
#[backend_extension(Cube, Fusion)]
pub trait WgslOps: Backend {
    #[fusion(dtype = input, shape = launch_shape(launch))]
    fn wgsl_launch(input: FloatTensor<Self>, launch: Launch) -> FloatTensor<Self>;
}

/// A new contiguous f32 tensor of `shape` on `like`'s device (contents undefined).
pub fn empty_like(like: &CubeTensor, shape: Shape) -> CubeTensor {
    let handle = like
        .client
        .empty(shape.num_elements().max(1) * std::mem::size_of::<f32>());
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape, handle, DType::F32)
}

/// Launches `kernel` over `grid` workgroups, binding `tensors` (contiguous) in order and then,
/// if given, `params` as a u32 storage buffer.
pub fn dispatch(kernel: Kernel, grid: [u32; 3], tensors: &[&CubeTensor], params: Option<&[u32]>) {
    let client = tensors
        .first()
        .expect("a kernel binds at least one tensor")
        .client
        .clone();
    let mut buffers: Vec<_> = tensors.iter().map(|t| t.handle.clone().binding()).collect();
    if let Some(params) = params {
        buffers.push(client.create_from_slice(bytemuck::cast_slice(params)).binding());
    }
    let cube_dim = CubeDim::new_1d(kernel.workgroup);
    let [x, y, z] = grid;
    client.launch(
        Box::new(SourceKernel::new(kernel, cube_dim)),
        CubeCount::Static(x, y, z),
        KernelArguments::new().with_buffers(buffers),
    );
}

impl WgslOps for CubeBackend {
    fn wgsl_launch(input: FloatTensor<Self>, launch: Launch) -> FloatTensor<Self> {
        let input = into_contiguous(input);
        let output = empty_like(&input, Shape::from(launch.out_shape.clone()));
        let kernel = Kernel {
            shader: launch.shader,
            constants: launch.constants,
            workgroup: WORKGROUP,
        };
        dispatch(kernel, launch.grid, &[&input, &output], Some(&launch.params));
        output
    }
}

/// Runs `launch` on the wgpu device, or elsewhere (the CPU backend) its CPU reference `cpu`
/// on a host copy of the input; either way the result has `launch.out_shape` and lives on
/// the input's device.
pub fn run_or_cpu<const D: usize, const E: usize>(
    input: Tensor<D>,
    launch: Launch,
    cpu: impl FnOnce(&[f32]) -> Vec<f32>,
) -> Tensor<E> {
    let device = input.device();
    if crate::gpu::device::is_wgpu(&device) {
        return run(input, launch);
    }
    let host = input
        .try_into_vec_as::<f32>()
        .expect("a CPU-backend tensor reads back synchronously");
    Tensor::from_data(TensorData::new(cpu(&host), launch.out_shape.clone()), &device)
}

/// Runs one kernel on a tensor that lives on the wgpu device; the result stays there.
pub fn run<const D: usize, const E: usize>(input: Tensor<D>, launch: Launch) -> Tensor<E> {
    debug_assert_eq!(launch.out_shape.len(), E);
    Tensor::from_dispatch(<Dispatch as WgslOps>::wgsl_launch(input.into_dispatch(), launch))
}
