//! Okta sessions (sessions.md; authn.md, "Session token"; the Session and UserSessions tags):
//! the one-time session token the Authn API ends a sign-in with, the session it starts, and
//! the `sid` cookie a browser holds it by. The HTTP operations are in `crate::api::sessions`.
//!
//! Tokens: `20111` and 50 random base62 characters, valid for 5 minutes (authn.md, "Session
//! token"), stored only as SHA-256 and redeemed once (the store deletes the row in the
//! statement that reads it, so two concurrent redemptions cannot both win).
//!
//! Lifetimes come from the OKTA_SIGN_ON rule that applies to the user
//! (`crate::policies::policy_for`) when the session starts: `maxSessionIdleMinutes` (default
//! 120) is the idle lifetime, each refresh moves `expiresAt` to now + idle;
//! `maxSessionLifetimeMinutes` bounds it from sign-in, and 0 means no maximum, as policy.md
//! documents ("Disable by setting to 0"): such a session lives as long as it is refreshed
//! within its idle lifetime. `usePersistentCookie` makes the `sid` cookie carry `Expires`
//! (the session's `expiresAt`); otherwise it is a browser-session cookie.
//!
//! Invariants:
//! - an expired session is not found, anywhere (the store reads live sessions only);
//! - a session starts only for a user in a status the Authn API may end in SUCCESS from
//!   (ACTIVE, PASSWORD_EXPIRED, RECOVERY), and lives only while the user stays in such a
//!   status without any status change since it started: suspending, deactivating, locking
//!   out or resetting a user ends their sessions at once, and unsuspending does not bring
//!   them back. Deleting the user deletes them;
//! - the `sid` cookie is a separate 256-bit secret, never the public session id, stored only
//!   as SHA-256; it is `HttpOnly`, `Path=/`, and `Secure; SameSite=None` (so browser apps on
//!   trusted origins can send it with CORS requests) unless the server runs with
//!   `--insecure-http`, where it is `SameSite=Lax`;
//! - every start, refresh and end writes its System Log event (`user.session.start`,
//!   `user.session.refresh`, `user.session.end`, `user.session.clear`) in the transaction of
//!   the change. `user.session.refresh` is ours: Okta's catalog names no refresh event.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use store::{EventRecord, SessionRecord, SessionTokenRecord, UserRecord};

use crate::config::TlsMode;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::json::put;
use crate::wire::{ApiError, ApiResult};
use model::ids::{new_id, Kind};
use model::policy::sign_on::{signon_of, Signon};
use model::policy::PolicyType;

/// How long a session token may wait to be redeemed (authn.md: "The lifetime of the
/// `sessionToken` is 5 minutes").
pub const SESSION_TOKEN_LIFETIME_MS: i64 = 5 * 60 * 1000;
/// The idle lifetime when no sign-on rule applies (policy.md, Signon Session object).
pub const DEFAULT_IDLE_MINUTES: i64 = 120;
/// The browser cookie that carries a session.
pub const COOKIE_NAME: &str = "sid";

const SESSION_TOKEN_PREFIX: &str = "20111";
const SESSION_TOKEN_RANDOM_CHARS: usize = 50;
/// 43 base62 characters: 256 bits.
const COOKIE_CHARS: usize = 43;
const MINUTE_MS: i64 = 60 * 1000;

/// What a completed sign-in proved, carried from the session token into the session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionProof {
    /// Authentication methods (sessions.md, "AMR object"): `pwd`, then e.g. `otp`, `mfa`.
    pub amr: Vec<String>,
    /// When the password was verified (epoch ms), if it was.
    pub password_verified: Option<i64>,
    /// When a factor was verified (epoch ms), if one was.
    pub factor_verified: Option<i64>,
}

