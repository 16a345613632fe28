//! The Authn API's recovery and credential operations (authn.md, "Recovery operations",
//! "Change password", "Reset password"): forgot password and unlock by EMAIL (a recovery
//! token mailed through SMTP), SMS or CALL (a code through the telephony hook), or for a
//! trusted application (the recovery token in the answer); verify the recovery factor or
//! token; answer the recovery question; reset or change the password.
//!
//! No user enumeration: a public recovery for an unknown user, or for one whose status or
//! factors do not allow it, answers exactly as a real one and delivers nothing.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use store::UserRecord;

use super::authn::{
    advance, authn_event, begin, create, create_with_messages, find_user, finish, render, save,
    save_with_messages, set_status, AuthnIn, Txn, TxnData,
};
use crate::auth::OptionalAdmin;
use crate::delivery::PhoneChannel;
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::{ApiError, ApiResult, Json};
use model::authn::{Operation, State as Status};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authn/recovery/password", post(forgot_password))
        .route("/authn/recovery/unlock", post(unlock_account))
        .route("/authn/recovery/factors/{kind}/verify", post(verify_factor))
        .route("/authn/recovery/factors/{kind}/resend", post(resend_factor))
        .route("/authn/recovery/token", post(verify_token))
        .route("/authn/recovery/answer", post(answer))
        .route("/authn/credentials/change_password", post(change_password))
        .route("/authn/credentials/reset_password", post(reset_password))
}

/// Lifetime of a recovery code sent by SMS or voice.
const CODE_LIFETIME_MS: i64 = 300_000;

/// Which statuses a recovery may start from.
fn recoverable(user: &UserRecord, recovery_type: &str) -> bool {
    match recovery_type {
        "UNLOCK" => user.status == "LOCKED_OUT",
        _ => matches!(
            user.status.as_str(),
            "ACTIVE" | "PASSWORD_EXPIRED" | "LOCKED_OUT" | "RECOVERY"
        ),
    }
}

