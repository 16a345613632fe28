//! Sign-in and everything the Authn state machine can ask on the way (MFA enrollment and
//! challenge, password expiry, lockout), sign-out, recovery and activation links.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::engine::{self, Refused};
use super::{destination, forged, genuine, see_other, Csrf, Page, PageForm};
use crate::state::AppState;

type Fields = HashMap<String, String>;

fn field<'a>(form: &'a Fields, name: &str) -> Option<&'a str> {
    form.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// `/`: the dashboard for a signed-in browser, else the sign-in page.
pub(super) async fn root(State(app): State<AppState>, headers: HeaderMap) -> Response {
    match crate::sessions::from_cookie(&app, &headers).await {
        Ok(Some(_)) => see_other("/app/UserHome", Vec::new()),
        _ => see_other("/login/login.htm", Vec::new()),
    }
}

fn signin_page(from_uri: &str, username: &str) -> Page {
    Page::new(
        "pages/signin.html",
        "Sign in",
        json!({ "from_uri": from_uri, "username": username }),
    )
}

/// `GET /login/login.htm?fromURI=...`
pub(super) async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Fields>,
) -> Response {
    let from = query.get("fromURI").map_or("", String::as_str);
    signin_page(from, "").render(&app, &Csrf::of(&headers))
}

/// `POST /login/login.htm`: username and password, as `POST /api/v1/authn`.
pub(super) async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let csrf = Csrf::of(&headers);
    let from = field(&form, "fromURI").unwrap_or("");
    let username = field(&form, "username").unwrap_or("");
    let mut body = json!({
        "username": username,
        "password": form.get("password").cloned().unwrap_or_default(),
        "options": { "warnBeforePasswordExpired": true, "multiOptionalFactorEnroll": true },
    });
    if !from.is_empty() {
        crate::wire::json::put(&mut body, "relayState", json!(from));
    }
    match engine::call(&app, &headers, "authn", &body).await {
        Ok(t) => advance(&app, &headers, &csrf, t, from).await,
        Err(r) => signin_page(from, username)
            .status(status_of(&r))
            .error(r.message)
            .render(&app, &csrf),
    }
}

fn status_of(r: &Refused) -> StatusCode {
    StatusCode::from_u16(r.status)
        .ok()
        .filter(|s| s.is_client_error())
        .unwrap_or(StatusCode::BAD_REQUEST)
}

/// The page for a transaction the Authn API answered: a session and onwards on SUCCESS, the
/// next step otherwise.
async fn advance(
    app: &AppState,
    headers: &HeaderMap,
    csrf: &Csrf,
    t: Value,
    from: &str,
) -> Response {
    advance_setup(app, headers, csrf, t, from, false).await
}

/// [`advance`], for an activation (`setup`): a user who ends it without a recovery question
/// that their password policy uses chooses one before going on.
async fn advance_setup(
    app: &AppState,
    headers: &HeaderMap,
    csrf: &Csrf,
    t: Value,
    from: &str,
    setup: bool,
) -> Response {
    let from = t
        .get("relayState")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .unwrap_or(from)
        .to_owned();
    let status = t.get("status").and_then(Value::as_str).unwrap_or_default();
    if status != "SUCCESS" {
        return step_page(app, t, &from).setup(setup).render(app, csrf);
    }
    if let Some(token) = t.get("sessionToken").and_then(Value::as_str) {
        return match crate::sessions::start_session(app, token).await {
            Ok(started) => {
                let to = destination(app, Some(&from)).await;
                let mut page = if setup && needs_question(app, &started.user).await {
                    question_page(&to)
                } else {
                    Page::new("pages/continue.html", "Signed in", json!({ "to": to }))
                };
                if let Ok(cookie) =
                    crate::sessions::set_cookie(app, &started.cookie, &started.session)
                {
                    page = page.cookie(cookie);
                }
                page.render(app, csrf)
            }
            Err(_) => signin_page(&from, "")
                .error("Your sign-in could not be completed. Sign in again.")
                .render(app, csrf),
        };
    }
    let _ = headers;
    let unlocked = t.get("recoveryType").and_then(Value::as_str) == Some("UNLOCK");
    let (title, message) = if unlocked {
        (
            "Account unlocked",
            "Your account is unlocked. You can sign in now.",
        )
    } else {
        ("All set", "You can sign in now.")
    };
    Page::message(title, message, Some(("/login/login.htm", "Sign in"))).render(app, csrf)
}

