//! The Factors API operations that check or send a code (factors.md, "Activate Factor",
//! "Factors that require a challenge and verify operation", "Factors that require only a
//! verification operation"): activate, resend, verify, and the verify transaction route.
//!
//! Invariants:
//! - wrong codes, answers and WebAuthn responses count against the factor: five in five
//!   minutes and further attempts get 429 E0000047 until the window passes;
//! - a TOTP step is accepted once; a sent code or WebAuthn challenge is used once;
//! - each outcome is stored with its System Log event under the factor's version, so two
//!   nodes verifying the same code at once cannot both succeed.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{FactorRecord, UserRecord};

use super::factors::{
    client_data_origin, email_lifetime, factor_event, factor_href, kind_of, load_factor, load_user,
    open, relying_party, render, seal, send_code, sent_event_type, Challenge, Secret,
};
use crate::auth::AdminToken;
use crate::events::Actor;
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::{ApiError, ApiResult, Json};
use model::factors::{Attempts, FactorKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/users/{uid}/factors/{fid}/lifecycle/activate",
            post(activate),
        )
        .route("/users/{uid}/factors/{fid}/resend", post(resend))
        .route("/users/{uid}/factors/{fid}/verify", post(verify))
        .route(
            "/users/{uid}/factors/{fid}/transactions/{tid}",
            get(transaction),
        )
}

/// Reads of a racing update are retried this many times before 409.
const TRIES: usize = 3;

const WRONG_PASSCODE: &str = "Your passcode doesn't match our records. Please try again.";
const WRONG_ANSWER: &str = "Your answer doesn't match our records. Please try again.";

/// What a verify or activate request may carry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Proof {
    pub pass_code: Option<String>,
    pub answer: Option<String>,
    pub attestation: Option<String>,
    pub client_data: Option<String>,
    pub authenticator_data: Option<String>,
    pub signature_data: Option<String>,
}

/// The body as a [`Proof`]; an empty body is an empty proof (a challenge request).
pub(crate) fn proof(body: &Bytes) -> ApiResult<Proof> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Proof::default());
    }
    serde_json::from_slice(body).map_err(|_| ApiError::MalformedBody)
}

