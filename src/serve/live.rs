//! `GET /v1/stream`: live prediction over a WebSocket.
//!
//! Query: `rate` (Hz, required), `encoding` (`f32le` default, or `s16le`), `channels` (1),
//! `window` and `hop` in seconds (3 and 1). The client sends binary messages of interleaved
//! PCM in that layout, of up to 256 KiB each, and the text `end` (or closes) when done. The server
//! answers a text message per completed window, `{"kind":"window","start":..,"end":..,
//! "label":..,"confidence":..,"probabilities":{..}}`, then `{"kind":"file",...}` (the summary
//! of the whole stream), as `predict --jsonl` writes them, or `{"kind":"error","error":..}`.
//!
//! The PCM flows through a bounded channel into the same pipeline `predict -` uses, so a
//! stream holds a window's worth of audio, and a client that sends faster than the model
//! classifies is slowed down by the socket, not buffered without end. A stream longer than the
//! server's longest recording is stopped with an error message; shutdown stops it too.

use super::api::WindowQuery;
use super::api_error::ApiError;
use super::queue::QueueClient;
use super::state::AppState;
use crate::predict::{
    FileResult, HandOver, Input, PredictOptions, RawEncoding, RawFormat, RawPcm, Sink, Window, predict_inputs,
};
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Stream layout and timeline options.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamQuery {
    rate: Option<u32>,
    encoding: Option<RawEncoding>,
    channels: Option<u16>,
    window: Option<f64>,
    hop: Option<f64>,
}

/// Window and hop of a live stream unless the client asks otherwise (seconds).
const LIVE_WINDOW: (f64, f64) = (3.0, 1.0);
/// PCM messages buffered between the socket and the pipeline.
const PCM_QUEUE: usize = 16;
/// Largest WebSocket message (and frame) taken, in bytes: with [`PCM_QUEUE`], a stream holds at
/// most 4 MiB of PCM however its client sends (a second of 48 kHz stereo f32 is 384 KB, so
/// clients send many small messages).
const MAX_MESSAGE: usize = 256 * 1024;

pub(crate) async fn stream(
    State(state): State<AppState>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let rate = query
        .rate
        .filter(|r| (1000..=384_000).contains(r))
        .ok_or_else(|| ApiError::bad_request("`rate` (Hz, 1000 to 384000) is required"))?;
    let format = RawFormat {
        encoding: query.encoding.unwrap_or(RawEncoding::F32le),
        rate,
        channels: query.channels.unwrap_or(1).max(1),
    };
    let options = PredictOptions {
        window: Some(
            WindowQuery {
                window: query.window,
                hop: query.hop,
            }
            .resolve()?
            .unwrap_or(LIVE_WINDOW),
        ),
        keep_windows: false,
        producers: Some(1),
        max_duration: Some(state.max_duration),
        cancel: Some(state.shutdown.child()),
        ..PredictOptions::default()
    };
    // A stream holds one of the server's concurrent-request permits while it is open.
    let permit = state.permits.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "too many requests at once: try again shortly",
        )
    })?;
    let upgrade = upgrade.max_message_size(MAX_MESSAGE).max_frame_size(MAX_MESSAGE);
    Ok(upgrade.on_upgrade(move |socket| async move {
        // Dropped with this task (the stream ended, or the server stopped): the pipeline stops.
        let _stop = options.cancel.as_ref().map(|c| c.on_drop());
        let queue = state.queue.with_cancel(options.cancel.clone().unwrap_or_default());
        run(socket, queue, format, options).await;
        drop(permit);
    }))
}

/// Bytes from the socket, read by the pipeline's producer thread.
struct ChannelReader {
    chunks: mpsc::Receiver<Bytes>,
    current: Bytes,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Sends each window to the client as it is classified, then the summary.
struct Forward(mpsc::UnboundedSender<String>);

impl Forward {
    fn send(&self, kind: &str, value: impl serde::Serialize) {
        let mut message = serde_json::to_value(value).unwrap_or_default();
        message["kind"] = kind.into();
        // A closed socket: the pipeline still finishes on its own once the input ends.
        let _ = self.0.send(message.to_string());
    }
}

impl Sink for Forward {
    fn window(&mut self, _: &Path, window: &Window) -> crate::Result<()> {
        self.send("window", window);
        Ok(())
    }

    fn file(&mut self, result: FileResult) -> crate::Result<()> {
        match &result.error {
            Some(e) => self.send("error", serde_json::json!({ "error": e })),
            None => self.send("file", result),
        }
        Ok(())
    }
}

async fn run(mut socket: WebSocket, queue: QueueClient, format: RawFormat, options: PredictOptions) {
    let (pcm, chunks) = mpsc::channel::<Bytes>(PCM_QUEUE);
    let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
    let name = PathBuf::from("live");
    let pipeline = tokio::task::spawn_blocking(move || {
        let reader = ChannelReader {
            chunks,
            current: Bytes::new(),
            at: 0,
        };
        let mut sink = Forward(out);
        let result = RawPcm::named(&name, reader, format).and_then(|source| {
            let input = Input::Source {
                name: name.clone(),
                source: HandOver::new(Box::new(source)),
                live: true,
            };
            predict_inputs(&queue, &[input], &options, &mut sink)
        });
        if let Err(e) = result {
            sink.send("error", serde_json::json!({ "error": e.to_string() }));
        }
    });
    // Read PCM until the client ends or leaves; answer until the pipeline has said everything.
    let mut pcm = Some(pcm);
    let mut open = true;
    loop {
        tokio::select! {
            incoming = socket.recv(), if pcm.is_some() => match incoming {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Some(sender) = &pcm
                        && sender.send(bytes).await.is_err()
                    {
                        pcm = None;
                    }
                }
                Some(Ok(Message::Text(text))) if text.trim() == "end" => pcm = None,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    pcm = None;
                    open = false;
                }
                Some(Ok(_)) => {}
            },
            message = outgoing.recv() => match message {
                Some(text) if open => open = socket.send(Message::Text(text.into())).await.is_ok(),
                Some(_) => {}
                None => break,
            },
        }
    }
    let _ = pipeline.await;
    if open {
        let _ = socket.send(Message::Close(None)).await;
    }
}
