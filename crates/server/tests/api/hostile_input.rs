//! Hostile bytes get Okta's 400 (or 413), never a 500, on both backends: U+0000 in JSON
//! strings, cursors, filters and paths, text that does not decode, values too long for an
//! index, bodies over the limit.

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn raw(app: &TestApp, method: Method, path: &str, body: Vec<u8>, auth: bool) -> Reply {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(body);
    if auth {
        req = req.header("Authorization", format!("SSWS {}", app.token));
    }
    let resp = req.send().await.expect("an answer, not a reset connection");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

fn assert_refused(r: &Reply, what: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text);
    let code = r.body["errorCode"].as_str().unwrap_or_default().to_owned();
    assert!(
        code == "E0000001" || code == "E0000003",
        "{what}: Okta's validation or body error, got {}",
        r.text
    );
    r.assert_error(400, &code);
}

#[tokio::test]
async fn nul_characters_are_refused_everywhere_before_the_store() {
    let app = spawn_app().await;
    let nul = "a\u{0}b";
    let public = [
        ("/api/v1/authn", json!({ "username": nul, "password": "x" })),
        (
            "/api/v1/authn",
            json!({ "username": "a@example.com", "password": nul }),
        ),
        (
            "/api/v1/authn/recovery/password",
            json!({ "username": nul, "factorType": "EMAIL" }),
        ),
        (
            "/api/v1/authn/recovery/unlock",
            json!({ "username": nul, "factorType": "EMAIL" }),
        ),
        ("/api/v1/authn", json!({ "stateToken": nul })),
    ];
    for (path, body) in public {
        let r = raw(
            &app,
            Method::POST,
            path,
            serde_json::to_vec(&body).unwrap(),
            false,
        )
        .await;
        assert_refused(&r, path);
    }
    let managed = [
        (
            "/api/v1/users",
            json!({ "profile": { "firstName": nul, "lastName": "x", "email": "n@example.com", "login": "n@example.com" } }),
        ),
        ("/api/v1/groups", json!({ "profile": { "name": nul } })),
        (
            "/api/v1/apps",
            json!({ "name": "bookmark", "label": nul, "signOnMode": "BOOKMARK",
                    "settings": { "app": { "url": "https://example.com" } } }),
        ),
        (
            "/api/v1/zones",
            json!({ "type": "IP", "name": nul, "gateways": [] }),
        ),
        (
            "/api/v1/trustedOrigins",
            json!({ "name": nul, "origin": "https://example.com", "scopes": [{ "type": "CORS" }] }),
        ),
        // A NUL in a key is as bad as one in a value.
        (
            "/api/v1/users",
            json!({ "profile": { "firstName": "a", "lastName": "x", "email": "k@example.com", "login": "k@example.com", nul: "v" } }),
        ),
    ];
    for (path, body) in managed {
        let r = raw(
            &app,
            Method::POST,
            path,
            serde_json::to_vec(&body).unwrap(),
            true,
        )
        .await;
        assert_refused(&r, path);
    }
    for path in [
        "/api/v1/users?after=00u%00",
        "/api/v1/users?filter=status%20eq%20%22ACTIVE%00%22",
        "/api/v1/users?search=profile.login%20eq%20%22a%00b%22",
        "/api/v1/users?q=a%00",
        "/api/v1/groups?q=%00",
        "/api/v1/groups?after=%00",
        "/api/v1/apps?filter=name%20eq%20%22a%00%22",
        "/api/v1/logs?filter=eventType%20eq%20%22a%00%22",
        "/api/v1/users/a%00b",
    ] {
        let r = app.get(path).await;
        assert_refused(&r, path);
    }
}

#[tokio::test]
async fn broken_text_and_long_values_get_okta_errors() {
    let app = spawn_app().await;
    // Not UTF-8, in a body and in a query.
    let mut body = br#"{"username":"a"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#"","password":"x"}"#);
    assert_refused(
        &raw(&app, Method::POST, "/api/v1/authn", body, false).await,
        "utf-8 body",
    );
    assert_refused(&app.get("/api/v1/users?q=%ff%fe").await, "utf-8 query");
    // Deeply nested JSON.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_refused(
        &raw(&app, Method::POST, "/api/v1/users", deep.into_bytes(), true).await,
        "nesting",
    );
    // Values far beyond what Okta allows, for fields the stores index.
    let long = "x".repeat(1_000_000);
    let cases = [
        (
            "/api/v1/apps",
            json!({ "name": long, "label": "Long", "signOnMode": "BOOKMARK",
                    "settings": { "app": { "url": "https://example.com" } } }),
        ),
        ("/api/v1/groups", json!({ "profile": { "name": long } })),
        (
            "/api/v1/users",
            json!({ "profile": { "firstName": "a", "lastName": "b", "email": "l@example.com",
                                 "login": format!("{long}@example.com") } }),
        ),
        (
            "/api/v1/zones",
            json!({ "type": "IP", "name": long, "gateways": [] }),
        ),
        (
            "/api/v1/groups/rules",
            json!({ "type": "group_rule", "name": long,
                    "conditions": { "expression": { "value": "user.title==\"x\"", "type": "urn:okta:expression:1.0" } },
                    "actions": { "assignUserToGroups": { "groupIds": [] } } }),
        ),
    ];
    for (path, body) in cases {
        let r = raw(
            &app,
            Method::POST,
            path,
            serde_json::to_vec(&body).unwrap(),
            true,
        )
        .await;
        r.assert_error(400, "E0000001");
    }
    // Query values past 16 KiB are refused; up to it they are searches like any other.
    for path in ["/api/v1/users?q=", "/api/v1/groups?q=", "/api/v1/apps?q="] {
        let r = app.get(&format!("{path}{}", "y".repeat(50_000))).await;
        r.assert_error(400, "E0000001");
        let r = app.get(&format!("{path}{}", "y".repeat(16 * 1024))).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    let filter = format!("profile.login sw \"{}\"", "%_".repeat(8 * 1024 - 10));
    let r = app
        .get(&format!(
            "/api/v1/users?search={}",
            urlencoding::encode(&filter)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_with_the_error_object() {
    let app = spawn_app().await;
    let big = format!(
        "{{\"profile\":{{\"name\":\"group\",\"description\":\"{}\"}}}}",
        "d".repeat(3 * 1024 * 1024)
    );
    for (path, auth) in [("/api/v1/groups", true), ("/api/v1/authn", false)] {
        let r = raw(&app, Method::POST, path, big.clone().into_bytes(), auth).await;
        r.assert_error(413, "E0000003");
    }
    // The server still answers afterwards, and a body just under the limit is read whole.
    let under = format!(
        "{{\"profile\":{{\"name\":\"under\",\"description\":\"d\",\"x\":\"{}\"}}}}",
        "d".repeat(2 * 1024 * 1024 - 200)
    );
    let r = raw(
        &app,
        Method::POST,
        "/api/v1/groups",
        under.into_bytes(),
        true,
    )
    .await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert!(!r.status.is_server_error(), "{}", r.text);
    assert_eq!(
        app.get("/api/v1/groups?q=Everyone").await.status,
        StatusCode::OK
    );
}
