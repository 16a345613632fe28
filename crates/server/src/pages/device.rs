//! The device activation page (`/activate?user_code=...`): the signed-in user approves or
//! denies what a device asked for with the device authorization grant (`crate::oauth::device`).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{forged, genuine, signed_in, Csrf, Page, PageForm};
use crate::oauth::device;
use crate::state::AppState;

/// This page, for the code typed so far.
fn here(user_code: &str) -> String {
    if user_code.is_empty() {
        "/activate".to_owned()
    } else {
        format!("/activate?user_code={}", urlencoding::encode(user_code))
    }
}

fn code_page(typed: &str) -> Page {
    Page::new(
        "pages/activate.html",
        "Activate your device",
        json!({ "typed": typed }),
    )
}

/// `GET /activate[?user_code=...]`: the code form, or what the code asks for.
pub(super) async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let csrf = Csrf::of(&headers);
    let typed = query.get("user_code").cloned().unwrap_or_default();
    let (_, user) = match signed_in(&app, &headers, &here(&typed)).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    if typed.is_empty() {
        return code_page("").render(&app, &csrf);
    }
    match device::pending(&app, &typed).await {
        Ok(Some(p)) => Page::new(
            "pages/activate.html",
            "Activate your device",
            json!({
                "client_name": p.client.app.label,
                "user_code": p.record.user_code,
                "login": user.profile.get("login").and_then(Value::as_str).unwrap_or_default(),
            }),
        )
        .render(&app, &csrf),
        _ => code_page(&typed)
            .status(StatusCode::NOT_FOUND)
            .error("That code is not valid or has expired. Check the code on your device.")
            .render(&app, &csrf),
    }
}

/// `POST /activate`: `decision` is `allow` or `deny`.
pub(super) async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let csrf = Csrf::of(&headers);
    let typed = form.get("user_code").cloned().unwrap_or_default();
    let (session, user) = match signed_in(&app, &headers, &here(&typed)).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let Ok(Some(pending)) = device::pending(&app, &typed).await else {
        return code_page(&typed)
            .status(StatusCode::NOT_FOUND)
            .error("That code is not valid or has expired. Check the code on your device.")
            .render(&app, &csrf);
    };
    let approve = form.get("decision").map(String::as_str) == Some("allow");
    match device::decide(&app, &pending, &session, &user, approve).await {
        Ok(true) if approve => Page::message(
            "Device activated",
            "Your device is signed in. You can close this window.",
            None,
        )
        .render(&app, &csrf),
        Ok(true) => Page::message("Device not allowed", "Your device was not signed in.", None)
            .render(&app, &csrf),
        Ok(false) => code_page(&typed)
            .status(StatusCode::CONFLICT)
            .error("That code was already used or has expired.")
            .render(&app, &csrf),
        Err(err) => code_page(&typed)
            .status(StatusCode::FORBIDDEN)
            .error(err.description)
            .render(&app, &csrf),
    }
}
