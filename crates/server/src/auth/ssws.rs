//! `Authorization: SSWS <token>` on every management route (Okta API tokens).
//!
//! The scheme may be followed by any whitespace or none (the Python SDK sends `SSWS<token>`).
//! Tokens are looked up by SHA-256 and compared in constant time; missing, malformed, unknown,
//! revoked and expired tokens all get the same 401 E0000011. Each use slides the expiry
//! forward by the token window (30 days), written at most once per hour per token.
//!
//! A node keeps tokens it has read for [`CACHE_MS`], so a busy client costs one look-up per
//! token every two seconds, not one per request. The cache is only a hint:
//! - a change made through this node (update, revoke) drops the entry at once;
//! - a change made through another node reaches this one through the store's change feed
//!   (PostgreSQL `LISTEN/NOTIFY`, [`spawn_change_listener`]), which drops the entry the
//!   moment the change commits;
//! - while that feed is not connected (at start, after a lost connection) the cache is not
//!   used at all, and it is emptied when the feed comes back, so nothing missed survives;
//! - a read that raced a change is not cached (a generation counter moves on every drop).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::authz::{Access, CallerRoles};
use crate::state::AppState;
use crate::wire::ApiError;

/// How long a token stays valid without use (Okta's `tokenWindow`, P30D).
pub const TOKEN_WINDOW_MS: i64 = 30 * 24 * 60 * 60 * 1000;
const TOUCH_EVERY_MS: i64 = 60 * 60 * 1000;
/// How long a node trusts a token it has read.
pub const CACHE_MS: i64 = 2_000;
/// Tokens a node keeps at most (the cache is emptied when full).
const CACHE_ENTRIES: usize = 1024;

/// Recently read tokens by hash, with the time each was read (the app clock's milliseconds).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, (Cached, i64)>>,
    /// Whether changes made on other nodes reach this cache (see the module's doc).
    trusted: std::sync::atomic::AtomicBool,
    /// Moves on every drop, so a read that started before a change is not cached after it.
    generation: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    fn get(&self, hash: &str, now: i64) -> Option<Cached> {
        if !self.trusted.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().ok()?;
        let (token, read_at) = entries.get(hash)?;
        (now >= *read_at && now - read_at < CACHE_MS).then(|| token.clone())
    }

    /// The generation a read starts in, for [`Self::put`].
    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Caches a token read in `generation`, unless something was dropped since.
    fn put(&self, hash: &str, token: &Cached, now: i64, generation: u64) {
        if let Ok(mut entries) = self.entries.write() {
            if self.generation() != generation {
                return;
            }
            if entries.len() >= CACHE_ENTRIES {
                entries.clear();
            }
            entries.insert(hash.to_owned(), (token.clone(), now));
        }
    }

    /// Forgets a token (it changed or was revoked, through this node or another); `*`
    /// forgets every token (an administrator role changed).
    pub fn forget(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            if token_id == "*" {
                entries.clear();
            } else {
                entries.retain(|_, (cached, _)| cached.token.id != token_id);
            }
        }
    }

    /// Trusts the cache (changes elsewhere reach it) or not; either way it starts empty.
    fn trust(&self, trusted: bool) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            entries.clear();
            self.trusted
                .store(trusted, std::sync::atomic::Ordering::Release);
        }
    }
}

