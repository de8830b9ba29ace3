//! `emovox corpus`: what the data folders hold (corpora, speakers, classes, files that got no
//! label and why), and whether every file decodes.

use super::observer;
use super::options::print_json;
use anyhow::Result;
use clap::Args;
use emovox::audio::decode_file;
use emovox::corpus::{Corpus, Summary};
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CorpusArgs {
    /// Folders (searched recursively) or files.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Print JSON (total, classes, by_class, by_corpus, by_speaker, unparsed, undecodable) on stdout.
    #[arg(long)]
    json: bool,
    /// Only read labels from file names; do not decode the audio.
    #[arg(long)]
    names_only: bool,
}

#[derive(Serialize)]
struct Failure {
    path: PathBuf,
    error: String,
}

#[derive(Serialize)]
struct Report {
    #[serde(flatten)]
    summary: Summary,
    /// Files that did not decode (only when decoding was checked).
    undecodable: usize,
    undecodable_files: Vec<Failure>,
    /// Total audio duration in hours (only when decoding was checked).
    hours: Option<f64>,
}

pub fn run(args: CorpusArgs) -> Result<ExitCode> {
    let corpus = Corpus::scan(&args.dirs)?;
    let mut report = Report {
        summary: corpus.summary(),
        undecodable: 0,
        undecodable_files: Vec::new(),
        hours: None,
    };
    if !args.names_only {
        let pb = observer::bar(corpus.clips.len(), "decoding");
        let results: Vec<_> = corpus
            .clips
            .par_iter()
            .map(|c| {
                let r = decode_file(&c.path).map(|a| a.duration());
                pb.inc(1);
                r
            })
            .collect();
        pb.finish_and_clear();
        let mut seconds = 0.0;
        for (clip, r) in corpus.clips.iter().zip(results) {
            match r {
                Ok(d) => seconds += d,
                Err(e) => report.undecodable_files.push(Failure {
                    path: clip.path.clone(),
                    error: e.to_string(),
                }),
            }
        }
        report.undecodable = report.undecodable_files.len();
        report.hours = Some(seconds / 3600.0);
    }
    if args.json {
        print_json(&report)?;
    } else {
        print_human(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(r: &Report) {
    let s = &r.summary;
    let hours = r.hours.map_or(String::new(), |h| format!(", {h:.2} h of audio"));
    println!("{} labelled clips{hours}", s.total);
    println!("\n{:<10} {:>6} {:>9}", "corpus", "clips", "speakers");
    for (name, c) in &s.by_corpus {
        println!("{name:<10} {:>6} {:>9}", c.clips, c.speakers);
    }
    let corpora: Vec<&String> = s.by_corpus.keys().collect();
    let header: String = corpora.iter().map(|c| format!(" {c:>8}")).collect();
    println!("\n{:<12} {:>6}{header}", "class", "clips");
    for name in &s.classes {
        let per_corpus: String = s
            .by_corpus
            .values()
            .map(|c| format!(" {:>8}", c.by_class.get(name).copied().unwrap_or(0)))
            .collect();
        println!(
            "{name:<12} {:>6}{per_corpus}",
            s.by_class.get(name).copied().unwrap_or(0)
        );
    }
    println!("\n{} speakers:", s.by_speaker.len());
    let speakers: Vec<String> = s.by_speaker.iter().map(|(k, v)| format!("{k} {v}")).collect();
    for line in speakers.chunks(6) {
        println!("  {}", line.join(", "));
    }
    if s.unparsed > 0 {
        println!(
            "\nwarning: {} audio file(s) got no label and will be ignored:",
            s.unparsed
        );
        for u in s.unparsed_files.iter().take(5) {
            println!("  {}: {}", u.path.display(), u.reason);
        }
    }
    if r.undecodable > 0 {
        println!(
            "\nwarning: {} file(s) do not decode and will be skipped:",
            r.undecodable
        );
        for f in r.undecodable_files.iter().take(5) {
            println!("  {}", emovox::error::naming_path(&f.path, &f.error));
        }
    }
}
