//! The trust decisions other areas ask of the Trusted Origins API (trusted-origins.md, the
//! introduction: redirects during sign-in, sign-out and recovery, and browser API access
//! through CORS, are allowed only to trusted origins).
//!
//! Both checks compare origin keys (`model::trusted_origins`): scheme and host without case,
//! default ports dropped. Each is one indexed store look-up, so an activation, deactivation,
//! replacement or deletion holds on every node from its commit on. A storage failure is an
//! error, never a "no".

use model::trusted_origins::{origin_key, url_origin_key, ScopeType};
use store::{Store, StoreResult};

use crate::state::AppState;

/// Whether a browser may be sent to `url` after sign-in, sign-out or recovery (`relayState`,
/// `redirectUrl`, `fromURI` and the like): an absolute URL on this org's own origin, or on an
/// ACTIVE trusted origin with the REDIRECT scope. Relative URLs, URLs with user information
/// and other schemes are refused.
pub async fn is_redirect_allowed(app: &AppState, url: &str) -> StoreResult<bool> {
    redirect_allowed(app.store.as_ref(), app.links.base(), url).await
}

/// [`is_redirect_allowed`] for an org served at `public_url`.
pub async fn redirect_allowed(store: &dyn Store, public_url: &str, url: &str) -> StoreResult<bool> {
    let Some(key) = url_origin_key(url) else {
        return Ok(false);
    };
    if url_origin_key(public_url).as_deref() == Some(key.as_str()) {
        return Ok(true);
    }
    store.origin_is_trusted(&key, ScopeType::Redirect).await
}

/// Whether browser code on `origin` (an `Origin` header) may read answers of the CORS-enabled
/// endpoints: an ACTIVE trusted origin with the CORS scope. `null` and malformed origins are
/// never trusted.
pub async fn is_cors_allowed(store: &dyn Store, origin: &str) -> StoreResult<bool> {
    match origin_key(origin) {
        Some(key) => store.origin_is_trusted(&key, ScopeType::Cors).await,
        None => Ok(false),
    }
}

/// Whether `origin` (an `Origin` header) is this org's own origin: a same-origin request.
pub fn is_own_origin(app: &AppState, origin: &str) -> bool {
    origin_key(origin).is_some_and(|key| url_origin_key(app.links.base()) == Some(key))
}
