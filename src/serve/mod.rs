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
//! Resources are bounded ([`limits`]): body size, audio duration, request time, concurrent
//! requests, and budgets of body bytes and audio seconds held at once; a request's work stops
//! when it is answered, times out or its client leaves; SIGTERM or Ctrl-C stops the server
//! within [`SHUTDOWN_GRACE`]. The API can require a bearer token. One line per request is
//! logged to standard error.

mod api;
mod api_error;
pub mod attack;
mod limits;
mod live;
pub mod load;
mod page;
pub mod queue;
mod server;
mod state;
pub mod stats;

pub use server::{SHUTDOWN_GRACE, ServeOptions, run};
