//! `Authorization: SSWS <token>` on every management route (Okta API tokens).
//!
//! The scheme may be followed by any whitespace or none (the Python SDK sends `SSWS<token>`).
//! Tokens are looked up by SHA-256 and compared in constant time; missing, malformed, unknown,
//! revoked and expired tokens all get the same 401 E0000011. Each use slides the expiry
//! forward by the token window (30 days), written at most once per hour per token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::state::AppState;
use crate::wire::ApiError;

/// How long a token stays valid without use (Okta's `tokenWindow`, P30D).
pub const TOKEN_WINDOW_MS: i64 = 30 * 24 * 60 * 60 * 1000;
const TOUCH_EVERY_MS: i64 = 60 * 60 * 1000;

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
        let token = app
            .store
            .token_by_hash(&hash)
            .await?
            .ok_or(ApiError::InvalidToken)?;
        if !crypto::tokens::constant_time_eq(token.token_hash.as_bytes(), hash.as_bytes()) {
            return Err(ApiError::InvalidToken);
        }
        let now = app.clock.now().millis();
        if token.expires_at <= now {
            return Err(ApiError::InvalidToken);
        }
        if now - token.last_updated >= TOUCH_EVERY_MS {
            app.store
                .touch_token(&token.id, now, now + TOKEN_WINDOW_MS)
                .await?;
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
