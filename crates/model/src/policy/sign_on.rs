//! The OKTA_SIGN_ON (global session) policy's rule actions (policy.md, "Global session
//! policy": Signon Action object and Signon Session object). The policy itself has no
//! settings; all of its data is in the rules.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::read;
use crate::error::DomainError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub use_persistent_cookie: bool,
    pub max_session_idle_minutes: i64,
    pub max_session_lifetime_minutes: i64,
}

/// The `signon` action, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signon {
    pub access: String,
    pub require_factor: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_factor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_prompt_mode: Option<String>,
    pub remember_device_by_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_lifetime: Option<i64>,
    pub session: Session,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionIn {
    use_persistent_cookie: Option<bool>,
    max_session_idle_minutes: Option<i64>,
    max_session_lifetime_minutes: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignonIn {
    access: Option<String>,
    require_factor: Option<bool>,
    primary_factor: Option<String>,
    factor_prompt_mode: Option<String>,
    remember_device_by_default: Option<bool>,
    factor_lifetime: Option<i64>,
    session: Option<SessionIn>,
}

#[derive(Debug, Default, Deserialize)]
struct ActionsIn {
    signon: Option<SignonIn>,
}

fn invalid(field: &str, cause: &str) -> DomainError {
    DomainError::invalid(field, format!("{field}: {cause}"))
}

/// Validates `actions` of a SIGN_ON rule: `signon.access` is required; `factorPromptMode`
/// and `factorLifetime` are required when `requireFactor` is true.
pub fn validate_actions(raw: Option<&Value>) -> Result<Value, DomainError> {
    let input: ActionsIn = match raw {
        None | Some(Value::Null) => ActionsIn::default(),
        Some(v) => read("actions", v)?,
    };
    let s = input.signon.unwrap_or_default();
    let access = s
        .access
        .ok_or_else(|| invalid("actions.signon.access", "The field cannot be left blank"))?;
    if !matches!(access.as_str(), "ALLOW" | "DENY") {
        return Err(invalid(
            "actions.signon.access",
            "The value must be ALLOW or DENY.",
        ));
    }
    let require_factor = s.require_factor.unwrap_or(false);
    if let Some(mode) = &s.factor_prompt_mode {
        if !matches!(mode.as_str(), "DEVICE" | "SESSION" | "ALWAYS") {
            return Err(invalid(
                "actions.signon.factorPromptMode",
                "The value must be DEVICE, SESSION or ALWAYS.",
            ));
        }
    }
    if let Some(primary) = &s.primary_factor {
        if !matches!(primary.as_str(), "PASSWORD_IDP_ANY_FACTOR" | "PASSWORD_IDP") {
            return Err(invalid(
                "actions.signon.primaryFactor",
                "The value must be PASSWORD_IDP_ANY_FACTOR or PASSWORD_IDP.",
            ));
        }
    }
    if require_factor {
        if s.factor_prompt_mode.is_none() {
            return Err(invalid(
                "actions.signon.factorPromptMode",
                "The field is required when requireFactor is true.",
            ));
        }
        if s.factor_lifetime.is_none() {
            return Err(invalid(
                "actions.signon.factorLifetime",
                "The field is required when requireFactor is true.",
            ));
        }
    }
    if s.factor_lifetime.is_some_and(|m| m < 0) {
        return Err(invalid(
            "actions.signon.factorLifetime",
            "The value must not be negative.",
        ));
    }
    let session = s.session.unwrap_or_default();
    let idle = session.max_session_idle_minutes.unwrap_or(120);
    let lifetime = session.max_session_lifetime_minutes.unwrap_or(0);
    if idle < 1 || lifetime < 0 {
        return Err(invalid(
            "actions.signon.session",
            "Session lifetimes must be positive (maxSessionLifetimeMinutes 0 means no limit).",
        ));
    }
    let signon = Signon {
        access,
        require_factor,
        primary_factor: s.primary_factor,
        factor_prompt_mode: s.factor_prompt_mode,
        remember_device_by_default: s.remember_device_by_default.unwrap_or(false),
        factor_lifetime: s.factor_lifetime,
        session: Session {
            use_persistent_cookie: session.use_persistent_cookie.unwrap_or(false),
            max_session_idle_minutes: idle,
            max_session_lifetime_minutes: lifetime,
        },
    };
    Ok(serde_json::json!({ "signon": signon }))
}

pub fn default_actions() -> Value {
    serde_json::json!({
        "signon": {
            "access": "ALLOW",
            "requireFactor": false,
            "rememberDeviceByDefault": false,
            "session": {
                "usePersistentCookie": false,
                "maxSessionIdleMinutes": 120,
                "maxSessionLifetimeMinutes": 0
            }
        }
    })
}

/// The `signon` action of a stored rule.
pub fn signon_of(actions: &Value) -> Option<Signon> {
    actions
        .get("signon")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// Whether a factor the rule requires is already satisfied for this sign-in
/// (`factorPromptMode`): ALWAYS never; SESSION when the caller's session verified a factor
/// within `factorLifetime` minutes; DEVICE when the device was remembered after a factor
/// within that lifetime (the caller passes what it found).
pub fn factor_satisfied(
    signon: &Signon,
    now: i64,
    session_factor_at: Option<i64>,
    device_remembered_until: Option<i64>,
) -> bool {
    let lifetime_ms = signon.factor_lifetime.unwrap_or(0).saturating_mul(60_000);
    match signon.factor_prompt_mode.as_deref() {
        Some("SESSION") => session_factor_at.is_some_and(|at| now - at < lifetime_ms),
        Some("DEVICE") => device_remembered_until.is_some_and(|until| now < until),
        _ => false,
    }
}

#[cfg(test)]
mod prompt_tests {
    use super::*;

    fn signon(mode: &str, lifetime: i64) -> Signon {
        Signon {
            access: "ALLOW".into(),
            require_factor: true,
            primary_factor: None,
            factor_prompt_mode: Some(mode.into()),
            remember_device_by_default: false,
            factor_lifetime: Some(lifetime),
            session: Session {
                use_persistent_cookie: false,
                max_session_idle_minutes: 120,
                max_session_lifetime_minutes: 0,
            },
        }
    }

    #[test]
    fn prompt_modes() {
        let now = 10_000_000;
        let always = signon("ALWAYS", 15);
        assert!(!factor_satisfied(&always, now, Some(now), Some(now + 1)));
        let session = signon("SESSION", 15);
        assert!(factor_satisfied(
            &session,
            now,
            Some(now - 14 * 60_000),
            None
        ));
        assert!(!factor_satisfied(
            &session,
            now,
            Some(now - 15 * 60_000),
            None
        ));
        assert!(!factor_satisfied(&session, now, None, Some(now + 1)));
        let device = signon("DEVICE", 15);
        assert!(factor_satisfied(&device, now, None, Some(now + 1)));
        assert!(!factor_satisfied(&device, now, None, Some(now)));
        assert!(!factor_satisfied(&device, now, Some(now), None));
    }
}
