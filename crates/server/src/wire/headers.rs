//! Headers every response carries, and the one place errors are logged.
//!
//! - `X-Okta-Request-Id`: a fresh id per request, also on the tracing span.
//! - `Date` (RFC 1123) and `X-Rate-Limit-Limit/Remaining/Reset`: the Python SDK backs off on
//!   429 only when both `Date` and `X-Rate-Limit-Reset` are present.
//!
//! Rate limits are decided here, before the handler runs (`crate::rate_limit`).

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::error::{ApiError, ErrorLogged, RetryAt};
use crate::events::{RequestContext, REQUEST};
use crate::rate_limit::{Bucket, Decision};
use crate::state::AppState;
use axum::response::IntoResponse;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// Adds the standard headers and logs the request (and its error, once).
pub async fn standard_headers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = model::ids::random_base62(27);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // A debug span: at the default level no span is made per request (its fields would be
    // formatted for every request); failures carry the request id in their own event.
    let span = tracing::debug_span!("request", request_id = %request_id, %method, %path);
    let started = std::time::Instant::now();
    let context = RequestContext {
        request_id: request_id.clone(),
        ip_address: client_ip(&app, peer_of(&req), forwarded_for(&req)).await,
        user_agent: req
            .headers()
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let now = app.clock.now();
    let bucket = Bucket::of_request(req.method(), &path).unwrap_or(Bucket::Default);
    // Unauthenticated sign-in requests count per client address first, then in the bucket.
    let public_signin = bucket == Bucket::Authn
        && req.method() == axum::http::Method::POST
        && !req
            .headers()
            .contains_key(axum::http::header::AUTHORIZATION);
    let decision = match (public_signin, &context.ip_address) {
        (true, Some(ip)) => app.rate.check_client(bucket, ip, now.millis()),
        _ => app.rate.check(bucket, now.millis()),
    };
    let mut response = if decision.allowed {
        REQUEST
            .scope(context, next.run(req))
            .instrument(span.clone())
            .await
    } else {
        if decision.first_refusal {
            report_violation(&app, &path, &context, decision.limit, now.millis());
        }
        ApiError::TooManyRequests.into_response()
    };
    let Decision {
        limit,
        remaining,
        reset,
        ..
    } = decision;
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
    // A refusal that knows when it ends (a code resent too soon) says so instead of the
    // bucket's window.
    let (remaining, reset) = match response.extensions().get::<RetryAt>() {
        Some(RetryAt(at)) => (0, (at + 999) / 1000),
        None => (remaining, reset),
    };
    let headers = response.headers_mut();
    headers.insert(LIMIT, HeaderValue::from(limit));
    headers.insert(REMAINING, HeaderValue::from(remaining));
    headers.insert(RESET, HeaderValue::from(reset));
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _enter = span.enter();
    match response.extensions().get::<ErrorLogged>() {
        Some(err) => {
            tracing::info!(%request_id, %method, %path, status, elapsed_ms, error_code = err.code, error_id = %err.error_id, "request failed")
        }
        None => tracing::debug!(status, elapsed_ms, "request"),
    }
    response
}

/// The client address (zones.md): the connection's peer, or, when the peer is a trusted
/// proxy (an address in the `proxies` of an ACTIVE IP zone), the right-most
/// `X-Forwarded-For` hop that is not one. Zones are read only for requests that carry the
/// header, so direct requests cost nothing.
async fn client_ip(
    app: &AppState,
    peer: Option<std::net::IpAddr>,
    forwarded: Option<String>,
) -> Option<String> {
    let peer = peer?;
    let Some(forwarded) = forwarded else {
        return Some(peer.to_string());
    };
    let trusted = match app.store.list_zones().await {
        Ok(zones) => zones
            .iter()
            .filter(|z| z.status == "ACTIVE")
            .flat_map(|z| crate::policies::entries(&z.proxies))
            .collect::<Vec<_>>(),
        Err(err) => {
            tracing::warn!(error = %err, "zones unreadable; using the peer address");
            Vec::new()
        }
    };
    Some(model::zones::client_ip(peer, Some(&forwarded), &trusted).to_string())
}

/// Writes `system.org.rate_limit.violation` for the first refused request of a counter in a
/// window, off the request's path (a refused request must stay cheap).
fn report_violation(app: &AppState, path: &str, context: &RequestContext, limit: u64, now: i64) {
    let mut event = crate::events::event(
        "system.org.rate_limit.violation",
        "Rate limit violation",
        &crate::events::Actor::system(),
        Vec::new(),
        now,
    );
    crate::wire::json::put(
        &mut event.body,
        "debugContext",
        serde_json::json!({ "debugData": {
            "requestId": context.request_id,
            "requestUri": path,
            "threshold": limit,
            "timeSpan": 1,
            "timeSpanUnit": "MINUTES",
        }}),
    );
    crate::wire::json::put(
        &mut event.body,
        "client",
        serde_json::json!({ "ipAddress": context.ip_address }),
    );
    let store = std::sync::Arc::clone(&app.store);
    tokio::spawn(async move {
        if let Err(err) = store.record_events(&[event]).await {
            tracing::warn!(error = %err, "rate-limit violation event not written");
        }
    });
}

fn peer_of(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

fn forwarded_for(req: &Request) -> Option<String> {
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
