//! The Sessions API end to end: session tokens minted the way the Authn API mints them
//! (`latchkey::sessions::issue_session_token`), redeemed once through `POST /sessions` or
//! `/login/sessionCookieRedirect`; sessions read, refreshed and closed by id (API token) and
//! as `me` (the `sid` cookie, with CORS for trusted origins); lifetimes from the sign-on
//! policy on a controlled clock; all of a user's sessions revoked; no open redirect.

use crate::harness::{spawn_app_with_clock, Reply, TestApp};
use latchkey::sessions::{issue_session_token, SessionProof};
use model::time::{Clock, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const START: i64 = 1_900_000_000_000;
const MINUTE: i64 = 60_000;
const APP_ORIGIN: &str = "https://app.example.com";

async fn spawn() -> (TestApp, Clock) {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    (app, clock)
}

/// An ACTIVE user with a password; returns its id.
async fn active_user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile(login),
                    "credentials": { "password": { "value": "Xyzzy12345" } } }),
        )
        .await;
    assert_eq!(u["status"], "ACTIVE", "{u}");
    u["id"].as_str().unwrap().to_owned()
}

fn pwd_proof(at: i64) -> SessionProof {
    SessionProof {
        amr: vec!["pwd".into()],
        password_verified: Some(at),
        factor_verified: None,
    }
}

/// A session token for the user, as a successful sign-in mints it.
async fn mint(app: &TestApp, user_id: &str, proof: SessionProof) -> (String, i64) {
    let user = app
        .state
        .store
        .user_by_id(user_id)
        .await
        .unwrap()
        .expect("the user exists");
    issue_session_token(&app.state, &user, proof).await.unwrap()
}

/// `POST /api/v1/sessions` without an API token, as sessions.md allows.
async fn redeem(app: &TestApp, token: &str) -> Reply {
    app.call_as(
        Method::POST,
        "/api/v1/sessions",
        Some(json!({ "sessionToken": token })),
        None,
    )
    .await
}

