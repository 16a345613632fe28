//! The MFA_ENROLL policy (policy.md, "Multifactor (MFA) Enrollment Policy": Policy Factors
//! Configuration, Policy MFA Factor and Factor Enroll objects, Rules Actions Enroll object;
//! the spec's `AuthenticatorEnrollmentPolicySettings` for the `AUTHENTICATORS` form).
//!
//! Settings name factors by key with `enroll.self` NOT_ALLOWED, OPTIONAL or REQUIRED
//! (`type: FACTORS`, Classic), or list authenticators (`type: AUTHENTICATORS`, Identity
//! Engine). Rules carry `enroll.self`: CHALLENGE, LOGIN or NEVER.

use serde_json::{json, Map, Value};

use crate::error::DomainError;

/// The factor keys of the Policy Factors Configuration object.
pub const FACTOR_KEYS: [&str; 14] = [
    "duo",
    "fido_u2f",
    "fido_webauthn",
    "google_otp",
    "okta_call",
    "okta_email",
    "okta_otp",
    "okta_password",
    "okta_push",
    "okta_question",
    "okta_sms",
    "rsa_token",
    "symantec_vip",
    "yubikey_token",
];

const ENROLL_SELF: [&str; 3] = ["NOT_ALLOWED", "OPTIONAL", "REQUIRED"];

fn invalid(field: &str, cause: &str) -> DomainError {
    DomainError::invalid(field, format!("{field}: {cause}"))
}

/// `enroll.self` of one factor or authenticator, default NOT_ALLOWED.
fn enroll_of(field: &str, value: &Value) -> Result<Value, DomainError> {
    let this = value
        .get("enroll")
        .and_then(|e| e.get("self"))
        .filter(|v| !v.is_null());
    let chosen = match this {
        None => "NOT_ALLOWED",
        Some(Value::String(s)) if ENROLL_SELF.contains(&s.as_str()) => s.as_str(),
        Some(_) => {
            return Err(invalid(
                &format!("{field}.enroll.self"),
                "The value must be NOT_ALLOWED, OPTIONAL or REQUIRED.",
            ))
        }
    };
    Ok(json!({ "self": chosen }))
}

/// Authenticator keys (the `AUTHENTICATORS` form, Okta's SDKs from 8.x) and the factor keys
/// each one stands for. An authenticator's `enroll.self` applies to all of its factors.
pub const AUTHENTICATOR_FACTORS: [(&str, &[&str]); 11] = [
    ("okta_password", &["okta_password"]),
    ("okta_email", &["okta_email"]),
    ("phone_number", &["okta_sms", "okta_call"]),
    ("security_question", &["okta_question"]),
    ("google_otp", &["google_otp"]),
    ("okta_verify", &["okta_otp", "okta_push"]),
    ("webauthn", &["fido_webauthn", "fido_u2f"]),
    ("duo", &["duo"]),
    ("rsa_token", &["rsa_token"]),
    ("symantec_vip", &["symantec_vip"]),
    ("yubikey_token", &["yubikey_token"]),
];

/// How strongly `enroll.self` asks (to merge the factors of one authenticator).
fn strength(enroll: &str) -> u8 {
    match enroll {
        "REQUIRED" => 2,
        "OPTIONAL" => 1,
        _ => 0,
    }
}

fn enroll_self(entry: &Value) -> &str {
    entry
        .get("enroll")
        .and_then(|e| e.get("self"))
        .and_then(Value::as_str)
        .unwrap_or("NOT_ALLOWED")
}

/// The `authenticators` list that says what `factors` says: an authenticator for each group of
/// factors present, with the strongest `enroll.self` among them.
pub fn authenticators_of(factors: &Map<String, Value>) -> Vec<Value> {
    AUTHENTICATOR_FACTORS
        .iter()
        .filter_map(|(key, keys)| {
            let present: Vec<&str> = keys
                .iter()
                .filter_map(|k| factors.get(*k).map(enroll_self))
                .collect();
            let chosen = present.into_iter().max_by_key(|e| strength(e))?;
            Some(json!({ "key": key, "enroll": { "self": chosen } }))
        })
        .collect()
}

fn factor_entry(enroll: &Value) -> Value {
    json!({ "enroll": enroll, "consent": { "type": "NONE" } })
}

/// `settings.factors` as given: keys checked, each `enroll.self` checked.
fn parse_factors(given: &Value) -> Result<Map<String, Value>, DomainError> {
    let Value::Object(given) = given else {
        return Err(invalid("settings.factors", "The value must be an object."));
    };
    let mut factors = Map::new();
    for (key, value) in given {
        if !FACTOR_KEYS.contains(&key.as_str()) {
            return Err(invalid(
                "settings.factors",
                &format!("{key} is not a factor an enrollment policy can name."),
            ));
        }
        let enroll = enroll_of(&format!("settings.factors.{key}"), value)?;
        factors.insert(key.clone(), factor_entry(&enroll));
    }
    Ok(factors)
}

