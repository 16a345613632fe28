//! The Factors API (`/api/v1/users/{userId}/factors`, factors.md and the UserFactor tag):
//! list, catalog, questions, enroll, get, reset; the QR code of a pending TOTP factor. The
//! operations that check a code or send one (activate, resend, verify) are in
//! [`super::factor_verify`].
//!
//! Secrets never leave sealed storage after activation: a TOTP seed is shown only while the
//! factor is PENDING_ACTIVATION (in `_embedded.activation`), an answer is stored as an
//! argon2id hash of its normalised form, sent codes as a keyed digest, a WebAuthn credential
//! sealed. Every enroll, activate, verify and reset writes a System Log event.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::{FactorRecord, UserRecord};

use crate::auth::AdminToken;
use crate::delivery::{self, DeliveryError, PhoneChannel};
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::links::LinkSet;
use crate::wire::{ApiError, ApiResult, Json};
use model::factors::{self as rules, FactorKind, Lookup};
use model::ids::{new_id, Kind};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{uid}/factors", get(list).post(enroll))
        .route("/users/{uid}/factors/catalog", get(catalog))
        .route("/users/{uid}/factors/questions", get(questions))
        .route("/users/{uid}/factors/{fid}", get(get_one).delete(reset_one))
        // No API token here: an `<img>` tag loads the QR image, guarded by the unguessable
        // token in its path.
        .route("/users/{uid}/factors/{fid}/qr/{token}", get(qr_code))
        .merge(super::factor_verify::routes())
}

/// The sealed secret of a factor.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Secret {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The sealed pending challenge of a factor.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Challenge {
    /// Digest of a sent code (`crypto::otp::code_digest` with the factor id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_digest: Option<String>,
    /// WebAuthn registration or assertion state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_state: Option<String>,
    /// The WebAuthn creation options shown while the factor is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<Value>,
    /// The path token of a pending TOTP factor's QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_token: Option<String>,
}

pub(crate) fn seal<T: Serialize>(app: &AppState, value: &T) -> ApiResult<String> {
    let text = serde_json::to_string(value).map_err(|_| ApiError::Internal)?;
    Ok(app.sealer.seal(&crypto::SecretString::from(text)))
}

pub(crate) fn open<T: for<'de> Deserialize<'de> + Default>(
    app: &AppState,
    sealed: Option<&str>,
) -> ApiResult<T> {
    use crypto::ExposeSecret;
    match sealed {
        None => Ok(T::default()),
        Some(s) => {
            let text = app.sealer.open(s).map_err(|e| {
                tracing::error!(error = %e, "a factor secret could not be opened");
                ApiError::Internal
            })?;
            serde_json::from_str(text.expose_secret()).map_err(|_| ApiError::Internal)
        }
    }
}

/// The kind of a stored factor.
pub(crate) fn kind_of(f: &FactorRecord) -> ApiResult<FactorKind> {
    match FactorKind::lookup(&f.factor_type, &f.provider) {
        Lookup::Supported(kind) => Ok(kind),
        _ => Err(ApiError::Internal),
    }
}

pub(crate) fn factor_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (UserFactor)"))
}

/// The user of a factor route, by id (or login, as the Users API allows).
pub(crate) async fn load_user(app: &AppState, uid: &str) -> ApiResult<UserRecord> {
    super::users::find_user(app, uid).await
}

pub(crate) async fn load_factor(
    app: &AppState,
    user: &UserRecord,
    fid: &str,
) -> ApiResult<FactorRecord> {
    app.store
        .factor_by_id(&user.id, fid)
        .await?
        .ok_or_else(|| factor_not_found(fid))
}

fn hints(href: String, allow: &[&str]) -> Value {
    json!({ "href": href, "hints": { "allow": allow } })
}

pub(crate) fn factor_href(app: &AppState, f: &FactorRecord) -> String {
    app.links
        .api(&format!("users/{}/factors/{}", f.user_id, f.id))
}

