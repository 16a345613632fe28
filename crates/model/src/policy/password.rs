//! The PASSWORD policy's data (policy.md, "Password Policy": Policy Settings data, Password,
//! Complexity, Age, Lockout, Recovery and Delegation objects, Password Rules Action data).
//!
//! A new policy's settings are filled with the documented per-field defaults; the default
//! policy of a new org is Okta's org default (complexity as `crate::password::PasswordPolicy`
//! default, a history of 4, lockout after 10 attempts). Ranges follow what Okta's admin
//! console accepts: `minLength` 4..=30, `historyCount` 0..=30, `maxAgeDays` 0..=999,
//! `expireWarnDays` 0..=30, `minAgeMinutes` 0..=9999, `maxAttempts` 0..=100.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::read;
use crate::error::DomainError;
use crate::password::PasswordPolicy;

/// The complexity object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Complexity {
    pub min_length: i64,
    pub min_lower_case: i64,
    pub min_upper_case: i64,
    pub min_number: i64,
    pub min_symbol: i64,
    pub exclude_username: bool,
    pub dictionary: Dictionary,
    pub exclude_attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dictionary {
    pub common: CommonLookup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonLookup {
    pub exclude: bool,
}

/// The age object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Age {
    pub max_age_days: i64,
    pub expire_warn_days: i64,
    pub min_age_minutes: i64,
    pub history_count: i64,
}

/// The lockout object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lockout {
    pub max_attempts: i64,
    pub auto_unlock_minutes: i64,
    pub show_lockout_failures: bool,
    #[serde(default)]
    pub user_lockout_notification_channels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSettings {
    pub complexity: Complexity,
    pub age: Age,
    pub lockout: Lockout,
}

