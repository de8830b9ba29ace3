//! The server itself: its options, the state every handler shares, the routes with their
//! limits and request log, and the run loop from start to a graceful stop.

use super::api;
use super::api_error::ApiError;
use super::limits::{self, Budget, Token};
use super::queue;
use super::state::AppState;
use super::{live, page};
use crate::error::{Error, Result};
use crate::gpu::DeviceChoice;
use crate::predict::Cancel;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub model: PathBuf,
    /// Average all repeats of a run directory.
    pub ensemble: bool,
    pub device: DeviceChoice,
    /// Largest request body in bytes (413 above).
    pub max_body: usize,
    /// Longest time a request may take, queueing included (503 after).
    pub timeout: Duration,
    /// Requests classified at once; more wait for a turn (within their timeout).
    pub concurrency: usize,
    /// Clips classified together at most.
    pub batch: usize,
    /// Longest recording in seconds, uploaded or live: a header claiming more gets 413 at
    /// once, a stream going past it is stopped with an error.
    pub max_duration: f64,
    /// Seconds of audio all requests may hold at once (a request counts what its header
    /// claims, else `max_duration`); over it, 503 with `Retry-After`.
    pub max_pending_audio: f64,
    /// Request-body bytes all requests may hold at once; over it, 503 with `Retry-After`.
    pub max_pending_body: usize,
    /// Bearer token the API requires (`None`: open).
    pub token: Option<String>,
}

/// Longest wait for open requests and streams after SIGTERM or Ctrl-C.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// The routes, limits and request log around a started queue.
fn router(state: AppState, max_body: usize, token: Token) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/capture.js", get(page::capture))
        .route("/style.css", get(page::style))
        .route("/healthz", get(api::health))
        .route("/v1/model", get(api::model))
        .route("/v1/predict", post(api::predict))
        .route("/v1/stream", get(live::stream))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(move |r, n| answer_oversized(max_body, r, n)))
        .layer(middleware::from_fn(move |r, n| {
            limits::require_token(token.clone(), max_body, r, n)
        }))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// An oversized body of up to this many times the limit is read and dropped so that its sender
/// hears the 413; a larger one is answered without reading.
const DRAIN_FACTOR: u64 = 4;

/// A body whose declared length is over the limit gets 413 without reaching a handler, once it
/// has been read and dropped: a client that does not wait for `100 Continue` is still writing
/// when the answer comes, and closing the connection on it turns the 413 into a broken pipe on
/// the client's side. Clients that do wait (they send `Expect`, as curl does) and bodies over
/// [`DRAIN_FACTOR`] times the limit are answered without reading. Bodies of undeclared length
/// are left to [`DefaultBodyLimit`].
async fn answer_oversized(max_body: usize, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let Some(length) = declared.filter(|&n| n > max_body as u64) else {
        return next.run(request).await;
    };
    let waits_for_continue = request.headers().get(header::EXPECT).is_some();
    if !waits_for_continue && length <= DRAIN_FACTOR * max_body as u64 {
        limits::drain(request, length).await;
    }
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "length limit exceeded: the body has {length} bytes and this server takes at most {max_body} \
             (--max-body-mib)"
        ),
    )
    .into_response()
}

/// One note per request: method, path, status, milliseconds.
async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    crate::observe::info(format!(
        "{method} {path} {} {:.1} ms",
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1e3
    ));
    response
}

/// How much lower than the classification thread the threads that take requests in (HTTP,
/// decoding) run: when clients send more than the machine can take, work already admitted is
/// finished first instead of every request slowing down alike.
const INTAKE_NICENESS: i32 = 5;

/// Lowers the calling thread's scheduling priority (Linux: a thread's own nice value; a no-op
/// elsewhere or when not permitted).
fn lower_thread_priority(niceness: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; PRIO_PROCESS with a thread id sets that
    // thread's nice value on Linux.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, current + niceness);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = niceness;
}

/// Resolves at the first SIGTERM or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Loads the model, binds, calls `ready` with the bound address (port 0 picks a free one),
/// and serves until SIGTERM or Ctrl-C: then open requests and streams are cancelled, given
/// [`SHUTDOWN_GRACE`] to answer, and the server returns.
pub fn run(options: &ServeOptions, ready: impl FnOnce(SocketAddr, &queue::ModelInfo)) -> Result<()> {
    if !(options.max_duration.is_finite() && options.max_duration > 0.0) {
        return Err(Error::Config(
            "the longest recording must be a positive number of seconds".into(),
        ));
    }
    let queue = queue::start(&options.model, options.device, options.ensemble, options.batch)?;
    let units = |x: f64| x.clamp(1.0, u32::MAX as f64 / 2.0) as u32;
    let shutdown = Cancel::new();
    let state = AppState {
        queue,
        permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
        timeout: options.timeout,
        max_duration: options.max_duration,
        max_body: options.max_body,
        audio_budget: Budget::new(units(options.max_pending_audio * 10.0), ("audio", 10.0, "s")),
        body_budget: Budget::new(
            units(options.max_pending_body as f64 / 1024.0),
            ("request bodies", 1024.0, "MiB"),
        ),
        shutdown: shutdown.clone(),
    };
    let token = Token(options.token.as_deref().map(Arc::from));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(|| lower_thread_priority(INTAKE_NICENESS))
        // One blocking thread per request classified at once (the pipeline reads on it).
        .max_blocking_threads(options.concurrency.max(1))
        .build()
        .map_err(|e| Error::Serve(format!("cannot start the async runtime: {e}")))?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::Serve(format!("cannot listen on {}: {e}", options.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Serve(format!("no local address: {e}")))?;
        ready(addr, state.queue.info());
        let (stopping, mut stopped) = tokio::sync::watch::channel(false);
        let graceful = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        let server = axum::serve(listener, router(state, options.max_body, token)).with_graceful_shutdown(graceful);
        tokio::select! {
            served = server => served.map_err(|e| Error::Serve(e.to_string())),
            _ = async {
                stop_signal().await;
                shutdown.cancel();
                let _ = stopping.send(true);
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => Ok(()),
        }
    });
    // Blocking work still running sees the cancelled tokens at its next chunk; do not wait.
    runtime.shutdown_timeout(Duration::from_millis(100));
    served
}