/// `_links` of a factor in its status.
fn factor_links(app: &AppState, f: &FactorRecord, kind: FactorKind) -> Value {
    let base = factor_href(app, f);
    let user = app.links.api(&format!("users/{}", f.user_id));
    let mut links = LinkSet::new();
    if f.status == "PENDING_ACTIVATION" {
        links = links.add_hints("activate", format!("{base}/lifecycle/activate"), &["POST"]);
        links = links.add_hints("self", base.clone(), &["GET"]);
    } else {
        links = links.add_hints("verify", format!("{base}/verify"), &["POST"]);
        if kind == FactorKind::Question {
            links = links.add_hints(
                "questions",
                app.links
                    .api(&format!("users/{}/factors/questions", f.user_id)),
                &["GET"],
            );
        }
        links = links.add_hints("self", base.clone(), &["GET", "DELETE"]);
    }
    let mut value = links.add_hints("user", user, &["GET"]).into_value();
    // Okta's examples show `resend` as an array, but the Python SDK's link model reads
    // one object (an array fails the whole call); the Node SDK reads either.
    if f.status == "PENDING_ACTIVATION" && (kind.is_phone() || kind == FactorKind::Email) {
        put(
            &mut value,
            "resend",
            json!({
                "name": f.factor_type,
                "href": format!("{base}/resend"),
                "hints": { "allow": ["POST"] },
            }),
        );
    }
    value
}

/// `_embedded.activation` of a pending TOTP or WebAuthn factor.
fn activation(app: &AppState, f: &FactorRecord, kind: FactorKind) -> ApiResult<Option<Value>> {
    if f.status != "PENDING_ACTIVATION" {
        return Ok(None);
    }
    if kind.is_totp() {
        let secret: Secret = open(app, f.secret_sealed.as_deref())?;
        let challenge: Challenge = open(app, f.challenge_sealed.as_deref())?;
        let Some(seed) = secret.seed else {
            return Ok(None);
        };
        let mut activation = json!({
            "timeStep": crypto::otp::TIME_STEP,
            "sharedSecret": seed,
            "encoding": "base32",
            "keyLength": crypto::otp::DIGITS,
        });
        if let Some(token) = challenge.qr_token {
            put(
                &mut activation,
                "_links",
                json!({ "qrcode": {
                    "href": format!("{}/qr/{token}", factor_href(app, f)),
                    "type": "image/png",
                }}),
            );
        }
        return Ok(Some(activation));
    }
    if kind == FactorKind::WebAuthn {
        let challenge: Challenge = open(app, f.challenge_sealed.as_deref())?;
        return Ok(challenge.activation);
    }
    Ok(None)
}

/// A factor as the API shows it.
pub(crate) fn render(app: &AppState, f: &FactorRecord) -> ApiResult<Value> {
    let kind = kind_of(f)?;
    let mut out = json!({
        "id": f.id,
        "factorType": f.factor_type,
        "provider": f.provider,
        "vendorName": f.provider,
        "status": f.status,
        "created": Timestamp(f.created).to_iso(),
        "lastUpdated": Timestamp(f.last_updated).to_iso(),
        "profile": f.profile,
        "_links": factor_links(app, f, kind),
    });
    if let Some(activation) = activation(app, f, kind)? {
        put(&mut out, "_embedded", json!({ "activation": activation }));
    }
    Ok(out)
}

/// The factor as an event target.
pub(crate) fn factor_target(f: &FactorRecord) -> Value {
    json!({
        "id": f.id,
        "type": "Factor",
        "alternateId": f.factor_type,
        "displayName": f.provider,
    })
}

/// An event about a factor of `user`, by `admin`; `success` sets the outcome.
pub(crate) fn factor_event(
    actor: &Actor,
    user: &UserRecord,
    f: &FactorRecord,
    kind: &str,
    display: &str,
    success: bool,
    now: i64,
) -> store::EventRecord {
    let mut event = events::event(
        kind,
        display,
        actor,
        vec![events::user_target(user), factor_target(f)],
        now,
    );
    if !success {
        put(
            &mut event.body,
            "outcome",
            json!({ "result": "FAILURE", "reason": "INVALID_CREDENTIALS" }),
        );
    }
    event
}

