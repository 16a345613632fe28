//! OAuth for the management API: `/api/v1/*` accepts `Authorization: Bearer <access token>`
//! from the org authorization server, obtained with `client_credentials` by a service app
//! granted `okta.*` scopes (ApplicationGrants), as Okta's SDKs do in `PrivateKey` mode.
//!
//! - The route → scope table is `management_scopes.json`: for every `/api/v1` operation of
//!   Okta's Management API specification, the scopes its `oauth2` security requirement names
//!   (paths with parameters written `{}`). Written once, read here; a route missing from it
//!   is refused to bearer tokens (deny by default).
//! - A `.manage` scope also allows what the matching `.read` scope allows.
//! - A bearer token is good while its signature verifies with the org server's keys, its
//!   `iss` and `aud` are the org, it has not expired or been revoked, and its client's app is
//!   ACTIVE (oidc.md: a deactivated client's tokens are invalid at once).

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use axum::http::Method;
use serde_json::Value;

use super::keys;
use super::servers::ORG_KEY_ID;
use crate::state::AppState;
use crate::wire::ApiError;

static TABLE: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let parsed: Value =
        serde_json::from_str(include_str!("management_scopes.json")).unwrap_or(Value::Null);
    parsed
        .get("routes")
        .and_then(Value::as_object)
        .map(|routes| {
            routes
                .iter()
                .map(|(route, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (route.clone(), scopes)
                })
                .collect()
        })
        .unwrap_or_default()
});

/// `/api/v1/users/{id}/groups` → `/api/v1/users/{}/groups`.
pub fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The scopes of which a token needs one for `method` on the route `matched` (a route
/// template, e.g. `/api/v1/users/{id}`); None when the route has no entry.
pub fn required_scopes(method: &Method, matched: &str) -> Option<&'static [String]> {
    let key = format!("{} {}", method.as_str(), normalize(matched));
    TABLE.get(&key).map(Vec::as_slice)
}

/// Every scope the table names: what an app may be granted.
pub fn all_scopes() -> BTreeSet<&'static str> {
    TABLE
        .values()
        .flat_map(|scopes| scopes.iter().map(String::as_str))
        .collect()
}

/// Whether `granted` satisfies one of `required` (`x.manage` covers `x.read`).
pub fn satisfies(granted: &[String], required: &[String]) -> bool {
    required.iter().any(|need| {
        granted.iter().any(|have| {
            have == need
                || need
                    .strip_suffix(".read")
                    .is_some_and(|base| have.strip_suffix(".manage") == Some(base))
        })
    })
}

/// A verified bearer token of the management API.
#[derive(Debug, Clone)]
pub struct Caller {
    pub jti: String,
    pub client_id: String,
    pub app_label: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
    /// The user a token was issued to (`uid`); None for a service app's own token.
    pub user_id: Option<String>,
}

/// Verifies an org-server access token presented to the management API.
pub async fn verify_bearer(app: &AppState, token: &str) -> Result<Caller, ApiError> {
    let claims = keys::verify(app, ORG_KEY_ID, token)
        .await
        .map_err(|_| ApiError::Internal)?
        .ok_or(ApiError::InvalidToken)?;
    let org = app.links.base();
    let now = app.clock.now().millis() / 1000;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if text("iss") != org || text("aud") != org || exp <= now || !text("jti").starts_with("AT.") {
        return Err(ApiError::InvalidToken);
    }
    if app
        .store
        .oauth_token(text("jti"))
        .await?
        .is_some_and(|t| t.revoked_at.is_some())
    {
        return Err(ApiError::InvalidToken);
    }
    let client = super::clients::find(app, text("cid"))
        .await
        .map_err(|_| ApiError::Internal)?
        .ok_or(ApiError::InvalidToken)?;
    let scopes = claims
        .get("scp")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Caller {
        jti: text("jti").to_owned(),
        client_id: client.client_id,
        app_label: client.app.label,
        scopes,
        expires_at: exp * 1000,
        user_id: claims.get("uid").and_then(Value::as_str).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_the_management_api() {
        assert!(TABLE.len() > 600, "{}", TABLE.len());
        assert_eq!(
            required_scopes(&Method::GET, "/api/v1/users/{id}"),
            Some(&["okta.users.read".to_owned()][..])
        );
        assert_eq!(
            required_scopes(&Method::POST, "/api/v1/users"),
            Some(&["okta.users.manage".to_owned()][..])
        );
        assert!(required_scopes(&Method::GET, "/api/v1/nothing").is_none());
        assert!(all_scopes().contains("okta.groups.manage"));
    }

    #[test]
    fn manage_covers_read_but_not_the_reverse() {
        let read = vec!["okta.users.read".to_owned()];
        let manage = vec!["okta.users.manage".to_owned()];
        assert!(satisfies(&manage, &read));
        assert!(!satisfies(&read, &manage));
        assert!(!satisfies(&["okta.groups.manage".to_owned()], &read));
    }
}