/// The whole `settings` of a PASSWORD policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub password: PasswordSettings,
    pub recovery: Value,
    pub delegation: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComplexityIn {
    min_length: Option<i64>,
    min_lower_case: Option<i64>,
    min_upper_case: Option<i64>,
    min_number: Option<i64>,
    min_symbol: Option<i64>,
    exclude_username: Option<bool>,
    dictionary: Option<DictionaryIn>,
    exclude_attributes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct DictionaryIn {
    common: Option<CommonIn>,
}

#[derive(Debug, Default, Deserialize)]
struct CommonIn {
    exclude: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgeIn {
    max_age_days: Option<i64>,
    expire_warn_days: Option<i64>,
    min_age_minutes: Option<i64>,
    history_count: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LockoutIn {
    max_attempts: Option<i64>,
    auto_unlock_minutes: Option<i64>,
    show_lockout_failures: Option<bool>,
    user_lockout_notification_channels: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct PasswordIn {
    complexity: Option<ComplexityIn>,
    age: Option<AgeIn>,
    lockout: Option<LockoutIn>,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsIn {
    password: Option<PasswordIn>,
    recovery: Option<Value>,
    delegation: Option<Value>,
}

/// Whether self-service recovery of `recovery_type` (PASSWORD or UNLOCK) may use `factor`
/// (EMAIL, SMS, CALL, or None for a trusted application's recovery token): the rule's
/// `selfServicePasswordReset` / `selfServiceUnlock` access must be ALLOW, and the factor's
/// `recovery.factors.okta_*` status ACTIVE.
pub fn recovery_allows(
    settings: &Settings,
    rule_actions: Option<&Value>,
    recovery_type: &str,
    factor: Option<&str>,
) -> bool {
    let action = if recovery_type == "UNLOCK" {
        "selfServiceUnlock"
    } else {
        "selfServicePasswordReset"
    };
    let allowed = rule_actions
        .and_then(|a| a.get(action))
        .and_then(|a| a.get("access"))
        .and_then(Value::as_str)
        == Some("ALLOW");
    let key = match factor {
        None => return allowed,
        Some("EMAIL") => "okta_email",
        Some("SMS") => "okta_sms",
        Some("CALL") => "okta_call",
        Some(_) => return false,
    };
    allowed && recovery_factor_active(settings, key)
}

fn recovery_factor_active(settings: &Settings, key: &str) -> bool {
    settings
        .recovery
        .get("factors")
        .and_then(|f| f.get(key))
        .and_then(|f| f.get("status"))
        .and_then(Value::as_str)
        == Some("ACTIVE")
}

/// Whether recovery asks the recovery question (its recovery factor is ACTIVE).
pub fn recovery_question_required(settings: &Settings) -> bool {
    recovery_factor_active(settings, "recovery_question")
}

/// Minutes a mailed recovery token lives (`okta_email.properties.recoveryToken`), default
/// 60.
pub fn recovery_token_minutes(settings: &Settings) -> i64 {
    settings
        .recovery
        .pointer("/factors/okta_email/properties/recoveryToken/tokenLifetimeMinutes")
        .and_then(Value::as_i64)
        .filter(|m| *m > 0)
        .unwrap_or(60)
}

fn default_recovery() -> Value {
    json!({
        "factors": {
            "recovery_question": {
                "status": "ACTIVE",
                "properties": { "complexity": { "minLength": 4 } }
            },
            "okta_email": {
                "status": "ACTIVE",
                "properties": { "recoveryToken": { "tokenLifetimeMinutes": 10080 } }
            },
            "okta_sms": { "status": "INACTIVE" },
            "okta_call": { "status": "INACTIVE" }
        }
    })
}

fn default_delegation() -> Value {
    json!({ "options": { "skipUnlock": false } })
}

impl Settings {
    /// A new policy's settings: every field at its documented default.
    pub fn new_policy() -> Self {
        Self {
            password: PasswordSettings {
                complexity: Complexity {
                    min_length: 8,
                    min_lower_case: 1,
                    min_upper_case: 1,
                    min_number: 1,
                    min_symbol: 1,
                    exclude_username: true,
                    dictionary: Dictionary {
                        common: CommonLookup { exclude: false },
                    },
                    exclude_attributes: Vec::new(),
                },
                age: Age {
                    max_age_days: 0,
                    expire_warn_days: 0,
                    min_age_minutes: 0,
                    history_count: 0,
                },
                lockout: Lockout {
                    max_attempts: 0,
                    auto_unlock_minutes: 0,
                    show_lockout_failures: false,
                    user_lockout_notification_channels: Vec::new(),
                },
            },
            recovery: default_recovery(),
            delegation: default_delegation(),
        }
    }

    /// The default password policy of a new org.
    pub fn org_default() -> Self {
        let mut s = Self::new_policy();
        s.password.complexity.min_symbol = 0;
        s.password.age.history_count = 4;
        s.password.lockout.max_attempts = 10;
        s
    }

    /// Stored settings read back; a value of the wrong shape reads as the org default.
    pub fn from_stored(value: &Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_else(|_| Self::org_default())
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The complexity rules a new password must meet.
    pub fn complexity_rules(&self) -> PasswordPolicy {
        let c = &self.password.complexity;
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        PasswordPolicy {
            min_length: count(c.min_length),
            min_lower_case: count(c.min_lower_case),
            min_upper_case: count(c.min_upper_case),
            min_number: count(c.min_number),
            min_symbol: count(c.min_symbol),
            exclude_username: c.exclude_username,
            exclude_attributes: c.exclude_attributes.clone(),
            exclude_common: c.dictionary.common.exclude,
            ..PasswordPolicy::default()
        }
    }
}

fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, DomainError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("{field}: The value must be between {min} and {max}."),
        ))
    }
}

/// Validates `settings` of a PASSWORD policy, over `base` (the documented defaults on create,
/// the current settings on replace).
pub fn validate_settings_over(base: Settings, raw: Option<&Value>) -> Result<Value, DomainError> {
    let input: SettingsIn = match raw {
        None | Some(Value::Null) => SettingsIn::default(),
        Some(v) => read("settings", v)?,
    };
    let mut out = base;
    let password = input.password.unwrap_or_default();
    let c = password.complexity.unwrap_or_default();
    let oc = &mut out.password.complexity;
    const CX: &str = "settings.password.complexity";
    if let Some(v) = c.min_length {
        oc.min_length = in_range(&format!("{CX}.minLength"), v, 4, 30)?;
    }
    for (value, slot, name) in [
        (c.min_lower_case, &mut oc.min_lower_case, "minLowerCase"),
        (c.min_upper_case, &mut oc.min_upper_case, "minUpperCase"),
        (c.min_number, &mut oc.min_number, "minNumber"),
        (c.min_symbol, &mut oc.min_symbol, "minSymbol"),
    ] {
        if let Some(v) = value {
            *slot = in_range(&format!("{CX}.{name}"), v, 0, 1)?;
        }
    }
    if let Some(v) = c.exclude_username {
        oc.exclude_username = v;
    }
    if let Some(v) = c.dictionary.and_then(|d| d.common).and_then(|c| c.exclude) {
        oc.dictionary.common.exclude = v;
    }
    if let Some(attrs) = c.exclude_attributes {
        if let Some(bad) = attrs
            .iter()
            .find(|a| !matches!(a.as_str(), "firstName" | "lastName"))
        {
            return Err(DomainError::invalid(
                format!("{CX}.excludeAttributes"),
                format!("{CX}.excludeAttributes: {bad} is not an attribute that can be excluded."),
            ));
        }
        oc.exclude_attributes = attrs;
    }
    let a = password.age.unwrap_or_default();
    let oa = &mut out.password.age;
    const AG: &str = "settings.password.age";
    for (value, slot, name, max) in [
        (a.max_age_days, &mut oa.max_age_days, "maxAgeDays", 999),
        (
            a.expire_warn_days,
            &mut oa.expire_warn_days,
            "expireWarnDays",
            30,
        ),
        (
            a.min_age_minutes,
            &mut oa.min_age_minutes,
            "minAgeMinutes",
            9999,
        ),
        (a.history_count, &mut oa.history_count, "historyCount", 30),
    ] {
        if let Some(v) = value {
            *slot = in_range(&format!("{AG}.{name}"), v, 0, max)?;
        }
    }
    let l = password.lockout.unwrap_or_default();
    let ol = &mut out.password.lockout;
    const LK: &str = "settings.password.lockout";
    if let Some(v) = l.max_attempts {
        ol.max_attempts = in_range(&format!("{LK}.maxAttempts"), v, 0, 100)?;
    }
    if let Some(v) = l.auto_unlock_minutes {
        ol.auto_unlock_minutes = in_range(&format!("{LK}.autoUnlockMinutes"), v, 0, 99_999)?;
    }
    if let Some(v) = l.show_lockout_failures {
        ol.show_lockout_failures = v;
    }
    if let Some(v) = l.user_lockout_notification_channels {
        ol.user_lockout_notification_channels = v;
    }
    if let Some(v) = input.recovery.filter(|v| !v.is_null()) {
        out.recovery = recovery_over(&out.recovery, &v)?;
    }
    if let Some(v) = input.delegation.filter(|v| !v.is_null()) {
        out.delegation = delegation_over(&out.delegation, &v)?;
    }
    Ok(out.to_value())
}

/// A 400 for a setting this server does not have (refused, not dropped).
fn unknown(field: &str) -> DomainError {
    DomainError::invalid(
        field,
        format!("{field}: Not a setting of a password policy."),
    )
}

/// The fields of `v` as an object, refusing any not in `allowed`.
fn fields<'a>(
    field: &str,
    v: &'a Value,
    allowed: &[&str],
) -> Result<&'a serde_json::Map<String, Value>, DomainError> {
    let o = v.as_object().ok_or_else(|| {
        DomainError::invalid(field, format!("{field}: The value must be an object."))
    })?;
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(unknown(&format!("{field}.{k}"))),
        None => Ok(o),
    }
}

