//! No user enumeration through self-service recovery: for every username, known or not, the
//! answer has the same status and body and takes the same time, whatever the mail server or
//! the telephony hook do; messages leave through the outbox after the answer.

use crate::harness::{spawn_app, spawn_app_with, Reply, TestApp};
use crate::smtp_sink::SmtpSink;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Sup3r-secret-pw";

async fn user(app: &TestApp, login: &str) {
    app.create_user(
        "?activate=true",
        json!({ "profile": TestApp::profile(login),
                "credentials": { "password": { "value": PASSWORD } } }),
    )
    .await;
}

async fn recover(app: &TestApp, path: &str, username: &str, factor: &str) -> (Reply, Duration) {
    let started = Instant::now();
    let r = app
        .call_as(
            Method::POST,
            &format!("/api/v1/authn/recovery/{path}"),
            Some(json!({ "username": username, "factorType": factor })),
            None,
        )
        .await;
    (r, started.elapsed())
}

/// The body without the values that differ between any two answers (a fresh state token and
/// its expiry).
fn shape(body: &Value) -> Value {
    let mut b = body.clone();
    if let Some(map) = b.as_object_mut() {
        for key in ["stateToken", "expiresAt"] {
            if map.contains_key(key) {
                map.insert(key.into(), json!("<varies>"));
            }
        }
    }
    b
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn recovery_answers_alike_for_known_and_unknown_users_without_a_mail_server() {
    let app = spawn_app().await;
    user(&app, "known@example.com").await;
    for path in ["password", "unlock"] {
        for factor in ["EMAIL", "SMS", "CALL"] {
            let (known, _) = recover(&app, path, "known@example.com", factor).await;
            let (unknown, _) = recover(&app, path, "nobody@example.com", factor).await;
            assert_eq!(
                known.status,
                StatusCode::OK,
                "{path} {factor}: {}",
                known.text
            );
            assert_eq!(unknown.status, known.status, "{path} {factor}");
            assert_eq!(shape(&known.body), shape(&unknown.body), "{path} {factor}");
        }
    }
    // Whatever could not be delivered is dropped, not kept for ever.
    app.outbox_drained().await;
}

#[tokio::test]
async fn a_slow_mail_server_does_not_slow_a_known_users_recovery() {
    let sink = SmtpSink::start_with_delay(Duration::from_millis(400)).await;
    let url = sink.url.clone();
    let app = spawn_app_with(move |c| c.smtp_url = Some(url)).await;
    for i in 0..12 {
        user(&app, &format!("known{i}@example.com")).await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..12 {
        let (k, kt) = recover(&app, "password", &format!("known{i}@example.com"), "EMAIL").await;
        let (u, ut) = recover(&app, "password", &format!("nobody{i}@example.com"), "EMAIL").await;
        assert_eq!(k.status, StatusCode::OK, "{}", k.text);
        assert_eq!((k.status, shape(&k.body)), (u.status, shape(&u.body)));
        known.push(kt);
        unknown.push(ut);
    }
    let (known, unknown) = (median(known), median(unknown));
    assert!(
        known < Duration::from_millis(200),
        "a known user's answer waited for the mail server: {known:?}"
    );
    assert!(
        known.saturating_sub(unknown) < Duration::from_millis(100),
        "known {known:?} against unknown {unknown:?}"
    );
    // The mail still arrives, and its token works.
    let mail = sink.mail_number("known3@example.com", 1).await.text();
    let token = mail
        .split("recovery token is ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .call_as(
            Method::POST,
            "/api/v1/authn/recovery/token",
            Some(json!({ "recoveryToken": token })),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(sink.mails_to("nobody3@example.com").is_empty());
    app.outbox_drained().await;
    assert_eq!(
        sink.mails().len(),
        12,
        "one mail per known user, none for the rest"
    );
}
