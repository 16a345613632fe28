//! User consent (oidc.md, "prompt"; authorization-servers.md, scope `consent`): a client whose
//! `consent_method` is `REQUIRED` asks the user before it gets a scope whose `consent` is
//! `REQUIRED` (or `FLEXIBLE`). The answer is kept as a consent grant per user, client, server
//! and scope, so it is asked once, unless the client sends `prompt=consent`. Grants are listed
//! and revoked through the Users API (`crate::api::oauth_tokens`).

use serde_json::{json, Value};
use store::{UserGrantRecord, UserRecord};

use super::clients::Client;
use super::servers::Server;
use super::OAuthError;
use crate::events;
use crate::state::AppState;

/// A scope as the consent page shows it.
#[derive(Debug, Clone)]
pub struct ScopeAsked {
    pub id: String,
    pub name: String,
    pub text: String,
}

/// Whether the client asks users for consent.
pub fn client_asks(client: &Client) -> bool {
    client
        .settings
        .get("consent_method")
        .and_then(Value::as_str)
        == Some("REQUIRED")
}

/// The scope objects of `server` that need consent.
fn consent_scopes(server: &Server) -> Vec<&Value> {
    server
        .custom
        .as_ref()
        .and_then(|s| s.body.get("scopes"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|s| {
                    matches!(
                        s.get("consent").and_then(Value::as_str),
                        Some("REQUIRED" | "FLEXIBLE")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The requested scopes the user must still consent to (all that need consent when
/// `forced`, as with `prompt=consent`); empty when the client does not ask.
pub async fn asked(
    app: &AppState,
    server: &Server,
    client: &Client,
    user_id: &str,
    scopes: &[String],
    forced: bool,
) -> Result<Vec<ScopeAsked>, OAuthError> {
    if !client_asks(client) {
        return Ok(Vec::new());
    }
    let needing: Vec<&Value> = consent_scopes(server)
        .into_iter()
        .filter(|s| {
            s.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| scopes.iter().any(|r| r == n))
        })
        .collect();
    if needing.is_empty() {
        return Ok(Vec::new());
    }
    let granted = if forced {
        Vec::new()
    } else {
        app.store
            .user_grants(user_id, Some(&client.client_id))
            .await?
            .into_iter()
            .filter(|g| g.server_id == server.key_id())
            .map(|g| g.scope_name)
            .collect()
    };
    Ok(needing
        .into_iter()
        .filter_map(|s| {
            let name = s.get("name")?.as_str()?.to_owned();
            if granted.contains(&name) {
                return None;
            }
            let text = s
                .get("description")
                .and_then(Value::as_str)
                .or_else(|| s.get("displayName").and_then(Value::as_str))
                .filter(|t| !t.is_empty())
                .unwrap_or(&name)
                .to_owned();
            Some(ScopeAsked {
                id: s
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                name,
                text,
            })
        })
        .collect())
}

/// Records that `user` allowed `scopes` for `client` on `server`.
pub async fn grant(
    app: &AppState,
    server: &Server,
    client: &Client,
    user: &UserRecord,
    scopes: &[ScopeAsked],
) -> Result<(), OAuthError> {
    let now = app.clock.now().millis();
    let grants: Vec<UserGrantRecord> = scopes
        .iter()
        .map(|s| UserGrantRecord {
            id: format!("oag{}", crypto::tokens::random_token(17)),
            user_id: user.id.clone(),
            client_id: client.client_id.clone(),
            server_id: server.key_id().to_owned(),
            scope_id: s.id.clone(),
            scope_name: s.name.clone(),
            source: "END_USER".into(),
            created: now,
            last_updated: now,
        })
        .collect();
    let mut event = events::event(
        "app.oauth2.as.consent.grant",
        "User granted consent to an OAuth client",
        &crate::sessions::user_actor(user),
        vec![events::app_target(&client.app), events::user_target(user)],
        now,
    );
    crate::wire::json::put(
        &mut event.body,
        "debugContext",
        json!({ "debugData": {
            "grantedScopes": scopes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(" "),
        }}),
    );
    app.store.insert_user_grants(&grants, &event).await?;
    Ok(())
}
