//! Trusted origins (trusted-origins.md, "Trusted Origin object" and "Scope object"; the
//! TrustedOrigin, TrustedOriginWrite and TrustedOriginScope schemas of the management spec):
//! the origin itself, the scopes it grants, its ACTIVE/INACTIVE lifecycle, and the checks a
//! create or replace body must pass.
//!
//! **Origins.** A trusted origin is `scheme://host[:port]`: one of the schemes the reference
//! names (`http`, `https`, `ftp`, and the `ionic` and `capacitor` schemes of hybrid mobile
//! web views), a DNS name, an IPv4 address or a bracketed IPv6 address, an optional port
//! 1..=65535, and after it nothing but an optional single `/`. Every origin also has a *key*,
//! the form a browser's `Origin` header takes: scheme and host lower-cased, the scheme's
//! default port dropped, IPv6 in its canonical text, no trailing slash. Keys are what
//! uniqueness, CORS and redirect checks compare, so `https://App.example.com:443/` and
//! `https://app.example.com` are the same origin.
//!
//! **Scopes.** `CORS` lets browser code on the origin call the CORS-enabled endpoints,
//! `REDIRECT` lets sign-in and recovery flows send the browser back to it, `IFRAME_EMBED`
//! lets it frame Okta pages (`allowedOktaApps` empty: sign-in pages only; `OKTA_ENDUSER`:
//! the dashboard too). A type given twice counts once (the first one wins), so a stored
//! origin holds at most one scope of each type, in the order the client sent them.
//!
//! **Lifecycle.** [`apply`] is the whole table: activating or deactivating always succeeds
//! and lands in the operation's status; repeating it changes nothing.
//!
//! **Validation.** [`validate`] reports every broken field as E0000001 (400), summary the
//! first field, one cause per field, in the order name, origin, scopes. Error texts follow
//! Okta's wording for blank and over-long fields and the reference's example for a bad origin.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// The longest `name` and `origin` accepted (TrustedOriginName, TrustedOriginOrigin).
pub const FIELD_MAX: usize = 255;

/// What a trusted origin is used for (`TrustedOriginScopeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScopeType {
    Cors,
    Redirect,
    IframeEmbed,
}

impl ScopeType {
    pub const ALL: [Self; 3] = [Self::Cors, Self::Redirect, Self::IframeEmbed];

    /// The wire spelling (`"IFRAME_EMBED"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cors => "CORS",
            Self::Redirect => "REDIRECT",
            Self::IframeEmbed => "IFRAME_EMBED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// An Okta app an `IFRAME_EMBED` scope may frame besides the sign-in pages
/// (`IframeEmbedScopeAllowedApps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AllowedOktaApp {
    /// The end-user dashboard.
    OktaEnduser,
}

/// One scope as stored and rendered: `allowedOktaApps` exists only on `IFRAME_EMBED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    #[serde(rename = "type")]
    pub scope_type: ScopeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_okta_apps: Option<Vec<AllowedOktaApp>>,
}

impl Scope {
    pub fn of(scope_type: ScopeType) -> Self {
        Self {
            scope_type,
            allowed_okta_apps: (scope_type == ScopeType::IframeEmbed).then(Vec::new),
        }
    }
}

/// `ACTIVE` or `INACTIVE` (`LifecycleStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    pub const ALL: [Self; 2] = [Self::Active, Self::Inactive];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A lifecycle operation (`/lifecycle/activate`, `/lifecycle/deactivate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleOp {
    Activate,
    Deactivate,
}

/// The status after `op` (activateTrustedOrigin, deactivateTrustedOrigin). Both operations
/// are allowed from either status; the caller writes nothing when the status stays the same.
pub const fn apply(status: Status, op: LifecycleOp) -> Status {
    match (status, op) {
        (Status::Active | Status::Inactive, LifecycleOp::Activate) => Status::Active,
        (Status::Active | Status::Inactive, LifecycleOp::Deactivate) => Status::Inactive,
    }
}

/// A checked origin: the text as the client wrote it (trimmed) and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub text: String,
    pub key: String,
}

