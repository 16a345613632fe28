//! User lifecycle operations (`/api/v1/users/{id}/lifecycle/...`, the UserLifecycle tag and
//! "Lifecycle operations" of `users.md`). Which operation is allowed from which status is the
//! table in `model::users::lifecycle`; this module only applies its answer.

use axum::extract::{Path, Query, State};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::UserRecord;

use crate::api::users::{find_user, flag, save};
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::user as dto;
use crate::wire::{ApiError, ApiResult, Json};
use model::users::lifecycle::{self, Operation};
use model::users::UserStatus;

/// Activation tokens last 7 days, as Okta's do by default.
pub const ACTIVATION_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Password reset tokens last one hour (the default password policy's recovery token).
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{id}/lifecycle/activate", post(activate))
        .route("/users/{id}/lifecycle/reactivate", post(reactivate))
        .route("/users/{id}/lifecycle/deactivate", post(deactivate))
        .route("/users/{id}/lifecycle/suspend", post(suspend))
        .route("/users/{id}/lifecycle/unsuspend", post(unsuspend))
        .route("/users/{id}/lifecycle/unlock", post(unlock))
        .route("/users/{id}/lifecycle/reset_password", post(reset_password))
        .route(
            "/users/{id}/lifecycle/expire_password",
            post(expire_password),
        )
        .route(
            "/users/{id}/lifecycle/expire_password_with_temp_password",
            post(expire_password_with_temp),
        )
        .route("/users/{id}/lifecycle/reset_factors", post(reset_factors))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmailParams {
    send_email: Option<String>,
    temp_password: Option<String>,
}

/// Creates a one-time activation token, stores its hash on the user and returns it.
pub fn issue_activation_token(user: &mut UserRecord, now: i64) -> String {
    let token = model::ids::random_base62(20);
    user.secrets.activation_token_hash = Some(crypto::tokens::sha256_hex(&token));
    user.secrets.activation_expires_at = Some(now + ACTIVATION_TTL_MS);
    token
}

/// Creates a one-time password reset token, stores its hash and returns it.
pub fn issue_reset_token(user: &mut UserRecord, now: i64) -> String {
    let token = model::ids::random_base62(20);
    user.secrets.reset_token_hash = Some(crypto::tokens::sha256_hex(&token));
    user.secrets.reset_expires_at = Some(now + RESET_TTL_MS);
    token
}

/// Applies a lifecycle operation from the table; sets status and its timestamps.
fn transition(user: &mut UserRecord, op: Operation, now: i64) -> ApiResult<UserStatus> {
    let from = UserStatus::parse(&user.status).ok_or(ApiError::Internal)?;
    let next = lifecycle::apply(from, op, &dto::facts(user))?.next;
    if next != from {
        user.status = next.as_str().into();
        user.status_changed = Some(now);
    }
    if next == UserStatus::Active && from != UserStatus::Active && user.activated.is_none() {
        user.activated = Some(now);
    }
    user.last_updated = now;
    Ok(next)
}

async fn commit(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    event_type: &str,
    display: &str,
    now: i64,
) -> ApiResult<UserRecord> {
    let event = events::event(
        event_type,
        display,
        actor,
        vec![events::user_target(user)],
        now,
    );
    let saved = save(app, user, &event).await?;
    // A user who becomes ACTIVE (or is unsuspended) is evaluated by the group rules.
    crate::api::group_rules::apply_rules_to_user(app, &saved.id, None).await?;
    Ok(saved)
}

/// What a Users API email (`sendEmail=true`) carries.
pub enum LinkMail {
    /// The activation link and token (activate, reactivate).
    Activation,
    /// The password reset link and its recovery token (reset_password, forgot_password).
    PasswordReset,
}

/// Mails `user` (at their profile `email`) the link of `kind` with `token`, through the
/// outbox: the message is stored and delivered in the background, and its System Log event
/// is written when it goes. Without an SMTP server it is kept in the org's mailbox.
pub async fn mail_link(
    app: &AppState,
    user: &UserRecord,
    kind: LinkMail,
    token: &str,
    now: i64,
) -> ApiResult<()> {
    let Some(email) = user.profile.get("email").and_then(Value::as_str) else {
        return Ok(());
    };
    let (kind, page, expires, event_type, display) = match kind {
        LinkMail::Activation => (
            crate::mail::MailKind::Activation,
            "welcome",
            now + ACTIVATION_TTL_MS,
            "system.email.delivery",
            "Send activation email",
        ),
        LinkMail::PasswordReset => (
            crate::mail::MailKind::PasswordReset,
            "signin/reset-password",
            now + RESET_TTL_MS,
            "system.email.password_reset.sent_message",
            "Send password reset email",
        ),
    };
    let mail = crate::mail::compose(
        app,
        kind,
        Some(user),
        email,
        json!({
            "url": app.links.page(&format!("{page}/{token}")),
            "token": token,
            "expires": crate::mail::duration_text(expires - now),
        }),
    )?;
    let sent = events::event(
        event_type,
        display,
        &Actor::system(),
        vec![events::user_target(user)],
        now,
    );
    let message = crate::outbox::email(app, &user.id, email, mail, expires, Some(sent))?;
    app.store.enqueue_messages(&[message]).await?;
    app.outbox.notify();
    Ok(())
}

/// The activation answer: `{}` when an email would be sent, else the link and token.
fn activation_body(app: &AppState, token: Option<String>, send_email: bool) -> Value {
    match token {
        Some(token) if !send_email => json!({
            "activationUrl": app.links.page(&format!("welcome/{token}")),
            "activationToken": token,
        }),
        _ => json!({}),
    }
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<EmailParams>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    let next = transition(&mut user, Operation::Activate, now)?;
    let token = issue_activation_token(&mut user, now);
    if next == UserStatus::Active {
        user.activated = Some(now);
    } else {
        user.activated = None;
    }
    let saved = commit(
        &app,
        &Actor::token(&admin),
        &user,
        "user.lifecycle.activate",
        "Activate Okta user",
        now,
    )
    .await?;
    let send_email = flag(p.send_email.as_deref(), true);
    if send_email {
        mail_link(&app, &saved, LinkMail::Activation, &token, now).await?;
    }
    Ok(Json(activation_body(&app, Some(token), send_email)))
}

async fn reactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<EmailParams>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    transition(&mut user, Operation::Reactivate, now)?;
    let token = issue_activation_token(&mut user, now);
    let saved = commit(
        &app,
        &Actor::token(&admin),
        &user,
        "user.lifecycle.reactivate",
        "Reactivate Okta user",
        now,
    )
    .await?;
    let send_email = flag(p.send_email.as_deref(), false);
    if send_email {
        mail_link(&app, &saved, LinkMail::Activation, &token, now).await?;
    }
    Ok(Json(activation_body(&app, Some(token), send_email)))
}

