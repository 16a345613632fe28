//! Who the client is (oidc.md, "Client authentication methods"): an ACTIVE OpenID Connect app
//! by its `client_id`, authenticated the way the app is configured
//! (`token_endpoint_auth_method`) and no other way:
//! - `client_secret_basic`: `Authorization: Basic base64(client_id:client_secret)`;
//! - `client_secret_post`: `client_id` and `client_secret` in the form;
//! - `client_secret_jwt` / `private_key_jwt`: a `client_assertion` JWT signed with the secret
//!   (HS256/384/512) or a key of the app's JWK set (`jwks`, or read from its `jwks_uri` at
//!   each use), `iss` = `sub` = client id, `aud` the
//!   endpoint called, `exp` at most an hour ahead, a `jti` used once;
//! - `none`: the `client_id` alone (public clients, which must use PKCE). okta-auth-js sends
//!   a public client's id as `Basic base64(client_id)`, which is taken as the same.
//!
//! Every failure is 401 `invalid_client`; secrets compare in constant time.

use std::collections::HashMap;

use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto::jwt::AssertionKeys;
use crypto::ExposeSecret;
use serde_json::{Map, Value};
use store::AppRecord;

use super::error::{OAuthError, OAuthResult};
use crate::state::AppState;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Okta refuses client assertions that expire more than an hour ahead.
const MAX_ASSERTION_LIFETIME_S: i64 = 3600;
/// Clock skew allowed on an assertion's `iat`.
const SKEW_S: i64 = 60;

/// An OpenID Connect client: its app and `settings.oauthClient`.
#[derive(Debug, Clone)]
pub struct Client {
    pub app: AppRecord,
    pub client_id: String,
    pub settings: Map<String, Value>,
    pub auth_method: String,
}

impl Client {
    fn strings(&self, field: &str) -> Vec<String> {
        self.settings
            .get(field)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn grant_types(&self) -> Vec<String> {
        self.strings("grant_types")
    }

    pub fn response_types(&self) -> Vec<String> {
        self.strings("response_types")
    }

    pub fn redirect_uris(&self) -> Vec<String> {
        self.strings("redirect_uris")
    }

    pub fn post_logout_redirect_uris(&self) -> Vec<String> {
        self.strings("post_logout_redirect_uris")
    }

    pub fn application_type(&self) -> &str {
        self.settings
            .get("application_type")
            .and_then(Value::as_str)
            .unwrap_or("web")
    }

    pub fn is_public(&self) -> bool {
        self.auth_method == "none"
    }

    /// Whether the app demands PKCE (`credentials.oauthClient.pkce_required`).
    pub fn pkce_required(&self) -> bool {
        self.is_public()
            || self
                .app
                .definition
                .get("credentials")
                .and_then(|c| c.get("oauthClient"))
                .and_then(|c| c.get("pkce_required"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
    }

    /// `settings.oauthClient.refresh_token`: (rotates, leeway in ms).
    pub fn refresh_rotation(&self) -> (bool, i64) {
        let refresh = self.settings.get("refresh_token");
        let rotates = refresh
            .and_then(|r| r.get("rotation_type"))
            .and_then(Value::as_str)
            == Some("ROTATE");
        let leeway = refresh
            .and_then(|r| r.get("leeway"))
            .and_then(Value::as_i64)
            .unwrap_or(30);
        (rotates, leeway * 1000)
    }

    /// Whether `uri` is one of the app's redirect URIs (exactly, or under a registered
    /// subdomain wildcard when `wildcard_redirect` is `SUBDOMAIN`).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        let wildcards = self
            .settings
            .get("wildcard_redirect")
            .and_then(Value::as_str)
            == Some("SUBDOMAIN");
        self.redirect_uris()
            .iter()
            .any(|registered| registered == uri || (wildcards && wildcard_match(registered, uri)))
    }
}

/// `https://*.example.com/cb` matches `https://a.example.com/cb` (one label, no dots).
fn wildcard_match(pattern: &str, uri: &str) -> bool {
    let Some((before, after)) = pattern.split_once('*') else {
        return false;
    };
    uri.strip_prefix(before)
        .and_then(|rest| {
            let label_end = rest.find(after.chars().next()?)?;
            let (label, tail) = rest.split_at(label_end);
            (!label.is_empty() && !label.contains(['.', '/', ':']) && tail == after).then_some(())
        })
        .is_some()
}

fn settings_of(app: &AppRecord) -> Map<String, Value> {
    app.definition
        .get("settings")
        .and_then(|s| s.get("oauthClient"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn auth_method_of(app: &AppRecord) -> String {
    app.definition
        .get("credentials")
        .and_then(|c| c.get("oauthClient"))
        .and_then(|c| c.get("token_endpoint_auth_method"))
        .and_then(Value::as_str)
        .unwrap_or("client_secret_basic")
        .to_owned()
}

/// The ACTIVE OpenID Connect app whose client id is `client_id`.
pub async fn find(app: &AppState, client_id: &str) -> OAuthResult<Option<Client>> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Ok(None);
    }
    Ok(app
        .store
        .app_by_client_id(client_id)
        .await?
        .filter(|a| a.status == "ACTIVE" && a.sign_on_mode == "OPENID_CONNECT")
        .map(|a| Client {
            settings: settings_of(&a),
            auth_method: auth_method_of(&a),
            client_id: client_id.to_owned(),
            app: a,
        }))
}

fn invalid_client() -> OAuthError {
    OAuthError::invalid_client("Invalid value for 'client_id' parameter.")
}

fn failed() -> OAuthError {
    OAuthError::invalid_client(
        "Client authentication failed. Either the client or the client credentials are invalid.",
    )
}

/// What the request presents.
enum Presented {
    Secret {
        client_id: String,
        secret: String,
    },
    Assertion {
        client_id: Option<String>,
        jwt: String,
    },
    IdOnly(String),
}

fn presented(headers: &HeaderMap, form: &HashMap<String, String>) -> OAuthResult<Presented> {
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| rest.trim().to_owned())
        });
    let assertion = form.get("client_assertion").filter(|a| !a.is_empty());
    let form_secret = form.get("client_secret").filter(|s| !s.is_empty());
    let form_id = form.get("client_id").filter(|s| !s.is_empty()).cloned();
    let methods = usize::from(basic.is_some())
        + usize::from(assertion.is_some())
        + usize::from(form_secret.is_some());
    if methods > 1 {
        return Err(OAuthError::invalid_request(
            "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
        ));
    }
    if let Some(encoded) = basic {
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| OAuthError::invalid_request("The authorization header is malformed."))?;
        let decode = |s: &str| {
            urlencoding::decode(s)
                .map(|d| d.into_owned())
                .unwrap_or_else(|_| s.to_owned())
        };
        return Ok(match decoded.split_once(':') {
            Some((id, secret)) if !secret.is_empty() => Presented::Secret {
                client_id: decode(id),
                secret: decode(secret),
            },
            Some((id, _)) => Presented::IdOnly(decode(id)),
            None => Presented::IdOnly(decode(&decoded)),
        });
    }
    if let Some(jwt) = assertion {
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(OAuthError::invalid_request(format!(
                "The client_assertion_type must be '{ASSERTION_TYPE}'."
            )));
        }
        return Ok(Presented::Assertion {
            client_id: form_id,
            jwt: jwt.clone(),
        });
    }
    match (form_id, form_secret) {
        (Some(client_id), Some(secret)) => Ok(Presented::Secret {
            client_id,
            secret: secret.clone(),
        }),
        (Some(client_id), None) => Ok(Presented::IdOnly(client_id)),
        (None, _) => Err(OAuthError::invalid_client("No client credentials found.")),
    }
}

