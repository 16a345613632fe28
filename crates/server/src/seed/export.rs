//! A running org as an org file (`latchkey export org`): what the Management API answers,
//! in the file's terms, so that applying the file to a fresh org gives the same objects.
//!
//! What the API never answers cannot be exported: passwords and recovery answers (exported
//! users get the secret given with `--password` for both, or none), TOTP secrets and
//! security question answers (those factors are left out), hook authorization values.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::apply::writable;
use super::client::{Client, Refused};
use super::{
    Named, OrgFile, SeedAccessPolicy, SeedApp, SeedAuthServer, SeedFactor, SeedGroup,
    SeedGroupRule, SeedPolicy, SeedUser, UserStatus,
};

/// Policy types the export reads.
const POLICY_TYPES: &[&str] = &[
    "OKTA_SIGN_ON",
    "PASSWORD",
    "MFA_ENROLL",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
];

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// An object as its create call takes it, with its status (which the seed sets through the
/// lifecycle calls).
fn named(v: &Value) -> Named {
    let mut out = writable(v).as_object().cloned().unwrap_or_default();
    if let Some(status) = v.get("status").filter(|s| s.is_string()) {
        out.insert("status".into(), status.clone());
    }
    Named(out)
}

/// Reads the org `client` reaches. `password` is given to exported users that hold one.
pub async fn export(client: &Client, password: Option<&str>) -> Result<OrgFile, Refused> {
    let mut file = OrgFile::default();
    // Groups.
    let groups = client.list("/api/v1/groups").await?;
    let mut group_names: BTreeMap<String, String> = BTreeMap::new();
    for g in &groups {
        let mut profile = g
            .get("profile")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let name = profile
            .remove("name")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        group_names.insert(text(g, "id"), name.clone());
        if text(g, "type") != "OKTA_GROUP" {
            continue;
        }
        let description = profile
            .remove("description")
            .and_then(|v| v.as_str().map(str::to_owned));
        let roles = client
            .list(&format!("/api/v1/groups/{}/roles", text(g, "id")))
            .await?;
        file.groups.push(SeedGroup {
            name,
            description,
            profile,
            admin_roles: roles.iter().map(|r| text(r, "type")).collect(),
        });
    }
    // Users, of every status.
    let types = client.list("/api/v1/meta/types/user").await?;
    let type_names: BTreeMap<String, (String, bool)> = types
        .iter()
        .map(|t| {
            (
                text(t, "id"),
                (
                    text(t, "name"),
                    t.get("default").and_then(Value::as_bool) == Some(true),
                ),
            )
        })
        .collect();
    let mut users = client.list("/api/v1/users").await?;
    users.extend(
        client
            .list("/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22")
            .await?,
    );
    let mut logins: BTreeMap<String, String> = BTreeMap::new();
    for u in &users {
        let mut profile = u
            .get("profile")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let login = profile
            .remove("login")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if profile.get("email").and_then(Value::as_str) == Some(login.as_str()) {
            profile.remove("email");
        }
        profile.retain(|_, v| !v.is_null());
        let id = text(u, "id");
        logins.insert(id.clone(), login.clone());
        let status = UserStatus::parse(&text(u, "status"));
        let has_password = u.pointer("/credentials/password").is_some();
        let member_of = client.list(&format!("/api/v1/users/{id}/groups")).await?;
        let factors = client.list(&format!("/api/v1/users/{id}/factors")).await?;
        let roles = client.list(&format!("/api/v1/users/{id}/roles")).await?;
        let user_type = u
            .pointer("/type/id")
            .and_then(Value::as_str)
            .and_then(|t| type_names.get(t))
            .filter(|(_, default)| !default)
            .map(|(name, _)| name.clone());
        file.users.push(SeedUser {
            login,
            profile,
            status,
            user_type,
            password: password.filter(|_| has_password).map(str::to_owned),
            password_hash: None,
            recovery_question: u
                .pointer("/credentials/recovery_question/question")
                .and_then(Value::as_str)
                .zip(password)
                .map(|(question, answer)| super::RecoveryQuestion {
                    question: question.to_owned(),
                    answer: answer.to_owned(),
                }),
            groups: member_of
                .iter()
                .filter(|g| text(g, "type") == "OKTA_GROUP")
                .filter_map(|g| g.pointer("/profile/name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
            factors: factors.iter().filter_map(exported_factor).collect(),
            admin_roles: roles
                .iter()
                .filter(|r| text(r, "assignmentType") == "USER")
                .map(|r| text(r, "type"))
                .collect(),
        });
    }
    // Group rules.
    for r in client.list("/api/v1/groups/rules").await? {
        file.group_rules.push(SeedGroupRule {
            name: text(&r, "name"),
            expression: r
                .pointer("/conditions/expression/value")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            assign_to: strings(r.pointer("/actions/assignUserToGroups/groupIds"))
                .iter()
                .map(|id| group_names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .collect(),
            status: Some(text(&r, "status")),
        });
    }
    // Apps.
    let mut client_labels: BTreeMap<String, String> = BTreeMap::new();
    for a in client.list("/api/v1/apps").await? {
        let id = text(&a, "id");
        let mode = text(&a, "signOnMode");
        let mut settings = a
            .get("settings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // A custom app's name (SAML or auto-login without a catalog name) was generated from
        // its label; a fresh org generates its own.
        let name = text(&a, "name");
        let custom = mode != "OPENID_CONNECT"
            && a.get("visibility")
                .and_then(|v| v.get("appLinks"))
                .and_then(|l| l.get(format!("{name}_link")))
                .is_some();
        let mut seed = SeedApp {
            label: text(&a, "label"),
            sign_on_mode: Some(mode.clone()),
            name: (!custom).then_some(name),
            status: Some(text(&a, "status")),
            ..SeedApp::default()
        };
        if mode == "OPENID_CONNECT" {
            let oauth = a
                .pointer("/credentials/oauthClient")
                .cloned()
                .unwrap_or(Value::Null);
            seed.client_id = oauth
                .get("client_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            seed.client_secret = oauth
                .get("client_secret")
                .and_then(Value::as_str)
                .map(str::to_owned);
            seed.token_endpoint_auth_method = oauth
                .get("token_endpoint_auth_method")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(Value::Object(mut oc)) = settings.remove("oauthClient") {
                let mut take = |k: &str| strings(oc.remove(k).as_ref());
                seed.redirect_uris = take("redirect_uris");
                seed.post_logout_redirect_uris = take("post_logout_redirect_uris");
                seed.grant_types = take("grant_types");
                seed.response_types = take("response_types");
                seed.application_type = oc
                    .remove("application_type")
                    .and_then(|v| v.as_str().map(str::to_owned));
                if !oc.is_empty() {
                    settings.insert("oauthClient".into(), Value::Object(oc));
                }
            }
            if let Some(cid) = &seed.client_id {
                client_labels.insert(cid.clone(), seed.label.clone());
                if seed.application_type.as_deref() == Some("service") {
                    seed.admin_roles = client
                        .list(&format!("/oauth2/v1/clients/{cid}/roles"))
                        .await?
                        .iter()
                        .map(|r| text(r, "type"))
                        .collect();
                }
            }
        } else {
            seed.credentials = a
                .get("credentials")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            seed.credentials.remove("signing");
        }
        seed.settings = settings;
        seed.users = client
            .list(&format!("/api/v1/apps/{id}/users"))
            .await?
            .iter()
            .filter(|u| text(u, "scope") == "USER")
            .filter_map(|u| logins.get(&text(u, "id")).cloned())
            .collect();
        seed.groups = client
            .list(&format!("/api/v1/apps/{id}/groups"))
            .await?
            .iter()
            .filter_map(|g| group_names.get(&text(g, "id")).cloned())
            .collect();
        seed.grants = client
            .list(&format!("/api/v1/apps/{id}/grants"))
            .await?
            .iter()
            .map(|g| text(g, "scopeId"))
            .collect();
        file.apps.push(seed);
    }
    // Authorization servers.
    for s in client.list("/api/v1/authorizationServers").await? {
        let base = format!("/api/v1/authorizationServers/{}", text(&s, "id"));
        let custom = |items: Vec<Value>| -> Vec<Named> {
            items
                .iter()
                .filter(|i| i.get("system").and_then(Value::as_bool) != Some(true))
                .map(named)
                .collect()
        };
        let mut policies = Vec::new();
        for p in client.list(&format!("{base}/policies")).await? {
            let rules = client
                .list(&format!("{base}/policies/{}/rules", text(&p, "id")))
                .await?;
            policies.push(SeedAccessPolicy {
                name: text(&p, "name"),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                priority: p
                    .get("priority")
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok()),
                clients: strings(p.pointer("/conditions/clients/include"))
                    .into_iter()
                    .map(|c| client_labels.get(&c).cloned().unwrap_or(c))
                    .collect(),
                rules: rules.iter().map(named).collect(),
            });
        }
        file.authorization_servers.push(SeedAuthServer {
            name: text(&s, "name"),
            description: s
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            audiences: strings(s.get("audiences")),
            issuer_mode: s
                .get("issuerMode")
                .and_then(Value::as_str)
                .map(str::to_owned),
            status: Some(text(&s, "status")),
            scopes: custom(client.list(&format!("{base}/scopes")).await?),
            claims: custom(client.list(&format!("{base}/claims")).await?),
            policies,
        });
    }
    // Policies.
    for policy_type in POLICY_TYPES {
        for p in client
            .list(&format!("/api/v1/policies?type={policy_type}"))
            .await?
        {
            let mut conditions = p
                .get("conditions")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let mut groups = Vec::new();
            if let Some(include) = conditions
                .get_mut("people")
                .and_then(|people| people.get_mut("groups"))
                .and_then(|g| g.as_object_mut())
                .and_then(|g| g.remove("include"))
            {
                groups = strings(Some(&include))
                    .iter()
                    .map(|id| group_names.get(id).cloned().unwrap_or_else(|| id.clone()))
                    .collect();
            }
            prune_empty(&mut conditions);
            let rules = client
                .list(&format!("/api/v1/policies/{}/rules", text(&p, "id")))
                .await?;
            file.policies.push(SeedPolicy {
                policy_type: (*policy_type).to_owned(),
                name: text(&p, "name"),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                priority: p
                    .get("priority")
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok()),
                status: Some(text(&p, "status")),
                groups,
                conditions,
                settings: p
                    .get("settings")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                rules: rules.iter().map(named).collect(),
            });
        }
    }
    file.network_zones = named_list(client, "/api/v1/zones").await?;
    file.trusted_origins = named_list(client, "/api/v1/trustedOrigins").await?;
    file.event_hooks = named_list(client, "/api/v1/eventHooks").await?;
    file.inline_hooks = named_list(client, "/api/v1/inlineHooks").await?;
    Ok(file)
}

/// Every object of a list, as the file holds it.
async fn named_list(client: &Client, path: &str) -> Result<Vec<Named>, Refused> {
    Ok(client.list(path).await?.iter().map(named).collect())
}

/// The factors whose setup the API answers (phone numbers, email): TOTP secrets and
/// question answers are never read back.
fn exported_factor(f: &Value) -> Option<SeedFactor> {
    use super::FactorType;
    let phone = || {
        f.pointer("/profile/phoneNumber")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if text(f, "status") != "ACTIVE" {
        return None;
    }
    let (factor_type, phone_number, email) = match text(f, "factorType").as_str() {
        "sms" => (FactorType::Sms, phone(), None),
        "call" => (FactorType::Call, phone(), None),
        "email" => (
            FactorType::Email,
            None,
            f.pointer("/profile/email")
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
        _ => return None,
    };
    Some(SeedFactor {
        factor_type,
        provider: None,
        shared_secret: None,
        phone_number,
        email,
        question: None,
        answer: None,
    })
}

/// Drops objects left empty (a `people.groups` whose `include` moved to `groups`).
fn prune_empty(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        if let Value::Object(inner) = v {
            prune_empty(inner);
        }
    }
    map.retain(|_, v| !matches!(v, Value::Object(o) if o.is_empty()));
}
