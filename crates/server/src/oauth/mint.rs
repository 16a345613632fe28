//! The tokens an authorization server issues and their claims (oidc.md, "Tokens and
//! claims"):
//! - access token: RS256 JWT, `ver`, `jti` (`AT.…`), `iss`, `aud`, `iat`, `exp`, `cid`, and for
//!   a user `uid`, `sub` (the login) and `auth_time`; for a client alone `sub` is the client
//!   id; `scp` lists the granted scopes;
//! - ID token: `sub` (user id), `ver`, `iss`, `aud` (client id), `iat`, `exp` (60 minutes),
//!   `jti` (`ID.…`), `amr`, `idp` (org id), `auth_time`, `nonce` when asked, `at_hash` /
//!   `c_hash` when issued with an access token / code, and the scope claims: all of them when
//!   no access token comes with it, else only `name`, `preferred_username` and `email`
//!   (the "Scope-dependent claims" table);
//! - refresh token: opaque, 256 bits, stored as its SHA-256, bound to client, user and grant.
//!
//! User tokens are stored (`oauth_tokens`) so a grant can be revoked at once; a client
//! credentials access token is stored only if it is revoked.

use serde_json::{json, Map, Value};
use store::{OAuthTokenRecord, UserRecord};

use super::clients::Client;
use super::error::{OAuthError, OAuthResult};
use super::keys;
use super::servers::{Lifetimes, Server, TOKEN_LIFETIME_MS};
use crate::state::AppState;

/// `jti` random part lengths: access tokens and ID tokens as Okta's look.
const ACCESS_JTI_CHARS: usize = 43;
const ID_JTI_CHARS: usize = 20;
/// Refresh tokens: 43 base62 characters, 256 bits.
const REFRESH_CHARS: usize = 43;

/// The user a grant speaks for, and how they signed in.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user: UserRecord,
    /// Epoch seconds.
    pub auth_time: i64,
    pub amr: Vec<String>,
}

impl Subject {
    /// What a stored token keeps of it.
    pub fn body(&self) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("auth_time".into(), json!(self.auth_time));
        body.insert("amr".into(), json!(self.amr));
        body
    }

    /// From a stored token's body.
    pub fn from_body(user: UserRecord, body: &Map<String, Value>) -> Self {
        Self {
            user,
            auth_time: body.get("auth_time").and_then(Value::as_i64).unwrap_or(0),
            amr: body
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// What to issue.
pub struct Request<'a> {
    pub server: &'a Server,
    pub client: &'a Client,
    pub subject: Option<&'a Subject>,
    pub scopes: Vec<String>,
    pub lifetimes: Lifetimes,
    pub grant_id: String,
    pub nonce: Option<String>,
    /// Issue an access token (every grant but `response_type=id_token`).
    pub access_token: bool,
    /// Issue an ID token (`openid` granted to a user).
    pub id_token: bool,
    /// Issue a refresh token (`offline_access` on a grant that allows it).
    pub refresh_token: bool,
    /// The code issued in the same response (`c_hash`).
    pub code: Option<&'a str>,
}

/// What was issued.
#[derive(Debug, Default)]
pub struct Issued {
    pub access_token: Option<String>,
    pub access_jti: Option<String>,
    pub expires_in: i64,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: String,
    /// Rows to store (user access token, refresh token).
    pub records: Vec<OAuthTokenRecord>,
}

fn text<'u>(user: &'u UserRecord, field: &str) -> Option<&'u str> {
    user.profile
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The login of a user.
pub fn login(user: &UserRecord) -> String {
    text(user, "login").unwrap_or_default().to_owned()
}