/// Mints a one-time session token for `user` (5 minutes, Okta's session token lifetime);
/// returns (token, expires_at_ms). Only its SHA-256 is stored. `mfaActive` of the session it
/// starts says whether the user has an ACTIVE factor now.
pub async fn issue_session_token(
    app: &AppState,
    user: &UserRecord,
    proof: SessionProof,
) -> ApiResult<(String, i64)> {
    let now = app.clock.now().millis();
    let mfa_active = app
        .store
        .list_factors(&user.id)
        .await?
        .iter()
        .any(|f| f.status == "ACTIVE");
    let token = format!(
        "{SESSION_TOKEN_PREFIX}{}",
        crypto::tokens::random_token(SESSION_TOKEN_RANDOM_CHARS)
    );
    let expires_at = now + SESSION_TOKEN_LIFETIME_MS;
    app.store
        .insert_session_token(&SessionTokenRecord {
            token_hash: crypto::tokens::sha256_hex(&token),
            user_id: user.id.clone(),
            amr: proof.amr,
            mfa_active,
            password_verified: proof.password_verified,
            factor_verified: proof.factor_verified,
            created: now,
            expires_at,
        })
        .await?;
    Ok((token, expires_at))
}

/// A session's lifetimes, from the sign-on rule that applies when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub idle_ms: i64,
    /// 0: no maximum.
    pub max_ms: i64,
    pub persistent_cookie: bool,
}

impl Lifetimes {
    /// From a rule's `signon` action; Okta's defaults (idle 120 minutes, no maximum, no
    /// persistent cookie) without one.
    pub fn from_signon(signon: Option<&Signon>) -> Self {
        match signon {
            Some(s) => Self {
                idle_ms: s
                    .session
                    .max_session_idle_minutes
                    .max(1)
                    .saturating_mul(MINUTE_MS),
                max_ms: s
                    .session
                    .max_session_lifetime_minutes
                    .max(0)
                    .saturating_mul(MINUTE_MS),
                persistent_cookie: s.session.use_persistent_cookie,
            },
            None => Self {
                idle_ms: DEFAULT_IDLE_MINUTES * MINUTE_MS,
                max_ms: 0,
                persistent_cookie: false,
            },
        }
    }

    /// (idle expiry, maximum expiry or 0) of a session starting at `now`.
    pub fn expiries(self, now: i64) -> (i64, i64) {
        let idle = now.saturating_add(self.idle_ms);
        if self.max_ms > 0 {
            let max = now.saturating_add(self.max_ms);
            (idle.min(max), max)
        } else {
            (idle, 0)
        }
    }
}

/// The lifetimes of a session `user` starts now: the applying OKTA_SIGN_ON rule's.
pub async fn lifetimes_for(app: &AppState, user: &UserRecord) -> ApiResult<Lifetimes> {
    let rule = crate::policies::policy_for(app, user, PolicyType::OktaSignOn, &[]).await?;
    let signon = rule.and_then(|(_, rule)| signon_of(&rule.actions));
    Ok(Lifetimes::from_signon(signon.as_ref()))
}

/// Whether a user in `status` may hold a session at all.
fn status_may_hold_session(status: &str) -> bool {
    matches!(status, "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY")
}

/// Whether `session` still stands for `user` (see the module invariants).
pub fn user_keeps_session(user: &UserRecord, session: &SessionRecord) -> bool {
    user.id == session.user_id
        && status_may_hold_session(&user.status)
        && user.status_changed.is_none_or(|at| at <= session.created)
}

/// A session just started, with its user and the `sid` cookie value (shown only here).
#[derive(Debug, Clone)]
pub struct Started {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub cookie: String,
}

