//! Credential operations (`/api/v1/users/{id}/credentials/...`, the UserCred tag and
//! "Credential operations" of `users.md`): change password, change recovery question, forgot
//! password (a reset link, or a new password against the recovery answer).

use axum::extract::{Path, Query, State};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::UserRecord;

use crate::api::users::{
    find_user, flag, save, set_password_checked, set_recovery_question, PasswordChecks,
    PasswordRejected,
};
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::user as dto;
use crate::wire::{ApiError, ApiResult, Json};
use model::users::lifecycle::{self, Operation};
use model::users::UserStatus;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/users/{id}/credentials/change_password",
            post(change_password),
        )
        .route(
            "/users/{id}/credentials/change_recovery_question",
            post(change_recovery_question),
        )
        .route(
            "/users/{id}/credentials/forgot_password",
            post(forgot_password),
        )
        .route(
            "/users/{id}/credentials/forgot_password_recovery_question",
            post(forgot_password_recovery_question),
        )
}

#[derive(Debug, Default, Deserialize)]
struct PasswordValue {
    value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AnswerIn {
    question: Option<String>,
    answer: Option<String>,
}

/// Verifies `password` against the user's stored password (constant work either way).
async fn verify_password(app: &AppState, user: &UserRecord, password: &str) -> ApiResult<bool> {
    let secret = crypto::SecretString::from(password.to_owned());
    match user
        .password_hash
        .as_deref()
        .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok())
    {
        Some(stored) => Ok(app.hasher.verify(&stored, &secret).await?.matched),
        None => {
            app.hasher.verify_dummy(&secret).await?;
            Ok(false)
        }
    }
}

