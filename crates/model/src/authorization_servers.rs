//! The Authorization Servers API's objects (authorization-servers.md): what a create or
//! replace of a server, scope, claim, policy or rule may say, and what is stored. Pure
//! functions; the server stores the results in the server's versioned document.
//!
//! Rules, with their sources:
//! - server: `name`, `description` and `audiences` are required; Okta supports one audience,
//!   and an audience with `:` must be a URI ("Limits"); `issuerMode` is `ORG_URL` (there is no
//!   custom domain to issue from); `credentials.signing.rotationMode` is `AUTO` or `MANUAL`;
//! - scope: `name` is printable ASCII without spaces, `"` or `\`, not `okta`, `*`, nor
//!   starting `okta.`/`okta:` ("Scope values" notes), unique per server; `consent` is
//!   `REQUIRED`, `IMPLICIT` or `FLEXIBLE` (default `IMPLICIT`); `metadataPublish` is
//!   `NO_CLIENTS` or `ALL_CLIENTS` (default `NO_CLIENTS`); system scopes cannot change;
//! - claim: `name`, `claimType` (`RESOURCE`/`IDENTITY`), `valueType`
//!   (`EXPRESSION`/`GROUPS`), `value` required; `group_filter_type` (`STARTS_WITH`, `EQUALS`,
//!   `CONTAINS`, `REGEX`) required with `GROUPS`; `alwaysIncludeInToken` is always true for
//!   access-token claims; reserved claim names are refused;
//! - policy: `name`, `description`, `conditions.clients.include` required; `priority` from 1;
//! - rule: `name` and `conditions` required; grant types from the reference's list; token
//!   lifetimes: access 5 minutes to a day, refresh at least the access lifetime (0:
//!   unlimited), refresh window 10 minutes to five years.

use serde_json::{json, Map, Value};

use crate::apps::Causes;
use crate::error::DomainError;

const RESERVED_CLAIMS: &[&str] = &[
    "aud",
    "auth_time",
    "cid",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "scp",
    "sub",
    "uid",
    "ver",
    "amr",
    "idp",
    "nonce",
    "at_hash",
    "c_hash",
];
const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "implicit",
    "password",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:openid:params:grant-type:ciba",
    "interaction_code",
];
const FIVE_YEARS_MINUTES: i64 = 5 * 365 * 24 * 60;

fn text<'v>(object: &'v Map<String, Value>, field: &str, causes: &mut Causes) -> Option<&'v str> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            causes.add(field, "The field must be a string");
            None
        }
    }
}

fn required<'v>(
    object: &'v Map<String, Value>,
    field: &str,
    causes: &mut Causes,
) -> Option<&'v str> {
    let value = text(object, field, causes);
    if value.is_none() && !matches!(object.get(field), Some(v) if !v.is_string() && !v.is_null()) {
        causes.add(field, "The field cannot be left blank");
    }
    value
}

fn one_of<'v>(
    object: &'v Map<String, Value>,
    field: &str,
    allowed: &[&str],
    default: &'v str,
    causes: &mut Causes,
) -> &'v str {
    match text(object, field, causes) {
        None => default,
        Some(v) if allowed.contains(&v) => v,
        Some(v) => {
            causes.add(
                field,
                format!("'{v}' is not one of: {}", allowed.join(", ")),
            );
            default
        }
    }
}

fn flag(object: &Map<String, Value>, field: &str, causes: &mut Causes) -> Option<bool> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            causes.add(field, "The field must be a boolean");
            None
        }
    }
}

fn strings(value: Option<&Value>, field: &str, causes: &mut Causes) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    causes.add(field, "Each value must be a string");
                    None
                }
            })
            .collect(),
        Some(_) => {
            causes.add(field, "The field must be an array of strings");
            Vec::new()
        }
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, DomainError> {
    body.as_object().ok_or(DomainError::MalformedBody)
}

