//! A user's assignment to an app (apps.md, "Application User object", "Application User
//! Credentials object", "Authentication schemes", "Username Template object" and its
//! "Built-in expressions"; the `AppUser` schema).
//!
//! - [`check_credentials`]: which of `credentials.userName` and `credentials.password.value`
//!   an administrator may set, by the app's sign-on mode and scheme (the reference's table:
//!   shared credentials leave nothing to the user; external password sync takes the Okta
//!   password; federated modes have a username but no password). Anything else is E0000041.
//! - [`username`]: the username an assignment gets from the app's `userNameTemplate` when none
//!   is given: the built-in expressions (`${source.login}`, `${source.email}`,
//!   `${fn:substringBefore(source.login, "@")}`, `${fn:toLowerCase(...)}`, the user-suffix
//!   form) and custom templates made of the same parts. A template this evaluator cannot
//!   read gives the Okta username.

use serde_json::{Map, Value};

use super::SignOnMode;
use crate::error::DomainError;

/// Assignment scope (`scope`): direct, or through a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Group,
}

impl Scope {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Group => "GROUP",
        }
    }

    /// Parses `scope`; absent means USER (Okta "determines the scope based on the assignment
    /// type": an assignment made with this endpoint is direct).
    pub fn parse(text: Option<&str>) -> Result<Self, DomainError> {
        match text {
            None | Some("") | Some("USER") => Ok(Self::User),
            Some("GROUP") => Ok(Self::Group),
            Some(other) => Err(DomainError::invalid(
                "scope",
                format!("scope: '{other}' is not one of: USER, GROUP"),
            )),
        }
    }
}

/// Checks the credentials an assignment or update carries against the app's mode and
/// `credentials.scheme`.
pub fn check_credentials(
    mode: SignOnMode,
    scheme: Option<&str>,
    user_name: Option<&str>,
    password: Option<&str>,
) -> Result<(), DomainError> {
    if let Some(name) = user_name {
        let len = name.chars().count();
        if !(1..=100).contains(&len) {
            return Err(DomainError::invalid(
                "userName",
                "userName: The username must be 1 to 100 characters long",
            ));
        }
    }
    let shared = scheme == Some("SHARED_USERNAME_AND_PASSWORD");
    let name_allowed = !shared;
    let password_allowed = mode.has_scheme()
        && matches!(
            scheme,
            Some("ADMIN_SETS_CREDENTIALS" | "EDIT_PASSWORD_ONLY" | "EDIT_USERNAME_AND_PASSWORD")
        );
    if (user_name.is_some() && !name_allowed) || (password.is_some() && !password_allowed) {
        return Err(DomainError::CredentialsScheme);
    }
    Ok(())
}

