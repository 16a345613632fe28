//! Which authorization server a request addresses, and what it allows
//! (authorization-servers.md; oidc.md "Composing your base URL", "Token lifetime").
//!
//! - The org authorization server has no row: issuer `{org}`, endpoints `{org}/oauth2/v1/…`,
//!   audience `{org}`, fixed lifetimes (access and ID tokens 60 minutes, refresh tokens 90
//!   days), the OpenID Connect scopes only (its `okta.*` scopes come with the management
//!   API's OAuth, not yet).
//! - A custom server is a row: issuer `{org}/oauth2/{id}`, its `audiences`, its scopes, and
//!   its access policies, whose first matching rule gives the lifetimes. First start makes
//!   `default` as a developer org has it.

use serde_json::{json, Map, Value};
use store::AuthServerRecord;

use super::error::{OAuthError, OAuthResult};
use crate::state::AppState;

/// The id under which the org server's keys are kept.
pub const ORG_KEY_ID: &str = "org";
/// The custom server every org starts with.
pub const DEFAULT_SERVER_ID: &str = "default";

/// The OpenID Connect scopes every server knows (oidc.md, "Scopes").
pub const OIDC_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

const MINUTE_MS: i64 = 60_000;
/// Access and ID tokens of the org server, and ID tokens everywhere: 60 minutes.
pub const TOKEN_LIFETIME_MS: i64 = 60 * MINUTE_MS;
/// The org server's refresh tokens: 90 days.
const ORG_REFRESH_MS: i64 = 90 * 24 * 60 * MINUTE_MS;

/// The server a request addresses.
#[derive(Debug, Clone)]
pub struct Server {
    /// The custom server's row; None for the org server.
    pub custom: Option<AuthServerRecord>,
    /// `{org}` or `{org}/oauth2/{id}`.
    pub issuer: String,
    /// Where its endpoints live: `{org}/oauth2` or `{org}/oauth2/{id}`.
    pub base: String,
}

/// Who a grant is for, as rules' `people` conditions read it.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub user_id: &'a str,
    /// The user's groups (the built-in Everyone group among them).
    pub group_ids: &'a [String],
}

/// Whether a rule's `people` condition takes `person` (no person: a client alone, which
/// people conditions do not concern).
fn people_match(rule: &Value, person: Option<Person<'_>>) -> bool {
    let Some(person) = person else {
        return true;
    };
    let list = |path: &str| -> Vec<&str> {
        rule.pointer(path)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let in_groups = |ids: &[&str]| {
        ids.iter()
            .any(|id| person.group_ids.iter().any(|g| g == id))
    };
    let users_in = list("/conditions/people/users/include");
    let users_out = list("/conditions/people/users/exclude");
    let groups_in = list("/conditions/people/groups/include");
    let groups_out = list("/conditions/people/groups/exclude");
    if users_out.contains(&person.user_id) || in_groups(&groups_out) {
        return false;
    }
    (users_in.is_empty() && groups_in.is_empty())
        || users_in.contains(&person.user_id)
        || groups_in.contains(&"EVERYONE")
        || in_groups(&groups_in)
}

/// Lifetimes of one grant, from the policy rule that allowed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_ms: i64,
    /// 0: unlimited.
    pub refresh_ms: i64,
    /// A refresh token unused this long lapses.
    pub refresh_window_ms: i64,
}

impl Server {
    /// The key under which its signing keys are kept.
    pub fn key_id(&self) -> &str {
        self.custom.as_ref().map_or(ORG_KEY_ID, |s| s.id.as_str())
    }

    /// The server id as events and tokens name it (`org` or the custom id).
    pub fn endpoint(&self, name: &str) -> String {
        format!("{}/v1/{name}", self.base)
    }

    /// The `aud` of its access tokens: the org URL, or the custom server's audience(s).
    pub fn audience(&self) -> Value {
        match &self.custom {
            None => json!(self.issuer),
            Some(s) => match s.body.get("audiences").and_then(Value::as_array) {
                Some(list) if list.len() == 1 => list.first().cloned().unwrap_or(Value::Null),
                Some(list) => Value::Array(list.clone()),
                None => Value::Null,
            },
        }
    }