/// The step page for a transaction that is not done.
fn step_page(app: &AppState, t: Value, from: &str) -> Page {
    let status = t.get("status").and_then(Value::as_str).unwrap_or_default();
    let title = match status {
        "MFA_REQUIRED" | "MFA_CHALLENGE" => "Verify it's you",
        "MFA_ENROLL" | "MFA_ENROLL_ACTIVATE" => "Set up extra verification",
        "PASSWORD_EXPIRED" => "Your password has expired",
        "PASSWORD_WARN" => "Your password expires soon",
        "PASSWORD_RESET" => "Choose a new password",
        "RECOVERY" => "Answer your security question",
        "RECOVERY_CHALLENGE" => "Enter your code",
        "LOCKED_OUT" => "Account locked",
        _ => "Sign in",
    };
    let requirements = t
        .pointer("/_embedded/policy/complexity")
        .map(requirements_text)
        .unwrap_or_default();
    let _ = app;
    let status_code = if status == "LOCKED_OUT" {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    Page::new(
        "pages/step.html",
        title,
        json!({
            "t": t,
            "from_uri": from,
            "questions": model::factors::questions_json(),
            "requirements": requirements,
            "page": format!("step-{}", status.to_ascii_lowercase().replace('_', "-")),
        }),
    )
    .status(status_code)
}

/// The password policy's complexity, in words.
fn requirements_text(c: &Value) -> String {
    let n = |k: &str| c.get(k).and_then(Value::as_i64).unwrap_or(0);
    let mut parts = Vec::new();
    if n("minLength") > 0 {
        parts.push(format!("at least {} characters", n("minLength")));
    }
    for (key, what) in [
        ("minLowerCase", "a lowercase letter"),
        ("minUpperCase", "an uppercase letter"),
        ("minNumber", "a number"),
        ("minSymbol", "a symbol"),
    ] {
        if n(key) > 0 {
            parts.push(what.to_owned());
        }
    }
    let excludes = c
        .get("excludeAttributes")
        .and_then(Value::as_array)
        .map(|a| !a.is_empty())
        .unwrap_or(false)
        || c.get("excludeUsername").and_then(Value::as_bool) == Some(true);
    let mut text = String::new();
    if !parts.is_empty() {
        text = format!("Your password needs {}.", parts.join(", "));
    }
    if excludes {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str("It can't contain your username or name.");
    }
    text
}

/// `POST /login/step`: one Authn API operation on the transaction in `stateToken`.
pub(super) async fn step(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let csrf = Csrf::of(&headers);
    let from = field(&form, "fromURI").unwrap_or("").to_owned();
    let Some(state_token) = field(&form, "stateToken") else {
        return signin_page(&from, "")
            .error("Your sign-in expired. Sign in again.")
            .render(&app, &csrf);
    };
    let op = field(&form, "op").unwrap_or("");
    let answer = match request_of(op, state_token, &form) {
        Ok((path, body)) => engine::call(&app, &headers, &path, &body).await,
        Err(message) => Err(Refused {
            status: 400,
            code: String::new(),
            message,
        }),
    };
    match answer {
        Ok(t) => {
            if op == "cancel" {
                return see_other(&signin_href(&from), Vec::new());
            }
            let setup = field(&form, "setup") == Some("1");
            advance_setup(&app, &headers, &csrf, t, &from, setup).await
        }
        Err(refused) => {
            // Show the step again with what went wrong; a transaction that ended goes back
            // to the sign-in page.
            let current = engine::call(
                &app,
                &headers,
                "authn",
                &json!({ "stateToken": state_token }),
            )
            .await;
            match current {
                Ok(t) => step_page(&app, t, &from)
                    .setup(field(&form, "setup") == Some("1"))
                    .status(status_of(&refused))
                    .error(refused.message)
                    .render(&app, &csrf),
                Err(_) => signin_page(&from, "")
                    .status(status_of(&refused))
                    .error(if refused.code == "E0000011" {
                        "Your sign-in expired. Sign in again.".to_owned()
                    } else {
                        refused.message
                    })
                    .render(&app, &csrf),
            }
        }
    }
}

fn signin_href(from: &str) -> String {
    if from.is_empty() {
        "/login/login.htm".into()
    } else {
        format!("/login/login.htm?fromURI={}", urlencoding::encode(from))
    }
}

/// The Authn API request of a step form: its path under `/api/v1/` and body.
fn request_of(op: &str, state_token: &str, form: &Fields) -> Result<(String, Value), String> {
    let mut body = Map::new();
    body.insert("stateToken".into(), json!(state_token));
    let factor = || {
        field(form, "factorId")
            .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric()))
            .ok_or_else(|| "Choose a method.".to_owned())
    };
    let copy = |body: &mut Map<String, Value>, names: &[&str]| {
        for name in names {
            if let Some(v) = field(form, name) {
                body.insert((*name).into(), json!(v));
            }
        }
    };
    let new_password = |body: &mut Map<String, Value>| -> Result<(), String> {
        let new = form.get("newPassword").cloned().unwrap_or_default();
        if form.get("confirmPassword").is_some_and(|c| *c != new) {
            return Err("The new passwords don't match.".into());
        }
        body.insert("newPassword".into(), json!(new));
        Ok(())
    };
    let path = match op {
        "verify" => {
            copy(
                &mut body,
                &[
                    "passCode",
                    "answer",
                    "clientData",
                    "authenticatorData",
                    "signatureData",
                ],
            );
            format!("authn/factors/{}/verify", factor()?)
        }
        "resend" => format!("authn/factors/{}/verify/resend", factor()?),
        "enroll" => {
            let kind = field(form, "factorType").unwrap_or_default();
            body.insert("factorType".into(), json!(kind));
            body.insert(
                "provider".into(),
                json!(field(form, "provider").unwrap_or("OKTA")),
            );
            let profile = match kind {
                "question" => json!({
                    "question": field(form, "question").unwrap_or_default(),
                    "answer": field(form, "answer").unwrap_or_default(),
                }),
                "sms" | "call" => {
                    json!({ "phoneNumber": field(form, "phoneNumber").unwrap_or_default() })
                }
                "email" => json!({ "email": field(form, "email").unwrap_or_default() }),
                _ => Value::Null,
            };
            if !profile.is_null() {
                body.insert("profile".into(), profile);
            }
            "authn/factors".into()
        }
        "activate" => {
            copy(&mut body, &["passCode", "attestation", "clientData"]);
            format!("authn/factors/{}/lifecycle/activate", factor()?)
        }
        "resend_activation" => format!("authn/factors/{}/lifecycle/resend", factor()?),
        "previous" => "authn/previous".into(),
        "skip" => "authn/skip".into(),
        "cancel" => "authn/cancel".into(),
        "change_password" => {
            body.insert(
                "oldPassword".into(),
                json!(form.get("oldPassword").cloned().unwrap_or_default()),
            );
            new_password(&mut body)?;
            "authn/credentials/change_password".into()
        }
        "reset_password" => {
            new_password(&mut body)?;
            "authn/credentials/reset_password".into()
        }
        "answer" => {
            body.insert(
                "answer".into(),
                json!(form.get("answer").cloned().unwrap_or_default()),
            );
            "authn/recovery/answer".into()
        }
        "recovery_verify" | "recovery_resend" => {
            let kind = match field(form, "factorType") {
                Some("CALL") => "call",
                _ => "sms",
            };
            if op == "recovery_verify" {
                copy(&mut body, &["passCode"]);
                format!("authn/recovery/factors/{kind}/verify")
            } else {
                format!("authn/recovery/factors/{kind}/resend")
            }
        }
        _ => return Err("This step is not known.".into()),
    };
    Ok((path, Value::Object(body)))
}