/// A user's attribute as templates name it (`source.login`, `user.email`, ...).
fn attribute(profile: &Map<String, Value>, name: &str) -> String {
    let key = match name {
        "userName" => "login",
        other => other,
    };
    match profile.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Evaluates one `${...}` expression; None when it is outside the supported forms.
fn expression(expr: &str, profile: &Map<String, Value>, suffix: &str) -> Option<String> {
    let expr = expr.trim();
    if let Some(attr) = expr
        .strip_prefix("source.")
        .or_else(|| expr.strip_prefix("user."))
    {
        return attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            .then(|| attribute(profile, attr));
    }
    if expr == "instance.userSuffix" {
        return Some(suffix.to_owned());
    }
    let (function, args) = expr.strip_prefix("fn:")?.split_once('(')?;
    let args = args.strip_suffix(')')?;
    match function.trim() {
        "toLowerCase" => expression(args, profile, suffix).map(|v| v.to_lowercase()),
        "toUpperCase" => expression(args, profile, suffix).map(|v| v.to_uppercase()),
        "substringBefore" | "substringAfter" => {
            let (inner, literal) = args.rsplit_once(',')?;
            let literal = literal.trim().strip_prefix('"')?.strip_suffix('"')?;
            let value = expression(inner, profile, suffix)?;
            Some(match (function.trim(), value.split_once(literal)) {
                ("substringBefore", Some((before, _))) => before.to_owned(),
                ("substringAfter", Some((_, after))) => after.to_owned(),
                ("substringBefore", None) => value,
                _ => String::new(),
            })
        }
        _ => None,
    }
}

/// The username a user gets in an app from its `userNameTemplate` (`template` and
/// `userSuffix`) and the user's profile.
pub fn username(template: &Map<String, Value>, profile: &Map<String, Value>) -> String {
    let login = attribute(profile, "login");
    let text = template
        .get("template")
        .and_then(Value::as_str)
        .unwrap_or("${source.login}");
    let suffix = template
        .get("userSuffix")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            return login;
        };
        match expression(after.get(..end).unwrap_or_default(), profile, suffix) {
            Some(v) => out.push_str(&v),
            None => return login,
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    if out.is_empty() {
        login
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile() -> Map<String, Value> {
        json!({ "login": "Saml.Jackson@example.com", "email": "saml@example.org",
                "firstName": "Saml" })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn template(t: &str) -> Map<String, Value> {
        json!({ "template": t, "type": "BUILT_IN", "userSuffix": "@corp" })
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn built_in_templates() {
        let p = profile();
        assert_eq!(
            username(&template("${source.login}"), &p),
            "Saml.Jackson@example.com"
        );
        assert_eq!(
            username(&template("${source.email}"), &p),
            "saml@example.org"
        );
        assert_eq!(
            username(&template("${fn:substringBefore(source.login, \"@\")}"), &p),
            "Saml.Jackson"
        );
        assert_eq!(
            username(&template("${fn:toLowerCase(source.email)}"), &p),
            "saml@example.org"
        );
        assert_eq!(
            username(&template("${source.userName}${instance.userSuffix}"), &p),
            "Saml.Jackson@example.com@corp"
        );
        assert_eq!(username(&template("x-${source.firstName}"), &p), "x-Saml");
        // Unknown forms and empty results fall back to the login.
        assert_eq!(
            username(&template("${String.len(x)}"), &p),
            "Saml.Jackson@example.com"
        );
        assert_eq!(
            username(&template("${source.nothing}"), &p),
            "Saml.Jackson@example.com"
        );
    }

    #[test]
    fn credentials_per_scheme() {
        use SignOnMode::*;
        assert!(check_credentials(
            SecurePasswordStore,
            Some("EDIT_USERNAME_AND_PASSWORD"),
            Some("u"),
            Some("p")
        )
        .is_ok());
        assert!(check_credentials(
            BasicAuth,
            Some("ADMIN_SETS_CREDENTIALS"),
            Some("u"),
            Some("p")
        )
        .is_ok());
        assert_eq!(
            check_credentials(
                BrowserPlugin,
                Some("EXTERNAL_PASSWORD_SYNC"),
                Some("u"),
                Some("p")
            ),
            Err(DomainError::CredentialsScheme)
        );
        assert!(check_credentials(
            BrowserPlugin,
            Some("EXTERNAL_PASSWORD_SYNC"),
            Some("u"),
            None
        )
        .is_ok());
        assert_eq!(
            check_credentials(
                AutoLogin,
                Some("SHARED_USERNAME_AND_PASSWORD"),
                Some("u"),
                None
            ),
            Err(DomainError::CredentialsScheme)
        );
        assert_eq!(
            check_credentials(Saml20, None, Some("u"), Some("p")),
            Err(DomainError::CredentialsScheme)
        );
        assert!(check_credentials(Saml20, None, Some("u"), None).is_ok());
        assert!(matches!(
            check_credentials(Saml20, None, Some(""), None),
            Err(DomainError::Validation { .. })
        ));
    }

    #[test]
    fn scopes() {
        assert_eq!(Scope::parse(None), Ok(Scope::User));
        assert_eq!(Scope::parse(Some("GROUP")), Ok(Scope::Group));
        assert!(Scope::parse(Some("ORG")).is_err());
    }
}
