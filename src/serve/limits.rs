//! What bounds the server's resources and who may use it: budgets of request-body bytes and of
//! audio seconds held by requests at once (over either, 503 with `Retry-After` at once rather
//! than after a timeout), and optional bearer-token authentication of the API.

use super::api_error::ApiError;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A budget of some unit (bytes, tenths of a second of audio) shared by all requests.
#[derive(Clone)]
pub(crate) struct Budget {
    units: Arc<Semaphore>,
    total: u32,
    /// What one unit is, for messages: (name of the budget, units per displayed unit, shown unit).
    describe: (&'static str, f64, &'static str),
}

impl Budget {
    pub(crate) fn new(total: u32, describe: (&'static str, f64, &'static str)) -> Budget {
        let total = total.max(1);
        Budget {
            units: Arc::new(Semaphore::new(total as usize)),
            total,
            describe,
        }
    }

    /// Takes `units` (capped at the whole budget, so one large request can still run alone) or
    /// answers 503 with `Retry-After`; the units return when the guard drops.
    pub(crate) fn take(&self, units: u64) -> Result<OwnedSemaphorePermit, ApiError> {
        let units = units.clamp(1, self.total as u64) as u32;
        self.units.clone().try_acquire_many_owned(units).map_err(|_| {
            let (name, scale, unit) = self.describe;
            ApiError::busy(format!(
                "the server holds its limit of {:.0} {unit} of {name} already: try again shortly",
                self.total as f64 / scale
            ))
        })
    }
}

/// The API's bearer token, if one is set.
#[derive(Clone)]
pub(crate) struct Token(pub(crate) Option<Arc<str>>);

/// Compares without stopping at the first difference (no timing hint of the token's prefix).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token a request carries: `Authorization: Bearer T`, or `token=T` in the query (a
/// browser cannot set headers on a WebSocket).
fn presented(request: &Request) -> Option<String> {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    header.or_else(|| {
        request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("token="))
                .map(percent_decode)
        })
    })
}

/// `%XX` escapes and `+` of a query value.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let digit = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
                if let (Some(high), Some(low)) = (digit(i + 1), digit(i + 2)) {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads and drops up to `limit` bytes of a request's body: a client that sends its whole body
/// without waiting for an early answer (401, 413) then hears the answer instead of a broken
/// pipe, and does not reuse a connection the server is about to close.
pub(crate) async fn drain(request: Request, limit: u64) {
    let mut body = request.into_body();
    let mut read = 0u64;
    while read <= limit {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => return,
        }
    }
}

/// Lets a request to the API through only with the token (when one is set); the page, its
/// assets and `/healthz` stay open. A refused request's body (up to `max_body`) is drained.
pub(crate) async fn require_token(token: Token, max_body: usize, request: Request, next: Next) -> Response {
    let Some(expected) = token.0 else {
        return next.run(request).await;
    };
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let message = match presented(&request) {
        Some(given) if same(given.as_bytes(), expected.as_bytes()) => return next.run(request).await,
        Some(_) => "wrong token",
        None => "this server needs a token: send `Authorization: Bearer TOKEN`",
    };
    drain(request, max_body as u64).await;
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly_and_query_values_decode() {
        assert!(same(b"s3cret", b"s3cret"));
        assert!(!same(b"s3cret", b"s3creT"));
        assert!(!same(b"s3cret", b"s3cre"));
        assert_eq!(percent_decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
    }

    #[test]
    fn a_budget_refuses_what_it_does_not_hold_and_takes_back_what_drops() {
        let budget = Budget::new(100, ("audio", 10.0, "s"));
        let first = budget.take(60).unwrap();
        let refused = budget.take(60).unwrap_err();
        assert!(refused.message().contains("10 s of audio"), "{}", refused.message());
        // A request larger than the whole budget may run alone.
        drop(first);
        let alone = budget.take(1_000).unwrap();
        assert!(budget.take(1).is_err());
        drop(alone);
        assert!(budget.take(1).is_ok());
    }
}
