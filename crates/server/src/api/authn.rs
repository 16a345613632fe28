//! The Authn API (`/api/v1/authn`, authn.md): primary authentication, the MFA steps
//! (enroll, activate, verify, with resend), state management (get, previous, skip, cancel)
//! and, in [`super::authn_recovery`], password recovery, unlock and password changes.
//!
//! A transaction lives in the store under the SHA-256 of its state token (any node can
//! continue it); its status is checked against `model::authn::allows` before every step
//! (403 E0000079 otherwise) and every step names the version it read, so one state token
//! has one outcome. The state token slides: each step moves `expiresAt` five minutes ahead.
//!
//! No user enumeration: an unknown username, a user without a password, a wrong password and
//! a user who may not sign in all spend one password verification and answer 401 E0000004.
//! Failed passwords count toward the PASSWORD policy's lockout in the store (shared by every
//! node); a success clears the count.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::{AuthnTransactionRecord, FactorRecord, UserRecord};

use super::factor_verify::{self, Proof, Verified};
use super::factors::{self, EnrollOptions};
use crate::auth::OptionalAdmin;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::{ApiError, ApiResult, Json};
use model::authn::{after_primary, allows, can_skip, Operation, Progress, State as Status};
use model::factors::{FactorKind, Lookup};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authn", post(authenticate))
        .route("/authn/previous", post(previous))
        .route("/authn/skip", post(skip))
        .route("/authn/cancel", post(cancel))
        .route("/authn/factors", post(enroll))
        .route("/authn/factors/{fid}/lifecycle/activate", post(activate))
        .route(
            "/authn/factors/{fid}/lifecycle/resend",
            post(resend_activation),
        )
        .route("/authn/factors/{fid}/verify", post(verify))
        .route("/authn/factors/{fid}/verify/resend", post(resend_verify))
        .merge(super::authn_recovery::routes())
}

/// Every field any Authn request may carry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthnIn {
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub state_token: Option<String>,
    pub relay_state: Option<String>,
    #[serde(default)]
    pub options: OptionsIn,
    #[serde(default)]
    pub context: ContextIn,
    pub factor_type: Option<String>,
    pub provider: Option<String>,
    pub profile: Option<Value>,
    pub old_password: Option<String>,
    pub new_password: Option<String>,
    pub recovery_token: Option<String>,
    pub answer: Option<String>,
    pub pass_code: Option<String>,
    pub attestation: Option<String>,
    pub client_data: Option<String>,
    pub authenticator_data: Option<String>,
    pub signature_data: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContextIn {
    /// The client device's id, for sign-on rules that remember a device after a factor.
    pub device_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OptionsIn {
    #[serde(default)]
    pub multi_optional_factor_enroll: bool,
    #[serde(default)]
    pub warn_before_password_expired: bool,
}

impl AuthnIn {
    pub fn parse(body: &Bytes) -> ApiResult<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        serde_json::from_slice(body).map_err(|_| ApiError::MalformedBody)
    }

    pub fn proof(&self) -> Proof {
        Proof {
            pass_code: self.pass_code.clone(),
            answer: self.answer.clone(),
            attestation: self.attestation.clone(),
            client_data: self.client_data.clone(),
            authenticator_data: self.authenticator_data.clone(),
            signature_data: self.signature_data.clone(),
        }
    }
}

/// What a transaction remembers besides its status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct TxnData {
    pub progress: Progress,
    /// The factor being challenged (MFA_CHALLENGE) or activated (MFA_ENROLL_ACTIVATE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    pub multi_optional: bool,
    pub warn: bool,
    /// Methods used so far (`pwd`, `mfa`, `otp`, `sms`, `kba`, `hwk`, `email`).
    pub amr: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_verified: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor_verified: Option<i64>,
    /// PASSWORD or UNLOCK for a recovery transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_type: Option<String>,
    /// EMAIL, SMS or CALL for a recovery transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_factor: Option<String>,
    /// The digest of a recovery code sent by SMS or voice, its expiry and send time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_digest: Option<String>,
    pub code_expires: i64,
    pub last_sent: i64,
    /// Wrong recovery codes or answers so far; at five the code is void (a new one must be
    /// sent) or, for answers, the transaction ends.
    pub failed_attempts: i64,
    /// SHA-256 of the client's `context.deviceToken`, if it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_hash: Option<String>,
    /// When the session the browser already holds (its `sid` cookie) last verified a
    /// factor, for `factorPromptMode: SESSION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_factor_at: Option<i64>,
    /// The recovery token was handed to a trusted application (shown in RECOVERY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_token: Option<String>,
}

impl TxnData {
    /// A transaction's start once the user is known by password (or activation token), with
    /// the request's options.
    fn signed_in(input: &AuthnIn, now: i64) -> Self {
        Self {
            relay_state: input.relay_state.clone(),
            multi_optional: input.options.multi_optional_factor_enroll,
            warn: input.options.warn_before_password_expired,
            amr: vec!["pwd".into()],
            password_verified: Some(now),
            device_hash: input
                .context
                .device_token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= 64)
                .map(crypto::tokens::sha256_hex),
            ..Self::default()
        }
    }
}

/// A loaded transaction with its parsed parts.
pub(crate) struct Txn {
    pub record: AuthnTransactionRecord,
    pub data: TxnData,
    pub status: Status,
    pub user: Option<UserRecord>,
    /// The state token as the client sent it (echoed in answers).
    pub state_token: String,
}

const STATE_TTL_MS: i64 = model::authn::STATE_TOKEN_LIFETIME_SECS * 1000;

pub(crate) fn new_state_token() -> String {
    format!("00{}", crypto::tokens::random_token(40))
}

/// The actor of events in a transaction: the user, or the name they typed.
pub(crate) fn user_actor(user: Option<&UserRecord>, typed: &str) -> Actor {
    match user {
        Some(u) => {
            let login = u
                .profile
                .get("login")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let name = format!(
                "{} {}",
                text(u, "firstName").unwrap_or_default(),
                text(u, "lastName").unwrap_or_default()
            );
            Actor {
                id: u.id.clone(),
                actor_type: "User",
                alternate_id: login,
                display_name: name.trim().to_owned(),
            }
        }
        None => Actor {
            id: "unknown".into(),
            actor_type: "User",
            alternate_id: typed.to_owned(),
            display_name: "unknown".into(),
        },
    }
}

fn text<'a>(u: &'a UserRecord, k: &str) -> Option<&'a str> {
    u.profile.get(k).and_then(Value::as_str)
}