/// A server's settings as a create or replace gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    pub name: String,
    pub description: String,
    pub audiences: Vec<String>,
    pub rotation_mode: String,
}

pub fn server(body: &Value) -> Result<ServerSettings, DomainError> {
    let input = object(body)?;
    let mut causes = Causes::default();
    let name = required(input, "name", &mut causes).map(str::to_owned);
    let description = required(input, "description", &mut causes).map(str::to_owned);
    let audiences = strings(input.get("audiences"), "audiences", &mut causes);
    if audiences.is_empty() {
        causes.add("audiences", "The field cannot be left blank");
    } else if audiences.len() > 1 {
        causes.add("audiences", "Only one audience is supported");
    }
    for audience in &audiences {
        if audience.trim().is_empty() {
            causes.add("audiences", "An audience cannot be blank");
        } else if audience.contains(':') && !crate::apps::is_url(audience) {
            causes.add("audiences", format!("'{audience}' is not a valid URI"));
        }
    }
    if let Some(name) = &name {
        if name.chars().count() > 100 {
            causes.add("name", "The name can be at most 100 characters");
        }
    }
    one_of(input, "issuerMode", &["ORG_URL"], "ORG_URL", &mut causes);
    let signing = input
        .get("credentials")
        .and_then(|c| c.get("signing"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let rotation_mode = one_of(
        &signing,
        "rotationMode",
        &["AUTO", "MANUAL"],
        "AUTO",
        &mut causes,
    )
    .to_owned();
    causes.finish()?;
    Ok(ServerSettings {
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        audiences,
        rotation_mode,
    })
}

/// Whether `name` may name a scope.
fn scope_name_ok(name: &str) -> bool {
    name != "okta"
        && name != "*"
        && !name.starts_with("okta.")
        && !name.starts_with("okta:")
        && name
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        && !(name.contains('<') && name.contains('>'))
}

/// A scope as stored (without `id`, `system`, `created`, `lastUpdated`, which the caller
/// sets).
pub fn scope(body: &Value) -> Result<Map<String, Value>, DomainError> {
    let input = object(body)?;
    let mut causes = Causes::default();
    let name = required(input, "name", &mut causes);
    if let Some(name) = name {
        if !scope_name_ok(name) {
            causes.add(
                "name",
                "A scope name must be printable ASCII without spaces, quotes or backslashes, and must not be 'okta', '*' or start with 'okta.' or 'okta:'",
            );
        }
        if name.len() > 1024 {
            causes.add("name", "The name can be at most 1024 characters");
        }
    }
    let description = text(input, "description", &mut causes);
    let display = text(input, "displayName", &mut causes);
    let consent = one_of(
        input,
        "consent",
        &["REQUIRED", "IMPLICIT", "FLEXIBLE"],
        "IMPLICIT",
        &mut causes,
    );
    let publish = one_of(
        input,
        "metadataPublish",
        &["NO_CLIENTS", "ALL_CLIENTS"],
        "NO_CLIENTS",
        &mut causes,
    );
    let default = flag(input, "default", &mut causes).unwrap_or(false);
    let optional = flag(input, "optional", &mut causes).unwrap_or(false);
    causes.finish()?;
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    if let Some(d) = description {
        out.insert("description".into(), json!(d));
    }
    if let Some(d) = display {
        out.insert("displayName".into(), json!(d));
    }
    out.insert("consent".into(), json!(consent));
    out.insert("optional".into(), json!(optional));
    out.insert("default".into(), json!(default));
    out.insert("metadataPublish".into(), json!(publish));
    Ok(out)
}

/// A claim as stored (without `id` and `system`).
pub fn claim(body: &Value) -> Result<Map<String, Value>, DomainError> {
    let input = object(body)?;
    let mut causes = Causes::default();
    let name = required(input, "name", &mut causes);
    if let Some(n) = name {
        if RESERVED_CLAIMS.contains(&n) {
            causes.add("name", format!("'{n}' is a reserved claim name"));
        }
    }
    let claim_type = required(input, "claimType", &mut causes);
    if let Some(t) = claim_type {
        if !matches!(t, "RESOURCE" | "IDENTITY") {
            causes.add(
                "claimType",
                format!("'{t}' is not one of: RESOURCE, IDENTITY"),
            );
        }
    }
    let value_type = one_of(
        input,
        "valueType",
        &["EXPRESSION", "GROUPS"],
        "EXPRESSION",
        &mut causes,
    );
    let value = required(input, "value", &mut causes);
    let filter = text(input, "group_filter_type", &mut causes);
    match (value_type, filter) {
        ("GROUPS", None) => causes.add(
            "group_filter_type",
            "The field cannot be left blank when 'valueType' is 'GROUPS'",
        ),
        ("GROUPS", Some(f)) if !matches!(f, "STARTS_WITH" | "EQUALS" | "CONTAINS" | "REGEX") => {
            causes.add(
                "group_filter_type",
                format!("'{f}' is not one of: STARTS_WITH, EQUALS, CONTAINS, REGEX"),
            )
        }
        ("EXPRESSION", Some(_)) => causes.add(
            "group_filter_type",
            "'group_filter_type' is allowed only when 'valueType' is 'GROUPS'",
        ),
        _ => {}
    }
    if let (Some(v), "EXPRESSION") = (value, value_type) {
        if let Err(DomainError::Validation { causes: why, .. }) =
            crate::expr::okta_el::parse_value(v)
        {
            for cause in why {
                causes.add("value", cause.trim_start_matches("value: ").to_owned());
            }
        }
    }
    if let (Some(v), "GROUPS", Some("REGEX")) = (value, value_type, filter) {
        if regex::Regex::new(v).is_err() {
            causes.add("value", "The value is not a valid regular expression");
        }
    }
    let status = one_of(
        input,
        "status",
        &["ACTIVE", "INACTIVE"],
        "ACTIVE",
        &mut causes,
    );
    let always = match input.get("alwaysIncludeInToken") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            causes.add("alwaysIncludeInToken", "The field must be a boolean");
            true
        }
    };
    let scopes = strings(
        input.get("conditions").and_then(|c| c.get("scopes")),
        "conditions.scopes",
        &mut causes,
    );
    causes.finish()?;
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    out.insert("status".into(), json!(status));
    out.insert("claimType".into(), json!(claim_type));
    out.insert("valueType".into(), json!(value_type));
    out.insert("value".into(), json!(value));
    // Access-token claims are always included (authorization-servers.md).
    out.insert(
        "alwaysIncludeInToken".into(),
        json!(always || claim_type == Some("RESOURCE")),
    );
    out.insert("conditions".into(), json!({ "scopes": scopes }));
    if let Some(f) = filter {
        out.insert("group_filter_type".into(), json!(f));
    }
    Ok(out)
}