/// The phone of the user's ACTIVE SMS (or call) factor.
async fn recovery_phone(
    app: &AppState,
    user: &UserRecord,
    kind: &str,
) -> ApiResult<Option<String>> {
    let wanted = if kind == "CALL" { "call" } else { "sms" };
    Ok(app
        .store
        .list_factors(&user.id)
        .await?
        .into_iter()
        .find(|f| f.factor_type == wanted && f.status == "ACTIVE")
        .and_then(|f| {
            f.profile
                .get("phoneNumber")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .and_then(|p| model::factors::e164(&p)))
}

/// What the user's PASSWORD policy says of a recovery: whether it may use `factor` (None:
/// a trusted application's token), how long a mailed token lives, and whether the recovery
/// question is asked.
struct RecoveryRules {
    allowed: bool,
    token_lifetime_ms: i64,
}

async fn recovery_rules(
    app: &AppState,
    user: &UserRecord,
    recovery_type: &str,
    factor: Option<&str>,
) -> ApiResult<RecoveryRules> {
    use model::policy::password as rules;
    let found =
        crate::policies::policy_for(app, user, model::policy::PolicyType::Password, &[]).await?;
    let (settings, actions) = match &found {
        Some((p, r)) => (rules::Settings::from_stored(&p.settings), Some(&r.actions)),
        None => (rules::Settings::org_default(), None),
    };
    Ok(RecoveryRules {
        allowed: rules::recovery_allows(&settings, actions, recovery_type, factor),
        token_lifetime_ms: rules::recovery_token_minutes(&settings) * 60_000,
    })
}

/// Whether the recovery question is asked of `user` (their policy has it ACTIVE and they
/// have one).
pub(crate) async fn asks_question(app: &AppState, user: &UserRecord) -> ApiResult<bool> {
    let settings = crate::policies::password_settings_for(app, user, &[]).await?;
    Ok(user.recovery_answer_hash.is_some()
        && model::policy::password::recovery_question_required(&settings))
}

async fn forgot_password(
    State(app): State<AppState>,
    OptionalAdmin(admin): OptionalAdmin,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    start(&app, admin.is_some(), &AuthnIn::parse(&body)?, "PASSWORD").await
}

async fn unlock_account(
    State(app): State<AppState>,
    OptionalAdmin(admin): OptionalAdmin,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    start(&app, admin.is_some(), &AuthnIn::parse(&body)?, "UNLOCK").await
}

/// Starts a recovery of `recovery_type` (PASSWORD or UNLOCK).
async fn start(
    app: &AppState,
    trusted: bool,
    input: &AuthnIn,
    recovery_type: &str,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let typed = input
        .username
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if typed.is_empty() {
        return Err(ApiError::invalid(
            "username",
            "username: The field cannot be left blank",
        ));
    }
    let factor = input.factor_type.as_deref().map(str::to_ascii_uppercase);
    let user = find_user(app, &typed).await?;
    // A user whose status or PASSWORD policy does not allow this recovery is treated as
    // unknown: a public application gets the same answer and nothing is sent. An unknown
    // username reads what a known one reads (its policy, its factors) and writes a
    // transaction too, and messages leave through the outbox after the answer, so neither the
    // answer nor its time tells whether the user exists.
    let phantom = super::authn::phantom_user(now);
    let mut eligible = user.as_ref().filter(|u| recoverable(u, recovery_type));
    let rules = recovery_rules(
        app,
        eligible.unwrap_or(&phantom),
        recovery_type,
        factor.as_deref(),
    )
    .await?;
    let token_lifetime_ms = rules.token_lifetime_ms;
    if !rules.allowed {
        eligible = None;
    }
    let mut data = TxnData {
        recovery_type: Some(recovery_type.to_owned()),
        relay_state: input.relay_state.clone(),
        ..TxnData::default()
    };
    if trusted && factor.is_none() {
        // A trusted application gets the recovery token itself.
        let user = match (eligible, &user) {
            (Some(u), _) => u,
            (None, Some(_)) if recovery_type == "UNLOCK" => return Err(ApiError::UnlockForbidden),
            (None, Some(_)) => return Err(ApiError::ForgotPasswordForbidden),
            (None, None) => return Err(ApiError::RecoveryUnknownUser),
        };
        let token = crypto::tokens::random_token(20);
        data.recovery_token = Some(token.clone());
        let expires = now + token_lifetime_ms;
        let event = authn_event(
            "user.account.reset_password",
            "Recovery token issued",
            Some(user),
            &typed,
            None,
            now,
        );
        let txn = create(
            app,
            Some(user),
            Status::Recovery,
            data,
            Some((&token, expires)),
            false,
            &[event],
        )
        .await?;
        let mut out = render(app, &txn).await?;
        put(&mut out, "expiresAt", json!(Timestamp(expires).to_iso()));
        return Ok(Json(out));
    }
    match factor.as_deref() {
        Some("EMAIL") => {
            data.recovery_factor = Some("EMAIL".into());
            let token = crypto::tokens::random_token(20);
            let expires = now + token_lifetime_ms;
            let email = eligible
                .and_then(|u| u.profile.get("email").and_then(Value::as_str))
                .map(str::to_owned);
            let mut target = None;
            let mut messages = Vec::new();
            if let (Some(user), Some(email)) = (eligible, email) {
                let (kind, page) = if recovery_type == "UNLOCK" {
                    (crate::mail::MailKind::Unlock, "signin/unlock")
                } else {
                    (
                        crate::mail::MailKind::ForgotPassword,
                        "signin/reset-password",
                    )
                };
                let mail = crate::mail::compose(
                    app,
                    kind,
                    Some(user),
                    &email,
                    json!({
                        "url": app.links.page(&format!("{page}/{token}")),
                        "token": token,
                        "expires": crate::mail::duration_text(token_lifetime_ms),
                    }),
                )?;
                let sent = authn_event(
                    "system.email.password_reset.sent_message",
                    "Send recovery email",
                    Some(user),
                    &typed,
                    None,
                    now,
                );
                messages.push(crate::outbox::email(
                    app,
                    &user.id,
                    &email,
                    mail,
                    expires,
                    Some(sent),
                )?);
                target = Some(user);
            } else {
                messages.push(unknown_recovery(app, &typed, expires, now)?);
            }
            // An unknown user gets a transaction too, whose token never arrives.
            create_with_messages(
                app,
                target,
                Status::RecoveryChallenge,
                data.clone(),
                Some((&token, expires)),
                false,
                &[],
                &messages,
            )
            .await?;
            let mut out = json!({
                "status": "RECOVERY_CHALLENGE",
                "factorResult": "WAITING",
                "factorType": "EMAIL",
                "recoveryType": recovery_type,
            });
            if let Some(r) = &data.relay_state {
                put(&mut out, "relayState", json!(r));
            }
            Ok(Json(out))
        }
        Some(kind @ ("SMS" | "CALL")) => {
            data.recovery_factor = Some(kind.to_owned());
            let phone = recovery_phone(app, eligible.unwrap_or(&phantom), kind).await?;
            let target = eligible.filter(|_| phone.is_some());
            let mut messages = Vec::new();
            if let (Some(user), Some(phone)) = (target, &phone) {
                let code = crypto::otp::new_numeric_code();
                let expires = now + CODE_LIFETIME_MS;
                let sent = authn_event(
                    "system.sms.send_password_reset_message",
                    "Send recovery code",
                    Some(user),
                    &typed,
                    None,
                    now,
                );
                messages.push(phone_message(app, user, phone, kind, &code, expires, sent)?);
                data.code_digest = Some(crypto::otp::code_digest(&user.id, &code));
                data.code_expires = expires;
                data.last_sent = now;
            } else {
                messages.push(unknown_recovery(app, &typed, now + CODE_LIFETIME_MS, now)?);
            }
            // An unknown user gets a transaction too, whose code never arrives.
            let txn = create_with_messages(
                app,
                target,
                Status::RecoveryChallenge,
                data,
                None,
                true,
                &[],
                &messages,
            )
            .await?;
            Ok(Json(render(app, &txn).await?))
        }
        _ => Err(ApiError::invalid(
            "factorType",
            "factorType: The value must be EMAIL, SMS or CALL",
        )),
    }
}

/// What a recovery for a username that names no one (or no one who may recover) writes in
/// place of the real message: a void outbox message that is never sent, whose event (a failed
/// `user.account.reset_password` naming what was typed) is written when it is dropped.
fn unknown_recovery(
    app: &AppState,
    typed: &str,
    expires: i64,
    now: i64,
) -> ApiResult<store::OutboxMessage> {
    crate::outbox::void(
        app,
        expires,
        authn_event(
            "user.account.reset_password",
            "Recovery requested",
            None,
            typed,
            Some("VERIFICATION_ERROR"),
            now,
        ),
    )
}

/// The outbox message that sends a recovery code by SMS or voice, with the event written
/// once it is sent.
fn phone_message(
    app: &AppState,
    user: &UserRecord,
    phone: &str,
    kind: &str,
    code: &str,
    expires: i64,
    sent: store::EventRecord,
) -> ApiResult<store::OutboxMessage> {
    let channel = if kind == "CALL" {
        PhoneChannel::Voice
    } else {
        PhoneChannel::Sms
    };
    crate::outbox::phone(
        app,
        &user.id,
        phone,
        channel,
        code,
        expires,
        "com.okta.user.telephony.password-reset",
        sent,
    )
}

/// After the recovery factor or token: the recovery question when the user has one, else
/// straight to the reset (PASSWORD) or the unlock (UNLOCK).
async fn after_factor(app: &AppState, mut txn: Txn) -> ApiResult<Json<Value>> {
    let user = txn.user.clone().ok_or(ApiError::InvalidToken)?;
    if asks_question(app, &user).await? {
        txn.status = Status::Recovery;
        save(app, &mut txn, &[]).await?;
        return Ok(Json(render(app, &txn).await?));
    }
    after_question(app, txn, user).await
}

/// After the recovery question: PASSWORD_RESET, or for UNLOCK the user is unlocked and the
/// transaction ends in SUCCESS.
async fn after_question(
    app: &AppState,
    mut txn: Txn,
    mut user: UserRecord,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    if txn.data.recovery_type.as_deref() == Some("UNLOCK") {
        app.store.clear_login_failures(&user.id).await?;
        set_status(
            app,
            &mut user,
            "ACTIVE",
            "user.account.unlock_by_user",
            "Self-service unlock",
            now,
        )
        .await?;
        txn.user = Some(user);
        let mut out = json!({
            "status": "SUCCESS",
            "recoveryType": "UNLOCK",
        });
        if let Some(r) = &txn.data.relay_state {
            put(&mut out, "relayState", json!(r));
        }
        if !app
            .store
            .delete_authn(&txn.record.id, txn.record.version, &[])
            .await?
        {
            return Err(ApiError::InvalidToken);
        }
        return Ok(Json(out));
    }
    txn.status = Status::PasswordReset;
    save(app, &mut txn, &[]).await?;
    Ok(Json(render(app, &txn).await?))
}

fn wrong_code() -> ApiError {
    ApiError::InvalidPasscode {
        cause: "Your passcode doesn't match our records. Please try again.".into(),
    }
}

async fn verify_factor(
    State(app): State<AppState>,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (input, mut txn) = begin(&app, &body, Operation::VerifyRecoveryFactor).await?;
    if txn.data.recovery_factor.as_deref() != Some(kind.to_ascii_uppercase().as_str()) {
        return Err(ApiError::InvalidAuthnState);
    }
    let now = app.clock.now().millis();
    let code = input.pass_code.as_deref().unwrap_or_default();
    let matched = match (&txn.user, &txn.data.code_digest) {
        (Some(user), Some(digest)) => {
            txn.data.code_expires > now && crypto::otp::code_matches(&user.id, code, digest)
        }
        _ => false,
    };
    if !matched {
        // A code cannot be guessed: after five wrong ones it is void until a new one is sent.
        txn.data.failed_attempts += 1;
        if txn.data.failed_attempts >= model::factors::MAX_ATTEMPTS {
            txn.data.code_digest = None;
        }
        save(&app, &mut txn, &[]).await?;
        return Err(wrong_code());
    }
    txn.data.code_digest = None;
    txn.data.failed_attempts = 0;
    after_factor(&app, txn).await
}

async fn resend_factor(
    State(app): State<AppState>,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (_, mut txn) = begin(&app, &body, Operation::ResendRecovery).await?;
    let kind = kind.to_ascii_uppercase();
    if txn.data.recovery_factor.as_deref() != Some(kind.as_str()) {
        return Err(ApiError::InvalidAuthnState);
    }
    let now = app.clock.now().millis();
    if txn.data.last_sent > 0 && now - txn.data.last_sent < 30_000 {
        let retry_at = txn.data.last_sent + 30_000;
        return Err(if kind == "CALL" {
            ApiError::CallRecentlyMade { retry_at }
        } else {
            ApiError::SmsRecentlySent { retry_at }
        });
    }
    // The same reads for a transaction of an unknown user, whose code never arrives.
    let phantom = super::authn::phantom_user(now);
    let user = txn.user.clone();
    let phone = recovery_phone(&app, user.as_ref().unwrap_or(&phantom), &kind).await?;
    let mut messages = Vec::new();
    if let (Some(user), Some(phone)) = (&user, phone) {
        let code = crypto::otp::new_numeric_code();
        let expires = now + CODE_LIFETIME_MS;
        let login = user
            .profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let sent = authn_event(
            "system.sms.send_password_reset_message",
            "Send recovery code",
            Some(user),
            &login,
            None,
            now,
        );
        messages.push(phone_message(
            &app, user, &phone, &kind, &code, expires, sent,
        )?);
        txn.data.code_digest = Some(crypto::otp::code_digest(&user.id, &code));
        txn.data.code_expires = expires;
    } else {
        messages.push(unknown_recovery(&app, "", now + CODE_LIFETIME_MS, now)?);
    }
    txn.data.last_sent = now;
    txn.data.failed_attempts = 0;
    save_with_messages(&app, &mut txn, &[], &messages).await?;
    Ok(Json(render(&app, &txn).await?))
}

/// A recovery token (mailed, or handed to a trusted application) becomes a state token.
async fn verify_token(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let input = AuthnIn::parse(&body)?;
    let token = input.recovery_token.as_deref().unwrap_or_default().trim();
    let now = app.clock.now().millis();
    let record = if token.is_empty() {
        None
    } else {
        app.store
            .authn_by_recovery_token(&crypto::tokens::sha256_hex(token))
            .await?
    };
    let Some(record) = record.filter(|r| r.recovery_expires_at > now && r.user_id.is_some()) else {
        return redeem_reset_token(&app, token, now).await;
    };
    let data: TxnData =
        serde_json::from_value(record.data.clone()).map_err(|_| ApiError::Internal)?;
    let user = match &record.user_id {
        Some(id) => app.store.user_by_id(id).await?,
        None => None,
    };
    let state_token = super::authn::new_state_token();
    let mut record = record;
    // The recovery token is used up; the transaction continues under a state token.
    record.recovery_token_hash = None;
    record.recovery_expires_at = 0;
    record.state_token_hash = Some(crypto::tokens::sha256_hex(&state_token));
    let mut data = data;
    data.recovery_token = None;
    let txn = Txn {
        status: Status::RecoveryChallenge,
        record,
        data,
        user,
        state_token,
    };
    after_factor(&app, txn).await
}

/// The token of a Users API `reset_password` / `forgot_password` (`resetPasswordUrl`) starts a
/// PASSWORD recovery at the point a mailed recovery token does. It is used once: the
/// transaction is written first, then the token is taken off the user only if it is still
/// there, so two redemptions at once give one transaction.
async fn redeem_reset_token(app: &AppState, token: &str, now: i64) -> ApiResult<Json<Value>> {
    if token.is_empty() {
        return Err(ApiError::InvalidToken);
    }
    let hash = crypto::tokens::sha256_hex(token);
    let user = app
        .store
        .user_by_reset_token(&hash)
        .await?
        .filter(|u| u.secrets.reset_expires_at.is_some_and(|e| e > now))
        .filter(|u| recoverable(u, "PASSWORD"))
        .ok_or(ApiError::InvalidToken)?;
    let data = TxnData {
        recovery_type: Some("PASSWORD".to_owned()),
        ..TxnData::default()
    };
    let txn = create(
        app,
        Some(&user),
        Status::RecoveryChallenge,
        data,
        None,
        true,
        &[],
    )
    .await?;
    let mut redeemed = false;
    app.store
        .modify_user(&user.id, &mut |u| {
            redeemed = u.secrets.reset_token_hash.as_deref() == Some(hash.as_str());
            if !redeemed {
                return store::UserChange::Keep;
            }
            u.secrets.reset_token_hash = None;
            u.secrets.reset_expires_at = None;
            store::UserChange::Write(Vec::new())
        })
        .await?;
    if !redeemed {
        app.store
            .delete_authn(&txn.record.id, txn.record.version, &[])
            .await?;
        return Err(ApiError::InvalidToken);
    }
    after_factor(app, txn).await
}

async fn answer(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (input, txn) = begin(&app, &body, Operation::AnswerRecovery).await?;
    let user = txn.user.clone().ok_or(ApiError::InvalidToken)?;
    let normal = model::factors::normalize_answer(input.answer.as_deref().unwrap_or_default());
    let secret = crypto::SecretString::from(normal);
    let stored = user
        .recovery_answer_hash
        .as_deref()
        .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok());
    let matched = match stored {
        Some(stored) => app.hasher.verify(&stored, &secret).await?.matched,
        None => {
            app.hasher.verify_dummy(&secret).await?;
            false
        }
    };
    if !matched {
        // An answer cannot be guessed: the fifth wrong one ends the transaction.
        let mut txn = txn;
        txn.data.failed_attempts += 1;
        if txn.data.failed_attempts >= model::factors::MAX_ATTEMPTS {
            app.store
                .delete_authn(&txn.record.id, txn.record.version, &[])
                .await?;
        } else {
            save(&app, &mut txn, &[]).await?;
        }
        return Err(ApiError::RecoveryAnswer);
    }
    after_question(&app, txn, user).await
}

/// PASSWORD_RESET → a new password (the password policy applies, with history).
async fn reset_password(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (input, mut txn) = begin(&app, &body, Operation::ResetPassword).await?;
    let mut user = txn.user.clone().ok_or(ApiError::InvalidToken)?;
    let now = app.clock.now().millis();
    let new = input.new_password.as_deref().unwrap_or_default();
    let checks = super::users::PasswordChecks {
        history: true,
        ..Default::default()
    };
    super::users::set_password_checked(&app, &mut user, new, now, &checks)
        .await
        .map_err(super::users::PasswordRejected::as_policy)?;
    user.status = "ACTIVE".into();
    user.status_changed = Some(now);
    user.last_updated = now;
    if user.activated.is_none() {
        user.activated = Some(now);
    }
    let event = authn_event(
        "user.account.reset_password",
        "Reset user password",
        Some(&user),
        "",
        None,
        now,
    );
    let user = super::users::save(&app, &user, &event).await?;
    app.store.clear_login_failures(&user.id).await?;
    txn.user = Some(user.clone());
    txn.data.password_verified = Some(now);
    txn.data.amr = vec!["pwd".into()];
    txn.status = Status::Success;
    let mut events = Vec::new();
    finish(&app, txn, &user, &mut events).await
}

/// PASSWORD_EXPIRED / PASSWORD_WARN → change the password with the old one.
async fn change_password(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (input, mut txn) = begin(&app, &body, Operation::ChangePassword).await?;
    let mut user = txn.user.clone().ok_or(ApiError::InvalidToken)?;
    let now = app.clock.now().millis();
    let old = crypto::SecretString::from(input.old_password.clone().unwrap_or_default());
    let stored = user
        .password_hash
        .as_deref()
        .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok());
    let matched = match stored {
        Some(stored) => app.hasher.verify(&stored, &old).await?.matched,
        None => false,
    };
    if !matched {
        return Err(ApiError::UpdateCredentials {
            causes: vec!["oldPassword: The credentials provided were incorrect.".into()],
        });
    }
    let new = input.new_password.as_deref().unwrap_or_default();
    let checks = super::users::PasswordChecks {
        history: true,
        ..Default::default()
    };
    super::users::set_password_checked(&app, &mut user, new, now, &checks)
        .await
        .map_err(super::users::PasswordRejected::as_policy)?;
    if user.status == "PASSWORD_EXPIRED" {
        user.status = "ACTIVE".into();
        user.status_changed = Some(now);
    }
    user.last_updated = now;
    let event = authn_event(
        "user.account.update_password",
        "User update password for Okta",
        Some(&user),
        "",
        None,
        now,
    );
    let user = super::users::save(&app, &user, &event).await?;
    txn.user = Some(user);
    txn.data.progress.warn_done = true;
    advance(&app, txn, Vec::new()).await
}
