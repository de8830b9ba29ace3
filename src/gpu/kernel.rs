//! Runs the WGSL kernels of `shaders/` on a Burn tensor's own wgpu buffer.
//!
//! Every kernel has the same binding layout, declared once in `shaders/bindings.wgsl` and
//! prepended to each kernel: 0 = input tensor (read), 1 = output tensor (written), 2 = a small
//! u32 parameter buffer (shape numbers, f32 tables as bits). So one
//! backend extension, [`WgslOps::wgsl_launch`], serves all of them: it allocates the output
//! on the input's device and dispatches the kernel with no host round trip. With fusion on,
//! the launch is recorded lazily like any other Burn op.

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
    Compress,
    Mfcc,
    Warp,
    Mask,
    Mixup,
}

/// Every kernel's source starts with the shared binding layout.
macro_rules! kernel_source {
    ($file:literal) => {
        concat!(
            include_str!("../../shaders/bindings.wgsl"),
            include_str!(concat!("../../shaders/", $file))
        )
    };
}

impl Shader {
    fn source(self) -> &'static str {
        match self {
            Shader::Stft => kernel_source!("stft.wgsl"),
            Shader::Mel => kernel_source!("mel.wgsl"),
            Shader::Compress => kernel_source!("compress.wgsl"),
            Shader::Mfcc => kernel_source!("mfcc.wgsl"),
            Shader::Warp => kernel_source!("warp.wgsl"),
            Shader::Mask => kernel_source!("mask.wgsl"),
            Shader::Mixup => kernel_source!("mixup.wgsl"),
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

struct WgslSource {
    shader: Shader,
    constants: Vec<(&'static str, u32)>,
}

impl KernelSource for WgslSource {
    fn source(&self) -> SourceTemplate {
        self.constants.iter().fold(
            SourceTemplate::new(self.shader.source()).register("wg", WORKGROUP.to_string()),
            |t, (name, value)| t.register(*name, value.to_string()),
        )
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.shader, self.constants.clone()))
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

impl WgslOps for CubeBackend {
    fn wgsl_launch(input: FloatTensor<Self>, launch: Launch) -> FloatTensor<Self> {
        let input = into_contiguous(input);
        let client = input.client.clone();
        let numel: usize = launch.out_shape.iter().product();
        let handle = client.empty(numel.max(1) * std::mem::size_of::<f32>());
        let output = CubeTensor::new_contiguous(
            client.clone(),
            input.device.clone(),
            Shape::from(launch.out_shape.clone()),
            handle,
            DType::F32,
        );
        let params = client.create_from_slice(bytemuck::cast_slice(&launch.params));
        let kernel = SourceKernel::new(
            WgslSource {
                shader: launch.shader,
                constants: launch.constants.clone(),
            },
            CubeDim::new_1d(WORKGROUP),
        );
        let [x, y, z] = launch.grid;
        client.launch(
            Box::new(kernel),
            CubeCount::Static(x, y, z),
            KernelArguments::new().with_buffers(vec![
                input.handle.clone().binding(),
                output.handle.clone().binding(),
                params.binding(),
            ]),
        );
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