impl From<DeliveryError> for ApiError {
    fn from(err: DeliveryError) -> Self {
        match err {
            DeliveryError::NoTelephonyHook => Self::NoTelephonyHook,
            DeliveryError::Failed(why) => {
                tracing::warn!(error = %why, "factor code delivery failed");
                Self::FactorService {
                    cause: "The code could not be delivered.".into(),
                }
            }
        }
    }
}

/// Sends a new code for an SMS, call or email factor and returns the challenge to store.
/// `lifetime_secs` applies to email (SMS and voice codes live five minutes). Refuses with
/// Okta's resend errors when the last code went out too recently.
pub(crate) async fn send_code(
    app: &AppState,
    user: &UserRecord,
    f: &FactorRecord,
    kind: FactorKind,
    lifetime_secs: i64,
    enrolling: bool,
    now: i64,
) -> ApiResult<(Challenge, i64)> {
    if f.last_sent > 0 && now - f.last_sent < rules::resend_interval_ms(kind) {
        let retry_at = f.last_sent + rules::resend_interval_ms(kind);
        return Err(match kind {
            FactorKind::Email => ApiError::EmailRecentlySent { retry_at },
            FactorKind::Call => ApiError::CallRecentlyMade { retry_at },
            _ => ApiError::SmsRecentlySent { retry_at },
        });
    }
    let code = crypto::otp::new_numeric_code();
    let lifetime = if kind == FactorKind::Email {
        lifetime_secs
    } else {
        rules::PHONE_CODE_LIFETIME_SECS
    };
    let expires = now + lifetime * 1000;
    let text = |k: &str| f.profile.get(k).and_then(Value::as_str).unwrap_or_default();
    match kind {
        FactorKind::Email => {
            let to = text("email");
            let mail = crate::mail::compose(
                app,
                crate::mail::MailKind::EmailCode,
                Some(user),
                to,
                json!({ "code": code, "expires": crate::mail::duration_text(lifetime * 1000) }),
            )?;
            let message = crate::outbox::email(app, &user.id, to, mail, expires, None)?;
            app.store.enqueue_messages(&[message]).await?;
            app.outbox.notify();
        }
        FactorKind::Sms | FactorKind::Call => {
            let phone = rules::e164(text("phoneNumber")).unwrap_or_default();
            let (channel, request_type) = match (kind, enrolling) {
                (FactorKind::Sms, true) => {
                    (PhoneChannel::Sms, "com.okta.user.telephony.pre-enrollment")
                }
                (FactorKind::Sms, false) => (
                    PhoneChannel::Sms,
                    "com.okta.user.telephony.mfa-verification",
                ),
                (_, true) => (
                    PhoneChannel::Voice,
                    "com.okta.user.telephony.pre-enrollment",
                ),
                (_, false) => (
                    PhoneChannel::Voice,
                    "com.okta.user.telephony.mfa-verification",
                ),
            };
            delivery::phone_code(app, user, &phone, channel, &code, expires, request_type).await?;
        }
        _ => return Err(ApiError::Internal),
    }
    Ok((
        Challenge {
            code_digest: Some(crypto::otp::code_digest(&f.id, &code)),
            ..Challenge::default()
        },
        expires,
    ))
}

/// The System Log event of a sent code.
pub(crate) fn sent_event_type(kind: FactorKind, enrolling: bool) -> &'static str {
    match (kind, enrolling) {
        (FactorKind::Email, _) => "system.email.send_factor_verify_message",
        (FactorKind::Sms, true) => "system.sms.send_phone_verification_message",
        (FactorKind::Sms, false) => "system.sms.send_factor_verify_message",
        (_, true) => "system.voice.send_phone_verification_call",
        (_, false) => "system.voice.send_call_factor_verify_message",
    }
}