fn present(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn blank(field: &str) -> ApiError {
    ApiError::invalid(field, format!("{field}: The field cannot be left blank"))
}

/// The outcome of checking a proof against a factor.
enum Checked {
    /// Right: the factor as it should be stored.
    Right(Box<FactorRecord>, Option<Value>),
    /// Wrong: the error to answer; `counts` when it is a guess that counts against the
    /// attempt window.
    Wrong(ApiError, bool),
}

fn wrong_passcode() -> Checked {
    Checked::Wrong(
        ApiError::InvalidPasscode {
            cause: WRONG_PASSCODE.into(),
        },
        true,
    )
}

/// Checks a passcode, answer or WebAuthn response against `f`. Pure apart from hashing and
/// WebAuthn verification; the caller stores the outcome.
async fn check(
    app: &AppState,
    f: &FactorRecord,
    kind: FactorKind,
    proof: &Proof,
    now: i64,
) -> ApiResult<Checked> {
    let mut next = f.clone();
    next.attempts = 0;
    next.attempts_since = 0;
    match kind {
        FactorKind::Question => {
            let answer = present(proof.answer.as_ref()).ok_or_else(|| blank("answer"))?;
            let secret: Secret = open(app, f.secret_sealed.as_deref())?;
            let stored = secret
                .answer_hash
                .as_deref()
                .and_then(|s| crypto::password::StoredPassword::parse_storage_string(s).ok())
                .ok_or(ApiError::Internal)?;
            let normal = crypto::SecretString::from(model::factors::normalize_answer(answer));
            if app.hasher.verify(&stored, &normal).await?.matched {
                Ok(Checked::Right(Box::new(next), None))
            } else {
                Ok(Checked::Wrong(
                    ApiError::InvalidPasscode {
                        cause: WRONG_ANSWER.into(),
                    },
                    true,
                ))
            }
        }
        FactorKind::OktaTotp | FactorKind::GoogleTotp => {
            let code = present(proof.pass_code.as_ref()).ok_or_else(|| blank("passCode"))?;
            let secret: Secret = open(app, f.secret_sealed.as_deref())?;
            let seed = secret
                .seed
                .as_deref()
                .and_then(crypto::otp::seed_from_base32)
                .ok_or(ApiError::Internal)?;
            let unix = u64::try_from(now / 1000).unwrap_or_default();
            let last = u64::try_from(f.last_step).unwrap_or_default();
            match crypto::otp::verify_totp(&seed, code, unix, last) {
                Ok(step) => {
                    next.last_step = i64::try_from(step).unwrap_or(i64::MAX);
                    Ok(Checked::Right(Box::new(next), None))
                }
                Err(crypto::otp::OtpError::Replayed) => {
                    Ok(Checked::Wrong(ApiError::PasscodeReplayed, false))
                }
                Err(crypto::otp::OtpError::Mismatch) => Ok(wrong_passcode()),
            }
        }
        FactorKind::Sms | FactorKind::Call | FactorKind::Email => {
            let code = present(proof.pass_code.as_ref()).ok_or_else(|| blank("passCode"))?;
            let challenge: Challenge = open(app, f.challenge_sealed.as_deref())?;
            let live = f.challenge_expires > now;
            let matches = challenge
                .code_digest
                .as_deref()
                .is_some_and(|d| crypto::otp::code_matches(&f.id, code, d));
            if live && matches {
                next.challenge_sealed = None;
                next.challenge_expires = 0;
                Ok(Checked::Right(Box::new(next), None))
            } else {
                Ok(wrong_passcode())
            }
        }
        FactorKind::WebAuthn => {
            let challenge: Challenge = open(app, f.challenge_sealed.as_deref())?;
            let Some(state) = challenge
                .webauthn_state
                .filter(|_| f.challenge_expires > now)
            else {
                return Ok(wrong_passcode());
            };
            let client_data =
                present(proof.client_data.as_ref()).ok_or_else(|| blank("clientData"))?;
            let rp = relying_party(app, client_data_origin(client_data).as_deref()).await?;
            next.challenge_sealed = None;
            next.challenge_expires = 0;
            if f.status == "PENDING_ACTIVATION" {
                let attestation =
                    present(proof.attestation.as_ref()).ok_or_else(|| blank("attestation"))?;
                match crypto::webauthn::finish_registration(&rp, &state, attestation, client_data) {
                    Ok(registered) => {
                        next.profile = json!({ "credentialId": registered.credential_id });
                        if let Some(name) = registered.authenticator_name {
                            put(&mut next.profile, "authenticatorName", json!(name));
                        }
                        next.secret_sealed = Some(seal(
                            app,
                            &Secret {
                                credential: Some(registered.credential),
                                ..Secret::default()
                            },
                        )?);
                        Ok(Checked::Right(Box::new(next), None))
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "WebAuthn attestation refused");
                        Ok(wrong_passcode())
                    }
                }
            } else {
                let authenticator_data = present(proof.authenticator_data.as_ref())
                    .ok_or_else(|| blank("authenticatorData"))?;
                let signature =
                    present(proof.signature_data.as_ref()).ok_or_else(|| blank("signatureData"))?;
                let secret: Secret = open(app, f.secret_sealed.as_deref())?;
                let credential = secret.credential.ok_or(ApiError::Internal)?;
                match crypto::webauthn::finish_assertion(
                    &rp,
                    &state,
                    &credential,
                    client_data,
                    authenticator_data,
                    signature,
                ) {
                    Ok(updated) => {
                        next.secret_sealed = Some(seal(
                            app,
                            &Secret {
                                credential: Some(updated),
                                ..Secret::default()
                            },
                        )?);
                        let profile = next.profile.clone();
                        Ok(Checked::Right(Box::new(next), Some(profile)))
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "WebAuthn assertion refused");
                        Ok(wrong_passcode())
                    }
                }
            }
        }
    }
}

/// Stores a wrong attempt (when it counts) with a FAILURE event; `Ok(false)` when the
/// factor changed meanwhile.
async fn record_failure(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    f: &FactorRecord,
    (event_type, display): (&str, &str),
    counts: bool,
    now: i64,
) -> ApiResult<bool> {
    let mut failed = f.clone();
    if counts {
        let a = Attempts {
            count: f.attempts,
            window_start: f.attempts_since,
        }
        .failed(now);
        failed.attempts = a.count;
        failed.attempts_since = a.window_start;
    }
    let event = factor_event(actor, user, f, event_type, display, false, now);
    Ok(app.store.update_factor(&failed, &[event]).await?)
}

fn attempts_allowed(f: &FactorRecord, now: i64) -> bool {
    Attempts {
        count: f.attempts,
        window_start: f.attempts_since,
    }
    .allowed(now)
}

