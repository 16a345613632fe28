//! The authorization servers' HTTP surface (oidc.md, "Endpoints"), the same handlers for the
//! org server (`/oauth2/v1/…`, discovery at `/.well-known/…`) and custom servers
//! (`/oauth2/{id}/v1/…`, discovery at `/oauth2/{id}/.well-known/…`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, PRAGMA, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::authorize;
use super::clients::{self, Client};
use super::error::{OAuthError, OAuthResult};
use super::grants;
use super::keys;
use super::mint;
use super::servers::{self, Server};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth_metadata),
        )
        .route(
            "/oauth2/{server}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/oauth2/{server}/.well-known/oauth-authorization-server",
            get(oauth_metadata),
        )
        .route(
            "/oauth2/v1/authorize",
            get(authorize_get).post(authorize_post),
        )
        .route(
            "/oauth2/{server}/v1/authorize",
            get(authorize_get).post(authorize_post),
        )
        .route("/oauth2/v1/token", axum::routing::post(token))
        .route(
            "/oauth2/v1/device/authorize",
            axum::routing::post(device_authorize),
        )
        .route(
            "/oauth2/{server}/v1/device/authorize",
            axum::routing::post(device_authorize),
        )
        .route("/oauth2/{server}/v1/token", axum::routing::post(token))
        .route("/oauth2/v1/keys", get(jwks))
        .route("/oauth2/{server}/v1/keys", get(jwks))
        .route("/oauth2/v1/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/{server}/v1/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/v1/introspect", axum::routing::post(introspect))
        .route(
            "/oauth2/{server}/v1/introspect",
            axum::routing::post(introspect),
        )
        .route("/oauth2/v1/revoke", axum::routing::post(revoke))
        .route("/oauth2/{server}/v1/revoke", axum::routing::post(revoke))
        .route("/oauth2/v1/logout", get(logout_get).post(logout_post))
        .route(
            "/oauth2/{server}/v1/logout",
            get(logout_get).post(logout_post),
        )
}

type ServerPath = Option<Path<String>>;

async fn server_of(app: &AppState, path: ServerPath) -> OAuthResult<Server> {
    servers::load(app, path.as_ref().map(|Path(id)| id.as_str())).await
}

/// Parameters of a form body or query string; a repeated parameter is `invalid_request`
/// (oidc.md: "the request contains duplicate parameters").
fn parameters(raw: &[u8]) -> OAuthResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "The '{k}' parameter was sent more than once."
            )));
        }
    }
    Ok(out)
}

