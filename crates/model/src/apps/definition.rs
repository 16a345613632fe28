//! A create or replace body turned into the app as stored (apps.md, "Add application", the
//! per-mode "Settings" tables, "Update application", "Application object", "Accessibility
//! object", "Visibility object", "Application Credentials object"; the spec's per-mode
//! `*Application` schemas, whose `required` lists are the required settings below).
//!
//! The stored definition holds `accessibility`, `visibility`, `features`, `credentials` and
//! `settings` (and `profile` for OpenID Connect apps, the only mode that has one). Secrets
//! never enter it: a shared SWA password and an OAuth client secret are returned beside it
//! for the caller to seal; the signing key id and the client id live in their own columns.
//!
//! Required settings per mode: BOOKMARK `app.url`; BASIC_AUTH `app.url`, `app.authURL`;
//! SECURE_PASSWORD_STORE `app.url`, `app.usernameField`, `app.passwordField`; BROWSER_PLUGIN
//! (`template_swa`) `app.url`, `app.usernameField`, `app.passwordField`, `app.buttonField`,
//! (`template_swa3field`) `app.targetURL`, `app.userNameSelector`, `app.passwordSelector`,
//! `app.buttonSelector`; AUTO_LOGIN `signOn.loginUrl`; SAML_2_0 see [`super::saml`];
//! OPENID_CONNECT see [`super::oidc`]; WS_FEDERATION (`template_wsfed`)
//! `app.audienceRestriction`, `groupValueFormat`, `wReplyURL`, `nameIDFormat`,
//! `authnContextClassRef`, `siteURL`, `usernameAttribute`. Other WS_FEDERATION and SAML_1_1
//! settings come from the catalogue definition and are stored as given.
//!
//! Names: a catalogue name must come with its sign-on mode; SAML_2_0 and AUTO_LOGIN apps
//! without a name are custom apps whose name the caller generates (`{org}_{label}_{n}`); any
//! other name is kept as the key of an app definition this server does not know, except for
//! BROWSER_PLUGIN, whose only definitions are the two SWA templates.
//!
//! Replace: the name and sign-on mode cannot change; a top-level section left out of the body
//! keeps its stored value (the reference's own replace examples send only the section they
//! change), and a section that is present is checked and stored whole.

use serde_json::{json, Map, Value};

use super::oidc::{self, OAuthClient};
use super::{catalogue_mode, is_url, saml, Causes, SignOnMode};
use crate::error::DomainError;

/// Authentication schemes of apps whose credentials Okta vaults.
pub const SCHEMES: &[&str] = &[
    "ADMIN_SETS_CREDENTIALS",
    "EDIT_PASSWORD_ONLY",
    "EDIT_USERNAME_AND_PASSWORD",
    "EXTERNAL_PASSWORD_SYNC",
    "SHARED_USERNAME_AND_PASSWORD",
];

/// The app a body defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Defined {
    pub name: String,
    pub label: String,
    pub mode: SignOnMode,
    /// `accessibility`, `visibility`, `features`, `credentials`, `settings` and (OpenID
    /// Connect) `profile`, as stored.
    pub definition: Map<String, Value>,
    /// A shared password set with `credentials.password.value`; None keeps the stored one
    /// (or none).
    pub shared_password: Option<String>,
    /// Whether a stored shared password must be dropped (the scheme no longer shares one).
    pub drop_shared_password: bool,
    /// The OAuth client, for OpenID Connect apps.
    pub oauth: Option<OAuthClient>,
    /// `credentials.signing.kid` as requested (a replace that switches keys).
    pub requested_kid: Option<String>,
}

/// What a replace keeps from the stored app.
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub mode: SignOnMode,
    pub definition: &'a Map<String, Value>,
    pub client_id: Option<&'a str>,
    pub has_client_secret: bool,
}

fn as_object<'v>(
    body: &'v Map<String, Value>,
    field: &str,
    causes: &mut Causes,
) -> Option<&'v Map<String, Value>> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o),
        Some(_) => {
            causes.add(field, "The field must be an object");
            None
        }
    }
}

fn text<'v>(body: &'v Map<String, Value>, field: &str, causes: &mut Causes) -> Option<&'v str> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            causes.add(field, "The field must be a string");
            None
        }
    }
}

/// The longest app `name` (apps.md, "Application properties": 1 to 255 characters).
const NAME_MAX: usize = 255;

