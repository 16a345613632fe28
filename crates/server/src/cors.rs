//! CORS for the endpoints browsers call (core-okta-api.md, "Cross-Origin Resource Sharing";
//! the operations authn.md and sessions.md mark as supporting CORS, and the `isCorsEnabled`
//! operations of the management spec that a signed-in user calls on themself).
//!
//! Which requests: the Authentication API (`/api/v1/authn` and below), the current session
//! (`/api/v1/sessions/me` and below), the current user (`/api/v1/users/me` and below, the
//! `isCorsEnabled` user operations under the `me` alias), `/login/sessionCookieRedirect` and
//! `/.well-known/okta-organization`. Every other path — the management API an API token
//! drives — never answers CORS, whatever the origin.
//!
//! What it answers, only when the `Origin` is an ACTIVE trusted origin with the CORS scope
//! (`crate::trusted_origins::is_cors_allowed`, one indexed look-up per cross-origin request,
//! so a change holds on every node at once):
//! - a preflight (`OPTIONS` with `Access-Control-Request-Method`) gets 200 with
//!   `Access-Control-Allow-Origin` (the exact origin, never `*`), `-Allow-Credentials: true`,
//!   `-Allow-Methods`, `-Allow-Headers` and `Vary: Origin`, and never reaches a handler;
//! - any other request runs normally and its answer, errors included, gets
//!   `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Expose-Headers` and `Vary: Origin`.
//!
//! Refusals: a preflight from any other origin (or for a method not listed) gets 403
//! E0000006 without CORS headers, so the browser stops there. A request that carries an API
//! token (`Authorization: SSWS ...`) gets no CORS headers even from a trusted origin: API
//! tokens are for servers, and Okta refuses them to browsers. A request from this org's own
//! origin is same-origin and passes untouched. Every answer on these paths carries
//! `Vary: Origin`, so caches keep per-origin answers apart.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    AUTHORIZATION, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::trusted_origins::{is_cors_allowed, is_own_origin};
use crate::wire::ApiError;

/// Path prefixes (whole segments) of the CORS-enabled endpoints.
const CORS_PREFIXES: [&str; 4] = [
    "/api/v1/authn",
    "/api/v1/sessions/me",
    "/api/v1/users/me",
    "/oauth2",
];
/// CORS-enabled paths matched exactly.
const CORS_PATHS: [&str; 4] = [
    "/login/sessionCookieRedirect",
    "/.well-known/okta-organization",
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
];

/// Methods a preflight may ask for.
const ALLOW_METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::OPTIONS,
];
const ALLOW_METHODS_VALUE: &str = "GET, POST, PUT, DELETE, OPTIONS";
/// Request headers the browser libraries send: okta-auth-js and the Sign-In Widget
/// (`X-Okta-User-Agent-Extended`, `X-Device-Fingerprint`), `Prefer` for session refresh.
const ALLOW_HEADERS_VALUE: &str = "Accept, Authorization, Content-Type, Prefer, \
     X-Device-Fingerprint, X-Okta-User-Agent-Extended, X-Requested-With";
/// Response headers scripts may read: pagination, the request id, rate limits, and
/// `WWW-Authenticate`, which okta-auth-js reads on errors.
const EXPOSE_HEADERS_VALUE: &str = "Link, WWW-Authenticate, X-Okta-Request-Id, \
     X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset";

/// Whether `path` is one of the CORS-enabled endpoints.
pub fn is_cors_path(path: &str) -> bool {
    CORS_PATHS.contains(&path)
        || CORS_PREFIXES.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// The middleware (see the module documentation).
pub async fn cors(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !is_cors_path(req.uri().path()) {
        return next.run(req).await;
    }
    let origin = req
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let Some(origin) = origin else {
        return with_vary(next.run(req).await);
    };
    if !preflight && (carries_api_token(req.headers()) || is_own_origin(&app, &origin)) {
        return with_vary(next.run(req).await);
    }
    let allowed = match is_cors_allowed(app.store.as_ref(), &origin).await {
        Ok(allowed) => allowed,
        Err(err) => return with_vary(ApiError::from(err).into_response()),
    };
    if preflight {
        let method_ok = req
            .headers()
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| Method::from_bytes(v.as_bytes()).ok())
            .is_some_and(|m| ALLOW_METHODS.contains(&m));
        return with_vary(if allowed && method_ok {
            preflight_answer(&origin)
        } else {
            ApiError::AccessDenied.into_response()
        });
    }
    let mut response = next.run(req).await;
    if allowed {
        let headers = response.headers_mut();
        allow_origin(headers, &origin);
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS_VALUE),
        );
    }
    with_vary(response)
}

fn carries_api_token(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::auth::ssws::parse_ssws(v).is_some())
}

/// 200 with the allow headers and no body (nothing labelled JSON).
fn preflight_answer(origin: &str) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    allow_origin(headers, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS_VALUE),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS_VALUE),
    );
    response
}

fn allow_origin(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

fn with_vary(mut response: Response) -> Response {
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("Origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::is_cors_path;

    #[test]
    fn only_browser_endpoints_are_cors_paths() {
        for path in [
            "/api/v1/authn",
            "/api/v1/authn/factors/ufs1/verify",
            "/api/v1/sessions/me",
            "/api/v1/sessions/me/lifecycle/refresh",
            "/api/v1/users/me",
            "/api/v1/users/me/groups",
            "/login/sessionCookieRedirect",
            "/.well-known/okta-organization",
        ] {
            assert!(is_cors_path(path), "{path}");
        }
        for path in [
            "/api/v1/users",
            "/api/v1/users/00u1234567890123456",
            "/api/v1/users/me@example.com",
            "/api/v1/users/meg",
            "/api/v1/sessions/102abc",
            "/api/v1/authnx",
            "/api/v1/trustedOrigins",
            "/api/v1/logs",
            "/api/v1/api-tokens",
            "/login/sessionCookieRedirectX",
            "/",
        ] {
            assert!(!is_cors_path(path), "{path}");
        }
    }
}