fn json_no_store(body: Value) -> Response {
    let mut r = axum::Json(body).into_response();
    r.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    r.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn respond(result: OAuthResult<Response>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

// ------------------------------------------------------------------------------- discovery

/// The org URL of a server's issuer.
fn org_of(server: &Server) -> &str {
    server
        .issuer
        .split("/oauth2/")
        .next()
        .unwrap_or(&server.issuer)
}

const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];
const RESPONSE_TYPES: &[&str] = &[
    "code",
    "id_token",
    "code id_token",
    "code token",
    "id_token token",
    "code id_token token",
];
const ID_TOKEN_CLAIMS: &[&str] = &[
    "iss",
    "ver",
    "sub",
    "aud",
    "iat",
    "exp",
    "jti",
    "auth_time",
    "amr",
    "idp",
    "nonce",
    "name",
    "nickname",
    "preferred_username",
    "given_name",
    "middle_name",
    "family_name",
    "email",
    "email_verified",
    "profile",
    "zoneinfo",
    "locale",
    "address",
    "phone_number",
    "updated_at",
    "at_hash",
    "c_hash",
];
const ACCESS_TOKEN_CLAIMS: &[&str] = &[
    "ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub",
];

fn metadata(server: &Server, openid: bool) -> Value {
    let scopes: Vec<String> = server
        .scopes()
        .into_iter()
        .filter(|(_, published, _)| *published)
        .map(|(name, ..)| name)
        .collect();
    let mut m = Map::new();
    m.insert("issuer".into(), json!(server.issuer));
    m.insert(
        "authorization_endpoint".into(),
        json!(server.endpoint("authorize")),
    );
    m.insert("token_endpoint".into(), json!(server.endpoint("token")));
    // Clients are registered on the org server (oauth-clients.md), whichever server asks.
    m.insert(
        "registration_endpoint".into(),
        json!(format!("{}/oauth2/v1/clients", org_of(server))),
    );
    if openid {
        m.insert(
            "userinfo_endpoint".into(),
            json!(server.endpoint("userinfo")),
        );
    }
    m.insert("jwks_uri".into(), json!(server.endpoint("keys")));
    m.insert("response_types_supported".into(), json!(RESPONSE_TYPES));
    m.insert(
        "response_modes_supported".into(),
        json!(["query", "fragment", "form_post", "okta_post_message"]),
    );
    m.insert(
        "grant_types_supported".into(),
        json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
            super::device::GRANT_TYPE
        ]),
    );
    m.insert(
        "device_authorization_endpoint".into(),
        json!(server.endpoint("device/authorize")),
    );
    if openid {
        m.insert("subject_types_supported".into(), json!(["public"]));
        m.insert(
            "id_token_signing_alg_values_supported".into(),
            json!(["RS256"]),
        );
    }
    m.insert("scopes_supported".into(), json!(scopes));
    m.insert(
        "token_endpoint_auth_methods_supported".into(),
        json!(AUTH_METHODS),
    );
    m.insert(
        "claims_supported".into(),
        json!(if openid {
            ID_TOKEN_CLAIMS
        } else {
            ACCESS_TOKEN_CLAIMS
        }),
    );
    m.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    m.insert(
        "introspection_endpoint".into(),
        json!(server.endpoint("introspect")),
    );
    m.insert(
        "introspection_endpoint_auth_methods_supported".into(),
        json!(AUTH_METHODS),
    );
    m.insert(
        "revocation_endpoint".into(),
        json!(server.endpoint("revoke")),
    );
    m.insert(
        "revocation_endpoint_auth_methods_supported".into(),
        json!(AUTH_METHODS),
    );
    m.insert(
        "end_session_endpoint".into(),
        json!(server.endpoint("logout")),
    );
    m.insert("request_parameter_supported".into(), json!(true));
    m.insert(
        "request_object_signing_alg_values_supported".into(),
        json!(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]),
    );
    Value::Object(m)
}

async fn openid_configuration(State(app): State<AppState>, path: ServerPath) -> Response {
    respond(
        server_of(&app, path)
            .await
            .map(|s| axum::Json(metadata(&s, true)).into_response()),
    )
}

async fn oauth_metadata(State(app): State<AppState>, path: ServerPath) -> Response {
    respond(
        server_of(&app, path)
            .await
            .map(|s| axum::Json(metadata(&s, false)).into_response()),
    )
}

async fn jwks(State(app): State<AppState>, path: ServerPath) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let set = keys::keys(&app, server.key_id(), None).await?;
            let mut r = axum::Json(set.jwks.clone()).into_response();
            // Clients re-read within minutes, so a rotation reaches them soon.
            r.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("max-age=300, must-revalidate"),
            );
            Ok(r)
        }
        .await,
    )
}

// ------------------------------------------------------------------------------- authorize

async fn authorize_get(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize_with(&app, path, &headers, query.unwrap_or_default().as_bytes()).await
}

async fn authorize_post(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    authorize_with(&app, path, &headers, &body).await
}

async fn authorize_with(
    app: &AppState,
    path: ServerPath,
    headers: &HeaderMap,
    raw: &[u8],
) -> Response {
    let server = match server_of(app, path).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let params = match parameters(raw) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let params = match authorize::request_object(app, &server, params).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    authorize::authorize(app, &server, headers, &params).await
}

// ----------------------------------------------------------------------------------- token