/// The mode and, for a create, the catalogue decision: `(mode, name, custom)`. `custom` means
/// the caller generates the name.
pub fn name_and_mode(
    body: &Map<String, Value>,
) -> Result<(SignOnMode, Option<String>), DomainError> {
    let mut causes = Causes::default();
    let mode_text = text(body, "signOnMode", &mut causes);
    let name = text(body, "name", &mut causes).map(str::to_owned);
    if name
        .as_deref()
        .is_some_and(|n| n.chars().count() > NAME_MAX)
    {
        causes.add(
            "name",
            format!("The field cannot be longer than {NAME_MAX} characters"),
        );
    }
    let mode = match mode_text {
        None => {
            causes.add("signOnMode", "The field cannot be left blank");
            None
        }
        Some(m) => match SignOnMode::parse(m) {
            Some(mode) => Some(mode),
            None => {
                causes.add(
                    "signOnMode",
                    format!(
                        "'{m}' is not one of: {}",
                        SignOnMode::ALL.map(SignOnMode::as_str).join(", ")
                    ),
                );
                None
            }
        },
    };
    causes.finish()?;
    let Some(mode) = mode else {
        return Err(DomainError::invalid(
            "signOnMode",
            "signOnMode: The field cannot be left blank",
        ));
    };
    match (&name, catalogue_mode(name.as_deref().unwrap_or_default())) {
        (Some(n), Some(expected)) if expected != mode => Err(DomainError::invalid(
            "signOnMode",
            format!(
                "signOnMode: The app '{n}' uses the sign-on mode {}, not {}",
                expected.as_str(),
                mode.as_str()
            ),
        )),
        (Some(n), None) if mode == SignOnMode::BrowserPlugin => Err(DomainError::invalid(
            "name",
            format!("name: '{n}' is not one of: template_swa, template_swa3field"),
        )),
        (None, _) if !matches!(mode, SignOnMode::Saml20 | SignOnMode::AutoLogin) => {
            Err(DomainError::invalid(
                "name",
                format!(
                    "name: The field cannot be left blank (only SAML_2_0 and AUTO_LOGIN apps can be custom apps without one; {} apps name their app definition)",
                    mode.as_str()
                ),
            ))
        }
        _ => Ok((mode, name)),
    }
}

/// The label a body gives, checked (1 to 100 characters).
fn label(body: &Map<String, Value>, stored: Option<&str>, causes: &mut Causes) -> String {
    match text(body, "label", causes) {
        Some(l) if l.chars().count() > 100 => {
            causes.add("label", "The field cannot be longer than 100 characters");
            String::new()
        }
        Some(l) => l.to_owned(),
        None => match stored {
            Some(l) => l.to_owned(),
            None => {
                causes.add("label", "The field cannot be left blank");
                String::new()
            }
        },
    }
}