/// Redeems a session token into a new session (and its `user.session.start` event). An
/// unknown, used or expired token, or a user who may not hold a session, gives 401 E0000004
/// (sessions.md: "If an invalid `sessionToken` is provided, a `401 Unauthorized` status code
/// is returned").
pub async fn start_session(app: &AppState, token: &str) -> ApiResult<Started> {
    let now = app.clock.now().millis();
    let hash = crypto::tokens::sha256_hex(token);
    let taken = app
        .store
        .take_session_token(&hash, now)
        .await?
        .ok_or(ApiError::AuthenticationFailed)?;
    let user = app
        .store
        .user_by_id(&taken.user_id)
        .await?
        .filter(|u| status_may_hold_session(&u.status))
        .ok_or(ApiError::AuthenticationFailed)?;
    let lifetimes = lifetimes_for(app, &user).await?;
    let (idle_expires_at, max_expires_at) = lifetimes.expiries(now);
    let cookie = crypto::tokens::random_token(COOKIE_CHARS);
    let session = SessionRecord {
        id: new_id(Kind::Session),
        user_id: user.id.clone(),
        login: login_of(&user),
        status: "ACTIVE".into(),
        amr: taken.amr,
        idp_id: app.org.id.clone(),
        idp_type: "OKTA".into(),
        mfa_active: taken.mfa_active,
        created: now,
        last_password_verification: taken.password_verified,
        last_factor_verification: taken.factor_verified,
        idle_ms: lifetimes.idle_ms,
        idle_expires_at,
        max_expires_at,
        persistent_cookie: lifetimes.persistent_cookie,
        cookie_hash: crypto::tokens::sha256_hex(&cookie),
        version: 0,
    };
    let mut event = session_event(
        "user.session.start",
        "User login to Okta",
        &user_actor(&user),
        &user,
        &session,
        now,
    );
    put(
        &mut event.body,
        "legacyEventType",
        json!("core.user_auth.login_success"),
    );
    app.store.insert_session(&session, &event).await?;
    Ok(Started {
        session,
        user,
        cookie,
    })
}

/// A live session by id with its user; None when it is missing, expired or its user may no
/// longer hold it.
pub async fn live_session(
    app: &AppState,
    id: &str,
) -> ApiResult<Option<(SessionRecord, UserRecord)>> {
    if !model::ids::looks_like(Kind::Session, id) {
        return Ok(None);
    }
    let now = app.clock.now().millis();
    let Some(session) = app.store.session_by_id(id, now).await? else {
        return Ok(None);
    };
    with_user(app, session).await
}

async fn with_user(
    app: &AppState,
    session: SessionRecord,
) -> ApiResult<Option<(SessionRecord, UserRecord)>> {
    Ok(app
        .store
        .user_by_id(&session.user_id)
        .await?
        .filter(|u| user_keeps_session(u, &session))
        .map(|u| (session, u)))
}

/// The session of the request's `sid` cookie: the caller of the `/sessions/me` operations
/// ("This operation requires a session cookie for the user. An API token isn't allowed").
/// Without a live one the operation answers 404 E0000007, as sessions.md says ("If the
/// Session is invalid, a `404 Not Found` response is returned").
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session: SessionRecord,
    pub user: UserRecord,
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if let Some(found) = parts.extensions.get::<CurrentSession>() {
            return Ok(found.clone());
        }
        let missing = || ApiError::not_found("Resource not found: me (Session)");
        let cookie = sid_cookie(&parts.headers).ok_or_else(missing)?;
        let now = app.clock.now().millis();
        let session = app
            .store
            .session_by_cookie(&crypto::tokens::sha256_hex(&cookie), now)
            .await?
            .ok_or_else(missing)?;
        let (session, user) = with_user(app, session).await?.ok_or_else(missing)?;
        let current = CurrentSession { session, user };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// The live session the browser's `sid` cookie names, with its user; None when there is no
/// cookie, or its session ended, expired or its user may no longer hold it.
pub async fn from_cookie(
    app: &AppState,
    headers: &HeaderMap,
) -> ApiResult<Option<(SessionRecord, UserRecord)>> {
    let Some(cookie) = sid_cookie(headers) else {
        return Ok(None);
    };
    let now = app.clock.now().millis();
    let Some(session) = app
        .store
        .session_by_cookie(&crypto::tokens::sha256_hex(&cookie), now)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = app.store.user_by_id(&session.user_id).await? else {
        return Ok(None);
    };
    Ok(user_keeps_session(&user, &session).then_some((session, user)))
}

/// The first `sid` cookie of the request's `Cookie` headers.
pub fn sid_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

fn secure(app: &AppState) -> bool {
    app.config.tls != TlsMode::Insecure
}

fn cookie_attributes(app: &AppState) -> &'static str {
    if secure(app) {
        "Path=/; HttpOnly; Secure; SameSite=None"
    } else {
        "Path=/; HttpOnly; SameSite=Lax"
    }
}