/// A new session for the user through the API; returns its JSON.
async fn new_session(app: &TestApp, user_id: &str) -> Value {
    let now = app.state.clock.now().millis();
    let (token, _) = mint(app, user_id, pwd_proof(now)).await;
    let r = redeem(app, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

/// A client like a browser's fetch: trusts the generated CA, follows no redirects and keeps
/// no cookies (the test sends them).
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

/// A browser request carrying the `sid` cookie (if any) and an `Origin` (if any).
async fn as_browser(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Reply {
    let mut req = browser(app)
        .request(method, app.url(path))
        .header("Accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("theme=dark; sid={c}"));
    }
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    send(req).await
}

/// `GET /login/sessionCookieRedirect` as a browser follows it (without following the 302).
async fn cookie_redirect(app: &TestApp, token: &str, redirect_url: &str) -> Reply {
    let path = format!(
        "/login/sessionCookieRedirect?token={}&redirectUrl={}",
        urlencoding::encode(token),
        urlencoding::encode(redirect_url)
    );
    send(browser(app).get(app.url(&path))).await
}

/// The `sid` value of a `Set-Cookie` header.
fn sid_of(r: &Reply) -> String {
    let set = r.header("set-cookie").expect("a Set-Cookie header");
    let value = set
        .strip_prefix("sid=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    assert!(!value.is_empty(), "{set}");
    value.to_owned()
}

async fn trust(app: &TestApp, name: &str, origin: &str, scopes: &[&str]) -> String {
    let scopes: Vec<Value> = scopes.iter().map(|t| json!({ "type": t })).collect();
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({ "name": name, "origin": origin, "scopes": scopes }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/api/v1/logs?since=2000-01-01T00:00:00.000Z&filter=eventType%20eq%20%22{kind}%22"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

fn assert_no_content(r: &Reply) {
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);
    assert_eq!(r.header("content-type"), None);
}

#[tokio::test]
async fn a_session_token_starts_one_session() {
    let (app, _clock) = spawn().await;
    let uid = active_user(&app, "ann.session@example.com").await;
    let verified = START - 2_000;
    let (token, expires) = mint(&app, &uid, pwd_proof(verified)).await;
    assert_eq!(expires, START + 5 * MINUTE, "Okta's 5-minute session token");
    assert!(token.len() >= 40, "{token}");
    assert_ne!(mint(&app, &uid, pwd_proof(verified)).await.0, token);

    let r = redeem(&app, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("set-cookie"), None, "the API sets no cookie");
    let s = &r.body;
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("102") && id.len() >= 20, "{id}");
    let base = &app.base;
    assert_eq!(
        *s,
        json!({
            "id": id,
            "login": "ann.session@example.com",
            "userId": uid,
            "createdAt": iso(START),
            "expiresAt": iso(START + 120 * MINUTE),
            "status": "ACTIVE",
            "lastPasswordVerification": iso(verified),
            "lastFactorVerification": null,
            "amr": ["pwd"],
            "idp": { "id": app.state.org.id, "type": "OKTA" },
            "mfaActive": false,
            "_links": {
                "self": {
                    "href": format!("{base}/api/v1/sessions/{id}"),
                    "hints": { "allow": ["GET", "DELETE"] }
                },
                "refresh": {
                    "href": format!("{base}/api/v1/sessions/{id}/lifecycle/refresh"),
                    "hints": { "allow": ["POST"] }
                },
                "user": {
                    "name": "Isaac Brock",
                    "href": format!("{base}/api/v1/users/{uid}"),
                    "hints": { "allow": ["GET"] }
                }
            }
        })
    );

    // One-time: the same token again, an unknown one, an API token all fail alike.
    redeem(&app, &token).await.assert_error(401, "E0000004");
    redeem(&app, "20111NotATokenAtAll")
        .await
        .assert_error(401, "E0000004");
    let r = app
        .post("/api/v1/sessions", json!({ "sessionToken": token }))
        .await;
    r.assert_error(401, "E0000004");
    let r = app
        .call_as(Method::POST, "/api/v1/sessions", Some(json!({})), None)
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes(), ["sessionToken: The field cannot be left blank"]);
    let r = app
        .client
        .post(app.url("/api/v1/sessions"))
        .header("Content-Type", "application/json")
        .body("{\"sessionToken\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let started = events_of(&app, "user.session.start").await;
    let ours: Vec<&Value> = started
        .iter()
        .filter(|e| e["authenticationContext"]["externalSessionId"] == id)
        .collect();
    assert_eq!(ours.len(), 1, "{started:?}");
    assert_eq!(ours[0]["actor"]["id"], uid.as_str());
    assert_eq!(ours[0]["target"][0]["id"], uid.as_str());
    assert_eq!(ours[0]["outcome"]["result"], "SUCCESS");
    assert_eq!(ours[0]["legacyEventType"], "core.user_auth.login_success");
}

#[tokio::test]
async fn concurrent_redemptions_of_one_token_start_one_session() {
    let (app, _clock) = spawn().await;
    let uid = active_user(&app, "race.session@example.com").await;
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    let replies = futures::future::join_all((0..6).map(|_| redeem(&app, &token))).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1);
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_error(401, "E0000004");
    }
}

#[tokio::test]
async fn session_tokens_expire_after_five_minutes() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "late.session@example.com").await;
    let (late, _) = mint(&app, &uid, pwd_proof(START)).await;
    let (in_time, _) = mint(&app, &uid, pwd_proof(START)).await;
    clock.advance(5 * MINUTE - 1);
    assert_eq!(redeem(&app, &in_time).await.status, StatusCode::OK);
    clock.advance(1);
    redeem(&app, &late).await.assert_error(401, "E0000004");
}

