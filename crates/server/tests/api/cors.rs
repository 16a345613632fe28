//! CORS on the browser endpoints, decided by the trusted origins: preflights allowed and
//! refused by origin, the effect of deactivate/activate/replace/delete, headers on actual
//! answers (errors included), and no CORS at all on the management API. Also the redirect
//! check the sign-in flows use.

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const APP_ORIGIN: &str = "https://app.example.com";

async fn send(app: &TestApp, req: reqwest::RequestBuilder) -> Reply {
    let _ = app;
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

/// A browser's preflight for a JSON POST from `origin`.
async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> Reply {
    let req = app
        .client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "content-type,x-okta-user-agent-extended",
        );
    send(app, req).await
}

/// A cross-origin request as a browser sends it (no API token unless `auth` is given).
async fn from_origin(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: &str,
    auth: Option<&str>,
) -> Reply {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Origin", origin)
        .header("Accept", "application/json");
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    send(app, req).await
}

async fn trust(app: &TestApp, name: &str, origin: &str, scopes: &[&str]) -> String {
    let scopes: Vec<Value> = scopes.iter().map(|t| json!({ "type": t })).collect();
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({"name": name, "origin": origin, "scopes": scopes}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn assert_allowed_preflight(r: &Reply, origin: &str) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(origin)
    );
    assert_eq!(
        r.header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let methods = r.header("access-control-allow-methods").unwrap();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    for h in [
        "x-okta-user-agent-extended",
        "authorization",
        "content-type",
        "accept",
        "x-requested-with",
    ] {
        assert!(headers.contains(h), "{headers}");
    }
    assert!(r.header_all("vary").iter().any(|v| v.contains("Origin")));
    assert!(r.text.is_empty(), "{}", r.text);
    assert_eq!(r.header("content-type"), None);
    assert!(r.header("x-okta-request-id").is_some());
}

fn assert_no_cors(r: &Reply) {
    for h in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
    ] {
        assert_eq!(r.header(h), None, "{h} on {} {}", r.status, r.text);
    }
}

fn assert_refused_preflight(r: &Reply) {
    r.assert_error(403, "E0000006");
    assert_no_cors(r);
    assert!(r.header_all("vary").iter().any(|v| v.contains("Origin")));
}

#[tokio::test]
async fn preflights_from_a_cors_trusted_origin_are_allowed() {
    let app = spawn_app().await;
    trust(&app, "App", APP_ORIGIN, &["CORS"]).await;
    for path in [
        "/api/v1/authn",
        "/api/v1/authn/factors/ufs1234567890abcdef/verify",
        "/api/v1/sessions/me",
        "/api/v1/sessions/me/lifecycle/refresh",
        "/api/v1/users/me",
        "/api/v1/users/me/groups",
        "/login/sessionCookieRedirect",
    ] {
        let r = preflight(&app, path, APP_ORIGIN, "POST").await;
        assert_allowed_preflight(&r, APP_ORIGIN);
    }
    let r = preflight(&app, "/api/v1/sessions/me", APP_ORIGIN, "DELETE").await;
    assert_allowed_preflight(&r, APP_ORIGIN);
    // A method outside the list is refused.
    let r = preflight(&app, "/api/v1/sessions/me", APP_ORIGIN, "PATCH").await;
    assert_refused_preflight(&r);
}

#[tokio::test]
async fn the_browser_spelling_of_a_stored_origin_matches() {
    let app = spawn_app().await;
    trust(&app, "Upper", "HTTPS://App.Example.com:443/", &["CORS"]).await;
    trust(&app, "Dev", "http://localhost:4200", &["CORS"]).await;
    let r = preflight(&app, "/api/v1/authn", "https://app.example.com", "POST").await;
    // The answer names the origin exactly as the browser sent it.
    assert_allowed_preflight(&r, "https://app.example.com");
    let r = preflight(&app, "/api/v1/authn", "http://localhost:4200", "POST").await;
    assert_allowed_preflight(&r, "http://localhost:4200");
    for other in [
        "http://localhost:4201",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://evil.app.example.com",
    ] {
        assert_refused_preflight(&preflight(&app, "/api/v1/authn", other, "POST").await);
    }
}

#[tokio::test]
async fn preflights_from_other_origins_are_refused() {
    let app = spawn_app().await;
    trust(
        &app,
        "Redirect only",
        "https://redirect.example.com",
        &["REDIRECT"],
    )
    .await;
    trust(
        &app,
        "Embed only",
        "https://embed.example.com",
        &["IFRAME_EMBED"],
    )
    .await;
    for origin in [
        "https://unknown.example.com",
        "https://redirect.example.com",
        "https://embed.example.com",
        "null",
        "not an origin",
    ] {
        let r = preflight(&app, "/api/v1/authn", origin, "POST").await;
        assert_refused_preflight(&r);
    }
}

