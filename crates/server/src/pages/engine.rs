//! The pages' way into the Authn API: one in-process request through the API's own router, so
//! a page step is exactly the API call a client would make (same validation, state machine,
//! lockout and events). The page request's context (client address, request id) is the
//! task's, so the API sees the browser, not the server.

use axum::body::Body;
use axum::http::header::{ACCEPT, CONTENT_TYPE, COOKIE, USER_AGENT};
use axum::http::{HeaderMap, Request};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use crate::state::AppState;

/// An Authn API error, as the page shows it.
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// Answers of a JSON body this large are not expected from the Authn API.
const MAX_ANSWER: usize = 1 << 20;

/// POSTs `body` to `/api/v1/{path}` as the browser behind `headers`, answering the
/// transaction object or the error.
pub(crate) async fn call(
    app: &AppState,
    headers: &HeaderMap,
    path: &str,
    body: &Value,
) -> Result<Value, Refused> {
    let router: Router = Router::new()
        .nest("/api/v1", crate::api::authn::routes())
        .with_state(app.clone());
    let mut request = Request::post(format!("/api/v1/{path}"))
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json");
    for name in [USER_AGENT, COOKIE] {
        if let Some(v) = headers.get(&name) {
            request = request.header(name, v.clone());
        }
    }
    let request = request
        .body(Body::from(body.to_string()))
        .map_err(|_| internal())?;
    let response = match router.oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
        .await
        .map_err(|_| internal())?;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(answer);
    }
    Err(refused(status, &answer))
}

fn internal() -> Refused {
    Refused {
        status: 500,
        code: "E0000009".into(),
        message: "Something went wrong. Try again.".into(),
    }
}

/// The error's causes (what the user can fix), else its summary.
fn refused(status: u16, answer: &Value) -> Refused {
    let causes: Vec<&str> = answer
        .get("errorCauses")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| c.get("errorSummary").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let summary = answer
        .get("errorSummary")
        .and_then(Value::as_str)
        .unwrap_or("Something went wrong. Try again.");
    let message = if causes.is_empty() {
        summary.to_owned()
    } else {
        causes.join(" ")
    };
    Refused {
        status,
        code: answer
            .get("errorCode")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        message,
    }
}
