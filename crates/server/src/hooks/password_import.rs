//! The password import inline hook (`com.okta.user.credential.password.import`): a user
//! created with `credentials.password.hook` has no password here until their first sign-in,
//! when the ACTIVE hook of that type is asked whether the typed credentials are right. On
//! `{"credential": "VERIFIED"}` the password is stored (as argon2id) and the hook is not
//! asked again; anything else — `UNVERIFIED`, an empty 204 (the default action), no hook, a
//! failing or slow hook — counts as a wrong password.

use serde_json::{json, Value};
use store::UserRecord;

use crate::hooks::channel;
use crate::state::AppState;

/// The inline hook type.
pub const HOOK_TYPE: &str = "com.okta.user.credential.password.import";

/// Whether the hook verifies `username`/`password` for `user`.
pub async fn verified(app: &AppState, user: &UserRecord, username: &str, password: &str) -> bool {
    let hook = match app.store.list_inline_hooks(Some(HOOK_TYPE)).await {
        Ok(hooks) => hooks.into_iter().find(|h| h.status == "ACTIVE"),
        Err(err) => {
            tracing::warn!(error = %err, "inline hooks unreadable");
            None
        }
    };
    let Some(hook) = hook else {
        tracing::warn!(user = %user.id, "no ACTIVE password import hook");
        return false;
    };
    let now = app.clock.now().millis();
    let request = crate::events::REQUEST
        .try_with(Clone::clone)
        .unwrap_or_default();
    let body = json!({
        "eventId": model::ids::random_base62(22),
        "eventTime": model::time::Timestamp(now).to_iso(),
        "eventType": HOOK_TYPE,
        "eventTypeVersion": "1.0",
        "contentType": "application/json",
        "cloudEventVersion": "0.1",
        "source": app.links.api(&format!("inlineHooks/{}", hook.id)),
        "data": {
            "context": {
                "request": {
                    "id": request.request_id,
                    "method": "POST",
                    "url": { "value": "/api/v1/authn" },
                    "ipAddress": request.ip_address,
                },
                "credential": { "username": username, "password": password },
            },
            "action": { "credential": "UNVERIFIED" },
        },
    });
    match channel::post_json(app, &hook.channel, hook.auth_value_sealed.as_deref(), &body).await {
        Ok(answer) => credential_of(&answer) == Some("VERIFIED"),
        Err(why) => {
            tracing::info!(user = %user.id, error = %why, "password import hook gave no verdict");
            false
        }
    }
}

/// The `credential` of the `com.okta.action.update` command.
fn credential_of(answer: &Value) -> Option<&str> {
    answer
        .get("commands")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("com.okta.action.update"))?
        .get("value")?
        .get("credential")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_update_command() {
        let ok = json!({ "commands": [{ "type": "com.okta.action.update",
            "value": { "credential": "VERIFIED" } }] });
        assert_eq!(credential_of(&ok), Some("VERIFIED"));
        let no = json!({ "commands": [{ "type": "com.okta.action.update",
            "value": { "credential": "UNVERIFIED" } }] });
        assert_eq!(credential_of(&no), Some("UNVERIFIED"));
        assert_eq!(credential_of(&json!({})), None);
        assert_eq!(
            credential_of(&json!({ "commands": [{ "type": "other", "value": {} }] })),
            None
        );
    }
}