/// Checks that the operation is allowed in the user's status.
fn allowed(user: &UserRecord, op: Operation) -> ApiResult<UserStatus> {
    let from = UserStatus::parse(&user.status).ok_or(ApiError::Internal)?;
    Ok(lifecycle::apply(from, op, &dto::facts(user))?.next)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangePasswordBody {
    old_password: Option<PasswordValue>,
    new_password: Option<PasswordValue>,
}

#[derive(Debug, Deserialize)]
struct ChangePasswordParams {
    strict: Option<String>,
}

/// Changes the password against the old one. The password policy's history always applies;
/// `strict=true` adds its minimum age.
async fn change_password(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(params): Query<ChangePasswordParams>,
    Json(body): Json<ChangePasswordBody>,
) -> ApiResult<Json<Value>> {
    let old = body.old_password.and_then(|p| p.value).unwrap_or_default();
    let new = body.new_password.and_then(|p| p.value).unwrap_or_default();
    let strict = flag(params.strict.as_deref(), false);
    let saved = change_password_as(&app, &id, &old, &new, strict, &Actor::token(&admin)).await?;
    Ok(Json(dto::credentials(&saved)))
}

/// Changes user `id`'s password from `old` to `new` (the policy's history always, its minimum
/// age when `strict`), with the `user.account.update_password` event by `actor`.
pub(crate) async fn change_password_as(
    app: &AppState,
    id: &str,
    old: &str,
    new: &str,
    strict: bool,
    actor: &Actor,
) -> ApiResult<UserRecord> {
    let now = app.clock.now().millis();
    let mut user = find_user(app, id).await?;
    let next = allowed(&user, Operation::ChangePassword)?;
    if new.is_empty() {
        return Err(ApiError::invalid(
            "newPassword",
            "newPassword: The field cannot be left blank",
        ));
    }
    if !verify_password(app, &user, old).await? {
        return Err(ApiError::UpdateCredentials {
            causes: vec!["oldPassword: The credentials provided were incorrect.".into()],
        });
    }
    let checks = PasswordChecks {
        history: true,
        min_age: strict,
        ..PasswordChecks::default()
    };
    set_password_checked(app, &mut user, new, now, &checks)
        .await
        .map_err(PasswordRejected::as_policy)?;
    if next.as_str() != user.status {
        user.status = next.as_str().into();
        user.status_changed = Some(now);
    }
    user.secrets.reset_token_hash = None;
    user.last_updated = now;
    let event = events::event(
        "user.account.update_password",
        "Update password for user",
        actor,
        vec![events::user_target(&user)],
        now,
    );
    save(app, &user, &event).await
}

#[derive(Debug, Deserialize)]
struct ChangeRecoveryBody {
    password: Option<PasswordValue>,
    recovery_question: Option<AnswerIn>,
}

async fn change_recovery_question(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<ChangeRecoveryBody>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    allowed(&user, Operation::ChangeRecoveryQuestion)?;
    let password = body.password.and_then(|p| p.value).unwrap_or_default();
    if !verify_password(&app, &user, &password).await? {
        return Err(ApiError::UpdateCredentials {
            causes: vec!["password: The credentials provided were incorrect.".into()],
        });
    }
    let rq = body.recovery_question.unwrap_or_default();
    set_recovery_question(
        &app,
        &mut user,
        rq.question.as_deref(),
        rq.answer.as_deref(),
    )
    .await?;
    user.last_updated = now;
    let event = events::event(
        "user.account.update_recovery_question",
        "Update recovery question for user",
        &Actor::token(&admin),
        vec![events::user_target(&user)],
        now,
    );
    let saved = save(&app, &user, &event).await?;
    Ok(Json(dto::credentials(&saved)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForgotParams {
    send_email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ForgotBody {
    password: Option<PasswordValue>,
    recovery_question: Option<AnswerIn>,
}

/// `forgotPasswordSetNewPassword`: the new password against the recovery answer, on the
/// path the current spec names (the SDKs call this one).
async fn forgot_password_recovery_question(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<ForgotParams>,
    Json(body): Json<ForgotBody>,
) -> ApiResult<Json<Value>> {
    if body
        .password
        .as_ref()
        .and_then(|p| p.value.as_deref())
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::invalid(
            "password",
            "password: The field cannot be left blank",
        ));
    }
    forgot_password(State(app), admin, Path(id), Query(p), Json(body)).await
}

/// Without a body: a one-time reset link (status unchanged). With `password` and
/// `recovery_question.answer`: sets the new password when the answer matches.
async fn forgot_password(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(p): Query<ForgotParams>,
    Json(body): Json<ForgotBody>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut user = find_user(&app, &id).await?;
    allowed(&user, Operation::ForgotPassword)?;
    let actor = Actor::token(&admin);
    let new_password = body
        .password
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty());
    let Some(new_password) = new_password else {
        let token = crate::api::user_lifecycle::issue_reset_token(&mut user, now);
        user.last_updated = now;
        let event = events::event(
            "user.account.reset_password",
            "Reset password",
            &actor,
            vec![events::user_target(&user)],
            now,
        );
        let saved = save(&app, &user, &event).await?;
        return Ok(Json(if flag(p.send_email.as_deref(), true) {
            crate::api::user_lifecycle::mail_link(
                &app,
                &saved,
                crate::api::user_lifecycle::LinkMail::PasswordReset,
                &token,
                now,
            )
            .await?;
            json!({})
        } else {
            json!({ "resetPasswordUrl": app.links.page(&format!("signin/reset-password/{token}")) })
        }));
    };
    let answer = body
        .recovery_question
        .and_then(|r| r.answer)
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    let stored = user
        .recovery_answer_hash
        .as_deref()
        .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok());
    let secret = crypto::SecretString::from(answer);
    let matched = match stored {
        Some(stored) => app.hasher.verify(&stored, &secret).await?.matched,
        None => {
            app.hasher.verify_dummy(&secret).await?;
            return Err(ApiError::ForgotPasswordForbidden);
        }
    };
    if !matched {
        return Err(ApiError::RecoveryAnswer);
    }
    let checks = PasswordChecks {
        history: true,
        ..PasswordChecks::default()
    };
    set_password_checked(&app, &mut user, &new_password, now, &checks)
        .await
        .map_err(PasswordRejected::as_policy)?;
    user.last_updated = now;
    let event = events::event(
        "user.account.reset_password",
        "Reset password",
        &actor,
        vec![events::user_target(&user)],
        now,
    );
    let saved = save(&app, &user, &event).await?;
    Ok(Json(dto::credentials(&saved)))
}