/// Deactivates (DEPROVISIONED), shared with the first DELETE of a user.
pub async fn deactivate_user(
    app: &AppState,
    actor: &Actor,
    mut user: UserRecord,
    now: i64,
) -> ApiResult<UserRecord> {
    crate::authz::keep_a_super_admin(app, &user).await?;
    transition(&mut user, Operation::Deactivate, now)?;
    user.secrets.activation_token_hash = None;
    user.secrets.reset_token_hash = None;
    let user = commit(
        app,
        actor,
        &user,
        "user.lifecycle.deactivate",
        "Deactivate Okta user",
        now,
    )
    .await?;
    // Deactivation revokes the user's OAuth tokens for good (oidc.md, "Limits"): a later
    // reactivation does not bring them back.
    app.store.revoke_user_oauth_tokens(&user.id, now).await?;
    Ok(user)
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let user = find_user(&app, &id).await?;
    deactivate_user(&app, &Actor::token(&admin), user, now).await?;
    Ok(Json(json!({})))
}

/// The operations that only move the status and answer `{}`.
async fn simple(
    app: AppState,
    admin: AdminToken,
    id: String,
    op: Operation,
    event_type: &str,
    display: &str,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    if op == Operation::Suspend {
        crate::authz::keep_a_super_admin(&app, &user).await?;
    }
    transition(&mut user, op, now)?;
    commit(&app, &Actor::token(&admin), &user, event_type, display, now).await?;
    Ok(Json(json!({})))
}

async fn suspend(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    simple(
        app,
        admin,
        id,
        Operation::Suspend,
        "user.lifecycle.suspend",
        "Suspend Okta user",
    )
    .await
}

