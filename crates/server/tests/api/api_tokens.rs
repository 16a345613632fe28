//! API tokens: list, get, revoke, revoke current.

use crate::harness::spawn_app;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn list_get_and_shape() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/api-tokens").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tokens = r.body.as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert!(t["id"].as_str().unwrap().starts_with("00T"));
    assert_eq!(t["name"], "bootstrap");
    assert!(t["userId"].as_str().unwrap().starts_with("00u"));
    assert_eq!(t["tokenWindow"], "P30D");
    assert_eq!(t["network"]["connection"], "ANYWHERE");
    for f in ["created", "lastUpdated", "expiresAt", "clientName"] {
        assert!(t[f].is_string(), "{f}");
    }
    assert!(!r.text.contains(&app.token));
    let one = app
        .get(&format!("/api/v1/api-tokens/{}", t["id"].as_str().unwrap()))
        .await;
    assert_eq!(one.body["id"], t["id"]);
    assert_eq!(
        one.body["_links"]["self"]["href"],
        format!(
            "{}/api/v1/api-tokens/{}",
            app.base,
            t["id"].as_str().unwrap()
        )
    );
    app.get("/api/v1/api-tokens/00Tnope")
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    let r = app
        .call(Method::DELETE, "/api/v1/api-tokens/current", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    app.get("/api/v1/users").await.assert_error(401, "E0000011");
}

#[tokio::test]
async fn revoke_by_id() {
    let app = spawn_app().await;
    let id = app.get("/api/v1/api-tokens").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.delete(&format!("/api/v1/api-tokens/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get("/api/v1/api-tokens")
        .await
        .assert_error(401, "E0000011");
}

#[tokio::test]
async fn put_renames_and_validates_network() {
    let app = spawn_app().await;
    let id = app.get("/api/v1/api-tokens").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/api-tokens/{id}");
    let r = app
        .put(
            &path,
            serde_json::json!({"name": "ci token", "network": {"connection": "ANYWHERE"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"], "ci token");
    assert_eq!(r.body["network"]["connection"], "ANYWHERE");
    assert_eq!(app.get(&path).await.body["name"], "ci token");
    app.put(
        &path,
        serde_json::json!({"network": {"connection": "SOMEWHERE"}}),
    )
    .await
    .assert_error(400, "E0000001");
    app.put(&path, serde_json::json!({"name": " "}))
        .await
        .assert_error(400, "E0000001");
    app.put(
        "/api/v1/api-tokens/00Tnope",
        serde_json::json!({"name": "x"}),
    )
    .await
    .assert_error(404, "E0000007");
    // The token still works after the update.
    assert_eq!(app.get("/api/v1/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_expire_after_thirty_idle_days_and_use_extends_them() {
    use model::time::{Clock, Timestamp};
    let clock = Clock::manual(Timestamp(1_800_000_000_000));
    let app = crate::harness::spawn_app_with_clock(|_| {}, clock.clone()).await;
    let day = 24 * 60 * 60 * 1000;
    clock.advance(29 * day);
    assert_eq!(
        app.get("/api/v1/users").await.status,
        StatusCode::OK,
        "used within the window"
    );
    clock.advance(29 * day);
    assert_eq!(
        app.get("/api/v1/users").await.status,
        StatusCode::OK,
        "the use moved the expiry"
    );
    let t = app.get("/api/v1/api-tokens").await;
    let expires = t.body[0]["expiresAt"].as_str().unwrap().to_owned();
    assert_eq!(
        expires,
        model::time::Timestamp(clock.now().millis() + 30 * day).to_iso()
    );
    clock.advance(31 * day);
    app.get("/api/v1/users").await.assert_error(401, "E0000011");
}

#[tokio::test]
async fn a_token_revoked_on_one_node_stops_on_the_other_at_once() {
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    use model::time::{Clock, Timestamp};
    // The clock stands still: the other node's cache would trust the token for ever if the
    // revocation did not reach it.
    let clock = Clock::manual(Timestamp(1_900_000_000_000));
    let one = crate::harness::spawn_app_with_clock(|_| {}, clock.clone()).await;
    let two = crate::harness::second_node(&one, clock.clone()).await;
    // Both nodes have read (and may cache) the token.
    for _ in 0..3 {
        assert_eq!(two.get("/api/v1/users").await.status, StatusCode::OK);
        assert_eq!(one.get("/api/v1/users").await.status, StatusCode::OK);
    }
    let r = one
        .call(Method::DELETE, "/api/v1/api-tokens/current", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    one.get("/api/v1/users").await.assert_error(401, "E0000011");
    // The other node hears of it as the revocation commits: at most a request in flight at
    // that moment gets through.
    let started = std::time::Instant::now();
    let mut accepted = 0;
    loop {
        let r = two.get("/api/v1/users").await;
        if r.status == StatusCode::UNAUTHORIZED {
            r.assert_error(401, "E0000011");
            break;
        }
        accepted += 1;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the other node still accepts the revoked token ({accepted} requests)"
        );
    }
    assert!(
        accepted <= 2,
        "{accepted} requests passed after the revocation"
    );
    for _ in 0..5 {
        two.get("/api/v1/users").await.assert_error(401, "E0000011");
    }
}