/// `settings.recovery` (policy.md, "Recovery object"): `factors` of `recovery_question`,
/// `okta_email`, `okta_sms`, `okta_call`, each with its `status` and the `properties` it has.
/// A factor given replaces the current one; those not given stay.
fn recovery_over(current: &Value, v: &Value) -> Result<Value, DomainError> {
    const F: &str = "settings.recovery";
    let given = fields(F, v, &["factors"])?;
    let mut out = current.clone();
    let Some(factors) = given.get("factors").filter(|f| !f.is_null()) else {
        return Ok(out);
    };
    let factors = fields(
        &format!("{F}.factors"),
        factors,
        &["recovery_question", "okta_email", "okta_sms", "okta_call"],
    )?;
    for (key, factor) in factors {
        let at = format!("{F}.factors.{key}");
        let f = fields(&at, factor, &["status", "properties"])?;
        let status = match f.get("status").and_then(Value::as_str) {
            Some(s @ ("ACTIVE" | "INACTIVE")) if key != "okta_email" || s == "ACTIVE" => s,
            None if key == "okta_email" => "ACTIVE",
            _ => {
                return Err(DomainError::invalid(
                    &at,
                    format!(
                        "{at}.status: The value must be {}.",
                        if key == "okta_email" {
                            "ACTIVE"
                        } else {
                            "ACTIVE or INACTIVE"
                        }
                    ),
                ))
            }
        };
        let mut next = serde_json::Map::new();
        next.insert("status".into(), json!(status));
        let props = f.get("properties").filter(|p| !p.is_null());
        match (key.as_str(), props) {
            (_, None) => {
                if let Some(p) = current.pointer(&format!("/factors/{key}/properties")) {
                    next.insert("properties".into(), p.clone());
                }
            }
            ("recovery_question", Some(p)) => {
                let p = fields(&format!("{at}.properties"), p, &["complexity"])?;
                let c = p.get("complexity").cloned().unwrap_or(json!({}));
                let cx = fields(&format!("{at}.properties.complexity"), &c, &["minLength"])?;
                let min = match cx.get("minLength") {
                    None | Some(Value::Null) => 4,
                    Some(n) => in_range(
                        &format!("{at}.properties.complexity.minLength"),
                        n.as_i64().unwrap_or(-1),
                        1,
                        100,
                    )?,
                };
                next.insert(
                    "properties".into(),
                    json!({ "complexity": { "minLength": min } }),
                );
            }
            ("okta_email", Some(p)) => {
                let p = fields(&format!("{at}.properties"), p, &["recoveryToken"])?;
                let t = p.get("recoveryToken").cloned().unwrap_or(json!({}));
                let tk = fields(
                    &format!("{at}.properties.recoveryToken"),
                    &t,
                    &["tokenLifetimeMinutes"],
                )?;
                let minutes = match tk.get("tokenLifetimeMinutes") {
                    None | Some(Value::Null) => 10_080,
                    Some(n) => in_range(
                        &format!("{at}.properties.recoveryToken.tokenLifetimeMinutes"),
                        n.as_i64().unwrap_or(-1),
                        1,
                        10_080,
                    )?,
                };
                next.insert(
                    "properties".into(),
                    json!({ "recoveryToken": { "tokenLifetimeMinutes": minutes } }),
                );
            }
            (_, Some(_)) => return Err(unknown(&format!("{at}.properties"))),
        }
        if let Some(all) = out.get_mut("factors").and_then(Value::as_object_mut) {
            all.insert(key.clone(), Value::Object(next));
        }
    }
    Ok(out)
}

