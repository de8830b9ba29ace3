//! `emovox reproduce`: the paper's Table 1 on both protocols, as reproduce.md.

use super::choices;
use anyhow::Result;
use clap::Args;
use emovox::gpu::DeviceChoice;
use emovox::reproduce::{self, ReproduceConfig};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ReproduceArgs {
    /// Data folders (RAVDESS and SAVEE).
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// ImageNet ResNet34 weights for rows 4 and 5 (torchvision .pth or `emovox import-weights`
    /// output); without them those rows are reported as skipped.
    #[arg(long)]
    pretrained: Option<PathBuf>,
    /// EfficientAT mn04 AudioSet weights (mn04_as_mAP_432.pt) for row 6; skipped without them.
    #[arg(long)]
    efficientat: Option<PathBuf>,
    #[arg(long, value_parser = choices::device(), default_value = "auto")]
    device: DeviceChoice,
    /// Reduced schedule that finishes on a 2-core CPU in about half an hour (says so in the table).
    #[arg(long)]
    quick: bool,
    /// Seeds of the random 90/5/5 protocol.
    #[arg(long, default_value_t = 5)]
    seeds: usize,
    /// Folds of the speaker-independent protocol.
    #[arg(long, default_value_t = 7)]
    folds: usize,
    /// Output folder (reproduce.md, reproduce.json and one run directory per row and protocol).
    #[arg(long, default_value = "runs/reproduce")]
    out: PathBuf,
}

pub fn run(args: ReproduceArgs) -> Result<ExitCode> {
    let rc = ReproduceConfig {
        data: args.data,
        pretrained: args.pretrained,
        efficientat: args.efficientat,
        device: args.device,
        quick: args.quick,
        seeds: args.seeds,
        folds: args.folds,
        out: args.out,
    };
    reproduce::run(&rc)?;
    let md = std::fs::read_to_string(rc.out.join("reproduce.md"))?;
    println!("{md}");
    Ok(ExitCode::SUCCESS)
}