/// `GET /login/signout?fromURI=...`: ends the browser's session.
pub(super) async fn signout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Fields>,
) -> Response {
    if let Ok(Some((session, user))) = crate::sessions::from_cookie(&app, &headers).await {
        let actor = crate::sessions::user_actor(&user);
        if let Err(err) = crate::api::sessions::close(&app, &session, &user, &actor).await {
            tracing::debug!(error = %err.user_message(), "sign-out: the session was already gone");
        }
    }
    let to = match query.get("fromURI").filter(|f| !f.is_empty()) {
        Some(from) => destination(&app, Some(from)).await,
        None => "/login/login.htm".into(),
    };
    see_other(&to, vec![crate::sessions::clear_cookie(&app)])
}

fn recover_page(mode: &str, username: &str) -> Page {
    let (title, action) = if mode == "unlock" {
        ("Unlock account", "/signin/unlock")
    } else {
        ("Reset your password", "/signin/forgot-password")
    };
    Page::new(
        "pages/recover.html",
        title,
        json!({ "mode": mode, "action": action, "username": username }),
    )
}

pub(super) async fn forgot_form(State(app): State<AppState>, headers: HeaderMap) -> Response {
    recover_page("forgot", "").render(&app, &Csrf::of(&headers))
}

pub(super) async fn unlock_form(State(app): State<AppState>, headers: HeaderMap) -> Response {
    recover_page("unlock", "").render(&app, &Csrf::of(&headers))
}