/// An event of a sign-in, by the user; `failure` sets the outcome to FAILURE with a reason.
pub(crate) fn authn_event(
    kind: &str,
    display: &str,
    user: Option<&UserRecord>,
    typed: &str,
    failure: Option<&str>,
    now: i64,
) -> store::EventRecord {
    let targets = user.map(events::user_target).into_iter().collect();
    let mut event = events::event(kind, display, &user_actor(user, typed), targets, now);
    if let Some(reason) = failure {
        put(
            &mut event.body,
            "outcome",
            json!({ "result": "FAILURE", "reason": reason }),
        );
    }
    event
}

/// Loads the transaction of `state_token` for `op`: 401 E0000011 for an unknown or expired
/// token, 403 E0000079 when its status does not allow `op`.
pub(crate) async fn load(
    app: &AppState,
    state_token: Option<&str>,
    op: Operation,
) -> ApiResult<Txn> {
    let token = state_token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("stateToken", "stateToken: The field cannot be left blank")
        })?;
    let now = app.clock.now().millis();
    let record = app
        .store
        .authn_by_state_token(&crypto::tokens::sha256_hex(token))
        .await?
        .filter(|t| t.expires_at > now)
        .ok_or(ApiError::InvalidToken)?;
    let status = Status::parse(&record.status).ok_or(ApiError::Internal)?;
    if !allows(status, op) {
        return Err(ApiError::InvalidAuthnState);
    }
    let data: TxnData =
        serde_json::from_value(record.data.clone()).map_err(|_| ApiError::Internal)?;
    let user = match &record.user_id {
        Some(id) => app.store.user_by_id(id).await?,
        None => None,
    };
    Ok(Txn {
        record,
        data,
        status,
        user,
        state_token: token.to_owned(),
    })
}

/// A step's request: its body and the transaction of its state token, checked for `op`.
pub(crate) async fn begin(
    app: &AppState,
    body: &Bytes,
    op: Operation,
) -> ApiResult<(AuthnIn, Txn)> {
    let input = AuthnIn::parse(body)?;
    let txn = load(app, input.state_token.as_deref(), op).await?;
    Ok((input, txn))
}

/// Stores the transaction's new status and data (sliding its expiry) with `events`.
pub(crate) async fn save(
    app: &AppState,
    txn: &mut Txn,
    events: &[store::EventRecord],
) -> ApiResult<()> {
    save_with_messages(app, txn, events, &[]).await
}

/// [`save`] that also writes `messages` to the outbox in the same transaction.
pub(crate) async fn save_with_messages(
    app: &AppState,
    txn: &mut Txn,
    events: &[store::EventRecord],
    messages: &[store::OutboxMessage],
) -> ApiResult<()> {
    let now = app.clock.now().millis();
    txn.record.status = txn.status.as_str().to_owned();
    txn.record.data = serde_json::to_value(&txn.data).map_err(|_| ApiError::Internal)?;
    txn.record.expires_at = now + STATE_TTL_MS;
    if !app
        .store
        .update_authn_with_messages(&txn.record, events, messages)
        .await?
    {
        return Err(ApiError::InvalidToken);
    }
    txn.record.version += 1;
    if !messages.is_empty() {
        app.outbox.notify();
    }
    Ok(())
}

/// A new transaction for `user` in `status`; returns it with its fresh state token.
pub(crate) async fn create(
    app: &AppState,
    user: Option<&UserRecord>,
    status: Status,
    data: TxnData,
    recovery_token: Option<(&str, i64)>,
    with_state_token: bool,
    events: &[store::EventRecord],
) -> ApiResult<Txn> {
    create_with_messages(
        app,
        user,
        status,
        data,
        recovery_token,
        with_state_token,
        events,
        &[],
    )
    .await
}

/// [`create`] that also writes `messages` to the outbox in the same transaction (and wakes
/// the outbox worker).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn create_with_messages(
    app: &AppState,
    user: Option<&UserRecord>,
    status: Status,
    data: TxnData,
    recovery_token: Option<(&str, i64)>,
    with_state_token: bool,
    events: &[store::EventRecord],
    messages: &[store::OutboxMessage],
) -> ApiResult<Txn> {
    let now = app.clock.now().millis();
    let state_token = if with_state_token {
        new_state_token()
    } else {
        String::new()
    };
    let record = AuthnTransactionRecord {
        id: model::ids::random_base62(20),
        state_token_hash: with_state_token.then(|| crypto::tokens::sha256_hex(&state_token)),
        recovery_token_hash: recovery_token.map(|(t, _)| crypto::tokens::sha256_hex(t)),
        user_id: user.map(|u| u.id.clone()),
        status: status.as_str().to_owned(),
        data: serde_json::to_value(&data).map_err(|_| ApiError::Internal)?,
        expires_at: if with_state_token {
            now + STATE_TTL_MS
        } else {
            0
        },
        recovery_expires_at: recovery_token.map_or(0, |(_, e)| e),
        version: 0,
        created: now,
    };
    app.store
        .insert_authn_with_messages(&record, events, messages)
        .await?;
    if !messages.is_empty() {
        app.outbox.notify();
    }
    Ok(Txn {
        record,
        data,
        status,
        user: user.cloned(),
        state_token,
    })
}

fn link(href: String) -> Value {
    json!({ "href": href, "hints": { "allow": ["POST"] } })
}

fn named(name: &str, href: String) -> Value {
    json!({ "name": name, "href": href, "hints": { "allow": ["POST"] } })
}

/// The `_embedded.user` subset.
pub(crate) fn embedded_user(user: &UserRecord, with_question: bool) -> Value {
    let mut profile = json!({});
    for key in ["login", "firstName", "lastName", "locale", "timeZone"] {
        if let Some(v) = user.profile.get(key) {
            put(&mut profile, key, v.clone());
        }
    }
    let mut out = json!({
        "id": user.id,
        "passwordChanged": user.password_changed.map(|t| Timestamp(t).to_iso()),
        "profile": profile,
    });
    if with_question {
        if let Some(q) = &user.recovery_question {
            put(&mut out, "recovery_question", json!({ "question": q }));
        }
    }
    out
}

/// A factor as an Authn transaction shows it, with its verify link.
fn authn_factor(app: &AppState, f: &FactorRecord) -> Value {
    json!({
        "id": f.id,
        "factorType": f.factor_type,
        "provider": f.provider,
        "vendorName": f.provider,
        "profile": f.profile,
        "_links": { "verify": link(app.links.api(&format!("authn/factors/{}/verify", f.id))) },
    })
}

