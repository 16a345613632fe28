//! `User` and its parts (`UserCredentials`, `UserProfile`, `_links`), and the request bodies
//! `CreateUserRequest` / `UpdateUserRequest`.
//!
//! Secrets never leave: a password renders as `{}` (it exists) and a recovery question only
//! by its question.

use model::time::Timestamp;
use model::users::lifecycle;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::UserRecord;

use crate::state::AppState;
use crate::wire::links::LinkSet;

fn ts(v: Option<i64>) -> Value {
    v.map_or(Value::Null, |ms| Value::String(Timestamp(ms).to_iso()))
}

/// `UserCredentials` as rendered.
pub fn credentials(user: &UserRecord) -> Value {
    let mut c = Map::new();
    if user.password_hash.is_some() {
        c.insert("password".into(), json!({}));
    }
    if let Some(q) = &user.recovery_question {
        c.insert("recovery_question".into(), json!({ "question": q }));
    }
    c.insert(
        "provider".into(),
        json!({ "type": user.provider_type, "name": user.provider_name }),
    );
    Value::Object(c)
}

/// The facts beyond status that decide which lifecycle operations a user allows.
pub fn facts(user: &UserRecord) -> lifecycle::UserFacts {
    lifecycle::UserFacts {
        has_password: user.password_hash.is_some(),
        provider: lifecycle::Provider::parse(&user.provider_type),
    }
}

/// Renders a user. `single` adds the lifecycle and credential links valid in the user's
/// status; collections carry only `self`, as Okta's do.
pub fn render(user: &UserRecord, app: &AppState, single: bool) -> Value {
    let self_href = app.links.api(&format!("users/{}", user.id));
    let mut links = LinkSet::new();
    if single {
        if let Some(status) = model::users::UserStatus::parse(&user.status) {
            for rel in lifecycle::links(status, &facts(user)) {
                links = links.add_method(rel, action_href(&self_href, rel), "POST");
            }
        }
        links = links
            .add(
                "schema",
                app.links.api(&format!(
                    "meta/schemas/user/{}",
                    app.default_user_schema_id()
                )),
            )
            .add(
                "type",
                app.links.api(&format!("meta/types/user/{}", user.type_id)),
            );
    }
    links = links.add("self", self_href);
    let mut out = json!({
        "id": user.id,
        "status": user.status,
        "created": Timestamp(user.created).to_iso(),
        "activated": ts(user.activated),
        "statusChanged": ts(user.status_changed),
        "lastLogin": ts(user.last_login),
        "lastUpdated": Timestamp(user.last_updated).to_iso(),
        "passwordChanged": ts(user.password_changed),
        "type": { "id": user.type_id },
        "profile": user.profile,
        "credentials": credentials(user),
        "_links": links.into_value(),
    });
    if let (Some(t), Some(obj)) = (&user.transitioning_to_status, out.as_object_mut()) {
        obj.insert("transitioningToStatus".into(), json!(t));
    }
    out
}

/// The href of a lifecycle or credential link relation.
fn action_href(self_href: &str, rel: &str) -> String {
    let path = match rel {
        "activate" => "lifecycle/activate",
        "reactivate" => "lifecycle/reactivate",
        "deactivate" => "lifecycle/deactivate",
        "suspend" => "lifecycle/suspend",
        "unsuspend" => "lifecycle/unsuspend",
        "unlock" => "lifecycle/unlock",
        "resetPassword" => "lifecycle/reset_password",
        "expirePassword" => "lifecycle/expire_password",
        "resetFactors" => "lifecycle/reset_factors",
        "forgotPassword" => "credentials/forgot_password",
        "changePassword" => "credentials/change_password",
        "changeRecoveryQuestion" => "credentials/change_recovery_question",
        other => other,
    };
    format!("{self_href}/{path}")
}

/// `PasswordCredentialHash`: an imported hash.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordHashIn {
    pub algorithm: Option<String>,
    pub value: Option<String>,
    pub salt: Option<String>,
    pub salt_order: Option<String>,
    pub work_factor: Option<u32>,
    pub iteration_count: Option<u32>,
    pub key_size: Option<u32>,
    pub digest_algorithm: Option<String>,
}

/// `PasswordCredential`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PasswordIn {
    pub value: Option<String>,
    pub hash: Option<PasswordHashIn>,
    pub hook: Option<Value>,
}

/// `RecoveryQuestionCredential`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecoveryQuestionIn {
    pub question: Option<String>,
    pub answer: Option<String>,
}

/// `AuthenticationProvider`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProviderIn {
    #[serde(rename = "type")]
    pub provider_type: Option<String>,
    pub name: Option<String>,
}

/// `UserCredentials` in a request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CredentialsIn {
    pub password: Option<PasswordIn>,
    pub recovery_question: Option<RecoveryQuestionIn>,
    pub provider: Option<ProviderIn>,
}

/// `UserType` reference.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TypeIn {
    pub id: Option<String>,
}

/// `CreateUserRequest` and `UpdateUserRequest` (same fields; which apply depends on the call).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRequest {
    pub profile: Option<Map<String, Value>>,
    pub credentials: Option<CredentialsIn>,
    pub group_ids: Option<Vec<String>>,
    #[serde(rename = "type")]
    pub user_type: Option<TypeIn>,
}
