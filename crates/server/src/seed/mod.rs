//! Org files: an org declared in YAML (users, groups, rules, apps, authorization servers,
//! policies, zones, trusted origins, hooks), applied through the Management API so every
//! object passes the same checks as one made by hand, and exported back from a running org.
//!
//! - [`parse`] reads a file into [`OrgFile`]; a problem names its line.
//! - [`apply`] makes a running org hold what the file declares. Objects are found by their
//!   natural key (a user's login, a group's name, an app's label, a policy's type and name,
//!   ...): a missing one is created, one that differs is updated, one that matches is left
//!   alone, so a second run changes nothing. Nothing is deleted.
//! - [`export`] writes a running org as an org file.
//!
//! The JSON Schema of the file comes from these types (`latchkey seed --schema`, committed as
//! `docs/org-file.schema.json`).

pub mod apply;
pub mod client;
pub mod export;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use apply::apply;
pub use client::Client;
pub use export::export;

/// An org, as a file declares it.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "Latchkey org file")]
pub struct OrgFile {
    /// Groups, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<SeedGroup>,
    /// Users, by login.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<SeedUser>,
    /// Group rules, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_rules: Vec<SeedGroupRule>,
    /// Apps, by label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<SeedApp>,
    /// Custom authorization servers (and `default`), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<SeedAuthServer>,
    /// Policies, by type and name (an existing `Default Policy` is updated in place).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<SeedPolicy>,
    /// Network zones as the Zones API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_zones: Vec<Named>,
    /// Trusted origins as the Trusted Origins API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_origins: Vec<Named>,
    /// Event hooks as the Event Hooks API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_hooks: Vec<Named>,
    /// Inline hooks as the Inline Hooks API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inline_hooks: Vec<Named>,
}

/// An object of the Management API, as its create call takes it, with a `name`.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Named(#[schemars(schema_with = "named_schema")] pub Map<String, Value>);

fn named_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "required": ["name"],
        "properties": { "name": { "type": "string", "minLength": 1 } },
        "additionalProperties": true
    })
}

impl Named {
    pub fn name(&self) -> Option<&str> {
        self.0.get("name").and_then(Value::as_str)
    }
}

/// A user's status after the seed. `LOCKED_OUT` is not declarable: only failed sign-ins
/// lock a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Active,
    Staged,
    Provisioned,
    Suspended,
    Deprovisioned,
    PasswordExpired,
    Recovery,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::Recovery => "RECOVERY",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(Value::String(text.to_owned())).ok()
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// `profile.login`: the key the user is found by.
    pub login: String,
    /// Profile attributes besides `login` (`email` defaults to the login).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub profile: Map<String, Value>,
    /// Status after the seed. [default: ACTIVE with a password, else PROVISIONED]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// The user type's `name`. [default: the org's default type]
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// A password, set when the user is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// An imported password hash (Okta's `credentials.password.hash`: algorithm BCRYPT,
    /// SHA-1, SHA-256, SHA-512, MD5 or PBKDF2, with `value`, `salt`, ...), set when the user
    /// is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Map<String, Value>>,
    /// The recovery question and answer, set when the user is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_question: Option<RecoveryQuestion>,
    /// Names of the groups the user is a member of (besides Everyone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Factors enrolled ACTIVE when the user has none of that type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<SeedFactor>,
    /// Standard administrator roles (SUPER_ADMIN, ORG_ADMIN, USER_ADMIN, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_roles: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryQuestion {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FactorType {
    /// `token:software:totp`: needs `sharedSecret`, so tests can compute codes.
    Totp,
    Sms,
    Call,
    Email,
    Question,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedFactor {
    #[serde(rename = "type")]
    pub factor_type: FactorType,
    /// GOOGLE or OKTA for `totp`. [default: GOOGLE]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `totp`: the secret in base32 (RFC 4648), at least 128 bits (26 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_secret: Option<String>,
    /// `sms` and `call`: the phone number, E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// `email`: the address. [default: the primary email]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `question`: the question key (e.g. disliked_food).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// `question`: the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroup {
    /// `profile.name`: the key the group is found by.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Further profile attributes the group schema declares.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub profile: Map<String, Value>,
    /// Standard administrator roles given to the group's members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_roles: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroupRule {
    pub name: String,
    /// An Okta expression over the user, e.g. `user.department == "Engineering"`.
    pub expression: String,
    /// Names of the groups the rule assigns.
    pub assign_to: Vec<String>,
    /// ACTIVE or INACTIVE. [default: ACTIVE]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedApp {
    /// The key the app is found by (unique in the file).
    pub label: String,
    /// OPENID_CONNECT, BOOKMARK, BASIC_AUTH, AUTO_LOGIN, SAML_2_0, ... [default:
    /// OPENID_CONNECT]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_on_mode: Option<String>,
    /// The app's `name` (catalog key). [default: oidc_client for OPENID_CONNECT]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ACTIVE or INACTIVE. [default: ACTIVE]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// OIDC: web, native, browser or service. [default: web]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
    /// OIDC: a fixed `client_id`. [default: generated]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// OIDC: a fixed `client_secret`, set when the app is created. [default: generated]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// OIDC: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt
    /// or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// OIDC: `redirect_uris`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uris: Vec<String>,
    /// OIDC: `post_logout_redirect_uris`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// OIDC: `grant_types`. [default: authorization_code]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types: Vec<String>,
    /// OIDC: `response_types`. [default: code]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<String>,
    /// The app's `settings` as the Apps API takes them (merged over what the fields above
    /// make).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
    /// The app's `credentials` as the Apps API takes them.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub credentials: Map<String, Value>,
    /// Logins of the users assigned to the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Names of the groups assigned to the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Okta API scopes granted to the app (e.g. okta.users.read), for service apps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<String>,
    /// Standard administrator roles of a service app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_roles: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAuthServer {
    /// The key the server is found by (`default` is the org's default server).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// ORG_URL or CUSTOM_URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_mode: Option<String>,
    /// ACTIVE or INACTIVE. [default: ACTIVE]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Scopes as the API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Named>,
    /// Claims as the API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Named>,
    /// Access policies, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<SeedAccessPolicy>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAccessPolicy {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Labels of the apps the policy applies to, or ALL_CLIENTS. [default: ALL_CLIENTS]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// Rules as the API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Named>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPolicy {
    /// OKTA_SIGN_ON, PASSWORD, MFA_ENROLL, ACCESS_POLICY, PROFILE_ENROLLMENT, ...
    #[serde(rename = "type")]
    pub policy_type: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// ACTIVE or INACTIVE. [default: ACTIVE]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Names of the groups the policy applies to (`conditions.people.groups.include`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// `conditions` as the Policies API takes them (merged with `groups`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub conditions: Map<String, Value>,
    /// `settings` as the Policies API takes them.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
    /// Rules as the API takes them, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Named>,
}