/// The password policy object of PASSWORD_EXPIRED, PASSWORD_WARN and PASSWORD_RESET.
async fn policy_object(app: &AppState, user: &UserRecord) -> ApiResult<Value> {
    let settings = crate::policies::password_settings_for(app, user, &[]).await?;
    let c = &settings.password.complexity;
    let age = &settings.password.age;
    let mut out = json!({
        "complexity": {
            "minLength": c.min_length,
            "minLowerCase": c.min_lower_case,
            "minUpperCase": c.min_upper_case,
            "minNumber": c.min_number,
            "minSymbol": c.min_symbol,
            "excludeUsername": c.exclude_username,
        },
        "age": { "minAgeMinutes": age.min_age_minutes, "historyCount": age.history_count },
    });
    if let (Some(changed), true) = (user.password_changed, age.max_age_days > 0) {
        let expires = changed + age.max_age_days * 86_400_000;
        let days = ((expires - app.clock.now().millis()) as f64 / 86_400_000.0).ceil();
        put(
            &mut out,
            "expiration",
            json!({ "passwordExpireDays": (days as i64).max(0) }),
        );
    }
    Ok(out)
}

/// The Authentication (or Recovery) Transaction object for the transaction's status.
pub(crate) async fn render(app: &AppState, txn: &Txn) -> ApiResult<Value> {
    let mut out = json!({ "status": txn.status.as_str() });
    if !txn.state_token.is_empty() && txn.status != Status::Success {
        put(&mut out, "stateToken", json!(txn.state_token));
        put(
            &mut out,
            "expiresAt",
            json!(Timestamp(txn.record.expires_at).to_iso()),
        );
    }
    if let Some(r) = &txn.data.relay_state {
        put(&mut out, "relayState", json!(r));
    }
    if let Some(t) = &txn.data.recovery_type {
        put(&mut out, "recoveryType", json!(t));
    }
    let cancel = link(app.links.api("authn/cancel"));
    let prev = link(app.links.api("authn/previous"));
    let skip = link(app.links.api("authn/skip"));
    if txn.status == Status::RecoveryChallenge {
        // Nothing about the user before the recovery factor is verified, and the same
        // answer whether or not the user exists.
        let mut links = json!({ "cancel": cancel });
        let kind = txn
            .data
            .recovery_factor
            .as_deref()
            .unwrap_or("SMS")
            .to_lowercase();
        put(&mut out, "factorResult", json!("WAITING"));
        put(
            &mut out,
            "factorType",
            json!(txn.data.recovery_factor.clone().unwrap_or_default()),
        );
        let verify = app
            .links
            .api(&format!("authn/recovery/factors/{kind}/verify"));
        let resend = app
            .links
            .api(&format!("authn/recovery/factors/{kind}/resend"));
        put(&mut links, "next", named("verify", verify));
        put(&mut links, "resend", json!([named(&kind, resend)]));
        put(&mut out, "_links", links);
        return Ok(out);
    }
    let Some(user) = &txn.user else {
        put(&mut out, "_links", json!({ "cancel": cancel }));
        return Ok(out);
    };
    let mut embedded = json!({ "user": embedded_user(user, txn.status == Status::Recovery) });
    let mut links = json!({ "cancel": cancel });
    match txn.status {
        Status::MfaRequired => {
            let factors: Vec<Value> = app
                .store
                .list_factors(&user.id)
                .await?
                .iter()
                .filter(|f| f.status == "ACTIVE")
                .map(|f| authn_factor(app, f))
                .collect();
            put(&mut embedded, "factors", Value::Array(factors));
        }
        Status::MfaChallenge => {
            let fid = txn.data.factor_id.as_deref().unwrap_or_default();
            if let Some(f) = app.store.factor_by_id(&user.id, fid).await? {
                let verify = app.links.api(&format!("authn/factors/{fid}/verify"));
                let mut factor = authn_factor(app, &f);
                if let Some(obj) = factor.as_object_mut() {
                    obj.remove("_links");
                }
                put(&mut embedded, "factor", factor);
                put(&mut links, "next", named("verify", verify.clone()));
                put(&mut links, "prev", prev);
                if f.factor_type != "question"
                    && f.factor_type != "token:software:totp"
                    && f.factor_type != "webauthn"
                {
                    put(
                        &mut links,
                        "resend",
                        json!([named(&f.factor_type, format!("{verify}/resend"))]),
                    );
                }
            }
        }
        Status::MfaEnroll => {
            put(&mut embedded, "factors", enroll_catalog(app, user).await?);
            if can_skip(txn.status, txn.data.progress) {
                put(&mut links, "skip", skip);
            }
        }
        Status::MfaEnrollActivate => {
            let fid = txn.data.factor_id.as_deref().unwrap_or_default();
            if let Some(f) = app.store.factor_by_id(&user.id, fid).await? {
                let mut factor = factors::render(app, &f)?;
                if let Some(obj) = factor.as_object_mut() {
                    obj.remove("_links");
                    obj.remove("created");
                    obj.remove("lastUpdated");
                }
                let activate = app
                    .links
                    .api(&format!("authn/factors/{fid}/lifecycle/activate"));
                put(&mut embedded, "factor", factor);
                put(&mut links, "next", named("activate", activate));
                put(&mut links, "prev", prev);
                if matches!(f.factor_type.as_str(), "sms" | "call" | "email") {
                    let resend = app
                        .links
                        .api(&format!("authn/factors/{fid}/lifecycle/resend"));
                    put(&mut links, "resend", json!([named(&f.factor_type, resend)]));
                }
            }
        }
        Status::PasswordExpired | Status::PasswordWarn => {
            put(&mut embedded, "policy", policy_object(app, user).await?);
            let change = app.links.api("authn/credentials/change_password");
            put(&mut links, "next", named("changePassword", change));
            if txn.status == Status::PasswordWarn {
                put(&mut links, "skip", skip);
            }
        }
        Status::PasswordReset => {
            put(&mut embedded, "policy", policy_object(app, user).await?);
            let reset = app.links.api("authn/credentials/reset_password");
            put(&mut links, "next", named("resetPassword", reset));
        }
        Status::Recovery => {
            if let Some(token) = &txn.data.recovery_token {
                put(&mut out, "recoveryToken", json!(token));
                let next = app.links.api("authn/recovery/token");
                put(&mut links, "next", named("recovery", next));
            } else {
                let answer = app.links.api("authn/recovery/answer");
                put(&mut links, "next", named("answer", answer));
            }
        }
        Status::LockedOut => {
            let unlock = app.links.api("authn/recovery/unlock");
            return Ok(json!({
                "status": "LOCKED_OUT",
                "_links": { "next": named("unlock", unlock) },
            }));
        }
        Status::Success | Status::Unauthenticated | Status::RecoveryChallenge => {}
    }
    put(&mut out, "_embedded", embedded);
    if txn.status != Status::Success {
        put(&mut out, "_links", links);
    }
    Ok(out)
}