pub(super) async fn forgot_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    recover(&app, &headers, &form, "forgot").await
}

pub(super) async fn unlock_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm,
) -> Response {
    recover(&app, &headers, &form, "unlock").await
}

/// A self-service recovery, as `POST /api/v1/authn/recovery/password` or `.../unlock`.
async fn recover(app: &AppState, headers: &HeaderMap, form: &Fields, mode: &str) -> Response {
    if !genuine(app, headers, form) {
        return forged(app, headers);
    }
    let csrf = Csrf::of(headers);
    let username = field(form, "username").unwrap_or("");
    let factor = field(form, "factorType").unwrap_or("EMAIL");
    let path = if mode == "unlock" {
        "authn/recovery/unlock"
    } else {
        "authn/recovery/password"
    };
    let body = json!({ "username": username, "factorType": factor });
    match engine::call(app, headers, path, &body).await {
        Ok(t) if factor == "EMAIL" || t.get("stateToken").is_none() => {
            let _ = t;
            Page::message(
                "Check your email",
                "If the username belongs to an account that can be recovered, an email with a link is on its way. Follow the link to continue.",
                Some(("/login/login.htm", "Back to sign in")),
            )
            .render(app, &csrf)
        }
        Ok(t) => step_page(app, t, "").render(app, &csrf),
        Err(r) => recover_page(mode, username)
            .status(status_of(&r))
            .error(r.message)
            .render(app, &csrf),
    }
}

/// `GET /signin/reset-password/{token}` and `/signin/unlock/{token}`: the link of a recovery
/// email, as `POST /api/v1/authn/recovery/token`.
pub(super) async fn recovery_link(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let csrf = Csrf::of(&headers);
    let body = json!({ "recoveryToken": token });
    match engine::call(&app, &headers, "authn/recovery/token", &body).await {
        Ok(t) => advance(&app, &headers, &csrf, t, "").await,
        Err(_) => Page::message(
            "This link can't be used",
            "The link has expired or was already used. Ask for a new one.",
            Some(("/signin/forgot-password", "Reset your password")),
        )
        .status(StatusCode::NOT_FOUND)
        .render(&app, &csrf),
    }
}

