//! `emovox serve`: the model behind an HTTP API and a local web page.
//!
//! - `POST /v1/predict` — audio in the body (any format `predict` reads) or as a multipart
//!   file; query `window`, `hop` (seconds) for a timeline; answers `predict --json`'s record.
//! - `GET /v1/stream` — WebSocket: PCM chunks in, one message per completed window out
//!   ([`live`]).
//! - `GET /v1/model`, `GET /healthz`, and the page at `/` ([`page`]).
//!
//! Every request's audio goes through the same streaming pipeline as `predict`; its clips go
//! to one classification queue ([`queue`]) that batches all clients' clips on the device.
//! Body size, per-request time and concurrent requests are limited; one line per request is
//! logged to standard error.

mod api;
mod live;
pub mod load;
mod page;
pub mod queue;

use crate::error::{Error, Result};
use crate::gpu::DeviceChoice;
use api::ApiError;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use queue::QueueClient;
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
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    queue: QueueClient,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

/// The routes, limits and request log around a started queue.
fn router(state: AppState, max_body: usize) -> Router {
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
        let mut body = request.into_body();
        while let Some(Ok(_)) = body.frame().await {}
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

/// One line per request on standard error: method, path, status, milliseconds.
async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    eprintln!(
        "{method} {path} {} {:.1} ms",
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1e3
    );
    response
}

/// Loads the model, binds, calls `ready` with the bound address (port 0 picks a free one),
/// and serves until Ctrl-C.
pub fn run(options: &ServeOptions, ready: impl FnOnce(SocketAddr, &queue::ModelInfo)) -> Result<()> {
    let queue = queue::start(&options.model, options.device, options.ensemble, options.batch)?;
    let state = AppState {
        queue,
        permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
        timeout: options.timeout,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Serve(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::Serve(format!("cannot listen on {}: {e}", options.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Serve(format!("no local address: {e}")))?;
        ready(addr, state.queue.info());
        axum::serve(listener, router(state, options.max_body))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Serve(e.to_string()))
    })
}