/// The factors an MFA_ENROLL state offers: each kind the MFA enrollment policy allows, with
/// its status and whether the policy requires it.
async fn enroll_catalog(app: &AppState, user: &UserRecord) -> ApiResult<Value> {
    let settings = crate::policies::mfa_enroll_settings_for(app, user).await?;
    let enrolled = app.store.list_factors(&user.id).await?;
    let href = app.links.api("authn/factors");
    let mut out = Vec::new();
    for kind in model::factors::SUPPORTED {
        if !model::factors::policy_allows(&settings, kind) {
            continue;
        }
        let active = enrolled.iter().any(|f| {
            f.factor_type == kind.factor_type()
                && f.provider == kind.provider()
                && f.status == "ACTIVE"
        });
        out.push(json!({
            "factorType": kind.factor_type(),
            "provider": kind.provider(),
            "vendorName": kind.provider(),
            "_links": { "enroll": link(href.clone()) },
            "status": if active { "ACTIVE" } else { "NOT_SETUP" },
            "enrollment": if required_by(&settings, kind) { "REQUIRED" } else { "OPTIONAL" },
        }));
    }
    Ok(Value::Array(out))
}

fn required_by(settings: &Value, kind: FactorKind) -> bool {
    settings.get("type").and_then(Value::as_str) == Some("FACTORS")
        && settings
            .get("factors")
            .and_then(|f| f.get(kind.policy_key()))
            .and_then(|f| f.get("enroll"))
            .and_then(|e| e.get("self"))
            .and_then(Value::as_str)
            == Some("REQUIRED")
}

/// The facts of a signed-in user under their policies, with the done-flags of `done`.
/// A sign-on rule that denies access answers 401 E0000004.
pub(crate) async fn progress(
    app: &AppState,
    user: &UserRecord,
    data: &TxnData,
) -> ApiResult<Progress> {
    let now = app.clock.now().millis();
    let factors = app.store.list_factors(&user.id).await?;
    let active = |kind: FactorKind| {
        factors.iter().any(|f| {
            f.factor_type == kind.factor_type()
                && f.provider == kind.provider()
                && f.status == "ACTIVE"
        })
    };
    let enroll = crate::policies::mfa_enroll_settings_for(app, user).await?;
    let enrollment_required = model::factors::SUPPORTED
        .into_iter()
        .any(|k| required_by(&enroll, k) && !active(k));
    let mut mfa_required = false;
    if let Some((_, rule)) =
        crate::policies::policy_for(app, user, model::policy::PolicyType::OktaSignOn, &[]).await?
    {
        if let Some(signon) = model::policy::sign_on::signon_of(&rule.actions) {
            if signon.access == "DENY" {
                return Err(ApiError::AuthenticationFailed);
            }
            let remembered = data.device_hash.as_deref().and_then(|h| {
                user.secrets
                    .remembered_devices
                    .iter()
                    .find(|d| d.token_hash == h)
                    .map(|d| d.until)
            });
            mfa_required = signon.require_factor
                && !model::policy::sign_on::factor_satisfied(
                    &signon,
                    now,
                    data.session_factor_at,
                    remembered,
                );
        }
    }
    let settings = crate::policies::password_settings_for(app, user, &[]).await?;
    let age = &settings.password.age;
    let expires = user
        .password_changed
        .filter(|_| age.max_age_days > 0)
        .map(|c| c + age.max_age_days * 86_400_000);
    let password_expired = user.status == "PASSWORD_EXPIRED" || expires.is_some_and(|e| e <= now);
    let password_warn = data.warn
        && age.expire_warn_days > 0
        && expires.is_some_and(|e| e - now <= age.expire_warn_days * 86_400_000);
    Ok(Progress {
        enrollment_required,
        mfa_required,
        has_factors: factors.iter().any(|f| f.status == "ACTIVE"),
        password_expired,
        password_warn,
        ..data.progress
    })
}

/// Moves a transaction to the next step after one is done: SUCCESS mints a session token
/// and ends the transaction; any other status is stored. Returns the answer.
pub(crate) async fn advance(
    app: &AppState,
    mut txn: Txn,
    mut events: Vec<store::EventRecord>,
) -> ApiResult<Json<Value>> {
    let user = txn.user.clone().ok_or(ApiError::InvalidToken)?;
    let facts = progress(app, &user, &txn.data).await?;
    txn.data.progress = facts;
    txn.status = after_primary(facts);
    finish(app, txn, &user, &mut events).await
}

/// Stores (or, on SUCCESS, ends) the transaction in its new status and answers.
pub(crate) async fn finish(
    app: &AppState,
    mut txn: Txn,
    user: &UserRecord,
    events: &mut Vec<store::EventRecord>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    if txn.status != Status::Success {
        if txn.record.version == 0 && txn.record.state_token_hash.is_none() {
            // A fresh transaction (primary authentication) is created here.
            txn = create(app, Some(user), txn.status, txn.data, None, true, events).await?;
        } else {
            save(app, &mut txn, events).await?;
        }
        return Ok(Json(render(app, &txn).await?));
    }
    let mut amr = txn.data.amr.clone();
    if amr.is_empty() {
        amr.push("pwd".into());
    }
    let (token, expires) = crate::sessions::issue_session_token(
        app,
        user,
        crate::sessions::SessionProof {
            amr,
            password_verified: txn.data.password_verified,
            factor_verified: txn.data.factor_verified,
        },
    )
    .await?;
    events.push(authn_event(
        "user.authentication.sso",
        "User single sign on to app",
        Some(user),
        "",
        None,
        now,
    ));
    if txn.record.state_token_hash.is_some() {
        if !app
            .store
            .delete_authn(&txn.record.id, txn.record.version, events)
            .await?
        {
            return Err(ApiError::InvalidToken);
        }
    } else {
        app.store.record_events(events).await?;
    }
    let mut out = json!({
        "expiresAt": Timestamp(expires).to_iso(),
        "status": "SUCCESS",
        "sessionToken": token,
        "_embedded": { "user": embedded_user(user, false) },
    });
    if let Some(r) = &txn.data.relay_state {
        put(&mut out, "relayState", json!(r));
    }
    if let Some(t) = &txn.data.recovery_type {
        put(&mut out, "recoveryType", json!(t));
    }
    Ok(Json(out))
}

/// A transaction not stored yet, for primary authentication.
fn unsaved(user: &UserRecord, data: TxnData) -> Txn {
    Txn {
        record: AuthnTransactionRecord {
            id: String::new(),
            state_token_hash: None,
            recovery_token_hash: None,
            user_id: Some(user.id.clone()),
            status: String::new(),
            data: Value::Null,
            expires_at: 0,
            recovery_expires_at: 0,
            version: 0,
            created: 0,
        },
        data,
        status: Status::Unauthenticated,
        user: Some(user.clone()),
        state_token: String::new(),
    }
}