/// Activates a pending factor of `user` with its first code, answer or WebAuthn
/// attestation; the factor as stored.
pub(crate) async fn activate_factor(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    fid: &str,
    proof: &Proof,
) -> ApiResult<FactorRecord> {
    for _ in 0..TRIES {
        let f = load_factor(app, user, fid).await?;
        if f.status != "PENDING_ACTIVATION" {
            return Err(ApiError::invalid(
                "factor",
                "factor: The factor is already active",
            ));
        }
        let kind = kind_of(&f)?;
        let now = app.clock.now().millis();
        if !attempts_allowed(&f, now) {
            return Err(ApiError::TooManyRequests);
        }
        match check(app, &f, kind, proof, now).await? {
            Checked::Right(next, _) => {
                let mut next = *next;
                next.status = "ACTIVE".into();
                next.last_updated = now;
                if kind != FactorKind::WebAuthn {
                    next.challenge_sealed = None;
                    next.challenge_expires = 0;
                }
                let event = factor_event(
                    actor,
                    user,
                    &next,
                    "user.mfa.factor.activate",
                    "Activate factor for user",
                    true,
                    now,
                );
                if app.store.update_factor(&next, &[event]).await? {
                    next.version += 1;
                    return Ok(next);
                }
            }
            Checked::Wrong(err, counts) => {
                if record_failure(
                    app,
                    actor,
                    user,
                    &f,
                    ("user.mfa.factor.activate", "Activate factor for user"),
                    counts,
                    now,
                )
                .await?
                {
                    return Err(err);
                }
            }
        }
    }
    Err(ApiError::UpdateConflict)
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((uid, fid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let proof = proof(&body)?;
    let user = load_user(&app, &uid).await?;
    let f = activate_factor(&app, &Actor::token(&admin), &user, &fid, &proof).await?;
    Ok(Json(render(&app, &f)?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendQuery {
    token_lifetime_seconds: Option<String>,
    /// Accepted; SMS templates are not customisable here, so the default text is sent.
    #[allow(dead_code)]
    template_id: Option<String>,
}

/// Sends a new activation code for a pending SMS, call or email factor of `user`.
pub(crate) async fn resend_activation(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    fid: &str,
    lifetime: i64,
) -> ApiResult<FactorRecord> {
    let mut f = load_factor(app, user, fid).await?;
    let kind = kind_of(&f)?;
    if !(kind.is_phone() || kind == FactorKind::Email) {
        return Err(ApiError::invalid(
            "factor",
            "factor: Only SMS, call and email factors send codes",
        ));
    }
    if f.status != "PENDING_ACTIVATION" {
        return Err(ApiError::invalid(
            "factor",
            "factor: The factor is already active; verify it to send a code",
        ));
    }
    let now = app.clock.now().millis();
    if !attempts_allowed(&f, now) {
        return Err(ApiError::TooManyRequests);
    }
    let (challenge, expires) = send_code(app, user, &f, kind, lifetime, true, now).await?;
    f.challenge_sealed = Some(seal(app, &challenge)?);
    f.challenge_expires = expires;
    f.last_sent = now;
    f.last_updated = now;
    let event = factor_event(
        actor,
        user,
        &f,
        sent_event_type(kind, true),
        "Send factor verification code",
        true,
        now,
    );
    if !app.store.update_factor(&f, &[event]).await? {
        return Err(ApiError::UpdateConflict);
    }
    f.version += 1;
    Ok(f)
}

async fn resend(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((uid, fid)): Path<(String, String)>,
    Query(query): Query<SendQuery>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    // The body repeats the factor; it is read only to refuse malformed JSON.
    if !body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice::<Value>(&body).map_err(|_| ApiError::MalformedBody)?;
    }
    let lifetime = email_lifetime(query.token_lifetime_seconds.as_deref())?;
    let user = load_user(&app, &uid).await?;
    let f = resend_activation(&app, &Actor::token(&admin), &user, &fid, lifetime).await?;
    Ok(Json(render(&app, &f)?))
}

/// The answer to a verify that issued a challenge.
fn challenge_answer(app: &AppState, f: &FactorRecord, embedded: Option<Value>) -> Value {
    let href = factor_href(app, f);
    let mut out = json!({
        "factorResult": "CHALLENGE",
        "_links": {
            "verify": { "href": format!("{href}/verify"), "hints": { "allow": ["POST"] } },
            "factor": { "href": href, "hints": { "allow": ["GET", "DELETE"] } },
        },
    });
    if f.factor_type != "email" {
        put(&mut out, "profile", f.profile.clone());
    }
    if let Some(challenge) = embedded {
        put(&mut out, "_embedded", json!({ "challenge": challenge }));
    }
    out
}

/// What a verification came to.
pub(crate) enum Verified {
    /// The proof was right; for WebAuthn, the factor's profile to show.
    Success(Option<Value>),
    /// A challenge was issued (a code sent, or WebAuthn request options in `embedded`).
    Challenge {
        factor: Box<FactorRecord>,
        embedded: Option<Value>,
    },
}

/// Issues a challenge (SMS, call, email, WebAuthn without a proof) or verifies a proof for
/// an ACTIVE factor of `user`.
pub(crate) async fn verify_factor(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    fid: &str,
    proof: &Proof,
    lifetime: i64,
) -> ApiResult<Verified> {
    for _ in 0..TRIES {
        let f = load_factor(app, user, fid).await?;
        if f.status != "ACTIVE" {
            return Err(ApiError::FactorNotActive);
        }
        let kind = kind_of(&f)?;
        let now = app.clock.now().millis();
        if !attempts_allowed(&f, now) {
            return Err(ApiError::TooManyRequests);
        }
        if wants_challenge(kind, proof) {
            let mut next = f.clone();
            let (embedded, event_type) = if kind == FactorKind::WebAuthn {
                let secret: Secret = open(app, f.secret_sealed.as_deref())?;
                let credential = secret.credential.ok_or(ApiError::Internal)?;
                let rp = relying_party(app, None).await?;
                let (challenge, state) = crypto::webauthn::start_assertion(&rp, &credential)
                    .map_err(|e| {
                        tracing::error!(error = %e, "WebAuthn assertion could not start");
                        ApiError::Internal
                    })?;
                next.challenge_sealed = Some(seal(
                    app,
                    &Challenge {
                        webauthn_state: Some(state),
                        ..Challenge::default()
                    },
                )?);
                next.challenge_expires = now + model::factors::WEBAUTHN_CHALLENGE_SECS * 1000;
                (Some(challenge), "user.authentication.auth_via_mfa")
            } else {
                let (challenge, expires) =
                    send_code(app, user, &f, kind, lifetime, false, now).await?;
                next.challenge_sealed = Some(seal(app, &challenge)?);
                next.challenge_expires = expires;
                next.last_sent = now;
                (None, sent_event_type(kind, false))
            };
            let event = factor_event(
                actor,
                user,
                &next,
                event_type,
                "Challenge factor for user",
                true,
                now,
            );
            if !app.store.update_factor(&next, &[event]).await? {
                return Err(ApiError::UpdateConflict);
            }
            next.version += 1;
            return Ok(Verified::Challenge {
                factor: Box::new(next),
                embedded,
            });
        }
        match check(app, &f, kind, proof, now).await? {
            Checked::Right(next, profile) => {
                let event = factor_event(
                    actor,
                    user,
                    &next,
                    "user.authentication.auth_via_mfa",
                    "Authentication of user via MFA",
                    true,
                    now,
                );
                if app.store.update_factor(&next, &[event]).await? {
                    return Ok(Verified::Success(profile));
                }
            }
            Checked::Wrong(err, counts) => {
                if record_failure(
                    app,
                    actor,
                    user,
                    &f,
                    (
                        "user.authentication.auth_via_mfa",
                        "Authentication of user via MFA",
                    ),
                    counts,
                    now,
                )
                .await?
                {
                    return Err(err);
                }
            }
        }
    }
    Err(ApiError::UpdateConflict)
}

/// Whether a verify request asks for a challenge rather than proving one.
pub(crate) fn wants_challenge(kind: FactorKind, proof: &Proof) -> bool {
    match kind {
        FactorKind::Sms | FactorKind::Call | FactorKind::Email => {
            present(proof.pass_code.as_ref()).is_none()
        }
        FactorKind::WebAuthn => present(proof.client_data.as_ref()).is_none(),
        _ => false,
    }
}

async fn verify(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((uid, fid)): Path<(String, String)>,
    Query(query): Query<SendQuery>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let proof = proof(&body)?;
    let lifetime = email_lifetime(query.token_lifetime_seconds.as_deref())?;
    let user = load_user(&app, &uid).await?;
    match verify_factor(&app, &Actor::token(&admin), &user, &fid, &proof, lifetime).await? {
        Verified::Success(profile) => {
            let mut out = json!({ "factorResult": "SUCCESS" });
            if let Some(profile) = profile {
                put(&mut out, "profile", profile);
            }
            Ok(Json(out))
        }
        Verified::Challenge { factor, embedded } => {
            Ok(Json(challenge_answer(&app, &factor, embedded)))
        }
    }
}

/// Verify transactions belong to push factors, which this server does not enroll: the
/// factor is looked up (404 when absent) and every transaction id is unknown.
async fn transaction(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((uid, fid, tid)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let user = load_user(&app, &uid).await?;
    load_factor(&app, &user, &fid).await?;
    Err(ApiError::not_found(format!(
        "Resource not found: {tid} (FactorTransaction)"
    )))
}
