//! Policies and their rules (policy.md, "Policies", "Rules", "Conditions" and the
//! "Type-Specific Policy data structures"; the Policy tag of the Management spec).
//!
//! Three types carry their full data structures and validation here: OKTA_SIGN_ON (global
//! session policy, `sign_on`), PASSWORD (`password`) and MFA_ENROLL (`mfa_enroll`). Every
//! other type the spec lists is known by name only: lists of it are empty and writes of it
//! are refused (see [`TypeLookup`]).
//!
//! Each type allows only its documented conditions, at policy level and at rule level; a
//! condition outside that list is a validation error, never silently dropped. Validated
//! values are normalised (Okta's defaults filled in) so what is stored is what is rendered.

pub mod eval;
pub mod lockout;
pub mod mfa_enroll;
pub mod password;
pub mod priority;
pub mod sign_on;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::DomainError;

/// The policy types with full support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    OktaSignOn,
    Password,
    MfaEnroll,
}

/// Types the spec's `PolicyType` lists that this server does not implement: listing them
/// answers an empty array, creating one is refused.
pub const UNSUPPORTED_TYPES: [&str; 9] = [
    "IDP_DISCOVERY",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
    "POST_AUTH_SESSION",
    "ENTITY_RISK",
    "DEVICE_SIGNAL_COLLECTION",
    "SESSION_VIOLATION_DETECTION",
    "CLIENT_UPDATE",
    "IDENTITY_CLAIM_SOURCING",
];

/// What a `type` string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeLookup {
    Supported(PolicyType),
    /// A type of the spec this server does not implement.
    Unsupported,
    /// Not a policy type at all.
    Unknown,
}

impl PolicyType {
    pub const ALL: [Self; 3] = [Self::OktaSignOn, Self::Password, Self::MfaEnroll];

    pub fn lookup(s: &str) -> TypeLookup {
        match s {
            "OKTA_SIGN_ON" => TypeLookup::Supported(Self::OktaSignOn),
            "PASSWORD" => TypeLookup::Supported(Self::Password),
            "MFA_ENROLL" => TypeLookup::Supported(Self::MfaEnroll),
            other if UNSUPPORTED_TYPES.contains(&other) => TypeLookup::Unsupported,
            _ => TypeLookup::Unknown,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match Self::lookup(s) {
            TypeLookup::Supported(t) => Some(t),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OktaSignOn => "OKTA_SIGN_ON",
            Self::Password => "PASSWORD",
            Self::MfaEnroll => "MFA_ENROLL",
        }
    }

    /// The `type` of this policy's rules (Rules object, "type").
    pub const fn rule_type(self) -> &'static str {
        match self {
            Self::OktaSignOn => "SIGN_ON",
            Self::Password => "PASSWORD",
            Self::MfaEnroll => "MFA_ENROLL",
        }
    }

    /// The conditions a policy of this type may carry (each type's "Policy conditions").
    pub const fn policy_conditions(self) -> &'static [&'static str] {
        match self {
            Self::OktaSignOn => &["people"],
            Self::Password => &["people", "authProvider"],
            Self::MfaEnroll => &["people", "network"],
        }
    }

    /// The conditions a rule of this type may carry (each type's "Rules conditions").
    pub const fn rule_conditions(self) -> &'static [&'static str] {
        match self {
            Self::OktaSignOn => &["people", "network", "authContext"],
            Self::Password | Self::MfaEnroll => &["people", "network"],
        }
    }
}

/// ACTIVE or INACTIVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ACTIVE" => Some(Self::Active),
            "INACTIVE" => Some(Self::Inactive),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
        }
    }
}

/// An include / exclude list of ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncludeExclude {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
}

impl IncludeExclude {
    fn includes(&self) -> &[String] {
        self.include.as_deref().unwrap_or_default()
    }

    fn excludes(&self) -> &[String] {
        self.exclude.as_deref().unwrap_or_default()
    }

    /// Matches when the include list is empty or shares an id with `ids`, and the exclude
    /// list shares none.
    fn matches(&self, ids: &[String]) -> bool {
        let included =
            self.includes().is_empty() || self.includes().iter().any(|i| ids.contains(i));
        included && !self.excludes().iter().any(|e| ids.contains(e))
    }
}

