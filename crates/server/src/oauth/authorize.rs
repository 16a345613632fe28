//! The front channel (oidc.md, "/authorize"): who the user is (a `sessionToken` from the
//! Authentication API, else the `sid` session cookie), what the client may ask, and the
//! answer (a code and/or tokens) sent back to a registered redirect URI.
//!
//! - Until the client and its redirect URI are known good, errors are an error page (400),
//!   never a redirect: nothing goes to an unregistered URI.
//! - After that, errors go to the redirect URI with `error`, `error_description` and `state`.
//! - No session, or `prompt=login`, or a session older than `max_age`: the browser goes to
//!   the hosted sign-in page (`/login/login.htm?fromURI=`) and comes back to the same request
//!   (without `prompt=login` and `sessionToken`); with `prompt=none`, `login_required`.
//! - `response_mode`: `query` (default for `code`), `fragment` (default otherwise; `query`
//!   is refused with tokens), `form_post`, `okta_post_message`.
//! - PKCE: `S256` only; required of public clients and apps with `pkce_required`.

use std::collections::HashMap;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use store::{OAuthCodeRecord, SessionRecord, UserRecord};

use super::clients::{self, Client};
use super::error::OAuthError;
use super::grants::{self, event_prefix, split_scopes};
use super::mint::{self, Subject};
use super::servers::Server;
use crate::events;
use crate::state::AppState;

/// A code lives 300 seconds (oidc.md).
const CODE_LIFETIME_MS: i64 = 300_000;
const CODE_CHARS: usize = 43;

/// An error answered on a page, for a request whose client or redirect URI is not known good.
fn error_page(error: &str, description: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head>\
         <body><h1>{}</h1><p id=\"error\">{}</p><p id=\"error-description\">{}</p></body></html>",
        html("Sign-in request failed"),
        html(error),
        html(description)
    );
    (
        StatusCode::BAD_REQUEST,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("no-cache, no-store"),
            ),
        ],
        body,
    )
        .into_response()
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
    FormPost,
    PostMessage,
}

/// Where and how the answer goes.
struct Reply {
    redirect_uri: String,
    mode: Mode,
    state: Option<String>,
}

impl Reply {
    fn send(&self, params: &[(&str, String)], cookie: Option<HeaderValue>) -> Response {
        let mut all: Vec<(&str, String)> = params.to_vec();
        if let Some(state) = &self.state {
            all.push(("state", state.clone()));
        }
        let mut response = match self.mode {
            Mode::Query | Mode::Fragment => {
                let encoded = all
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let joiner = match self.mode {
                    Mode::Query if self.redirect_uri.contains('?') => '&',
                    Mode::Query => '?',
                    _ => '#',
                };
                let location = format!("{}{joiner}{encoded}", self.redirect_uri);
                let mut r = StatusCode::FOUND.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(LOCATION, v);
                }
                r.headers_mut().insert(
                    axum::http::header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                );
                r
            }
            Mode::FormPost => {
                let inputs = all
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                            html(k),
                            html(v)
                        )
                    })
                    .collect::<String>();
                let body = format!(
                    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirecting</title></head>\
                     <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}\
                     <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
                    html(&self.redirect_uri)
                );
                page(body)
            }
            Mode::PostMessage => {
                let data: Map<String, Value> = all
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect();
                let origin = url::Url::parse(&self.redirect_uri)
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_default();
                // JSON inside a script: `<` escaped so no value can close the element.
                let script_json = |v: &Value| v.to_string().replace('<', "\\u003c");
                let body = format!(
                    "<!doctype html><html><head><meta charset=\"utf-8\"></head><body><script>\
                     (function(){{var data={};var origin={};\
                     var target=window.opener||window.parent;\
                     target.postMessage(data,origin);}})();</script></body></html>",
                    script_json(&Value::Object(data)),
                    script_json(&json!(origin))
                );
                page(body)
            }
        };
        if let Some(c) = cookie {
            response.headers_mut().append(SET_COOKIE, c);
        }
        response.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache, no-store"),
        );
        response
    }

    fn error(&self, error: &str, description: &str) -> Response {
        self.send(
            &[
                ("error", error.to_owned()),
                ("error_description", description.to_owned()),
            ],
            None,
        )
    }
}