    /// Its scopes: (name, published in metadata, is a default scope).
    pub fn scopes(&self) -> Vec<(String, bool, bool)> {
        match &self.custom {
            None => OIDC_SCOPES
                .iter()
                .map(|s| ((*s).to_owned(), true, false))
                .collect(),
            Some(s) => s
                .body
                .get("scopes")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|scope| {
                            let name = scope.get("name")?.as_str()?.to_owned();
                            let published = scope.get("metadataPublish").and_then(Value::as_str)
                                == Some("ALL_CLIENTS");
                            let default =
                                scope.get("default").and_then(Value::as_bool) == Some(true);
                            Some((name, published, default))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether the server knows `scope`.
    pub fn knows_scope(&self, scope: &str) -> bool {
        self.scopes().iter().any(|(name, ..)| name == scope)
    }

    /// The lifetimes for a grant of `grant_type` by `client_id`, or `access_denied` when no
    /// active policy rule of a custom server allows it (oidc.md, "Subtle behavior").
    pub fn lifetimes(
        &self,
        client_id: &str,
        grant_type: &str,
        scopes: &[String],
        person: Option<Person<'_>>,
    ) -> OAuthResult<Lifetimes> {
        let Some(custom) = &self.custom else {
            return Ok(Lifetimes {
                access_ms: TOKEN_LIFETIME_MS,
                refresh_ms: ORG_REFRESH_MS,
                refresh_window_ms: ORG_REFRESH_MS,
            });
        };
        let policies = custom
            .body
            .get("policies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut active: Vec<&Value> = policies
            .iter()
            .filter(|p| p.get("status").and_then(Value::as_str) == Some("ACTIVE"))
            .filter(|p| {
                includes(
                    p.pointer("/conditions/clients/include"),
                    client_id,
                    "ALL_CLIENTS",
                )
            })
            .collect();
        active.sort_by_key(|p| {
            p.get("priority")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX)
        });
        for policy in active {
            let mut rules: Vec<&Value> = policy
                .get("rules")
                .and_then(Value::as_array)
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            rules.retain(|r| r.get("status").and_then(Value::as_str) == Some("ACTIVE"));
            rules.sort_by_key(|r| {
                r.get("priority")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MAX)
            });
            for rule in rules {
                let grants_ok = includes(
                    rule.pointer("/conditions/grantTypes/include"),
                    grant_type,
                    "",
                );
                let scopes_ok = scopes.iter().all(|s| {
                    OIDC_SCOPES.contains(&s.as_str())
                        || includes(rule.pointer("/conditions/scopes/include"), s, "*")
                });
                if grants_ok && scopes_ok && people_match(rule, person) {
                    let token = rule.pointer("/actions/token");
                    let minutes = |field: &str, default: i64| {
                        token
                            .and_then(|t| t.get(field))
                            .and_then(Value::as_i64)
                            .unwrap_or(default)
                    };
                    return Ok(Lifetimes {
                        access_ms: minutes("accessTokenLifetimeMinutes", 60) * MINUTE_MS,
                        refresh_ms: minutes("refreshTokenLifetimeMinutes", 0) * MINUTE_MS,
                        refresh_window_ms: minutes("refreshTokenWindowMinutes", 10_080) * MINUTE_MS,
                    });
                }
            }
        }
        Err(OAuthError::access_denied(
            "Policy evaluation failed for this request, please check the policy configurations.",
        ))
    }
}

/// Whether a policy condition's `include` list holds `value` (or the wildcard `all`).
fn includes(list: Option<&Value>, value: &str, all: &str) -> bool {
    list.and_then(Value::as_array).is_some_and(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .any(|item| item == value || (!all.is_empty() && item == all))
    })
}

/// The server a path names: None for the org server. An unknown or inactive custom server is
/// 404 `not_found`.
pub async fn load(app: &AppState, id: Option<&str>) -> OAuthResult<Server> {
    let org = app.links.base().to_owned();
    let Some(id) = id else {
        return Ok(Server {
            custom: None,
            base: format!("{org}/oauth2"),
            issuer: org,
        });
    };
    let record = app
        .store
        .auth_server(id)
        .await?
        .filter(|s| s.status == "ACTIVE")
        .ok_or_else(OAuthError::not_found)?;
    let base = format!("{org}/oauth2/{}", record.id);
    Ok(Server {
        custom: Some(record),
        issuer: base.clone(),
        base,
    })
}

fn system_scope(name: &str, description: &str, now_iso: &str) -> Value {
    json!({
        "id": format!("scp{}", crypto::tokens::random_token(17)),
        "name": name,
        "displayName": name,
        "description": description,
        "system": true,
        "default": false,
        "metadataPublish": "ALL_CLIENTS",
        "consent": "IMPLICIT",
        "created": now_iso,
        "lastUpdated": now_iso,
    })
}

/// The `default` custom server as a new developer org has it.
pub fn default_server(now: i64) -> AuthServerRecord {
    let iso = model::time::Timestamp(now).to_iso();
    let scopes = [
        ("openid", "Signals that a request is an OpenID request."),
        (
            "profile",
            "Allows access to the end user's default profile claims.",
        ),
        ("email", "Allows access to the end user's email address."),
        ("address", "Allows access to the end user's address."),
        ("phone", "Allows access to the end user's phone number."),
        ("offline_access", "Allows access to a refresh token."),
    ]
    .iter()
    .map(|(name, description)| system_scope(name, description, &iso))
    .collect::<Vec<_>>();
    let rule = json!({
        "id": format!("0pr{}", crypto::tokens::random_token(17)),
        "name": "Default Policy Rule",
        "type": "RESOURCE_ACCESS",
        "status": "ACTIVE",
        "priority": 1,
        "system": false,
        "created": iso,
        "lastUpdated": iso,
        "conditions": {
            "people": { "groups": { "include": ["EVERYONE"] } },
            "grantTypes": { "include": [
                "implicit", "client_credentials", "authorization_code", "password",
                "urn:ietf:params:oauth:grant-type:device_code"
            ] },
            "scopes": { "include": ["*"] }
        },
        "actions": { "token": {
            "accessTokenLifetimeMinutes": 60,
            "refreshTokenLifetimeMinutes": 0,
            "refreshTokenWindowMinutes": 10080
        } }
    });
    let policy = json!({
        "id": format!("00p{}", crypto::tokens::random_token(17)),
        "type": "OAUTH_AUTHORIZATION_POLICY",
        "name": "Default Policy",
        "description": "Default policy description",
        "status": "ACTIVE",
        "priority": 1,
        "system": false,
        "created": iso,
        "lastUpdated": iso,
        "conditions": { "clients": { "include": ["ALL_CLIENTS"] } },
        "rules": [rule],
    });
    let mut body = Map::new();
    body.insert(
        "description".into(),
        json!("Default Authorization Server for your Applications"),
    );
    body.insert("audiences".into(), json!(["api://default"]));
    body.insert("issuerMode".into(), json!("ORG_URL"));
    body.insert("rotationMode".into(), json!("AUTO"));
    body.insert("scopes".into(), Value::Array(scopes));
    body.insert("claims".into(), json!([]));
    body.insert("policies".into(), json!([policy]));
    AuthServerRecord {
        id: DEFAULT_SERVER_ID.into(),
        name: "default".into(),
        status: "ACTIVE".into(),
        created: now,
        last_updated: now,
        body,
        version: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_conditions_include_and_exclude() {
        let rule = json!({ "conditions": { "people": {
            "users": { "include": ["u1"], "exclude": ["u3"] },
            "groups": { "include": ["g1"], "exclude": ["g9"] } } } });
        let person = |user_id, groups: &'static [String]| {
            Some(Person {
                user_id,
                group_ids: groups,
            })
        };
        static G1: LazyGroups = LazyGroups::new(|| vec!["g1".to_owned()]);
        static G19: LazyGroups = LazyGroups::new(|| vec!["g1".to_owned(), "g9".to_owned()]);
        static NONE: LazyGroups = LazyGroups::new(Vec::new);
        assert!(people_match(&rule, person("u1", &NONE)));
        assert!(people_match(&rule, person("u2", &G1)));
        assert!(!people_match(&rule, person("u2", &NONE)));
        assert!(!people_match(&rule, person("u2", &G19)));
        assert!(!people_match(&rule, person("u3", &G1)));
        assert!(people_match(&rule, None));
        let everyone =
            json!({ "conditions": { "people": { "groups": { "include": ["EVERYONE"] } } } });
        assert!(people_match(&everyone, person("u7", &NONE)));
    }

    type LazyGroups = std::sync::LazyLock<Vec<String>>;

    fn default() -> Server {
        Server {
            custom: Some(default_server(0)),
            issuer: "https://o/oauth2/default".into(),
            base: "https://o/oauth2/default".into(),
        }
    }

    #[test]
    fn the_default_server_allows_every_grant_with_its_lifetimes() {
        let server = default();
        assert_eq!(server.audience(), json!("api://default"));
        let l = server
            .lifetimes(
                "c",
                "authorization_code",
                &["openid".into(), "custom".into()],
                None,
            )
            .unwrap();
        assert_eq!(l.access_ms, 60 * MINUTE_MS);
        assert_eq!(l.refresh_ms, 0);
        assert_eq!(l.refresh_window_ms, 10_080 * MINUTE_MS);
        assert!(server.knows_scope("offline_access"));
        assert!(!server.knows_scope("custom"));
    }

    #[test]
    fn a_grant_no_rule_allows_is_denied() {
        let mut server = default();
        let custom = server.custom.as_mut().unwrap();
        custom.body["policies"][0]["rules"][0]["conditions"]["grantTypes"]["include"] =
            json!(["authorization_code"]);
        assert!(server
            .lifetimes("c", "client_credentials", &[], None)
            .is_err());
        assert!(server
            .lifetimes("c", "authorization_code", &[], None)
            .is_ok());
        let custom = server.custom.as_mut().unwrap();
        custom.body["policies"][0]["status"] = json!("INACTIVE");
        assert_eq!(
            server
                .lifetimes("c", "authorization_code", &[], None)
                .unwrap_err()
                .error,
            "access_denied"
        );
    }
}