/// A user that does not exist, for reading what a real one would read.
pub(crate) fn phantom_user(now: i64) -> UserRecord {
    UserRecord {
        id: model::ids::new_id(model::ids::Kind::User),
        status: "ACTIVE".into(),
        transitioning_to_status: None,
        created: now,
        activated: None,
        status_changed: None,
        last_login: None,
        last_updated: now,
        password_changed: None,
        type_id: String::new(),
        profile: serde_json::Map::new(),
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".into(),
        provider_name: "OKTA".into(),
        secrets: store::UserSecrets::default(),
        version: 0,
    }
}

/// Finds a user by login or login shortname, without telling why not.
pub(crate) async fn find_user(app: &AppState, username: &str) -> ApiResult<Option<UserRecord>> {
    if username.trim().is_empty() {
        return Ok(None);
    }
    match super::users::find_user(app, username.trim()).await {
        Ok(u) => Ok(Some(u)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// `POST /authn`: primary authentication, or the state of a transaction.
async fn authenticate(
    State(app): State<AppState>,
    OptionalAdmin(_admin): OptionalAdmin,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input = AuthnIn::parse(&body)?;
    if input.state_token.is_some() && input.username.is_none() && input.password.is_none() {
        let mut txn = load(&app, input.state_token.as_deref(), Operation::GetState).await?;
        // Every use slides the state token's expiry, a read included.
        save(&app, &mut txn, &[]).await?;
        return Ok(Json(render(&app, &txn).await?));
    }
    if input.token.is_some() && input.username.is_none() {
        return activation_sign_in(&app, &input).await;
    }
    let cookie = crate::sessions::sid_cookie(&headers);
    primary(&app, &input, cookie.as_deref()).await
}

/// An activation token (from the Users API's activate) signs the user in once: a user with a
/// password is activated and goes on as after a password; one without sets a password first
/// (PASSWORD_RESET).
async fn activation_sign_in(app: &AppState, input: &AuthnIn) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let token = input.token.as_deref().unwrap_or_default().trim();
    let mut user = app
        .store
        .user_by_activation_token(&crypto::tokens::sha256_hex(token))
        .await?
        .filter(|u| u.secrets.activation_expires_at.is_some_and(|e| e > now))
        .filter(|u| matches!(u.status.as_str(), "STAGED" | "PROVISIONED" | "ACTIVE"))
        .ok_or(ApiError::AuthenticationFailed)?;
    user.secrets.activation_token_hash = None;
    user.secrets.activation_expires_at = None;
    let has_password = user.password_hash.is_some();
    if has_password && user.status != "ACTIVE" {
        user.status = "ACTIVE".into();
        user.status_changed = Some(now);
        user.activated = Some(now);
    }
    user.last_updated = now;
    let event = authn_event(
        "user.lifecycle.activate",
        "Activate Okta user",
        Some(&user),
        "",
        None,
        now,
    );
    let user = super::users::save(app, &user, &event).await?;
    let data = TxnData::signed_in(input, now);
    if has_password {
        return advance(app, unsaved(&user, data), Vec::new()).await;
    }
    let txn = create(
        app,
        Some(&user),
        Status::PasswordReset,
        data,
        None,
        true,
        &[],
    )
    .await?;
    Ok(Json(render(app, &txn).await?))
}

/// The lockout counter key of usernames that name no user: they reserve and fail attempts
/// like a known user's wrong password, so both cost the same writes. It is never a user id.
const UNKNOWN_USER_KEY: &str = "unknown-username";

/// A reservation older than this no longer holds a slot (its node died mid-attempt); no
/// verification takes nearly as long.
const STALE_RESERVATION_MS: i64 = 30_000;

/// How long a sign-in waits for a slot while other attempts of the same user are verified.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether a password may be verified for this user now.
enum Slot {
    Granted,
    Locked,
}

/// Username and password: the user's lockout, status and password decide; then the
/// policies choose the next step.
///
/// Every verification of the user's password runs under a reservation of the lockout
/// counter (`LockoutStore`), so concurrent sign-ins never verify more than `maxAttempts`
/// passwords between unlocks, and none of them fails because another is running: the user
/// is changed only through `modify_user`, which never conflicts.
/// What a password check found.
pub(crate) enum PasswordCheck {
    /// Verified: the user, with the sign-in recorded.
    SignedIn(UserRecord),
    /// The user is locked out (the Authn API answers LOCKED_OUT, or a plain failure when the
    /// policy hides lockouts).
    Locked {
        user: UserRecord,
        show_failures: bool,
    },
}

/// Verifies a username and password under the rules every password sign-in shares (the Authn
/// API's primary authentication and the OAuth 2.0 password grant): lockout slots and
/// counters, the same cost and answer for an unknown user, rehashing of imported hashes, the
/// password import hook, and the `user.session.start` / `user.authentication.verify` events.
/// A wrong password, an unknown user or a user who may not sign in is `AuthenticationFailed`.
pub(crate) async fn verify_password(
    app: &AppState,
    typed: &str,
    password: &crypto::SecretString,
    now: i64,
) -> ApiResult<PasswordCheck> {
    let found = find_user(app, typed).await?;
    // An unknown username reads what a known one reads (its policy), reserves and fails an
    // attempt, and spends one password verification, so neither the answer nor its time
    // tells whether the user exists.
    let subject = found.clone().unwrap_or_else(|| phantom_user(now));
    let settings = crate::policies::password_settings_for(app, &subject, &[]).await?;
    let lockout = &settings.password.lockout;
    let Some(mut user) = found else {
        app.store
            .reserve_login_attempt(UNKNOWN_USER_KEY, now, 0, now - STALE_RESERVATION_MS)
            .await?;
        app.hasher.verify_dummy(password).await?;
        let event = authn_event(
            "user.session.start",
            "User login to Okta",
            None,
            typed,
            Some("VERIFICATION_ERROR"),
            now,
        );
        app.store
            .finish_login_attempt(UNKNOWN_USER_KEY, now, 0, false, &[event])
            .await?;
        return Err(ApiError::AuthenticationFailed);
    };
    let slot = reserve_slot(app, &mut user, &settings, now).await?;
    if matches!(slot, Slot::Locked) || user.status == "LOCKED_OUT" {
        if matches!(slot, Slot::Granted) {
            // Locked by status alone: give the slot back without counting a failure.
            app.store
                .finish_login_attempt(&user.id, now, lockout.max_attempts, true, &[])
                .await?;
        }
        // The same hashing cost as any other answer, without verifying this user's password.
        app.hasher.verify_dummy(password).await?;
        return Ok(PasswordCheck::Locked {
            user,
            show_failures: lockout.show_lockout_failures,
        });
    }
    let stored = user
        .password_hash
        .as_deref()
        .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok());
    let verdict = match &stored {
        Some(stored) => app.hasher.verify(stored, password).await,
        None if user.secrets.password_hook => {
            // The password import hook decides; a verified password is stored below.
            use crypto::ExposeSecret;
            let ok = crate::hooks::password_import::verified(
                app,
                &user,
                typed,
                password.expose_secret(),
            )
            .await;
            Ok(crypto::password::Verification {
                matched: ok,
                needs_rehash: ok,
            })
        }
        None => app
            .hasher
            .verify_dummy(password)
            .await
            .map(|()| crypto::password::Verification {
                matched: false,
                needs_rehash: false,
            }),
    };
    let verdict = match verdict {
        Ok(v) => v,
        Err(err) => {
            // No verification happened (the hashing queue is full): the slot goes back.
            app.store
                .finish_login_attempt(&user.id, now, lockout.max_attempts, true, &[])
                .await?;
            return Err(err.into());
        }
    };
    if !verdict.matched {
        let failed = authn_event(
            "user.session.start",
            "User login to Okta",
            Some(&user),
            typed,
            Some("INVALID_CREDENTIALS"),
            now,
        );
        let counter = app
            .store
            .finish_login_attempt(&user.id, now, lockout.max_attempts, false, &[failed])
            .await?;
        if counter.locked_at.is_some() {
            // This failure reached the limit (or another one did while this one ran): the
            // first to see it locks the user.
            let lock = authn_event(
                "user.account.lock",
                "Max sign in attempts exceeded",
                Some(&user),
                typed,
                None,
                now,
            );
            app.store
                .modify_user(&user.id, &mut |u| {
                    if !may_sign_in(&u.status) {
                        return store::UserChange::Keep;
                    }
                    u.status = "LOCKED_OUT".into();
                    u.status_changed = Some(now);
                    u.last_updated = now;
                    store::UserChange::Write(vec![lock.clone()])
                })
                .await?;
        }
        // The attempt that reaches the limit fails like any other (authn.md: the LOCKED_OUT
        // answer is for a user whose status is already LOCKED_OUT).
        return Err(ApiError::AuthenticationFailed);
    }
    // An imported or outdated hash becomes argon2id with the configured parameters.
    let fresh = if verdict.needs_rehash {
        Some(app.hasher.hash(password).await?.to_storage_string())
    } else {
        None
    };
    // One transaction: the reservation ends as a success, and the user records the sign-in.
    let mut signed_in = true;
    let (counter, saved) = app
        .store
        .sign_in_succeeded(&user, &mut |u| {
            if !may_sign_in(&u.status) {
                // Not a status that signs in (or suspended, deactivated, locked meanwhile).
                signed_in = false;
                return store::UserChange::Keep;
            }
            if let Some(fresh) = &fresh {
                if u.password_hash.is_none() {
                    u.password_changed = Some(now);
                }
                u.password_hash = Some(fresh.clone());
                u.secrets.password_hook = false;
                if u.provider_type == "IMPORT" {
                    u.provider_type = "OKTA".into();
                    u.provider_name = "OKTA".into();
                }
            }
            u.last_login = Some(now);
            store::UserChange::Write(vec![authn_event(
                "user.authentication.verify",
                "Verify user identity",
                Some(u),
                typed,
                None,
                now,
            )])
        })
        .await?;
    if counter.locked_at.is_some() {
        // Another attempt locked the user while this one was verified.
        return Ok(PasswordCheck::Locked {
            user,
            show_failures: lockout.show_lockout_failures,
        });
    }
    let user = match saved {
        Some(user) if signed_in => user,
        _ => {
            let event = authn_event(
                "user.session.start",
                "User login to Okta",
                Some(&user),
                typed,
                Some("INVALID_CREDENTIALS"),
                now,
            );
            app.store.record_events(&[event]).await?;
            return Err(ApiError::AuthenticationFailed);
        }
    };
    Ok(PasswordCheck::SignedIn(user))
}

async fn primary(app: &AppState, input: &AuthnIn, cookie: Option<&str>) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let typed = input.username.as_deref().unwrap_or_default();
    let password = crypto::SecretString::from(input.password.clone().unwrap_or_default());
    let user = match verify_password(app, typed, &password, now).await? {
        PasswordCheck::SignedIn(user) => user,
        PasswordCheck::Locked {
            user,
            show_failures,
        } => {
            return refuse_locked(app, &user, typed, show_failures, now).await;
        }
    };
    let mut data = TxnData::signed_in(input, now);
    // A browser that holds a live session of this user brings its last factor verification.
    if let Some(cookie) = cookie {
        if let Some(session) = app
            .store
            .session_by_cookie(&crypto::tokens::sha256_hex(cookie), now)
            .await?
            .filter(|s| s.user_id == user.id)
        {
            data.session_factor_at = session.last_factor_verification;
        }
    }
    advance(app, unsaved(&user, data), Vec::new()).await
}