/// "First Last", the `name` claim.
fn full_name(user: &UserRecord) -> String {
    [text(user, "firstName"), text(user, "lastName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The claims of `scopes` for `user` (oidc.md, "Scope-dependent claims"): all of them
/// (`/userinfo`, or an ID token issued alone), or only `name`, `preferred_username` and
/// `email` (an ID token issued with an access token).
pub fn user_claims(user: &UserRecord, scopes: &[String], all: bool) -> Map<String, Value> {
    let mut claims = Map::new();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            claims.insert(name.to_owned(), v);
        }
    };
    let str_of = |field: &str| text(user, field).map(|s| json!(s));
    if has("profile") {
        put("name", Some(json!(full_name(user))));
        put("preferred_username", Some(json!(login(user))));
        if all {
            put("nickname", str_of("nickName"));
            put("given_name", str_of("firstName"));
            put("middle_name", str_of("middleName"));
            put("family_name", str_of("lastName"));
            put("profile", str_of("profileUrl"));
            put("zoneinfo", str_of("timezone"));
            put("locale", str_of("locale"));
            put("updated_at", Some(json!(user.last_updated / 1000)));
        }
    }
    if has("email") {
        put("email", str_of("email"));
        if all {
            put("email_verified", Some(json!(user.status == "ACTIVE")));
        }
    }
    if all && has("address") {
        let mut address = Map::new();
        for (claim, field) in [
            ("street_address", "streetAddress"),
            ("locality", "city"),
            ("region", "state"),
            ("postal_code", "zipCode"),
            ("country", "countryCode"),
        ] {
            if let Some(v) = text(user, field) {
                address.insert(claim.into(), json!(v));
            }
        }
        put("address", Some(Value::Object(address)));
    }
    if all && has("phone") {
        put(
            "phone_number",
            str_of("mobilePhone").or_else(|| str_of("primaryPhone")),
        );
    }
    claims
}

fn sign(app: &AppState, signer: &crypto::jwt::Signer, claims: &Value) -> OAuthResult<String> {
    signer.sign(claims).map_err(|e| {
        tracing::error!(error = %e, server = %app.org.id, "token signing failed");
        OAuthError::server_error()
    })
}

/// Signs and returns what `request` asks for (the caller stores `records` and logs events).
pub async fn issue(app: &AppState, request: &Request<'_>) -> OAuthResult<Issued> {
    let keys = keys::keys(app, request.server.key_id(), None).await?;
    let now_ms = app.clock.now().millis();
    let now = now_ms / 1000;
    let scope = request.scopes.join(" ");
    let mut issued = Issued {
        scope: scope.clone(),
        ..Issued::default()
    };
    if request.access_token {
        let jti = format!("AT.{}", crypto::tokens::random_token(ACCESS_JTI_CHARS));
        let exp = now + request.lifetimes.access_ms / 1000;
        let mut claims = json!({
            "ver": 1,
            "jti": jti,
            "iss": request.server.issuer,
            "aud": request.server.audience(),
            "iat": now,
            "exp": exp,
            "cid": request.client.client_id,
        });
        if let (Some(subject), Value::Object(map)) = (request.subject, &mut claims) {
            map.insert("uid".into(), json!(subject.user.id));
            map.insert("scp".into(), json!(request.scopes));
            map.insert("auth_time".into(), json!(subject.auth_time));
            map.insert("sub".into(), json!(login(&subject.user)));
        } else if let Value::Object(map) = &mut claims {
            map.insert("scp".into(), json!(request.scopes));
            map.insert("sub".into(), json!(request.client.client_id));
        }
        issued.access_token = Some(sign(app, &keys.signer, &claims)?);
        issued.expires_in = exp - now;
        if let Some(subject) = request.subject {
            issued.records.push(OAuthTokenRecord {
                id: jti.clone(),
                kind: "access_token".into(),
                token_hash: None,
                grant_id: request.grant_id.clone(),
                server_id: request.server.key_id().to_owned(),
                client_id: request.client.client_id.clone(),
                user_id: Some(subject.user.id.clone()),
                scopes: request.scopes.clone(),
                body: subject.body(),
                created: now_ms,
                expires_at: exp * 1000,
                idle_expires_at: exp * 1000,
                rotated_at: None,
                revoked_at: None,
            });
        }
        issued.access_jti = Some(jti);
    }
    if let (true, Some(subject)) = (request.id_token, request.subject) {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(subject.user.id));
        claims.extend(user_claims(
            &subject.user,
            &request.scopes,
            !request.access_token,
        ));
        for (name, value) in [
            ("ver", json!(1)),
            ("iss", json!(request.server.issuer)),
            ("aud", json!(request.client.client_id)),
            ("iat", json!(now)),
            ("exp", json!(now + TOKEN_LIFETIME_MS / 1000)),
            (
                "jti",
                json!(format!("ID.{}", crypto::tokens::random_token(ID_JTI_CHARS))),
            ),
            ("amr", json!(subject.amr)),
            ("idp", json!(app.org.id)),
        ] {
            claims.insert(name.into(), value);
        }
        if let Some(nonce) = &request.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        claims.insert("auth_time".into(), json!(subject.auth_time));
        if let Some(token) = &issued.access_token {
            claims.insert("at_hash".into(), json!(crypto::jwt::half_hash(token)));
        }
        if let Some(code) = request.code {
            claims.insert("c_hash".into(), json!(crypto::jwt::half_hash(code)));
        }
        issued.id_token = Some(sign(app, &keys.signer, &Value::Object(claims))?);
    }
    if let (true, Some(subject)) = (request.refresh_token, request.subject) {
        let token = crypto::tokens::random_token(REFRESH_CHARS);
        let lifetimes = request.lifetimes;
        let expires_at = if lifetimes.refresh_ms > 0 {
            now_ms + lifetimes.refresh_ms
        } else {
            i64::MAX / 2
        };
        issued.records.push(OAuthTokenRecord {
            id: format!("oar{}", crypto::tokens::random_token(17)),
            kind: "refresh_token".into(),
            token_hash: Some(crypto::tokens::sha256_hex(&token)),
            grant_id: request.grant_id.clone(),
            server_id: request.server.key_id().to_owned(),
            client_id: request.client.client_id.clone(),
            user_id: Some(subject.user.id.clone()),
            scopes: request.scopes.clone(),
            body: subject.body(),
            created: now_ms,
            expires_at,
            idle_expires_at: (now_ms + lifetimes.refresh_window_ms).min(expires_at),
            rotated_at: None,
            revoked_at: None,
        });
        issued.refresh_token = Some(token);
    }
    Ok(issued)
}