/// `tokenLifetimeSeconds` of an email factor: 1 to 86400, default 300.
pub(crate) fn email_lifetime(raw: Option<&str>) -> ApiResult<i64> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(rules::EMAIL_CODE_LIFETIME_SECS),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=rules::MAX_EMAIL_CODE_LIFETIME_SECS).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "tokenLifetimeSeconds",
                    "tokenLifetimeSeconds: The value must be between 1 and 86400.",
                )
            }),
    }
}

/// The WebAuthn relying party for a request: the org's public host, accepting the public
/// origin and, when given, a client origin that is an ACTIVE trusted origin.
pub(crate) async fn relying_party(
    app: &AppState,
    client_origin: Option<&str>,
) -> ApiResult<crypto::webauthn::RelyingParty> {
    let public = app.links.base().to_owned();
    let rp_id = model::trusted_origins::url_origin_key(&public)
        .and_then(|o| {
            o.split("://")
                .nth(1)
                .map(|h| h.split(':').next().unwrap_or_default().to_owned())
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let public_origin = model::trusted_origins::url_origin_key(&public).unwrap_or(public);
    let mut origins = vec![public_origin.clone()];
    if let Some(origin) = client_origin
        .and_then(model::trusted_origins::origin_key)
        .filter(|o| *o != public_origin)
    {
        let trusted = app
            .store
            .origin_is_trusted(&origin, model::trusted_origins::ScopeType::Cors)
            .await?
            || app
                .store
                .origin_is_trusted(&origin, model::trusted_origins::ScopeType::Redirect)
                .await?;
        if trusted
            && crypto::webauthn::RelyingParty::new(&rp_id, "", std::slice::from_ref(&origin))
                .is_ok()
        {
            origins.push(origin);
        }
    }
    crypto::webauthn::RelyingParty::new(&rp_id, &app.org.name, &origins).map_err(|e| {
        tracing::error!(error = %e, "the WebAuthn relying party could not be set up");
        ApiError::Internal
    })
}

/// The `origin` of a base64 clientDataJSON, if it has one.
pub(crate) fn client_data_origin(client_data_b64: &str) -> Option<String> {
    use base64::Engine;
    let text = client_data_b64.trim().trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("origin")?.as_str().map(str::to_owned)
}

// ------------------------------------------------------------------------------ handlers

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(uid): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = load_user(&app, &uid).await?;
    let factors = app.store.list_factors(&user.id).await?;
    let rendered = factors
        .iter()
        .map(|f| render(&app, f))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(Value::Array(rendered)))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((uid, fid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let user = load_user(&app, &uid).await?;
    let f = load_factor(&app, &user, &fid).await?;
    Ok(Json(render(&app, &f)?))
}

async fn questions(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(uid): Path<String>,
) -> ApiResult<Json<Value>> {
    load_user(&app, &uid).await?;
    Ok(Json(rules::questions_json()))
}

/// The factors the user may enroll: each supported kind the MFA enrollment policy allows
/// and the user has not activated (WebAuthn always, as several authenticators may be
/// registered).
async fn catalog(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(uid): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = load_user(&app, &uid).await?;
    let settings = crate::policies::mfa_enroll_settings_for(&app, &user).await?;
    let enrolled = app.store.list_factors(&user.id).await?;
    let enroll_href = app.links.api(&format!("users/{}/factors", user.id));
    let mut out = Vec::new();
    for kind in rules::SUPPORTED {
        let active = enrolled.iter().any(|f| {
            f.factor_type == kind.factor_type()
                && f.provider == kind.provider()
                && f.status == "ACTIVE"
        });
        if !rules::policy_allows(&settings, kind) || (active && kind != FactorKind::WebAuthn) {
            continue;
        }
        let mut links = json!({ "enroll": hints(enroll_href.clone(), &["POST"]) });
        if kind == FactorKind::Question {
            put(
                &mut links,
                "questions",
                hints(
                    app.links
                        .api(&format!("users/{}/factors/questions", user.id)),
                    &["GET"],
                ),
            );
        }
        let entry = json!({
            "factorType": kind.factor_type(),
            "provider": kind.provider(),
            "vendorName": kind.provider(),
            "_links": links,
        });
        // Okta's sms entry may embed the phone on file (`_embedded.phones`, an array); the
        // Python SDK reads `_embedded` values as objects and fails the whole list on it, so
        // the phone is left out (enrolling without a number reuses it).
        out.push(entry);
    }
    Ok(Json(Value::Array(out)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollQuery {
    activate: Option<String>,
    update_phone: Option<String>,
    token_lifetime_seconds: Option<String>,
    /// Accepted; SMS templates are not customisable here, so the default text is sent.
    #[allow(dead_code)]
    template_id: Option<String>,
}

fn enroll_invalid(cause: impl Into<String>) -> ApiError {
    ApiError::invalid("factorEnrollRequest", cause)
}

fn text_field<'a>(profile: Option<&'a Value>, key: &str) -> Option<&'a str> {
    profile
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn user_text<'a>(user: &'a UserRecord, key: &str) -> Option<&'a str> {
    user.profile
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Enroll: validate, create (or refresh a pending enrollment of the same type), deliver
/// the first code or challenge where the type has one, or activate at once when asked.
/// How an enrollment goes: `activate` (no code sent), `updatePhone`, the email code's
/// lifetime.
#[derive(Debug, Clone)]
pub(crate) struct EnrollOptions {
    pub activate: bool,
    pub update_phone: bool,
    pub lifetime: i64,
    /// A TOTP factor's secret (base32), enrolled ACTIVE: only a test org's seed sets it, so
    /// tests can compute the codes.
    pub shared_secret: Option<String>,
}

async fn enroll(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(uid): Path<String>,
    Query(query): Query<EnrollQuery>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let user = load_user(&app, &uid).await?;
    let options = EnrollOptions {
        activate: super::users::flag(query.activate.as_deref(), false),
        update_phone: super::users::flag(query.update_phone.as_deref(), false),
        lifetime: email_lifetime(query.token_lifetime_seconds.as_deref())?,
        shared_secret: None,
    };
    let f = enroll_factor(&app, &Actor::token(&admin), &user, &body, &options).await?;
    Ok((StatusCode::OK, Json(render(&app, &f)?)).into_response())
}

pub(crate) async fn enroll_factor(
    app: &AppState,
    actor: &Actor,
    user: &UserRecord,
    body: &Value,
    options: &EnrollOptions,
) -> ApiResult<FactorRecord> {
    let user = user.clone();
    if user.status == "DEPROVISIONED" {
        return Err(ApiError::UserStatus);
    }
    let factor_type = body
        .get("factorType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let provider = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if factor_type.is_empty() {
        return Err(enroll_invalid("factorType: The field cannot be left blank"));
    }
    if provider.is_empty() {
        return Err(enroll_invalid("provider: The field cannot be left blank"));
    }
    let kind = match FactorKind::lookup(factor_type, provider) {
        Lookup::Supported(kind) => kind,
        Lookup::Unsupported => {
            return Err(enroll_invalid(format!(
                "factorType: {factor_type} factors of {provider} are not supported by this server"
            )))
        }
        // Okta's texts: a known factor type with a provider it does not have.
        Lookup::Unknown if rules::is_factor_type(factor_type) => {
            return Err(enroll_invalid("Invalid Provider."))
        }
        Lookup::Unknown => {
            return Err(enroll_invalid(format!(
                "factorType: {factor_type} is not a factor type of provider {provider}"
            )))
        }
    };
    let settings = crate::policies::mfa_enroll_settings_for(app, &user).await?;
    match rules::policy_enrollment(&settings, kind) {
        rules::PolicyEnroll::Allowed => {}
        rules::PolicyEnroll::NotEnabled => return Err(enroll_invalid("Factor not enabled.")),
        rules::PolicyEnroll::NotAllowed => {
            return Err(enroll_invalid(
                "Factor not allowed for the user based on the Multifactor policy.",
            ))
        }
    }
    let (activate, update_phone, lifetime) =
        (options.activate, options.update_phone, options.lifetime);
    let profile_in = body.get("profile");
    let existing = app.store.list_factors(&user.id).await?;
    let same = existing
        .iter()
        .find(|f| f.factor_type == kind.factor_type() && f.provider == kind.provider());
    let pending = match same {
        Some(f) if f.status == "ACTIVE" && kind != FactorKind::WebAuthn => {
            return Err(enroll_invalid("A factor of this type is already set up."))
        }
        Some(f) if f.status == "PENDING_ACTIVATION" && kind != FactorKind::WebAuthn => {
            Some(f.clone())
        }
        _ => None,
    };
    let now = app.clock.now().millis();
    let id = pending
        .as_ref()
        .map_or_else(|| new_id(Kind::Factor(kind.id_prefix())), |f| f.id.clone());
    let mut f = FactorRecord {
        id,
        user_id: user.id.clone(),
        factor_type: kind.factor_type().to_owned(),
        provider: kind.provider().to_owned(),
        status: if kind.needs_activation() {
            "PENDING_ACTIVATION".into()
        } else {
            "ACTIVE".into()
        },
        profile: json!({}),
        secret_sealed: None,
        challenge_sealed: None,
        challenge_expires: 0,
        last_sent: pending.as_ref().map_or(0, |p| p.last_sent),
        last_step: 0,
        attempts: pending.as_ref().map_or(0, |p| p.attempts),
        attempts_since: pending.as_ref().map_or(0, |p| p.attempts_since),
        version: pending.as_ref().map_or(0, |p| p.version),
        created: pending.as_ref().map_or(now, |p| p.created),
        last_updated: now,
    };
    let login = user_text(&user, "login").unwrap_or_default().to_owned();
    match kind {
        FactorKind::Question => {
            let question = text_field(profile_in, "question")
                .ok_or_else(|| enroll_invalid("question: The field cannot be left blank"))?;
            let question_text = rules::question_text(question).ok_or_else(|| {
                enroll_invalid(format!(
                    "question: '{question}' is not a security question key"
                ))
            })?;
            let answer = profile_in
                .and_then(|p| p.get("answer"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let problems = rules::answer_problems(question_text, answer);
            if !problems.is_empty() {
                return Err(ApiError::Validation {
                    summary: "factorEnrollRequest".into(),
                    causes: problems,
                });
            }
            let hash = app
                .hasher
                .hash(&crypto::SecretString::from(rules::normalize_answer(answer)))
                .await?;
            f.profile = json!({ "question": question, "questionText": question_text });
            f.secret_sealed = Some(seal(
                app,
                &Secret {
                    answer_hash: Some(hash.to_storage_string()),
                    ..Secret::default()
                },
            )?);
        }
        FactorKind::OktaTotp | FactorKind::GoogleTotp => {
            let seed = match &options.shared_secret {
                Some(given) => {
                    f.status = "ACTIVE".into();
                    crypto::otp::seed_from_base32(given)
                        .filter(|seed| seed.len() >= 16)
                        .ok_or_else(|| {
                            enroll_invalid(
                                "sharedSecret: give at least 128 bits in base32 (RFC 4648), 26 characters or more",
                            )
                        })?
                }
                None => crypto::otp::new_seed(),
            };
            f.profile = json!({ "credentialId": login });
            f.secret_sealed = Some(seal(
                app,
                &Secret {
                    seed: Some(crypto::otp::seed_base32(&seed)),
                    ..Secret::default()
                },
            )?);
            if options.shared_secret.is_none() {
                f.challenge_sealed = Some(seal(
                    app,
                    &Challenge {
                        qr_token: Some(crypto::tokens::random_token(40)),
                        ..Challenge::default()
                    },
                )?);
            }
        }
        FactorKind::Sms | FactorKind::Call => {
            let other_phone = existing
                .iter()
                .filter(|e| e.factor_type == "sms" || e.factor_type == "call")
                .find_map(|e| e.profile.get("phoneNumber").and_then(Value::as_str))
                .map(str::to_owned);
            let phone = match text_field(profile_in, "phoneNumber") {
                Some(p) => p.to_owned(),
                None => other_phone
                    .clone()
                    .ok_or_else(|| enroll_invalid("phoneNumber: The field cannot be left blank"))?,
            };
            // Stored as E.164, however it was typed.
            let phone = rules::e164(&phone)
                .ok_or_else(|| enroll_invalid("phoneNumber: Invalid Phone Number."))?;
            if let Some(p) = &pending {
                let before = p.profile.get("phoneNumber").and_then(Value::as_str);
                if before.and_then(rules::e164).as_deref() != Some(phone.as_str()) && !update_phone
                {
                    return Err(enroll_invalid(
                        "There is an existing verified phone number.",
                    ));
                }
            }
            f.profile = json!({ "phoneNumber": phone });
            if kind == FactorKind::Call {
                if let Some(ext) = text_field(profile_in, "phoneExtension") {
                    if !rules::valid_extension(ext) {
                        return Err(enroll_invalid("phoneExtension: Invalid phone extension."));
                    }
                    put(&mut f.profile, "phoneExtension", json!(ext));
                }
            }
        }
        FactorKind::Email => {
            let primary = user_text(&user, "email");
            let second = user_text(&user, "secondEmail");
            let email = text_field(profile_in, "email")
                .or(primary)
                .unwrap_or_default()
                .to_owned();
            let known = [primary, second]
                .into_iter()
                .flatten()
                .any(|e| e.eq_ignore_ascii_case(&email));
            if !known {
                return Err(ApiError::Validation {
                    summary: "Only verified primary or secondary email can be enrolled.".into(),
                    causes: Vec::new(),
                });
            }
            f.profile = json!({ "email": email });
        }
        FactorKind::WebAuthn => {
            let rp = relying_party(app, None).await?;
            let exclude: Vec<String> = existing
                .iter()
                .filter(|e| e.factor_type == "webauthn" && e.status == "ACTIVE")
                .filter_map(|e| e.profile.get("credentialId").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            let display = format!(
                "{} {}",
                user_text(&user, "firstName").unwrap_or_default(),
                user_text(&user, "lastName").unwrap_or_default()
            );
            let (options, state) = crypto::webauthn::start_registration(
                &rp,
                &user.id,
                &login,
                display.trim(),
                &exclude,
            )
            .map_err(|e| {
                tracing::error!(error = %e, "WebAuthn registration could not start");
                ApiError::Internal
            })?;
            f.challenge_sealed = Some(seal(
                app,
                &Challenge {
                    webauthn_state: Some(state),
                    activation: Some(options),
                    ..Challenge::default()
                },
            )?);
            f.challenge_expires = now + rules::WEBAUTHN_CHALLENGE_SECS * 1000;
        }
    }
    let mut events = vec![factor_event(
        actor,
        &user,
        &f,
        "user.mfa.factor.update",
        "Enroll factor for user",
        true,
        now,
    )];
    let sends_code = kind.is_phone() || kind == FactorKind::Email;
    let given_secret = options.shared_secret.is_some() && f.status == "ACTIVE";
    if (sends_code && activate) || given_secret {
        f.status = "ACTIVE".into();
        events.push(factor_event(
            actor,
            &user,
            &f,
            "user.mfa.factor.activate",
            "Activate factor for user",
            true,
            now,
        ));
    } else if sends_code {
        let (challenge, expires) = send_code(app, &user, &f, kind, lifetime, true, now).await?;
        f.challenge_sealed = Some(seal(app, &challenge)?);
        f.challenge_expires = expires;
        f.last_sent = now;
        events.push(factor_event(
            actor,
            &user,
            &f,
            sent_event_type(kind, true),
            "Send factor verification code",
            true,
            now,
        ));
    }
    match pending {
        Some(_) => {
            if !app.store.update_factor(&f, &events).await? {
                return Err(ApiError::UpdateConflict);
            }
            f.version += 1;
        }
        None => {
            app.store
                .insert_factor(&f, events.first().ok_or(ApiError::Internal)?)
                .await
                .map_err(|e| match e {
                    store::StoreError::Duplicate { .. } => {
                        enroll_invalid("A factor of this type is already set up.")
                    }
                    other => other.into(),
                })?;
            if events.len() > 1 {
                // The activation or delivery event follows the enrollment's own.
                let rest: Vec<_> = events.into_iter().skip(1).collect();
                if !app.store.update_factor(&f, &rest).await? {
                    return Err(ApiError::UpdateConflict);
                }
                f.version += 1;
            }
        }
    }
    Ok(f)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResetQuery {
    /// Accepted: a phone factor here is not also a recovery method, so resetting it removes
    /// it whatever this says.
    #[allow(dead_code)]
    remove_recovery_enrollment: Option<String>,
}

/// Reset (unenroll) one factor: 204.
async fn reset_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((uid, fid)): Path<(String, String)>,
    Query(_query): Query<ResetQuery>,
) -> ApiResult<StatusCode> {
    let user = load_user(&app, &uid).await?;
    remove_factor(&app, &user, &fid, &Actor::token(&admin)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resets (removes) one factor of `user`, with its `user.mfa.factor.deactivate` event.
pub(crate) async fn remove_factor(
    app: &AppState,
    user: &UserRecord,
    fid: &str,
    actor: &Actor,
) -> ApiResult<()> {
    let f = load_factor(app, user, fid).await?;
    let now = app.clock.now().millis();
    let event = factor_event(
        actor,
        user,
        &f,
        "user.mfa.factor.deactivate",
        "Reset factor for user",
        true,
        now,
    );
    if !app.store.delete_factor(&user.id, &f.id, &event).await? {
        return Err(factor_not_found(fid));
    }
    Ok(())
}

/// The QR code (PNG) of a pending TOTP factor's `otpauth://` URI.
async fn qr_code(
    State(app): State<AppState>,
    Path((uid, fid, token)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let not_found = || factor_not_found(&fid);
    let f = app
        .store
        .factor_by_id(&uid, &fid)
        .await?
        .filter(|f| f.status == "PENDING_ACTIVATION")
        .ok_or_else(not_found)?;
    if !kind_of(&f)?.is_totp() {
        return Err(not_found());
    }
    let challenge: Challenge = open(&app, f.challenge_sealed.as_deref())?;
    let expected = challenge.qr_token.unwrap_or_default();
    if expected.is_empty()
        || !crypto::tokens::constant_time_eq(expected.as_bytes(), token.as_bytes())
    {
        return Err(not_found());
    }
    let secret: Secret = open(&app, f.secret_sealed.as_deref())?;
    let seed = secret
        .seed
        .as_deref()
        .and_then(crypto::otp::seed_from_base32)
        .ok_or(ApiError::Internal)?;
    let account = f
        .profile
        .get("credentialId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let uri = crypto::otp::otpauth_uri(&seed, &app.org.name, account);
    let png = crate::qr::png(&uri).ok_or(ApiError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        png,
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn email_lifetimes_are_bounded() {
        assert_eq!(email_lifetime(None).unwrap(), 300);
        assert_eq!(email_lifetime(Some("600")).unwrap(), 600);
        assert_eq!(email_lifetime(Some("86400")).unwrap(), 86_400);
        for bad in ["0", "86401", "-5", "soon"] {
            assert!(email_lifetime(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_data_origin_reads_either_base64() {
        use base64::Engine;
        let json = br#"{"type":"webauthn.get","origin":"https://app.example.com"}"#;
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            assert_eq!(
                client_data_origin(&engine.encode(json)).as_deref(),
                Some("https://app.example.com")
            );
        }
        assert_eq!(client_data_origin("%%%"), None);
    }
}
