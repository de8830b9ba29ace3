//! `emovox import-weights`: a PyTorch state dict -> Burn weights (burnpack), checked tensor by
//! tensor, with no Python or libtorch.

use anyhow::Result;
use clap::{Args, ValueEnum};
use emovox::gpu::Compute;
use emovox::models::import::{IMAGENET_CLASSES, import_resnet34};
use emovox::run::save_module;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum Arch {
    /// torchvision ResNet34 (e.g. resnet34-b627a593.pth, ImageNet).
    Resnet34,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The PyTorch state dict (.pth / .pt; f32 or f16).
    file: PathBuf,
    /// Architecture of the state dict.
    #[arg(long, value_enum, default_value = "resnet34")]
    arch: Arch,
    /// Where to write the Burn weights.
    #[arg(long, default_value = "weights/resnet34-imagenet.bpk")]
    out: PathBuf,
}

pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let device = Compute::cpu().device;
    let model = match args.arch {
        Arch::Resnet34 => import_resnet34(&args.file, IMAGENET_CLASSES, &device)?,
    };
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    save_module(&args.out, &model)?;
    println!(
        "imported {} -> {} ({} parameters, every tensor mapped)",
        args.file.display(),
        args.out.display(),
        burn::module::Module::num_params(&model)
    );
    println!(
        "use it with: emovox train --model resnet34 --pretrained {} ...",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