/// `GET /welcome/{token}`: an activation link, as `POST /api/v1/authn` with the token.
pub(super) async fn welcome(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let csrf = Csrf::of(&headers);
    let body = json!({ "token": token });
    match engine::call(&app, &headers, "authn", &body).await {
        Ok(t) => advance_setup(&app, &headers, &csrf, t, "", true).await,
        Err(_) => Page::message(
            "This link can't be used",
            "The activation link has expired or was already used. Ask your administrator for a new one.",
            Some(("/login/login.htm", "Sign in")),
        )
        .status(StatusCode::NOT_FOUND)
        .render(&app, &csrf),
    }
}

/// Whether `user` has no recovery question while their password policy uses one.
async fn needs_question(app: &AppState, user: &store::UserRecord) -> bool {
    if user.recovery_answer_hash.is_some() {
        return false;
    }
    match crate::policies::password_settings_for(app, user, &[]).await {
        Ok(settings) => model::policy::password::recovery_question_required(&settings),
        Err(_) => false,
    }
}

fn question_page(to: &str) -> Page {
    Page::new(
        "pages/question.html",
        "Choose a security question",
        json!({
            "questions": model::factors::questions_json(),
            "action": format!("/login/question?fromURI={}", urlencoding::encode(to)),
        }),
    )
}

/// `POST /login/question?fromURI=...`: the signed-in user's new recovery question.
pub(super) async fn question(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Fields>,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let csrf = Csrf::of(&headers);
    let to = destination(&app, query.get("fromURI").map(String::as_str)).await;
    let (_, mut user) = match super::signed_in(&app, &headers, &to).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let now = app.clock.now().millis();
    let set = crate::api::users::set_recovery_question(
        &app,
        &mut user,
        field(&form, "question"),
        field(&form, "answer"),
    )
    .await;
    if let Err(err) = set {
        return question_page(&to)
            .status(StatusCode::BAD_REQUEST)
            .error(err.user_message())
            .render(&app, &csrf);
    }
    user.last_updated = now;
    let event = crate::events::event(
        "user.account.update_recovery_question",
        "Update recovery question for user",
        &crate::sessions::user_actor(&user),
        vec![crate::events::user_target(&user)],
        now,
    );
    match crate::api::users::save(&app, &user, &event).await {
        Ok(_) => {
            Page::new("pages/continue.html", "Signed in", json!({ "to": to })).render(&app, &csrf)
        }
        Err(err) => question_page(&to)
            .status(StatusCode::BAD_REQUEST)
            .error(err.user_message())
            .render(&app, &csrf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn steps_map_to_authn_requests() {
        let (path, body) = request_of(
            "verify",
            "st",
            &form(&[("factorId", "ufs1"), ("passCode", "123456")]),
        )
        .unwrap();
        assert_eq!(path, "authn/factors/ufs1/verify");
        assert_eq!(body, json!({ "stateToken": "st", "passCode": "123456" }));
        let (path, body) = request_of(
            "enroll",
            "st",
            &form(&[
                ("factorType", "sms"),
                ("provider", "OKTA"),
                ("phoneNumber", "+14155550100"),
            ]),
        )
        .unwrap();
        assert_eq!(path, "authn/factors");
        assert_eq!(body["profile"]["phoneNumber"], "+14155550100");
        assert!(request_of("verify", "st", &form(&[("factorId", "../users")])).is_err());
        assert!(request_of(
            "reset_password",
            "st",
            &form(&[("newPassword", "a"), ("confirmPassword", "b")])
        )
        .is_err());
        assert!(request_of("drop_tables", "st", &form(&[])).is_err());
    }

    #[test]
    fn complexity_reads_as_a_sentence() {
        let text = requirements_text(&json!({
            "minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1,
            "minSymbol": 0, "excludeUsername": true
        }));
        assert_eq!(
            text,
            "Your password needs at least 8 characters, a lowercase letter, an uppercase letter, a number. It can't contain your username or name."
        );
    }
}
