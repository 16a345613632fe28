//! The Sessions API (sessions.md, "Session operations"; the Session and UserSessions tags)
//! and the classic browser bridge `/login/sessionCookieRedirect`.
//!
//! - `POST /sessions` redeems a session token (no API token needed, as sessions.md says);
//!   it answers the Session object and sets no cookie ("you want to set the session cookie
//!   yourself"). `additionalFields` (`cookieToken`, `cookieTokenUrl`, both deprecated) is
//!   accepted and not honoured.
//! - `GET`/`DELETE /sessions/{id}`, `POST /sessions/{id}/lifecycle/refresh` (and the
//!   deprecated `PUT /sessions/{id}`) need an API token.
//! - `GET`/`DELETE /sessions/me`, `POST /sessions/me/lifecycle/refresh` need the `sid`
//!   cookie and nothing else; `crate::cors` answers them for CORS-trusted origins.
//! - `DELETE /users/{id}/sessions` ends all of a user's sessions; with `oauthTokens=true` it
//!   also revokes every OAuth token issued to the user (`forgetDevices` is accepted; there
//!   are no remembered devices to forget here).
//! - `GET /login/sessionCookieRedirect?token=…&redirectUrl=…` redeems the token, sets the
//!   cookie and answers 302 to `redirectUrl`, which must be on the org itself or on an
//!   ACTIVE trusted origin with the REDIRECT scope (trusted-origins.md: otherwise the
//!   redirect "isn't permitted"): any other target is refused with 403 E0000006 before the
//!   token is touched, so it is no open redirect and the token stays usable.
//!
//! A refresh sent with `Prefer: return=minimal` answers 204 with `Preference-Applied`
//! (sessions.md, "Option: Use the HTTP Header Prefer"). Missing, expired and foreign-status
//! sessions are all 404 E0000007 (`Resource not found: {id} (Session)`).

use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{SessionRecord, UserRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::sessions::{self as core, CurrentSession};
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::links::LinkSet;
use crate::wire::{ApiError, ApiResult, Json};
use model::time::Timestamp;

const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(create))
        .route("/sessions/me", get(get_me).delete(close_me))
        .route("/sessions/me/lifecycle/refresh", post(refresh_me))
        .route(
            "/sessions/{id}",
            get(get_one).delete(close_one).put(refresh_one),
        )
        .route("/sessions/{id}/lifecycle/refresh", post(refresh_one))
        .route("/users/{uid}/sessions", delete(revoke_user_sessions))
}

/// Routes outside `/api/v1`.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/login/sessionCookieRedirect", get(session_cookie_redirect))
}

/// Which URLs a rendered session links to: its id's, or the caller's own (`me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    ById,
    Me,
}

/// A session as the API shows it (sessions.md, "Session object"; `createdAt` from the spec).
fn render(app: &AppState, s: &SessionRecord, user: &UserRecord, view: View) -> Value {
    let (base, user_href) = match view {
        View::ById => (
            app.links.api(&format!("sessions/{}", s.id)),
            app.links.api(&format!("users/{}", s.user_id)),
        ),
        View::Me => (app.links.api("sessions/me"), app.links.api("users/me")),
    };
    let mut links = LinkSet::new()
        .add_hints("self", base.clone(), &["GET", "DELETE"])
        .add_hints("refresh", format!("{base}/lifecycle/refresh"), &["POST"])
        .add_hints("user", user_href, &["GET"])
        .into_value();
    if let Some(user_link) = links.get_mut("user") {
        put(user_link, "name", json!(core::display_name(user)));
    }
    let iso = |ms: Option<i64>| ms.map(|t| Timestamp(t).to_iso());
    json!({
        "id": s.id,
        "login": s.login,
        "userId": s.user_id,
        "createdAt": Timestamp(s.created).to_iso(),
        "expiresAt": Timestamp(s.idle_expires_at).to_iso(),
        "status": s.status,
        "lastPasswordVerification": iso(s.last_password_verification),
        "lastFactorVerification": iso(s.last_factor_verification),
        "amr": s.amr,
        "idp": { "id": s.idp_id, "type": s.idp_type },
        "mfaActive": s.mfa_active,
        "_links": links,
    })
}

fn session_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (Session)"))
}

async fn load(app: &AppState, id: &str) -> ApiResult<(SessionRecord, UserRecord)> {
    core::live_session(app, id)
        .await?
        .ok_or_else(|| session_not_found(id))
}

/// Whether the request asks for `Prefer: return=minimal`.
fn wants_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=minimal"))
}

fn minimal() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(
            PREFERENCE_APPLIED,
            HeaderValue::from_static("return=minimal"),
        )],
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSessionRequest {
    session_token: Option<String>,
}

