//! Rate limits: quota per bucket per sliding minute, 429 E0000047 with the headers the SDKs
//! need to back off, recovery when the counted requests leave the window, and per-address
//! sign-in limits that never spend the org's quota.

use crate::harness::spawn_app_with_clock;
use latchkey::rate_limit::Bucket;
use model::time::{Clock, Timestamp};
use reqwest::StatusCode;

#[tokio::test]
async fn over_quota_is_429_until_the_requests_leave_the_window() {
    // Start one second into a minute so the window boundary is known.
    let clock = Clock::manual(Timestamp(1_800_000_001_000));
    let app = spawn_app_with_clock(
        |c| {
            c.rate_limits = true;
            c.rate_limit_quotas.insert(Bucket::Users, 3);
        },
        clock.clone(),
    )
    .await;
    for remaining in [2, 1, 0] {
        let r = app.get("/api/v1/users").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.header("x-rate-limit-limit").as_deref(), Some("3"));
        assert_eq!(
            r.header("x-rate-limit-remaining"),
            Some(remaining.to_string())
        );
        // The requests of this second leave the sliding minute 61 seconds on.
        assert_eq!(
            r.header("x-rate-limit-reset").as_deref(),
            Some("1800000062")
        );
    }
    let r = app.get("/api/v1/users").await;
    r.assert_error(429, "E0000047");
    assert_eq!(r.header("x-rate-limit-remaining").as_deref(), Some("0"));
    assert_eq!(
        r.header("x-rate-limit-reset").as_deref(),
        Some("1800000062")
    );
    assert!(
        r.header("date").is_some(),
        "the Python SDK needs Date to back off"
    );
    // Another bucket still has its own quota.
    assert_eq!(app.get("/api/v1/api-tokens").await.status, StatusCode::OK);
    // Sixty seconds on, the three still count (a fixed window would let three more through
    // across the boundary); a second later they have left the window.
    clock.advance(60_000);
    app.get("/api/v1/users").await.assert_error(429, "E0000047");
    clock.advance(1_000);
    let r = app.get("/api/v1/users").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("x-rate-limit-remaining").as_deref(), Some("2"));
}

#[tokio::test]
async fn two_nodes_share_one_quota_through_the_store() {
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres") {
        // Two nodes need a shared database; the SQLite run checks one node above.
        return;
    }
    let clock = Clock::manual(Timestamp(1_800_000_001_000));
    let first = spawn_app_with_clock(
        |c| {
            c.rate_limits = true;
            c.rate_limit_quotas.insert(Bucket::Users, 4);
        },
        clock.clone(),
    )
    .await;
    let url = first.database_url.clone().unwrap();
    let mut config = latchkey::config::Config::resolve(
        latchkey::config::ServeArgs {
            store: latchkey::config::StoreArgs {
                data_dir: Some(first.data_dir.path().join("node2")),
                database_url: Some(url),
            },
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..Default::default()
        },
        latchkey::config::FileConfig::default(),
    )
    .unwrap();
    config.rate_limit_quotas.insert(Bucket::Users, 4);
    let second = latchkey::app::Application::build_with_clock(config, clock.clone())
        .await
        .unwrap();
    let second_state = second.state.clone();
    for _ in 0..4 {
        assert_eq!(first.get("/api/v1/users").await.status, StatusCode::OK);
    }
    // Wait (with a deadline) until node two has seen node one's counts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let d = second_state.rate.check(Bucket::Users, clock.now().millis());
        if !d.allowed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "node two never saw node one's requests"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Unauthenticated sign-ins count per client address: one address over its quota gets 429
