//! The web page, compiled into the binary (no CDN, nothing fetched from elsewhere): HTML,
//! its script, the AudioWorklet that captures the microphone, and the style sheet.

use axum::http::header;
use axum::response::IntoResponse;

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub(crate) async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", include_str!("page/index.html"))
}

pub(crate) async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("page/app.js"))
}

pub(crate) async fn capture() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("page/capture.js"))
}

pub(crate) async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", include_str!("page/style.css"))
}
