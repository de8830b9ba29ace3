//! `emovox serve` (the HTTP API and page) and `emovox bench serve` (a loopback load test that
//! starts a server, sends it real clips from many clients and reports throughput, latency
//! percentiles and the server's memory).

use super::options::{DeviceArgs, print_json};
use anyhow::{Context, Result, bail};
use clap::Args;
use emovox::audio::decode_file;
use emovox::gpu::DeviceChoice;
use emovox::predict::{default_model_dir, expand_inputs};
use emovox::serve::load::{LoadOptions, run_load};
use emovox::serve::{ServeOptions, run};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default; `0.0.0.0:8080` accepts other machines (set
    /// --token then). Port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Model directory (default: the shipped weights/default) or a run directory.
    #[arg(long)]
    model: Option<PathBuf>,
    /// With a run directory: average all its repeats' probabilities.
    #[arg(long)]
    ensemble: bool,
    #[command(flatten)]
    device: DeviceArgs,
    /// Largest request body in MiB (larger bodies get 413).
    #[arg(long, default_value_t = 64)]
    max_body_mib: usize,
    /// Seconds a request may take, waiting for its turn included (503 after).
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// Requests and live streams handled at once; more requests wait their turn.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Clips classified together on the device, from any number of requests.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Longest recording, uploaded or live (e.g. `600s`, `10m`): a header claiming more gets
    /// 413 at once, a stream going past it is stopped with an error.
    #[arg(long, default_value = "10m", value_parser = super::predict::parse_seconds)]
    max_duration: f64,
    /// Seconds of audio all requests may hold at once; over it, 503 with Retry-After at once.
    #[arg(long, default_value = "30m", value_parser = super::predict::parse_seconds)]
    max_pending_audio: f64,
    /// MiB of request bodies all requests may hold at once; over it, 503 with Retry-After.
    #[arg(long, default_value_t = 256)]
    max_pending_mib: usize,
    /// Require `Authorization: Bearer TOKEN` on the API (the page passes it on when opened
    /// as `http://HOST/#token=TOKEN`). Default: the EMOVOX_TOKEN environment variable.
    #[arg(long)]
    token: Option<String>,
}