/// Keeps the token cache in step with changes made on every node, for as long as it runs:
/// follows the store's change feed, and distrusts the cache whenever the feed is down.
pub fn spawn_change_listener(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match app.store.token_changes().await {
                Ok(None) => {
                    // One node: every change passes through here.
                    app.tokens.trust(true);
                    return;
                }
                Ok(Some(mut feed)) => {
                    app.tokens.trust(true);
                    loop {
                        match feed.next().await {
                            Ok(Some(id)) => app.tokens.forget(&id),
                            Ok(None) => break,
                            Err(err) => {
                                tracing::warn!(error = %err, "token change feed");
                                break;
                            }
                        }
                    }
                    app.tokens.trust(false);
                }
                Err(err) => {
                    app.tokens.trust(false);
                    tracing::warn!(error = %err, "token change feed unavailable; tokens are read on every request");
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
}

/// A token as a node caches it: the record and its owner's roles, read together.
#[derive(Debug, Clone)]
struct Cached {
    token: store::ApiTokenRecord,
    roles: std::sync::Arc<CallerRoles>,
}

/// A caller authenticated by an API token, or by an OAuth access token of the org
/// authorization server (`via_oauth`: then `token` describes the client: `user_id` is its
/// client id, `name` its app's label, `id` the token's `jti`), with what its roles let it
/// see of the route's list (`access`).
#[derive(Debug, Clone)]
pub struct AdminToken {
    pub token: store::ApiTokenRecord,
    pub via_oauth: bool,
    pub access: Access,
}

/// The token text after the `SSWS` scheme, if the header has that shape.
pub fn parse_ssws(header: &str) -> Option<&str> {
    let scheme = header.get(..4)?;
    if !scheme.eq_ignore_ascii_case("SSWS") {
        return None;
    }
    let token = header.get(4..)?.trim();
    (!token.is_empty() && !token.contains(char::is_whitespace)).then_some(token)
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if let Some(found) = parts.extensions.get::<AdminToken>() {
            return Ok(found.clone());
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::InvalidToken)?;
        if let Some(bearer) = parse_bearer(header) {
            let admin = oauth_caller(parts, app, bearer).await?;
            parts.extensions.insert(admin.clone());
            return Ok(admin);
        }
        let presented = parse_ssws(header).ok_or(ApiError::InvalidToken)?;
        let hash = crypto::tokens::sha256_hex(presented);
        // API tokens' idle expiry ignores a test org's clock shift (see `Clock`).
        let now = app.clock.unshifted_now().millis();
        let mut cached = match app.tokens.get(&hash, now) {
            Some(cached) => cached,
            None => {
                let generation = app.tokens.generation();
                let token = app
                    .store
                    .token_by_hash(&hash)
                    .await?
                    .ok_or(ApiError::InvalidToken)?;
                let roles = CallerRoles::load(app, &token.user_id).await?;
                let cached = Cached {
                    token,
                    roles: std::sync::Arc::new(roles),
                };
                app.tokens.put(&hash, &cached, now, generation);
                cached
            }
        };
        let token = &mut cached.token;
        if !crypto::tokens::constant_time_eq(token.token_hash.as_bytes(), hash.as_bytes()) {
            return Err(ApiError::InvalidToken);
        }
        if token.expires_at <= now {
            return Err(ApiError::InvalidToken);
        }
        // A token acts with its owner's roles: it stops working when the owner is no longer
        // ACTIVE or holds no administrator role.
        if !cached.roles.usable() {
            return Err(ApiError::InvalidToken);
        }
        if now - token.last_updated >= TOUCH_EVERY_MS {
            app.store
                .touch_token(&token.id, now, now + TOKEN_WINDOW_MS)
                .await?;
            token.last_updated = now;
            token.expires_at = now + TOKEN_WINDOW_MS;
            let generation = app.tokens.generation();
            app.tokens.put(&hash, &cached, now, generation);
        }
        let access = authorize_route(parts, app, &cached.roles).await?;
        let admin = AdminToken {
            token: cached.token,
            via_oauth: false,
            access,
        };
        parts.extensions.insert(admin.clone());
        Ok(admin)
    }
}

/// Checks the caller's roles against the matched route.
async fn authorize_route(
    parts: &Parts,
    app: &AppState,
    roles: &CallerRoles,
) -> Result<Access, ApiError> {
    let matched = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let matched = if matched.starts_with("/api/v1") || matched.starts_with("/oauth2/") {
        matched
    } else {
        format!("/api/v1{matched}")
    };
    crate::authz::authorize(app, roles, &parts.method, &matched, parts.uri.path()).await
}

/// The token text after the `Bearer` scheme, if the header has that shape.
fn parse_bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A management call with an OAuth access token: the token must be good and hold a scope the
/// route requires (`crate::oauth::management`); a missing scope is 403 E0000006 with a
/// `WWW-Authenticate: Bearer error="insufficient_scope"` challenge.
async fn oauth_caller(parts: &Parts, app: &AppState, bearer: &str) -> Result<AdminToken, ApiError> {
    use crate::oauth::management;
    let caller = management::verify_bearer(app, bearer).await?;
    let matched = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let matched = if matched.starts_with("/api/v1") {
        matched
    } else {
        format!("/api/v1{matched}")
    };
    let allowed = management::required_scopes(&parts.method, &matched)
        .is_some_and(|required| management::satisfies(&caller.scopes, required));
    if !allowed {
        return Err(ApiError::InsufficientScope);
    }
    // A token acts with its scopes and, within them, with the roles of the user it was issued
    // to or, for a service app's own token (client credentials), the app's roles.
    let roles = match &caller.user_id {
        Some(user_id) => CallerRoles::load(app, user_id).await?,
        None => CallerRoles::load_client(app, &caller.client_id).await?,
    };
    if !roles.usable() {
        return Err(ApiError::AccessDenied);
    }
    let access = authorize_route(parts, app, &roles).await?;
    Ok(AdminToken {
        token: store::ApiTokenRecord {
            id: caller.jti,
            name: caller.app_label.clone(),
            user_id: caller.client_id,
            client_name: caller.app_label,
            token_hash: String::new(),
            created: 0,
            last_updated: 0,
            expires_at: caller.expires_at,
            network: serde_json::Value::Null,
        },
        via_oauth: true,
        access,
    })
}

/// An API token when the request carries one (the Authn API's trusted applications), none
/// when it carries no `Authorization` header; a header with a bad token is still 401.
pub struct OptionalAdmin(pub Option<AdminToken>);

impl FromRequestParts<AppState> for OptionalAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(Self(None));
        }
        AdminToken::from_request_parts(parts, app)
            .await
            .map(|a| Self(Some(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ssws;

    #[test]
    fn accepts_scheme_with_or_without_space() {
        assert_eq!(parse_ssws("SSWS abc"), Some("abc"));
        assert_eq!(parse_ssws("SSWSabc"), Some("abc"));
        assert_eq!(parse_ssws("ssws   abc "), Some("abc"));
    }

    #[test]
    fn rejects_other_shapes() {
        for h in ["Bearer abc", "SSWS", "SSWS ", "SSW abc", "", "SSWS a b"] {
            assert_eq!(parse_ssws(h), None, "{h}");
        }
    }
}