/// A policy as stored (without `id`, `rules`, timestamps).
pub fn policy(body: &Value) -> Result<Map<String, Value>, DomainError> {
    let input = object(body)?;
    let mut causes = Causes::default();
    let name = required(input, "name", &mut causes);
    let description = required(input, "description", &mut causes);
    let clients = strings(
        body.pointer("/conditions/clients/include"),
        "conditions.clients.include",
        &mut causes,
    );
    if clients.is_empty() {
        causes.add(
            "conditions.clients.include",
            "The field cannot be left blank",
        );
    }
    let status = one_of(
        input,
        "status",
        &["ACTIVE", "INACTIVE"],
        "ACTIVE",
        &mut causes,
    );
    let priority = priority(input, &mut causes);
    causes.finish()?;
    let mut out = Map::new();
    out.insert("type".into(), json!("OAUTH_AUTHORIZATION_POLICY"));
    out.insert("name".into(), json!(name));
    out.insert("description".into(), json!(description));
    out.insert("status".into(), json!(status));
    if let Some(p) = priority {
        out.insert("priority".into(), json!(p));
    }
    out.insert("system".into(), json!(false));
    out.insert(
        "conditions".into(),
        json!({ "clients": { "include": clients } }),
    );
    Ok(out)
}

fn priority(input: &Map<String, Value>, causes: &mut Causes) -> Option<i64> {
    match input.get("priority") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(p) if p >= 1 => Some(p),
            _ => {
                causes.add("priority", "The priority must be a whole number from 1");
                None
            }
        },
    }
}

