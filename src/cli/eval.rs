//! `emovox eval`: re-scores a run or a model directory on its own test splits or on other data
//! (scored on the shared classes), or writes a robustness report.

use super::choices;
use super::options::{DeviceArgs, print_json};
use super::train::print_results;
use anyhow::Result;
use clap::Args;
use emovox::eval::{RescoreOptions, evaluate_run, robustness, robustness_held_out};
use emovox::gpu::Compute;
use emovox::models::BnAdaptation;
use emovox::predict::Predictor;
use emovox::run::{ExperimentConfig, read_json};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct EvalArgs {
    /// A run directory written by `emovox train`, or a model directory (weights/default).
    #[arg(long)]
    run: PathBuf,
    /// Where the corpora are now, if not where the run was trained (the test split's files are
    /// found by their path relative to the old folders).
    #[arg(long, num_args = 1..)]
    data: Option<Vec<PathBuf>>,
    /// Score every labelled clip found instead of each repeat's test split (e.g. another
    /// corpus), on the classes the model shares with that data.
    #[arg(long, conflicts_with = "robustness")]
    all: bool,
    /// Re-estimate each network's BatchNorm statistics before scoring, on all the clips it
    /// scores (`scored`, the default) or on each speaker's clips separately (`speaker`):
    /// test-time adaptation to a new corpus, microphone or voice. Labels are not used, but the
    /// scored clips shape the model, so report these numbers apart from plain ones.
    #[arg(
        long,
        value_parser = choices::adaptation(),
        num_args = 0..=1,
        default_missing_value = "scored",
        conflicts_with = "robustness"
    )]
    adapt_bn: Option<BnAdaptation>,
    /// Robustness report instead: labels unchanged, accuracy and UAR of --clips clips of --data
    /// (or the run's data) under gain, peak normalisation, noise, telephone band, rooms,
    /// babble, clipping, a DC offset and speed changes.
    #[arg(long)]
    robustness: bool,
    /// Score the run's repeats (e.g. the k fold models of `--protocol speaker`) as one
    /// ensemble, probabilities averaged, as `predict --ensemble` uses them: with --all on
    /// other data, or in the --robustness report.
    #[arg(long)]
    ensemble: bool,
    /// In the --robustness report, predict with each network of the run its own test split
    /// (the speakers or corpus it never heard; --clips shared out between the networks)
    /// instead of --data with the ensemble or first network.
    #[arg(long, requires = "robustness", conflicts_with_all = ["data", "ensemble"])]
    held_out: bool,
    /// Clips in the robustness report (evenly spaced over the sorted corpus).
    #[arg(long, default_value_t = 60)]
    clips: usize,
    #[command(flatten)]
    device: DeviceArgs,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn run_robustness(args: &EvalArgs) -> Result<ExitCode> {
    let compute = Compute::select(args.device.device)?;
    let device = compute.info.describe();
    let (report, models) = if args.held_out {
        let report = robustness_held_out(&args.run, compute, args.clips)?;
        (report, " (each network on its own test split)".to_string())
    } else {
        let predictor = Predictor::load_with(&args.run, compute, args.ensemble)?;
        let data = match &args.data {
            Some(d) => d.clone(),
            None => read_json::<ExperimentConfig>(&args.run.join("config.json"))?.data,
        };
        let models = match predictor.members() {
            1 => String::new(),
            n => format!(" ({n} models averaged)"),
        };
        (robustness(&args.run, &predictor, &data, args.clips)?, models)
    };
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}{models}: {} clips, accuracy {:.3} as recorded (device: {device})",
        args.run.display(),
        report.clips,
        report.accuracy,
    );
    println!("UAR {:.3} as recorded", report.uar);
    println!("{:<32} {:>10} {:>9} {:>6}", "condition", "unchanged", "accuracy", "UAR");
    for c in &report.conditions {
        println!(
            "{:<32} {:>10.3} {:>9.3} {:>6.3}",
            c.condition, c.unchanged, c.accuracy, c.uar
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval(args: EvalArgs) -> Result<ExitCode> {
    if args.robustness {
        return run_robustness(&args);
    }
    let options = RescoreOptions {
        data: args.data.clone(),
        all: args.all,
        adapt_bn: args.adapt_bn,
        ensemble: args.ensemble,
    };
    let report = evaluate_run(&args.run, &options)?;
    if args.json {
        print_json(&report)?;
    } else {
        print_results(
            &format!(
                "{} re-scored on {} clips",
                args.run.display(),
                if report.test_set == "all" {
                    "all given"
                } else {
                    "each repeat's test"
                }
            ),
            &report.repeats,
            &report.summary,
            &report.pooled,
        );
        println!(
            "\nscored on {} classes: {}",
            report.scored_classes.len(),
            report.scored_classes.join(", ")
        );
        match report.adapted_bn {
            Some(BnAdaptation::Scored) => println!("BatchNorm statistics were re-estimated on the scored clips"),
            Some(BnAdaptation::Speaker) => println!("BatchNorm statistics were re-estimated on each speaker's clips"),
            None => {}
        }
        if report.left_out > 0 {
            println!(
                "{} clips of labels the model does not have were left out",
                report.left_out
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