/// The schemes a trusted origin may use, with their default ports.
const SCHEMES: [(&str, Option<u16>); 5] = [
    ("http", Some(80)),
    ("https", Some(443)),
    ("ftp", Some(21)),
    ("ionic", None),
    ("capacitor", None),
];

/// Parses a trusted origin (`scheme://host[:port]`, an optional trailing `/`).
pub fn parse_origin(text: &str) -> Option<Origin> {
    let text = text.trim();
    let (key, tail) = split_origin(text)?;
    (tail.is_empty() || tail == "/").then(|| Origin {
        text: text.to_owned(),
        key,
    })
}

/// The key of an origin (a browser's `Origin` header, or a stored origin); None when `text`
/// is not a valid origin (`null`, an unsupported scheme, a path).
pub fn origin_key(text: &str) -> Option<String> {
    parse_origin(text).map(|o| o.key)
}

/// The key of the origin an absolute URL points to (`https://app.example.com/cb?x=1` →
/// `https://app.example.com`), for redirect checks. None for relative URLs, unsupported
/// schemes and URLs with user information (`https://trusted@evil.example`), which never
/// redirect anywhere.
pub fn url_origin_key(url: &str) -> Option<String> {
    let (key, tail) = split_origin(url.trim())?;
    (tail.is_empty() || tail.starts_with(['/', '?', '#'])).then_some(key)
}

/// Splits `scheme://authority` off `text`: the origin key and whatever follows the authority.
fn split_origin(text: &str) -> Option<(String, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = SCHEMES
        .iter()
        .find(|(name, _)| *name == scheme)
        .map(|(_, port)| *port)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = split_host_port(authority)?;
    let port = match port {
        Some(p) if Some(p) != default_port => format!(":{p}"),
        _ => String::new(),
    };
    Some((format!("{scheme}://{host}{port}"), tail))
}

/// The canonical host and the port of an authority.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed.split_once(']')?;
        let address: std::net::Ipv6Addr = address.parse().ok()?;
        let port = match after {
            "" => None,
            other => Some(other.strip_prefix(':')?),
        };
        (format!("[{address}]"), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        (host_name(host)?, port)
    };
    let port = match port {
        None => None,
        Some(text) => Some(parse_port(text)?),
    };
    Some((host, port))
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|p| *p > 0)
}

/// A DNS name or dotted IPv4 address, lower-cased.
fn host_name(host: &str) -> Option<String> {
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !labels.iter().all(label_ok) {
        return None;
    }
    let numeric = labels
        .iter()
        .all(|label| label.bytes().all(|b| b.is_ascii_digit()));
    if numeric && host.parse::<std::net::Ipv4Addr>().is_err() {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// One scope as a client sent it: the type may be missing, `allowedOktaApps` is kept only
/// for `IFRAME_EMBED`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeInput {
    pub scope_type: Option<ScopeType>,
    pub allowed_okta_apps: Option<Vec<AllowedOktaApp>>,
}

/// A create or replace body after [`validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub name: String,
    pub origin: Origin,
    pub scopes: Vec<Scope>,
}

/// Checks the fields of Create Trusted Origin and Replace Trusted Origin. A missing field and
/// an empty one are the same (the Python SDK drops empty lists and strings from bodies).
pub fn validate(
    name: Option<&str>,
    origin: Option<&str>,
    scopes: &[ScopeInput],
) -> Result<Draft, DomainError> {
    let mut failures: Vec<(&str, String)> = Vec::new();
    let name = match name {
        Some(n) if !n.trim().is_empty() => {
            if n.chars().count() > FIELD_MAX {
                failures.push(("name", too_long("name")));
            }
            n.to_owned()
        }
        _ => {
            failures.push(("name", BLANK.into()));
            String::new()
        }
    };
    let origin = match origin.map(str::trim).filter(|o| !o.is_empty()) {
        None => {
            failures.push(("origin", BLANK.into()));
            None
        }
        Some(o) if o.chars().count() > FIELD_MAX => {
            failures.push(("origin", too_long("origin")));
            None
        }
        Some(o) => {
            let parsed = parse_origin(o);
            if parsed.is_none() {
                failures.push(("origin", "Origin value is not valid".into()));
            }
            parsed
        }
    };
    let scopes = match checked_scopes(scopes) {
        Ok(scopes) => scopes,
        Err(reason) => {
            failures.push(("scopes", reason.into()));
            Vec::new()
        }
    };
    match (failures.first(), origin) {
        (None, Some(origin)) => Ok(Draft {
            name,
            origin,
            scopes,
        }),
        (first, _) => Err(DomainError::Validation {
            summary: first.map_or("origin", |(field, _)| field).to_owned(),
            causes: failures
                .iter()
                .map(|(field, reason)| format!("{field}: {reason}"))
                .collect(),
        }),
    }
}

