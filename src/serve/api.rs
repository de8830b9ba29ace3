//! The HTTP endpoints: health, model description, and prediction of an uploaded recording.
//! Every failure is a JSON body `{"error": "..."}` with a 4xx status naming what was wrong
//! with the request (5xx only when the server itself fails).

use super::AppState;
use super::queue::{ModelInfo, QueueClient};
use crate::audio::Decoder;
use crate::predict::{FileResult, HandOver, Input, PredictOptions, predict_input};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::path::PathBuf;

/// A failed request: its status and a message for the client.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "error": self.message }))).into_response()
    }
}

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
                Ok(Some((w, valid("hop", hop.unwrap_or(w))?)))
            }
        }
    }
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

/// Decodes and predicts one upload (blocking: runs on the blocking pool).
fn predict_upload(
    queue: &QueueClient,
    name: PathBuf,
    bytes: Bytes,
    options: &PredictOptions,
) -> Result<FileResult, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty body: send the audio file as the request body",
        ));
    }
    let decoder = Decoder::from_bytes(&name, bytes).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let input = Input::Source {
        name,
        source: HandOver::new(Box::new(decoder)),
        live: false,
    };
    let result = predict_input(queue, input, options)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    match &result.error {
        Some(e) => Err(ApiError::bad_request(e.clone())),
        None => Ok(result),
    }
}

/// `POST /v1/predict[?window=S&hop=S]`: the upload's prediction (and timeline windows).
pub(crate) async fn predict(
    State(state): State<AppState>,
    query: Result<Query<WindowQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Json<FileResult>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let options = PredictOptions {
        window: query.resolve()?,
        producers: Some(1),
        ..PredictOptions::default()
    };
    let (name, bytes) = read_upload(request, &state).await?;
    let queue = state.queue.clone();
    let permits = state.permits.clone();
    let work = async move {
        let _permit = permits
            .acquire_owned()
            .await
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"))?;
        tokio::task::spawn_blocking(move || predict_upload(&queue, name, bytes, &options))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("prediction failed: {e}")))?
    };
    match tokio::time::timeout(state.timeout, work).await {
        Ok(result) => result.map(Json),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not done within {:.0} s (server busy or recording too long)",
                state.timeout.as_secs_f64()
            ),
        )),
    }
}
