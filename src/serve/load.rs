//! `emovox bench serve`'s load generator: N concurrent clients each send M requests of real
//! clips to `POST /v1/predict` on a running server and time every answer; the server's
//! resident memory is sampled through the run (`/proc/PID/status`, Linux). With attackers
//! ([`super::attack`]), hostile uploads are sent all through the counted run.

use super::attack::{AttackReport, attacker, hostile_wavs, seconds_until_idle, summarise};
use super::stats::{Latency, latency};
use crate::error::{Error, Result};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to send, where.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub clients: usize,
    /// Requests per client, sent one after another.
    pub requests: usize,
    /// Request bodies (content type, bytes), used in turn.
    pub bodies: Vec<(String, Vec<u8>)>,
    /// The server's process, to sample its memory.
    pub server_pid: Option<u32>,
    /// Give up on a request after this long.
    pub timeout: Duration,
    /// Requests per client before the counted run (not counted): the server's allocator
    /// pools and batch buffers reach their working size.
    pub warmup: usize,
    /// Concurrent attackers sending hostile uploads through the counted run (0: none).
    pub attackers: usize,
}

/// Resident memory of the server in MiB, sampled every 200 ms of the counted run.
#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    /// After the warm-up requests.
    pub start_mib: f64,
    /// At a quarter, half and three quarters of the run's time.
    pub quarters_mib: [f64; 3],
    pub end_mib: f64,
    pub peak_mib: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The server's `GET /v1/model` answer (classes, device, adapter).
    pub model: serde_json::Value,
    pub clients: usize,
    pub requests: usize,
    pub errors: usize,
    /// Up to five error messages.
    pub error_examples: Vec<String>,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub latency_ms: Latency,
    pub server_memory: Option<Memory>,
    pub attack: Option<AttackReport>,
}

/// Resident set size of a process in MiB (Linux).
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// One request: its latency in ms, or why it failed.
async fn send(client: &reqwest::Client, url: &str, body: &(String, Vec<u8>)) -> std::result::Result<f64, String> {
    let start = Instant::now();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, &body.0)
        .body(body.1.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if value.get("prediction").is_none_or(serde_json::Value::is_null) {
        return Err(format!("no prediction in {text}"));
    }
    Ok(start.elapsed().as_secs_f64() * 1e3)
}

/// Runs the load: `warmup` requests per client (not counted), then every client's requests;
/// `progress` is called after each counted request.
pub fn run_load(options: &LoadOptions, progress: impl Fn() + Send + Sync + 'static) -> Result<LoadReport> {
    if options.bodies.is_empty() {
        return Err(Error::Config("no request bodies to send".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Serve(format!("cannot start the async runtime: {e}")))?;
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .build()
        .map_err(|e| Error::Serve(e.to_string()))?;
    let url = format!("{}/v1/predict", options.url.trim_end_matches('/'));
    let bodies = Arc::new(options.bodies.clone());
    let progress = Arc::new(progress);
    runtime.block_on(async {
        let model_url = format!("{}/v1/model", options.url.trim_end_matches('/'));
        let model: serde_json::Value = async { client.get(&model_url).send().await?.json::<serde_json::Value>().await }
            .await
            .map_err(|e| Error::Serve(format!("GET {model_url}: {e}")))?;
        let warm: Vec<_> = (0..options.clients)
            .map(|c| {
                let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
                let warmup = options.warmup.max(1);
                tokio::spawn(async move {
                    for r in 0..warmup {
                        send(&client, &url, &bodies[(c + r) % bodies.len()]).await?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        for task in warm {
            if let Ok(Err(e)) = task.await {
                return Err(Error::Serve(format!("warm-up request failed: {e}")));
            }
        }
        let memory = Arc::new(Mutex::new(Vec::<f64>::new()));
        let sampler = options.server_pid.map(|pid| {
            let memory = memory.clone();
            tokio::spawn(async move {
                loop {
                    if let (Some(mib), Ok(mut m)) = (rss_mib(pid), memory.lock()) {
                        m.push(mib);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let attacks = Arc::new(Mutex::new(Vec::new()));
        let hostile = Arc::new(hostile_wavs());
        let attackers: Vec<_> = (0..options.attackers)
            .map(|a| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(attacker(client, url, hostile.clone(), a, stop.clone(), attacks.clone()))
            })
            .collect();
        let start = Instant::now();
        let tasks: Vec<_> = (0..options.clients)
            .map(|c| {
                let (client, url, bodies, progress) = (client.clone(), url.clone(), bodies.clone(), progress.clone());
                let requests = options.requests;
                tokio::spawn(async move {
                    let mut outcomes = Vec::with_capacity(requests);
                    for r in 0..requests {
                        outcomes.push(send(&client, &url, &bodies[(c * requests + r) % bodies.len()]).await);
                        progress();
                    }
                    outcomes
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut errors = Vec::new();
        for task in tasks {
            let outcomes = task.await.map_err(|e| Error::Serve(format!("a client failed: {e}")))?;
            for outcome in outcomes {
                match outcome {
                    Ok(ms) => latencies.push(ms),
                    Err(e) => errors.push(e),
                }
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for task in attackers {
            let _ = task.await;
        }
        let attack = if options.attackers > 0 {
            let idle = match options.server_pid {
                Some(pid) => seconds_until_idle(pid, Duration::from_secs(10)).await,
                None => None,
            };
            let record = attacks.lock().map(|r| r.clone()).unwrap_or_default();
            Some(summarise(options.attackers, &record, idle))
        } else {
            None
        };
        if let Some(sampler) = sampler {
            sampler.abort();
        }
        latencies.sort_by(f64::total_cmp);
        let total = options.clients * options.requests;
        let memory = memory.lock().map(|m| m.clone()).unwrap_or_default();
        Ok(LoadReport {
            model,
            clients: options.clients,
            requests: total,
            errors: errors.len(),
            error_examples: errors.into_iter().take(5).collect(),
            seconds,
            requests_per_second: total as f64 / seconds,
            latency_ms: latency(&latencies),
            server_memory: (!memory.is_empty()).then(|| {
                let at = |q: f64| memory[((memory.len() - 1) as f64 * q).round() as usize];
                Memory {
                    start_mib: memory[0],
                    quarters_mib: [at(0.25), at(0.5), at(0.75)],
                    end_mib: memory[memory.len() - 1],
                    peak_mib: memory.iter().copied().fold(0.0, f64::max),
                }
            }),
            attack,
        })
    })
}
