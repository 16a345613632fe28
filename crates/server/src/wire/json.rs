//! JSON in and out. Request bodies go through `Json`, whose rejection is Okta's E0000003
//! instead of axum's plain-text answer; an empty body reads as `{}` where the SDKs send none.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::ApiError;

/// A JSON request body (and response, through `IntoResponse`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::MalformedBody)?;
        parse_body(&bytes).map(Json)
    }
}

/// Parses a body; an empty one reads as `{}` (clients send no body on action POSTs).
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|_| ApiError::MalformedBody)
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "response serialisation failed");
                ApiError::Internal.into_response()
            }
        }
    }
}

/// Sets `key` of a JSON object (no effect on other values); the non-panicking form of
/// `value[key] = field`.
pub fn put(value: &mut serde_json::Value, key: &str, field: serde_json::Value) {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), field);
    }
}
