// bindings.wgsl: the binding layout every kernel in shaders/ shares; the launcher
// (src/gpu/kernel.rs) prepends this file to each kernel's source.
//   0 input  f32 tensor the kernel reads (Burn's own buffer, on the model's device)
//   1 out    f32 tensor the kernel writes (allocated by the launcher)
//   2 params u32 array: the kernel's shape numbers and tables (f32 as bits)
// All read_write: Burn tensors are sub-allocations of shared wgpu buffers, and one buffer may
// not be bound read-only and read-write in the same dispatch.

@group(0) @binding(0) var<storage, read_write> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<u32>;