async fn token(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let form = parameters(&body)?;
            let client =
                clients::authenticate(&app, &headers, &form, &server.endpoint("token")).await?;
            let answer = match form.get("grant_type").map(String::as_str) {
                None | Some("") => {
                    return Err(OAuthError::invalid_request(
                        "The 'grant_type' parameter is required.",
                    ))
                }
                Some("authorization_code") => {
                    grants::authorization_code(&app, &server, &client, &form).await?
                }
                Some("refresh_token") => {
                    grants::refresh_token(&app, &server, &client, &form).await?
                }
                Some("client_credentials") => {
                    grants::client_credentials(&app, &server, &client, &form).await?
                }
                Some("password") => grants::password(&app, &server, &client, &form).await?,
                Some(super::device::GRANT_TYPE) => {
                    grants::device_code(&app, &server, &client, &form).await?
                }
                Some(_) => return Err(OAuthError::unsupported_grant_type(
                    "The authorization grant type is not supported by the authorization server.",
                )),
            };
            Ok(json_no_store(answer))
        }
        .await,
    )
}

/// `POST /device/authorize` (oidc.md): a device code and a user code for an authenticated
/// client.
async fn device_authorize(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let form = parameters(&body)?;
            let client =
                clients::authenticate(&app, &headers, &form, &server.endpoint("device/authorize"))
                    .await?;
            let answer = super::device::authorize(&app, &server, &client, &form).await?;
            Ok(json_no_store(answer))
        }
        .await,
    )
}

// ------------------------------------------------------------------------ token inspection

/// An access or ID token this server signed and that has not expired: its claims.
async fn own_jwt(
    app: &AppState,
    server: &Server,
    token: &str,
) -> OAuthResult<Option<Map<String, Value>>> {
    let Some(claims) = keys::verify(app, server.key_id(), token).await? else {
        return Ok(None);
    };
    let now = app.clock.now().millis() / 1000;
    let live = claims.get("iss").and_then(Value::as_str) == Some(server.issuer.as_str())
        && claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_some_and(|exp| exp > now);
    Ok(live.then_some(claims))
}

/// Whether a verified access token is still good: not revoked, its user still active.
async fn access_token_live(app: &AppState, claims: &Map<String, Value>) -> OAuthResult<bool> {
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Ok(false);
    };
    if !jti.starts_with("AT.") {
        return Ok(false);
    }
    if let Some(row) = app.store.oauth_token(jti).await? {
        if row.revoked_at.is_some() {
            return Ok(false);
        }
    }
    if let Some(uid) = claims.get("uid").and_then(Value::as_str) {
        let active = app
            .store
            .user_by_id(uid)
            .await?
            .is_some_and(|u| u.status == "ACTIVE");
        if !active {
            return Ok(false);
        }
    }
    Ok(true)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn userinfo(State(app): State<AppState>, path: ServerPath, headers: HeaderMap) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let invalid = || OAuthError::invalid_token("The access token is invalid.");
            let token = bearer(&headers).ok_or_else(invalid)?;
            let claims = own_jwt(&app, &server, &token).await?.ok_or_else(invalid)?;
            if !access_token_live(&app, &claims).await? {
                return Err(invalid());
            }
            let uid = claims.get("uid").and_then(Value::as_str).ok_or_else(invalid)?;
            let scopes: Vec<String> = claims
                .get("scp")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if !scopes.iter().any(|s| s == "openid") {
                return Err(OAuthError::insufficient_scope(
                    "The access token must provide access to at least one of these scopes - profile, email, address or phone",
                ));
            }
            let user = app.store.user_by_id(uid).await?.ok_or_else(invalid)?;
            let mut body = Map::new();
            body.insert("sub".into(), json!(user.id));
            body.extend(mint::user_claims(&user, &scopes, true));
            Ok(json_no_store(Value::Object(body)))
        }
        .await,
    )
}

fn inactive() -> Response {
    json_no_store(json!({ "active": false }))
}

