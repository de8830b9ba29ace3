//! The HTTP endpoints: health, model description, and prediction of an uploaded recording.
//! Every failure is a JSON body `{"error": "..."}` with a 4xx status naming what was wrong
//! with the request (5xx only when the server itself fails or is busy: 503 with
//! `Retry-After`). An upload's header is checked before it may hold any budget, and its work
//! stops when the request's deadline passes or its client leaves (the handler's future is
//! dropped, which cancels the request's token).

use super::api_error::ApiError;
use super::queue::{ModelInfo, QueueClient};
use super::state::AppState;
use crate::audio::Decoder;
use crate::predict::{Budgeted, Cancel, FileResult, HandOver, Input, PredictOptions, predict_input};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

pub(crate) async fn model(State(state): State<AppState>) -> Json<ModelInfo> {
    Json(state.queue.info().clone())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint (see GET /v1/model, POST /v1/predict)",
    )
}

/// Timeline options of a request, in seconds.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WindowQuery {
    pub(crate) window: Option<f64>,
    pub(crate) hop: Option<f64>,
}

/// Longest window a request may ask for, in seconds.
const MAX_WINDOW_S: f64 = 60.0;
/// Most windows a request may ask for per window length (`window / hop`): every window is
/// classified, so a tiny hop would multiply the work without end.
const MAX_OVERLAP: f64 = 20.0;

impl WindowQuery {
    /// Window and hop (the hop defaults to the window), checked.
    pub(crate) fn resolve(&self) -> Result<Option<(f64, f64)>, ApiError> {
        let valid = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 && v <= MAX_WINDOW_S {
                Ok(v)
            } else {
                Err(ApiError::bad_request(format!(
                    "`{name}` must be a number of seconds in (0, {MAX_WINDOW_S}]"
                )))
            }
        };
        match (self.window, self.hop) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ApiError::bad_request("`hop` needs a `window`")),
            (Some(w), hop) => {
                let w = valid("window", w)?;
                let hop = valid("hop", hop.unwrap_or(w))?;
                if w / hop > MAX_OVERLAP {
                    return Err(ApiError::bad_request(format!(
                        "`hop` must be at least `window` / {MAX_OVERLAP} ({:.3} s here)",
                        w / MAX_OVERLAP
                    )));
                }
                Ok(Some((w, hop)))
            }
        }
    }
}

/// How many times over a request's windows cover its audio (1 without a timeline).
pub(crate) fn overlap(window: Option<(f64, f64)>) -> f64 {
    window.map_or(1.0, |(w, hop)| (w / hop).max(1.0))
}

/// The file-name extension that tells the decoder what a body holds, from its content type.
fn extension_of(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/ogg" | "application/ogg" => "ogg",
        _ => "bin",
    }
}

/// The uploaded audio and the name results give it: the whole body, or the first file of a
/// multipart form.
async fn read_upload(request: Request, state: &AppState) -> Result<(PathBuf, Bytes), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?
        {
            if let Some(name) = field.file_name().map(str::to_owned) {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
                return Ok((PathBuf::from(name), bytes));
            }
        }
        return Err(ApiError::bad_request("the multipart form holds no file"));
    }
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    Ok((PathBuf::from(format!("upload.{}", extension_of(&content_type))), bytes))
}

/// Opens an upload's decoder and checks its header against the duration limit (quick: nothing
/// is decoded yet). Returns the source and the seconds of audio it will hold.
fn open_upload(name: &Path, bytes: Bytes, max_duration: f64, cancel: &Cancel) -> Result<(Budgeted, f64), ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty body: send the audio file as the request body",
        ));
    }
    let decoder = Decoder::from_bytes(name, bytes).map_err(ApiError::from_error)?;
    let seconds = decoder.declared_seconds().unwrap_or(max_duration).min(max_duration);
    let source = Budgeted::new(Box::new(decoder), name, Some(max_duration), Some(cancel.clone()))
        .map_err(ApiError::from_error)?;
    Ok((source, seconds))
}

/// Predicts one opened upload (blocking: runs on the blocking pool).
fn predict_upload(
    queue: &QueueClient,
    name: PathBuf,
    source: Budgeted,
    options: &PredictOptions,
) -> Result<FileResult, ApiError> {
    let input = Input::Source {
        name,
        source: HandOver::new(Box::new(source)),
        live: false,
    };
    let result = predict_input(queue, input, options).map_err(ApiError::from_error)?;
    match &result.error {
        Some(e) => Err(ApiError::bad_request(e.clone())),
        None => Ok(result),
    }
}

/// The declared body length, if any.
fn content_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
}

/// `POST /v1/predict[?window=S&hop=S]`: the upload's prediction (and timeline windows).
///
/// In order: the body's bytes are taken from the byte budget (503 at once when spent), the
/// body is read, the header checked (400 or 413 at once), the audio's seconds taken from the
/// audio budget (503 at once), then the request waits for a turn and is predicted. Everything
/// happens within the request's deadline; when it passes or the client leaves, the request's
/// token stops the decoding and its clips are dropped from the classification queue.
pub(crate) async fn predict(
    State(state): State<AppState>,
    query: Result<Query<WindowQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Json<FileResult>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let cancel = state.shutdown.child().until(Instant::now() + state.timeout);
    let _stop_when_dropped = cancel.on_drop();
    let options = PredictOptions {
        window: query.resolve()?,
        producers: Some(1),
        max_duration: Some(state.max_duration),
        cancel: Some(cancel.clone()),
        ..PredictOptions::default()
    };
    let length = content_length(&request).unwrap_or(state.max_body as u64);
    let _bytes = state.body_budget.take(length.div_ceil(1024))?;
    let timeout = state.timeout;
    let work = async move {
        let (name, bytes) = read_upload(request, &state).await?;
        // Inline, not on the blocking pool: a header is parsed in microseconds (symphonia scans at
        // most 1 MB for one), and a flood of lying uploads then costs no threads.
        let (source, seconds) = open_upload(&name, bytes, state.max_duration, &cancel)?;
        // Overlapping windows classify the audio several times over: it counts that often.
        let _audio = state
            .audio_budget
            .take((seconds * overlap(options.window) * 10.0).ceil() as u64)?;
        let _permit = state
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::busy("the server is shutting down"))?;
        let queue = state.queue.with_cancel(cancel);
        tokio::task::spawn_blocking(move || predict_upload(&queue, name, source, &options))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("prediction failed: {e}")))?
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result.map(Json),
        Err(_) => Err(ApiError::busy(format!(
            "not done within {:.0} s (server busy or recording too long)",
            timeout.as_secs_f64()
        ))),
    }
}