fn accessibility(input: Option<&Map<String, Value>>, causes: &mut Causes) -> Value {
    let mut out =
        json!({ "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null });
    if let (Some(input), Some(o)) = (input, out.as_object_mut()) {
        for (key, value) in input {
            match (key.as_str(), value) {
                ("selfService", Value::Bool(_) | Value::Null) => {
                    o.insert(key.clone(), json!(value.as_bool().unwrap_or(false)));
                }
                ("errorRedirectUrl" | "loginRedirectUrl", Value::Null) => {}
                ("errorRedirectUrl" | "loginRedirectUrl", Value::String(s)) => {
                    if s.is_empty() {
                        continue;
                    }
                    if !is_url(s) {
                        causes.add(key.clone(), format!("'{s}' is not a valid URL"));
                    }
                    o.insert(key.clone(), value.clone());
                }
                ("selfService" | "errorRedirectUrl" | "loginRedirectUrl", _) => {
                    causes.add(key.clone(), "The field has the wrong type");
                }
                _ => {
                    o.insert(key.clone(), value.clone());
                }
            }
        }
    }
    out
}

fn visibility(
    input: Option<&Map<String, Value>>,
    default_link: &str,
    causes: &mut Causes,
) -> Value {
    let mut out = Map::new();
    out.insert("autoLaunch".into(), json!(false));
    out.insert("autoSubmitToolbar".into(), json!(false));
    out.insert("hide".into(), json!({ "iOS": false, "web": false }));
    let mut links = Map::new();
    links.insert(default_link.to_owned(), json!(true));
    out.insert("appLinks".into(), Value::Object(links));
    let Some(input) = input else {
        return Value::Object(out);
    };
    for (key, value) in input {
        match key.as_str() {
            "autoLaunch" | "autoSubmitToolbar" => match value {
                Value::Bool(_) => {
                    out.insert(key.clone(), value.clone());
                }
                Value::Null => {}
                _ => causes.add(format!("visibility.{key}"), "The field must be a boolean"),
            },
            "hide" => match value {
                Value::Object(h) => {
                    let mut hide = json!({ "iOS": false, "web": false });
                    for (k, v) in h {
                        match (hide.as_object_mut(), v) {
                            (Some(o), Value::Bool(_)) => {
                                o.insert(k.clone(), v.clone());
                            }
                            (_, Value::Null) => {}
                            _ => causes.add(
                                format!("visibility.hide.{k}"),
                                "The field must be a boolean",
                            ),
                        }
                    }
                    out.insert("hide".into(), hide);
                }
                Value::Null => {}
                _ => causes.add("visibility.hide", "The field must be an object"),
            },
            "appLinks" => match value {
                Value::Object(l) if !l.is_empty() => {
                    if l.values().all(Value::is_boolean) {
                        out.insert("appLinks".into(), value.clone());
                    } else {
                        causes.add("visibility.appLinks", "Each app link must be true or false");
                    }
                }
                Value::Object(_) | Value::Null => {}
                _ => causes.add("visibility.appLinks", "The field must be an object"),
            },
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// `credentials.userNameTemplate` with its defaults (`${source.login}`, `BUILT_IN`).
fn username_template(input: Option<&Value>, causes: &mut Causes) -> Value {
    let mut out = json!({ "template": "${source.login}", "type": "BUILT_IN" });
    let Some(input) = input.filter(|v| !v.is_null()) else {
        return out;
    };
    let Some(input) = input.as_object() else {
        causes.add("userNameTemplate", "The field must be an object");
        return out;
    };
    let Some(o) = out.as_object_mut() else {
        return out;
    };
    for (key, value) in input {
        match (key.as_str(), value) {
            (_, Value::Null) => {}
            ("template", Value::String(t)) => {
                if t.chars().count() > 1024 {
                    causes.add(
                        "userNameTemplate.template",
                        "The field cannot be longer than 1024 characters",
                    );
                }
                if !t.is_empty() {
                    o.insert(key.clone(), value.clone());
                }
            }
            ("type", Value::String(t)) => {
                if !matches!(t.as_str(), "NONE" | "BUILT_IN" | "CUSTOM" | "") {
                    causes.add(
                        "userNameTemplate.type",
                        format!("'{t}' is not one of: NONE, BUILT_IN, CUSTOM"),
                    );
                }
                if !t.is_empty() {
                    o.insert(key.clone(), value.clone());
                }
            }
            ("pushStatus", Value::String(t)) => {
                if !matches!(t.as_str(), "PUSH" | "DONT_PUSH" | "NOT_CONFIGURED") {
                    causes.add(
                        "userNameTemplate.pushStatus",
                        format!("'{t}' is not one of: PUSH, DONT_PUSH, NOT_CONFIGURED"),
                    );
                }
                o.insert(key.clone(), value.clone());
            }
            ("userSuffix", Value::String(_)) => {
                o.insert(key.clone(), value.clone());
            }
            ("template" | "type" | "pushStatus" | "userSuffix", _) => causes.add(
                format!("userNameTemplate.{key}"),
                "The field must be a string",
            ),
            _ => {
                o.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// The credentials section (without the signing key id and the OAuth client, which the
/// caller adds) and the shared password to seal.
fn credentials(
    mode: SignOnMode,
    input: Option<&Map<String, Value>>,
    stored: Option<&Map<String, Value>>,
    causes: &mut Causes,
) -> (Map<String, Value>, Option<String>, bool, Option<String>) {
    let mut out = Map::new();
    let template_in = input
        .and_then(|c| c.get("userNameTemplate"))
        .or_else(|| stored.and_then(|s| s.get("userNameTemplate")));
    out.insert(
        "userNameTemplate".into(),
        username_template(template_in, causes),
    );
    let mut shared_password = None;
    let mut drop_shared = false;
    if mode.has_scheme() {
        let scheme = input
            .and_then(|c| c.get("scheme"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .or_else(|| stored.and_then(|s| s.get("scheme")).and_then(Value::as_str))
            .unwrap_or("EDIT_USERNAME_AND_PASSWORD");
        if !SCHEMES.contains(&scheme) {
            causes.add(
                "scheme",
                format!("'{scheme}' is not one of: {}", SCHEMES.join(", ")),
            );
        }
        out.insert("scheme".into(), json!(scheme));
        let reveal = input
            .and_then(|c| c.get("revealPassword"))
            .or_else(|| stored.and_then(|s| s.get("revealPassword")))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        out.insert("revealPassword".into(), json!(reveal));
        if scheme == "SHARED_USERNAME_AND_PASSWORD" {
            let user_name = input
                .and_then(|c| c.get("userName"))
                .or_else(|| stored.and_then(|s| s.get("userName")))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            match user_name {
                Some(u) if u.chars().count() <= 100 => {
                    out.insert("userName".into(), json!(u));
                }
                Some(_) => causes.add("userName", "The field cannot be longer than 100 characters"),
                None => causes.add(
                    "userName",
                    "A shared username is required with the SHARED_USERNAME_AND_PASSWORD scheme",
                ),
            }
            shared_password = input
                .and_then(|c| c.get("password"))
                .and_then(|p| p.get("value"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            let had = stored.is_some_and(|s| s.contains_key("password"));
            if shared_password.is_some() || had {
                out.insert("password".into(), json!({}));
            } else {
                causes.add(
                    "password",
                    "A shared password is required with the SHARED_USERNAME_AND_PASSWORD scheme",
                );
            }
        } else {
            drop_shared = true;
        }
    }
    let requested_kid = input
        .and_then(|c| c.get("signing"))
        .and_then(|s| s.get("kid"))
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    (out, shared_password, drop_shared, requested_kid)
}

fn require_url(app: &Map<String, Value>, field: &str, causes: &mut Causes) {
    match app.get(field) {
        Some(Value::String(s)) if !s.is_empty() => {
            if !is_url(s) {
                causes.add(field, format!("'{s}' is not a valid URL"));
            }
        }
        None | Some(Value::Null) | Some(Value::String(_)) => {
            causes.add(field, "The field cannot be left blank")
        }
        Some(_) => causes.add(field, "The field must be a string"),
    }
}

fn require_text(app: &Map<String, Value>, field: &str, causes: &mut Causes) {
    match app.get(field) {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => {
            causes.add(field, "The field cannot be left blank")
        }
        Some(_) => causes.add(field, "The field must be a string"),
    }
}

fn require_one_of(app: &Map<String, Value>, field: &str, allowed: &[&str], causes: &mut Causes) {
    match app.get(field) {
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
        Some(Value::String(s)) if !s.is_empty() => {
            causes.add(field, format!("'{s}' is not one of {}", allowed.join(", ")))
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            causes.add(field, "The field cannot be left blank")
        }
        Some(_) => causes.add(field, "The field must be a string"),
    }
}

/// `settings` with the common defaults (`app`, `notifications`, `notes`, ...) and the mode's
/// own checks. Returns the stored settings and, for OpenID Connect, the raw
/// `settings.oauthClient` to hand to [`oidc::client`].
fn settings(
    mode: SignOnMode,
    name: &str,
    custom: bool,
    input: &Map<String, Value>,
    causes: &mut Causes,
) -> Result<Map<String, Value>, DomainError> {
    let mut out = input.clone();
    let app = match out.get("app") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            causes.add("app", "The field must be an object");
            Map::new()
        }
    };
    match mode {
        SignOnMode::Bookmark => {
            require_url(&app, "url", causes);
            let mut app = app;
            app.entry("requestIntegration").or_insert(json!(false));
            out.insert("app".into(), Value::Object(app));
        }
        SignOnMode::BasicAuth => {
            require_url(&app, "url", causes);
            require_url(&app, "authURL", causes);
            out.insert("app".into(), Value::Object(app));
        }
        SignOnMode::SecurePasswordStore => {
            require_url(&app, "url", causes);
            require_text(&app, "usernameField", causes);
            require_text(&app, "passwordField", causes);
            out.insert("app".into(), Value::Object(app));
        }
        SignOnMode::BrowserPlugin => {
            if name == "template_swa3field" {
                require_url(&app, "targetURL", causes);
                require_text(&app, "userNameSelector", causes);
                require_text(&app, "passwordSelector", causes);
                require_text(&app, "buttonSelector", causes);
            } else {
                require_url(&app, "url", causes);
                require_text(&app, "usernameField", causes);
                require_text(&app, "passwordField", causes);
                require_text(&app, "buttonField", causes);
            }
            out.insert("app".into(), Value::Object(app));
        }
        SignOnMode::AutoLogin => {
            let sign_on = match out.get("signOn") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(o)) => o.clone(),
                Some(_) => {
                    causes.add("signOn", "The field must be an object");
                    Map::new()
                }
            };
            require_url(&sign_on, "loginUrl", causes);
            if let Some(Value::String(r)) = sign_on.get("redirectUrl") {
                if !r.is_empty() && !is_url(r) {
                    causes.add("redirectUrl", format!("'{r}' is not a valid URL"));
                }
            }
            out.insert("app".into(), Value::Object(app));
            out.insert("signOn".into(), Value::Object(sign_on));
        }
        SignOnMode::Saml20 => {
            let sign_on = saml::sign_on(input.get("signOn"), custom)?;
            out.insert("app".into(), Value::Object(app));
            out.insert("signOn".into(), Value::Object(sign_on));
        }
        SignOnMode::WsFederation if name == "template_wsfed" => {
            for field in [
                "audienceRestriction",
                "nameIDFormat",
                "authnContextClassRef",
            ] {
                require_text(&app, field, causes);
            }
            require_url(&app, "wReplyURL", causes);
            require_url(&app, "siteURL", causes);
            require_one_of(
                &app,
                "groupValueFormat",
                &["windowsDomainQualifiedName", "samAccountName", "dn"],
                causes,
            );
            require_one_of(
                &app,
                "usernameAttribute",
                &["username", "upn", "upnAndUsername", "none"],
                causes,
            );
            out.insert("app".into(), Value::Object(app));
        }
        SignOnMode::OpenIdConnect | SignOnMode::Saml11 | SignOnMode::WsFederation => {
            out.insert("app".into(), Value::Object(app));
        }
    }
    out.entry("notifications").or_insert(json!({
        "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null }
    }));
    if let Some(connection) = out
        .get("notifications")
        .and_then(|n| n.get("vpn"))
        .and_then(|v| v.get("network"))
        .and_then(|n| n.get("connection"))
        .and_then(Value::as_str)
    {
        if !matches!(
            connection,
            "DISABLED" | "ANYWHERE" | "ON_NETWORK" | "OFF_NETWORK"
        ) {
            causes.add(
                "notifications.vpn.network.connection",
                format!(
                    "'{connection}' is not one of: DISABLED, ANYWHERE, ON_NETWORK, OFF_NETWORK"
                ),
            );
        }
    }
    out.entry("manualProvisioning").or_insert(json!(false));
    out.entry("implicitAssignment").or_insert(json!(false));
    out.entry("notes")
        .or_insert(json!({ "admin": null, "enduser": null }));
    out.insert("emOptInStatus".into(), json!("DISABLED"));
    Ok(out)
}

/// The default app link of an app: `login`, `oidc_client_link` for OpenID Connect, or
/// `{name}_link` for a custom app (the reference's examples).
fn default_link(mode: SignOnMode, name: &str, custom: bool) -> String {
    if custom || mode == SignOnMode::OpenIdConnect {
        format!("{name}_link")
    } else {
        "login".to_owned()
    }
}

/// Reads a create body. `generated_name` is the name the caller generated for a custom app
/// (SAML_2_0 or AUTO_LOGIN without `name`); it is ignored otherwise.
pub fn create(
    body: &Map<String, Value>,
    generated_name: Option<&str>,
) -> Result<Defined, DomainError> {
    let (mode, name) = name_and_mode(body)?;
    let custom = name.is_none();
    let name = name
        .or_else(|| generated_name.map(str::to_owned))
        .unwrap_or_else(|| "custom_app".to_owned());
    build(body, mode, &name, custom, None)
}

/// Whether a create body is a custom app whose name the caller must generate, and the label
/// to generate it from.
pub fn custom_label(body: &Map<String, Value>) -> Option<String> {
    let (_, name) = name_and_mode(body).ok()?;
    if name.is_some() {
        return None;
    }
    body.get("label").and_then(Value::as_str).map(str::to_owned)
}

/// Reads a replace body against the stored app.
pub fn replace(body: &Map<String, Value>, stored: Stored<'_>) -> Result<Defined, DomainError> {
    if let Some(mode) = body.get("signOnMode").and_then(Value::as_str) {
        if mode != stored.mode.as_str() {
            return Err(DomainError::invalid(
                "signOnMode",
                "signOnMode: The sign-on mode cannot be changed after the application is created",
            ));
        }
    }
    let custom = stored.definition.get("custom").and_then(Value::as_bool) == Some(true);
    build(body, stored.mode, stored.name, custom, Some(stored))
}

fn build(
    body: &Map<String, Value>,
    mode: SignOnMode,
    name: &str,
    custom: bool,
    stored: Option<Stored<'_>>,
) -> Result<Defined, DomainError> {
    let mut causes = Causes::default();
    let label = label(body, stored.map(|s| s.label), &mut causes);
    let stored_section = |key: &str| {
        stored
            .and_then(|s| s.definition.get(key))
            .and_then(Value::as_object)
    };
    let link = default_link(mode, name, custom);
    let accessibility = match (
        as_object(body, "accessibility", &mut causes),
        stored_section("accessibility"),
    ) {
        (None, Some(s)) => Value::Object(s.clone()),
        (given, _) => accessibility(given, &mut causes),
    };
    let visibility = match (
        as_object(body, "visibility", &mut causes),
        stored_section("visibility"),
    ) {
        (None, Some(s)) => Value::Object(s.clone()),
        (given, _) => visibility(given, &link, &mut causes),
    };
    let credentials_in = as_object(body, "credentials", &mut causes);
    let stored_credentials = stored_section("credentials");
    let (mut credentials, shared_password, drop_shared, requested_kid) =
        credentials(mode, credentials_in, stored_credentials, &mut causes);
    let settings_in = match as_object(body, "settings", &mut causes) {
        Some(s) => s.clone(),
        None => stored_section("settings").cloned().unwrap_or_default(),
    };
    let mut settings = settings(mode, name, custom, &settings_in, &mut causes)?;
    causes.finish()?;

    let mut definition = Map::new();
    let mut oauth = None;
    if mode == SignOnMode::OpenIdConnect {
        let oauth_settings = match settings_in.get("oauthClient") {
            Some(Value::Object(o)) => o.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => {
                return Err(DomainError::invalid(
                    "oauthClient",
                    "oauthClient: The field must be an object",
                ))
            }
        };
        let mut oauth_credentials = credentials_in
            .and_then(|c| c.get("oauthClient"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if credentials_in.is_none() {
            if let Some(old) = stored_credentials
                .and_then(|c| c.get("oauthClient"))
                .and_then(Value::as_object)
            {
                oauth_credentials = old.clone();
            }
        }
        let existing = stored.map(|s| oidc::Existing {
            client_id: s.client_id.unwrap_or_default(),
            application_type: s
                .definition
                .get("settings")
                .and_then(|v| v.get("oauthClient"))
                .and_then(|v| v.get("application_type"))
                .and_then(Value::as_str),
            has_secret: s.has_client_secret,
        });
        let client = oidc::client(&oauth_settings, &oauth_credentials, existing)?;
        settings.insert("oauthClient".into(), Value::Object(client.settings.clone()));
        credentials.insert(
            "oauthClient".into(),
            Value::Object(client.credentials.clone()),
        );
        oauth = Some(client);
        let profile = match body.get("profile") {
            Some(Value::Object(p)) => Some(Value::Object(p.clone())),
            Some(Value::Null) | None => stored.and_then(|s| s.definition.get("profile")).cloned(),
            Some(_) => {
                return Err(DomainError::invalid(
                    "profile",
                    "profile: The field must be an object",
                ))
            }
        };
        if let Some(p) = profile {
            definition.insert("profile".into(), p);
        }
    }
    if mode.signs_assertions() || mode == SignOnMode::OpenIdConnect {
        credentials.insert("signing".into(), json!({}));
    }
    definition.insert("accessibility".into(), accessibility);
    definition.insert("visibility".into(), visibility);
    definition.insert("features".into(), json!([]));
    definition.insert("credentials".into(), Value::Object(credentials));
    definition.insert("settings".into(), Value::Object(settings));
    if custom {
        definition.insert("custom".into(), json!(true));
    }
    Ok(Defined {
        name: name.to_owned(),
        label,
        mode,
        definition,
        shared_password,
        drop_shared_password: drop_shared,
        oauth,
        requested_kid,
    })
}

#[cfg(test)]
mod tests;
