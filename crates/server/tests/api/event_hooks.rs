//! Event hooks: management API, verification and delivery to a real HTTPS receiver
//! (retries, order per hook, restart mid-queue).

use crate::harness::{spawn_app_with_clock, TestApp};
use crate::receiver::Receiver;
use model::time::{Clock, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn hook_body(uri: &str, items: &[&str]) -> Value {
    json!({
        "name": "Test hook",
        "events": {"type": "EVENT_TYPE", "items": items, "filter": null},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": uri,
            "headers": [{"key": "X-Other-Header", "value": "some-other-value"}],
            "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Basic c2VjcmV0"}
        }}
    })
}

async fn app_for(receiver: &Receiver, clock: Clock) -> TestApp {
    let ca = receiver.ca_path.clone();
    spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), clock).await
}

async fn verified_hook(app: &TestApp, receiver: &Receiver, items: &[&str]) -> String {
    let r = app
        .post("/api/v1/eventHooks", hook_body(&receiver.url, items))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let v = app
        .post_empty(&format!("/api/v1/eventHooks/{id}/lifecycle/verify"))
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["verificationStatus"], "VERIFIED");
    id
}

#[tokio::test]
async fn management_shapes_and_errors() {
    let app = crate::harness::spawn_app().await;
    let r = app
        .post(
            "/api/v1/eventHooks",
            hook_body("https://hooks.example.test/x", &["user.lifecycle.create"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let h = &r.body;
    let id = h["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("who") && id.len() == 20);
    assert_eq!(h["status"], "ACTIVE");
    assert_eq!(h["verificationStatus"], "UNVERIFIED");
    assert_eq!(h["channel"]["config"]["method"], "POST");
    assert_eq!(
        h["channel"]["config"]["authScheme"],
        json!({"type": "HEADER", "key": "Authorization"})
    );
    assert!(!r.text.contains("c2VjcmV0"), "the auth value is write-only");
    assert_eq!(h["events"]["items"], json!(["user.lifecycle.create"]));
    assert!(h["created"].is_string() && h["lastUpdated"].is_string());

    let list = app.get("/api/v1/eventHooks").await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("/api/v1/eventHooks/{id}")).await.body["id"],
        id
    );
    let mut updated = hook_body(
        "https://hooks.example.test/x",
        &["user.lifecycle.create", "user.lifecycle.deactivate"],
    );
    updated["name"] = json!("Renamed");
    let put = app.put(&format!("/api/v1/eventHooks/{id}"), updated).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["name"], "Renamed");
    assert_eq!(put.body["events"]["items"].as_array().unwrap().len(), 2);

    // Only INACTIVE hooks can be deleted.
    app.delete(&format!("/api/v1/eventHooks/{id}"))
        .await
        .assert_error(403, "E0000006");
    let d = app
        .post_empty(&format!("/api/v1/eventHooks/{id}/lifecycle/deactivate"))
        .await;
    assert_eq!(d.body["status"], "INACTIVE");
    assert_eq!(
        app.delete(&format!("/api/v1/eventHooks/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/eventHooks/{id}"))
        .await
        .assert_error(404, "E0000007");

    for bad in [
        hook_body("http://plain.example.test/x", &["user.lifecycle.create"]),
        hook_body("https://hooks.example.test/x", &[]),
        json!({"name": "", "events": {"type": "EVENT_TYPE", "items": ["a"]}, "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.test/x"}}}),
        json!({"name": "x", "events": {"type": "EVENT_TYPE", "items": ["a"]}, "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.test/x", "headers": [{"key": "Accept", "value": "x"}]}}}),
    ] {
        app.post("/api/v1/eventHooks", bad)
            .await
            .assert_error(400, "E0000001");
    }
}

#[tokio::test]
async fn verification_echoes_the_challenge_or_fails() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Clock::System).await;
    verified_hook(&app, &receiver, &["user.lifecycle.create"]).await;
    let get = receiver
        .received()
        .into_iter()
        .find(|r| r.method == "GET")
        .unwrap();
    assert!(get.headers.get("x-okta-verification-challenge").is_some());
    assert_eq!(get.headers.get("authorization").unwrap(), "Basic c2VjcmV0");
    // An endpoint that is not the receiver fails verification.
    let r = app
        .post(
            "/api/v1/eventHooks",
            hook_body("https://127.0.0.1:1/nothing", &["x"]),
        )
        .await;
    let id = r.body["id"].as_str().unwrap();
    let v = app
        .post_empty(&format!("/api/v1/eventHooks/{id}/lifecycle/verify"))
        .await;
    v.assert_error(400, "E0000001");
    assert_eq!(
        app.get(&format!("/api/v1/eventHooks/{id}")).await.body["verificationStatus"],
        "UNVERIFIED"
    );
}