async fn unsuspend(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    simple(
        app,
        admin,
        id,
        Operation::Unsuspend,
        "user.lifecycle.unsuspend",
        "Unsuspend Okta user",
    )
    .await
}

async fn unlock(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = std::sync::Arc::clone(&app.store);
    let answer = simple(
        app,
        admin,
        id.clone(),
        Operation::Unlock,
        "user.account.unlock_by_admin",
        "Unlock user account by admin",
    )
    .await?;
    // The failed-sign-in count goes with the lock, on every node at once.
    if let Some(user) = store.user_by_id(&id).await? {
        store.clear_login_failures(&user.id).await?;
    }
    Ok(answer)
}

async fn reset_factors(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    // The state table decides whether the user's status allows it; the status itself
    // does not change, so only the factors are written.
    transition(&mut user, Operation::ResetFactors, now)?;
    let event = events::event(
        "user.mfa.factor.reset_all",
        "Reset all factors for user",
        &Actor::token(&admin),
        vec![events::user_target(&user)],
        now,
    );
    app.store.delete_user_factors(&user.id, &event).await?;
    Ok(Json(json!({})))
}

/// Starts a password reset: RECOVERY status and a one-time reset token.
pub async fn start_recovery(
    app: &AppState,
    actor: &Actor,
    mut user: UserRecord,
    op: Operation,
    send_email: bool,
    now: i64,
) -> ApiResult<Value> {
    transition(&mut user, op, now)?;
    let token = issue_reset_token(&mut user, now);
    let saved = commit(
        app,
        actor,
        &user,
        "user.account.reset_password",
        "Reset password",
        now,
    )
    .await?;
    Ok(if send_email {
        mail_link(app, &saved, LinkMail::PasswordReset, &token, now).await?;
        json!({})
    } else {
        json!({ "resetPasswordUrl": app.links.page(&format!("signin/reset-password/{token}")) })
    })
}

async fn reset_password(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<EmailParams>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let user = find_user(&app, &id).await?;
    let send_email = flag(p.send_email.as_deref(), true);
    Ok(Json(
        start_recovery(
            &app,
            &Actor::token(&admin),
            user,
            Operation::ResetPassword,
            send_email,
            now,
        )
        .await?,
    ))
}

/// Expires the password (PASSWORD_EXPIRED) and, when asked, sets a temporary password
/// that is returned once.
async fn expire(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    temp: bool,
) -> ApiResult<(UserRecord, Option<String>)> {
    let now = app.clock.now().millis();
    let mut user = find_user(app, id).await?;
    transition(&mut user, Operation::ExpirePassword, now)?;
    let temp_password = if temp {
        let value = temp_password();
        let secret = crypto::SecretString::from(value.clone());
        let stored = app.hasher.hash(&secret).await?;
        if let Some(old) = user.password_hash.take() {
            user.secrets.password_history.insert(0, old);
        }
        user.password_hash = Some(stored.to_storage_string());
        user.password_changed = Some(now);
        Some(value)
    } else {
        None
    };
    let saved = commit(
        app,
        &Actor::token(admin),
        &user,
        "user.password.expire",
        "Expire password",
        now,
    )
    .await?;
    Ok((saved, temp_password))
}

/// A temporary password that meets the default policy (upper, lower, digit, 12 chars).
fn temp_password() -> String {
    let body = model::ids::random_base62(9);
    format!("Tmp{body}{}", rand_digit())
}

fn rand_digit() -> char {
    let n = model::ids::random_base62(1).bytes().next().unwrap_or(b'0') % 10;
    char::from(b'0' + n)
}

async fn expire_password(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<EmailParams>,
) -> ApiResult<Json<Value>> {
    let temp = flag(p.temp_password.as_deref(), false);
    let (user, temp_password) = expire(&app, &admin, &id, temp).await?;
    Ok(Json(match temp_password {
        Some(t) => json!({ "tempPassword": t }),
        None => dto::render(&user, &app, true),
    }))
}

async fn expire_password_with_temp(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (_, temp_password) = expire(&app, &admin, &id, true).await?;
    Ok(Json(json!({ "tempPassword": temp_password })))
}