async fn introspect(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let form = parameters(&body)?;
            let client =
                clients::authenticate(&app, &headers, &form, &server.endpoint("introspect"))
                    .await?;
            let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
                return Err(OAuthError::invalid_request(
                    "The 'token' parameter is required.",
                ));
            };
            if let Some(claims) = own_jwt(&app, &server, token).await? {
                let jti = claims
                    .get("jti")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if jti.starts_with("ID.") {
                    let mut out = claims.clone();
                    out.insert("active".into(), json!(true));
                    out.insert("token_type".into(), json!("Bearer"));
                    return Ok(json_no_store(Value::Object(out)));
                }
                if !access_token_live(&app, &claims).await? {
                    return Ok(inactive());
                }
                let mut out = Map::new();
                out.insert("active".into(), json!(true));
                out.insert("token_type".into(), json!("Bearer"));
                let scope = claims
                    .get("scp")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                out.insert("scope".into(), json!(scope));
                out.insert(
                    "client_id".into(),
                    claims.get("cid").cloned().unwrap_or_default(),
                );
                if claims.contains_key("uid") {
                    out.insert(
                        "username".into(),
                        claims.get("sub").cloned().unwrap_or_default(),
                    );
                }
                for field in ["exp", "iat", "sub", "aud", "iss", "jti", "uid"] {
                    if let Some(v) = claims.get(field) {
                        out.insert(field.into(), v.clone());
                    }
                }
                return Ok(json_no_store(Value::Object(out)));
            }
            let now = app.clock.now().millis();
            let Some(refresh) = app
                .store
                .refresh_token_by_hash(&crypto::tokens::sha256_hex(token))
                .await?
            else {
                return Ok(inactive());
            };
            if refresh.client_id != client.client_id
                || refresh.server_id != server.key_id()
                || refresh.revoked_at.is_some()
                || refresh.expires_at <= now
                || refresh.idle_expires_at <= now
            {
                return Ok(inactive());
            }
            let Some(user) = (match &refresh.user_id {
                Some(uid) => app.store.user_by_id(uid).await?,
                None => None,
            })
            .filter(|u| u.status == "ACTIVE") else {
                return Ok(inactive());
            };
            let login = mint::login(&user);
            Ok(json_no_store(json!({
                "active": true,
                "token_type": "Bearer",
                "scope": refresh.scopes.join(" "),
                "client_id": refresh.client_id,
                "username": login,
                "exp": refresh.expires_at.min(refresh.idle_expires_at) / 1000,
                "iat": refresh.created / 1000,
                "sub": login,
                "uid": user.id,
            })))
        }
        .await,
    )
}

async fn revoke(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            let server = server_of(&app, path).await?;
            let form = parameters(&body)?;
            let client =
                clients::authenticate(&app, &headers, &form, &server.endpoint("revoke")).await?;
            let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
                return Err(OAuthError::invalid_request(
                    "The 'token' parameter is required.",
                ));
            };
            revoke_token(&app, &server, &client, token).await?;
            let mut r = StatusCode::OK.into_response();
            r.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("no-cache, no-store"),
            );
            Ok(r)
        }
        .await,
    )
}