/// People condition: users and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<IncludeExclude>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<IncludeExclude>,
}

/// The zone id that stands for every zone in a network condition.
pub const ALL_ZONES: &str = "ALL_ZONES";

/// Network condition: ANYWHERE, or ZONE with zones to include or exclude.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkCondition {
    pub connection: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
}

/// AuthContext condition: ANY or LDAP_INTERFACE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthContextCondition {
    pub auth_type: String,
}

/// Authentication provider condition of a PASSWORD policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthProviderCondition {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
}

/// The conditions of a policy or rule (only those its type allows are ever set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<PeopleCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_context: Option<AuthContextCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<AuthProviderCondition>,
}

/// Where conditions sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Policy,
    Rule,
}

fn invalid(field: &str, cause: impl Into<String>) -> DomainError {
    DomainError::invalid(field, format!("{field}: {}", cause.into()))
}

/// Reads a sub-object with serde, answering E0000001 on `field` when it has the wrong shape.
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    field: &str,
    value: &Value,
) -> Result<T, DomainError> {
    serde_json::from_value(value.clone())
        .map_err(|_| invalid(field, "The value does not have the expected shape."))
}

/// Validates the `conditions` of a policy or rule of `policy_type`: only the conditions the
/// type allows at `level`, each of the documented shape. Null members count as absent.
pub fn validate_conditions(
    policy_type: PolicyType,
    level: Level,
    raw: Option<&Value>,
) -> Result<Conditions, DomainError> {
    let map = match raw {
        None | Some(Value::Null) => return Ok(Conditions::default()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(invalid("conditions", "The value must be an object.")),
    };
    let allowed = match level {
        Level::Policy => policy_type.policy_conditions(),
        Level::Rule => policy_type.rule_conditions(),
    };
    let present: Map<String, Value> = map
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(bad) = present.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            "conditions",
            format!(
                "The {bad} condition is not supported for a {} {}.",
                policy_type.as_str(),
                match level {
                    Level::Policy => "policy",
                    Level::Rule => "rule",
                }
            ),
        ));
    }
    let mut out = Conditions::default();
    if let Some(v) = present.get("people") {
        let people: PeopleCondition = read("conditions.people", v)?;
        if level == Level::Policy && people.users.is_some() {
            return Err(invalid(
                "conditions.people.users",
                "A policy's people condition can only name groups.",
            ));
        }
        out.people = Some(people);
    }
    if let Some(v) = present.get("network") {
        let network: NetworkCondition = read("conditions.network", v)?;
        match network.connection.as_str() {
            "ANYWHERE" => {}
            "ZONE" => {
                let empty = |l: &Option<Vec<String>>| l.as_ref().is_none_or(Vec::is_empty);
                if empty(&network.include) && empty(&network.exclude) {
                    return Err(invalid(
                        "conditions.network",
                        "A ZONE connection needs zones to include or exclude.",
                    ));
                }
            }
            _ => {
                return Err(invalid(
                    "conditions.network.connection",
                    "The value must be ANYWHERE or ZONE.",
                ))
            }
        }
        out.network = Some(network);
    }
    if let Some(v) = present.get("authContext") {
        let context: AuthContextCondition = read("conditions.authContext", v)?;
        if !matches!(context.auth_type.as_str(), "ANY" | "LDAP_INTERFACE") {
            return Err(invalid(
                "conditions.authContext.authType",
                "The value must be ANY or LDAP_INTERFACE.",
            ));
        }
        out.auth_context = Some(context);
    }
    if let Some(v) = present.get("authProvider") {
        let provider: AuthProviderCondition = read("conditions.authProvider", v)?;
        if !matches!(
            provider.provider.as_str(),
            "OKTA" | "ACTIVE_DIRECTORY" | "LDAP" | "ANY"
        ) {
            return Err(invalid(
                "conditions.authProvider.provider",
                "The value must be OKTA, ACTIVE_DIRECTORY, LDAP or ANY.",
            ));
        }
        out.auth_provider = Some(provider);
    }
    Ok(out)
}

