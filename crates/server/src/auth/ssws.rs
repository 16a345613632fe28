//! `Authorization: SSWS <token>` on every management route (Okta API tokens).
//!
//! The scheme may be followed by any whitespace or none (the Python SDK sends `SSWS<token>`).
//! Tokens are looked up by SHA-256 and compared in constant time; missing, malformed, unknown,
//! revoked and expired tokens all get the same 401 E0000011. Each use slides the expiry
//! forward by the token window (30 days), written at most once per hour per token.
//!
//! A node keeps tokens it has read for [`CACHE_MS`], so a busy client costs one look-up per
//! token every two seconds, not one per request. A change made through this node (update,
//! revoke) drops the entry at once; another node sees it within [`CACHE_MS`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

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
    entries: std::sync::RwLock<std::collections::HashMap<String, (store::ApiTokenRecord, i64)>>,
}

impl TokenCache {
    fn get(&self, hash: &str, now: i64) -> Option<store::ApiTokenRecord> {
        let entries = self.entries.read().ok()?;
        let (token, read_at) = entries.get(hash)?;
        (now >= *read_at && now - read_at < CACHE_MS).then(|| token.clone())
    }

    fn put(&self, hash: &str, token: &store::ApiTokenRecord, now: i64) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CACHE_ENTRIES {
                entries.clear();
            }
            entries.insert(hash.to_owned(), (token.clone(), now));
        }
    }

    /// Forgets a token (after it changed or was revoked through this node).
    pub fn forget(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (token, _)| token.id != token_id);
        }
    }
}

/// A caller authenticated by an API token.
#[derive(Debug, Clone)]
pub struct AdminToken {
    pub token: store::ApiTokenRecord,
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
        let presented = parse_ssws(header).ok_or(ApiError::InvalidToken)?;
        let hash = crypto::tokens::sha256_hex(presented);
        let now = app.clock.now().millis();
        let mut token = match app.tokens.get(&hash, now) {
            Some(token) => token,
            None => {
                let token = app
                    .store
                    .token_by_hash(&hash)
                    .await?
                    .ok_or(ApiError::InvalidToken)?;
                app.tokens.put(&hash, &token, now);
                token
            }
        };
        if !crypto::tokens::constant_time_eq(token.token_hash.as_bytes(), hash.as_bytes()) {
            return Err(ApiError::InvalidToken);
        }
        if token.expires_at <= now {
            return Err(ApiError::InvalidToken);
        }
        if now - token.last_updated >= TOUCH_EVERY_MS {
            app.store
                .touch_token(&token.id, now, now + TOKEN_WINDOW_MS)
                .await?;
            token.last_updated = now;
            token.expires_at = now + TOKEN_WINDOW_MS;
            app.tokens.put(&hash, &token, now);
        }
        let admin = AdminToken { token };
        parts.extensions.insert(admin.clone());
        Ok(admin)
    }
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