/// `settings.delegation` (policy.md, "Delegation object"): `options.skipUnlock`.
fn delegation_over(current: &Value, v: &Value) -> Result<Value, DomainError> {
    const F: &str = "settings.delegation";
    let given = fields(F, v, &["options"])?;
    let mut skip = current
        .pointer("/options/skipUnlock")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(options) = given.get("options").filter(|o| !o.is_null()) {
        let o = fields(&format!("{F}.options"), options, &["skipUnlock"])?;
        match o.get("skipUnlock") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => skip = *b,
            Some(_) => {
                return Err(DomainError::invalid(
                    F,
                    format!("{F}.options.skipUnlock: The value must be true or false."),
                ))
            }
        }
    }
    Ok(json!({ "options": { "skipUnlock": skip } }))
}

/// Validates `settings` of a new PASSWORD policy.
pub fn validate_settings(raw: Option<&Value>) -> Result<Value, DomainError> {
    validate_settings_over(Settings::new_policy(), raw)
}

pub fn default_settings() -> Value {
    Settings::org_default().to_value()
}

/// One `{ "access": ALLOW|DENY }` action.
#[derive(Debug, Clone, Default, Deserialize)]
struct AccessIn {
    access: Option<String>,
}

/// Validates the actions of a PASSWORD rule: `passwordChange`, `selfServicePasswordReset`
/// and `selfServiceUnlock`, each `access` ALLOW or DENY (default DENY). An Identity Engine
/// `requirement` on the reset action is kept as given.
pub fn validate_actions(raw: Option<&Value>) -> Result<Value, DomainError> {
    let map = match raw {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(DomainError::invalid(
                "actions",
                "actions: The value must be an object.",
            ))
        }
    };
    let mut out = serde_json::Map::new();
    for name in [
        "passwordChange",
        "selfServicePasswordReset",
        "selfServiceUnlock",
    ] {
        let field = format!("actions.{name}");
        let given = map.get(name).filter(|v| !v.is_null());
        let access: AccessIn = match given {
            Some(v) => read(&field, v)?,
            None => AccessIn::default(),
        };
        let access = access.access.unwrap_or_else(|| "DENY".into());
        if !matches!(access.as_str(), "ALLOW" | "DENY") {
            return Err(DomainError::invalid(
                format!("{field}.access"),
                format!("{field}.access: The value must be ALLOW or DENY."),
            ));
        }
        let mut action = serde_json::Map::new();
        action.insert("access".into(), Value::String(access));
        if name == "selfServicePasswordReset" {
            if let Some(req) = given
                .and_then(|v| v.get("requirement"))
                .filter(|v| v.is_object())
            {
                action.insert("requirement".into(), req.clone());
            }
        }
        out.insert(name.to_owned(), Value::Object(action));
    }
    Ok(Value::Object(out))
}

