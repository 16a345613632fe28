//! OpenID Connect client apps: `settings.oauthClient` and `credentials.oauthClient` (apps.md,
//! "Add OAuth 2.0 client application", its Settings table and "Details"; "OAuth Credential
//! object"; the `OpenIdConnectApplicationSettingsClient` and `ApplicationCredentialsOAuthClient`
//! schemas).
//!
//! Rules, with their sources:
//! - grant types per `application_type` are the reference's table: `browser` takes
//!   `authorization_code` and `implicit`; `native` those plus `password` and `refresh_token`
//!   and needs `authorization_code`; `service` takes `client_credentials`; `web` takes
//!   `authorization_code`, `implicit` and `refresh_token` and needs `authorization_code`. Two
//!   additions the reference makes elsewhere: `interaction_code` for the redirect-based types
//!   (the `idp_initiated_login` note) and `refresh_token` for `browser` (the refresh-token
//!   section's rotation default for single-page apps);
//! - `authorization_code` goes with response type `code`, `implicit` with `token` and/or
//!   `id_token`, and each response type needs its grant ("Details": the two are related);
//! - at least one redirect URI is required unless the client only uses the password,
//!   client-credentials (or refresh-token) grants; redirect URIs are absolute, without a
//!   fragment, and with `wildcard_redirect: SUBDOMAIN` may hold one `*` in the lowest-level
//!   domain of an `https` URI;
//! - `token_endpoint_auth_method` defaults to `client_secret_basic` (`none` for `browser`,
//!   where the reference is silent and Okta makes single-page apps public clients); `browser`
//!   apps must use `none`, `web` and `service` apps must authenticate (Okta's observed rules);
//! - `pkce_required` defaults to true for `browser` and `native` and must be true with `none`;
//! - `client_id`: 6 to 100 characters of `A-Za-z0-9$-_.+!*'(),`, not `ALL_CLIENTS`, immutable;
//!   `client_secret`: 14 to 100 printable ASCII characters, 32 or more for
//!   `client_secret_jwt`, refused with `private_key_jwt`; generated when the method needs one
//!   and none is given;
//! - `private_key_jwt` needs `jwks` or `jwks_uri`; `participate_slo` only for `web` and
//!   `browser`; `dpop_bound_access_tokens` excludes `client_credentials` and `implicit`;
//! - `application_type` cannot change after creation.

use serde_json::{json, Map, Value};

use super::{is_url, Causes};
use crate::error::DomainError;

/// Every grant type the spec's `GrantType` enum names.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "client_credentials",
    "implicit",
    "interaction_code",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:openid:params:grant-type:ciba",
    "urn:okta:params:oauth:grant-type:otp",
    "urn:okta:params:oauth:grant-type:oob",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-oob",
];

const RESPONSE_TYPES: &[&str] = &["code", "id_token", "token"];

/// `application_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationType {
    Browser,
    Native,
    Service,
    Web,
}

impl ApplicationType {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "browser" => Some(Self::Browser),
            "native" => Some(Self::Native),
            "service" => Some(Self::Service),
            "web" => Some(Self::Web),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Native => "native",
            Self::Service => "service",
            Self::Web => "web",
        }
    }

    /// The grant types this type may use.
    pub const fn grants(self) -> &'static [&'static str] {
        match self {
            Self::Browser => &[
                "authorization_code",
                "implicit",
                "interaction_code",
                "refresh_token",
            ],
            Self::Native => &[
                "authorization_code",
                "implicit",
                "interaction_code",
                "password",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            Self::Service => &["client_credentials"],
            Self::Web => &[
                "authorization_code",
                "implicit",
                "interaction_code",
                "refresh_token",
            ],
        }
    }

    /// A grant the type must include.
    pub const fn required_grant(self) -> Option<&'static str> {
        match self {
            Self::Native | Self::Web => Some("authorization_code"),
            Self::Browser | Self::Service => None,
        }
    }

    /// `token_endpoint_auth_method` when none is given.
    pub const fn default_auth_method(self) -> AuthMethod {
        match self {
            Self::Browser => AuthMethod::None,
            _ => AuthMethod::ClientSecretBasic,
        }
    }
}

/// `token_endpoint_auth_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    None,
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_jwt" => Some(Self::ClientSecretJwt),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "none" => Some(Self::None),
            "private_key_jwt" => Some(Self::PrivateKeyJwt),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Whether the method authenticates with a client secret.
    pub const fn uses_secret(self) -> bool {
        matches!(
            self,
            Self::ClientSecretBasic | Self::ClientSecretJwt | Self::ClientSecretPost
        )
    }
}

