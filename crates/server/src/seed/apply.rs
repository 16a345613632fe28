//! Applying an org file: each object found by its key, created when missing, updated when it
//! differs from the file, left alone when it matches.

use reqwest::Method;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

use super::client::{Client, Refused};
use super::{FactorType, Named, Parsed, SeedApp, SeedError, SeedUser, UserStatus};

/// What an application did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// Fields the API writes itself: never compared, never sent back.
const READ_ONLY: &[&str] = &[
    "id",
    "created",
    "lastUpdated",
    "_links",
    "_embedded",
    "createdBy",
    "lastUpdatedBy",
    "system",
    "verificationStatus",
    "lastMembershipUpdated",
    "objectClass",
    "status",
];

/// Whether `current` already holds everything `desired` says (objects: every key desired;
/// arrays: the same items in any order; numbers by value).
pub(crate) fn covers(current: &Value, desired: &Value) -> bool {
    match (current, desired) {
        (_, Value::Null) => current.is_null(),
        (Value::Object(c), Value::Object(d)) => d
            .iter()
            .all(|(k, dv)| covers(c.get(k).unwrap_or(&Value::Null), dv)),
        (Value::Array(c), Value::Array(d)) => {
            c.len() == d.len() && d.iter().all(|dv| c.iter().any(|cv| covers(cv, dv)))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => current == desired,
    }
}

/// `desired` laid over `current` (objects merged, anything else replaced).
pub(crate) fn merged(current: &Value, desired: &Value) -> Value {
    match (current, desired) {
        (Value::Object(c), Value::Object(d)) => {
            let mut out = c.clone();
            for (k, dv) in d {
                let next = merged(c.get(k).unwrap_or(&Value::Null), dv);
                out.insert(k.clone(), next);
            }
            Value::Object(out)
        }
        _ => desired.clone(),
    }
}

/// `value` without the fields the API writes itself.
pub(crate) fn writable(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !READ_ONLY.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Sets `key` of an object.
fn put(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_owned(), value);
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn id_of(v: &Value) -> String {
    text(v, "id").to_owned()
}

fn pct(s: &str) -> String {
    url_escape(s)
}

/// Percent-encodes a path segment or query value.
fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The run: the file, the client and what has been resolved so far.
struct Run<'a> {
    parsed: &'a Parsed,
    client: &'a Client,
    summary: Summary,
    /// Group ids by lower-cased name (every group of the org).
    groups: BTreeMap<String, String>,
    /// User ids by lower-cased login (those seen so far).
    users: BTreeMap<String, String>,
    /// App (id, client_id) by label.
    apps: BTreeMap<String, (String, Option<String>)>,
}

/// Makes the org `client` reaches hold what `parsed` declares.
pub async fn apply(client: &Client, parsed: &Parsed) -> Result<Summary, SeedError> {
    check_keys(parsed)?;
    let mut run = Run {
        parsed,
        client,
        summary: Summary::default(),
        groups: BTreeMap::new(),
        users: BTreeMap::new(),
        apps: BTreeMap::new(),
    };
    run.groups_step().await?;
    run.users_step().await?;
    run.group_rules_step().await?;
    run.apps_step().await?;
    run.auth_servers_step().await?;
    run.policies_step().await?;
    let f = &parsed.file;
    run.named_step("networkZones", "/api/v1/zones", &f.network_zones)
        .await?;
    run.named_step(
        "trustedOrigins",
        "/api/v1/trustedOrigins",
        &f.trusted_origins,
    )
    .await?;
    run.named_step("eventHooks", "/api/v1/eventHooks", &f.event_hooks)
        .await?;
    run.named_step("inlineHooks", "/api/v1/inlineHooks", &f.inline_hooks)
        .await?;
    Ok(run.summary)
}

/// Keys are unique within each list, and present.
fn check_keys(parsed: &Parsed) -> Result<(), SeedError> {
    fn unique<'a>(
        parsed: &Parsed,
        list: &str,
        keys: impl Iterator<Item = Option<&'a str>>,
        what: &str,
    ) -> Result<(), SeedError> {
        let mut seen = BTreeSet::new();
        for (i, key) in keys.enumerate() {
            let path = format!("{list}[{i}]");
            let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
                return Err(parsed.error(&path, format!("{what} is missing")));
            };
            if !seen.insert(key.to_lowercase()) {
                return Err(
                    parsed.error(&path, format!("{what} '{key}' appears twice in the file"))
                );
            }
        }
        Ok(())
    }
    let f = &parsed.file;
    unique(
        parsed,
        "groups",
        f.groups.iter().map(|g| Some(g.name.as_str())),
        "name",
    )?;
    unique(
        parsed,
        "users",
        f.users.iter().map(|u| Some(u.login.as_str())),
        "login",
    )?;
    unique(
        parsed,
        "groupRules",
        f.group_rules.iter().map(|r| Some(r.name.as_str())),
        "name",
    )?;
    unique(
        parsed,
        "apps",
        f.apps.iter().map(|a| Some(a.label.as_str())),
        "label",
    )?;
    unique(
        parsed,
        "authorizationServers",
        f.authorization_servers
            .iter()
            .map(|s| Some(s.name.as_str())),
        "name",
    )?;
    let policy_keys: Vec<String> = f
        .policies
        .iter()
        .map(|p| format!("{} {}", p.policy_type, p.name))
        .collect();
    unique(
        parsed,
        "policies",
        policy_keys.iter().map(|k| Some(k.as_str())),
        "type and name",
    )?;
    for (list, items) in [
        ("networkZones", &f.network_zones),
        ("trustedOrigins", &f.trusted_origins),
        ("eventHooks", &f.event_hooks),
        ("inlineHooks", &f.inline_hooks),
    ] {
        unique(parsed, list, items.iter().map(Named::name), "name")?;
    }
    for (i, u) in f.users.iter().enumerate() {
        let path = format!("users[{i}]");
        let has_password = u.password.is_some() || u.password_hash.is_some();
        if u.password.is_some() && u.password_hash.is_some() {
            return Err(parsed.error(&path, "give password or passwordHash, not both"));
        }
        if u.status == Some(UserStatus::Provisioned) && has_password {
            return Err(parsed.error(
                &path,
                "a PROVISIONED user has no password yet: drop password, or make it ACTIVE",
            ));
        }
        for (j, factor) in u.factors.iter().enumerate() {
            let fpath = format!("{path}.factors[{j}]");
            let missing = match factor.factor_type {
                FactorType::Totp if factor.shared_secret.is_none() => Some("sharedSecret"),
                FactorType::Sms | FactorType::Call if factor.phone_number.is_none() => {
                    Some("phoneNumber")
                }
                FactorType::Question if factor.question.is_none() => Some("question"),
                FactorType::Question if factor.answer.is_none() => Some("answer"),
                _ => None,
            };
            if let Some(field) = missing {
                return Err(parsed.error(
                    &fpath,
                    format!("a {:?} factor needs {field}", factor.factor_type).to_lowercase(),
                ));
            }
        }
    }
    Ok(())
}