/// A problem with an org file or its application, with where it is.
#[derive(Debug, Clone)]
pub struct SeedError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Where in the document (`users[3].groups[0]`).
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), false) => write!(f, "line {line} ({}): {}", self.path, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SeedError {}

/// A parsed org file, and what finds the line of any part of it.
pub struct Parsed {
    pub file: OrgFile,
    root: Option<marked_yaml::Node>,
}

impl Parsed {
    /// An error at `path` (`users[3].groups[0]`), with the line it is on.
    pub fn error(&self, path: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            line: self.root.as_ref().and_then(|root| line_of(root, path)),
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// A file made in memory (an export): errors carry paths, no lines.
    pub fn from_file(file: OrgFile) -> Self {
        Self { file, root: None }
    }
}

/// Reads an org file (YAML; JSON is YAML too).
pub fn parse(text: &str) -> Result<Parsed, SeedError> {
    let root = if text.trim().is_empty() {
        None
    } else {
        let options = marked_yaml::LoaderOptions::default()
            .error_on_duplicate_keys(true)
            .prevent_coercion(true);
        Some(
            marked_yaml::parse_yaml_with_options(0, text, options).map_err(|e| SeedError {
                line: load_error_line(&e),
                path: String::new(),
                message: format!("not valid YAML: {e}"),
            })?,
        )
    };
    let value = root.as_ref().map_or(Value::Object(Map::new()), to_json);
    let file: OrgFile =
        serde_path_to_error::deserialize(&value).map_err(|e: serde_path_to_error::Error<_>| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            SeedError {
                line: root.as_ref().and_then(|r| line_of(r, &path)),
                message: e.inner().to_string(),
                path,
            }
        })?;
    Ok(Parsed { file, root })
}

fn load_error_line(e: &marked_yaml::LoadError) -> Option<usize> {
    use marked_yaml::LoadError as E;
    let marker = match e {
        E::TopLevelMustBeMapping(m)
        | E::TopLevelMustBeSequence(m)
        | E::UnexpectedAnchor(m)
        | E::MappingKeyMustBeScalar(m)
        | E::UnexpectedTag(m)
        | E::ScanError(m, _) => Some(*m),
        E::DuplicateKey(inner) => inner.key.span().start().copied(),
    };
    marker
        .map(|m| m.line())
        .or_else(|| first_number_after(&e.to_string(), "line "))
}

/// The first number after `prefix` in `text` (the line in a loader's message).
fn first_number_after(text: &str, prefix: &str) -> Option<usize> {
    let at = text.find(prefix)? + prefix.len();
    let digits: String = text
        .get(at..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A YAML document read as JSON, the way org files are read.
pub fn yaml_to_json(text: &str) -> Result<Value, SeedError> {
    let options = marked_yaml::LoaderOptions::default().prevent_coercion(true);
    let node = marked_yaml::parse_yaml_with_options(0, text, options).map_err(|e| SeedError {
        line: load_error_line(&e),
        path: String::new(),
        message: format!("not valid YAML: {e}"),
    })?;
    Ok(to_json(&node))
}

/// The YAML document as JSON: plain scalars that read as null, booleans or numbers become
/// those; quoted ones stay strings.
fn to_json(node: &marked_yaml::Node) -> Value {
    use marked_yaml::Node;
    match node {
        Node::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.as_str().to_owned(), to_json(v)))
                .collect(),
        ),
        Node::Sequence(s) => Value::Array(s.iter().map(to_json).collect()),
        Node::Scalar(s) => {
            let text = s.as_str();
            if !s.may_coerce() {
                return Value::String(text.to_owned());
            }
            match text {
                "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(n) = text.parse::<i64>() {
                        Value::from(n)
                    } else if let Some(n) = text
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && text.contains('.'))
                        .and_then(serde_json::Number::from_f64)
                    {
                        Value::Number(n)
                    } else if text.is_empty() {
                        Value::Null
                    } else {
                        Value::String(text.to_owned())
                    }
                }
            }
        }
    }
}