/// The statuses whose users may sign in with a password (and so may be locked out).
fn may_sign_in(status: &str) -> bool {
    matches!(status, "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY")
}

/// Takes a lockout slot for one password verification. A lock whose auto-unlock time has
/// passed is lifted first (the user becomes ACTIVE again); while other attempts of the user
/// hold every slot, waits for one of them to finish.
async fn reserve_slot(
    app: &AppState,
    user: &mut UserRecord,
    settings: &model::policy::password::Settings,
    now: i64,
) -> ApiResult<Slot> {
    use model::policy::lockout::{self, Failures, LockoutStatus};
    use store::AttemptReservation::{Granted, Refused};
    let max = settings.password.lockout.max_attempts;
    let deadline = std::time::Instant::now() + SLOT_WAIT;
    let mut pause = std::time::Duration::from_millis(2);
    loop {
        let counter = match app
            .store
            .reserve_login_attempt(&user.id, now, max, now - STALE_RESERVATION_MS)
            .await?
        {
            Granted(_) => return Ok(Slot::Granted),
            Refused(counter) => counter,
        };
        let failures = counter.map(|c| Failures {
            count: c.failures,
            last_failure: c.last_failure,
            locked_at: c.locked_at,
        });
        match lockout::status(settings, failures.as_ref(), now) {
            LockoutStatus::AutoUnlockDue => {
                app.store.clear_login_failures(&user.id).await?;
                if user.status == "LOCKED_OUT" {
                    set_status(
                        app,
                        user,
                        "ACTIVE",
                        "user.account.unlock",
                        "Unlock user account",
                        now,
                    )
                    .await?;
                }
                continue;
            }
            LockoutStatus::Locked { .. } => return Ok(Slot::Locked),
            LockoutStatus::Open { .. } if failures.is_some_and(|f| f.count >= max) => {
                return Ok(Slot::Locked)
            }
            LockoutStatus::Open { .. } => {}
        }
        // Every slot is held by an attempt in flight: wait for one to finish.
        if std::time::Instant::now() >= deadline {
            return Err(ApiError::TooManyRequests);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(50));
    }
}