/// Authenticates the client of a back-channel request to `endpoint` (the URL called, which
/// a client assertion's `aud` must name).
pub async fn authenticate(
    app: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    endpoint: &str,
) -> OAuthResult<Client> {
    let via_header = headers.contains_key(axum::http::header::AUTHORIZATION);
    match presented(headers, form)? {
        Presented::IdOnly(client_id) => {
            let client = find(app, &client_id).await?.ok_or_else(invalid_client)?;
            if !client.is_public() {
                return Err(OAuthError::invalid_client(
                    "Client authentication failed. Either the client or the client credentials are invalid.",
                ));
            }
            Ok(client)
        }
        Presented::Secret { client_id, secret } => {
            let client = find(app, &client_id).await?.ok_or_else(invalid_client)?;
            let expected = if via_header {
                "client_secret_basic"
            } else {
                "client_secret_post"
            };
            if client.auth_method != expected {
                return Err(failed());
            }
            let stored = client
                .app
                .client_secret_sealed
                .as_deref()
                .and_then(|s| app.sealer.open(s).ok())
                .ok_or_else(failed)?;
            if !crypto::tokens::constant_time_eq(
                stored.expose_secret().as_bytes(),
                secret.as_bytes(),
            ) {
                return Err(OAuthError::invalid_client(
                    "The client secret supplied for a confidential client is invalid.",
                ));
            }
            Ok(client)
        }
        Presented::Assertion { client_id, jwt } => {
            assertion(app, client_id.as_deref(), &jwt, endpoint).await
        }
    }
}