/// What to do with the client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChoice {
    /// The request gave this secret (validated).
    Given(String),
    /// The method needs a secret and none exists: generate one.
    Generate,
    /// Keep the stored secret (a replace that did not name one).
    Keep,
    /// The method uses no secret: none is stored.
    Drop,
}

/// The OAuth client of an app after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    /// `client_id` as requested; None means "the app's id" (apps.md, "OAuth Credential
    /// object").
    pub client_id: Option<String>,
    pub auth_method: AuthMethod,
    pub secret: SecretChoice,
    /// `settings.oauthClient` as stored and rendered.
    pub settings: Map<String, Value>,
    /// `credentials.oauthClient` as stored and rendered, without `client_id` and
    /// `client_secret` (the caller adds them).
    pub credentials: Map<String, Value>,
}

/// What a replace knows about the stored client.
#[derive(Debug, Clone, Copy)]
pub struct Existing<'a> {
    pub client_id: &'a str,
    pub application_type: Option<&'a str>,
    pub has_secret: bool,
}

fn strings(value: Option<&Value>, field: &str, causes: &mut Causes) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => out.push(s.to_owned()),
                    None => causes.add(field, "Each value must be a string"),
                }
            }
            out
        }
        Some(_) => {
            causes.add(field, "The field must be an array of strings");
            Vec::new()
        }
    }
}

fn text<'v>(object: &'v Map<String, Value>, field: &str, causes: &mut Causes) -> Option<&'v str> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            causes.add(field, "The field must be a string");
            None
        }
    }
}

fn flag(object: &Map<String, Value>, field: &str, causes: &mut Causes) -> Option<bool> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            causes.add(field, "The field must be a boolean");
            None
        }
    }
}

/// A private-use URI scheme redirect (RFC 8252 7.1), as native apps register them:
/// `com.example.app:/callback` — a scheme of letters, digits, `+`, `-` and `.` with at least
/// one `.` (a reversed domain name), then `:/` or `:` and a path, no spaces.
fn private_use_redirect(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.contains('.')
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !uri.chars().any(char::is_whitespace)
}

/// Whether a redirect URI is acceptable under `wildcard_redirect` (native apps may also use
/// private-use URI schemes).
fn redirect_ok(uri: &str, subdomain_wildcards: bool, native: bool) -> bool {
    if uri.contains('#') {
        return false;
    }
    if !is_url(uri) {
        return native && !uri.contains('*') && private_use_redirect(uri);
    }
    let stars = uri.matches('*').count();
    if stars == 0 {
        return true;
    }
    if !subdomain_wildcards || stars > 1 {
        return false;
    }
    let Some(rest) = uri.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', ':']).next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    // The wildcard sits in the first (lowest-level) label, with at least one subdomain
    // between it and the top-level domain.
    labels.first().is_some_and(|l| l.contains('*'))
        && labels.len() >= 3
        && labels
            .iter()
            .skip(1)
            .all(|l| !l.contains('*') && !l.is_empty())
}

fn client_id_ok(id: &str) -> bool {
    (6..=100).contains(&id.chars().count())
        && id != "ALL_CLIENTS"
        && id.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '$' | '-' | '_' | '.' | '+' | '!' | '*' | '\'' | '(' | ')' | ','
                )
        })
}