#[tokio::test]
async fn status_scopes_and_deletion_take_effect_at_once() {
    let app = spawn_app().await;
    let id = trust(&app, "App", APP_ORIGIN, &["CORS", "REDIRECT"]).await;
    let path = format!("/api/v1/trustedOrigins/{id}");
    let check = |expect_allowed: bool| {
        let app = &app;
        async move {
            let r = preflight(app, "/api/v1/sessions/me", APP_ORIGIN, "GET").await;
            if expect_allowed {
                assert_allowed_preflight(&r, APP_ORIGIN);
            } else {
                assert_refused_preflight(&r);
            }
        }
    };
    check(true).await;
    app.post_empty(&format!("{path}/lifecycle/deactivate"))
        .await;
    check(false).await;
    app.post_empty(&format!("{path}/lifecycle/activate")).await;
    check(true).await;
    let r = app
        .put(
            &path,
            json!({"name": "App", "origin": APP_ORIGIN, "scopes": [{"type": "REDIRECT"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    check(false).await;
    app.put(
        &path,
        json!({"name": "App", "origin": APP_ORIGIN, "scopes": [{"type": "CORS"}]}),
    )
    .await;
    check(true).await;
    let r = app.delete(&path).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    check(false).await;
}

#[tokio::test]
async fn actual_answers_carry_cors_headers_errors_included() {
    let app = spawn_app().await;
    trust(&app, "App", APP_ORIGIN, &["CORS"]).await;
    // No session and no token: the answer is an error the page must be able to read.
    let r = from_origin(&app, Method::GET, "/api/v1/users/me", APP_ORIGIN, None).await;
    r.assert_error(401, "E0000011");
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        r.header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let exposed = r.header("access-control-expose-headers").unwrap();
    for h in ["X-Okta-Request-Id", "X-Rate-Limit-Remaining", "Link"] {
        assert!(exposed.contains(h), "{exposed}");
    }
    assert!(r.header_all("vary").iter().any(|v| v.contains("Origin")));
    // Preflight-only headers stay on preflights.
    assert_eq!(r.header("access-control-allow-methods"), None);

    // From an origin that is not trusted the same answer has no CORS headers.
    let r = from_origin(
        &app,
        Method::GET,
        "/api/v1/users/me",
        "https://unknown.example.com",
        None,
    )
    .await;
    r.assert_error(401, "E0000011");
    assert_no_cors(&r);
    assert!(r.header_all("vary").iter().any(|v| v.contains("Origin")));
}

#[tokio::test]
async fn api_tokens_and_same_origin_requests_get_no_cors() {
    let app = spawn_app().await;
    trust(&app, "App", APP_ORIGIN, &["CORS"]).await;
    let ssws = format!("SSWS {}", app.token);
    let r = from_origin(
        &app,
        Method::GET,
        "/api/v1/users/me",
        APP_ORIGIN,
        Some(&ssws),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_no_cors(&r);
    let r = from_origin(&app, Method::GET, "/api/v1/users/me", &app.base, None).await;
    r.assert_error(401, "E0000011");
    assert_no_cors(&r);
}

#[tokio::test]
async fn management_endpoints_never_answer_cors() {
    let app = spawn_app().await;
    let id = trust(&app, "App", APP_ORIGIN, &["CORS"]).await;
    let ssws = format!("SSWS {}", app.token);
    let admin = app.get("/api/v1/users/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/api/v1/users".to_owned(),
        format!("/api/v1/users/{admin}"),
        "/api/v1/trustedOrigins".to_owned(),
        format!("/api/v1/trustedOrigins/{id}"),
        "/api/v1/api-tokens".to_owned(),
        "/api/v1/logs".to_owned(),
        "/api/v1/groups".to_owned(),
    ] {
        let r = preflight(&app, &path, APP_ORIGIN, "GET").await;
        assert_no_cors(&r);
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
        for auth in [Some(ssws.as_str()), None] {
            let r = from_origin(&app, Method::GET, &path, APP_ORIGIN, auth).await;
            assert_no_cors(&r);
        }
    }
    let r = from_origin(
        &app,
        Method::GET,
        "/api/v1/trustedOrigins",
        APP_ORIGIN,
        Some(&ssws),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.header_all("vary").iter().any(|v| v.contains("Origin")));
}

#[tokio::test]
async fn redirects_go_only_to_the_org_or_redirect_trusted_origins() {
    let app = spawn_app().await;
    let redirect = trust(&app, "Portal", "https://portal.example.com", &["REDIRECT"]).await;
    trust(&app, "Api", "https://api.example.com", &["CORS"]).await;
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            app.data_dir.path().join("latchkey.db").display()
        )
    });
    let store = store::connect(&url).await.unwrap();
    let allowed = |target: &str| {
        let store = store.clone();
        let base = app.base.clone();
        let target = target.to_owned();
        async move {
            latchkey::trusted_origins::redirect_allowed(store.as_ref(), &base, &target)
                .await
                .unwrap()
        }
    };
    assert!(allowed("https://portal.example.com/after/login?x=1").await);
    assert!(allowed("https://PORTAL.example.com:443").await);
    assert!(allowed(&format!("{}/app/UserHome", app.base)).await);
    for refused in [
        "https://api.example.com/",
        "https://evil.example.com/",
        "https://portal.example.com.evil.example/",
        "https://portal.example.com@evil.example/",
        "/relative",
        "javascript:alert(1)",
        "",
    ] {
        assert!(!allowed(refused).await, "{refused}");
    }
    app.post_empty(&format!(
        "/api/v1/trustedOrigins/{redirect}/lifecycle/deactivate"
    ))
    .await;
    assert!(!allowed("https://portal.example.com/").await);
}
