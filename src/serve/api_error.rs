//! How a request fails: a status and a JSON body `{"error": "..."}` naming what was wrong; a
//! 503 carries `Retry-After`.

use crate::error::Error;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Seconds a client is told to wait when the server is busy (503).
pub(crate) const RETRY_AFTER_S: u64 = 1;

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

    /// 503: the server cannot take the request now (sent with `Retry-After`).
    pub(crate) fn busy(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// What a library error means for the client: bad audio is its request's fault (400), too
    /// long is 413, work stopped is 503.
    pub(super) fn from_error(error: Error) -> ApiError {
        let status = match &error {
            Error::TooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Cancelled(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Serve(_) | Error::Gpu(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, error.to_string())
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let busy = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (self.status, Json(serde_json::json!({ "error": self.message }))).into_response();
        if busy {
            response.headers_mut().insert(header::RETRY_AFTER, RETRY_AFTER_S.into());
        }
        response
    }
}