/// The answer to a sign-in of a locked-out user, with its System Log event.
async fn refuse_locked(
    app: &AppState,
    user: &UserRecord,
    typed: &str,
    show: bool,
    now: i64,
) -> ApiResult<Json<Value>> {
    let event = authn_event(
        "user.session.start",
        "User login to Okta",
        Some(user),
        typed,
        Some("LOCKED_OUT"),
        now,
    );
    app.store.record_events(&[event]).await?;
    locked_out(app, show)
}

/// A locked-out user: the LOCKED_OUT transaction when the password policy shows lockout
/// failures, else the same 401 as a wrong password.
fn locked_out(app: &AppState, show: bool) -> ApiResult<Json<Value>> {
    if !show {
        return Err(ApiError::AuthenticationFailed);
    }
    let unlock = app.links.api("authn/recovery/unlock");
    Ok(Json(json!({
        "status": "LOCKED_OUT",
        "_links": { "next": named("unlock", unlock) },
    })))
}

/// Changes a user's status with an event (lock, unlock, a reset that ends PASSWORD_EXPIRED),
/// on the user as it stands (never a conflict); nothing is written when it already has it.
pub(crate) async fn set_status(
    app: &AppState,
    user: &mut UserRecord,
    status: &str,
    kind: &str,
    display: &str,
    now: i64,
) -> ApiResult<()> {
    if user.status == status {
        return Ok(());
    }
    let changed = app
        .store
        .modify_user(&user.id, &mut |u| {
            if u.status == status {
                return store::UserChange::Keep;
            }
            u.status = status.to_owned();
            u.status_changed = Some(now);
            u.last_updated = now;
            let login = text(u, "login").unwrap_or_default().to_owned();
            store::UserChange::Write(vec![authn_event(kind, display, Some(u), &login, None, now)])
        })
        .await?;
    *user = changed.ok_or_else(|| ApiError::NotFound("Resource".into()))?;
    Ok(())
}

async fn previous(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (_, mut txn) = begin(&app, &body, Operation::Previous).await?;
    txn.status = match txn.status {
        Status::MfaChallenge => Status::MfaRequired,
        _ => Status::MfaEnroll,
    };
    txn.data.factor_id = None;
    save(&app, &mut txn, &[]).await?;
    Ok(Json(render(&app, &txn).await?))
}

async fn skip(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (_, mut txn) = begin(&app, &body, Operation::Skip).await?;
    if !can_skip(txn.status, txn.data.progress) {
        return Err(ApiError::InvalidAuthnState);
    }
    match txn.status {
        Status::PasswordWarn => txn.data.progress.warn_done = true,
        _ => txn.data.progress.enrollment_done = true,
    }
    advance(&app, txn, Vec::new()).await
}

async fn cancel(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (_, txn) = begin(&app, &body, Operation::Cancel).await?;
    let now = app.clock.now().millis();
    let typed = txn
        .user
        .as_ref()
        .and_then(|u| text(u, "login"))
        .unwrap_or_default()
        .to_owned();
    let event = authn_event(
        "user.authentication.cancel",
        "Cancel the authentication transaction",
        txn.user.as_ref(),
        &typed,
        None,
        now,
    );
    if !app
        .store
        .delete_authn(&txn.record.id, txn.record.version, &[event])
        .await?
    {
        return Err(ApiError::InvalidToken);
    }
    let mut out = json!({});
    if let Some(r) = &txn.data.relay_state {
        put(&mut out, "relayState", json!(r));
    }
    Ok(Json(out))
}

fn the_user(txn: &Txn) -> ApiResult<UserRecord> {
    txn.user.clone().ok_or(ApiError::InvalidToken)
}

fn actor_of(user: &UserRecord) -> Actor {
    user_actor(Some(user), "")
}

/// The `amr` value a verified factor adds.
fn amr_of(kind: FactorKind) -> &'static str {
    match kind {
        FactorKind::Question => "kba",
        FactorKind::Sms => "sms",
        FactorKind::Call => "tel",
        // The spec's AMR values have no email; an emailed code is a one-time passcode.
        FactorKind::Email => "otp",
        FactorKind::OktaTotp | FactorKind::GoogleTotp => "otp",
        FactorKind::WebAuthn => "hwk",
    }
}

fn record_mfa(data: &mut TxnData, kind: FactorKind, now: i64) {
    data.progress.mfa_done = true;
    data.factor_verified = Some(now);
    for m in ["mfa", amr_of(kind)] {
        if !data.amr.iter().any(|a| a == m) {
            data.amr.push(m.to_owned());
        }
    }
}

fn kind_of(f: &FactorRecord) -> ApiResult<FactorKind> {
    match FactorKind::lookup(&f.factor_type, &f.provider) {
        Lookup::Supported(k) => Ok(k),
        _ => Err(ApiError::Internal),
    }
}

/// After a factor verified in a transaction whose client sent a `deviceToken`: when the
/// sign-on rule prompts per DEVICE and the user asked to be remembered (`rememberDevice`,
/// default `rememberDeviceByDefault`), the device is remembered for `factorLifetime`
/// minutes. Returns the user as stored when it changed.
async fn remember_device(
    app: &AppState,
    user: &UserRecord,
    data: &TxnData,
    asked: Option<bool>,
) -> ApiResult<Option<UserRecord>> {
    let Some(hash) = &data.device_hash else {
        return Ok(None);
    };
    let rule =
        crate::policies::policy_for(app, user, model::policy::PolicyType::OktaSignOn, &[]).await?;
    let Some(signon) = rule.and_then(|(_, r)| model::policy::sign_on::signon_of(&r.actions)) else {
        return Ok(None);
    };
    if signon.factor_prompt_mode.as_deref() != Some("DEVICE")
        || !asked.unwrap_or(signon.remember_device_by_default)
    {
        return Ok(None);
    }
    let now = app.clock.now().millis();
    let until = now + signon.factor_lifetime.unwrap_or(0).saturating_mul(60_000);
    let mut user = app
        .store
        .user_by_id(&user.id)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let devices = &mut user.secrets.remembered_devices;
    devices.retain(|d| &d.token_hash != hash && d.until > now);
    devices.insert(
        0,
        store::RememberedDevice {
            token_hash: hash.clone(),
            until,
        },
    );
    devices.truncate(MAX_REMEMBERED_DEVICES);
    user.last_updated = now;
    let login = text(&user, "login").unwrap_or_default().to_owned();
    let event = authn_event(
        "device.user.add",
        "Remember device",
        Some(&user),
        &login,
        None,
        now,
    );
    Ok(Some(super::users::save(app, &user, &event).await?))
}