/// `POST /sessions`: a session from a session token.
async fn create(
    State(app): State<AppState>,
    Json(body): Json<CreateSessionRequest>,
) -> ApiResult<Json<Value>> {
    let token = body
        .session_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "sessionToken",
                "sessionToken: The field cannot be left blank",
            )
        })?;
    let started = core::start_session(&app, token.trim()).await?;
    Ok(Json(render(
        &app,
        &started.session,
        &started.user,
        View::ById,
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (session, user) = load(&app, &id).await?;
    Ok(Json(render(&app, &session, &user, View::ById)))
}

/// Refreshes a session with its event; 404 when it expired meanwhile.
async fn refresh(
    app: &AppState,
    session: &SessionRecord,
    user: &UserRecord,
    actor: &Actor,
) -> ApiResult<SessionRecord> {
    let now = app.clock.now().millis();
    let event = core::session_event(
        "user.session.refresh",
        "Refresh user session",
        actor,
        user,
        session,
        now,
    );
    app.store
        .refresh_session(&session.id, now, &event)
        .await?
        .ok_or_else(|| session_not_found(&session.id))
}

async fn refresh_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (session, user) = load(&app, &id).await?;
    let saved = refresh(&app, &session, &user, &Actor::token(&admin)).await?;
    if wants_minimal(&headers) {
        return Ok(minimal());
    }
    Ok(Json(render(&app, &saved, &user, View::ById)).into_response())
}

/// Ends a session with its `user.session.end` event; 404 when it went meanwhile.
pub(crate) async fn close(
    app: &AppState,
    session: &SessionRecord,
    user: &UserRecord,
    actor: &Actor,
) -> ApiResult<()> {
    let now = app.clock.now().millis();
    let event = core::session_event(
        "user.session.end",
        "User logout from Okta",
        actor,
        user,
        session,
        now,
    );
    if app.store.delete_session(&session.id, now, &event).await? {
        Ok(())
    } else {
        Err(session_not_found(&session.id))
    }
}

async fn close_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (session, user) = load(&app, &id).await?;
    close(&app, &session, &user, &Actor::token(&admin)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_me(State(app): State<AppState>, me: CurrentSession) -> ApiResult<Json<Value>> {
    Ok(Json(render(&app, &me.session, &me.user, View::Me)))
}

async fn refresh_me(
    State(app): State<AppState>,
    me: CurrentSession,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let saved = refresh(&app, &me.session, &me.user, &core::user_actor(&me.user)).await?;
    let mut response = if wants_minimal(&headers) {
        minimal()
    } else {
        Json(render(&app, &saved, &me.user, View::Me)).into_response()
    };
    // A persistent cookie follows the session's new expiry.
    if saved.persistent_cookie {
        if let Some(cookie) = core::sid_cookie(&headers) {
            response
                .headers_mut()
                .insert(SET_COOKIE, core::set_cookie(&app, &cookie, &saved)?);
        }
    }
    Ok(response)
}

async fn close_me(State(app): State<AppState>, me: CurrentSession) -> ApiResult<Response> {
    close(&app, &me.session, &me.user, &core::user_actor(&me.user)).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(SET_COOKIE, core::clear_cookie(&app))],
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeParams {
    oauth_tokens: Option<String>,
    forget_devices: Option<String>,
}

/// Checks a boolean query parameter (`true`/`false`).
fn boolean(name: &str, raw: Option<&str>) -> ApiResult<()> {
    match raw {
        None | Some("true" | "false") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("{name}: The value must be true or false."),
        )),
    }
}

/// `DELETE /users/{id}/sessions`: ends every session of the user (and any session token it
/// has not redeemed yet).
async fn revoke_user_sessions(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(uid): Path<String>,
    Query(params): Query<RevokeParams>,
) -> ApiResult<StatusCode> {
    boolean("oauthTokens", params.oauth_tokens.as_deref())?;
    boolean("forgetDevices", params.forget_devices.as_deref())?;
    let user = super::users::find_user(&app, &uid).await?;
    let now = app.clock.now().millis();
    let event = events::event(
        "user.session.clear",
        "Clear user session",
        &Actor::token(&admin),
        vec![events::user_target(&user)],
        now,
    );
    app.store.delete_user_sessions(&user.id, &event).await?;
    if params.oauth_tokens.as_deref() == Some("true") {
        app.store.revoke_user_oauth_tokens(&user.id, now).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CookieRedirectParams {
    token: Option<String>,
    redirect_url: Option<String>,
}

/// `GET /login/sessionCookieRedirect`: a session token becomes a browser session.
async fn session_cookie_redirect(
    State(app): State<AppState>,
    Query(params): Query<CookieRedirectParams>,
) -> ApiResult<Response> {
    let redirect_url = params
        .redirect_url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid("redirectUrl", "redirectUrl: The field cannot be left blank")
        })?;
    if !crate::trusted_origins::is_redirect_allowed(&app, &redirect_url).await? {
        return Err(ApiError::AccessDenied);
    }
    let location = HeaderValue::from_str(&redirect_url).map_err(|_| ApiError::AccessDenied)?;
    let token = params
        .token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("token", "token: The field cannot be left blank"))?;
    let started = core::start_session(&app, token.trim()).await?;
    let cookie = core::set_cookie(&app, &started.cookie, &started.session)?;
    Ok((
        StatusCode::FOUND,
        [(LOCATION, location), (SET_COOKIE, cookie)],
    )
        .into_response())
}