/// The environment variable `--token` defaults to.
const TOKEN_VAR: &str = "EMOVOX_TOKEN";

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    let token = args
        .token
        .or_else(|| std::env::var(TOKEN_VAR).ok())
        .filter(|t| !t.trim().is_empty());
    if token
        .as_ref()
        .is_some_and(|t| t.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        bail!("--token may not hold spaces or control characters");
    }
    if !args.addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "warning: listening on {} without a token: anyone who can reach this address can use the model \
             (set --token or {TOKEN_VAR})",
            args.addr
        );
    }
    let options = ServeOptions {
        addr: args.addr,
        model: args.model.unwrap_or_else(default_model_dir),
        ensemble: args.ensemble,
        device: args.device.device,
        max_body: args.max_body_mib.saturating_mul(1 << 20),
        timeout: Duration::from_secs_f64(args.timeout),
        concurrency: args.concurrency,
        batch: args.batch,
        max_duration: args.max_duration,
        max_pending_audio: args.max_pending_audio,
        max_pending_body: args.max_pending_mib.saturating_mul(1 << 20),
        token: token.clone(),
    };
    run(&options, |addr, model| {
        // The first line on stdout is the address (scripts and tests read it).
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        let page = match &token {
            Some(t) => format!("http://{addr}/#token={t}"),
            None => format!("http://{addr}/"),
        };
        eprintln!(
            "page: {page}  API: POST http://{addr}/v1/predict  model: {} ({} classes: {}) on {}",
            model.source.display(),
            model.classes.len(),
            model.classes.names().join(", "),
            model.device.describe()
        );
    })
    .with_context(|| format!("serving {}", options.model.display()))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ServeBenchArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Requests per client, one after another.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Uncounted requests per client first (the server's memory reaches its working size).
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Clip length sent, in seconds (clips are cut or zero-padded to it, sent as 16-bit WAV).
    #[arg(long, default_value_t = 4.0)]
    seconds: f64,
    /// Folder of recordings to take clips from.
    #[arg(long, default_value = "../shared/data/ravdess")]
    clips: PathBuf,
    /// Distinct clips used (the first of the sorted folder).
    #[arg(long, default_value_t = 64)]
    distinct: usize,
    /// A server already running (e.g. `http://host:8080`); default: start one on loopback.
    #[arg(long)]
    url: Option<String>,
    /// Model for the started server.
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Attack mode: run the clients once alone, then again beside this many attackers that
    /// upload WAV files with lying headers (1 Hz, 4 GHz, 0 channels, 2^31 frames, 7-bit) in a
    /// loop; reports both latencies, their ratio, the server's memory and how soon its CPU is
    /// idle after the last attack.
    #[arg(long, default_value_t = 0)]
    attack: usize,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// A server started for the benchmark, stopped when dropped.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `emovox serve` on a free loopback port and returns it with its address.
fn start_server(model: Option<&PathBuf>, device: DeviceChoice) -> Result<(Started, String)> {
    let exe = std::env::current_exe().context("finding the emovox binary")?;
    let mut command = Command::new(exe);
    command.args(["serve", "--addr", "127.0.0.1:0", "--device"]);
    command.arg(format!("{device:?}").to_lowercase());
    if let Some(model) = model {
        command.arg("--model").arg(model);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting emovox serve")?;
    let stdout = child.stdout.take().context("no stdout from emovox serve")?;
    let started = Started(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("reading the server's address")?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("emovox serve did not start (it printed {line:?})"))?
        .to_string();
    Ok((started, url))
}

/// The first `distinct` recordings of a folder, cut or padded to `seconds`, as WAV bodies.
fn wav_bodies(folder: &PathBuf, distinct: usize, seconds: f64) -> Result<Vec<(String, Vec<u8>)>> {
    let (files, _) = expand_inputs(std::slice::from_ref(folder));
    if files.is_empty() {
        bail!("no audio files in {} (use --clips DIR)", folder.display());
    }
    let mut bodies = Vec::new();
    for file in files.iter().take(distinct.max(1)) {
        let audio = decode_file(file)?;
        let n = (seconds * audio.sample_rate as f64).round() as usize;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: audio.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut bytes = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut bytes, spec)?;
        for i in 0..n {
            let v = audio.samples.get(i).copied().unwrap_or(0.0);
            writer.write_sample((v.clamp(-1.0, 1.0) * 32767.0).round() as i16)?;
        }
        writer.finalize()?;
        bodies.push(("audio/wav".to_string(), bytes.into_inner()));
    }
    Ok(bodies)
}

pub fn bench(args: ServeBenchArgs) -> Result<ExitCode> {
    if args.clients == 0 || args.requests == 0 {
        bail!("--clients and --requests must be at least 1");
    }
    let bodies = wav_bodies(&args.clips, args.distinct, args.seconds)?;
    let (server, url) = match &args.url {
        Some(url) => (None, url.clone()),
        None => {
            let (server, url) = start_server(args.model.as_ref(), args.device.device)?;
            (Some(server), url)
        }
    };
    let pid = server.as_ref().map(|s| s.0.id());
    let phases: &[usize] = if args.attack > 0 { &[0, args.attack] } else { &[0] };
    let mut reports = Vec::new();
    for &attackers in phases {
        let total = args.clients * args.requests;
        let label = if attackers > 0 {
            "requests under attack"
        } else {
            "requests"
        };
        let bar = super::observer::bar(total, label);
        let tick = bar.clone();
        let report = run_load(
            &LoadOptions {
                url: url.clone(),
                clients: args.clients,
                requests: args.requests,
                bodies: bodies.clone(),
                server_pid: pid,
                timeout: Duration::from_secs(120),
                warmup: args.warmup,
                attackers,
            },
            move || tick.inc(1),
        )?;
        bar.finish_and_clear();
        reports.push(report);
    }
    drop(server);
    let model = &reports[0].model;
    let device = model["device"]["adapter"].as_str().unwrap_or("?");
    let backend = model["device"]["backend"].as_str().unwrap_or("?");
    let p99_ratio = (reports.len() == 2).then(|| reports[1].latency_ms.p99 / reports[0].latency_ms.p99);
    if args.json {
        print_json(&serde_json::json!({
            "clip_seconds": args.seconds,
            "report": reports[0],
            "under_attack": reports.get(1),
            "p99_ratio_under_attack": p99_ratio,
        }))?;
    } else {
        println!(
            "bench serve: {} clients x {} requests of {:.1} s clips at {url} ({backend}: {device})",
            args.clients, args.requests, args.seconds
        );
        for report in &reports {
            print_load(report, args.seconds);
        }
        if let Some(ratio) = p99_ratio {
            println!("p99 latency under attack / alone: {ratio:.2}x");
        }
    }
    Ok(if reports.iter().all(|r| r.errors == 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One phase's figures, as text.
fn print_load(report: &emovox::serve::load::LoadReport, clip_seconds: f64) {
    let l = &report.latency_ms;
    if let Some(a) = &report.attack {
        println!("-- beside {} attackers:", a.clients);
    } else {
        println!("-- alone:");
    }
    println!(
        "{} requests, {} errors in {:.1} s: {:.1} requests/s, {:.1} s of audio per second",
        report.requests,
        report.errors,
        report.seconds,
        report.requests_per_second,
        report.requests_per_second * clip_seconds
    );
    println!(
        "latency ms: mean {:.0}, p50 {:.0}, p95 {:.0}, p99 {:.0}, max {:.0}",
        l.mean, l.p50, l.p95, l.p99, l.max
    );
    if let Some(m) = &report.server_memory {
        println!(
            "server RSS MiB: {:.0} after warm-up, {:.0} / {:.0} / {:.0} at 1/4, 1/2, 3/4 of the run, {:.0} at the end (peak {:.0})",
            m.start_mib, m.quarters_mib[0], m.quarters_mib[1], m.quarters_mib[2], m.end_mib, m.peak_mib
        );
    }
    if let Some(a) = &report.attack {
        let statuses: Vec<String> = a.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        println!(
            "attack: {} hostile uploads answered ({}), p99 {:.0} ms; server CPU idle {} after the last",
            a.requests,
            statuses.join(", "),
            a.latency_ms.p99,
            a.cpu_idle_after_s
                .map_or("not within 10 s".to_string(), |s| format!("{s:.2} s"))
        );
    }
    for e in &report.error_examples {
        println!("error: {e}");
    }
}
