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

use model::expr::okta_el::{self, EvalContext};
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

/// What a claim expression reads: `user.*` (the profile), `appuser.*` (the app profile of
/// the user's assignment), `app.*` (`clientId`, `id`, `label`), the user's groups.
struct ClaimContext {
    profile: Map<String, Value>,
    appuser: Map<String, Value>,
    client_id: String,
    app_id: String,
    app_label: String,
    group_ids: Vec<String>,
    group_names: Vec<String>,
}

impl EvalContext for ClaimContext {
    fn attribute(&self, name: &str) -> Option<Value> {
        if let Some(field) = name.strip_prefix("appuser.") {
            return self.appuser.get(field).cloned();
        }
        if let Some(field) = name.strip_prefix("app.") {
            return match field {
                "clientId" => Some(json!(self.client_id)),
                "id" => Some(json!(self.app_id)),
                "label" => Some(json!(self.app_label)),
                _ => None,
            };
        }
        self.profile.get(name).cloned()
    }

    fn is_member_of(&self, group_id: &str) -> bool {
        self.group_ids.iter().any(|id| id == group_id)
    }

    fn group_names(&self) -> Vec<String> {
        self.group_names.clone()
    }
}

/// Whether a `GROUPS` claim's filter keeps group `name` (authorization-servers.md, "Details
/// for group_filter_type").
fn group_matches(filter: &str, value: &str, name: &str) -> bool {
    let (n, v) = (name.to_lowercase(), value.to_lowercase());
    match filter {
        "STARTS_WITH" => n.starts_with(&v),
        "EQUALS" => n == v,
        "CONTAINS" => n.contains(&v),
        "REGEX" => regex::Regex::new(&format!("^(?:{value})$")).is_ok_and(|r| r.is_match(name)),
        _ => false,
    }
}

/// Okta refuses a groups claim past 100 groups (oidc.md, "Scope-dependent claims").
const MAX_GROUPS_IN_CLAIM: usize = 100;

/// The custom claims of `claim_type` (`RESOURCE` for access tokens, `IDENTITY` for ID
/// tokens) a custom server adds for `scopes`: ACTIVE claims whose scope condition is empty or
/// granted; for ID tokens issued with an access token, only `alwaysIncludeInToken` ones.
/// A claim whose value is null (or fails) is left out.
async fn custom_claims(
    app: &AppState,
    request: &Request<'_>,
    claim_type: &str,
    with_access_token: bool,
) -> OAuthResult<Map<String, Value>> {
    let mut out = Map::new();
    let Some(custom) = &request.server.custom else {
        return Ok(out);
    };
    let claims: Vec<&Map<String, Value>> = custom
        .body
        .get("claims")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let applicable: Vec<&Map<String, Value>> = claims
        .into_iter()
        .filter(|c| c.get("claimType").and_then(Value::as_str) == Some(claim_type))
        .filter(|c| c.get("status").and_then(Value::as_str) != Some("INACTIVE"))
        .filter(|c| {
            claim_type == "RESOURCE"
                || !with_access_token
                || c.get("alwaysIncludeInToken").and_then(Value::as_bool) != Some(false)
        })
        .filter(|c| {
            let wanted: Vec<&str> = c
                .get("conditions")
                .and_then(|cond| cond.get("scopes"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            wanted.is_empty() || wanted.iter().any(|w| request.scopes.iter().any(|s| s == w))
        })
        .collect();
    if applicable.is_empty() {
        return Ok(out);
    }
    let mut ctx = ClaimContext {
        profile: Map::new(),
        appuser: Map::new(),
        client_id: request.client.client_id.clone(),
        app_id: request.client.app.id.clone(),
        app_label: request.client.app.label.clone(),
        group_ids: Vec::new(),
        group_names: Vec::new(),
    };
    if let Some(subject) = request.subject {
        ctx.profile = subject.user.profile.clone();
        if let Some(assignment) = app
            .store
            .app_user(&request.client.app.id, &subject.user.id)
            .await?
        {
            if let Some(row) = assignment.row {
                ctx.appuser = row.profile;
            } else if let Some(via) = assignment.via.first() {
                ctx.appuser = via.profile.clone();
            }
        }
        for group in app.store.user_groups(&subject.user.id).await? {
            ctx.group_ids.push(group.id.clone());
            if let Some(name) = group.profile.get("name").and_then(Value::as_str) {
                ctx.group_names.push(name.to_owned());
            }
        }
    }
    for claim in applicable {
        let Some(name) = claim.get("name").and_then(Value::as_str) else {
            continue;
        };
        let source = claim
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let value = if claim.get("valueType").and_then(Value::as_str) == Some("GROUPS") {
            let filter = claim
                .get("group_filter_type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let names: Vec<&String> = ctx
                .group_names
                .iter()
                .filter(|n| group_matches(filter, source, n))
                .collect();
            if names.len() > MAX_GROUPS_IN_CLAIM {
                return Err(OAuthError::invalid_request(format!(
                    "The '{name}' claim would hold more than {MAX_GROUPS_IN_CLAIM} groups."
                )));
            }
            json!(names)
        } else {
            match okta_el::parse_value(source).map(|e| e.value(&ctx)) {
                Ok(Ok(v)) => v,
                _ => Value::Null,
            }
        };
        if !value.is_null() {
            out.insert(name.to_owned(), value);
        }
    }
    Ok(out)
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
        if let Value::Object(map) = &mut claims {
            for (name, value) in custom_claims(app, request, "RESOURCE", true).await? {
                map.entry(name).or_insert(value);
            }
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
        for (name, value) in custom_claims(app, request, "IDENTITY", request.access_token).await? {
            claims.entry(name).or_insert(value);
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
