//! Concurrency on one user, as browsers, SDK retries, shared service accounts and attackers
//! produce it: bursts of sign-ins (wrong and right passwords) and concurrent profile updates.
//! Lockout must bound the passwords verified, and no request may fail because another one of
//! the same user is running (no 409, no 5xx).

use crate::harness::{second_node, spawn_app_with, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "Sup3r-secret-pw";

/// A hash expensive enough that concurrent sign-ins really overlap.
fn slower_hashes(config: &mut latchkey::config::Config) {
    config.argon2.memory_kib = 8 * 1024;
    config.argon2.iterations = 2;
}

async fn active_user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=true",
            json!({
                "profile": TestApp::profile(login),
                "credentials": { "password": { "value": PASSWORD } }
            }),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

async fn lockout(app: &TestApp, max_attempts: i64) {
    let mut policy = app.get("/api/v1/policies?type=PASSWORD").await.body[0].clone();
    let id = policy["id"].as_str().unwrap().to_owned();
    policy["settings"]["password"]["lockout"] = json!({
        "maxAttempts": max_attempts,
        "autoUnlockMinutes": 0,
        "showLockoutFailures": true
    });
    let r = app.put(&format!("/api/v1/policies/{id}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Reply {
    app.call_as(
        Method::POST,
        "/api/v1/authn",
        Some(json!({ "username": login, "password": password })),
        None,
    )
    .await
}

/// The `user.session.start` failures of `uid` with `reason`, read from the System Log.
async fn failures(app: &TestApp, uid: &str, reason: &str) -> usize {
    let mut count = 0;
    let mut next = Some(format!(
        "/api/v1/logs?limit=1000&filter={}",
        urlencode(&format!(
            "eventType eq \"user.session.start\" and target.id eq \"{uid}\""
        ))
    ));
    let since_start = app
        .get_until(next.as_deref().unwrap(), |r| r.status == StatusCode::OK)
        .await;
    assert_eq!(since_start.status, StatusCode::OK, "{}", since_start.text);
    while let Some(path) = next.take() {
        let r = app.get(&path).await;
        let page = r.body.as_array().cloned().unwrap_or_default();
        count += page
            .iter()
            .filter(|e| e["outcome"]["reason"] == reason)
            .count();
        if !page.is_empty() {
            next = r.next_link();
        }
    }
    count
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each reply is a sign-in answer (200) or Okta's 401, never a conflict or a failure.
fn assert_sign_in_answers(replies: &[Reply]) {
    for r in replies {
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::UNAUTHORIZED,
            "a sign-in answers 200 or 401, got {}: {}",
            r.status,
            r.text
        );
        if r.status == StatusCode::UNAUTHORIZED {
            r.assert_error(401, "E0000004");
        }
    }
}

async fn burst(app: &TestApp, login: &str, passwords: &[&str]) -> Vec<Reply> {
    futures::future::join_all(passwords.iter().map(|p| sign_in(app, login, p))).await
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_verifies_at_most_max_attempts() {
    let app = spawn_app_with(slower_hashes).await;
    lockout(&app, 10).await;
    let uid = active_user(&app, "burst@example.com").await;

    let wrong: Vec<String> = (0..30).map(|i| format!("Wrong-guess-{i}")).collect();
    let guesses: Vec<&str> = wrong.iter().map(String::as_str).collect();
    let replies = burst(&app, "burst@example.com", &guesses).await;
    assert_sign_in_answers(&replies);
    let verified = failures(&app, &uid, "INVALID_CREDENTIALS").await;
    assert_eq!(
        verified, 10,
        "exactly maxAttempts wrong passwords verified in a burst of 30"
    );
    assert_eq!(failures(&app, &uid, "LOCKED_OUT").await, 20);
    let user = app.get(&format!("/api/v1/users/{uid}")).await;
    assert_eq!(user.body["status"], "LOCKED_OUT");
    // Locked: the right password is not verified either.
    let r = sign_in(&app, "burst@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "LOCKED_OUT", "{}", r.text);
    assert_eq!(failures(&app, &uid, "INVALID_CREDENTIALS").await, 10);

    // After an unlock, a burst with the right password inside answers 200 or 401 only: no
    // reply tells which guess was right by its status.
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/unlock"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut mixed = guesses.clone();
    mixed.insert(15, PASSWORD);
    let replies = burst(&app, "burst@example.com", &mixed).await;
    assert_sign_in_answers(&replies);
    let verified = failures(&app, &uid, "INVALID_CREDENTIALS").await - 10;
    assert!(
        verified <= 20,
        "at most maxAttempts before and after the one success: {verified}"
    );
}

#[tokio::test]
async fn concurrent_right_passwords_all_sign_in() {
    let app = spawn_app_with(slower_hashes).await;
    // Fewer slots than concurrent sign-ins: the others wait for a slot, they do not fail.
    lockout(&app, 3).await;
    active_user(&app, "shared@example.com").await;
    for _ in 0..5 {
        let replies = burst(&app, "shared@example.com", &[PASSWORD; 8]).await;
        for r in &replies {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
        }
    }
}

#[tokio::test]
async fn concurrent_profile_updates_are_last_writer_wins() {
    let app = spawn_app_with(|_| {}).await;
    let uid = active_user(&app, "updates@example.com").await;
    let attributes = [
        "title",
        "department",
        "division",
        "organization",
        "costCenter",
        "employeeNumber",
        "nickName",
        "displayName",
        "city",
        "state",
        "zipCode",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
        "profileUrl",
        "userType",
    ];
    for round in 0..3 {
        let updates = attributes.iter().map(|attr| {
            let path = format!("/api/v1/users/{uid}");
            let body = json!({ "profile": { *attr: format!("{attr}-{round}") } });
            let app = &app;
            async move { app.post(&path, body).await }
        });
        for r in futures::future::join_all(updates).await {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let user = app.get(&format!("/api/v1/users/{uid}")).await;
        for attr in attributes {
            assert_eq!(
                user.body["profile"][attr],
                Value::from(format!("{attr}-{round}")),
                "round {round}: the update of {attr} was lost"
            );
        }
    }
    // Full replaces race too: one of them wins whole, none is refused.
    let replaces = (0..8).map(|i| {
        let path = format!("/api/v1/users/{uid}");
        let mut profile = TestApp::profile("updates@example.com");
        profile["title"] = json!(format!("replace-{i}"));
        let app = &app;
        async move { app.put(&path, json!({ "profile": profile })).await }
    });
    for r in futures::future::join_all(replaces).await {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let user = app.get(&format!("/api/v1/users/{uid}")).await;
    assert!(user.body["profile"]["title"]
        .as_str()
        .is_some_and(|t| t.starts_with("replace-")));
    assert!(
        user.body["profile"].get("department").is_none(),
        "a PUT replaces"
    );
}

#[tokio::test]
async fn lockout_holds_across_two_nodes() {
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let one = spawn_app_with(slower_hashes).await;
    let two = second_node(&one, model::time::Clock::System).await;
    lockout(&one, 6).await;
    let uid = active_user(&one, "two.nodes@example.com").await;
    let wrong: Vec<String> = (0..24).map(|i| format!("Wrong-guess-{i}")).collect();
    let replies = futures::future::join_all(wrong.iter().enumerate().map(|(i, p)| {
        let node = if i % 2 == 0 { &one } else { &two };
        sign_in(node, "two.nodes@example.com", p)
    }))
    .await;
    assert_sign_in_answers(&replies);
    assert_eq!(
        failures(&one, &uid, "INVALID_CREDENTIALS").await,
        6,
        "maxAttempts across both nodes"
    );
}

/// Concurrent department changes of the same users: when the dust settles, every user is in
/// the rule's group exactly when its department matches, and the evaluation queue is empty.
#[tokio::test]
async fn rule_memberships_follow_concurrent_profile_changes() {
    let app = spawn_app_with(|_| {}).await;
    let group = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Engineering" } }),
        )
        .await;
    assert_eq!(group.status, StatusCode::OK, "{}", group.text);
    let gid = group.body["id"].as_str().unwrap().to_owned();
    let rule = app
        .post(
            "/api/v1/groups/rules",
            json!({
                "type": "group_rule",
                "name": "Engineers",
                "conditions": { "expression": {
                    "value": "user.department==\"Engineering\"",
                    "type": "urn:okta:expression:1.0" } },
                "actions": { "assignUserToGroups": { "groupIds": [gid] } },
            }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    let rid = rule.body["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/groups/rules/{rid}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let mut uids = Vec::new();
    for i in 0..24 {
        uids.push(active_user(&app, &format!("dept{i}@example.com")).await);
    }
    for round in 0..3 {
        let changes = uids.iter().flat_map(|uid| {
            (0..4).map(move |k| {
                let department = if (k + round) % 2 == 0 {
                    "Engineering"
                } else {
                    "Sales"
                };
                (uid.clone(), department)
            })
        });
        let replies = futures::future::join_all(changes.map(|(uid, department)| {
            let app = &app;
            async move {
                app.post(
                    &format!("/api/v1/users/{uid}"),
                    json!({ "profile": { "department": department } }),
                )
                .await
            }
        }))
        .await;
        for r in replies {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !app
        .state
        .store
        .queued_rule_users(i64::MAX, 1)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the rule queue did not drain"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut wrong = Vec::new();
    for uid in &uids {
        let user = app.get(&format!("/api/v1/users/{uid}")).await;
        let engineer = user.body["profile"]["department"] == "Engineering";
        let groups = app.get(&format!("/api/v1/users/{uid}/groups")).await;
        let member = groups
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == gid.as_str());
        if engineer != member {
            wrong.push(uid.clone());
        }
    }
    assert!(
        wrong.is_empty(),
        "{} users' memberships disagree with their department",
        wrong.len()
    );
}