/// Revokes `token` if it is the client's; anything else is ignored (RFC 7009 2.2: an invalid
/// token is no error).
async fn revoke_token(
    app: &AppState,
    server: &Server,
    client: &Client,
    token: &str,
) -> OAuthResult<()> {
    let now = app.clock.now().millis();
    let event = |user: Option<&store::UserRecord>| {
        let mut targets = vec![crate::events::app_target(&client.app)];
        if let Some(u) = user {
            targets.push(crate::events::user_target(u));
        }
        crate::events::event(
            &format!("{}.token.revoke", grants::event_prefix(server)),
            "OAuth2 token revocation request",
            &grants::client_actor(client),
            targets,
            now,
        )
    };
    if let Some(claims) = own_jwt(app, server, token).await? {
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let cid = claims
            .get("cid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !jti.starts_with("AT.") || cid != client.client_id {
            return Ok(());
        }
        let user_id = claims.get("uid").and_then(Value::as_str).map(str::to_owned);
        let user = match &user_id {
            Some(uid) => app.store.user_by_id(uid).await?,
            None => None,
        };
        let record = store::OAuthTokenRecord {
            id: jti.to_owned(),
            kind: "access_token".into(),
            token_hash: None,
            grant_id: String::new(),
            server_id: server.key_id().to_owned(),
            client_id: client.client_id.clone(),
            user_id: user.as_ref().map(|u| u.id.clone()),
            scopes: Vec::new(),
            body: Map::new(),
            created: now,
            expires_at: claims.get("exp").and_then(Value::as_i64).unwrap_or(0) * 1000,
            idle_expires_at: claims.get("exp").and_then(Value::as_i64).unwrap_or(0) * 1000,
            rotated_at: None,
            revoked_at: Some(now),
        };
        app.store
            .revoke_oauth_token(&record, now, &event(user.as_ref()))
            .await?;
        return Ok(());
    }
    if let Some(refresh) = app
        .store
        .refresh_token_by_hash(&crypto::tokens::sha256_hex(token))
        .await?
    {
        if refresh.client_id == client.client_id
            && refresh.server_id == server.key_id()
            && refresh.revoked_at.is_none()
        {
            let user = match &refresh.user_id {
                Some(uid) => app.store.user_by_id(uid).await?,
                None => None,
            };
            app.store
                .revoke_oauth_grant(&refresh.grant_id, now, &event(user.as_ref()))
                .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- logout

async fn logout_get(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    logout(&app, path, &headers, query.unwrap_or_default().as_bytes()).await
}

async fn logout_post(
    State(app): State<AppState>,
    path: ServerPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    logout(&app, path, &headers, &body).await
}

fn logout_error(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head>\
             <body><p id=\"error\">invalid_request</p><p id=\"error-description\">{}</p></body></html>",
            description.replace('&', "&amp;").replace('<', "&lt;")
        ),
    )
        .into_response()
}

/// Ends the Okta session of the ID token's user and sends the browser on (oidc.md,
/// "/logout"): to `post_logout_redirect_uri` when the app lists it, else the sign-in page.
async fn logout(app: &AppState, path: ServerPath, headers: &HeaderMap, raw: &[u8]) -> Response {
    let server = match server_of(app, path).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let params = match parameters(raw) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let Some(hint) = params.get("id_token_hint").filter(|h| !h.is_empty()) else {
        return logout_error("The 'id_token_hint' parameter is required.");
    };
    // An expired ID token still names its user and client (oidc.md, "Error conditions").
    let claims = match keys::verify(app, server.key_id(), hint).await {
        Ok(Some(c)) if c.get("iss").and_then(Value::as_str) == Some(server.issuer.as_str()) => c,
        Ok(_) => return logout_error("The 'id_token_hint' parameter is not a valid ID token."),
        Err(e) => return e.into_response(),
    };
    let client_id = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let client = match clients::find(app, client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return logout_error("The ID token's client is not an active app."),
        Err(e) => return e.into_response(),
    };
    let target = match params.get("post_logout_redirect_uri").filter(|u| !u.is_empty()) {
        Some(uri) if client.post_logout_redirect_uris().contains(uri) => {
            let mut target = uri.clone();
            if let Some(state) = params.get("state") {
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str(&format!("state={}", urlencoding::encode(state)));
            }
            target
        }
        Some(_) => {
            return logout_error(
                "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.",
            )
        }
        None => format!("{}/login/default", app.links.base()),
    };
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(LOCATION, v);
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(cookie) = crate::sessions::sid_cookie(headers) {
        let now = app.clock.now().millis();
        let found = app
            .store
            .session_by_cookie(&crypto::tokens::sha256_hex(&cookie), now)
            .await;
        match found {
            Ok(Some(session)) if session.user_id == sub => {
                if let Ok(Some(user)) = app.store.user_by_id(sub).await {
                    let event = crate::sessions::session_event(
                        "user.session.end",
                        "User logout from Okta",
                        &crate::sessions::user_actor(&user),
                        &user,
                        &session,
                        now,
                    );
                    if let Err(e) = app.store.delete_session(&session.id, now, &event).await {
                        return OAuthError::from(e).into_response();
                    }
                }
                response
                    .headers_mut()
                    .append(SET_COOKIE, crate::sessions::clear_cookie(app));
            }
            Ok(_) => {}
            Err(e) => return OAuthError::from(e).into_response(),
        }
    }
    response
}