/// Devices remembered per user; the oldest is forgotten first.
const MAX_REMEMBERED_DEVICES: usize = 5;

/// MFA_ENROLL → enroll a factor: ACTIVE at once (question) or MFA_ENROLL_ACTIVATE.
async fn enroll(State(app): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let (input, mut txn) = begin(&app, &body, Operation::EnrollFactor).await?;
    let user = the_user(&txn)?;
    let request = json!({
        "factorType": input.factor_type,
        "provider": input.provider,
        "profile": input.profile,
    });
    let options = EnrollOptions {
        activate: false,
        update_phone: true,
        lifetime: model::factors::EMAIL_CODE_LIFETIME_SECS,
        shared_secret: None,
    };
    let f = factors::enroll_factor(&app, &actor_of(&user), &user, &request, &options).await?;
    if f.status == "ACTIVE" {
        return activated(&app, txn, &f).await;
    }
    txn.status = Status::MfaEnrollActivate;
    txn.data.factor_id = Some(f.id.clone());
    save(&app, &mut txn, &[]).await?;
    Ok(Json(render(&app, &txn).await?))
}

/// After a factor became ACTIVE in MFA_ENROLL(_ACTIVATE): the enrollment verified the user;
/// back to MFA_ENROLL when the client asked to enroll several optional factors and some are
/// left, else the next step.
async fn activated(app: &AppState, mut txn: Txn, f: &FactorRecord) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let user = the_user(&txn)?;
    record_mfa(&mut txn.data, kind_of(f)?, now);
    txn.data.factor_id = None;
    let facts = progress(app, &user, &txn.data).await?;
    txn.data.progress = facts;
    if txn.data.multi_optional && !facts.enrollment_done {
        let settings = crate::policies::mfa_enroll_settings_for(app, &user).await?;
        let enrolled = app.store.list_factors(&user.id).await?;
        let left = model::factors::SUPPORTED.into_iter().any(|k| {
            model::factors::policy_allows(&settings, k)
                && !enrolled.iter().any(|e| {
                    e.factor_type == k.factor_type()
                        && e.provider == k.provider()
                        && e.status == "ACTIVE"
                })
        });
        if left {
            txn.status = Status::MfaEnroll;
            save(app, &mut txn, &[]).await?;
            return Ok(Json(render(app, &txn).await?));
        }
    }
    txn.data.progress.enrollment_done = !facts.enrollment_required;
    advance(app, txn, Vec::new()).await
}

fn same_factor(txn: &Txn, fid: &str) -> ApiResult<()> {
    if txn.data.factor_id.as_deref() == Some(fid) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "Resource not found: {fid} (UserFactor)"
        )))
    }
}

async fn activate(
    State(app): State<AppState>,
    Path(fid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (input, txn) = begin(&app, &body, Operation::ActivateFactor).await?;
    same_factor(&txn, &fid)?;
    let user = the_user(&txn)?;
    let f =
        factor_verify::activate_factor(&app, &actor_of(&user), &user, &fid, &input.proof()).await?;
    activated(&app, txn, &f).await
}

async fn resend_activation(
    State(app): State<AppState>,
    Path(fid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (_, mut txn) = begin(&app, &body, Operation::ResendActivation).await?;
    same_factor(&txn, &fid)?;
    let user = the_user(&txn)?;
    factor_verify::resend_activation(
        &app,
        &actor_of(&user),
        &user,
        &fid,
        model::factors::EMAIL_CODE_LIFETIME_SECS,
    )
    .await?;
    save(&app, &mut txn, &[]).await?;
    Ok(Json(render(&app, &txn).await?))
}

/// MFA_REQUIRED / MFA_CHALLENGE → verify an enrolled factor (or issue its challenge).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyQuery {
    remember_device: Option<String>,
}

async fn verify(
    State(app): State<AppState>,
    Path(fid): Path<String>,
    Query(query): Query<VerifyQuery>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (input, txn) = begin(&app, &body, Operation::VerifyFactor).await?;
    let remember = query
        .remember_device
        .as_deref()
        .map(|v| super::users::flag(Some(v), false));
    verify_step(&app, txn, &fid, &input.proof(), remember).await
}

async fn resend_verify(
    State(app): State<AppState>,
    Path(fid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (_, txn) = begin(&app, &body, Operation::ResendVerify).await?;
    same_factor(&txn, &fid)?;
    verify_step(&app, txn, &fid, &Proof::default(), None).await
}

async fn verify_step(
    app: &AppState,
    mut txn: Txn,
    fid: &str,
    proof: &Proof,
    remember: Option<bool>,
) -> ApiResult<Json<Value>> {
    let user = the_user(&txn)?;
    let f = app
        .store
        .factor_by_id(&user.id, fid)
        .await?
        .filter(|f| f.status == "ACTIVE")
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {fid} (UserFactor)")))?;
    let kind = kind_of(&f)?;
    let lifetime = model::factors::EMAIL_CODE_LIFETIME_SECS;
    match factor_verify::verify_factor(app, &actor_of(&user), &user, fid, proof, lifetime).await? {
        Verified::Challenge { embedded, .. } => {
            txn.status = Status::MfaChallenge;
            txn.data.factor_id = Some(fid.to_owned());
            save(app, &mut txn, &[]).await?;
            let mut out = render(app, &txn).await?;
            put(&mut out, "factorResult", json!("CHALLENGE"));
            // A WebAuthn challenge travels in the factor, as `navigator.credentials.get`
            // options.
            if let (Some(challenge), Some(factor)) = (
                embedded,
                out.get_mut("_embedded").and_then(|e| e.get_mut("factor")),
            ) {
                put(factor, "_embedded", json!({ "challenge": challenge }));
            }
            Ok(Json(out))
        }
        Verified::Success(_) => {
            record_mfa(&mut txn.data, kind, app.clock.now().millis());
            if let Some(user) = remember_device(app, &user, &txn.data, remember).await? {
                txn.user = Some(user);
            }
            txn.data.factor_id = None;
            advance(app, txn, Vec::new()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_adds_amr_once() {
        let mut d = TxnData {
            amr: vec!["pwd".into()],
            ..TxnData::default()
        };
        record_mfa(&mut d, FactorKind::OktaTotp, 5);
        record_mfa(&mut d, FactorKind::OktaTotp, 6);
        assert_eq!(d.amr, ["pwd", "mfa", "otp"]);
        assert_eq!(d.factor_verified, Some(6));
        assert!(d.progress.mfa_done);
    }

    #[test]
    fn state_tokens_look_like_oktas() {
        let t = new_state_token();
        assert_eq!(t.len(), 42);
        assert!(t.starts_with("00"));
        assert_ne!(t, new_state_token());
    }
}
