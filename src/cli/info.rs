//! `emovox info`: version, adapters, and the device `auto` picks.

use super::options::print_json;
use anyhow::Result;
use clap::Args;
use emovox::gpu::device::{Compute, DeviceChoice, DeviceInfo, list_adapters};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Args)]
pub struct InfoArgs {
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Info {
    version: &'static str,
    adapters: Vec<DeviceInfo>,
    auto_device: DeviceInfo,
}

pub fn run(args: InfoArgs) -> Result<ExitCode> {
    let info = Info {
        version: env!("CARGO_PKG_VERSION"),
        adapters: list_adapters(),
        auto_device: Compute::select(DeviceChoice::Auto)?.info,
    };
    if args.json {
        print_json(&info)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("emovox {}", info.version);
    if info.adapters.is_empty() {
        println!("no wgpu adapters found (install a Vulkan, Metal or DX12 driver for GPU work)");
    } else {
        println!("wgpu adapters:");
        for a in &info.adapters {
            let soft = if a.software { "  [software]" } else { "" };
            println!("  {} ({}, {}){soft}", a.adapter, a.device_type, a.api);
        }
    }
    println!("--device auto uses: {}", info.auto_device.describe());
    Ok(ExitCode::SUCCESS)
}
