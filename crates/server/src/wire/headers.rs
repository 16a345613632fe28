//! Headers every response carries, and the one place errors are logged.
//!
//! - `X-Okta-Request-Id`: a fresh id per request, also on the tracing span.
//! - `Date` (RFC 1123) and `X-Rate-Limit-Limit/Remaining/Reset`: the Python SDK backs off on
//!   429 only when both `Date` and `X-Rate-Limit-Reset` are present.
//!
//! The rate-limit window here counts requests per minute for the headers; enforcement with
//! 429 and store-backed windows shared by all nodes belong to the rate-limits work.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tracing::Instrument;

use super::error::ErrorLogged;
use crate::events::{RequestContext, REQUEST};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// A fixed one-minute window of request counts.
#[derive(Debug)]
pub struct RateWindow {
    limit: u64,
    window_start: AtomicI64,
    count: AtomicU64,
}

impl RateWindow {
    pub fn new(limit_per_minute: u64) -> Arc<Self> {
        Arc::new(Self {
            limit: limit_per_minute,
            window_start: AtomicI64::new(0),
            count: AtomicU64::new(0),
        })
    }

    /// Counts one request at `now_secs`; returns (limit, remaining, reset epoch seconds).
    pub fn hit(&self, now_secs: i64) -> (u64, u64, i64) {
        let window = now_secs - now_secs.rem_euclid(60);
        let previous = self.window_start.swap(window, Ordering::AcqRel);
        if previous != window {
            self.count.store(0, Ordering::Release);
        }
        let used = self.count.fetch_add(1, Ordering::AcqRel) + 1;
        (self.limit, self.limit.saturating_sub(used), window + 60)
    }
}

/// Adds the standard headers and logs the request (and its error, once).
pub async fn standard_headers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = model::ids::random_base62(27);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path);
    let started = std::time::Instant::now();
    let context = RequestContext {
        request_id: request_id.clone(),
        ip_address: client_ip(&req),
        user_agent: req
            .headers()
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let mut response = REQUEST
        .scope(context, next.run(req))
        .instrument(span.clone())
        .await;
    let now = app.clock.now();
    let (limit, remaining, reset) = app.rate.hit(now.millis() / 1000);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    let date = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH
            + std::time::Duration::from_millis(u64::try_from(now.millis()).unwrap_or(0)),
    );
    if let Ok(v) = HeaderValue::from_str(&date) {
        headers.insert(axum::http::header::DATE, v);
    }
    headers.insert(LIMIT, HeaderValue::from(limit));
    headers.insert(REMAINING, HeaderValue::from(remaining));
    headers.insert(RESET, HeaderValue::from(reset));
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _enter = span.enter();
    match response.extensions().get::<ErrorLogged>() {
        Some(err) => {
            tracing::info!(status, elapsed_ms, error_code = err.code, error_id = %err.error_id, "request failed")
        }
        None => tracing::debug!(status, elapsed_ms, "request"),
    }
    response
}

/// The client address: the peer, as Okta sees it (X-Forwarded-For is honoured only for
/// trusted proxies, which arrive with network zones).
fn client_ip(req: &Request) -> Option<String> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_down_and_resets_each_minute() {
        let w = RateWindow::new(3);
        assert_eq!(w.hit(120), (3, 2, 180));
        assert_eq!(w.hit(150), (3, 1, 180));
        assert_eq!(w.hit(179), (3, 0, 180));
        assert_eq!(w.hit(179), (3, 0, 180));
        assert_eq!(w.hit(181), (3, 2, 240));
    }
}