impl Run<'_> {
    fn fail(&self, path: &str, refused: Refused) -> SeedError {
        self.parsed.error(path, refused.message)
    }

    async fn call(
        &self,
        path_in_file: &str,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, SeedError> {
        self.client
            .call(method, url, body)
            .await
            .map_err(|e| self.fail(path_in_file, e))
    }

    async fn list(&self, path_in_file: &str, url: &str) -> Result<Vec<Value>, SeedError> {
        self.client
            .list(url)
            .await
            .map_err(|e| self.fail(path_in_file, e))
    }

    fn group_id(&self, path: &str, name: &str) -> Result<String, SeedError> {
        self.groups
            .get(&name.to_lowercase())
            .cloned()
            .ok_or_else(|| {
                self.parsed.error(
                    path,
                    format!("no group named '{name}' in the file or the org"),
                )
            })
    }

    async fn user_id(&mut self, path: &str, login: &str) -> Result<String, SeedError> {
        if let Some(id) = self.users.get(&login.to_lowercase()) {
            return Ok(id.clone());
        }
        match self
            .client
            .call(Method::GET, &format!("/api/v1/users/{}", pct(login)), None)
            .await
        {
            Ok(user) => {
                let id = id_of(&user);
                self.users.insert(login.to_lowercase(), id.clone());
                Ok(id)
            }
            Err(e) if e.status == 404 => Err(self.parsed.error(
                path,
                format!("no user with login '{login}' in the file or the org"),
            )),
            Err(e) => Err(self.fail(path, e)),
        }
    }

    /// Creates, updates or leaves one object found in `existing` by `key` (case-insensitive):
    /// answers it as it now is.
    async fn upsert(
        &mut self,
        path: &str,
        existing: &[Value],
        key_field: &str,
        desired: &Value,
        list_url: &str,
    ) -> Result<Value, SeedError> {
        let key = text(desired, key_field).to_lowercase();
        let found = existing
            .iter()
            .find(|v| text(v, key_field).to_lowercase() == key);
        let desired_status = desired.get("status").and_then(Value::as_str);
        let mut now = match found {
            None => {
                self.summary.created += 1;
                self.call(path, Method::POST, list_url, Some(desired))
                    .await?
            }
            Some(current) if covers(&writable(current), &writable(desired)) => {
                self.summary.unchanged += 1;
                current.clone()
            }
            Some(current) => {
                self.summary.updated += 1;
                let body = writable(&merged(current, &writable(desired)));
                self.call(
                    path,
                    Method::PUT,
                    &format!("{list_url}/{}", id_of(current)),
                    Some(&body),
                )
                .await?
            }
        };
        if let Some(want) = desired_status {
            if text(&now, "status") != want && !now.get("status").is_none_or(Value::is_null) {
                let verb = if want == "ACTIVE" {
                    "activate"
                } else {
                    "deactivate"
                };
                self.call(
                    path,
                    Method::POST,
                    &format!("{list_url}/{}/lifecycle/{verb}", id_of(&now)),
                    None,
                )
                .await?;
                if let Some(obj) = now.as_object_mut() {
                    obj.insert("status".into(), json!(want));
                }
            }
        }
        Ok(now)
    }

    async fn groups_step(&mut self) -> Result<(), SeedError> {
        let existing = self.list("groups", "/api/v1/groups").await?;
        for g in &existing {
            let name = g
                .pointer("/profile/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            self.groups.insert(name.to_lowercase(), id_of(g));
        }
        for (i, g) in self.parsed.file.groups.iter().enumerate() {
            let path = format!("groups[{i}]");
            let mut profile = g.profile.clone();
            profile.insert("name".into(), json!(g.name));
            if let Some(d) = &g.description {
                profile.insert("description".into(), json!(d));
            }
            let desired = Value::Object(profile);
            let id = match self.groups.get(&g.name.to_lowercase()).cloned() {
                None => {
                    let made = self
                        .call(
                            &path,
                            Method::POST,
                            "/api/v1/groups",
                            Some(&json!({ "profile": desired })),
                        )
                        .await?;
                    self.summary.created += 1;
                    id_of(&made)
                }
                Some(id) => {
                    let current = existing
                        .iter()
                        .find(|e| id_of(e) == id)
                        .and_then(|e| e.get("profile"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    if covers(&current, &desired) {
                        self.summary.unchanged += 1;
                    } else {
                        let body = json!({ "profile": merged(&current, &desired) });
                        self.call(
                            &path,
                            Method::PUT,
                            &format!("/api/v1/groups/{id}"),
                            Some(&body),
                        )
                        .await?;
                        self.summary.updated += 1;
                    }
                    id
                }
            };
            self.groups.insert(g.name.to_lowercase(), id.clone());
            self.roles(&path, &format!("/api/v1/groups/{id}/roles"), &g.admin_roles)
                .await?;
        }
        Ok(())
    }

    /// Assigns the standard roles in `wanted` that the assignee at `url` lacks.
    async fn roles(&self, path: &str, url: &str, wanted: &[String]) -> Result<(), SeedError> {
        if wanted.is_empty() {
            return Ok(());
        }
        let held: BTreeSet<String> = self
            .list(path, url)
            .await?
            .iter()
            .filter(|r| text(r, "assignmentType") != "GROUP")
            .map(|r| text(r, "type").to_owned())
            .collect();
        for role in wanted.iter().filter(|r| !held.contains(*r)) {
            self.call(path, Method::POST, url, Some(&json!({ "type": role })))
                .await?;
        }
        Ok(())
    }

    async fn users_step(&mut self) -> Result<(), SeedError> {
        let types = self.list("users", "/api/v1/meta/types/user").await?;
        let file = &self.parsed.file;
        for (i, u) in file.users.iter().enumerate() {
            let path = format!("users[{i}]");
            self.user(&path, u, &types).await?;
        }
        Ok(())
    }

    async fn user(&mut self, path: &str, u: &SeedUser, types: &[Value]) -> Result<(), SeedError> {
        let mut profile = u.profile.clone();
        profile.insert("login".into(), json!(u.login));
        profile.entry("email").or_insert_with(|| json!(u.login));
        let profile = Value::Object(profile);
        let found = match self
            .client
            .call(
                Method::GET,
                &format!("/api/v1/users/{}", pct(&u.login)),
                None,
            )
            .await
        {
            Ok(user) => Some(user),
            Err(e) if e.status == 404 => None,
            Err(e) => return Err(self.fail(path, e)),
        };
        let has_password = u.password.is_some() || u.password_hash.is_some();
        let status = u.status.unwrap_or(if has_password {
            UserStatus::Active
        } else {
            UserStatus::Provisioned
        });
        let (id, created) = match found {
            Some(current) => {
                let id = id_of(&current);
                let now = current.get("profile").cloned().unwrap_or(Value::Null);
                if covers(&now, &profile) {
                    self.summary.unchanged += 1;
                } else {
                    self.call(
                        path,
                        Method::POST,
                        &format!("/api/v1/users/{id}"),
                        Some(&json!({ "profile": profile })),
                    )
                    .await?;
                    self.summary.updated += 1;
                }
                // An existing user's status changes only when the file names one.
                if let Some(wanted) = u.status {
                    self.transition(path, &id, text(&current, "status"), wanted)
                        .await?;
                }
                (id, false)
            }
            None => {
                if !has_password
                    && matches!(status, UserStatus::Active | UserStatus::PasswordExpired)
                {
                    return Err(self.parsed.error(
                        &format!("{path}.status"),
                        format!(
                            "a new {} user needs password or passwordHash (without one it is PROVISIONED)",
                            status.as_str()
                        ),
                    ));
                }
                let mut body = json!({ "profile": profile });
                let mut credentials = Map::new();
                if let Some(p) = &u.password {
                    credentials.insert("password".into(), json!({ "value": p }));
                }
                if let Some(h) = &u.password_hash {
                    credentials.insert("password".into(), json!({ "hash": h }));
                }
                if let Some(q) = &u.recovery_question {
                    credentials.insert(
                        "recovery_question".into(),
                        json!({ "question": q.question, "answer": q.answer }),
                    );
                }
                if !credentials.is_empty() {
                    put(&mut body, "credentials", Value::Object(credentials));
                }
                if let Some(type_name) = &u.user_type {
                    let type_id = types
                        .iter()
                        .find(|t| text(t, "name").eq_ignore_ascii_case(type_name))
                        .map(id_of)
                        .ok_or_else(|| {
                            self.parsed.error(
                                &format!("{path}.type"),
                                format!("no user type named '{type_name}' in the org"),
                            )
                        })?;
                    put(&mut body, "type", json!({ "id": type_id }));
                }
                let activate = status != UserStatus::Staged;
                let made = self
                    .call(
                        path,
                        Method::POST,
                        &format!("/api/v1/users?activate={activate}"),
                        Some(&body),
                    )
                    .await?;
                self.summary.created += 1;
                (id_of(&made), true)
            }
        };
        self.users.insert(u.login.to_lowercase(), id.clone());
        // Memberships.
        let member_of: BTreeSet<String> = if created {
            BTreeSet::new()
        } else {
            self.list(path, &format!("/api/v1/users/{id}/groups"))
                .await?
                .iter()
                .map(id_of)
                .collect()
        };
        for (j, name) in u.groups.iter().enumerate() {
            let gid = self.group_id(&format!("{path}.groups[{j}]"), name)?;
            if !member_of.contains(&gid) {
                self.call(
                    path,
                    Method::PUT,
                    &format!("/api/v1/groups/{gid}/users/{id}"),
                    None,
                )
                .await?;
            }
        }
        // Factors, enrolled when the user has none of the type.
        if !u.factors.is_empty() {
            let have: BTreeSet<String> = if created {
                BTreeSet::new()
            } else {
                self.list(path, &format!("/api/v1/users/{id}/factors"))
                    .await?
                    .iter()
                    .map(|f| text(f, "factorType").to_owned())
                    .collect()
            };
            for (j, f) in u.factors.iter().enumerate() {
                let fpath = format!("{path}.factors[{j}]");
                let (factor_type, provider) = match f.factor_type {
                    FactorType::Totp => (
                        "token:software:totp",
                        f.provider.clone().unwrap_or_else(|| "GOOGLE".into()),
                    ),
                    FactorType::Sms => ("sms", "OKTA".into()),
                    FactorType::Call => ("call", "OKTA".into()),
                    FactorType::Email => ("email", "OKTA".into()),
                    FactorType::Question => ("question", "OKTA".into()),
                };
                if have.contains(factor_type) {
                    continue;
                }
                let (url, body) = match f.factor_type {
                    FactorType::Totp => (
                        format!("/_latchkey/users/{id}/factors"),
                        json!({
                            "factorType": factor_type,
                            "provider": provider,
                            "sharedSecret": f.shared_secret,
                        }),
                    ),
                    FactorType::Sms | FactorType::Call => (
                        format!("/api/v1/users/{id}/factors?activate=true"),
                        json!({ "factorType": factor_type, "provider": provider,
                                "profile": { "phoneNumber": f.phone_number } }),
                    ),
                    FactorType::Email => {
                        let mut p = Map::new();
                        if let Some(e) = &f.email {
                            p.insert("email".into(), json!(e));
                        }
                        (
                            format!("/api/v1/users/{id}/factors?activate=true"),
                            json!({ "factorType": factor_type, "provider": provider, "profile": p }),
                        )
                    }
                    FactorType::Question => (
                        format!("/api/v1/users/{id}/factors"),
                        json!({ "factorType": factor_type, "provider": provider,
                                "profile": { "question": f.question, "answer": f.answer } }),
                    ),
                };
                match self.client.call(Method::POST, &url, Some(&body)).await {
                    Ok(_) => {}
                    Err(e) if e.status == 404 && f.factor_type == FactorType::Totp => {
                        return Err(self.parsed.error(
                            &fpath,
                            "a TOTP factor with a fixed secret needs a test org (--ephemeral or --test-mode)",
                        ))
                    }
                    Err(e) => return Err(self.fail(&fpath, e)),
                }
            }
        }
        self.roles(path, &format!("/api/v1/users/{id}/roles"), &u.admin_roles)
            .await?;
        if created {
            let after = if status == UserStatus::Staged {
                "STAGED"
            } else if has_password {
                "ACTIVE"
            } else {
                "PROVISIONED"
            };
            self.transition(path, &id, after, status).await?;
        }
        Ok(())
    }

    /// Moves a user from `from` to `to` where one lifecycle call does it.
    async fn transition(
        &self,
        path: &str,
        id: &str,
        from: &str,
        to: UserStatus,
    ) -> Result<(), SeedError> {
        if from == to.as_str() {
            return Ok(());
        }
        let verb = match (from, to) {
            (_, UserStatus::Deprovisioned) => "deactivate",
            ("ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY" | "LOCKED_OUT", UserStatus::Suspended) => {
                "suspend"
            }
            ("SUSPENDED", UserStatus::Active) => "unsuspend",
            ("ACTIVE", UserStatus::PasswordExpired) => "expire_password",
            ("ACTIVE" | "PROVISIONED", UserStatus::Recovery) => "reset_password?sendEmail=false",
            ("STAGED" | "DEPROVISIONED", UserStatus::Active | UserStatus::Provisioned) => {
                "activate?sendEmail=false"
            }
            ("LOCKED_OUT", UserStatus::Active) => "unlock",
            _ => {
                return Err(self.parsed.error(
                    &format!("{path}.status"),
                    format!(
                        "the user is {from}: no single lifecycle step makes it {}",
                        to.as_str()
                    ),
                ))
            }
        };
        self.call(
            path,
            Method::POST,
            &format!("/api/v1/users/{id}/lifecycle/{verb}"),
            None,
        )
        .await?;
        Ok(())
    }

    async fn group_rules_step(&mut self) -> Result<(), SeedError> {
        if self.parsed.file.group_rules.is_empty() {
            return Ok(());
        }
        let existing = self.list("groupRules", "/api/v1/groups/rules").await?;
        for (i, r) in self.parsed.file.group_rules.iter().enumerate() {
            let path = format!("groupRules[{i}]");
            let mut ids = Vec::new();
            for (j, name) in r.assign_to.iter().enumerate() {
                ids.push(self.group_id(&format!("{path}.assignTo[{j}]"), name)?);
            }
            let body = json!({
                "type": "group_rule",
                "name": r.name,
                "conditions": { "expression": { "value": r.expression, "type": "urn:okta:expression:1.0" } },
                "actions": { "assignUserToGroups": { "groupIds": ids } },
            });
            let want = r.status.as_deref().unwrap_or("ACTIVE");
            let found = existing.iter().find(|e| text(e, "name") == r.name);
            let (id, status) = match found {
                None => {
                    let made = self
                        .call(&path, Method::POST, "/api/v1/groups/rules", Some(&body))
                        .await?;
                    self.summary.created += 1;
                    (id_of(&made), text(&made, "status").to_owned())
                }
                Some(current) if covers(current, &body) => {
                    self.summary.unchanged += 1;
                    (id_of(current), text(current, "status").to_owned())
                }
                Some(current) => {
                    let id = id_of(current);
                    if text(current, "status") == "ACTIVE" {
                        self.call(
                            &path,
                            Method::POST,
                            &format!("/api/v1/groups/rules/{id}/lifecycle/deactivate"),
                            None,
                        )
                        .await?;
                    }
                    self.call(
                        &path,
                        Method::PUT,
                        &format!("/api/v1/groups/rules/{id}"),
                        Some(&body),
                    )
                    .await?;
                    self.summary.updated += 1;
                    (id, "INACTIVE".to_owned())
                }
            };
            if status != want {
                let verb = if want == "ACTIVE" {
                    "activate"
                } else {
                    "deactivate"
                };
                self.call(
                    &path,
                    Method::POST,
                    &format!("/api/v1/groups/rules/{id}/lifecycle/{verb}"),
                    None,
                )
                .await?;
            }
        }
        Ok(())
    }

    fn app_body(a: &SeedApp) -> Value {
        let mode = a.sign_on_mode.as_deref().unwrap_or("OPENID_CONNECT");
        let mut body = json!({ "label": a.label, "signOnMode": mode });
        if mode == "OPENID_CONNECT" {
            put(
                &mut body,
                "name",
                json!(a.name.as_deref().unwrap_or("oidc_client")),
            );
            let mut client = Map::new();
            if let Some(id) = &a.client_id {
                client.insert("client_id".into(), json!(id));
            }
            if let Some(m) = &a.token_endpoint_auth_method {
                client.insert("token_endpoint_auth_method".into(), json!(m));
            }
            put(&mut body, "credentials", json!({ "oauthClient": client }));
            let mut settings = Map::new();
            settings.insert(
                "application_type".into(),
                json!(a.application_type.as_deref().unwrap_or("web")),
            );
            if !a.redirect_uris.is_empty() {
                settings.insert("redirect_uris".into(), json!(a.redirect_uris));
            }
            if !a.post_logout_redirect_uris.is_empty() {
                settings.insert(
                    "post_logout_redirect_uris".into(),
                    json!(a.post_logout_redirect_uris),
                );
            }
            if !a.grant_types.is_empty() {
                settings.insert("grant_types".into(), json!(a.grant_types));
            }
            if !a.response_types.is_empty() {
                settings.insert("response_types".into(), json!(a.response_types));
            }
            put(&mut body, "settings", json!({ "oauthClient": settings }));
        } else if let Some(name) = &a.name {
            put(&mut body, "name", json!(name));
        }
        if !a.settings.is_empty() {
            let base = body.get("settings").cloned().unwrap_or(json!({}));
            put(
                &mut body,
                "settings",
                merged(&base, &Value::Object(a.settings.clone())),
            );
        }
        if !a.credentials.is_empty() {
            let base = body.get("credentials").cloned().unwrap_or(json!({}));
            put(
                &mut body,
                "credentials",
                merged(&base, &Value::Object(a.credentials.clone())),
            );
        }
        if let Some(status) = &a.status {
            put(&mut body, "status", json!(status));
        }
        body
    }

    async fn apps_step(&mut self) -> Result<(), SeedError> {
        if self.parsed.file.apps.is_empty() {
            return Ok(());
        }
        let existing = self.list("apps", "/api/v1/apps").await?;
        for (i, a) in self.parsed.file.apps.iter().enumerate() {
            let path = format!("apps[{i}]");
            let mut desired = Self::app_body(a);
            // The secret is written once, at creation: the API does not answer it back to
            // compare.
            let mut create = desired.clone();
            if let Some(secret) = &a.client_secret {
                if let Some(client) = create
                    .pointer_mut("/credentials/oauthClient")
                    .and_then(Value::as_object_mut)
                {
                    client.insert("client_secret".into(), json!(secret));
                }
            }
            let activate = a.status.as_deref() != Some("INACTIVE");
            let found = existing.iter().find(|e| text(e, "label") == a.label);
            let app = match found {
                None => {
                    let made = self
                        .call(
                            &path,
                            Method::POST,
                            &format!("/api/v1/apps?activate={activate}"),
                            Some(&create),
                        )
                        .await?;
                    self.summary.created += 1;
                    made
                }
                Some(current) => {
                    if let Some(obj) = desired.as_object_mut() {
                        obj.remove("status");
                    }
                    if covers(&writable(current), &desired) {
                        self.summary.unchanged += 1;
                        current.clone()
                    } else {
                        let body = writable(&merged(current, &desired));
                        let made = self
                            .call(
                                &path,
                                Method::PUT,
                                &format!("/api/v1/apps/{}", id_of(current)),
                                Some(&body),
                            )
                            .await?;
                        self.summary.updated += 1;
                        made
                    }
                }
            };
            let id = id_of(&app);
            let want = if activate { "ACTIVE" } else { "INACTIVE" };
            if text(&app, "status") != want {
                let verb = if activate { "activate" } else { "deactivate" };
                self.call(
                    &path,
                    Method::POST,
                    &format!("/api/v1/apps/{id}/lifecycle/{verb}"),
                    None,
                )
                .await?;
            }
            let client_id = app
                .pointer("/credentials/oauthClient/client_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.apps
                .insert(a.label.clone(), (id.clone(), client_id.clone()));
            self.app_links(&path, a, &id, client_id.as_deref()).await?;
        }
        Ok(())
    }

    /// An app's assignments, API grants and roles.
    async fn app_links(
        &mut self,
        path: &str,
        a: &SeedApp,
        id: &str,
        client_id: Option<&str>,
    ) -> Result<(), SeedError> {
        if !a.users.is_empty() {
            let assigned: BTreeSet<String> = self
                .list(path, &format!("/api/v1/apps/{id}/users"))
                .await?
                .iter()
                .map(id_of)
                .collect();
            for (j, login) in a.users.iter().enumerate() {
                let uid = self.user_id(&format!("{path}.users[{j}]"), login).await?;
                if !assigned.contains(&uid) {
                    self.call(
                        path,
                        Method::POST,
                        &format!("/api/v1/apps/{id}/users"),
                        Some(&json!({ "id": uid, "scope": "USER" })),
                    )
                    .await?;
                }
            }
        }
        if !a.groups.is_empty() {
            let assigned: BTreeSet<String> = self
                .list(path, &format!("/api/v1/apps/{id}/groups"))
                .await?
                .iter()
                .map(id_of)
                .collect();
            for (j, name) in a.groups.iter().enumerate() {
                let gid = self.group_id(&format!("{path}.groups[{j}]"), name)?;
                if !assigned.contains(&gid) {
                    self.call(
                        path,
                        Method::PUT,
                        &format!("/api/v1/apps/{id}/groups/{gid}"),
                        Some(&json!({})),
                    )
                    .await?;
                }
            }
        }
        if !a.grants.is_empty() {
            let granted: BTreeSet<String> = self
                .list(path, &format!("/api/v1/apps/{id}/grants"))
                .await?
                .iter()
                .map(|g| text(g, "scopeId").to_owned())
                .collect();
            for scope in a.grants.iter().filter(|s| !granted.contains(*s)) {
                self.call(
                    path,
                    Method::POST,
                    &format!("/api/v1/apps/{id}/grants"),
                    Some(&json!({ "issuer": self.client.base(), "scopeId": scope })),
                )
                .await?;
            }
        }
        if !a.admin_roles.is_empty() {
            let client_id = client_id.ok_or_else(|| {
                self.parsed.error(
                    &format!("{path}.adminRoles"),
                    "only OIDC service apps hold roles",
                )
            })?;
            self.roles(
                path,
                &format!("/oauth2/v1/clients/{}/roles", pct(client_id)),
                &a.admin_roles,
            )
            .await?;
        }
        Ok(())
    }

    async fn auth_servers_step(&mut self) -> Result<(), SeedError> {
        if self.parsed.file.authorization_servers.is_empty() {
            return Ok(());
        }
        let list_url = "/api/v1/authorizationServers";
        let existing = self.list("authorizationServers", list_url).await?;
        for (i, s) in self.parsed.file.authorization_servers.iter().enumerate() {
            let path = format!("authorizationServers[{i}]");
            let mut desired = json!({ "name": s.name });
            if let Some(d) = &s.description {
                put(&mut desired, "description", json!(d));
            }
            if !s.audiences.is_empty() {
                put(&mut desired, "audiences", json!(s.audiences));
            }
            if let Some(m) = &s.issuer_mode {
                put(&mut desired, "issuerMode", json!(m));
            }
            if let Some(st) = &s.status {
                put(&mut desired, "status", json!(st));
            }
            let server = self
                .upsert(&path, &existing, "name", &desired, list_url)
                .await?;
            let sid = id_of(&server);
            let base = format!("{list_url}/{sid}");
            for (kind, items) in [("scopes", &s.scopes), ("claims", &s.claims)] {
                if items.is_empty() {
                    continue;
                }
                let url = format!("{base}/{kind}");
                let have = self.list(&path, &url).await?;
                for (j, item) in items.iter().enumerate() {
                    self.upsert(
                        &format!("{path}.{kind}[{j}]"),
                        &have,
                        "name",
                        &Value::Object(item.0.clone()),
                        &url,
                    )
                    .await?;
                }
            }
            if s.policies.is_empty() {
                continue;
            }
            let url = format!("{base}/policies");
            let have = self.list(&path, &url).await?;
            for (j, p) in s.policies.iter().enumerate() {
                let ppath = format!("{path}.policies[{j}]");
                let mut clients = Vec::new();
                for (k, label) in p.clients.iter().enumerate() {
                    if label == "ALL_CLIENTS" {
                        clients.push(label.clone());
                        continue;
                    }
                    let client = self
                        .apps
                        .get(label)
                        .and_then(|(_, c)| c.clone())
                        .ok_or_else(|| {
                            self.parsed.error(
                                &format!("{ppath}.clients[{k}]"),
                                format!("no OIDC app labelled '{label}' in the file"),
                            )
                        })?;
                    clients.push(client);
                }
                if clients.is_empty() {
                    clients.push("ALL_CLIENTS".into());
                }
                let desired = json!({
                    "type": "OAUTH_AUTHORIZATION_POLICY",
                    "name": p.name,
                    "description": p.description.as_deref().unwrap_or(&p.name),
                    "conditions": { "clients": { "include": clients } },
                });
                let mut desired = desired;
                if let Some(pr) = p.priority {
                    put(&mut desired, "priority", json!(pr));
                }
                let policy = self.upsert(&ppath, &have, "name", &desired, &url).await?;
                self.rules(&ppath, &format!("{url}/{}/rules", id_of(&policy)), &p.rules)
                    .await?;
            }
        }
        Ok(())
    }

    async fn rules(&mut self, path: &str, url: &str, rules: &[Named]) -> Result<(), SeedError> {
        if rules.is_empty() {
            return Ok(());
        }
        let have = self.list(path, url).await?;
        for (k, rule) in rules.iter().enumerate() {
            self.upsert(
                &format!("{path}.rules[{k}]"),
                &have,
                "name",
                &Value::Object(rule.0.clone()),
                url,
            )
            .await?;
        }
        Ok(())
    }

    async fn policies_step(&mut self) -> Result<(), SeedError> {
        let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (i, p) in self.parsed.file.policies.iter().enumerate() {
            let path = format!("policies[{i}]");
            if !by_type.contains_key(&p.policy_type) {
                let have = self
                    .list(
                        &path,
                        &format!("/api/v1/policies?type={}", pct(&p.policy_type)),
                    )
                    .await?;
                by_type.insert(p.policy_type.clone(), have);
            }
            let mut conditions = Value::Object(p.conditions.clone());
            if !p.groups.is_empty() {
                let mut ids = Vec::new();
                for (j, name) in p.groups.iter().enumerate() {
                    ids.push(self.group_id(&format!("{path}.groups[{j}]"), name)?);
                }
                conditions = merged(
                    &conditions,
                    &json!({ "people": { "groups": { "include": ids } } }),
                );
            }
            let mut desired = json!({ "type": p.policy_type, "name": p.name });
            if let Some(d) = &p.description {
                put(&mut desired, "description", json!(d));
            }
            if let Some(pr) = p.priority {
                put(&mut desired, "priority", json!(pr));
            }
            if let Some(st) = &p.status {
                put(&mut desired, "status", json!(st));
            }
            if conditions.as_object().is_some_and(|c| !c.is_empty()) {
                put(&mut desired, "conditions", conditions);
            }
            if !p.settings.is_empty() {
                put(&mut desired, "settings", Value::Object(p.settings.clone()));
            }
            let have = by_type.get(&p.policy_type).cloned().unwrap_or_default();
            let policy = self
                .upsert(&path, &have, "name", &desired, "/api/v1/policies")
                .await?;
            self.rules(
                &path,
                &format!("/api/v1/policies/{}/rules", id_of(&policy)),
                &p.rules,
            )
            .await?;
        }
        Ok(())
    }

    async fn named_step(
        &mut self,
        list: &str,
        url: &str,
        items: &[Named],
    ) -> Result<(), SeedError> {
        if items.is_empty() {
            return Ok(());
        }
        let have = self.list(list, url).await?;
        for (i, item) in items.iter().enumerate() {
            self.upsert(
                &format!("{list}[{i}]"),
                &have,
                "name",
                &Value::Object(item.0.clone()),
                url,
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_is_a_subset_test() {
        let current = json!({ "a": 1, "b": { "c": [1, 2], "d": "x" }, "e": null });
        assert!(covers(&current, &json!({ "b": { "c": [2, 1] } })));
        assert!(covers(&current, &json!({ "a": 1.0 })));
        assert!(covers(&current, &json!({ "e": null, "f": null })));
        assert!(!covers(&current, &json!({ "b": { "c": [1] } })));
        assert!(!covers(&current, &json!({ "b": { "d": "y" } })));
    }

    #[test]
    fn merge_lays_desired_over_current() {
        let m = merged(
            &json!({ "a": { "b": 1, "c": 2 }, "d": [1] }),
            &json!({ "a": { "b": 3 }, "d": [2] }),
        );
        assert_eq!(m, json!({ "a": { "b": 3, "c": 2 }, "d": [2] }));
        assert_eq!(
            writable(&json!({ "id": "x", "name": "n", "_links": {} })),
            json!({ "name": "n" })
        );
    }
}