fn page(body: String) -> Response {
    (
        StatusCode::OK,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// The session the request carries: a redeemed `sessionToken` (with the cookie to set), or
/// the `sid` cookie's live session.
async fn session(
    app: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<Option<(SessionRecord, UserRecord, Option<HeaderValue>)>, OAuthError> {
    if let Some(token) = params.get("sessionToken").filter(|t| !t.is_empty()) {
        return Ok(match crate::sessions::start_session(app, token).await {
            Ok(started) => {
                let cookie = crate::sessions::set_cookie(app, &started.cookie, &started.session)
                    .map_err(OAuthError::from)?;
                Some((started.session, started.user, Some(cookie)))
            }
            Err(crate::wire::ApiError::AuthenticationFailed) => None,
            Err(other) => return Err(other.into()),
        });
    }
    Ok(crate::sessions::from_cookie(app, headers)
        .await?
        .map(|(session, user)| (session, user, None)))
}

/// Request objects live at most an hour (oidc.md, `request`).
const MAX_REQUEST_OBJECT_S: i64 = 3600;

/// Applies a `request` parameter (oidc.md, "Parameter details": a JWT the client signed with
/// its secret or one of its keys; `iss` the client id, `aud` the server's issuer, `exp` at
/// most an hour ahead, a `jti` used once): its claims replace the query's parameters. A bad
/// request object is an error page (`invalid_request_object`), as its redirect URI cannot be
/// trusted.
pub async fn request_object(
    app: &AppState,
    server: &Server,
    mut params: HashMap<String, String>,
) -> Result<HashMap<String, String>, Response> {
    let Some(jwt) = params.remove("request").filter(|r| !r.is_empty()) else {
        return Ok(params);
    };
    let refuse = |why: &str| error_page("invalid_request_object", why);
    let unverified =
        crypto::jwt::payload(&jwt).map_err(|_| refuse("The request object is not a JWT."))?;
    let client_id = params
        .get("client_id")
        .cloned()
        .or_else(|| {
            unverified
                .get("client_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let client = match clients::find(app, &client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(refuse("The request object names no active client.")),
        Err(e) => return Err(e.into_response()),
    };
    let claims = match clients::verify_client_jwt(app, &client, &jwt).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(refuse("The request object's signature is invalid.")),
        Err(e) => return Err(e.into_response()),
    };
    let now = app.clock.now().millis() / 1000;
    if claims.get("iss").and_then(Value::as_str) != Some(client.client_id.as_str()) {
        return Err(refuse("The request object's 'iss' must be the client id."));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == &server.issuer,
        Some(Value::Array(list)) => list
            .iter()
            .any(|a| a.as_str() == Some(server.issuer.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Err(refuse(
            "The request object's 'aud' must be the authorization server's issuer.",
        ));
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        if exp <= now {
            return Err(refuse("The request object has expired."));
        }
        if exp > now + MAX_REQUEST_OBJECT_S {
            return Err(refuse(
                "The request object expires more than an hour ahead.",
            ));
        }
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > now + 60)
    {
        return Err(refuse("The request object was issued in the future."));
    }
    if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
        let key = format!("request:{}:{jti}", client.client_id);
        let expires = claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(now + MAX_REQUEST_OBJECT_S);
        match app
            .store
            .claim_assertion_jti(&key, expires * 1000, now * 1000)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(refuse("The request object has already been used.")),
            Err(e) => return Err(OAuthError::from(e).into_response()),
        }
    }
    for (name, value) in claims {
        if matches!(
            name.as_str(),
            "iss" | "aud" | "exp" | "iat" | "nbf" | "jti" | "sub"
        ) {
            continue;
        }
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        params.insert(name, text);
    }
    Ok(params)
}

/// `GET`/`POST /authorize`.
pub async fn authorize(
    app: &AppState,
    server: &Server,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let get = |name: &str| params.get(name).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id") else {
        return error_page("invalid_request", "The 'client_id' parameter is required.");
    };
    let client = match clients::find(app, client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return error_page(
                "invalid_client",
                "The 'client_id' parameter is not valid: no active OpenID Connect app has it.",
            )
        }
        Err(e) => return e.into_response(),
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return error_page(
            "invalid_request",
            "The 'redirect_uri' parameter is required.",
        );
    };
    if !client.allows_redirect(redirect_uri) {
        return error_page(
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
        );
    }
    // From here on, errors go back to the redirect URI.
    let response_types: Vec<&str> = get("response_type")
        .map(|r| r.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let has = |t: &str| response_types.contains(&t);
    let tokens_in_front = has("token") || has("id_token");
    let mode = match get("response_mode").map(String::as_str) {
        None if tokens_in_front => Mode::Fragment,
        None => Mode::Query,
        Some("query") => Mode::Query,
        Some("fragment") => Mode::Fragment,
        Some("form_post") => Mode::FormPost,
        Some("okta_post_message") => Mode::PostMessage,
        Some(_) => {
            let reply = Reply {
                redirect_uri: redirect_uri.clone(),
                mode: if tokens_in_front {
                    Mode::Fragment
                } else {
                    Mode::Query
                },
                state: get("state").cloned(),
            };
            return reply.error(
                "unsupported_response_mode",
                "The response mode is not supported by the authorization server.",
            );
        }
    };
    let reply = Reply {
        redirect_uri: redirect_uri.clone(),
        mode,
        state: get("state").cloned(),
    };
    if mode == Mode::Query && tokens_in_front {
        return reply.error(
            "unsupported_response_mode",
            "The 'query' response mode is not allowed when the response type includes 'token' or 'id_token'.",
        );
    }
    match decide(app, server, &client, headers, params, &response_types).await {
        Ok((answer, cookie)) => reply.send(&answer, cookie),
        Err(Refusal::Redirect(error, description)) => reply.error(error, &description),
        Err(Refusal::SignIn) => to_page(app, server, params, "/login/login.htm", "login", None),
        Err(Refusal::Consent(cookie)) => {
            to_page(app, server, params, "/login/consent", "consent", cookie)
        }
        Err(Refusal::Fatal(e)) => e.into_response(),
    }
}

/// Sends the browser to a hosted page (sign-in or consent), to come back to this request once
/// it is done: without the `prompt` value the page satisfies, and without a spent
/// `sessionToken`.
fn to_page(
    app: &AppState,
    server: &Server,
    params: &HashMap<String, String>,
    page: &str,
    satisfied: &str,
    cookie: Option<HeaderValue>,
) -> Response {
    let endpoint = server.endpoint("authorize");
    let path = endpoint
        .strip_prefix(app.links.base())
        .unwrap_or("/oauth2/v1/authorize");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    for name in names {
        let value = &params[name];
        match name.as_str() {
            "sessionToken" => {}
            "prompt" => {
                let rest: Vec<&str> = value
                    .split(' ')
                    .filter(|p| *p != satisfied && !p.is_empty())
                    .collect();
                if !rest.is_empty() {
                    query.append_pair(name, &rest.join(" "));
                }
            }
            _ => {
                query.append_pair(name, value);
            }
        }
    }
    let back = format!("{path}?{}", query.finish());
    let location = format!("{page}?fromURI={}", urlencoding::encode(&back));
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if let Some(c) = cookie {
        r.headers_mut().append(SET_COOKIE, c);
    }
    r
}

enum Refusal {
    /// An OAuth error sent to the redirect URI.
    Redirect(&'static str, String),
    /// No usable session and the client lets the user sign in: the hosted sign-in page.
    SignIn,
    /// The user has yet to consent to some scopes: the consent page (with the session cookie
    /// a `sessionToken` just started).
    Consent(Option<HeaderValue>),
    /// Storage or signing failed.
    Fatal(OAuthError),
}

impl From<OAuthError> for Refusal {
    fn from(e: OAuthError) -> Self {
        if e.status.is_server_error() {
            Self::Fatal(e)
        } else {
            Self::Redirect(e.error, e.description)
        }
    }
}

fn refuse(error: &'static str, description: &str) -> Refusal {
    Refusal::Redirect(error, description.to_owned())
}

type Answer = (Vec<(&'static str, String)>, Option<HeaderValue>);

async fn decide(
    app: &AppState,
    server: &Server,
    client: &Client,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    response_types: &[&str],
) -> Result<Answer, Refusal> {
    let get = |name: &str| params.get(name).filter(|v| !v.is_empty());
    let has = |t: &str| response_types.contains(&t);
    if response_types.is_empty()
        || response_types
            .iter()
            .any(|t| !matches!(*t, "code" | "token" | "id_token"))
    {
        return Err(refuse(
            "unsupported_response_type",
            "The response type is not supported by the authorization server.",
        ));
    }
    let allowed = client.response_types();
    if response_types
        .iter()
        .any(|t| !allowed.iter().any(|a| a == t))
    {
        return Err(Refusal::Redirect(
            "unsupported_response_type",
            format!(
                "The response type is not supported by the authorization server. Configured response types: [{}].",
                allowed.join(", ")
            ),
        ));
    }
    let mut scopes = split_scopes(get("scope"));
    if scopes.is_empty() {
        return Err(refuse(
            "invalid_scope",
            "The authorization request must include the 'scope' parameter.",
        ));
    }
    if has("id_token") && !scopes.iter().any(|s| s == "openid") {
        return Err(refuse(
            "invalid_scope",
            "The 'openid' scope is required when the response type includes 'id_token'.",
        ));
    }
    if scopes.iter().any(|s| !server.knows_scope(s)) {
        return Err(refuse(
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    if get("state").is_none() {
        return Err(refuse(
            "invalid_request",
            "The authorization request must include the 'state' parameter.",
        ));
    }
    let nonce = get("nonce").cloned();
    if (has("token") || has("id_token")) && nonce.is_none() {
        return Err(refuse(
            "invalid_request",
            "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types.",
        ));
    }
    if get("idp").is_some() {
        return Err(refuse(
            "invalid_request",
            "The 'idp' parameter names an identity provider, and this org has none.",
        ));
    }
    let challenge = get("code_challenge").cloned();
    match get("code_challenge_method").map(String::as_str) {
        None | Some("S256") => {}
        Some(_) => {
            return Err(refuse(
                "invalid_request",
                "The PKCE code challenge method is not supported: use 'S256'.",
            ))
        }
    }
    if let Some(c) = &challenge {
        if c.len() < 43 || c.len() > 128 {
            return Err(refuse(
                "invalid_request",
                "PKCE code challenge must be at least 43 characters and at most 128 characters.",
            ));
        }
    }
    if has("code") && challenge.is_none() && client.pkce_required() {
        return Err(refuse(
            "invalid_request",
            "PKCE code challenge is required by the client application.",
        ));
    }
    let grant = if has("code") {
        "authorization_code"
    } else {
        "implicit"
    };
    if !client.grant_types().iter().any(|g| g == grant) {
        return Err(Refusal::Redirect(
            "unauthorized_client",
            format!(
                "The client is not authorized to use the provided grant type. Configured grant types: [{}].",
                client.grant_types().join(", ")
            ),
        ));
    }
    let prompt: Vec<&str> = get("prompt")
        .map(|p| p.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if prompt
        .iter()
        .any(|p| !matches!(*p, "none" | "login" | "consent"))
        || (prompt.contains(&"none") && prompt.len() > 1)
    {
        return Err(refuse(
            "invalid_request",
            "The 'prompt' parameter must be 'none', 'login', 'consent', or 'login consent'.",
        ));
    }
    let max_age = match get("max_age") {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    refuse(
                        "invalid_request",
                        "The 'max_age' parameter must be a whole number of seconds.",
                    )
                })?,
        ),
    };
    let now = app.clock.now().millis();
    let signed_in = session(app, headers, params).await?;
    let signed_in = signed_in.filter(|(session, ..)| {
        let fresh_login = params.contains_key("sessionToken");
        let authenticated_at = session
            .last_password_verification
            .unwrap_or(session.created);
        (fresh_login || !prompt.contains(&"login"))
            && max_age.is_none_or(|age| now - authenticated_at <= age * 1000)
    });
    let Some((session, user, cookie)) = signed_in else {
        if !prompt.contains(&"none") {
            return Err(Refusal::SignIn);
        }
        return Err(refuse(
            "login_required",
            "The client specified not to prompt, but the user is not logged in.",
        ));
    };
    if !grants::user_may_use(app, client, &user).await? {
        return Err(refuse(
            "access_denied",
            "User is not assigned to the client application.",
        ));
    }
    if get("lk_consent").map(String::as_str) == Some("denied") {
        return Err(refuse(
            "access_denied",
            "The resource owner or authorization server denied the request.",
        ));
    }
    let asked = super::consent::asked(
        app,
        server,
        client,
        &user.id,
        &scopes,
        prompt.contains(&"consent"),
    )
    .await?;
    if !asked.is_empty() {
        if prompt.contains(&"none") {
            return Err(refuse(
                "consent_required",
                "The client requires user consent, and the user has not given it.",
            ));
        }
        return Err(Refusal::Consent(cookie));
    }
    if !has("code") {
        // `offline_access` needs a code (oidc.md, "Scope values").
        scopes.retain(|s| s != "offline_access");
    }
    let groups = grants::group_ids(app, &user).await?;
    let person = super::servers::Person {
        user_id: &user.id,
        group_ids: &groups,
    };
    let lifetimes = server.lifetimes(&client.client_id, grant, &scopes, Some(person))?;
    let subject = Subject {
        auth_time: session
            .last_password_verification
            .unwrap_or(session.created)
            / 1000,
        amr: session.amr.clone(),
        user,
    };
    let grant_id = format!("oag{}", crypto::tokens::random_token(17));
    let mut answer: Vec<(&'static str, String)> = Vec::new();
    let mut code_value = None;
    let prefix = event_prefix(server);
    let targets = vec![
        events::app_target(&client.app),
        events::user_target(&subject.user),
    ];
    let actor = crate::sessions::user_actor(&subject.user);
    if has("code") {
        let code = crypto::tokens::random_token(CODE_CHARS);
        let mut body = subject.body();
        body.insert("redirect_uri".into(), json!(get("redirect_uri")));
        body.insert("scopes".into(), json!(scopes));
        body.insert("session_id".into(), json!(session.id));
        body.insert("access_ms".into(), json!(lifetimes.access_ms));
        body.insert("refresh_ms".into(), json!(lifetimes.refresh_ms));
        body.insert(
            "refresh_window_ms".into(),
            json!(lifetimes.refresh_window_ms),
        );
        if let Some(n) = &nonce {
            body.insert("nonce".into(), json!(n));
        }
        if let Some(c) = &challenge {
            body.insert("code_challenge".into(), json!(c));
            body.insert("code_challenge_method".into(), json!("S256"));
        }
        let event = events::event(
            &format!("{prefix}.authorize.code"),
            "OAuth2 authorization code request",
            &actor,
            targets.clone(),
            now,
        );
        app.store
            .insert_oauth_code(
                &OAuthCodeRecord {
                    code_hash: crypto::tokens::sha256_hex(&code),
                    grant_id: grant_id.clone(),
                    server_id: server.key_id().to_owned(),
                    client_id: client.client_id.clone(),
                    user_id: subject.user.id.clone(),
                    body,
                    created: now,
                    expires_at: now + CODE_LIFETIME_MS,
                    used_at: None,
                },
                &event,
            )
            .await
            .map_err(|e| Refusal::Fatal(e.into()))?;
        code_value = Some(code);
    }
    if has("token") || has("id_token") {
        let issued = mint::issue(
            app,
            &mint::Request {
                server,
                client,
                subject: Some(&subject),
                scopes: scopes.clone(),
                lifetimes,
                grant_id: grant_id.clone(),
                nonce: nonce.clone(),
                access_token: has("token"),
                id_token: has("id_token"),
                refresh_token: false,
                code: code_value.as_deref(),
            },
        )
        .await?;
        let mut implicit_events = Vec::new();
        for (present, kind) in [
            (issued.access_token.is_some(), "access_token"),
            (issued.id_token.is_some(), "id_token"),
        ] {
            if present {
                implicit_events.push(events::event(
                    &format!("{prefix}.authorize.implicit.{kind}"),
                    "OAuth2 implicit grant",
                    &actor,
                    targets.clone(),
                    now,
                ));
            }
        }
        app.store
            .insert_oauth_tokens(&issued.records, &implicit_events)
            .await
            .map_err(|e| Refusal::Fatal(e.into()))?;
        if let Some(token) = issued.access_token {
            answer.push(("access_token", token));
            answer.push(("token_type", "Bearer".into()));
            answer.push(("expires_in", issued.expires_in.to_string()));
            answer.push(("scope", issued.scope.clone()));
        }
        if let Some(token) = issued.id_token {
            answer.push(("id_token", token));
        }
    }
    if let Some(code) = code_value {
        answer.insert(0, ("code", code));
    }
    Ok((answer, cookie))
}