#[tokio::test]
async fn sessions_by_id_need_an_api_token() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "admin.session@example.com").await;
    let s = new_session(&app, &uid).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/sessions/{id}");
    let refresh_path = format!("{path}/lifecycle/refresh");

    for (method, p) in [
        (Method::GET, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::PUT, path.clone()),
        (Method::POST, refresh_path.clone()),
        (Method::DELETE, format!("/api/v1/users/{uid}/sessions")),
    ] {
        app.call_as(method.clone(), &p, None, None)
            .await
            .assert_error(401, "E0000011");
        app.call_as(method, &p, None, Some("SSWS not-a-token"))
            .await
            .assert_error(401, "E0000011");
    }

    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, s, "read back as created");
    for missing in ["102AAAAAAAAAAAAAAAAA", "nope", "00u1234567890abcdefg"] {
        let r = app.get(&format!("/api/v1/sessions/{missing}")).await;
        r.assert_error(404, "E0000007");
        assert_eq!(
            r.body["errorSummary"],
            format!("Not found: Resource not found: {missing} (Session)")
        );
    }

    clock.advance(30 * MINUTE);
    let r = app.post_empty(&refresh_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["expiresAt"], iso(START + 150 * MINUTE));
    assert_eq!(r.body["createdAt"], iso(START));
    assert_eq!(
        r.body["_links"]["self"]["href"],
        s["_links"]["self"]["href"]
    );

    clock.advance(MINUTE);
    let r = app
        .client
        .post(app.url(&refresh_path))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Prefer", "return=minimal")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        r.headers()
            .get("preference-applied")
            .and_then(|v| v.to_str().ok()),
        Some("return=minimal")
    );
    assert_eq!(r.headers().get("content-type"), None);
    assert!(r.text().await.unwrap().is_empty());
    assert_eq!(
        app.get(&path).await.body["expiresAt"],
        iso(START + 151 * MINUTE)
    );

    // The deprecated Extend Session (PUT) refreshes too.
    clock.advance(MINUTE);
    let r = app.put(&path, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["expiresAt"], iso(START + 152 * MINUTE));
    assert_eq!(events_of(&app, "user.session.refresh").await.len(), 3);

    assert_no_content(&app.delete(&path).await);
    app.get(&path).await.assert_error(404, "E0000007");
    app.delete(&path).await.assert_error(404, "E0000007");
    app.post_empty(&refresh_path)
        .await
        .assert_error(404, "E0000007");
    let ended = events_of(&app, "user.session.end").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["authenticationContext"]["externalSessionId"], id);
    assert_eq!(ended[0]["target"][0]["id"], uid.as_str());
    assert_eq!(ended[0]["actor"]["type"], "User");
}