/// A policy rule as stored (without `id`, timestamps).
pub fn rule(body: &Value) -> Result<Map<String, Value>, DomainError> {
    let input = object(body)?;
    let mut causes = Causes::default();
    let name = required(input, "name", &mut causes);
    let conditions = input.get("conditions").and_then(Value::as_object);
    if conditions.is_none() {
        causes.add("conditions", "The field cannot be left blank");
    }
    let grants = strings(
        body.pointer("/conditions/grantTypes/include"),
        "conditions.grantTypes.include",
        &mut causes,
    );
    for g in &grants {
        if !GRANT_TYPES.contains(&g.as_str()) {
            causes.add(
                "conditions.grantTypes.include",
                format!("'{g}' is not a grant type"),
            );
        }
    }
    if conditions.is_some() && grants.is_empty() {
        causes.add(
            "conditions.grantTypes.include",
            "The field cannot be left blank",
        );
    }
    let scopes = strings(
        body.pointer("/conditions/scopes/include"),
        "conditions.scopes.include",
        &mut causes,
    );
    if conditions.is_some() && scopes.is_empty() {
        causes.add(
            "conditions.scopes.include",
            "The field cannot be left blank",
        );
    }
    let list = |path: &str, causes: &mut Causes| strings(body.pointer(path), path, causes);
    let users_in = list("/conditions/people/users/include", &mut causes);
    let users_out = list("/conditions/people/users/exclude", &mut causes);
    let mut groups_in = list("/conditions/people/groups/include", &mut causes);
    let groups_out = list("/conditions/people/groups/exclude", &mut causes);
    if users_in.is_empty() && groups_in.is_empty() {
        groups_in.push("EVERYONE".into());
    }
    let minutes = |field: &str, default: i64, causes: &mut Causes| -> i64 {
        match body.pointer(&format!("/actions/token/{field}")) {
            None | Some(Value::Null) => default,
            Some(v) => v.as_i64().unwrap_or_else(|| {
                causes.add(
                    format!("actions.token.{field}"),
                    "The field must be a whole number",
                );
                default
            }),
        }
    };
    let access = minutes("accessTokenLifetimeMinutes", 60, &mut causes);
    let refresh = minutes("refreshTokenLifetimeMinutes", 0, &mut causes);
    let window = minutes("refreshTokenWindowMinutes", 10_080, &mut causes);
    if !(5..=1440).contains(&access) {
        causes.add(
            "actions.token.accessTokenLifetimeMinutes",
            "The access token lifetime must be from 5 minutes to 1 day",
        );
    }
    if refresh != 0 && refresh < access {
        causes.add(
            "actions.token.refreshTokenLifetimeMinutes",
            "The refresh token lifetime must be at least the access token lifetime",
        );
    }
    if !(10..=FIVE_YEARS_MINUTES).contains(&window) || (refresh != 0 && window > refresh) {
        causes.add(
            "actions.token.refreshTokenWindowMinutes",
            "The refresh token window must be from 10 minutes to 5 years, and no longer than the refresh token lifetime",
        );
    }
    let status = one_of(
        input,
        "status",
        &["ACTIVE", "INACTIVE"],
        "ACTIVE",
        &mut causes,
    );
    let priority = priority(input, &mut causes);
    causes.finish()?;
    let mut out = Map::new();
    out.insert("type".into(), json!("RESOURCE_ACCESS"));
    out.insert("name".into(), json!(name));
    out.insert("status".into(), json!(status));
    if let Some(p) = priority {
        out.insert("priority".into(), json!(p));
    }
    out.insert("system".into(), json!(false));
    out.insert(
        "conditions".into(),
        json!({
            "people": {
                "users": { "include": users_in, "exclude": users_out },
                "groups": { "include": groups_in, "exclude": groups_out }
            },
            "grantTypes": { "include": grants },
            "scopes": { "include": scopes }
        }),
    );
    out.insert(
        "actions".into(),
        json!({ "token": {
            "accessTokenLifetimeMinutes": access,
            "refreshTokenLifetimeMinutes": refresh,
            "refreshTokenWindowMinutes": window
        } }),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn causes(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Validation { causes, .. } => causes,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn servers_need_a_name_description_and_one_audience() {
        let ok =
            server(&json!({ "name": "a", "description": "d", "audiences": ["api://a"] })).unwrap();
        assert_eq!(ok.rotation_mode, "AUTO");
        let bad = causes(server(&json!({ "audiences": ["x", "y"] })).unwrap_err());
        assert!(bad.iter().any(|c| c.starts_with("name:")), "{bad:?}");
        assert!(bad.iter().any(|c| c.starts_with("description:")), "{bad:?}");
        assert!(bad.iter().any(|c| c.starts_with("audiences:")), "{bad:?}");
        assert!(server(
            &json!({ "name": "a", "description": "d", "audiences": ["a"],
            "credentials": { "signing": { "rotationMode": "SOMETIMES" } } })
        )
        .is_err());
    }

    #[test]
    fn scope_names_follow_okta_s_rules() {
        for bad in [
            "okta",
            "*",
            "okta.users.read",
            "okta:x",
            "has space",
            "q\"uote",
            "<a>",
        ] {
            assert!(scope(&json!({ "name": bad })).is_err(), "{bad}");
        }
        let s = scope(&json!({ "name": "car:drive" })).unwrap();
        assert_eq!(s["consent"], "IMPLICIT");
        assert_eq!(s["metadataPublish"], "NO_CLIENTS");
    }

    #[test]
    fn claims_check_types_and_group_filters() {
        let c = claim(&json!({ "name": "dept", "claimType": "RESOURCE",
            "valueType": "EXPRESSION", "value": "user.department", "alwaysIncludeInToken": false }))
        .unwrap();
        assert_eq!(c["alwaysIncludeInToken"], true);
        assert!(claim(&json!({ "name": "sub", "claimType": "RESOURCE", "value": "x" })).is_err());
        assert!(claim(
            &json!({ "name": "g", "claimType": "IDENTITY", "valueType": "GROUPS",
            "value": "x" })
        )
        .is_err());
        assert!(claim(
            &json!({ "name": "g", "claimType": "IDENTITY", "valueType": "GROUPS",
            "value": "(", "group_filter_type": "REGEX" })
        )
        .is_err());
    }

    #[test]
    fn rules_bound_token_lifetimes() {
        let base = json!({ "name": "r", "conditions": {
            "grantTypes": { "include": ["authorization_code"] }, "scopes": { "include": ["*"] } } });
        let r = rule(&base).unwrap();
        assert_eq!(
            r["conditions"]["people"]["groups"]["include"],
            json!(["EVERYONE"])
        );
        let mut short = base.clone();
        short["actions"] = json!({ "token": { "accessTokenLifetimeMinutes": 4 } });
        assert!(rule(&short).is_err());
        let mut window = base.clone();
        window["actions"] = json!({ "token": { "refreshTokenLifetimeMinutes": 100,
            "refreshTokenWindowMinutes": 200 } });
        assert!(rule(&window).is_err());
        let mut grant = base;
        grant["conditions"]["grantTypes"]["include"] = json!(["magic"]);
        assert!(rule(&grant).is_err());
    }
}