async fn assertion(
    app: &AppState,
    form_id: Option<&str>,
    jwt: &str,
    endpoint: &str,
) -> OAuthResult<Client> {
    let unverified = crypto::jwt::payload(jwt)
        .map_err(|_| OAuthError::invalid_client("The client_assertion token is malformed."))?;
    let iss = unverified
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let sub = unverified
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let client_id = form_id.unwrap_or(iss);
    if iss != client_id || sub != client_id {
        return Err(OAuthError::invalid_client(
            "The issuer and subject of the client_assertion must be the client_id.",
        ));
    }
    let client = find(app, client_id).await?.ok_or_else(invalid_client)?;
    let secret;
    let jwks;
    let keys = match client.auth_method.as_str() {
        "client_secret_jwt" => {
            secret = client_secret(app, &client).ok_or_else(failed)?;
            AssertionKeys::Secret(secret.expose_secret().as_bytes())
        }
        "private_key_jwt" => {
            jwks = client_jwks(app, &client).await?;
            AssertionKeys::Jwks(&jwks)
        }
        _ => return Err(failed()),
    };
    let claims = crypto::jwt::verify_assertion(jwt, keys)
        .map_err(|_| OAuthError::invalid_client("The client_assertion signature is invalid."))?;
    let now = app.clock.now().millis() / 1000;
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or_else(|| {
        OAuthError::invalid_client("The client_assertion token must have an 'exp' claim.")
    })?;
    if exp <= now {
        return Err(OAuthError::invalid_client(
            "The client_assertion token is expired.",
        ));
    }
    if exp > now + MAX_ASSERTION_LIFETIME_S {
        return Err(OAuthError::invalid_client(
            "The client_assertion token has an expiration too far into the future.",
        ));
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > now + SKEW_S)
    {
        return Err(OAuthError::invalid_client(
            "The client_assertion token was issued in the future.",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == endpoint,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(endpoint)),
        _ => false,
    };
    if !aud_ok {
        return Err(OAuthError::invalid_client(
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
        ));
    }
    if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
        let key = format!("{}:{jti}", client.client_id);
        if !app
            .store
            .claim_assertion_jti(&key, exp * 1000, now * 1000)
            .await?
        {
            return Err(OAuthError::invalid_client(
                "The client_assertion token has already been used.",
            ));
        }
    }
    Ok(client)
}

/// The client's secret, opened.
fn client_secret(app: &AppState, client: &Client) -> Option<crypto::SecretString> {
    client
        .app
        .client_secret_sealed
        .as_deref()
        .and_then(|s| app.sealer.open(s).ok())
}

/// The client's public keys: its `jwks`, or what its `jwks_uri` serves.
async fn client_jwks(app: &AppState, client: &Client) -> OAuthResult<Vec<Value>> {
    match client
        .settings
        .get("jwks")
        .and_then(|j| j.get("keys"))
        .and_then(Value::as_array)
    {
        Some(keys) => Ok(keys.clone()),
        None => remote_jwks(app, client).await,
    }
}

/// The claims of a JWT the client signed (a `request` object): HMAC algorithms with its
/// secret, RSA and EC ones with its keys. None when no key of the client verifies it.
pub async fn verify_client_jwt(
    app: &AppState,
    client: &Client,
    jwt: &str,
) -> OAuthResult<Option<Map<String, Value>>> {
    let alg = crypto::jwt::header(jwt)
        .ok()
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    if alg.starts_with("HS") {
        let Some(secret) = client_secret(app, client) else {
            return Ok(None);
        };
        return Ok(crypto::jwt::verify_assertion(
            jwt,
            AssertionKeys::Secret(secret.expose_secret().as_bytes()),
        )
        .ok());
    }
    let jwks = match client_jwks(app, client).await {
        Ok(keys) => keys,
        Err(_) => return Ok(None),
    };
    Ok(crypto::jwt::verify_assertion(jwt, AssertionKeys::Jwks(&jwks)).ok())
}

/// The keys of a client that registered a `jwks_uri` instead of `jwks`, read from it with
/// the outbound client (short timeouts, no redirects, the configured CA).
async fn remote_jwks(app: &AppState, client: &Client) -> OAuthResult<Vec<Value>> {
    let unreadable =
        || OAuthError::invalid_client("The client's JSON Web Key Set could not be read.");
    let Some(uri) = client.settings.get("jwks_uri").and_then(Value::as_str) else {
        return Err(unreadable());
    };
    let response = app
        .outbound
        .get(uri)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, client = %client.client_id, "jwks_uri unreachable");
            unreadable()
        })?;
    if !response.status().is_success() {
        return Err(unreadable());
    }
    let set: Value = response.json().await.map_err(|_| unreadable())?;
    set.get("keys")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_wildcards_match_one_label() {
        let p = "https://*.example.com/cb";
        assert!(wildcard_match(p, "https://a.example.com/cb"));
        assert!(!wildcard_match(p, "https://a.b.example.com/cb"));
        assert!(!wildcard_match(p, "https://.example.com/cb"));
        assert!(!wildcard_match(p, "https://a.example.com/cb/x"));
        assert!(!wildcard_match(p, "https://evil.com/x.example.com/cb"));
    }
}