#[tokio::test]
async fn idle_expiry_refresh_and_maximum_follow_the_sign_on_rule() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "policy.session@example.com").await;

    // Okta's defaults: idle 120 minutes, no maximum, so refreshing keeps a session for days.
    let open = new_session(&app, &uid).await;
    let open_path = format!("/api/v1/sessions/{}", open["id"].as_str().unwrap());
    for _ in 0..30 {
        clock.advance(119 * MINUTE);
        let r = app
            .post_empty(&format!("{open_path}/lifecycle/refresh"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let now = clock.now().millis();
    assert_eq!(
        app.get(&open_path).await.body["expiresAt"],
        iso(now + 120 * MINUTE)
    );
    // Not refreshed for its idle lifetime: gone.
    clock.advance(120 * MINUTE);
    app.get(&open_path).await.assert_error(404, "E0000007");

    // A sign-on rule with idle 10 and maximum 25 minutes.
    let p = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Short sessions", "priority": 1 }),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let pid = p.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/policies/{pid}/rules"),
            json!({
                "type": "SIGN_ON", "name": "Short",
                "conditions": { "network": { "connection": "ANYWHERE" },
                                "authContext": { "authType": "ANY" } },
                "actions": { "signon": { "access": "ALLOW", "session": {
                    "maxSessionIdleMinutes": 10, "maxSessionLifetimeMinutes": 25,
                    "usePersistentCookie": false } } }
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let t0 = clock.now().millis();
    let s = new_session(&app, &uid).await;
    assert_eq!(s["expiresAt"], iso(t0 + 10 * MINUTE));
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    let refresh = format!("{path}/lifecycle/refresh");

    clock.advance(9 * MINUTE);
    let r = app.get(&path).await;
    assert_eq!(
        r.body["expiresAt"],
        iso(t0 + 10 * MINUTE),
        "reading does not refresh"
    );
    let r = app.post_empty(&refresh).await;
    assert_eq!(r.body["expiresAt"], iso(t0 + 19 * MINUTE), "{}", r.text);
    clock.advance(9 * MINUTE);
    let r = app.post_empty(&refresh).await;
    assert_eq!(
        r.body["expiresAt"],
        iso(t0 + 25 * MINUTE),
        "a refresh never passes the maximum: {}",
        r.text
    );
    clock.advance(6 * MINUTE);
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    clock.advance(MINUTE);
    app.get(&path).await.assert_error(404, "E0000007");
    app.post_empty(&refresh).await.assert_error(404, "E0000007");

    // Idle: ten minutes without a refresh end a session.
    let idle = new_session(&app, &uid).await;
    let idle_path = format!("/api/v1/sessions/{}", idle["id"].as_str().unwrap());
    clock.advance(10 * MINUTE - 1);
    assert_eq!(app.get(&idle_path).await.status, StatusCode::OK);
    clock.advance(1);
    app.get(&idle_path).await.assert_error(404, "E0000007");
}

#[tokio::test]
async fn the_cookie_redirect_sets_sid_and_the_me_operations_use_it() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "browser.session@example.com").await;
    trust(&app, "App", APP_ORIGIN, &["REDIRECT"]).await;
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    let target = format!("{APP_ORIGIN}/home?x=1");
    let r = cookie_redirect(&app, &token, &target).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some(target.as_str()));
    let set = r.header("set-cookie").unwrap();
    for attribute in ["Path=/", "HttpOnly", "Secure", "SameSite=None"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains("Expires"), "a browser-session cookie: {set}");
    let sid = sid_of(&r);
    // The token is spent.
    redeem(&app, &token).await.assert_error(401, "E0000004");

    let me = as_browser(&app, Method::GET, "/api/v1/sessions/me", Some(&sid), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let id = me.body["id"].as_str().unwrap().to_owned();
    assert_ne!(sid, id, "the cookie is not the public session id");
    assert_eq!(me.body["userId"], uid.as_str());
    assert_eq!(me.body["expiresAt"], iso(START + 120 * MINUTE));
    let base = &app.base;
    assert_eq!(
        me.body["_links"],
        json!({
            "self": { "href": format!("{base}/api/v1/sessions/me"),
                      "hints": { "allow": ["GET", "DELETE"] } },
            "refresh": { "href": format!("{base}/api/v1/sessions/me/lifecycle/refresh"),
                         "hints": { "allow": ["POST"] } },
            "user": { "name": "Isaac Brock", "href": format!("{base}/api/v1/users/me"),
                      "hints": { "allow": ["GET"] } }
        })
    );
    // The same session by id, for an admin.
    assert_eq!(
        app.get(&format!("/api/v1/sessions/{id}")).await.body["id"],
        id.as_str()
    );

    // No cookie, a wrong cookie, or only an API token: no current session.
    for r in [
        as_browser(&app, Method::GET, "/api/v1/sessions/me", None, None).await,
        as_browser(
            &app,
            Method::GET,
            "/api/v1/sessions/me",
            Some("forged"),
            None,
        )
        .await,
        app.get("/api/v1/sessions/me").await,
        as_browser(&app, Method::DELETE, "/api/v1/sessions/me", None, None).await,
        as_browser(
            &app,
            Method::POST,
            "/api/v1/sessions/me/lifecycle/refresh",
            Some(&id),
            None,
        )
        .await,
    ] {
        r.assert_error(404, "E0000007");
        assert_eq!(
            r.body["errorSummary"],
            "Not found: Resource not found: me (Session)"
        );
    }

    clock.advance(20 * MINUTE);
    let r = as_browser(
        &app,
        Method::POST,
        "/api/v1/sessions/me/lifecycle/refresh",
        Some(&sid),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["expiresAt"], iso(START + 140 * MINUTE));
    assert_eq!(r.body["id"], id.as_str());
    let minimal = send(
        browser(&app)
            .post(app.url("/api/v1/sessions/me/lifecycle/refresh"))
            .header("Cookie", format!("sid={sid}"))
            .header("Prefer", "return=minimal"),
    )
    .await;
    assert_no_content(&minimal);
    assert_eq!(
        minimal.header("preference-applied").as_deref(),
        Some("return=minimal")
    );
    let refreshed = events_of(&app, "user.session.refresh").await;
    assert_eq!(refreshed.len(), 2);
    assert_eq!(refreshed[0]["actor"]["id"], uid.as_str());

    let r = as_browser(
        &app,
        Method::DELETE,
        "/api/v1/sessions/me",
        Some(&sid),
        None,
    )
    .await;
    assert_no_content(&r);
    let cleared = r.header("set-cookie").unwrap();
    assert!(
        cleared.starts_with("sid=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    as_browser(&app, Method::GET, "/api/v1/sessions/me", Some(&sid), None)
        .await
        .assert_error(404, "E0000007");
    app.get(&format!("/api/v1/sessions/{id}"))
        .await
        .assert_error(404, "E0000007");
    let ended = events_of(&app, "user.session.end").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["actor"]["id"], uid.as_str());

    // The org itself is always a permitted target.
    let (token, _) = mint(&app, &uid, pwd_proof(clock.now().millis())).await;
    let home = format!("{}/app/UserHome", app.base);
    let r = cookie_redirect(&app, &token, &home).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some(home.as_str()));
    let sid = sid_of(&r);
    let me = as_browser(&app, Method::GET, "/api/v1/sessions/me", Some(&sid), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}

#[tokio::test]
async fn a_persistent_cookie_expires_with_the_session() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "persistent.session@example.com").await;
    let p = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Remember me", "priority": 1 }),
        )
        .await;
    let pid = p.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/policies/{pid}/rules"),
            json!({ "type": "SIGN_ON", "name": "Persistent",
                    "actions": { "signon": { "access": "ALLOW", "session": {
                        "maxSessionIdleMinutes": 60, "maxSessionLifetimeMinutes": 0,
                        "usePersistentCookie": true } } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    let r = cookie_redirect(&app, &token, &app.base.clone()).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    let set = r.header("set-cookie").unwrap();
    assert!(
        set.contains(&format!("Expires={}", httpdate_of(START + 60 * MINUTE))),
        "{set}"
    );
    let sid = sid_of(&r);
    clock.advance(30 * MINUTE);
    let r = as_browser(
        &app,
        Method::POST,
        "/api/v1/sessions/me/lifecycle/refresh",
        Some(&sid),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set = r
        .header("set-cookie")
        .expect("the cookie follows the refresh");
    assert!(set.starts_with(&format!("sid={sid};")), "{set}");
    assert!(
        set.contains(&format!("Expires={}", httpdate_of(START + 90 * MINUTE))),
        "{set}"
    );
}

fn httpdate_of(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap());
    httpdate::fmt_http_date(at)
}

#[tokio::test]
async fn the_cookie_redirect_is_no_open_redirect() {
    let (app, _clock) = spawn().await;
    let uid = active_user(&app, "redirect.session@example.com").await;
    trust(&app, "Cors only", "https://cors.example.com", &["CORS"]).await;
    let inactive = trust(&app, "Old", "https://old.example.com", &["REDIRECT"]).await;
    let r = app
        .post_empty(&format!(
            "/api/v1/trustedOrigins/{inactive}/lifecycle/deactivate"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    for target in [
        "https://evil.example.com/steal",
        "https://cors.example.com/",
        "https://old.example.com/",
        "https://app.example.com.evil.example.com/",
        "https://user@app.example.com/",
        "/relative/path",
        "//evil.example.com/",
        "javascript:alert(1)",
    ] {
        let r = cookie_redirect(&app, &token, target).await;
        r.assert_error(403, "E0000006");
        assert_eq!(r.header("location"), None, "{target}");
        assert_eq!(r.header("set-cookie"), None, "{target}");
    }
    let r =
        send(browser(&app).get(app.url(&format!("/login/sessionCookieRedirect?token={token}"))))
            .await;
    r.assert_error(400, "E0000001");
    // A refused redirect leaves the token usable.
    trust(&app, "App", APP_ORIGIN, &["REDIRECT"]).await;
    let r = cookie_redirect(&app, &token, APP_ORIGIN).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    // A spent or unknown token is refused even for a permitted target, with no cookie.
    for bad in [token.as_str(), "20111unknown"] {
        let r = cookie_redirect(&app, bad, APP_ORIGIN).await;
        r.assert_error(401, "E0000004");
        assert_eq!(r.header("set-cookie"), None);
        assert_eq!(r.header("location"), None);
    }
}

#[tokio::test]
async fn sessions_me_answers_cors_for_a_trusted_origin() {
    let (app, _clock) = spawn().await;
    let uid = active_user(&app, "cors.session@example.com").await;
    trust(&app, "App", APP_ORIGIN, &["CORS", "REDIRECT"]).await;
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    let sid = sid_of(&cookie_redirect(&app, &token, APP_ORIGIN).await);

    for method in ["GET", "POST", "DELETE"] {
        let path = if method == "POST" {
            "/api/v1/sessions/me/lifecycle/refresh"
        } else {
            "/api/v1/sessions/me"
        };
        let r = send(
            browser(&app)
                .request(Method::OPTIONS, app.url(path))
                .header("Origin", APP_ORIGIN)
                .header("Access-Control-Request-Method", method),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{method}: {}", r.text);
        assert_eq!(
            r.header("access-control-allow-origin").as_deref(),
            Some(APP_ORIGIN)
        );
        assert_eq!(
            r.header("access-control-allow-credentials").as_deref(),
            Some("true")
        );
        assert!(r
            .header("access-control-allow-methods")
            .unwrap()
            .contains(method));
    }

    let r = as_browser(
        &app,
        Method::GET,
        "/api/v1/sessions/me",
        Some(&sid),
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        r.header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert!(r.header_all("vary").iter().any(|v| v.contains("Origin")));
    // An answer without a session is readable by the app too (it tells "not signed in").
    let r = as_browser(
        &app,
        Method::GET,
        "/api/v1/sessions/me",
        None,
        Some(APP_ORIGIN),
    )
    .await;
    r.assert_error(404, "E0000007");
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(APP_ORIGIN)
    );

    // Another origin: the preflight is refused and the answer carries no CORS headers.
    let r = send(
        browser(&app)
            .request(Method::OPTIONS, app.url("/api/v1/sessions/me"))
            .header("Origin", "https://evil.example.com")
            .header("Access-Control-Request-Method", "GET"),
    )
    .await;
    r.assert_error(403, "E0000006");
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = as_browser(
        &app,
        Method::GET,
        "/api/v1/sessions/me",
        Some(&sid),
        Some("https://evil.example.com"),
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("access-control-allow-credentials"), None);

    // The management operations by id never answer CORS.
    let id = as_browser(&app, Method::GET, "/api/v1/sessions/me", Some(&sid), None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = send(
        browser(&app)
            .request(Method::OPTIONS, app.url(&format!("/api/v1/sessions/{id}")))
            .header("Origin", APP_ORIGIN)
            .header("Access-Control-Request-Method", "GET"),
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn revoking_a_users_sessions_touches_only_that_user() {
    let (app, _clock) = spawn().await;
    let ann = active_user(&app, "ann.revoke@example.com").await;
    let bob = active_user(&app, "bob.revoke@example.com").await;
    let a1 = new_session(&app, &ann).await;
    let a2 = new_session(&app, &ann).await;
    let b1 = new_session(&app, &bob).await;
    let (pending, _) = mint(&app, &ann, pwd_proof(START)).await;

    let r = app
        .delete(&format!("/api/v1/users/{ann}/sessions?oauthTokens=true"))
        .await;
    assert_no_content(&r);
    for s in [&a1, &a2] {
        app.get(&format!("/api/v1/sessions/{}", s["id"].as_str().unwrap()))
            .await
            .assert_error(404, "E0000007");
    }
    let r = app
        .get(&format!("/api/v1/sessions/{}", b1["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "another user's session stays");
    redeem(&app, &pending).await.assert_error(401, "E0000004");

    let cleared = events_of(&app, "user.session.clear").await;
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0]["target"][0]["id"], ann.as_str());

    // By login, with no sessions left: still 204.
    assert_no_content(
        &app.delete("/api/v1/users/ann.revoke@example.com/sessions?forgetDevices=false")
            .await,
    );
    app.delete("/api/v1/users/00u00000000000000000/sessions")
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("/api/v1/users/{ann}/sessions?oauthTokens=maybe"))
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn status_changes_and_deletion_end_a_users_sessions() {
    let (app, clock) = spawn().await;
    let uid = active_user(&app, "status.session@example.com").await;
    let s = new_session(&app, &uid).await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    clock.advance(1_000);
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/suspend"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.get(&path).await.assert_error(404, "E0000007");
    // A suspended user cannot redeem a token minted before.
    let (token, _) = mint(&app, &uid, pwd_proof(START)).await;
    redeem(&app, &token).await.assert_error(401, "E0000004");
    clock.advance(1_000);
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/unsuspend"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.get(&path).await.assert_error(404, "E0000007");

    // A session started after the unsuspension lives until the user is deleted.
    let later = new_session(&app, &uid).await;
    let later_path = format!("/api/v1/sessions/{}", later["id"].as_str().unwrap());
    assert_eq!(app.get(&later_path).await.status, StatusCode::OK);
    clock.advance(1_000);
    app.post_empty(&format!("/api/v1/users/{uid}/lifecycle/deactivate"))
        .await;
    app.get(&later_path).await.assert_error(404, "E0000007");
    assert_no_content(&app.delete(&format!("/api/v1/users/{uid}")).await);
    app.get(&later_path).await.assert_error(404, "E0000007");
}

#[tokio::test]
async fn amr_and_mfa_come_from_the_sign_in() {
    let (app, _clock) = spawn().await;
    let uid = active_user(&app, "mfa.session@example.com").await;
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors"),
            json!({ "factorType": "question", "provider": "OKTA",
                    "profile": { "question": "disliked_food", "answer": "mayonnaise" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (token, _) = mint(
        &app,
        &uid,
        SessionProof {
            amr: vec!["pwd".into(), "kba".into(), "mfa".into()],
            password_verified: Some(START - 9_000),
            factor_verified: Some(START - 1_000),
        },
    )
    .await;
    let r = redeem(&app, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["amr"], json!(["pwd", "kba", "mfa"]));
    assert_eq!(r.body["mfaActive"], true);
    assert_eq!(r.body["lastPasswordVerification"], iso(START - 9_000));
    assert_eq!(r.body["lastFactorVerification"], iso(START - 1_000));
}
