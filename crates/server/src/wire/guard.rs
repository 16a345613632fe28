//! The request guard: what no handler and no store should ever see.
//!
//! - A body longer than the limit is answered 413 with Okta's error object, after reading
//!   (and dropping) what the client sends, so the client reads the answer instead of a reset
//!   connection. Beyond a hard cap, or when the client announced it and waits for
//!   `100 Continue`, the answer goes at once and the connection closes.
//! - U+0000 in a JSON string (`\u0000`), a NUL byte in a text body, `%00` in a form body, and
//!   a query string or path that holds `%00` or does not decode to UTF-8 are refused with a
//!   400 before anything reaches a store: PostgreSQL cannot hold U+0000 in text or jsonb, and
//!   both backends must answer alike.
//!
//! - A query parameter longer than 16 KiB once decoded is refused (no Okta search, filter,
//!   cursor or keyword is that long, and SQLite refuses LIKE patterns past 50,000 bytes).
//!
//! Invariant: a request that passes reaches the handlers with its body whole and unchanged.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use std::time::Duration;

use super::error::ApiError;
use crate::state::AppState;

/// How much of an oversized body is read and dropped before the 413, as a multiple of the
/// limit, and for how long at most.
const DRAIN_FACTOR: usize = 8;
const DRAIN_TIME: Duration = Duration::from_secs(10);

pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if let Err(err) = check_uri(req.uri()) {
        return err.into_response();
    }
    let limit = app.config.limits.max_body_bytes;
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expects_continue = parts
        .headers
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if declared.is_some_and(|n| n > limit as u64) && expects_continue {
        return too_large(limit, &parts);
    }
    let bytes = match read_limited(body, limit).await {
        Read::Whole(bytes) => bytes,
        Read::TooLarge => return too_large(limit, &parts),
        Read::Broken => return ApiError::MalformedBody.into_response(),
    };
    if let Err(err) = check_body(&parts.headers, &bytes) {
        return err.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

enum Read {
    Whole(bytes::Bytes),
    /// Over the limit; what followed was read and dropped (up to the drain cap).
    TooLarge,
    /// The client broke off mid-body.
    Broken,
}

async fn read_limited(body: Body, limit: usize) -> Read {
    let mut stream = body.into_data_stream();
    let mut kept = bytes::BytesMut::new();
    let mut seen = 0usize;
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    loop {
        let next = if seen > limit {
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => return Read::TooLarge,
            }
        } else {
            stream.next().await
        };
        match next {
            None => break,
            Some(Err(_)) if seen > limit => return Read::TooLarge,
            Some(Err(_)) => return Read::Broken,
            Some(Ok(chunk)) => {
                seen = seen.saturating_add(chunk.len());
                if seen <= limit {
                    kept.extend_from_slice(&chunk);
                } else {
                    kept.clear();
                    if seen > limit.saturating_mul(DRAIN_FACTOR) {
                        return Read::TooLarge;
                    }
                }
            }
        }
    }
    if seen > limit {
        return Read::TooLarge;
    }
    Read::Whole(kept.freeze())
}

/// 413 with Okta's error object; the connection closes after it (the rest of the body, if
/// any, is not read).
fn too_large(limit: usize, parts: &axum::http::request::Parts) -> Response {
    tracing::info!(
        method = %parts.method,
        path = %parts.uri.path(),
        limit,
        "request body over the limit"
    );
    let mut response = ApiError::BodyTooLarge.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn nul_refused(what: &str) -> ApiError {
    ApiError::invalid(
        what,
        format!("{what}: The request holds a NUL character, which no value may contain"),
    )
}

/// The longest query parameter value accepted, decoded.
const MAX_QUERY_VALUE: usize = 16 * 1024;

/// The path and the query must decode to UTF-8 without NUL, each query value within
/// [`MAX_QUERY_VALUE`].
fn check_uri(uri: &axum::http::Uri) -> Result<(), ApiError> {
    for pair in uri.query().unwrap_or("").split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if urlencoding::decode_binary(value.as_bytes()).len() > MAX_QUERY_VALUE {
            let name =
                urlencoding::decode(name).map_or_else(|_| "query".into(), |n| n.into_owned());
            return Err(ApiError::invalid(
                name.clone(),
                format!("{name}: The value cannot be longer than {MAX_QUERY_VALUE} bytes"),
            ));
        }
    }
    for (what, raw) in [("path", uri.path()), ("query", uri.query().unwrap_or(""))] {
        let plus_as_space = raw.replace('+', " ");
        let decoded = urlencoding::decode_binary(plus_as_space.as_bytes());
        if decoded.contains(&0) {
            return Err(nul_refused(what));
        }
        if std::str::from_utf8(&decoded).is_err() {
            return Err(ApiError::invalid(
                what,
                format!("{what}: The request's {what} is not valid UTF-8 once decoded"),
            ));
        }
    }
    Ok(())
}

