//! The signed-in user's pages: the app dashboard (`/app/UserHome`) and settings (change
//! password, remove a verification method). Both need the browser's session; without one they
//! send it to sign in and back.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};
use store::UserRecord;

use super::{forged, genuine, see_other, signed_in, Csrf, Page, PageForm};
use crate::state::AppState;

fn login(user: &UserRecord) -> String {
    user.profile
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `GET /app/UserHome`: the user's app links.
pub(super) async fn home(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (_, user) = match signed_in(&app, &headers, "/app/UserHome").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let csrf = Csrf::of(&headers);
    let apps = match crate::api::app_users::app_links(&app, &user).await {
        Ok(links) => links,
        Err(err) => {
            tracing::warn!(error = %err.user_message(), "dashboard: app links could not be read");
            Vec::new()
        }
    };
    Page::new(
        "pages/home.html",
        "Your apps",
        json!({ "apps": apps, "login": login(&user) }),
    )
    .render(&app, &csrf)
}

/// `GET /home/{appName}/{appId}/{linkId}`: a dashboard link; opens the app where it can be
/// opened from here (a bookmark's URL, an OpenID Connect app's `initiate_login_uri`, the URL
/// of a sign-in form app), for a user the app is assigned to.
pub(super) async fn open_app(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path((name, app_id, link)): axum::extract::Path<(String, String, String)>,
) -> Response {
    let here = format!("/home/{name}/{app_id}/{link}");
    let (_, user) = match signed_in(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let csrf = Csrf::of(&headers);
    let assigned = crate::api::app_users::app_links(&app, &user)
        .await
        .unwrap_or_default()
        .iter()
        .any(|l| l.get("appInstanceId").and_then(Value::as_str) == Some(app_id.as_str()));
    let record = app.store.app_by_id(&app_id).await.ok().flatten();
    let target = record.as_ref().filter(|_| assigned).and_then(launch_url);
    match target {
        Some(url) => see_other(&url, Vec::new()),
        None => Page::message(
            "This app can't be opened here",
            "The app is not assigned to you, or it has no address to open. Ask your administrator.",
            Some(("/app/UserHome", "Back to your apps")),
        )
        .status(axum::http::StatusCode::NOT_FOUND)
        .render(&app, &csrf),
    }
}

/// Where a dashboard link of `record` goes: an http(s) URL from its settings.
fn launch_url(record: &store::AppRecord) -> Option<String> {
    let settings = record.definition.get("settings")?;
    let url = match record.sign_on_mode.as_str() {
        "OPENID_CONNECT" => settings.pointer("/oauthClient/initiate_login_uri"),
        "AUTO_LOGIN" => settings
            .pointer("/signOn/loginUrl")
            .or_else(|| settings.pointer("/app/url")),
        _ => settings.pointer("/app/url"),
    }?
    .as_str()?;
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "https" | "http").then(|| url.to_owned())
}

/// The settings page for `user`.
async fn settings_page(app: &AppState, user: &UserRecord) -> Page {
    let factors: Vec<Value> = app
        .store
        .list_factors(&user.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.status == "ACTIVE")
        .map(|f| {
            let label = match f.factor_type.as_str() {
                "token:software:totp" => "Authenticator app",
                "token:hotp" => "Hardware token",
                "question" => "Security question",
                "sms" => "Text message",
                "call" => "Voice call",
                "email" => "Email",
                "webauthn" => "Security key or biometric",
                other => other,
            };
            json!({ "id": f.id, "factorType": f.factor_type, "label": label })
        })
        .collect();
    Page::new(
        "pages/settings.html",
        "Settings",
        json!({ "factors": factors, "login": login(user) }),
    )
}

/// `GET /enduser/settings`
pub(super) async fn settings(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (_, user) = match signed_in(&app, &headers, "/enduser/settings").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    settings_page(&app, &user)
        .await
        .render(&app, &Csrf::of(&headers))
}

/// `POST /enduser/settings`: `op` is `change_password` or `remove_factor`.
pub(super) async fn settings_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let (_, user) = match signed_in(&app, &headers, "/enduser/settings").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let csrf = Csrf::of(&headers);
    let actor = crate::sessions::user_actor(&user);
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let outcome = match form.get("op").map(String::as_str) {
        Some("change_password") => {
            if get("newPassword") != get("confirmPassword") {
                Err("The new passwords don't match.".to_owned())
            } else {
                crate::api::user_credentials::change_password_as(
                    &app,
                    &user.id,
                    &get("oldPassword"),
                    &get("newPassword"),
                    true,
                    &actor,
                )
                .await
                .map(|_| "Your password was changed.")
                .map_err(|e| e.user_message())
            }
        }
        Some("remove_factor") => {
            crate::api::factors::remove_factor(&app, &user, &get("factorId"), &actor)
                .await
                .map(|()| "The verification method was removed.")
                .map_err(|e| e.user_message())
        }
        _ => Err("This action is not known.".to_owned()),
    };
    let user = app
        .store
        .user_by_id(&user.id)
        .await
        .ok()
        .flatten()
        .unwrap_or(user);
    let page = settings_page(&app, &user).await;
    match outcome {
        Ok(info) => page.info(info),
        Err(error) => page
            .status(axum::http::StatusCode::BAD_REQUEST)
            .error(error),
    }
    .render(&app, &csrf)
}