/// The zone ids a set of conditions refers to (other than ALL_ZONES), so the caller can check
/// they exist.
pub fn referenced_zones(conditions: &Conditions) -> Vec<String> {
    conditions
        .network
        .iter()
        .flat_map(|n| n.include.iter().flatten().chain(n.exclude.iter().flatten()))
        .filter(|z| z.as_str() != ALL_ZONES)
        .cloned()
        .collect()
}

/// Validates a rule's `actions` for `policy_type`, normalised with Okta's defaults.
pub fn validate_actions(
    policy_type: PolicyType,
    raw: Option<&Value>,
) -> Result<Value, DomainError> {
    match policy_type {
        PolicyType::OktaSignOn => sign_on::validate_actions(raw),
        PolicyType::Password => password::validate_actions(raw),
        PolicyType::MfaEnroll => mfa_enroll::validate_actions(raw),
    }
}

/// Validates a policy's `settings` for `policy_type`, normalised with Okta's defaults.
pub fn validate_settings(
    policy_type: PolicyType,
    raw: Option<&Value>,
) -> Result<Value, DomainError> {
    match policy_type {
        PolicyType::OktaSignOn => Ok(Value::Object(Map::new())),
        PolicyType::Password => password::validate_settings(raw),
        PolicyType::MfaEnroll => mfa_enroll::validate_settings(raw),
    }
}

/// A name is required, at most 255 characters.
pub fn validate_name(name: Option<&str>) -> Result<String, DomainError> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(invalid("name", "The field cannot be left blank"));
    }
    if name.chars().count() > 255 {
        return Err(invalid("name", "The field is too long"));
    }
    Ok(name.to_owned())
}

/// The default policy and default rule of each type, as a new Okta org has them ("Default
/// Policies", "Default Rules"). `everyone` is the id of the Everyone group.
pub struct Default {
    pub name: &'static str,
    pub description: &'static str,
    pub conditions: Conditions,
    pub settings: Value,
    pub rule_name: &'static str,
    pub rule_conditions: Conditions,
    pub rule_actions: Value,
}

/// The default policy of `policy_type`.
pub fn default_policy(policy_type: PolicyType, everyone: &str) -> Default {
    let everyone_only = PeopleCondition {
        users: None,
        groups: Some(IncludeExclude {
            include: Some(vec![everyone.to_owned()]),
            exclude: None,
        }),
    };
    let rule_conditions = Conditions {
        people: Some(PeopleCondition {
            users: Some(IncludeExclude {
                include: None,
                exclude: Some(Vec::new()),
            }),
            groups: None,
        }),
        network: Some(NetworkCondition {
            connection: "ANYWHERE".into(),
            include: None,
            exclude: None,
        }),
        auth_context: (policy_type == PolicyType::OktaSignOn).then(|| AuthContextCondition {
            auth_type: "ANY".into(),
        }),
        auth_provider: None,
    };
    let conditions = Conditions {
        people: Some(everyone_only),
        auth_provider: (policy_type == PolicyType::Password).then(|| AuthProviderCondition {
            provider: "OKTA".into(),
            include: None,
        }),
        ..Conditions::default()
    };
    let (settings, rule_actions) = match policy_type {
        PolicyType::OktaSignOn => (Value::Object(Map::new()), sign_on::default_actions()),
        PolicyType::Password => (password::default_settings(), password::default_actions()),
        PolicyType::MfaEnroll => (
            mfa_enroll::default_settings(),
            mfa_enroll::default_actions(),
        ),
    };
    Default {
        name: "Default Policy",
        description: "The default policy applies in all situations if no other policy applies.",
        conditions,
        settings,
        rule_name: "Default Rule",
        rule_conditions,
        rule_actions,
    }
}

/// A policy as evaluation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: String,
    pub policy_type: PolicyType,
    pub status: Status,
    pub priority: i64,
    pub conditions: Conditions,
}

/// A rule as evaluation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub policy_id: String,
    pub status: Status,
    pub priority: i64,
    pub conditions: Conditions,
}

impl Conditions {
    /// Stored conditions read back (they were validated on the way in); a stored value of
    /// the wrong shape reads as "no conditions" rather than failing evaluation.
    pub fn from_stored(value: &Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    /// As stored and rendered.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests;
