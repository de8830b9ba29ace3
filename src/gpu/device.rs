//! Chooses where tensors live. The wgpu device is created once per process through Burn, and
//! Burn hands back the adapter it opened, so the kernels and the models share one device and
//! one queue. Software adapters (lavapipe, SwiftShader, WARP) are reported as such: `auto`
//! never trains on them, and an explicit `gpu` choice says so.

use crate::error::{Error, Result};
use burn::backend::DispatchDevice;
use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The user's device choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// wgpu on a hardware GPU if one exists, else the CPU.
    Auto,
    /// The wgpu device (Vulkan, Metal or DX12), even a software one.
    Gpu,
    /// Burn's flex CPU backend.
    Cpu,
}

/// What a run or benchmark records about its device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// `wgpu` or `flex`.
    pub backend: String,
    /// Adapter name (`NVIDIA H100`, `llvmpipe (LLVM 15.0.6, 256 bits)`) or `cpu`.
    pub adapter: String,
    /// wgpu device type (`DiscreteGpu`, `IntegratedGpu`, `Cpu`, ...) or `Cpu`.
    pub device_type: String,
    /// Graphics API (`Vulkan`, `Metal`, `Dx12`) or empty for flex.
    pub api: String,
    /// True for a software rasteriser posing as a GPU.
    pub software: bool,
    /// CPU threads available (flex uses them all).
    pub cpu_threads: usize,
}

impl DeviceInfo {
    /// One line for logs: `wgpu: NVIDIA H100 (DiscreteGpu, Vulkan)`.
    pub fn describe(&self) -> String {
        if self.backend == "wgpu" {
            let soft = if self.software {
                ", software: far too slow to train"
            } else {
                ""
            };
            format!("wgpu: {} ({}, {}{soft})", self.adapter, self.device_type, self.api)
        } else {
            format!("flex CPU backend ({} threads)", self.cpu_threads)
        }
    }
}

/// A Burn device plus what it is.
#[derive(Debug, Clone)]
pub struct Compute {
    pub device: Device,
    pub info: DeviceInfo,
}

fn cpu_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn adapter_info(info: &wgpu::AdapterInfo) -> DeviceInfo {
    DeviceInfo {
        backend: "wgpu".into(),
        adapter: info.name.clone(),
        device_type: format!("{:?}", info.device_type),
        api: format!("{:?}", info.backend),
        software: info.device_type == wgpu::DeviceType::Cpu,
        cpu_threads: cpu_threads(),
    }
}

impl Compute {
    /// Burn's flex CPU backend.
    pub fn cpu() -> Compute {
        Compute {
            device: Device::flex(),
            info: DeviceInfo {
                backend: "flex".into(),
                adapter: "cpu".into(),
                device_type: "Cpu".into(),
                api: String::new(),
                software: false,
                cpu_threads: cpu_threads(),
            },
        }
    }

    /// The process's wgpu device (created on first use, then shared).
    pub fn wgpu() -> Result<Compute> {
        static WGPU: OnceLock<std::result::Result<Compute, String>> = OnceLock::new();
        WGPU.get_or_init(|| {
            // Only Vulkan, Metal or DX12, hardware first: left to itself Burn falls back to
            // OpenGL, where the front end's kernels measured 1.6 dB off their reference.
            let best = primary_adapters()
                .into_iter()
                .min_by_key(|a| a.device_type == wgpu::DeviceType::Cpu);
            let api = match best.map(|a| a.backend) {
                Some(wgpu::Backend::Vulkan) => WgpuBackend::Vulkan,
                Some(wgpu::Backend::Metal) => WgpuBackend::Metal,
                Some(wgpu::Backend::Dx12) => WgpuBackend::Dx12,
                _ => {
                    return Err("no Vulkan, Metal or DX12 adapter (install a driver; without a GPU, \
                                Mesa's lavapipe from mesa-vulkan-drivers is a software one)"
                        .to_string());
                }
            };
            let (device, setup) = Device::wgpu_options()
                .graphics_api(api)
                .init_with_setup()
                .map_err(|e| format!("no usable wgpu adapter: {e}"))?;
            Ok(Compute {
                device,
                info: adapter_info(&setup.adapter.get_info()),
            })
        })
        .clone()
        .map_err(Error::Gpu)
    }

    /// Resolves a user choice. `auto` takes the wgpu device only if it is a hardware GPU.
    pub fn select(choice: DeviceChoice) -> Result<Compute> {
        match choice {
            DeviceChoice::Cpu => Ok(Compute::cpu()),
            DeviceChoice::Gpu => Compute::wgpu(),
            DeviceChoice::Auto => Ok(match Compute::wgpu() {
                Ok(gpu) if !gpu.info.software => gpu,
                _ => Compute::cpu(),
            }),
        }
    }

    /// True when tensors live on the wgpu device (so the WGSL kernels apply).
    pub fn is_wgpu(&self) -> bool {
        is_wgpu(&self.device)
    }
}

/// True if `device` (with or without autodiff) is a wgpu device.
pub fn is_wgpu(device: &Device) -> bool {
    matches!(device.clone().inner().as_dispatch(), DispatchDevice::Cube(_))
}

/// Every Vulkan, Metal or DX12 adapter wgpu can see, in wgpu's order.
fn primary_adapters() -> Vec<wgpu::AdapterInfo> {
    let backends = wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12;
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    pollster::block_on(instance.enumerate_adapters(backends))
        .iter()
        .map(wgpu::Adapter::get_info)
        .collect()
}

/// Every adapter the wgpu device can come up on, for `emovox info`.
pub fn list_adapters() -> Vec<DeviceInfo> {
    primary_adapters().iter().map(adapter_info).collect()
}

/// Reads a float tensor back to host memory (the one place emovox copies device data to the
/// CPU: final predictions, reports, and the CPU reference paths).
pub fn to_host<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    tensor
        .try_into_vec_as::<f32>()
        .map_err(|e| Error::Gpu(format!("reading a tensor back: {e}")))
}
