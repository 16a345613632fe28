//! Inline hooks: management API and execute through a real HTTPS receiver.

use crate::harness::{spawn_app_with_clock, TestApp};
use crate::receiver::Receiver;
use model::time::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn body(uri: &str, kind: &str) -> Value {
    json!({
        "name": "Telephony",
        "type": kind,
        "version": "1.0.0",
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": uri,
            "headers": [{"key": "X-Other-Header", "value": "other"}],
            "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Bearer inline-secret"}
        }}
    })
}

#[tokio::test]
async fn management_shapes_and_errors() {
    let app = crate::harness::spawn_app().await;
    let r = app
        .post(
            "/api/v1/inlineHooks",
            body(
                "https://hooks.example.test/tel",
                "com.okta.telephony.provider",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cal") && id.len() == 20);
    assert_eq!(r.body["status"], "ACTIVE");
    assert_eq!(r.body["type"], "com.okta.telephony.provider");
    assert_eq!(
        r.body["channel"]["config"]["authScheme"],
        json!({"type": "HEADER", "key": "Authorization"})
    );
    assert!(!r.text.contains("inline-secret"));
    let other = app
        .post(
            "/api/v1/inlineHooks",
            body(
                "https://hooks.example.test/imp",
                "com.okta.import.transform",
            ),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);

    let by_type = app
        .get("/api/v1/inlineHooks?type=com.okta.telephony.provider")
        .await;
    assert_eq!(by_type.body.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/inlineHooks")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.get("/api/v1/inlineHooks?type=com.example.nope")
        .await
        .assert_error(400, "E0000001");

    let mut renamed = body(
        "https://hooks.example.test/tel2",
        "com.okta.telephony.provider",
    );
    renamed["name"] = json!("Renamed");
    let put = app.put(&format!("/api/v1/inlineHooks/{id}"), renamed).await;
    assert_eq!(put.body["name"], "Renamed");
    let post = app
        .post(
            &format!("/api/v1/inlineHooks/{id}"),
            json!({"name": "Partly"}),
        )
        .await;
    assert_eq!(post.status, StatusCode::OK, "{}", post.text);
    assert_eq!(post.body["name"], "Partly");
    assert_eq!(
        post.body["channel"]["config"]["uri"],
        "https://hooks.example.test/tel2"
    );
    let retype = app
        .put(
            &format!("/api/v1/inlineHooks/{id}"),
            body(
                "https://hooks.example.test/tel",
                "com.okta.import.transform",
            ),
        )
        .await;
    retype.assert_error(400, "E0000001");

    app.delete(&format!("/api/v1/inlineHooks/{id}"))
        .await
        .assert_error(403, "E0000006");
    assert_eq!(
        app.post_empty(&format!("/api/v1/inlineHooks/{id}/lifecycle/deactivate"))
            .await
            .body["status"],
        "INACTIVE"
    );
    assert_eq!(
        app.delete(&format!("/api/v1/inlineHooks/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/inlineHooks/{id}"))
        .await
        .assert_error(404, "E0000007");

    for bad in [
        body("http://plain.example.test/x", "com.okta.telephony.provider"),
        body("https://hooks.example.test/x", "com.example.unknown"),
        json!({"type": "com.okta.import.transform", "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.test/x"}}}),
    ] {
        app.post("/api/v1/inlineHooks", bad)
            .await
            .assert_error(400, "E0000001");
    }
}

#[tokio::test]
async fn execute_sends_the_payload_through_the_channel() {
    let receiver = Receiver::start().await;
    let ca = receiver.ca_path.clone();
    let app: TestApp =
        spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), Clock::System).await;
    let r = app
        .post(
            "/api/v1/inlineHooks",
            body(&receiver.url, "com.okta.import.transform"),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let payload = json!({"eventType": "com.okta.import.transform", "data": {"user": {"profile": {"login": "x@example.com"}}}});
    let out = app
        .post(
            &format!("/api/v1/inlineHooks/{id}/execute"),
            payload.clone(),
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text);
    assert_eq!(out.body, json!({}));
    let got = receiver
        .received()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(got.body, payload);
    assert_eq!(
        got.headers.get("authorization").unwrap(),
        "Bearer inline-secret"
    );
    assert_eq!(got.headers.get("x-other-header").unwrap(), "other");
    receiver.answer(500);
    let failed = app
        .post(&format!("/api/v1/inlineHooks/{id}/execute"), payload)
        .await;
    failed.assert_error(400, "E0000001");
    // One retry: two more calls reached the receiver.
    assert_eq!(
        receiver
            .received()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        3
    );
}