/// The line of the node at `path` (`users[3].groups[0]`, `apps[1].label`), or of the
/// deepest part of it that exists.
fn line_of(root: &marked_yaml::Node, path: &str) -> Option<usize> {
    use marked_yaml::Node;
    let mut node = root;
    let mut line = node.span().start().map(marked_yaml::Marker::line);
    for part in path_parts(path) {
        // A mapping's entry is on its key's line; a sequence's item on its own.
        let next = match (node, part) {
            (Node::Mapping(m), Part::Key(k)) => m
                .iter()
                .find(|(key, _)| key.as_str() == k)
                .map(|(key, value)| (key.span().start().map(marked_yaml::Marker::line), value)),
            (Node::Sequence(s), Part::Index(i)) => s
                .get_node(i)
                .map(|item| (item.span().start().map(marked_yaml::Marker::line), item)),
            _ => None,
        };
        let Some((at, next)) = next else { break };
        node = next;
        if at.is_some() {
            line = at;
        }
    }
    line
}

enum Part<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_parts(path: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, rest) = match segment.find('[') {
            Some(at) => (
                segment.get(..at).unwrap_or_default(),
                segment.get(at..).unwrap_or_default(),
            ),
            None => (segment, ""),
        };
        if !key.is_empty() {
            out.push(Part::Key(key));
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Part::Index(i));
            }
        }
    }
    out
}

/// The org file's JSON Schema.
pub fn schema() -> Value {
    let schema = schemars::schema_for!(OrgFile);
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_name_their_line() {
        let text = "groups:\n  - name: Eng\nusers:\n  - login: a@example.com\n    statu: ACTIVE\n";
        let err = parse(text).err().expect("an unknown field is refused");
        assert_eq!(err.line, Some(5), "{err}");
        assert!(err.path.starts_with("users[0]"), "{err}");
    }

    #[test]
    fn scalars_keep_their_types() {
        let text = "policies:\n  - type: PASSWORD\n    name: P\n    settings:\n      minLength: 12\n      flag: true\n      text: \"12\"\n";
        let p = parse(text).unwrap();
        let s = &p.file.policies[0].settings;
        assert_eq!(s["minLength"], Value::from(12));
        assert_eq!(s["flag"], Value::Bool(true));
        assert_eq!(s["text"], Value::from("12"));
        assert_eq!(p.error("policies[0].settings", "x").line, Some(4));
    }

    #[test]
    fn bad_yaml_names_a_line() {
        let err = parse("users:\n  - login: a\n   - x: [\n").err().unwrap();
        assert!(err.line.is_some(), "{err}");
    }

    #[test]
    fn the_committed_schema_is_current() {
        let committed: Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/org-file.schema.json"
        )))
        .expect("docs/org-file.schema.json is JSON");
        assert!(
            committed == schema(),
            "docs/org-file.schema.json is stale: regenerate it with `latchkey seed --schema > docs/org-file.schema.json`"
        );
    }
}
