//! Okta's Application object as pure domain rules (apps.md, "Application operations",
//! "Application object", "Application User object", "Application Group object"; the
//! Application, ApplicationUsers and ApplicationGroups tags of the Management OpenAPI spec).
//!
//! - this module: sign-on modes, the app lifecycle table, the app-definition catalogue;
//! - [`definition`]: a create or replace body turned into a stored definition, with Okta's
//!   defaults filled in and the per-mode settings checked;
//! - [`saml`]: `settings.signOn` of SAML 2.0 apps;
//! - [`oidc`]: `settings.oauthClient` and `credentials.oauthClient` of OpenID Connect apps;
//! - [`app_user`]: which credentials an assignment may carry, and the username template.
//!
//! Nothing here touches storage, the clock or randomness other than through its arguments.

pub mod app_user;
pub mod definition;
pub mod oidc;
pub mod saml;

use crate::error::{DomainError, Forbidden};

/// How users sign in to an app (`ApplicationSignOnMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignOnMode {
    AutoLogin,
    BasicAuth,
    Bookmark,
    BrowserPlugin,
    OpenIdConnect,
    Saml11,
    Saml20,
    SecurePasswordStore,
    WsFederation,
}

impl SignOnMode {
    /// Every mode, in the spec's enum order.
    pub const ALL: [Self; 9] = [
        Self::AutoLogin,
        Self::BasicAuth,
        Self::Bookmark,
        Self::BrowserPlugin,
        Self::OpenIdConnect,
        Self::Saml11,
        Self::Saml20,
        Self::SecurePasswordStore,
        Self::WsFederation,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AutoLogin => "AUTO_LOGIN",
            Self::BasicAuth => "BASIC_AUTH",
            Self::Bookmark => "BOOKMARK",
            Self::BrowserPlugin => "BROWSER_PLUGIN",
            Self::OpenIdConnect => "OPENID_CONNECT",
            Self::Saml11 => "SAML_1_1",
            Self::Saml20 => "SAML_2_0",
            Self::SecurePasswordStore => "SECURE_PASSWORD_STORE",
            Self::WsFederation => "WS_FEDERATION",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Modes whose credentials Okta vaults, and which therefore carry a `credentials.scheme`
    /// (apps.md, "Authentication schemes"; custom SWA apps use AUTO_LOGIN).
    pub const fn has_scheme(self) -> bool {
        matches!(
            self,
            Self::AutoLogin | Self::BasicAuth | Self::BrowserPlugin | Self::SecurePasswordStore
        )
    }

    /// Modes that sign with an app key credential (`credentials.signing`): a key pair is
    /// generated when such an app is created.
    pub const fn signs_assertions(self) -> bool {
        matches!(self, Self::Saml20 | Self::Saml11 | Self::WsFederation)
    }
}

/// An app instance's status (`ApplicationLifecycleStatus`; DELETED is never stored: a
/// deleted app is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStatus {
    Active,
    Inactive,
}

impl AppStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ACTIVE" => Some(Self::Active),
            "INACTIVE" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A lifecycle operation on an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppOp {
    Activate,
    Deactivate,
    Delete,
}

/// What an operation does to an app in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppTransition {
    /// The app moves to this status (and the change is logged).
    To(AppStatus),
    /// Nothing changes; the call still succeeds (Okta answers `{}` to activating an active
    /// app and to deactivating an inactive one).
    Unchanged,
    /// The app is removed.
    Removed,
}

/// The lifecycle table (apps.md, "Activate application", "Deactivate application", "Delete
/// application"):
///
/// | status   | activate  | deactivate | delete          |
/// |----------|-----------|------------|-----------------|
/// | ACTIVE   | unchanged | INACTIVE   | E0000056 (403)  |
/// | INACTIVE | ACTIVE    | unchanged  | removed         |
pub fn apply(status: AppStatus, op: AppOp) -> Result<AppTransition, DomainError> {
    use AppOp::{Activate, Deactivate, Delete};
    use AppStatus::{Active, Inactive};
    match (status, op) {
        (Active, Activate) | (Inactive, Deactivate) => Ok(AppTransition::Unchanged),
        (Inactive, Activate) => Ok(AppTransition::To(Active)),
        (Active, Deactivate) => Ok(AppTransition::To(Inactive)),
        (Inactive, Delete) => Ok(AppTransition::Removed),
        (Active, Delete) => Err(DomainError::Forbidden(Forbidden::DeleteActiveApp)),
    }
}