/// The media types of a published certificate (publishCsrFromApplication).
pub const CERTIFICATE_TYPES: [&str; 3] = [
    "application/x-x509-ca-cert",
    "application/pkix-cert",
    "application/x-pem-file",
];

/// Text bodies must not carry NUL in any form their parsers would turn into U+0000.
fn check_body(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    if body.is_empty() {
        return Ok(());
    }
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if kind.starts_with("multipart/")
        || kind.starts_with("image/")
        || CERTIFICATE_TYPES.iter().any(|t| kind.starts_with(t))
    {
        // Binary uploads (app logos, certificates a CA issued) are parsed as bytes, never
        // stored as text.
        return Ok(());
    }
    if kind.starts_with("application/x-www-form-urlencoded") {
        let decoded = urlencoding::decode_binary(body);
        return if decoded.contains(&0) {
            Err(nul_refused("body"))
        } else {
            Ok(())
        };
    }
    // JSON (and anything unlabelled, which the handlers read as JSON).
    if body.contains(&0) || json_has_escaped_nul(body) {
        return Err(ApiError::MalformedBody);
    }
    Ok(())
}

/// Whether JSON text holds the escape `\u0000` (an escaped backslash followed by `u0000` is
/// text, not NUL).
pub fn json_has_escaped_nul(text: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b != b'\\' {
            i += 1;
            continue;
        }
        match text.get(i + 1) {
            Some(b'u') => {
                let hex = text.get(i + 2..i + 6);
                if hex == Some(b"0000") {
                    return true;
                }
                i += 6;
            }
            Some(_) => i += 2,
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_nul_is_found_only_as_an_escape() {
        assert!(json_has_escaped_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_escaped_nul(br#"{"a\u0000":1}"#));
        assert!(
            json_has_escaped_nul(br#"["\\\u0000"]"#),
            "escaped backslash, then NUL"
        );
        assert!(
            !json_has_escaped_nul(br#"{"a":"\\u0000"}"#),
            "the text \\u0000"
        );
        assert!(!json_has_escaped_nul(br#"{"a":"\u0001\u00e9"}"#));
        assert!(!json_has_escaped_nul(br#"{"a":"\"}"#));
        assert!(!json_has_escaped_nul(b"\\"));
    }

    #[test]
    fn uris_with_nul_or_broken_utf8_are_refused() {
        let ok: axum::http::Uri = "/api/v1/users?search=profile.login%20eq%20%22a%22"
            .parse()
            .unwrap();
        assert!(check_uri(&ok).is_ok());
        for bad in [
            "/api/v1/users?after=abc%00",
            "/api/v1/users/%00",
            "/api/v1/users?q=%ff%fe",
            "/api/v1/users?filter=status+eq+%22A%00%22",
        ] {
            let uri: axum::http::Uri = bad.parse().unwrap();
            assert!(check_uri(&uri).is_err(), "{bad}");
        }
        let long = format!("/api/v1/users?q={}", "a".repeat(MAX_QUERY_VALUE + 1));
        let fits = format!("/api/v1/users?q={}", "a".repeat(MAX_QUERY_VALUE));
        assert!(check_uri(&fits.parse().unwrap()).is_ok());
        assert!(check_uri(&long.parse().unwrap()).is_err());
    }

    #[test]
    fn bodies_by_content_type() {
        let json = |ct: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            h
        };
        assert!(check_body(&json("application/json"), br#"{"a":"b"}"#).is_ok());
        assert!(check_body(&json("application/json"), br#"{"a":"\u0000"}"#).is_err());
        assert!(check_body(&axum::http::HeaderMap::new(), b"{\"a\":\"\0\"}").is_err());
        assert!(check_body(&json("application/x-www-form-urlencoded"), b"a=b%00").is_err());
        assert!(check_body(&json("application/x-www-form-urlencoded"), b"a=b").is_ok());
        assert!(check_body(&json("multipart/form-data; boundary=x"), b"\0\\u0000").is_ok());
        assert!(check_body(&json("application/pkix-cert"), b"0\x82\0\0").is_ok());
    }
}