/// The `Set-Cookie` value that gives the browser `session`'s cookie; a persistent cookie
/// expires with the session.
pub fn set_cookie(app: &AppState, value: &str, session: &SessionRecord) -> ApiResult<HeaderValue> {
    let mut text = format!("{COOKIE_NAME}={value}; {}", cookie_attributes(app));
    if session.persistent_cookie {
        text.push_str("; Expires=");
        text.push_str(&http_date(session.idle_expires_at));
    }
    HeaderValue::from_str(&text).map_err(|_| ApiError::Internal)
}

/// The `Set-Cookie` value that removes the cookie (a closed session).
pub fn clear_cookie(app: &AppState) -> HeaderValue {
    let text = format!(
        "{COOKIE_NAME}=; {}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        cookie_attributes(app)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("sid=; Max-Age=0"))
}

fn http_date(ms: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    httpdate::fmt_http_date(at)
}

fn login_of(user: &UserRecord) -> String {
    user.profile
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// "First Last" of a user, as `_links.user.name` and event actors show it.
pub fn display_name(user: &UserRecord) -> String {
    let part = |k: &str| {
        user.profile
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    format!("{} {}", part("firstName"), part("lastName"))
        .trim()
        .to_owned()
}

/// The user as the actor of their own session events.
pub fn user_actor(user: &UserRecord) -> Actor {
    Actor {
        id: user.id.clone(),
        actor_type: "User",
        alternate_id: login_of(user),
        display_name: display_name(user),
    }
}

/// An event about one session: the user as target, the session id as
/// `authenticationContext.externalSessionId` (system-log.md).
pub fn session_event(
    kind: &str,
    display: &str,
    actor: &Actor,
    user: &UserRecord,
    session: &SessionRecord,
    now: i64,
) -> EventRecord {
    let mut event = events::event(kind, display, actor, vec![events::user_target(user)], now);
    if let Some(context) = event.body.get_mut("authenticationContext") {
        put(context, "externalSessionId", json!(session.id));
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use model::policy::sign_on::Session;

    fn signon(idle: i64, max: i64, persistent: bool) -> Signon {
        Signon {
            access: "ALLOW".into(),
            require_factor: false,
            primary_factor: None,
            factor_prompt_mode: None,
            remember_device_by_default: false,
            factor_lifetime: None,
            session: Session {
                use_persistent_cookie: persistent,
                max_session_idle_minutes: idle,
                max_session_lifetime_minutes: max,
            },
        }
    }

    #[test]
    fn lifetimes_follow_the_rule_and_default_to_okta_s() {
        assert_eq!(
            Lifetimes::from_signon(None),
            Lifetimes {
                idle_ms: 120 * MINUTE_MS,
                max_ms: 0,
                persistent_cookie: false
            }
        );
        assert_eq!(
            Lifetimes::from_signon(Some(&signon(15, 60, true))),
            Lifetimes {
                idle_ms: 15 * MINUTE_MS,
                max_ms: 60 * MINUTE_MS,
                persistent_cookie: true
            }
        );
    }

    #[test]
    fn the_idle_expiry_never_passes_the_maximum() {
        let now = 1_000_000;
        assert_eq!(
            Lifetimes::from_signon(Some(&signon(15, 60, false))).expiries(now),
            (now + 15 * MINUTE_MS, now + 60 * MINUTE_MS)
        );
        assert_eq!(
            Lifetimes::from_signon(Some(&signon(120, 30, false))).expiries(now),
            (now + 30 * MINUTE_MS, now + 30 * MINUTE_MS)
        );
        assert_eq!(
            Lifetimes::from_signon(Some(&signon(120, 0, false))).expiries(now),
            (now + 120 * MINUTE_MS, 0),
            "0 is no maximum"
        );
    }

    #[test]
    fn the_sid_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; sidx=2"));
        headers.append(COOKIE, HeaderValue::from_static("b=3;  sid=abc ; c=4"));
        assert_eq!(sid_cookie(&headers).as_deref(), Some("abc"));
        let mut none = HeaderMap::new();
        none.append(COOKIE, HeaderValue::from_static("sid=; other=1"));
        assert_eq!(sid_cookie(&none), None);
        assert_eq!(sid_cookie(&HeaderMap::new()), None);
    }
}