/// `settings.authenticators` as given, as the factors they stand for.
fn parse_authenticators(given: &Value) -> Result<Map<String, Value>, DomainError> {
    let Value::Array(items) = given else {
        return Err(invalid(
            "settings.authenticators",
            "The value must be an array.",
        ));
    };
    let mut factors = Map::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("settings.authenticators[{i}]");
        let key = item
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid(&format!("{field}.key"), "The field cannot be left blank"))?;
        let Some((_, keys)) = AUTHENTICATOR_FACTORS.iter().find(|(k, _)| *k == key) else {
            return Err(invalid(
                &format!("{field}.key"),
                &format!("{key} is not an authenticator this server can enroll."),
            ));
        };
        let enroll = enroll_of(&field, item)?;
        // Okta Verify push and U2F cannot be enrolled here: an authenticator sets only the
        // factors this server has (a Classic `factors` map may still name them).
        for k in keys
            .iter()
            .filter(|k| !matches!(**k, "okta_push" | "fido_u2f"))
        {
            factors.insert((*k).to_owned(), factor_entry(&enroll));
        }
    }
    Ok(factors)
}

/// Validates `settings` of a new MFA_ENROLL policy. Both forms are accepted whatever `type`
/// says — `factors` keyed by factor (Classic) and `authenticators` listed by key (what
/// Okta's SDKs from 8.x send back) — and both are stored, each saying the same: the factors
/// decide, the authenticators are derived from them. When both are given they must agree;
/// a setting that cannot be stored is refused, never dropped.
pub fn validate_settings(raw: Option<&Value>) -> Result<Value, DomainError> {
    validate_settings_over(None, raw)
}

/// [`validate_settings`] for a replace of a policy whose settings are `current`. A client
/// that read the policy sends both forms back and edits one: the form that still says what
/// `current` says is the stale one, and the edited one decides. Both edited, they must agree.
pub fn validate_settings_over(
    current: Option<&Value>,
    raw: Option<&Value>,
) -> Result<Value, DomainError> {
    let map = match raw {
        None | Some(Value::Null) => return Ok(default_settings()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("settings", "The value must be an object.")),
    };
    let given = |k: &str| map.get(k).filter(|v| !v.is_null());
    let kind = match map.get("type").and_then(Value::as_str) {
        Some(t @ ("FACTORS" | "AUTHENTICATORS")) => t,
        None if given("factors").is_none() && given("authenticators").is_some() => "AUTHENTICATORS",
        None => "FACTORS",
        Some(_) => {
            return Err(invalid(
                "settings.type",
                "The value must be FACTORS or AUTHENTICATORS.",
            ))
        }
    };
    let factors = match (given("factors"), given("authenticators")) {
        (Some(f), None) => parse_factors(f)?,
        (None, Some(a)) => parse_authenticators(a)?,
        (None, None) => Map::new(),
        (Some(f), Some(a)) => {
            let factors = parse_factors(f)?;
            let from_list = parse_authenticators(a)?;
            let listed = authenticators_of(&from_list);
            let derived = authenticators_of(&factors);
            let before = current
                .and_then(|c| c.get("factors"))
                .and_then(Value::as_object)
                .map(|f| {
                    let f: Map<String, Value> = f
                        .iter()
                        .map(|(k, v)| (k.clone(), factor_entry(&json!({ "self": enroll_self(v) }))))
                        .collect();
                    (authenticators_of(&f), f)
                });
            if let Some((before_list, before_factors)) = &before {
                if &listed == before_list {
                    // The list is as it was read: the factors were edited.
                    return Ok(stored(kind, factors));
                }
                if &factors == before_factors {
                    // The factors are as they were read: the list was edited.
                    return Ok(stored(kind, from_list));
                }
            }
            if let Some(differs) = listed.iter().find(|x| !derived.contains(x)) {
                return Err(invalid(
                    "settings.authenticators",
                    &format!(
                        "{} does not say what settings.factors says.",
                        differs["key"].as_str().unwrap_or_default()
                    ),
                ));
            }
            factors
        }
    };
    Ok(stored(kind, factors))
}

/// The stored form: `type`, the factors, and the authenticators derived from them.
fn stored(kind: &str, factors: Map<String, Value>) -> Value {
    let authenticators = authenticators_of(&factors);
    json!({ "type": kind, "factors": factors, "authenticators": authenticators })
}

/// The default MFA enrollment policy of a new org: every factor this server can enroll,
/// each optional.
pub fn default_settings() -> Value {
    let factor = json!({ "enroll": { "self": "OPTIONAL" }, "consent": { "type": "NONE" } });
    let mut factors = Map::new();
    for key in [
        "okta_otp",
        "google_otp",
        "okta_question",
        "okta_sms",
        "okta_call",
        "okta_email",
        "fido_webauthn",
    ] {
        factors.insert(key.to_owned(), factor.clone());
    }
    let authenticators = authenticators_of(&factors);
    json!({ "type": "FACTORS", "factors": factors, "authenticators": authenticators })
}

/// Validates `actions` of an MFA_ENROLL rule: `enroll.self` is required.
pub fn validate_actions(raw: Option<&Value>) -> Result<Value, DomainError> {
    let this = raw
        .and_then(|a| a.get("enroll"))
        .and_then(|e| e.get("self"))
        .filter(|v| !v.is_null());
    match this {
        None => Err(invalid(
            "actions.enroll.self",
            "The field cannot be left blank",
        )),
        Some(Value::String(s)) if matches!(s.as_str(), "CHALLENGE" | "LOGIN" | "NEVER") => {
            Ok(json!({ "enroll": { "self": s } }))
        }
        Some(_) => Err(invalid(
            "actions.enroll.self",
            "The value must be CHALLENGE, LOGIN or NEVER.",
        )),
    }
}

pub fn default_actions() -> Value {
    json!({ "enroll": { "self": "CHALLENGE" } })
}