/// Validates the OIDC parts of a create (`existing` None) or replace body and fills in
/// Okta's defaults.
pub fn client(
    settings_in: &Map<String, Value>,
    credentials_in: &Map<String, Value>,
    existing: Option<Existing<'_>>,
) -> Result<OAuthClient, DomainError> {
    let mut causes = Causes::default();
    let mut settings = settings_in.clone();

    // application_type
    let app_type_text = text(settings_in, "application_type", &mut causes)
        .map(str::to_owned)
        .or_else(|| existing.and_then(|e| e.application_type.map(str::to_owned)))
        .unwrap_or_else(|| "web".to_owned());
    let app_type = match ApplicationType::parse(&app_type_text) {
        Some(t) => t,
        None => {
            causes.add(
                "application_type",
                format!("'{app_type_text}' is not one of: web, native, browser, service"),
            );
            ApplicationType::Web
        }
    };
    if let Some(old) = existing.and_then(|e| e.application_type) {
        if old != app_type.as_str() {
            causes.add(
                "application_type",
                "The application type cannot be changed after the application is created",
            );
        }
    }
    settings.insert("application_type".into(), json!(app_type.as_str()));

    // grant_types
    let mut grants = strings(settings_in.get("grant_types"), "grant_types", &mut causes);
    if grants.is_empty() {
        grants.push(
            if app_type == ApplicationType::Service {
                "client_credentials"
            } else {
                "authorization_code"
            }
            .to_owned(),
        );
    }
    grants.dedup();
    for g in &grants {
        if !GRANT_TYPES.contains(&g.as_str()) {
            causes.add("grant_types", format!("'{g}' is not a valid grant type"));
        } else if !app_type.grants().contains(&g.as_str()) {
            causes.add(
                "grant_types",
                format!(
                    "'{g}' is not a valid grant type for application_type '{}'",
                    app_type.as_str()
                ),
            );
        }
    }
    if let Some(required) = app_type.required_grant() {
        if !grants.iter().any(|g| g == required) {
            causes.add(
                "grant_types",
                format!(
                    "Application type '{}' requires the '{required}' grant type",
                    app_type.as_str()
                ),
            );
        }
    }
    let has = |g: &str| grants.iter().any(|x| x == g);
    settings.insert("grant_types".into(), json!(grants));

    // response_types
    let mut responses = strings(
        settings_in.get("response_types"),
        "response_types",
        &mut causes,
    );
    if responses.is_empty() {
        if has("authorization_code") || has("interaction_code") {
            responses.push("code".into());
        }
        if has("implicit") {
            responses.push("token".into());
            responses.push("id_token".into());
        }
    }
    for r in &responses {
        if !RESPONSE_TYPES.contains(&r.as_str()) {
            causes.add(
                "response_types",
                format!("'{r}' is not a valid response type"),
            );
        }
    }
    let responds = |r: &str| responses.iter().any(|x| x == r);
    if responds("code") && !has("authorization_code") && !has("interaction_code") {
        causes.add(
            "response_types",
            "The 'code' response type requires the 'authorization_code' grant type",
        );
    }
    if (responds("token") || responds("id_token")) && !has("implicit") {
        causes.add(
            "response_types",
            "The 'token' and 'id_token' response types require the 'implicit' grant type",
        );
    }
    if has("authorization_code") && !responds("code") {
        causes.add(
            "response_types",
            "The 'authorization_code' grant type requires the 'code' response type",
        );
    }
    if has("implicit") && !responds("token") && !responds("id_token") {
        causes.add(
            "response_types",
            "The 'implicit' grant type requires the 'token' or 'id_token' response type",
        );
    }
    settings.insert("response_types".into(), json!(responses));

    // redirect URIs
    let wildcard = text(settings_in, "wildcard_redirect", &mut causes).unwrap_or("DISABLED");
    if !matches!(wildcard, "DISABLED" | "SUBDOMAIN") {
        causes.add(
            "wildcard_redirect",
            format!("'{wildcard}' is not one of: DISABLED, SUBDOMAIN"),
        );
    }
    let subdomains = wildcard == "SUBDOMAIN";
    settings.insert("wildcard_redirect".into(), json!(wildcard));
    let redirects = strings(
        settings_in.get("redirect_uris"),
        "redirect_uris",
        &mut causes,
    );
    let redirect_based = has("authorization_code") || has("implicit") || has("interaction_code");
    if redirect_based && redirects.is_empty() {
        causes.add(
            "redirect_uris",
            "At least one redirect URI is required for the 'authorization_code' and 'implicit' grant types",
        );
    }
    for uri in &redirects {
        if !redirect_ok(uri, subdomains, app_type == ApplicationType::Native) {
            causes.add(
                "redirect_uris",
                format!("'{uri}' is not an absolute URI without a fragment"),
            );
        }
    }
    settings.insert("redirect_uris".into(), json!(redirects));
    let logout = strings(
        settings_in.get("post_logout_redirect_uris"),
        "post_logout_redirect_uris",
        &mut causes,
    );
    for uri in &logout {
        if !redirect_ok(uri, subdomains, app_type == ApplicationType::Native) {
            causes.add(
                "post_logout_redirect_uris",
                format!("'{uri}' is not an absolute URI without a fragment"),
            );
        }
    }
    if logout.is_empty() {
        settings.remove("post_logout_redirect_uris");
    } else {
        settings.insert("post_logout_redirect_uris".into(), json!(logout));
    }
    for field in [
        "client_uri",
        "logo_uri",
        "policy_uri",
        "tos_uri",
        "initiate_login_uri",
        "jwks_uri",
        "frontchannel_logout_uri",
    ] {
        match text(settings_in, field, &mut causes) {
            Some(uri) if !is_url(uri) => causes.add(field, format!("'{uri}' is not a valid URL")),
            Some(_) => {}
            None => {
                settings.remove(field);
            }
        }
    }

    // consent, issuer, IdP-initiated login
    let consent = text(settings_in, "consent_method", &mut causes).unwrap_or("TRUSTED");
    if !matches!(consent, "TRUSTED" | "REQUIRED") {
        causes.add(
            "consent_method",
            format!("'{consent}' is not one of: REQUIRED, TRUSTED"),
        );
    }
    settings.insert("consent_method".into(), json!(consent));
    let issuer = text(settings_in, "issuer_mode", &mut causes).unwrap_or("ORG_URL");
    if !matches!(issuer, "ORG_URL" | "CUSTOM_URL" | "DYNAMIC") {
        causes.add(
            "issuer_mode",
            format!("'{issuer}' is not one of: CUSTOM_URL, DYNAMIC, ORG_URL"),
        );
    }
    settings.insert("issuer_mode".into(), json!(issuer));
    let idp_login = match settings_in.get("idp_initiated_login") {
        None | Some(Value::Null) => json!({ "mode": "DISABLED", "default_scope": [] }),
        Some(Value::Object(o)) => {
            let mode = o.get("mode").and_then(Value::as_str).unwrap_or("DISABLED");
            if !matches!(mode, "DISABLED" | "SPEC" | "OKTA") {
                causes.add(
                    "idp_initiated_login.mode",
                    format!("'{mode}' is not one of: DISABLED, SPEC, OKTA"),
                );
            }
            if mode != "DISABLED" && !settings_in.contains_key("initiate_login_uri") {
                causes.add(
                    "idp_initiated_login.mode",
                    "An initiate_login_uri is required for IdP-initiated login",
                );
            }
            let scopes = strings(
                o.get("default_scope"),
                "idp_initiated_login.default_scope",
                &mut causes,
            );
            json!({ "mode": mode, "default_scope": scopes })
        }
        Some(_) => {
            causes.add("idp_initiated_login", "The field must be an object");
            Value::Null
        }
    };
    settings.insert("idp_initiated_login".into(), idp_login);

    // logout, DPoP, refresh tokens
    if flag(settings_in, "participate_slo", &mut causes) == Some(true)
        && !matches!(app_type, ApplicationType::Web | ApplicationType::Browser)
    {
        causes.add(
            "participate_slo",
            "Single Logout is available only to web and browser applications",
        );
    }
    let dpop = flag(settings_in, "dpop_bound_access_tokens", &mut causes).unwrap_or(false);
    if dpop && (has("client_credentials") || has("implicit")) {
        causes.add(
            "dpop_bound_access_tokens",
            "DPoP-bound access tokens cannot be used with the 'client_credentials' or 'implicit' grant types",
        );
    }
    settings.insert("dpop_bound_access_tokens".into(), json!(dpop));
    if has("refresh_token") {
        let default_rotation = if app_type == ApplicationType::Browser {
            "ROTATE"
        } else {
            "STATIC"
        };
        let refresh = match settings_in.get("refresh_token") {
            None | Some(Value::Null) => json!({ "rotation_type": default_rotation, "leeway": 30 }),
            Some(Value::Object(o)) => {
                let rotation = o.get("rotation_type").and_then(Value::as_str);
                match rotation {
                    Some("ROTATE" | "STATIC") => {}
                    Some(other) => causes.add(
                        "refresh_token.rotation_type",
                        format!("'{other}' is not one of: ROTATE, STATIC"),
                    ),
                    None => causes.add(
                        "refresh_token.rotation_type",
                        "The field cannot be left blank",
                    ),
                }
                let leeway = match o.get("leeway") {
                    None | Some(Value::Null) => 30,
                    Some(v) => match v
                        .as_i64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    {
                        Some(n) if (0..=60).contains(&n) => n,
                        _ => {
                            causes.add(
                                "refresh_token.leeway",
                                "The leeway must be a number from 0 to 60",
                            );
                            30
                        }
                    },
                };
                json!({ "rotation_type": rotation.unwrap_or(default_rotation), "leeway": leeway })
            }
            Some(_) => {
                causes.add("refresh_token", "The field must be an object");
                Value::Null
            }
        };
        settings.insert("refresh_token".into(), refresh);
    } else {
        settings.remove("refresh_token");
    }

    // credentials.oauthClient
    let mut credentials = Map::new();
    let method_text = text(credentials_in, "token_endpoint_auth_method", &mut causes);
    let auth_method = match method_text {
        None => app_type.default_auth_method(),
        Some(m) => AuthMethod::parse(m).unwrap_or_else(|| {
            causes.add(
                "token_endpoint_auth_method",
                format!(
                    "'{m}' is not one of: client_secret_basic, client_secret_jwt, client_secret_post, none, private_key_jwt"
                ),
            );
            app_type.default_auth_method()
        }),
    };
    match (app_type, auth_method) {
        (ApplicationType::Browser, m) if m != AuthMethod::None => causes.add(
            "token_endpoint_auth_method",
            "Browser applications are public clients and must use 'none'",
        ),
        (ApplicationType::Web | ApplicationType::Service, AuthMethod::None) => causes.add(
            "token_endpoint_auth_method",
            format!(
                "Application type '{}' must authenticate at the token endpoint; 'none' is not allowed",
                app_type.as_str()
            ),
        ),
        _ => {}
    }
    if auth_method == AuthMethod::PrivateKeyJwt
        && !settings_in.contains_key("jwks")
        && !settings_in.contains_key("jwks_uri")
    {
        causes.add(
            "jwks",
            "A JSON Web Key Set (jwks or jwks_uri) is required when 'token_endpoint_auth_method' is 'private_key_jwt'",
        );
    }
    let pkce_default = matches!(app_type, ApplicationType::Browser | ApplicationType::Native)
        || auth_method == AuthMethod::None;
    let pkce = flag(credentials_in, "pkce_required", &mut causes).unwrap_or(pkce_default);
    if auth_method == AuthMethod::None && !pkce {
        causes.add(
            "pkce_required",
            "'pkce_required' must be true when 'token_endpoint_auth_method' is 'none'",
        );
    }
    let auto_rotation = flag(credentials_in, "autoKeyRotation", &mut causes).unwrap_or(true);
    credentials.insert("autoKeyRotation".into(), json!(auto_rotation));
    credentials.insert(
        "token_endpoint_auth_method".into(),
        json!(auth_method.as_str()),
    );
    credentials.insert("pkce_required".into(), json!(pkce));

    // client_id
    let requested_id = text(credentials_in, "client_id", &mut causes).map(str::to_owned);
    if let Some(id) = &requested_id {
        if !client_id_ok(id) {
            causes.add(
                "client_id",
                "'client_id' must be 6 to 100 characters of letters, digits and $-_.+!*'(), and not ALL_CLIENTS",
            );
        }
        if let Some(e) = existing {
            if e.client_id != id {
                causes.add(
                    "client_id",
                    "'client_id' cannot be changed after the application is created",
                );
            }
        }
    }

    // client_secret
    let given_secret = text(credentials_in, "client_secret", &mut causes).map(str::to_owned);
    let mut secret_causes = Causes::default();
    if let Some(secret) = &given_secret {
        let len = secret.chars().count();
        if auth_method == AuthMethod::PrivateKeyJwt || auth_method == AuthMethod::None {
            secret_causes.add(
                "client_secret",
                format!(
                    "'client_secret' can't be used when 'token_endpoint_auth_method' is '{}'.",
                    auth_method.as_str()
                ),
            );
        } else if !secret.chars().all(|c| (' '..='~').contains(&c)) {
            secret_causes.add(
                "client_secret",
                "''client_secret'' must only contain printable ASCII: [x20-x7E]+",
            );
        } else if len > 100 {
            secret_causes.add(
                "client_secret",
                "'client_secret' can't be more than '100' characters long.",
            );
        } else if len < 14 {
            secret_causes.add(
                "client_secret",
                "'client_secret' must be at least '14' characters long.",
            );
        } else if auth_method == AuthMethod::ClientSecretJwt && len < 32 {
            secret_causes.add(
                "client_secret",
                "'client_secret' must be at least '32' characters long when 'token_endpoint_auth_method' is 'client_secret_jwt'.",
            );
        }
    }
    causes.finish()?;
    secret_causes.finish()?;
    let secret = match (given_secret, auth_method.uses_secret()) {
        (Some(s), true) => SecretChoice::Given(s),
        (_, false) => SecretChoice::Drop,
        (None, true) if existing.is_some_and(|e| e.has_secret) => SecretChoice::Keep,
        (None, true) => SecretChoice::Generate,
    };
    Ok(OAuthClient {
        client_id: requested_id,
        auth_method,
        secret,
        settings,
        credentials,
    })
}

#[cfg(test)]
mod tests;
