//! OAuth's error answer (RFC 6749 5.2, RFC 6750 3; oidc.md "Possible errors"): a JSON object
//! with `error` and `error_description`, never cached, with `WWW-Authenticate` where a
//! bearer token or client credentials were refused.

use axum::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::wire::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// Where the answer challenges a bearer token (userinfo) rather than a client.
    pub bearer: bool,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            bearer: false,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    /// The device grant's poll answers (RFC 8628 3.5).
    pub fn authorization_pending(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            description,
        )
    }

    pub fn slow_down(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "slow_down", description)
    }

    pub fn expired_token(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "expired_token", description)
    }

    pub fn access_denied(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "access_denied", description)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The authorization server was not found.",
        )
    }

    /// A refused bearer token (RFC 6750 3.1), as `/userinfo` answers it.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self {
            bearer: true,
            ..Self::new(StatusCode::UNAUTHORIZED, "invalid_token", description)
        }
    }

    pub fn insufficient_scope(description: impl Into<String>) -> Self {
        Self {
            bearer: true,
            ..Self::new(StatusCode::FORBIDDEN, "insufficient_scope", description)
        }
    }

    pub fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The server encountered an internal error.",
        )
    }
}

impl From<store::StoreError> for OAuthError {
    fn from(e: store::StoreError) -> Self {
        tracing::error!(error = %e, "storage failed in an OAuth request");
        Self::server_error()
    }
}

impl From<ApiError> for OAuthError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::AuthenticationFailed => Self::invalid_grant("The credentials are invalid."),
            ApiError::TooManyRequests => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "Too many requests.",
            ),
            other => {
                tracing::error!(error = ?other, "OAuth request failed");
                Self::server_error()
            }
        }
    }
}

/// A header value with `"` and `\` escaped for a quoted-string.
fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache, no-store"),
        );
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        let challenge = if self.bearer {
            Some(format!(
                "Bearer authorization_uri=\"\", error=\"{}\", error_description=\"{}\"",
                self.error,
                quoted(&self.description)
            ))
        } else if self.status == StatusCode::UNAUTHORIZED {
            Some("Basic realm=\"oauth2\"".to_owned())
        } else {
            None
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        response
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;
