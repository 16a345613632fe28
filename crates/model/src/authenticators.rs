//! The org's authenticators (the Authenticators API; the spec's Authenticator tag): the
//! authenticators a Classic org with this server's factor types has, what each one covers,
//! and the rules for changing one.
//!
//! An authenticator stands for factor kinds (`phone_number` for SMS and voice call, ...).
//! An INACTIVE authenticator turns its factors off for the whole org: they leave every
//! catalog and cannot be enrolled ("Factor not enabled."), whatever the MFA_ENROLL policy
//! says. The policy then decides per user among the ACTIVE ones.

use serde_json::{json, Map, Value};

use crate::error::DomainError;
use crate::factors::FactorKind;

/// One authenticator of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub key: &'static str,
    /// The authenticator `type` (AuthenticatorType).
    pub kind: &'static str,
    pub name: &'static str,
    /// Its methods (`/methods`), with whether this server supports each one.
    pub methods: &'static [(&'static str, bool)],
    /// Whether an admin may deactivate it (the password authenticator stays).
    pub can_deactivate: bool,
}

/// The authenticators of a new org, in list order.
pub const CATALOG: [Spec; 7] = [
    Spec {
        key: "okta_email",
        kind: "email",
        name: "Email",
        methods: &[("email", true)],
        can_deactivate: true,
    },
    Spec {
        key: "okta_password",
        kind: "password",
        name: "Password",
        methods: &[("password", true)],
        can_deactivate: false,
    },
    Spec {
        key: "phone_number",
        kind: "phone",
        name: "Phone",
        methods: &[("sms", true), ("voice", true)],
        can_deactivate: true,
    },
    Spec {
        key: "security_question",
        kind: "security_question",
        name: "Security Question",
        methods: &[("security_question", true)],
        can_deactivate: true,
    },
    Spec {
        key: "google_otp",
        kind: "app",
        name: "Google Authenticator",
        methods: &[("otp", true)],
        can_deactivate: true,
    },
    Spec {
        key: "okta_verify",
        kind: "app",
        name: "Okta Verify",
        methods: &[("totp", true), ("push", false), ("signed_nonce", false)],
        can_deactivate: true,
    },
    Spec {
        key: "webauthn",
        kind: "security_key",
        name: "Security Key or Biometric",
        methods: &[("webauthn", true)],
        can_deactivate: true,
    },
];

/// The catalog entry of `key`.
pub fn spec(key: &str) -> Option<&'static Spec> {
    CATALOG.iter().find(|s| s.key == key)
}

/// The authenticator that covers a factor kind.
pub const fn key_of(kind: FactorKind) -> &'static str {
    match kind {
        FactorKind::Question => "security_question",
        FactorKind::Sms | FactorKind::Call => "phone_number",
        FactorKind::Email => "okta_email",
        FactorKind::OktaTotp => "okta_verify",
        FactorKind::GoogleTotp => "google_otp",
        FactorKind::WebAuthn => "webauthn",
    }
}

/// The MFA_ENROLL factor keys a method of an authenticator stands for (`phone_number`'s
/// `sms` is `okta_sms`, ...); empty for a method that has no factor of its own here.
pub fn method_factor_keys(key: &str, method: &str) -> &'static [&'static str] {
    match (key, method) {
        ("phone_number", "sms") => &["okta_sms"],
        ("phone_number", "voice") => &["okta_call"],
        ("okta_verify", "totp") => &["okta_otp"],
        ("okta_email", "email") => &["okta_email"],
        ("security_question", "security_question") => &["okta_question"],
        ("google_otp", "otp") => &["google_otp"],
        ("webauthn", "webauthn") => &["fido_webauthn"],
        ("okta_password", "password") => &["okta_password"],
        _ => &[],
    }
}

/// The methods of `inactive` (the stored, space-separated list).
pub fn inactive_methods(inactive: &str) -> impl Iterator<Item = &str> {
    inactive.split_whitespace()
}

/// `allowedFor` values (AllowedForEnum).
pub const ALLOWED_FOR: [&str; 4] = ["any", "none", "recovery", "sso"];

/// The settings an authenticator starts with (`{}` for those without settings).
pub fn default_settings(key: &str) -> Value {
    match key {
        "okta_email" => json!({ "allowedFor": "any", "tokenLifetimeInMinutes": 5 }),
        "phone_number" | "security_question" => json!({ "allowedFor": "any" }),
        _ => json!({}),
    }
}

fn invalid(field: &str, cause: &str) -> DomainError {
    DomainError::invalid(field, format!("{field}: {cause}"))
}

/// Validates the `settings` of a replace of `key`'s authenticator: the authenticators with
/// settings take `allowedFor` (and the email one `tokenLifetimeInMinutes`, 1 to 1440); a
/// setting this server does not know is refused, not dropped. Absent settings keep `current`.
pub fn validate_settings(
    key: &str,
    given: Option<&Value>,
    current: &Value,
) -> Result<Value, DomainError> {
    let map = match given {
        None | Some(Value::Null) => return Ok(current.clone()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("settings", "The value must be an object.")),
    };
    let known: &[&str] = match key {
        "okta_email" => &["allowedFor", "tokenLifetimeInMinutes"],
        "phone_number" | "security_question" => &["allowedFor"],
        _ => &[],
    };
    let mut out: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    for (name, value) in map {
        if !known.contains(&name.as_str()) {
            return Err(invalid(
                &format!("settings.{name}"),
                "This authenticator has no such setting.",
            ));
        }
        match name.as_str() {
            "allowedFor" => {
                if !value.as_str().is_some_and(|v| ALLOWED_FOR.contains(&v)) {
                    return Err(invalid(
                        "settings.allowedFor",
                        "The value must be any, none, recovery or sso.",
                    ));
                }
            }
            _ => {
                if !value.as_i64().is_some_and(|m| (1..=1440).contains(&m)) {
                    return Err(invalid(
                        "settings.tokenLifetimeInMinutes",
                        "The value must be a whole number of minutes from 1 to 1440.",
                    ));
                }
            }
        }
        out.insert(name.clone(), value.clone());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::factors::SUPPORTED;

    #[test]
    fn every_supported_factor_kind_has_an_authenticator() {
        for kind in SUPPORTED {
            assert!(spec(key_of(kind)).is_some(), "{kind:?}");
        }
        let mut keys: Vec<_> = CATALOG.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CATALOG.len());
    }

    #[test]
    fn every_supported_method_names_its_factor() {
        for spec in CATALOG {
            for (method, supported) in spec.methods {
                assert_eq!(
                    !method_factor_keys(spec.key, method).is_empty(),
                    *supported,
                    "{} {method}",
                    spec.key
                );
            }
        }
    }

    #[test]
    fn settings_are_checked_and_kept() {
        let current = default_settings("okta_email");
        let next = validate_settings(
            "okta_email",
            Some(&json!({ "tokenLifetimeInMinutes": 10 })),
            &current,
        )
        .unwrap();
        assert_eq!(
            next,
            json!({ "allowedFor": "any", "tokenLifetimeInMinutes": 10 })
        );
        assert_eq!(
            validate_settings("okta_email", None, &current).unwrap(),
            current
        );
        for (key, bad) in [
            ("okta_email", json!({ "tokenLifetimeInMinutes": 0 })),
            ("okta_email", json!({ "allowedFor": "everyone" })),
            ("phone_number", json!({ "tokenLifetimeInMinutes": 5 })),
            ("google_otp", json!({ "allowedFor": "any" })),
        ] {
            assert!(
                validate_settings(key, Some(&bad), &json!({})).is_err(),
                "{key} {bad}"
            );
        }
    }
}
