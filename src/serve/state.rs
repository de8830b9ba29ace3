//! What every request handler shares: the classification queue, the permits and budgets that
//! bound the work held at once, the limits of a request, and the server's shutdown token.

use super::limits::Budget;
use super::queue::QueueClient;
use crate::predict::Cancel;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What every handler shares.
#[derive(Clone)]
pub(super) struct AppState {
    pub(super) queue: QueueClient,
    pub(super) permits: Arc<Semaphore>,
    pub(super) timeout: Duration,
    pub(super) max_duration: f64,
    pub(super) max_body: usize,
    /// Tenths of a second of audio held by requests.
    pub(super) audio_budget: Budget,
    /// KiB of request bodies held.
    pub(super) body_budget: Budget,
    /// Cancelled when the server shuts down: every request's token is its child.
    pub(super) shutdown: Cancel,
}
