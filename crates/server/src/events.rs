//! System Log events for each state change, in Okta's LogEvent shape and eventType names.
//! The store writes each one in the transaction of the change it records.

use serde_json::{json, Value};
use store::{AppRecord, EventRecord, GroupRecord, UserRecord};

use crate::auth::AdminToken;

/// The request an event happens in: set by the standard-headers middleware for the whole
/// request, read when events are built, so every event names its request and client.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

tokio::task_local! {
    pub static REQUEST: RequestContext;
}

fn current_request() -> RequestContext {
    REQUEST.try_with(Clone::clone).unwrap_or_default()
}

/// Who acted.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub actor_type: &'static str,
    pub alternate_id: String,
    pub display_name: String,
}

impl Actor {
    /// The user behind an API token.
    pub fn token(admin: &AdminToken) -> Self {
        Self {
            id: admin.token.user_id.clone(),
            actor_type: if admin.via_oauth {
                "PublicClientApp"
            } else {
                "User"
            },
            alternate_id: admin.token.name.clone(),
            display_name: admin.token.name.clone(),
        }
    }

    /// The server itself (bootstrap, command-line tools).
    pub fn system() -> Self {
        Self {
            id: "system".into(),
            actor_type: "SystemPrincipal",
            alternate_id: "system@latchkey".into(),
            display_name: "Latchkey".into(),
        }
    }
}

/// A target of an event.
pub fn user_target(user: &UserRecord) -> Value {
    let first = user
        .profile
        .get("firstName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let last = user
        .profile
        .get("lastName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!({
        "id": user.id,
        "type": "User",
        "alternateId": user.profile.get("login").cloned().unwrap_or(Value::Null),
        "displayName": format!("{first} {last}").trim(),
    })
}

/// A group as a target of an event (type `UserGroup`, as Okta's group events name it).
pub fn group_target(group: &GroupRecord) -> Value {
    let name = group
        .profile
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!({
        "id": group.id,
        "type": "UserGroup",
        "alternateId": name,
        "displayName": name,
    })
}

/// An app instance as a target of an event (type `AppInstance`, as Okta's application events
/// name it).
pub fn app_target(app: &AppRecord) -> Value {
    json!({
        "id": app.id,
        "type": "AppInstance",
        "alternateId": app.label,
        "displayName": app.label,
    })
}

/// A user's assignment to an app as a target (type `AppUser`).
pub fn app_user_target(user: &UserRecord, user_name: &str) -> Value {
    json!({
        "id": user.id,
        "type": "AppUser",
        "alternateId": user_name,
        "displayName": user_name,
    })
}

/// Builds one event. `display` is the human message Okta shows for the event type.
pub fn event(
    event_type: &str,
    display: &str,
    actor: &Actor,
    targets: Vec<Value>,
    now: i64,
) -> EventRecord {
    let uuid = model::ids::random_base62(22);
    let published = model::time::Timestamp(now).to_iso();
    let request = current_request();
    let transaction_id = if request.request_id.is_empty() {
        uuid.clone()
    } else {
        request.request_id.clone()
    };
    EventRecord {
        id: uuid.clone(),
        published: now,
        event_type: event_type.to_owned(),
        body: json!({
            "uuid": uuid,
            "published": published,
            "eventType": event_type,
            "version": "0",
            "severity": "INFO",
            "legacyEventType": Value::Null,
            "displayMessage": display,
            "actor": {
                "id": actor.id,
                "type": actor.actor_type,
                "alternateId": actor.alternate_id,
                "displayName": actor.display_name,
                "detailEntry": Value::Null,
            },
            "outcome": { "result": "SUCCESS", "reason": Value::Null },
            "target": targets,
            "client": {
                "ipAddress": request.ip_address,
                "userAgent": { "rawUserAgent": request.user_agent },
                "zone": "null",
            },
            "transaction": { "type": "WEB", "id": transaction_id, "detail": {} },
            "debugContext": { "debugData": { "requestId": request.request_id } },
            "authenticationContext": {
                "authenticationProvider": Value::Null,
                "credentialProvider": Value::Null,
                "credentialType": Value::Null,
                "issuer": Value::Null,
                "interface": Value::Null,
                "authenticationStep": 0,
                "externalSessionId": Value::Null,
            },
            "securityContext": {
                "asNumber": Value::Null,
                "asOrg": Value::Null,
                "isp": Value::Null,
                "domain": Value::Null,
                "isProxy": Value::Null,
            },
        }),
    }
}