pub fn default_actions() -> Value {
    json!({
        "passwordChange": { "access": "ALLOW" },
        "selfServicePasswordReset": { "access": "ALLOW" },
        "selfServiceUnlock": { "access": "DENY" }
    })
}

/// Whether the password last set at `changed` may be changed again at `now` under
/// `minAgeMinutes` (times in epoch ms). A password never set may always be changed.
pub fn min_age_allows(settings: &Settings, changed: Option<i64>, now: i64) -> bool {
    let minutes = settings.password.age.min_age_minutes;
    match changed {
        Some(at) if minutes > 0 => now.saturating_sub(at) >= minutes.saturating_mul(60_000),
        _ => true,
    }
}

/// When a password set at `changed` expires under `maxAgeDays` (None: never).
pub fn expires_at(settings: &Settings, changed: Option<i64>) -> Option<i64> {
    let days = settings.password.age.max_age_days;
    match changed {
        Some(at) if days > 0 => Some(at.saturating_add(days.saturating_mul(86_400_000))),
        _ => None,
    }
}

/// Whether the user should be warned at `now` that the password expires soon
/// (`expireWarnDays`); false once expired or when no warning is configured.
pub fn in_warning_period(settings: &Settings, changed: Option<i64>, now: i64) -> bool {
    let warn = settings.password.age.expire_warn_days;
    match expires_at(settings, changed) {
        Some(at) if warn > 0 => {
            now < at && at.saturating_sub(now) <= warn.saturating_mul(86_400_000)
        }
        _ => false,
    }
}

/// Whether the password set at `changed` has expired at `now`.
pub fn is_expired(settings: &Settings, changed: Option<i64>, now: i64) -> bool {
    expires_at(settings, changed).is_some_and(|at| now >= at)
}

/// How many earlier passwords a new one is compared with: the policy's `historyCount`,
/// capped at [`HISTORY_CAP`] so a change costs at most that many hash verifications.
pub fn history_depth(settings: &Settings) -> usize {
    usize::try_from(settings.password.age.history_count)
        .unwrap_or(0)
        .min(HISTORY_CAP)
}

/// The most earlier passwords kept and checked: each check is one password-hash
/// verification (tens of milliseconds), so a change costs at most this many.
pub const HISTORY_CAP: usize = 30;