/// The app definitions (`name`) this server knows, with the sign-on mode each requires
/// (apps.md, "App names"). Any other name is taken as the key of a custom or catalogue app
/// this server has no definition for: it is kept as given and the mode's generic rules apply.
pub const CATALOGUE: &[(&str, SignOnMode)] = &[
    ("bookmark", SignOnMode::Bookmark),
    ("template_basic_auth", SignOnMode::BasicAuth),
    ("template_swa", SignOnMode::BrowserPlugin),
    ("template_swa3field", SignOnMode::BrowserPlugin),
    ("template_sps", SignOnMode::SecurePasswordStore),
    ("template_wsfed", SignOnMode::WsFederation),
    ("oidc_client", SignOnMode::OpenIdConnect),
    ("okta_org2org", SignOnMode::Saml20),
];

/// The mode a catalogue name requires, if the name is in the catalogue.
pub fn catalogue_mode(name: &str) -> Option<SignOnMode> {
    CATALOGUE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, mode)| *mode)
}

/// Whether `text` is an absolute URL with a scheme and a host, as the reference's "URL"
/// validation asks (RFC 3986 absolute URI; no spaces).
pub fn is_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    scheme_ok && !host.is_empty() && !text.chars().any(char::is_whitespace)
}

/// The lower-case letters and digits of `label`, for the generated name of a custom app
/// (`{org}_{label}_{n}`, apps.md "Add custom SAML application").
pub fn name_slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if slug.is_empty() {
        "app".to_owned()
    } else {
        slug
    }
}

/// Validation failures collected while reading a body, reported as one E0000001 whose
/// summary names the first failing field (as Okta's "Api validation failed: client_secret").
#[derive(Debug, Default)]
pub struct Causes(Vec<(String, String)>);

impl Causes {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when nothing failed; otherwise the E0000001 error.
    pub fn finish(self) -> Result<(), DomainError> {
        let Some((first, _)) = self.0.first() else {
            return Ok(());
        };
        Err(DomainError::Validation {
            summary: first.clone(),
            causes: self
                .0
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_of_the_lifecycle_table() {
        use AppOp::*;
        use AppStatus::*;
        assert_eq!(apply(Active, Activate), Ok(AppTransition::Unchanged));
        assert_eq!(apply(Active, Deactivate), Ok(AppTransition::To(Inactive)));
        assert_eq!(
            apply(Active, Delete),
            Err(DomainError::Forbidden(Forbidden::DeleteActiveApp))
        );
        assert_eq!(apply(Inactive, Activate), Ok(AppTransition::To(Active)));
        assert_eq!(apply(Inactive, Deactivate), Ok(AppTransition::Unchanged));
        assert_eq!(apply(Inactive, Delete), Ok(AppTransition::Removed));
    }

    #[test]
    fn modes_round_trip() {
        for mode in SignOnMode::ALL {
            assert_eq!(SignOnMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(SignOnMode::parse("Custom"), None);
    }

    #[test]
    fn urls() {
        assert!(is_url("https://example.com/login.html"));
        assert!(is_url("myapp://callback"));
        assert!(is_url("http://localhost:8080"));
        assert!(!is_url("example.com"));
        assert!(!is_url("https://"));
        assert!(!is_url("https://exa mple.com"));
        assert!(!is_url("1http://x"));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            name_slug("Example Custom SAML 2.0 App"),
            "examplecustomsaml20app"
        );
        assert_eq!(name_slug("!!"), "app");
    }

    #[test]
    fn causes_name_the_first_field() {
        let mut c = Causes::default();
        assert!(c.is_empty());
        c.add("url", "The field cannot be left blank");
        c.add("authURL", "The field cannot be left blank");
        assert_eq!(
            c.finish(),
            Err(DomainError::Validation {
                summary: "url".into(),
                causes: vec![
                    "url: The field cannot be left blank".into(),
                    "authURL: The field cannot be left blank".into()
                ]
            })
        );
    }
}
