//! The System Log: events written with each change, and `/api/v1/logs` queries.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn events_of<'a>(body: &'a Value, kind: &str) -> Vec<&'a Value> {
    body.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == kind)
        .collect()
}

#[tokio::test]
async fn changes_write_events_with_actor_target_and_request() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("logged@example.com")}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let request_id = created.header("x-okta-request-id").unwrap();
    let admin = app.get("/api/v1/users/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = app
        .get(&format!(
            "/api/v1/logs?filter={}",
            enc(&format!("target.id eq \"{id}\""))
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let create = events_of(&r.body, "user.lifecycle.create");
    assert_eq!(create.len(), 1, "{}", r.text);
    let e = create[0];
    assert_eq!(e["actor"]["id"], admin);
    assert_eq!(e["target"][0]["id"], id);
    assert_eq!(e["target"][0]["type"], "User");
    assert_eq!(e["target"][0]["alternateId"], "logged@example.com");
    assert_eq!(e["outcome"]["result"], "SUCCESS");
    assert_eq!(e["transaction"]["id"], request_id);
    assert_eq!(e["debugContext"]["debugData"]["requestId"], request_id);
    assert_eq!(e["client"]["ipAddress"], "127.0.0.1");
    assert!(e["uuid"].is_string() && e["published"].as_str().unwrap().ends_with('Z'));
    assert_eq!(e["severity"], "INFO");
    assert_eq!(e["version"], "0");
    assert_eq!(e["authenticationContext"]["authenticationStep"], 0);
    assert!(e["securityContext"].is_object());
    // PROVISIONED on create: the activation is an event of its own.
    assert_eq!(
        events_of(&r.body, "user.lifecycle.activate").len(),
        1,
        "{}",
        r.text
    );

    app.post_empty(&format!("/api/v1/users/{id}/lifecycle/deactivate"))
        .await;
    let r = app
        .get(&format!(
            "/api/v1/logs?filter={}",
            enc("eventType eq \"user.lifecycle.deactivate\"")
        ))
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["target"][0]["id"], id);
}

#[tokio::test]
async fn a_refused_change_writes_no_event() {
    let app = spawn_app().await;
    app.create_user("", json!({"profile": TestApp::profile("once@example.com")}))
        .await;
    let dup = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("ONCE@example.com")}),
        )
        .await;
    dup.assert_error(400, "E0000001");
    let r = app
        .get(&format!("/api/v1/logs?q={}", enc("once@example.com")))
        .await;
    assert_eq!(
        events_of(&r.body, "user.lifecycle.create").len(),
        1,
        "{}",
        r.text
    );
}

#[tokio::test]
async fn polling_always_has_next_and_yields_only_new_events() {
    let app = spawn_app().await;
    // The bootstrap's events (org, admin, token, default policies...) come first.
    let first = app
        .get_until("/api/v1/logs?limit=1000", |r| {
            r.body.as_array().is_some_and(|a| a.len() >= 3)
        })
        .await;
    assert!(first.body.as_array().unwrap().len() >= 3, "{}", first.text);
    assert_eq!(first.status, StatusCode::OK);
    let links = first.header_all("link");
    assert!(links[0].ends_with("rel=\"self\""));
    let mut next = first.next_link().expect("polling always has next");
    // Drain; then the stream is empty but still has next.
    loop {
        let r = app.get(&next).await;
        next = r.next_link().expect("still next");
        if r.body == json!([]) {
            break;
        }
    }
    let u = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("poll.new@example.com")}),
        )
        .await;
    let r = app
        .get_until(&next, |r| r.body.as_array().is_some_and(|a| !a.is_empty()))
        .await;
    let types: Vec<_> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["user.lifecycle.create"]);
    assert_eq!(r.body[0]["target"][0]["id"], u["id"]);
    let again = app.get(&r.next_link().unwrap()).await;
    assert_eq!(again.body, json!([]));
}

#[tokio::test]
async fn bounded_and_descending_pages_end() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.create_user(
            "?activate=false",
            json!({"profile": TestApp::profile(&format!("b{i}@example.com"))}),
        )
        .await;
    }
    let since = "2000-01-01T00:00:00.000Z";
    let until = "2100-01-01T00:00:00.000Z";
    let mut url = format!(
        "/api/v1/logs?since={}&until={}&limit=2&filter={}",
        enc(since),
        enc(until),
        enc("eventType eq \"user.lifecycle.create\"")
    );
    let mut published = Vec::new();
    loop {
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        published.extend(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["published"].as_str().unwrap().to_owned()),
        );
        match r.next_link() {
            Some(n) => url = n,
            None => break,
        }
    }
    // Five users plus the bootstrap admin.
    assert_eq!(published.len(), 6);
    let mut sorted = published.clone();
    sorted.sort();
    assert_eq!(published, sorted);
    let r = app
        .get(&format!(
            "/api/v1/logs?sortOrder=DESCENDING&limit=3&filter={}",
            enc("eventType eq \"user.lifecycle.create\"")
        ))
        .await;
    let desc: Vec<_> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["published"].as_str().unwrap().to_owned())
        .collect();
    let mut expect = desc.clone();
    expect.sort();
    expect.reverse();
    assert_eq!(desc, expect);
    assert!(r.next_link().is_some());
}

#[tokio::test]
async fn query_errors() {
    let app = spawn_app().await;
    let r = app
        .get(&format!(
            "/api/v1/logs?filter={}",
            enc("eventType eqq \"x\"")
        ))
        .await;
    r.assert_error(400, "E0000053");
    app.get(&format!(
        "/api/v1/logs?filter={}",
        enc("published gt \"2020-01-01T00:00:00Z\"")
    ))
    .await
    .assert_error(400, "E0000053");
    let r = app.get("/api/v1/logs?until=yesterday").await;
    r.assert_error(400, "E0000001");
    assert!(r.causes()[0].starts_with("until:"));
    app.get("/api/v1/logs?sortOrder=SIDEWAYS")
        .await
        .assert_error(400, "E0000001");
    app.get(&format!("/api/v1/logs?q={}", "x".repeat(41)))
        .await
        .assert_error(400, "E0000001");
    app.get("/api/v1/logs?limit=5000").await;
    app.get("/api/v1/logs?after=nonsense!")
        .await
        .assert_error(400, "E0000029");
}

#[tokio::test]
async fn retention_purges_events_older_than_the_setting() {
    use model::time::{Clock, Timestamp};
    let clock = Clock::manual(Timestamp(1_800_000_000_000));
    let app =
        crate::harness::spawn_app_with_clock(|c| c.log_retention_days = 7, clock.clone()).await;
    let old = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("old@example.com")}),
        )
        .await;
    clock.advance(8 * 24 * 60 * 60 * 1000);
    let fresh = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("fresh@example.com")}),
        )
        .await;
    // Let the hook dispatcher pass the events (retention never drops undispatched ones).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        latchkey::api::system_log::purge_expired(&app.state)
            .await
            .unwrap();
        let r = app
            .get(&format!(
                "/api/v1/logs?since=2020-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&filter={}",
                enc("eventType eq \"user.lifecycle.create\"")
            ))
            .await;
        let ids: Vec<_> = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["target"][0]["id"].clone())
            .collect();
        if !ids.contains(&old["id"]) {
            assert!(ids.contains(&fresh["id"]), "{ids:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "old events were never purged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