const BLANK: &str = "The field cannot be left blank";

fn too_long(field: &str) -> String {
    format!("'{field}' cannot be more than '{FIELD_MAX}' characters long.")
}

/// The scopes as stored: at least one, every one typed, one per type, apps deduplicated.
fn checked_scopes(scopes: &[ScopeInput]) -> Result<Vec<Scope>, &'static str> {
    if scopes.is_empty() || scopes.iter().any(|s| s.scope_type.is_none()) {
        return Err(BLANK);
    }
    let mut out: Vec<Scope> = Vec::with_capacity(ScopeType::ALL.len());
    for input in scopes {
        let Some(scope_type) = input.scope_type else {
            continue;
        };
        if out.iter().any(|s| s.scope_type == scope_type) {
            continue;
        }
        let mut scope = Scope::of(scope_type);
        if let Some(apps) = scope.allowed_okta_apps.as_mut() {
            for app in input.allowed_okta_apps.iter().flatten() {
                if !apps.contains(app) {
                    apps.push(*app);
                }
            }
        }
        out.push(scope);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn causes(result: Result<Draft, DomainError>) -> (String, Vec<String>) {
        match result {
            Err(DomainError::Validation { summary, causes }) => (summary, causes),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn scope(t: ScopeType) -> ScopeInput {
        ScopeInput {
            scope_type: Some(t),
            allowed_okta_apps: None,
        }
    }

    #[test]
    fn lifecycle_table_every_cell() {
        use LifecycleOp::{Activate, Deactivate};
        use Status::{Active, Inactive};
        for (from, op, to) in [
            (Active, Activate, Active),
            (Active, Deactivate, Inactive),
            (Inactive, Activate, Active),
            (Inactive, Deactivate, Inactive),
        ] {
            assert_eq!(apply(from, op), to, "{from:?} {op:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for t in ScopeType::ALL {
            assert_eq!(ScopeType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(ScopeType::parse("cors"), None);
    }

    #[test]
    fn origin_keys_are_what_browsers_send() {
        for (text, key) in [
            ("http://example.com", "http://example.com"),
            ("https://App.Example.COM/", "https://app.example.com"),
            ("HTTPS://example.com:443", "https://example.com"),
            ("http://example.com:80", "http://example.com"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("https://example.com:80", "https://example.com:80"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[0:0:0:0:0:0:0:1]", "http://[::1]"),
            ("ftp://files.example.com:21", "ftp://files.example.com"),
            ("ionic://localhost", "ionic://localhost"),
            ("capacitor://localhost", "capacitor://localhost"),
            ("  https://example.com  ", "https://example.com"),
            ("http://my_app.internal", "http://my_app.internal"),
        ] {
            assert_eq!(origin_key(text).as_deref(), Some(key), "{text}");
        }
    }

    #[test]
    fn invalid_origins_are_refused() {
        for text in [
            "example.com",
            "null",
            "",
            "https://",
            "https:///path",
            "https://example.com/path",
            "https://example.com?x=1",
            "https://example.com#top",
            "https://example.com//",
            "https://user@example.com",
            "https://example.com:",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:12a",
            "https://-bad.example.com",
            "https://bad..example.com",
            "https://exa mple.com",
            "https://*.example.com",
            "https://999.1.1.1",
            "https://[::zz]",
            "https://[::1",
            "https://a:b:c",
            "mailto://example.com",
            "chrome-extension://abcdef",
            "javascript://example.com",
            "https://ex\u{e4}mple.com",
        ] {
            assert_eq!(parse_origin(text), None, "{text}");
        }
    }

    #[test]
    fn url_origins_for_redirects() {
        for (url, key) in [
            (
                "https://app.example.com/callback?x=1",
                "https://app.example.com",
            ),
            ("https://app.example.com", "https://app.example.com"),
            ("https://app.example.com?x", "https://app.example.com"),
            (
                "https://App.example.com:443#frag",
                "https://app.example.com",
            ),
        ] {
            assert_eq!(url_origin_key(url).as_deref(), Some(key), "{url}");
        }
        for url in [
            "/relative/path",
            "//evil.example.com/",
            "https://trusted.example.com@evil.example.com/",
            "javascript:alert(1)",
            "https:evil.example.com",
        ] {
            assert_eq!(url_origin_key(url), None, "{url}");
        }
    }

    #[test]
    fn a_valid_body_becomes_a_draft() {
        let draft = validate(
            Some("Web app"),
            Some(" https://app.example.com "),
            &[
                scope(ScopeType::Cors),
                ScopeInput {
                    scope_type: Some(ScopeType::IframeEmbed),
                    allowed_okta_apps: Some(vec![
                        AllowedOktaApp::OktaEnduser,
                        AllowedOktaApp::OktaEnduser,
                    ]),
                },
                ScopeInput {
                    scope_type: Some(ScopeType::Redirect),
                    allowed_okta_apps: Some(vec![AllowedOktaApp::OktaEnduser]),
                },
                scope(ScopeType::Cors),
            ],
        )
        .unwrap();
        assert_eq!(draft.name, "Web app");
        assert_eq!(draft.origin.text, "https://app.example.com");
        assert_eq!(draft.origin.key, "https://app.example.com");
        assert_eq!(
            serde_json::to_value(&draft.scopes).unwrap(),
            serde_json::json!([
                {"type": "CORS"},
                {"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]},
                {"type": "REDIRECT"},
            ])
        );
    }

    #[test]
    fn iframe_scope_without_apps_is_sign_in_only() {
        let draft = validate(
            Some("x"),
            Some("https://x.example.com"),
            &[scope(ScopeType::IframeEmbed)],
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&draft.scopes).unwrap(),
            serde_json::json!([{"type": "IFRAME_EMBED", "allowedOktaApps": []}])
        );
    }

    #[test]
    fn every_broken_field_is_a_cause() {
        let (summary, list) = causes(validate(None, None, &[]));
        assert_eq!(summary, "name");
        assert_eq!(
            list,
            [
                "name: The field cannot be left blank",
                "origin: The field cannot be left blank",
                "scopes: The field cannot be left blank",
            ]
        );
        let (summary, list) = causes(validate(
            Some("ok"),
            Some("example.com"),
            &[scope(ScopeType::Cors)],
        ));
        assert_eq!(summary, "origin");
        assert_eq!(list, ["origin: Origin value is not valid"]);
        let (summary, list) = causes(validate(
            Some("ok"),
            Some("https://ok.example.com"),
            &[ScopeInput::default()],
        ));
        assert_eq!(summary, "scopes");
        assert_eq!(list, ["scopes: The field cannot be left blank"]);
    }

    #[test]
    fn long_fields_are_refused() {
        let long = "n".repeat(256);
        let origin = format!("https://{}.example.com", "a".repeat(60).repeat(4));
        let (summary, list) = causes(validate(
            Some(&long),
            Some(&origin),
            &[scope(ScopeType::Cors)],
        ));
        assert_eq!(summary, "name");
        assert_eq!(
            list,
            [
                "name: 'name' cannot be more than '255' characters long.",
                "origin: 'origin' cannot be more than '255' characters long.",
            ]
        );
        assert!(validate(
            Some(&"n".repeat(255)),
            Some("https://ok.example.com"),
            &[scope(ScopeType::Cors)]
        )
        .is_ok());
        assert!(
            causes(validate(
                Some("   "),
                Some("https://ok.example.com"),
                &[scope(ScopeType::Cors)]
            ))
            .1 == ["name: The field cannot be left blank"]
        );
    }
}