/// while a trusted application (API token) from the same address is not limited by it.
#[tokio::test]
async fn public_sign_ins_are_limited_per_client_address() {
    let clock = Clock::manual(Timestamp(1_800_000_001_000));
    let app = spawn_app_with_clock(
        |c| {
            c.rate_limits = true;
            c.rate_limit_quotas.insert(Bucket::AuthnIp, 3);
        },
        clock.clone(),
    )
    .await;
    let body = serde_json::json!({ "username": "nobody@example.com", "password": "x" });
    for _ in 0..3 {
        let r = app
            .call_as(
                reqwest::Method::POST,
                "/api/v1/authn",
                Some(body.clone()),
                None,
            )
            .await;
        r.assert_error(401, "E0000004");
    }
    let r = app
        .call_as(
            reqwest::Method::POST,
            "/api/v1/authn",
            Some(body.clone()),
            None,
        )
        .await;
    r.assert_error(429, "E0000047");
    assert_eq!(r.header("x-rate-limit-limit").as_deref(), Some("3"));
    assert_eq!(r.header("x-rate-limit-remaining").as_deref(), Some("0"));
    // The first refusal of the window is a System Log event; a second is not.
    app.call_as(
        reqwest::Method::POST,
        "/api/v1/authn",
        Some(body.clone()),
        None,
    )
    .await
    .assert_error(429, "E0000047");
    let path = "/api/v1/logs?since=2000-01-01T00:00:00.000Z&filter=eventType%20eq%20%22system.org.rate_limit.violation%22";
    let logged = app
        .get_until(path, |r| r.body.as_array().is_some_and(|a| !a.is_empty()))
        .await;
    let events = logged.body.as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", logged.text);
    assert_eq!(
        events[0]["debugContext"]["debugData"]["requestUri"],
        "/api/v1/authn"
    );
    assert_eq!(events[0]["debugContext"]["debugData"]["threshold"], 3);
    // With an API token the request is a trusted application's, not this address's.
    let trusted = app.post("/api/v1/authn", body.clone()).await;
    trusted.assert_error(401, "E0000004");
    clock.advance(61_000);
    app.call_as(reqwest::Method::POST, "/api/v1/authn", Some(body), None)
        .await
        .assert_error(401, "E0000004");
}

/// A flood of sign-ins from one address is refused by that address's limit and spends none of
/// the org's authn quota: everybody else (here a trusted application) still signs in.
#[tokio::test]
async fn one_address_cannot_spend_the_orgs_sign_in_quota() {
    let clock = Clock::manual(Timestamp(1_800_000_001_000));
    let app = spawn_app_with_clock(
        |c| {
            c.rate_limits = true;
            c.rate_limit_quotas.insert(Bucket::AuthnIp, 5);
            c.rate_limit_quotas.insert(Bucket::Authn, 20);
        },
        clock.clone(),
    )
    .await;
    let body = serde_json::json!({ "username": "nobody@example.com", "password": "x" });
    let mut refused = 0;
    for _ in 0..40 {
        let r = app
            .call_as(
                reqwest::Method::POST,
                "/api/v1/authn",
                Some(body.clone()),
                None,
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            r.assert_error(429, "E0000047");
            assert_eq!(r.header("x-rate-limit-limit").as_deref(), Some("5"));
            refused += 1;
        } else {
            r.assert_error(401, "E0000004");
        }
    }
    assert_eq!(refused, 35, "the address's own limit");
    for i in 0..15 {
        let r = app.post("/api/v1/authn", body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "request {i}: {}",
            r.text
        );
        assert_eq!(r.header("x-rate-limit-limit").as_deref(), Some("20"));
    }
    assert_eq!(
        app.post("/api/v1/authn", body.clone()).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the org bucket holds the 5 + 15 requests it let through"
    );
}

/// The quota holds for every 60 seconds, not per clock minute: a burst just after a minute
/// boundary gets nothing more when the last second of the previous minute used the quota.
#[tokio::test]
async fn no_sixty_seconds_pass_more_than_the_quota() {
    let clock = Clock::manual(Timestamp(1_800_000_059_500));
    let app = spawn_app_with_clock(
        |c| {
            c.rate_limits = true;
            c.rate_limit_quotas.insert(Bucket::Users, 5);
        },
        clock.clone(),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/users").await.status, StatusCode::OK);
    }
    clock.advance(1_000);
    for _ in 0..5 {
        app.get("/api/v1/users").await.assert_error(429, "E0000047");
    }
    clock.advance(30_000);
    app.get("/api/v1/users").await.assert_error(429, "E0000047");
    clock.advance(30_000);
    assert_eq!(app.get("/api/v1/users").await.status, StatusCode::OK);
}
