//! The OpenID Connect & OAuth 2.0 API end to end: discovery and keys; the authorization
//! code flow with PKCE from an Authentication API session token; tokens checked against the
//! published keys; a code used twice; refresh-token rotation and reuse; userinfo,
//! introspection, revocation and logout; the errors of `/authorize` and client
//! authentication (secrets and `private_key_jwt` assertions).

use crate::harness::{spawn_app_with_clock, Reply, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::time::{Clock, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

const START: i64 = 1_900_000_000_000;
const REDIRECT: &str = "https://app.example.com/callback";
const VERIFIER: &str = "verifier-of-pkce-that-is-long-enough-0123456789abcdef";

fn browser(app: &TestApp) -> reqwest::Client {
    let ca = std::fs::read(app.data_dir.path().join("ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .resolve("localhost", app.addr)
        .no_proxy()
        .build()
        .unwrap()
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

async fn spawn() -> (TestApp, Clock) {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    (app, clock)
}

/// An ACTIVE user with a password: its id.
async fn user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile(login),
                    "credentials": { "password": { "value": "Xyzzy12345" } } }),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

/// An OpenID Connect app: (app id, client id, client secret if any).
async fn oidc_app(
    app: &TestApp,
    oauth_client: Value,
    credentials: Value,
) -> (String, String, Option<String>) {
    let r = app
        .post(
            "/api/v1/apps",
            json!({
                "name": "oidc_client",
                "label": "Test client",
                "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": credentials },
                "settings": { "oauthClient": oauth_client }
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let creds = &r.body["credentials"]["oauthClient"];
    (
        r.body["id"].as_str().unwrap().to_owned(),
        creds["client_id"].as_str().unwrap().to_owned(),
        creds["client_secret"].as_str().map(str::to_owned),
    )
}

/// A single-page app (public client, PKCE, rotating refresh tokens with no leeway).
async fn spa(app: &TestApp) -> (String, String) {
    let (id, client_id, _) = oidc_app(
        app,
        json!({
            "application_type": "browser",
            "grant_types": ["authorization_code", "refresh_token", "implicit"],
            "response_types": ["code", "token", "id_token"],
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": ["https://app.example.com/bye"],
            "refresh_token": { "rotation_type": "ROTATE", "leeway": 0 }
        }),
        json!({ "token_endpoint_auth_method": "none" }),
    )
    .await;
    (id, client_id)
}

async fn assign(app: &TestApp, app_id: &str, user_id: &str) {
    let r = app
        .post(
            &format!("/api/v1/apps/{app_id}/users"),
            json!({ "id": user_id }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn session_token(app: &TestApp, login: &str) -> String {
    let r = app
        .post(
            "/api/v1/authn",
            json!({ "username": login, "password": "Xyzzy12345" }),
        )
        .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    r.body["sessionToken"].as_str().unwrap().to_owned()
}

fn challenge() -> String {
    crypto::jwt::pkce_s256(VERIFIER)
}

/// The query (or fragment) parameters of a redirect's `Location`.
fn redirect_params(r: &Reply) -> Map<String, Value> {
    let location = r
        .header("location")
        .unwrap_or_else(|| panic!("no Location: {} {}", r.status, r.text));
    let (_, params) = location
        .split_once('?')
        .or_else(|| location.split_once('#'))
        .unwrap_or_else(|| panic!("{location}"));
    url::form_urlencoded::parse(params.as_bytes())
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect()
}

async fn authorize(
    app: &TestApp,
    server: &str,
    query: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    let qs = query
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = browser(app).get(app.url(&format!("{server}/v1/authorize?{qs}")));
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("sid={c}"));
    }
    send(req).await
}

async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
    send(browser(app).post(app.url(path)).form(fields)).await
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Verifies `jwt` against the server's published keys: its claims.
async fn verified(app: &TestApp, issuer_path: &str, jwt: &str) -> Value {
    let keys = app.get(&format!("{issuer_path}/v1/keys")).await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    let key = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("kid {} not published", header["kid"]));
    let verifier =
        crypto::jwt::RsaVerifier::new(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    Value::Object(crypto::jwt::verify_rs256(jwt, &verifier).expect("signature verifies"))
}

/// Signs in `login` and runs the code flow to its tokens on `server` ("/oauth2/default").
async fn code_flow(
    app: &TestApp,
    server: &str,
    client_id: &str,
    login: &str,
    scope: &str,
) -> Value {
    let token = session_token(app, login).await;
    let challenge = challenge();
    let r = authorize(
        app,
        server,
        &[
            ("client_id", client_id),
            ("response_type", "code"),
            ("scope", scope),
            ("redirect_uri", REDIRECT),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("sessionToken", &token),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    let params = redirect_params(&r);
    assert_eq!(params["state"], "st-1");
    assert!(r.header("set-cookie").unwrap().starts_with("sid="));
    let code = params["code"].as_str().unwrap();
    let r = form(
        app,
        &format!("{server}/v1/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("code", code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("no-cache, no-store")
    );
    let mut body = r.body.clone();
    body["code"] = json!(code);
    body
}

#[tokio::test]
async fn discovery_documents_and_keys_describe_each_server() {
    let (app, _) = spawn().await;
    let org = app.get("/.well-known/openid-configuration").await;
    assert_eq!(org.status, StatusCode::OK, "{}", org.text);
    assert_eq!(org.body["issuer"], app.base.trim_end_matches('/'));
    assert_eq!(
        org.body["token_endpoint"],
        format!("{}/oauth2/v1/token", app.base.trim_end_matches('/'))
    );
    let default = app
        .get("/oauth2/default/.well-known/openid-configuration")
        .await;
    let issuer = format!("{}/oauth2/default", app.base.trim_end_matches('/'));
    assert_eq!(default.body["issuer"], issuer);
    assert_eq!(default.body["jwks_uri"], format!("{issuer}/v1/keys"));
    assert_eq!(
        default.body["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert!(default.body["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("offline_access")));
    let meta = app
        .get("/oauth2/default/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(meta.body["issuer"], issuer);
    assert!(meta.body.get("userinfo_endpoint").is_none());
    let keys = app.get("/oauth2/default/v1/keys").await;
    // The signing key and the next one, published ahead of a rotation.
    let list = keys.body["keys"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", keys.text);
    assert_eq!(list[0]["kty"], "RSA");
    assert_eq!(list[0]["alg"], "RS256");
    assert_eq!(list[0]["use"], "sig");
    // The org server has keys of its own.
    let org_keys = app.get("/oauth2/v1/keys").await;
    let org_kids: Vec<&Value> = org_keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert!(!org_kids.contains(&&list[0]["kid"]) && !org_kids.contains(&&list[1]["kid"]));
    let missing = app.get("/oauth2/nope/v1/keys").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"], "not_found");
}

#[tokio::test]
async fn the_code_flow_issues_tokens_that_verify_and_carry_okta_claims() {
    let (app, _) = spawn().await;
    let uid = user(&app, "ada@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "ada@example.com",
        "openid profile email offline_access",
    )
    .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid profile email offline_access");
    let issuer = format!("{}/oauth2/default", app.base.trim_end_matches('/'));
    let at = verified(
        &app,
        "/oauth2/default",
        tokens["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(at["ver"], 1);
    assert_eq!(at["iss"], issuer);
    assert_eq!(at["aud"], "api://default");
    assert_eq!(at["cid"], client_id);
    assert_eq!(at["uid"], uid);
    assert_eq!(at["sub"], "ada@example.com");
    assert!(at["jti"].as_str().unwrap().starts_with("AT."));
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(
        at["scp"],
        json!(["openid", "profile", "email", "offline_access"])
    );
    let id = verified(
        &app,
        "/oauth2/default",
        tokens["id_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(id["sub"], uid);
    assert_eq!(id["aud"], client_id);
    assert_eq!(id["iss"], issuer);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["amr"], json!(["pwd"]));
    assert_eq!(id["email"], "ada@example.com");
    assert_eq!(id["preferred_username"], "ada@example.com");
    assert!(id["jti"].as_str().unwrap().starts_with("ID."));
    assert_eq!(
        id["at_hash"],
        crypto::jwt::half_hash(tokens["access_token"].as_str().unwrap())
    );
    // With an access token, the ID token has only name/preferred_username/email of the
    // profile claims; userinfo has them all.
    assert!(id.get("given_name").is_none());
    let info = send(
        browser(&app)
            .get(app.url("/oauth2/default/v1/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    assert_eq!(info.body["sub"], uid);
    assert_eq!(info.body["email"], "ada@example.com");
    assert_eq!(info.body["email_verified"], true);
    assert!(info.body.get("given_name").is_some(), "{}", info.text);
    // An access token of one server is nothing to another.
    let other = send(
        browser(&app)
            .get(app.url("/oauth2/v1/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    assert!(other
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_token\""));
    // The events are in the System Log.
    let log = app
        .get("/api/v1/logs?filter=eventType+eq+%22app.oauth2.as.token.grant.access_token%22")
        .await;
    assert_eq!(log.body.as_array().unwrap().len(), 1, "{}", log.text);
    let log = app
        .get("/api/v1/logs?filter=eventType+eq+%22app.oauth2.as.authorize.code%22")
        .await;
    assert_eq!(log.body.as_array().unwrap().len(), 1, "{}", log.text);
}

#[tokio::test]
async fn a_code_works_once_and_a_second_use_revokes_what_it_issued() {
    let (app, _) = spawn().await;
    let uid = user(&app, "bo@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "bo@example.com",
        "openid offline_access",
    )
    .await;
    let introspect = |token: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/introspect",
                &[("client_id", &client_id), ("token", &token)],
            )
            .await
        }
    };
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let r = introspect(access.clone()).await;
    assert_eq!(r.body["active"], true, "{}", r.text);
    assert_eq!(r.body["username"], "bo@example.com");
    assert_eq!(r.body["client_id"], client_id);
    assert_eq!(introspect(refresh.clone()).await.body["active"], true);
    let again = form(
        &app,
        "/oauth2/default/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("redirect_uri", REDIRECT),
            ("code", tokens["code"].as_str().unwrap()),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_grant");
    assert_eq!(introspect(access).await.body["active"], false);
    assert_eq!(introspect(refresh).await.body["active"], false);
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_give_tokens_once() {
    let (app, _) = spawn().await;
    let uid = user(&app, "cy@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let token = session_token(&app, "cy@example.com").await;
    let challenge = challenge();
    let r = authorize(
        &app,
        "/oauth2/default",
        &[
            ("client_id", &client_id),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("sessionToken", &token),
        ],
        None,
    )
    .await;
    let code = redirect_params(&r)["code"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| {
        let app = &app;
        let client_id = client_id.clone();
        let code = code.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &client_id),
                    ("redirect_uri", REDIRECT),
                    ("code", &code),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await
            .status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_grant() {
    let (app, clock) = spawn().await;
    let uid = user(&app, "di@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "di@example.com",
        "openid offline_access",
    )
    .await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client_id),
                    ("refresh_token", &token),
                    ("scope", "openid offline_access"),
                ],
            )
            .await
        }
    };
    clock.advance(1_000);
    let r = refresh(first.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let second = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert!(r.body["id_token"].is_string());
    // More scopes than the grant had: refused.
    let wider = form(
        &app,
        "/oauth2/default/v1/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", &second),
            ("scope", "openid offline_access profile"),
        ],
    )
    .await;
    assert_eq!(wider.body["error"], "invalid_scope", "{}", wider.text);
    // The rotated token again, past the leeway (0 s): the whole grant is revoked.
    clock.advance(1_000);
    let reused = refresh(first).await;
    assert_eq!(reused.body["error"], "invalid_grant", "{}", reused.text);
    let after = refresh(second).await;
    assert_eq!(after.body["error"], "invalid_grant", "{}", after.text);
}

#[tokio::test]
async fn revocation_and_logout_end_what_they_name() {
    let (app, _) = spawn().await;
    let uid = user(&app, "ed@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "ed@example.com",
        "openid",
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    // okta-auth-js sends a public client's id as `Basic base64(client_id)`.
    let r = send(
        browser(&app)
            .post(app.url("/oauth2/default/v1/revoke"))
            .header(
                "Authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(&client_id)
                ),
            )
            .form(&[("token", access), ("token_type_hint", "access_token")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let info = send(
        browser(&app)
            .get(app.url("/oauth2/default/v1/userinfo"))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(info.status, StatusCode::UNAUTHORIZED);
    // Logout: needs a registered post-logout URI, ends the session, keeps the state.
    let token = session_token(&app, "ed@example.com").await;
    let r = authorize(
        &app,
        "/oauth2/default",
        &[
            ("client_id", &client_id),
            ("response_type", "id_token"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("nonce", "n"),
            ("sessionToken", &token),
        ],
        None,
    )
    .await;
    let cookie = r.header("set-cookie").unwrap();
    let sid = cookie
        .strip_prefix("sid=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let id_token = redirect_params(&r)["id_token"].as_str().unwrap().to_owned();
    // An ID token issued alone carries the scope claims itself.
    assert_eq!(claims(&id_token)["nonce"], "n");
    let bad = send(browser(&app).get(app.url(&format!(
        "/oauth2/default/v1/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
        urlencoding::encode("https://evil.example.com/")
    ))))
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.header("location").is_none());
    let out = send(
        browser(&app)
            .get(app.url(&format!(
                "/oauth2/default/v1/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye",
                urlencoding::encode("https://app.example.com/bye")
            )))
            .header("Cookie", format!("sid={sid}")),
    )
    .await;
    assert_eq!(out.status, StatusCode::FOUND, "{}", out.text);
    assert_eq!(
        out.header("location").as_deref(),
        Some("https://app.example.com/bye?state=bye")
    );
    // The session is gone: prompt=none now answers login_required.
    let r = authorize(
        &app,
        "/oauth2/default",
        &[
            ("client_id", &client_id),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
            ("state", "s2"),
            ("prompt", "none"),
            ("code_challenge", &challenge()),
        ],
        Some(&sid),
    )
    .await;
    let params = redirect_params(&r);
    assert_eq!(params["error"], "login_required", "{params:?}");
    assert_eq!(params["state"], "s2");
}

#[tokio::test]
async fn authorize_refuses_bad_requests_and_never_redirects_to_an_unregistered_uri() {
    let (app, _) = spawn().await;
    let uid = user(&app, "fa@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    let challenge = challenge();
    let base = |extra: &[(&'static str, String)]| {
        let mut q: Vec<(&'static str, String)> = vec![
            ("client_id", client_id.clone()),
            ("response_type", "code".into()),
            ("scope", "openid".into()),
            ("redirect_uri", REDIRECT.into()),
            ("state", "s".into()),
            ("code_challenge", challenge.clone()),
        ];
        for (k, v) in extra {
            q.retain(|(key, _)| key != k);
            q.push((k, v.clone()));
        }
        q
    };
    let run = |q: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
            authorize(app, "/oauth2/default", &pairs, None).await
        }
    };
    // Unknown client, unregistered redirect: an error page, no Location.
    for q in [
        base(&[("client_id", "nobody".into())]),
        base(&[("redirect_uri", "https://evil.example.com/cb".into())]),
    ] {
        let r = run(q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.header("location").is_none());
    }
    for (extra, error) in [
        (
            vec![
                ("response_type", "token".to_owned()),
                ("response_mode", "query".into()),
            ],
            "unsupported_response_mode",
        ),
        (
            vec![("response_type", "bogus".to_owned())],
            "unsupported_response_type",
        ),
        (
            vec![("scope", "openid unknown_scope".to_owned())],
            "invalid_scope",
        ),
        (
            vec![("code_challenge_method", "plain".to_owned())],
            "invalid_request",
        ),
        (vec![("prompt", "none".to_owned())], "login_required"),
    ] {
        let r = run(base(&extra)).await;
        assert_eq!(r.status, StatusCode::FOUND, "{extra:?}: {}", r.text);
        let params = redirect_params(&r);
        assert_eq!(params["error"], error, "{extra:?}: {params:?}");
        assert_eq!(params["state"], "s");
    }
    // A public client without PKCE.
    let mut q = base(&[]);
    q.retain(|(k, _)| *k != "code_challenge");
    let params = redirect_params(&run(q).await);
    assert_eq!(params["error"], "invalid_request");
    // A user not assigned to the app.
    let token = session_token(&app, "fa@example.com").await;
    let params = redirect_params(&run(base(&[("sessionToken", token)])).await);
    assert_eq!(params["error"], "access_denied", "{params:?}");
    assign(&app, &app_id, &uid).await;
    let token = session_token(&app, "fa@example.com").await;
    let params = redirect_params(&run(base(&[("sessionToken", token)])).await);
    assert!(params["code"].is_string(), "{params:?}");
}

#[tokio::test]
async fn confidential_clients_authenticate_with_secrets_and_signed_assertions() {
    let (app, _) = spawn().await;
    let (_, web_id, secret) = oidc_app(
        &app,
        json!({
            "application_type": "web",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "redirect_uris": [REDIRECT]
        }),
        json!({ "token_endpoint_auth_method": "client_secret_basic" }),
    )
    .await;
    let secret = secret.unwrap();
    let introspect = "/oauth2/default/v1/introspect";
    let ok = send(
        browser(&app)
            .post(app.url(introspect))
            .basic_auth(&web_id, Some(&secret))
            .form(&[("token", "nothing")]),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body, json!({ "active": false }));
    let wrong = send(
        browser(&app)
            .post(app.url(introspect))
            .basic_auth(&web_id, Some("wrong-secret-value"))
            .form(&[("token", "nothing")]),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"], "invalid_client");
    assert!(wrong.header("www-authenticate").is_some());
    // The secret in the body when the app is set up for the header: refused.
    let post = form(
        &app,
        introspect,
        &[
            ("client_id", &web_id),
            ("client_secret", &secret),
            ("token", "x"),
        ],
    )
    .await;
    assert_eq!(post.body["error"], "invalid_client", "{}", post.text);
    let none = form(&app, introspect, &[("token", "x")]).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.body["error_description"],
        "No client credentials found."
    );

    // private_key_jwt with the app's registered public key.
    let key = crypto::signing_keys::generate("client", "client", 0, 2).unwrap();
    let signer = crypto::jwt::Signer::from_pkcs8_pem(&key.kid, &key.private_key_pem).unwrap();
    let (_, service_id, _) = oidc_app(
        &app,
        json!({
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "jwks": { "keys": [{ "kty": "RSA", "kid": key.kid, "e": key.e, "n": key.n }] }
        }),
        json!({ "token_endpoint_auth_method": "private_key_jwt" }),
    )
    .await;
    let now = START / 1000;
    let audience = format!(
        "{}/oauth2/default/v1/introspect",
        app.base.trim_end_matches('/')
    );
    let assertion = |jti: &str, aud: &str, exp: i64| {
        signer
            .sign(&json!({ "iss": service_id, "sub": service_id, "aud": aud, "exp": exp, "iat": now, "jti": jti }))
            .unwrap()
    };
    let with = |jwt: String| {
        let app = &app;
        async move {
            form(
                app,
                introspect,
                &[
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &jwt),
                    ("token", "x"),
                ],
            )
            .await
        }
    };
    let r = with(assertion("j1", &audience, now + 300)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let replay = with(assertion("j1", &audience, now + 300)).await;
    assert_eq!(replay.body["error"], "invalid_client", "{}", replay.text);
    let wrong_aud = with(assertion("j2", "https://elsewhere/token", now + 300)).await;
    assert_eq!(wrong_aud.body["error"], "invalid_client");
    let expired = with(assertion("j3", &audience, now - 10)).await;
    assert_eq!(expired.body["error"], "invalid_client");
    let far = with(assertion("j4", &audience, now + 7200)).await;
    assert_eq!(far.body["error"], "invalid_client");
    // client_credentials: the default server has no custom scope to give.
    let cc = form(
        &app,
        "/oauth2/default/v1/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", &signer.sign(&json!({ "iss": service_id, "sub": service_id, "aud": format!("{}/oauth2/default/v1/token", app.base.trim_end_matches('/')), "exp": now + 300 })).unwrap()),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(cc.body["error"], "invalid_scope", "{}", cc.text);
}

/// A confidential service app (`client_secret_basic`, client credentials): (client id,
/// secret).
async fn service_app(app: &TestApp) -> (String, String) {
    let (_, client_id, secret) = oidc_app(
        app,
        json!({ "application_type": "service", "grant_types": ["client_credentials"] }),
        json!({ "token_endpoint_auth_method": "client_secret_basic" }),
    )
    .await;
    (client_id, secret.unwrap())
}

async fn client_credentials(
    app: &TestApp,
    server: &str,
    id: &str,
    secret: &str,
    scope: &str,
) -> Reply {
    send(
        browser(app)
            .post(app.url(&format!("{server}/v1/token")))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)]),
    )
    .await
}

#[tokio::test]
async fn the_default_server_is_listed_with_its_system_scopes_and_keys() {
    let (app, _) = spawn().await;
    let list = app.get("/api/v1/authorizationServers").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let default = &list.body.as_array().unwrap()[0];
    assert_eq!(default["id"], "default");
    assert_eq!(default["audiences"], json!(["api://default"]));
    assert_eq!(default["status"], "ACTIVE");
    assert_eq!(
        default["issuer"],
        format!("{}/oauth2/default", app.base.trim_end_matches('/'))
    );
    assert_eq!(default["credentials"]["signing"]["rotationMode"], "AUTO");
    let kid = default["credentials"]["signing"]["kid"].as_str().unwrap();
    let keys = app
        .get("/api/v1/authorizationServers/default/credentials/keys")
        .await;
    let statuses: Vec<&str> = keys
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"ACTIVE") && statuses.contains(&"NEXT"),
        "{statuses:?}"
    );
    assert!(keys
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == kid && k["status"] == "ACTIVE"));
    let scopes = app.get("/api/v1/authorizationServers/default/scopes").await;
    let openid = scopes
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "openid")
        .unwrap()
        .clone();
    assert_eq!(openid["system"], true);
    assert!(openid.get("created").is_none(), "{openid}");
    assert!(openid["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "/authorizationServers/default/scopes/{}",
            openid["id"].as_str().unwrap()
        )));
    let refused = app
        .delete(&format!(
            "/api/v1/authorizationServers/default/scopes/{}",
            openid["id"].as_str().unwrap()
        ))
        .await;
    refused.assert_error(400, "E0000001");
    let policies = app
        .get("/api/v1/authorizationServers/default/policies")
        .await;
    assert_eq!(policies.body[0]["name"], "Default Policy");
    let rules = app
        .get(&format!(
            "/api/v1/authorizationServers/default/policies/{}/rules",
            policies.body[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rules.body[0]["name"], "Default Policy Rule");
    assert_eq!(
        rules.body[0]["actions"]["token"]["accessTokenLifetimeMinutes"],
        60
    );
    let missing = app.get("/api/v1/authorizationServers/nope").await;
    missing.assert_error(404, "E0000007");
}

#[tokio::test]
async fn a_custom_server_issues_its_scopes_and_claims_under_its_policy() {
    let (app, _) = spawn().await;
    let r = app
        .post(
            "/api/v1/authorizationServers",
            json!({ "name": "Orders", "description": "Orders API", "audiences": ["https://orders.example.com"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("aus"));
    let dup = app
        .post(
            "/api/v1/authorizationServers",
            json!({ "name": "orders", "description": "again", "audiences": ["x"] }),
        )
        .await;
    dup.assert_error(400, "E0000001");
    let invalid = app
        .post(
            "/api/v1/authorizationServers",
            json!({ "name": "No audience" }),
        )
        .await;
    invalid.assert_error(400, "E0000001");
    let base = format!("/api/v1/authorizationServers/{id}");
    let scope = app
        .post(
            &format!("{base}/scopes"),
            json!({ "name": "orders:read", "description": "Read orders", "metadataPublish": "ALL_CLIENTS" }),
        )
        .await;
    assert_eq!(scope.status, StatusCode::CREATED, "{}", scope.text);
    assert_eq!(scope.body["consent"], "IMPLICIT");
    app.post(&format!("{base}/scopes"), json!({ "name": "orders:read" }))
        .await
        .assert_error(400, "E0000001");
    app.post(
        &format!("{base}/scopes"),
        json!({ "name": "okta.users.read" }),
    )
    .await
    .assert_error(400, "E0000001");
    let claim = app
        .post(
            &format!("{base}/claims"),
            json!({ "name": "client", "claimType": "RESOURCE", "valueType": "EXPRESSION",
                    "value": "app.clientId", "conditions": { "scopes": ["orders:read"] } }),
        )
        .await;
    assert_eq!(claim.status, StatusCode::CREATED, "{}", claim.text);
    app.post(
        &format!("{base}/claims"),
        json!({ "name": "broken", "claimType": "RESOURCE", "value": "user.email ==" }),
    )
    .await
    .assert_error(400, "E0000001");
    let (client_id, secret) = service_app(&app).await;
    let server = format!("/oauth2/{id}");
    // No policy yet: nothing is allowed.
    let denied = client_credentials(&app, &server, &client_id, &secret, "orders:read").await;
    assert_eq!(denied.body["error"], "access_denied", "{}", denied.text);
    let policy = app
        .post(
            &format!("{base}/policies"),
            json!({ "name": "Services", "description": "Service clients",
                    "conditions": { "clients": { "include": [client_id] } } }),
        )
        .await;
    assert_eq!(policy.status, StatusCode::CREATED, "{}", policy.text);
    let policy_id = policy.body["id"].as_str().unwrap().to_owned();
    let rule = app
        .post(
            &format!("{base}/policies/{policy_id}/rules"),
            json!({ "name": "Read orders", "conditions": {
                        "grantTypes": { "include": ["client_credentials"] },
                        "scopes": { "include": ["orders:read"] } },
                    "actions": { "token": { "accessTokenLifetimeMinutes": 15 } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.text);
    let ok = client_credentials(&app, &server, &client_id, &secret, "orders:read").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["expires_in"], 900);
    assert!(ok.body.get("refresh_token").is_none() && ok.body.get("id_token").is_none());
    let at = verified(&app, &server, ok.body["access_token"].as_str().unwrap()).await;
    assert_eq!(at["aud"], "https://orders.example.com");
    assert_eq!(at["sub"], client_id);
    assert_eq!(at["scp"], json!(["orders:read"]));
    assert_eq!(at["client"], client_id);
    assert!(at.get("uid").is_none());
    // The published scope is in the discovery document; an unknown one is refused.
    let meta = app
        .get(&format!("{server}/.well-known/oauth-authorization-server"))
        .await;
    assert!(meta.body["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("orders:read")));
    let unknown = client_credentials(&app, &server, &client_id, &secret, "orders:write").await;
    assert_eq!(unknown.body["error"], "invalid_scope");
    // A deactivated rule, then a deactivated server, stop the grant.
    let rule_id = rule.body["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!(
            "{base}/policies/{policy_id}/rules/{rule_id}/lifecycle/deactivate"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let denied = client_credentials(&app, &server, &client_id, &secret, "orders:read").await;
    assert_eq!(denied.body["error"], "access_denied");
    let r = app
        .post_empty(&format!("{base}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let gone = app.get(&format!("{server}/v1/keys")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&base).await.body["status"], "INACTIVE");
    let log = app
        .get("/api/v1/logs?filter=eventType+eq+%22oauth2.as.created%22")
        .await;
    assert_eq!(log.body.as_array().unwrap().len(), 1, "{}", log.text);
    assert_eq!(app.delete(&base).await.status, StatusCode::NO_CONTENT);
    app.get(&base).await.assert_error(404, "E0000007");
}

#[tokio::test]
async fn custom_claims_reach_the_tokens_of_the_code_flow() {
    let (app, _) = spawn().await;
    let uid = user(&app, "gi@example.com").await;
    let group = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Engineering" } }),
        )
        .await;
    let gid = group.body["id"].as_str().unwrap();
    assert_eq!(
        app.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let base = "/api/v1/authorizationServers/default";
    for body in [
        json!({ "name": "mail", "claimType": "RESOURCE", "valueType": "EXPRESSION", "value": "user.email" }),
        json!({ "name": "groups", "claimType": "IDENTITY", "valueType": "GROUPS",
                "group_filter_type": "STARTS_WITH", "value": "Eng", "alwaysIncludeInToken": true }),
        json!({ "name": "later", "claimType": "IDENTITY", "valueType": "EXPRESSION",
                "value": "user.lastName", "alwaysIncludeInToken": false }),
    ] {
        let r = app.post(&format!("{base}/claims"), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "gi@example.com",
        "openid",
    )
    .await;
    let at = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["mail"], "gi@example.com");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["groups"], json!(["Engineering"]));
    // Not always included: an ID token with an access token leaves it to userinfo.
    assert!(id.get("later").is_none(), "{id}");
}

#[tokio::test]
async fn a_key_rotation_keeps_issued_tokens_valid_and_signs_with_the_next_key() {
    let (app, _) = spawn().await;
    let uid = user(&app, "hu@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let before = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "hu@example.com",
        "openid",
    )
    .await;
    let keys = app
        .get("/api/v1/authorizationServers/default/credentials/keys")
        .await;
    let kid_of = |status: &str| {
        keys.body
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["status"] == status)
            .unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (active, next) = (kid_of("ACTIVE"), kid_of("NEXT"));
    let bad = app
        .post(
            "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate",
            json!({ "use": "enc" }),
        )
        .await;
    bad.assert_error(400, "E0000001");
    let rotated = app
        .post(
            "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate",
            json!({ "use": "sig" }),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let now: Vec<(String, String)> = rotated
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(now.contains(&(next.clone(), "ACTIVE".into())), "{now:?}");
    assert!(now.contains(&(active.clone(), "EXPIRED".into())), "{now:?}");
    assert_eq!(now.iter().filter(|(_, s)| s == "NEXT").count(), 1);
    // The token signed before still verifies from /keys and is active.
    let old = before["access_token"].as_str().unwrap();
    verified(&app, "/oauth2/default", old).await;
    let r = form(
        &app,
        "/oauth2/default/v1/introspect",
        &[("client_id", &client_id), ("token", old)],
    )
    .await;
    assert_eq!(r.body["active"], true, "{}", r.text);
    let after = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "hu@example.com",
        "openid",
    )
    .await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                after["access_token"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .next()
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], next);
}

/// A service app that authenticates with `private_key_jwt`: (app id, client id, signer).
async fn key_service_app(app: &TestApp) -> (String, String, crypto::jwt::Signer) {
    let key = crypto::signing_keys::generate("svc", "svc", 0, 2).unwrap();
    let signer = crypto::jwt::Signer::from_pkcs8_pem(&key.kid, &key.private_key_pem).unwrap();
    let (id, client_id, _) = oidc_app(
        app,
        json!({
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "jwks": { "keys": [{ "kty": "RSA", "kid": key.kid, "e": key.e, "n": key.n }] }
        }),
        json!({ "token_endpoint_auth_method": "private_key_jwt" }),
    )
    .await;
    (id, client_id, signer)
}

/// An org-server token for `scope`, as Okta's SDKs get one in PrivateKey mode.
async fn management_token(
    app: &TestApp,
    client_id: &str,
    signer: &crypto::jwt::Signer,
    scope: &str,
) -> Reply {
    let aud = format!("{}/oauth2/v1/token", app.base.trim_end_matches('/'));
    let now = START / 1000;
    let assertion = signer
        .sign(
            &json!({ "iss": client_id, "sub": client_id, "aud": aud, "iat": now,
                       "exp": now + 300, "jti": crypto::tokens::random_token(20) }),
        )
        .unwrap();
    form(
        app,
        "/oauth2/v1/token",
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ],
    )
    .await
}

async fn with_bearer(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = browser(app)
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Accept", "application/json");
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

#[tokio::test]
async fn granted_okta_scopes_open_the_management_api_to_a_service_app() {
    let (app, _) = spawn().await;
    let (app_id, client_id, signer) = key_service_app(&app).await;
    // Nothing granted yet.
    let refused = management_token(&app, &client_id, &signer, "okta.users.read").await;
    assert_eq!(refused.body["error"], "invalid_scope", "{}", refused.text);
    let org = app.base.trim_end_matches('/').to_owned();
    let bad = app
        .post(
            &format!("/api/v1/apps/{app_id}/grants"),
            json!({ "issuer": org, "scopeId": "okta.nothing.read" }),
        )
        .await;
    bad.assert_error(400, "E0000001");
    let grant = app
        .post(
            &format!("/api/v1/apps/{app_id}/grants"),
            json!({ "issuer": org, "scopeId": "okta.users.read" }),
        )
        .await;
    assert_eq!(grant.status, StatusCode::CREATED, "{}", grant.text);
    assert_eq!(grant.body["scopeId"], "okta.users.read");
    assert_eq!(grant.body["clientId"], client_id);
    let again = app
        .post(
            &format!("/api/v1/apps/{app_id}/grants"),
            json!({ "issuer": org, "scopeId": "okta.users.read" }),
        )
        .await;
    again.assert_error(400, "E0000001");
    let listed = app.get(&format!("/api/v1/apps/{app_id}/grants")).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);

    let r = management_token(&app, &client_id, &signer, "okta.users.read").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let at = verified(&app, "/oauth2", &token).await;
    assert_eq!(at["aud"], org);
    assert_eq!(at["iss"], org);
    assert_eq!(at["scp"], json!(["okta.users.read"]));
    // Scopes alone are not enough: the app acts with the admin roles assigned to it.
    let users = with_bearer(&app, reqwest::Method::GET, "/api/v1/users", &token, None).await;
    users.assert_error(403, "E0000006");
    let role = app
        .post(
            &format!("/oauth2/v1/clients/{client_id}/roles"),
            json!({ "type": "READ_ONLY_ADMIN" }),
        )
        .await;
    assert_eq!(role.status, StatusCode::OK, "{}", role.text);
    assert_eq!(role.body["assignmentType"], "CLIENT");
    assert_eq!(
        role.body["_links"]["assignee"]["href"],
        app.url(&format!("/oauth2/v1/clients/{client_id}"))
    );
    let users = with_bearer(&app, reqwest::Method::GET, "/api/v1/users", &token, None).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    // Writing needs okta.users.manage.
    let create = with_bearer(
        &app,
        reqwest::Method::POST,
        "/api/v1/users",
        &token,
        Some(json!({ "profile": TestApp::profile("svc-made@example.com") })),
    )
    .await;
    create.assert_error(403, "E0000006");
    assert!(create
        .header("www-authenticate")
        .unwrap()
        .contains("insufficient_scope"));
    let groups = with_bearer(&app, reqwest::Method::GET, "/api/v1/groups", &token, None).await;
    groups.assert_error(403, "E0000006");

    let manage = app
        .post(
            &format!("/api/v1/apps/{app_id}/grants"),
            json!({ "issuer": org, "scopeId": "okta.users.manage" }),
        )
        .await;
    assert_eq!(manage.status, StatusCode::CREATED);
    let r = management_token(&app, &client_id, &signer, "okta.users.manage").await;
    let manager = r.body["access_token"].as_str().unwrap().to_owned();
    // The scope allows it, the read-only role does not: both must.
    let refused = with_bearer(
        &app,
        reqwest::Method::POST,
        "/api/v1/users",
        &manager,
        Some(json!({ "profile": TestApp::profile("svc-made@example.com") })),
    )
    .await;
    refused.assert_error(403, "E0000006");
    let role = app
        .post(
            &format!("/oauth2/v1/clients/{client_id}/roles"),
            json!({ "type": "USER_ADMIN" }),
        )
        .await;
    assert_eq!(role.status, StatusCode::OK, "{}", role.text);
    let created = with_bearer(
        &app,
        reqwest::Method::POST,
        "/api/v1/users",
        &manager,
        Some(json!({ "profile": TestApp::profile("svc-made@example.com") })),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    // manage covers read.
    let read = with_bearer(&app, reqwest::Method::GET, "/api/v1/users", &manager, None).await;
    assert_eq!(read.status, StatusCode::OK);
    let log = app
        .get("/api/v1/logs?filter=eventType+eq+%22user.lifecycle.create%22")
        .await;
    let actors: Vec<&Value> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["actor"])
        .collect();
    assert!(
        actors
            .iter()
            .any(|a| a["type"] == "PublicClientApp" && a["id"] == client_id.as_str()),
        "{actors:?}"
    );

    // A revoked token, a custom server's token and a deactivated app's token are refused.
    let revoke = form(
        &app,
        "/oauth2/v1/revoke",
        &[
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            (
                "client_assertion",
                &signer
                    .sign(&json!({ "iss": client_id, "sub": client_id,
                        "aud": format!("{org}/oauth2/v1/revoke"), "exp": START / 1000 + 300 }))
                    .unwrap(),
            ),
            ("token", &token),
        ],
    )
    .await;
    assert_eq!(revoke.status, StatusCode::OK, "{}", revoke.text);
    with_bearer(&app, reqwest::Method::GET, "/api/v1/users", &token, None)
        .await
        .assert_error(401, "E0000011");
    let r = app
        .post_empty(&format!("/api/v1/apps/{app_id}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    with_bearer(&app, reqwest::Method::GET, "/api/v1/users", &manager, None)
        .await
        .assert_error(401, "E0000011");
    let grant_id = grant.body["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/apps/{app_id}/grants/{grant_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/apps/{app_id}/grants/{grant_id}"))
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn a_code_from_one_node_is_redeemed_on_another_and_keys_agree() {
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let (one, clock) = spawn().await;
    let two = crate::harness::second_node(&one, clock).await;
    let uid = user(&one, "jo@example.com").await;
    let (app_id, client_id) = spa(&one).await;
    assign(&one, &app_id, &uid).await;
    let token = session_token(&one, "jo@example.com").await;
    let challenge = challenge();
    let r = authorize(
        &one,
        "/oauth2/default",
        &[
            ("client_id", &client_id),
            ("response_type", "code"),
            ("scope", "openid offline_access"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("sessionToken", &token),
        ],
        None,
    )
    .await;
    let code = redirect_params(&r)["code"].as_str().unwrap().to_owned();
    let tokens = form(
        &two,
        "/oauth2/default/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("redirect_uri", REDIRECT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    // Node one's keys verify node two's tokens; the code is spent on both.
    verified(
        &one,
        "/oauth2/default",
        tokens.body["access_token"].as_str().unwrap(),
    )
    .await;
    let again = form(
        &one,
        "/oauth2/default/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("redirect_uri", REDIRECT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(again.body["error"], "invalid_grant");
    // A rotation on node one: node two's tokens keep verifying from node one's /keys.
    let rotated = one
        .post(
            "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate",
            json!({ "use": "sig" }),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let token = session_token(&two, "jo@example.com").await;
    let r = authorize(
        &two,
        "/oauth2/default",
        &[
            ("client_id", &client_id),
            ("response_type", "id_token"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("nonce", "n"),
            ("sessionToken", &token),
        ],
        None,
    )
    .await;
    let id_token = redirect_params(&r)["id_token"].as_str().unwrap().to_owned();
    verified(&one, "/oauth2/default", &id_token).await;
}

#[tokio::test]
async fn the_password_grant_runs_the_sign_in_checks() {
    let (app, _) = spawn().await;
    let uid = user(&app, "ki@example.com").await;
    let (app_id, client_id, _) = oidc_app(
        &app,
        json!({
            "application_type": "native",
            "grant_types": ["authorization_code", "password", "refresh_token"],
            "response_types": ["code"],
            "redirect_uris": ["com.example.app:/callback"]
        }),
        json!({ "token_endpoint_auth_method": "none" }),
    )
    .await;
    let grant = |username: &'static str, password: &'static str| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/token",
                &[
                    ("grant_type", "password"),
                    ("client_id", &client_id),
                    ("username", username),
                    ("password", password),
                    ("scope", "openid offline_access"),
                ],
            )
            .await
        }
    };
    // Not assigned yet.
    let r = grant("ki@example.com", "Xyzzy12345").await;
    assert_eq!(r.body["error"], "invalid_grant", "{}", r.text);
    assign(&app, &app_id, &uid).await;
    let ok = grant("ki@example.com", "Xyzzy12345").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.body["refresh_token"].is_string() && ok.body["id_token"].is_string());
    assert_eq!(
        claims(ok.body["id_token"].as_str().unwrap())["amr"],
        json!(["pwd"])
    );
    let wrong = grant("ki@example.com", "wrong-password").await;
    let unknown = grant("nobody@example.com", "wrong-password").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.body, unknown.body,
        "an unknown user answers like a wrong password"
    );
    // The default password policy locks after 10 failures; the grant counts like the Authn API.
    for _ in 0..9 {
        assert_eq!(
            grant("ki@example.com", "wrong-password").await.body["error"],
            "invalid_grant"
        );
    }
    let locked = grant("ki@example.com", "Xyzzy12345").await;
    assert_eq!(locked.body["error"], "invalid_grant", "{}", locked.text);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "LOCKED_OUT"
    );
}

#[tokio::test]
async fn administrators_list_and_revoke_refresh_tokens_by_server_and_by_user() {
    let (app, _) = spawn().await;
    let uid = user(&app, "lu@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let first = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "lu@example.com",
        "openid offline_access",
    )
    .await;
    let second = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "lu@example.com",
        "openid offline_access",
    )
    .await;
    let clients = app
        .get("/api/v1/authorizationServers/default/clients")
        .await;
    assert_eq!(clients.status, StatusCode::OK, "{}", clients.text);
    assert_eq!(clients.body[0]["client_id"], client_id);
    assert_eq!(clients.body[0]["client_name"], "Test client");
    let base = format!("/api/v1/authorizationServers/default/clients/{client_id}/tokens");
    let tokens = app.get(&format!("{base}?limit=1")).await;
    assert_eq!(tokens.body.as_array().unwrap().len(), 1, "{}", tokens.text);
    assert!(tokens.next_link().is_some());
    let t = &tokens.body[0];
    assert_eq!(t["userId"], uid);
    assert_eq!(t["scopes"], json!(["openid", "offline_access"]));
    assert_eq!(
        t["issuer"],
        format!("{}/oauth2/default", app.base.trim_end_matches('/'))
    );
    let token_id = t["id"].as_str().unwrap();
    let got = app.get(&format!("{base}/{token_id}")).await;
    assert_eq!(got.body["id"], token_id);
    let by_user = app
        .get(&format!("/api/v1/users/{uid}/clients/{client_id}/tokens"))
        .await;
    assert_eq!(by_user.body.as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}/clients")).await.body[0]["client_id"],
        client_id
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}/grants")).await.body,
        json!([])
    );
    // Revoking one token ends its grant, access token included; the other grant lives on.
    assert_eq!(
        app.delete(&format!("{base}/{token_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("{base}/{token_id}"))
        .await
        .assert_error(404, "E0000007");
    let introspect = |token: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/introspect",
                &[("client_id", &client_id), ("token", &token)],
            )
            .await
            .body["active"]
                .clone()
        }
    };
    let (revoked, alive) = if first["refresh_token"].is_string()
        && introspect(first["refresh_token"].as_str().unwrap().to_owned()).await == json!(false)
    {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(
        introspect(revoked["access_token"].as_str().unwrap().to_owned()).await,
        json!(false)
    );
    assert_eq!(
        introspect(alive["refresh_token"].as_str().unwrap().to_owned()).await,
        json!(true)
    );
    // All of the user's tokens for the client.
    assert_eq!(
        app.delete(&format!("/api/v1/users/{uid}/clients/{client_id}/tokens"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        introspect(alive["refresh_token"].as_str().unwrap().to_owned()).await,
        json!(false)
    );
    assert_eq!(app.get(&base).await.body, json!([]));
}

#[tokio::test]
async fn auto_rotation_moves_to_the_next_key_after_ninety_days_and_manual_does_not() {
    let (app, clock) = spawn().await;
    let make = |name: &'static str, mode: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "/api/v1/authorizationServers",
                    json!({ "name": name, "description": "d", "audiences": ["api://x"],
                            "credentials": { "signing": { "rotationMode": mode } } }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            (
                r.body["id"].as_str().unwrap().to_owned(),
                r.body["credentials"]["signing"]["kid"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        }
    };
    let (auto, auto_kid) = make("auto", "AUTO").await;
    let (manual, manual_kid) = make("manual", "MANUAL").await;
    let signing_kid = |id: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/authorizationServers/{id}"))
                .await
                .body["credentials"]["signing"]["kid"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // In steps the API token survives (it lapses after 30 days unused).
    const DAY: i64 = 24 * 60 * 60 * 1000;
    for days in [20, 20, 20, 20, 9] {
        clock.advance(days * DAY);
        assert_eq!(signing_kid(auto.clone()).await, auto_kid);
    }
    clock.advance(2 * DAY);
    let rotated = signing_kid(auto.clone()).await;
    assert_ne!(rotated, auto_kid);
    assert_eq!(signing_kid(manual).await, manual_kid);
    // The old key stays published as EXPIRED; the new one counts 90 days from now.
    let keys = app
        .get(&format!(
            "/api/v1/authorizationServers/{auto}/credentials/keys"
        ))
        .await;
    assert!(keys
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == auto_kid.as_str() && k["status"] == "EXPIRED"));
    clock.advance(60_000);
    assert_eq!(signing_kid(auto).await, rotated);
}

#[tokio::test]
async fn private_key_jwt_reads_the_keys_at_the_apps_jwks_uri() {
    let receiver = crate::receiver::Receiver::start().await;
    let ca = receiver.ca_path.clone();
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), clock).await;
    let key = crypto::signing_keys::generate("remote", "remote", 0, 2).unwrap();
    let signer = crypto::jwt::Signer::from_pkcs8_pem(&key.kid, &key.private_key_pem).unwrap();
    receiver
        .reply_with(json!({ "keys": [{ "kty": "RSA", "kid": key.kid, "e": key.e, "n": key.n }] }));
    let (_, client_id, _) = oidc_app(
        &app,
        json!({
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "jwks_uri": receiver.url
        }),
        json!({ "token_endpoint_auth_method": "private_key_jwt" }),
    )
    .await;
    let aud = format!(
        "{}/oauth2/default/v1/introspect",
        app.base.trim_end_matches('/')
    );
    let assertion = signer
        .sign(&json!({ "iss": client_id, "sub": client_id, "aud": aud, "exp": START / 1000 + 60 }))
        .unwrap();
    let r = form(
        &app,
        "/oauth2/default/v1/introspect",
        &[
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("token", "x"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!receiver.received().is_empty());
    // Another key at the URI: the same assertion no longer verifies.
    let other = crypto::signing_keys::generate("other", "other", 0, 2).unwrap();
    receiver.reply_with(
        json!({ "keys": [{ "kty": "RSA", "kid": key.kid, "e": other.e, "n": other.n }] }),
    );
    let r = form(
        &app,
        "/oauth2/default/v1/introspect",
        &[
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("token", "x"),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_client", "{}", r.text);
}

#[tokio::test]
async fn dynamic_client_registration_registers_reads_renews_and_removes_clients() {
    let (app, _) = spawn().await;
    let meta = json!({
        "client_name": "Registered client",
        "application_type": "web",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic"
    });
    let r = app.post("/oauth2/v1/clients", meta.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let client_id = r.body["client_id"].as_str().unwrap().to_owned();
    let secret = r.body["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(r.body["client_secret_expires_at"], 0);
    assert_eq!(r.body["redirect_uris"], json!([REDIRECT]));
    let discovery = app.get("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery.body["registration_endpoint"],
        format!("{}/oauth2/v1/clients", app.base.trim_end_matches('/'))
    );
    // It is an app, with consent required as registration makes them.
    let apps = app.get("/api/v1/apps?q=Registered").await;
    assert_eq!(
        apps.body[0]["settings"]["oauthClient"]["consent_method"],
        "REQUIRED"
    );
    let got = app.get(&format!("/oauth2/v1/clients/{client_id}")).await;
    assert_eq!(got.body["client_name"], "Registered client");
    assert!(got.body.get("client_secret").is_none());
    let listed = app.get("/oauth2/v1/clients?q=regis").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.text);
    // The secret authenticates; a new one replaces it.
    let introspect = |id: String, secret: String| {
        let app = &app;
        async move {
            send(
                browser(app)
                    .post(app.url("/oauth2/v1/introspect"))
                    .basic_auth(id, Some(secret))
                    .form(&[("token", "x")]),
            )
            .await
            .status
        }
    };
    assert_eq!(
        introspect(client_id.clone(), secret.clone()).await,
        StatusCode::OK
    );
    let renewed = app
        .post_empty(&format!(
            "/oauth2/v1/clients/{client_id}/lifecycle/newSecret"
        ))
        .await;
    let new_secret = renewed.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert_eq!(
        introspect(client_id.clone(), secret).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        introspect(client_id.clone(), new_secret).await,
        StatusCode::OK
    );
    let mut changed = meta.clone();
    changed["redirect_uris"] = json!(["https://app.example.com/other"]);
    let replaced = app
        .put(&format!("/oauth2/v1/clients/{client_id}"), changed)
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(
        replaced.body["redirect_uris"],
        json!(["https://app.example.com/other"])
    );
    assert_eq!(replaced.body["client_id"], client_id);
    let invalid = app
        .post("/oauth2/v1/clients", json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        invalid.body["error"], "invalid_client_metadata",
        "{}",
        invalid.text
    );
    assert_eq!(
        app.delete(&format!("/oauth2/v1/clients/{client_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let gone = app.get(&format!("/oauth2/v1/clients/{client_id}")).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.body["error"], "invalid_client");
    // No API token, no registration.
    let anonymous = send(
        browser(&app)
            .post(app.url("/oauth2/v1/clients"))
            .json(&meta),
    )
    .await;
    anonymous.assert_error(401, "E0000011");
}

#[tokio::test]
async fn deactivation_and_oauth_tokens_true_revoke_a_users_tokens_for_good() {
    let (app, _) = spawn().await;
    let uid = user(&app, "mo@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let active = |token: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            form(
                app,
                "/oauth2/default/v1/introspect",
                &[("client_id", &client_id), ("token", &token)],
            )
            .await
            .body["active"]
                .clone()
        }
    };
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "mo@example.com",
        "openid offline_access",
    )
    .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.delete(&format!("/api/v1/users/{uid}/sessions?oauthTokens=true"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(active(refresh).await, json!(false));
    let tokens = code_flow(
        &app,
        "/oauth2/default",
        &client_id,
        "mo@example.com",
        "openid offline_access",
    )
    .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(active(refresh.clone()).await, json!(true));
    assert_eq!(
        app.post_empty(&format!("/api/v1/users/{uid}/lifecycle/deactivate"))
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{uid}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
    // Reactivated, but the old tokens stay revoked.
    assert_eq!(active(refresh).await, json!(false));
}

#[tokio::test]
async fn a_signed_request_object_carries_the_authorize_parameters_once() {
    let (app, _) = spawn().await;
    let uid = user(&app, "ny@example.com").await;
    let (app_id, client_id, secret) = oidc_app(
        &app,
        json!({
            "application_type": "web",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "redirect_uris": [REDIRECT]
        }),
        json!({ "token_endpoint_auth_method": "client_secret_basic" }),
    )
    .await;
    let secret = secret.unwrap();
    assign(&app, &app_id, &uid).await;
    let issuer = format!("{}/oauth2/default", app.base.trim_end_matches('/'));
    let now = START / 1000;
    let sign = |claims: Value, key: &str| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
        )
        .unwrap()
    };
    let claims = |jti: &str, aud: &str| {
        json!({ "iss": client_id, "aud": aud, "exp": now + 300, "jti": jti,
                "client_id": client_id, "response_type": "code", "scope": "openid",
                "redirect_uri": REDIRECT, "state": "from-the-jwt" })
    };
    let run = |request: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            let token = session_token(app, "ny@example.com").await;
            authorize(
                app,
                "/oauth2/default",
                &[
                    ("client_id", &client_id),
                    ("request", &request),
                    ("state", "from-the-query"),
                    ("sessionToken", &token),
                ],
                None,
            )
            .await
        }
    };
    let good = sign(claims("r1", &issuer), &secret);
    let r = run(good.clone()).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    let params = redirect_params(&r);
    assert_eq!(params["state"], "from-the-jwt");
    assert!(params["code"].is_string());
    // Used once; a foreign signature or audience is refused on a page, never redirected.
    for bad in [
        good,
        sign(
            claims("r2", &issuer),
            "another-secret-that-is-long-enough-0123",
        ),
        sign(claims("r3", "https://elsewhere.example.com"), &secret),
    ] {
        let r = run(bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.header("location").is_none());
        assert!(r.text.contains("invalid_request_object"), "{}", r.text);
    }
    let discovery = app
        .get("/oauth2/default/.well-known/openid-configuration")
        .await;
    assert_eq!(discovery.body["request_parameter_supported"], true);
}

#[tokio::test]
async fn a_rule_for_one_group_lets_only_its_members_sign_in_through_the_server() {
    let (app, _) = spawn().await;
    let uid = user(&app, "ol@example.com").await;
    let (app_id, client_id) = spa(&app).await;
    assign(&app, &app_id, &uid).await;
    let group = app
        .post("/api/v1/groups", json!({ "profile": { "name": "Pilots" } }))
        .await;
    let gid = group.body["id"].as_str().unwrap().to_owned();
    let server = app
        .post(
            "/api/v1/authorizationServers",
            json!({ "name": "Pilots only", "description": "d", "audiences": ["api://pilots"] }),
        )
        .await;
    let sid = server.body["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/authorizationServers/{sid}");
    let policy = app
        .post(
            &format!("{base}/policies"),
            json!({ "name": "All", "description": "d", "conditions": { "clients": { "include": ["ALL_CLIENTS"] } } }),
        )
        .await;
    let pid = policy.body["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("{base}/policies/{pid}/rules"),
            json!({ "name": "Pilots", "conditions": {
                "people": { "groups": { "include": [gid] } },
                "grantTypes": { "include": ["authorization_code"] },
                "scopes": { "include": ["*"] } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.text);
    let attempt = || {
        let app = &app;
        let client_id = client_id.clone();
        let sid = sid.clone();
        async move {
            let token = session_token(app, "ol@example.com").await;
            let r = authorize(
                app,
                &format!("/oauth2/{sid}"),
                &[
                    ("client_id", &client_id),
                    ("response_type", "code"),
                    ("scope", "openid"),
                    ("redirect_uri", REDIRECT),
                    ("state", "s"),
                    ("code_challenge", &challenge()),
                    ("sessionToken", &token),
                ],
                None,
            )
            .await;
            redirect_params(&r)
        }
    };
    assert_eq!(attempt().await["error"], "access_denied");
    assert_eq!(
        app.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(attempt().await["code"].is_string());
}