#[tokio::test]
async fn subscribed_events_are_delivered_with_headers_in_okta_envelope() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Clock::System).await;
    let hook_id = verified_hook(&app, &receiver, &["user.lifecycle.create"]).await;
    let user = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("hooked@example.com")}),
        )
        .await;
    let events = receiver.wait_for(|e| !e.is_empty()).await;
    assert_eq!(events.len(), 1, "only the subscribed type: {events:?}");
    assert_eq!(events[0]["eventType"], "user.lifecycle.create");
    assert_eq!(events[0]["target"][0]["id"], user["id"]);
    let post = receiver
        .received()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.body["eventType"], "com.okta.event_hook");
    assert_eq!(post.body["eventTypeVersion"], "1.0");
    assert_eq!(post.body["contentType"], "application/json");
    assert_eq!(
        post.body["source"],
        format!("{}/api/v1/eventHooks/{hook_id}", app.base)
    );
    assert_eq!(post.headers.get("authorization").unwrap(), "Basic c2VjcmV0");
    assert_eq!(
        post.headers.get("x-other-header").unwrap(),
        "some-other-value"
    );
    // Events from before the hook was verified were not sent (the bootstrap's, the hook's own).
    assert!(receiver
        .delivered_events()
        .iter()
        .all(|e| e["eventType"] == "user.lifecycle.create"));
}

#[tokio::test]
async fn failed_deliveries_retry_with_backoff_and_keep_order() {
    let receiver = Receiver::start().await;
    let clock = Clock::manual(Timestamp(1_900_000_000_000));
    let app = app_for(&receiver, clock.clone()).await;
    verified_hook(&app, &receiver, &["user.lifecycle.create"]).await;
    receiver.answer(503);
    let first = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("first@example.com")}),
        )
        .await;
    let second = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("second@example.com")}),
        )
        .await;
    // Wait for the first failed attempt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while receiver
        .received()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
        < 1
    {
        assert!(std::time::Instant::now() < deadline, "no attempt");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    // The failed head blocks its hook: the second event is not tried before the first.
    let tried: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(tried
        .iter()
        .all(|r| r.body["data"]["events"][0]["target"][0]["id"] == first["id"]));
    receiver.answer(200);
    clock.advance(2_000);
    let events = receiver.wait_for(|e| e.len() >= 2).await;
    let order: Vec<_> = events
        .iter()
        .map(|e| e["target"][0]["id"].clone())
        .collect();
    assert_eq!(order, vec![first["id"].clone(), second["id"].clone()]);
}

#[tokio::test]
async fn queued_deliveries_survive_a_restart() {
    let receiver = Receiver::start().await;
    let clock = Clock::manual(Timestamp(1_900_000_000_000));
    let app = app_for(&receiver, clock.clone()).await;
    verified_hook(&app, &receiver, &["user.lifecycle.create"]).await;
    receiver.answer(500);
    let user = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("restart@example.com")}),
        )
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !receiver.received().iter().any(|r| r.method == "POST") {
        assert!(std::time::Instant::now() < deadline, "no attempt");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mut app = app;
    app.handle
        .graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    app.server.take().unwrap().await.unwrap().unwrap();
    let attempts_before = receiver.received().len();
    // A new node on the same data picks the queue up.
    let ca = receiver.ca_path.clone();
    let mut config = latchkey::config::Config::resolve(
        latchkey::config::ServeArgs {
            store: latchkey::config::StoreArgs {
                data_dir: Some(app.data_dir.path().to_path_buf()),
                database_url: app.database_url.clone(),
            },
            listen: Some("127.0.0.1:0".parse().unwrap()),
            no_rate_limits: true,
            ..Default::default()
        },
        latchkey::config::FileConfig::default(),
    )
    .unwrap();
    config.outbound_ca_file = Some(ca);
    config.argon2.memory_kib = 1024;
    receiver.answer(200);
    // Past the retry time and past any lease the stopped node held on an attempt it had
    // in flight when it stopped.
    clock.advance(60_000);
    let second = latchkey::app::Application::build_with_clock(config, clock.clone())
        .await
        .unwrap();
    assert_eq!(
        receiver.received().len(),
        attempts_before,
        "the stopped node sends nothing more"
    );
    let events = receiver.wait_for(|e| !e.is_empty()).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["target"][0]["id"], user["id"]);
    drop(second);
}
