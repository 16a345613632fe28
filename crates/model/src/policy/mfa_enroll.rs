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

/// Validates `settings` of an MFA_ENROLL policy.
pub fn validate_settings(raw: Option<&Value>) -> Result<Value, DomainError> {
    let map = match raw {
        None | Some(Value::Null) => return Ok(default_settings()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("settings", "The value must be an object.")),
    };
    let kind = map.get("type").and_then(Value::as_str).unwrap_or(
        if map.get("authenticators").is_some_and(|v| !v.is_null()) {
            "AUTHENTICATORS"
        } else {
            "FACTORS"
        },
    );
    match kind {
        "FACTORS" => {
            let mut factors = Map::new();
            match map.get("factors") {
                None | Some(Value::Null) => {}
                Some(Value::Object(given)) => {
                    for (key, value) in given {
                        if !FACTOR_KEYS.contains(&key.as_str()) {
                            return Err(invalid(
                                "settings.factors",
                                &format!("{key} is not a factor an enrollment policy can name."),
                            ));
                        }
                        let enroll = enroll_of(&format!("settings.factors.{key}"), value)?;
                        factors.insert(
                            key.clone(),
                            json!({ "enroll": enroll, "consent": { "type": "NONE" } }),
                        );
                    }
                }
                Some(_) => return Err(invalid("settings.factors", "The value must be an object.")),
            }
            Ok(json!({ "type": "FACTORS", "factors": factors }))
        }
        "AUTHENTICATORS" => {
            let mut out = Vec::new();
            match map.get("authenticators") {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let field = format!("settings.authenticators[{i}]");
                        let key = item
                            .get("key")
                            .and_then(Value::as_str)
                            .filter(|k| !k.is_empty())
                            .ok_or_else(|| {
                                invalid(&format!("{field}.key"), "The field cannot be left blank")
                            })?;
                        out.push(json!({ "key": key, "enroll": enroll_of(&field, item)? }));
                    }
                }
                Some(_) => {
                    return Err(invalid(
                        "settings.authenticators",
                        "The value must be an array.",
                    ))
                }
            }
            Ok(json!({ "type": "AUTHENTICATORS", "authenticators": out }))
        }
        _ => Err(invalid(
            "settings.type",
            "The value must be FACTORS or AUTHENTICATORS.",
        )),
    }
}

/// The default MFA enrollment policy of a new Classic org: the factors a fresh org offers,
/// each optional.
pub fn default_settings() -> Value {
    let factor = json!({ "enroll": { "self": "OPTIONAL" }, "consent": { "type": "NONE" } });
    json!({
        "type": "FACTORS",
        "factors": {
            "okta_otp": factor,
            "okta_question": factor,
            "okta_sms": factor,
            "okta_email": factor,
        }
    })
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
