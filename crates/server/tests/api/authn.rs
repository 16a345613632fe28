//! The Authn API end to end: primary authentication, lockout, every MFA path with real
//! delivery, expired and expiring passwords, recovery by email, SMS and trusted application,
//! unlock, and state management — without an API token, as a browser or app calls it.

use crate::harness::{spawn_app_with_clock, Reply, TestApp};
use crate::receiver::Receiver;
use crate::smtp_sink::SmtpSink;
use model::time::{Clock, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const START: i64 = 1_900_000_000_000;
const PASSWORD: &str = "Sup3r-secret-pw";

async fn authn(app: &TestApp, path: &str, body: Value) -> Reply {
    app.call_as(
        Method::POST,
        &format!("/api/v1/authn{path}"),
        Some(body),
        None,
    )
    .await
}

async fn active_user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=true",
            json!({
                "profile": TestApp::profile(login),
                "credentials": {
                    "password": { "value": PASSWORD },
                    "recovery_question": { "question": "Favourite colour?", "answer": "ultramarine" }
                }
            }),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Reply {
    authn(app, "", json!({ "username": login, "password": password })).await
}

async fn default_policy(app: &TestApp, kind: &str) -> Value {
    app.get(&format!("/api/v1/policies?type={kind}")).await.body[0].clone()
}

/// A sign-on policy, first in priority, for Everyone, whose rule requires a factor.
async fn require_mfa(app: &TestApp) {
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "MFA for everyone", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } } }),
        )
        .await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text);
    let id = policy.body["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("/api/v1/policies/{id}/rules"),
            json!({ "type": "SIGN_ON", "name": "Require a factor",
                    "actions": { "signon": { "access": "ALLOW", "requireFactor": true,
                        "factorPromptMode": "ALWAYS", "factorLifetime": 15,
                        "session": { "maxSessionIdleMinutes": 120, "maxSessionLifetimeMinutes": 0,
                                     "usePersistentCookie": false } } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
}

/// A PASSWORD policy for Everyone, first in priority, whose recovery allows SMS and call and
/// whose rule allows self-service reset and unlock.
async fn allow_phone_recovery(app: &TestApp) {
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "PASSWORD", "name": "Phone recovery", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } },
                    "settings": { "recovery": { "factors": {
                        "recovery_question": { "status": "ACTIVE" },
                        "okta_email": { "status": "ACTIVE" },
                        "okta_sms": { "status": "ACTIVE" },
                        "okta_call": { "status": "ACTIVE" } } } } }),
        )
        .await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text);
    let id = policy.body["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("/api/v1/policies/{id}/rules"),
            json!({ "type": "PASSWORD", "name": "Self-service",
                    "actions": { "passwordChange": { "access": "ALLOW" },
                                 "selfServicePasswordReset": { "access": "ALLOW" },
                                 "selfServiceUnlock": { "access": "ALLOW" } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
}

/// Merges `password` settings into the first PASSWORD policy.
async fn password_settings(app: &TestApp, password: Value) {
    let mut policy = default_policy(app, "PASSWORD").await;
    let id = policy["id"].as_str().unwrap().to_owned();
    for (k, v) in password.as_object().unwrap() {
        for (k2, v2) in v.as_object().unwrap() {
            policy["settings"]["password"][k][k2] = v2.clone();
        }
    }
    let r = app.put(&format!("/api/v1/policies/{id}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

fn totp(secret: &str, clock: &Clock, offset_steps: i64) -> String {
    let seed = crypto::otp::seed_from_base32(secret).unwrap();
    let unix = u64::try_from(clock.now().millis() / 1000 + offset_steps * 30).unwrap();
    crypto::otp::totp_code(&seed, unix)
}

/// Enrolls and activates an Okta Verify TOTP factor through the Factors API; its secret.
async fn totp_factor(app: &TestApp, uid: &str, clock: &Clock) -> (String, String) {
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors"),
            json!({ "factorType": "token:software:totp", "provider": "OKTA" }),
        )
        .await;
    let fid = r.body["id"].as_str().unwrap().to_owned();
    let secret = r.body["_embedded"]["activation"]["sharedSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors/{fid}/lifecycle/activate"),
            json!({ "passCode": totp(&secret, clock, -1) }),
        )
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
    (fid, secret)
}

#[tokio::test]
async fn primary_authentication_succeeds_or_fails_alike() {
    let app = crate::harness::spawn_app().await;
    let uid = active_user(&app, "ann@example.com").await;
    let r = authn(
        &app,
        "",
        json!({ "username": "ann@example.com", "password": PASSWORD, "relayState": "/app" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "SUCCESS");
    assert_eq!(r.body["relayState"], "/app");
    assert!(r.body.get("stateToken").is_none());
    assert!(r.body["sessionToken"].as_str().unwrap().len() >= 20);
    assert!(Timestamp::parse_iso(r.body["expiresAt"].as_str().unwrap()).is_some());
    let user = &r.body["_embedded"]["user"];
    assert_eq!(user["id"], uid.as_str());
    assert_eq!(user["profile"]["login"], "ann@example.com");
    assert_eq!(user["profile"]["firstName"], "Isaac");
    assert!(user["passwordChanged"].is_string());
    // The login shortname works as the username too.
    assert_eq!(
        sign_in(&app, "ann", PASSWORD).await.body["status"],
        "SUCCESS"
    );

    let wrong = sign_in(&app, "ann@example.com", "not-it").await;
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD).await;
    let empty = authn(&app, "", json!({})).await;
    for r in [&wrong, &unknown, &empty] {
        r.assert_error(401, "E0000004");
        assert_eq!(r.body["errorSummary"], "Authentication failed");
        assert_eq!(r.body["errorCauses"], json!([]));
    }
    // A user who may not sign in (STAGED) answers the same.
    app.create_user(
        "?activate=false",
        json!({ "profile": TestApp::profile("staged@example.com"),
                "credentials": { "password": { "value": PASSWORD } } }),
    )
    .await;
    sign_in(&app, "staged@example.com", PASSWORD)
        .await
        .assert_error(401, "E0000004");
    authn(&app, "", json!("nope"))
        .await
        .assert_error(400, "E0000003");
    // Failed sign-ins are in the System Log with their reason.
    let log = app
        .get("/api/v1/logs?since=2000-01-01T00:00:00.000Z&filter=eventType%20eq%20%22user.session.start%22")
        .await;
    let reasons: Vec<Value> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"]["reason"].clone())
        .collect();
    assert!(
        reasons.contains(&json!("INVALID_CREDENTIALS")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&json!("VERIFICATION_ERROR")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn imported_hashes_are_verified_then_rehashed() {
    use sha2::Digest;
    let app = crate::harness::spawn_app().await;
    let salt = "c2FsdHNhbHQ=";
    let value = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut h = sha2::Sha256::new();
        h.update(engine.decode(salt).unwrap());
        h.update(PASSWORD.as_bytes());
        engine.encode(h.finalize())
    };
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile("imported@example.com"),
                    "credentials": { "password": { "hash": {
                        "algorithm": "SHA-256", "salt": salt, "saltOrder": "PREFIX", "value": value } } } }),
        )
        .await;
    let uid = u["id"].as_str().unwrap();
    let r = sign_in(&app, "imported@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    let stored = app.state.store.user_by_id(uid).await.unwrap().unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"));
    assert_eq!(
        sign_in(&app, "imported@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn lockout_counts_failures_and_unlocks_itself() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    password_settings(
        &app,
        json!({ "lockout": { "maxAttempts": 3, "autoUnlockMinutes": 10, "showLockoutFailures": true } }),
    )
    .await;
    let uid = active_user(&app, "lock@example.com").await;
    // A success in between resets the count.
    for _ in 0..2 {
        sign_in(&app, "lock@example.com", "wrong")
            .await
            .assert_error(401, "E0000004");
    }
    assert_eq!(
        sign_in(&app, "lock@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );
    for _ in 0..2 {
        sign_in(&app, "lock@example.com", "wrong")
            .await
            .assert_error(401, "E0000004");
    }
    // The attempt that reaches maxAttempts fails like the others; the user is locked after it.
    sign_in(&app, "lock@example.com", "wrong")
        .await
        .assert_error(401, "E0000004");
    let r = sign_in(&app, "lock@example.com", "wrong").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "LOCKED_OUT");
    assert_eq!(
        r.body["_links"]["next"],
        json!({ "name": "unlock", "href": app.url("/api/v1/authn/recovery/unlock"), "hints": { "allow": ["POST"] } })
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "LOCKED_OUT"
    );
    // The right password does not help while locked.
    assert_eq!(
        sign_in(&app, "lock@example.com", PASSWORD).await.body["status"],
        "LOCKED_OUT"
    );
    clock.advance(10 * 60_000);
    assert_eq!(
        sign_in(&app, "lock@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );

    // Hidden lockout failures answer like a wrong password.
    password_settings(
        &app,
        json!({ "lockout": { "showLockoutFailures": false, "autoUnlockMinutes": 0 } }),
    )
    .await;
    for _ in 0..3 {
        sign_in(&app, "lock@example.com", "wrong").await;
    }
    sign_in(&app, "lock@example.com", PASSWORD)
        .await
        .assert_error(401, "E0000004");
}

#[tokio::test]
async fn mfa_required_with_totp_then_success() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    require_mfa(&app).await;
    let uid = active_user(&app, "mfa@example.com").await;
    let (fid, secret) = totp_factor(&app, &uid, &clock).await;
    let r = sign_in(&app, "mfa@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let factors = r.body["_embedded"]["factors"].as_array().unwrap();
    assert_eq!(factors.len(), 1);
    let verify = app.url(&format!("/api/v1/authn/factors/{fid}/verify"));
    assert_eq!(factors[0]["_links"]["verify"]["href"], verify);
    assert_eq!(
        factors[0]["_links"]["verify"]["hints"]["allow"],
        json!(["POST"])
    );
    assert_eq!(
        r.body["_links"]["cancel"]["href"],
        app.url("/api/v1/authn/cancel")
    );
    assert!(r.body.get("sessionToken").is_none());

    // The state token is the transaction: its state, and operations it does not allow.
    let got = authn(&app, "", json!({ "stateToken": state })).await;
    assert_eq!(got.body["status"], "MFA_REQUIRED");
    let refused = authn(&app, "/skip", json!({ "stateToken": state })).await;
    refused.assert_error(403, "E0000079");
    authn(&app, "", json!({ "stateToken": "00bogus" }))
        .await
        .assert_error(401, "E0000011");

    let path = format!("/factors/{fid}/verify");
    authn(
        &app,
        &path,
        json!({ "stateToken": state, "passCode": "000000" }),
    )
    .await
    .assert_error(403, "E0000068");
    let r = authn(
        &app,
        &path,
        json!({ "stateToken": state, "passCode": totp(&secret, &clock, 0) }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert!(r.body["sessionToken"].is_string());
    // The transaction is over.
    authn(&app, "", json!({ "stateToken": state }))
        .await
        .assert_error(401, "E0000011");
}

#[tokio::test]
async fn state_tokens_expire_and_cancel() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    require_mfa(&app).await;
    let uid = active_user(&app, "slide@example.com").await;
    totp_factor(&app, &uid, &clock).await;
    let r = sign_in(&app, "slide@example.com", PASSWORD).await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let first = Timestamp::parse_iso(r.body["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(first.millis(), START + 300_000);
    // Each use slides the expiry.
    clock.advance(200_000);
    let r = authn(&app, "", json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED");
    clock.advance(200_000);
    let r = authn(&app, "", json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED", "{}", r.text);
    clock.advance(300_001);
    authn(&app, "", json!({ "stateToken": state }))
        .await
        .assert_error(401, "E0000011");

    let r = sign_in(&app, "slide@example.com", PASSWORD).await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let c = authn(&app, "/cancel", json!({ "stateToken": state })).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    authn(&app, "", json!({ "stateToken": state }))
        .await
        .assert_error(401, "E0000011");
}

#[tokio::test]
async fn mfa_enrollment_when_a_factor_is_required() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    require_mfa(&app).await;
    active_user(&app, "enroll@example.com").await;
    let r = sign_in(&app, "enroll@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_ENROLL", "{}", r.text);
    assert!(
        r.body["_links"].get("skip").is_none(),
        "MFA may not be skipped"
    );
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let offered = r.body["_embedded"]["factors"].as_array().unwrap();
    let totp_entry = offered
        .iter()
        .find(|f| f["factorType"] == "token:software:totp")
        .unwrap();
    assert_eq!(totp_entry["status"], "NOT_SETUP");
    assert_eq!(totp_entry["enrollment"], "OPTIONAL");
    assert_eq!(
        totp_entry["_links"]["enroll"]["href"],
        app.url("/api/v1/authn/factors")
    );

    let r = authn(
        &app,
        "/factors",
        json!({ "stateToken": state, "factorType": "token:software:totp", "provider": "OKTA" }),
    )
    .await;
    assert_eq!(r.body["status"], "MFA_ENROLL_ACTIVATE", "{}", r.text);
    let factor = &r.body["_embedded"]["factor"];
    let fid = factor["id"].as_str().unwrap().to_owned();
    let secret = factor["_embedded"]["activation"]["sharedSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        r.body["_links"]["next"]["href"],
        app.url(&format!("/api/v1/authn/factors/{fid}/lifecycle/activate"))
    );
    assert_eq!(r.body["_links"]["next"]["name"], "activate");
    // previous goes back to the choice, enroll again to the same pending factor.
    let back = authn(&app, "/previous", json!({ "stateToken": state })).await;
    assert_eq!(back.body["status"], "MFA_ENROLL", "{}", back.text);
    let r = authn(
        &app,
        "/factors",
        json!({ "stateToken": state, "factorType": "token:software:totp", "provider": "OKTA" }),
    )
    .await;
    let fid2 = r.body["_embedded"]["factor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fid2, fid);
    let secret = r.body["_embedded"]["factor"]["_embedded"]["activation"]["sharedSecret"]
        .as_str()
        .map_or(secret, str::to_owned);
    let r = authn(
        &app,
        &format!("/factors/{fid}/lifecycle/activate"),
        json!({ "stateToken": state, "passCode": totp(&secret, &clock, 0) }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);

    // Next time the factor is verified instead.
    let r = sign_in(&app, "enroll@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED");
}

#[tokio::test]
async fn required_enrollment_by_policy_and_optional_skip() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let mut policy = default_policy(&app, "MFA_ENROLL").await;
    let id = policy["id"].as_str().unwrap().to_owned();
    policy["settings"]["factors"]["okta_question"]["enroll"]["self"] = json!("REQUIRED");
    let r = app.put(&format!("/api/v1/policies/{id}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    active_user(&app, "kba@example.com").await;
    let r = authn(
        &app,
        "",
        json!({ "username": "kba@example.com", "password": PASSWORD,
                "options": { "multiOptionalFactorEnroll": true } }),
    )
    .await;
    assert_eq!(r.body["status"], "MFA_ENROLL", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    assert!(r.body["_links"].get("skip").is_none());
    let question = r.body["_embedded"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factorType"] == "question")
        .unwrap()
        .clone();
    assert_eq!(question["enrollment"], "REQUIRED");
    authn(&app, "/skip", json!({ "stateToken": state }))
        .await
        .assert_error(403, "E0000079");
    // The question factor is ACTIVE at once; optional factors remain, so back to the list.
    let r = authn(
        &app,
        "/factors",
        json!({ "stateToken": state, "factorType": "question", "provider": "OKTA",
                "profile": { "question": "disliked_food", "answer": "mayonnaise" } }),
    )
    .await;
    assert_eq!(r.body["status"], "MFA_ENROLL", "{}", r.text);
    assert_eq!(
        r.body["_links"]["skip"]["href"],
        app.url("/api/v1/authn/skip")
    );
    let r = authn(&app, "/skip", json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
}

#[tokio::test]
async fn email_challenge_previous_and_resend() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(move |c| c.smtp_url = Some(url), clock.clone()).await;
    require_mfa(&app).await;
    let uid = active_user(&app, "challenge@example.com").await;
    let f = app
        .post(
            &format!("/api/v1/users/{uid}/factors?activate=true"),
            json!({ "factorType": "email", "provider": "OKTA" }),
        )
        .await;
    let fid = f.body["id"].as_str().unwrap().to_owned();
    let r = sign_in(&app, "challenge@example.com", PASSWORD).await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let verify = format!("/factors/{fid}/verify");
    let r = authn(&app, &verify, json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "MFA_CHALLENGE", "{}", r.text);
    assert_eq!(r.body["factorResult"], "CHALLENGE");
    assert_eq!(r.body["_embedded"]["factor"]["id"], fid.as_str());
    assert_eq!(r.body["_links"]["next"]["name"], "verify");
    assert_eq!(
        r.body["_links"]["resend"][0]["href"],
        app.url(&format!("/api/v1/authn/factors/{fid}/verify/resend"))
    );
    let first = sink.code_number("challenge@example.com", 1).await;
    // Resend within five seconds is refused; after, a new code arrives.
    authn(
        &app,
        &format!("{verify}/resend"),
        json!({ "stateToken": state }),
    )
    .await
    .assert_error(429, "E0000118");
    clock.advance(5_000);
    let r = authn(
        &app,
        &format!("{verify}/resend"),
        json!({ "stateToken": state }),
    )
    .await;
    assert_eq!(r.body["status"], "MFA_CHALLENGE", "{}", r.text);
    let second = sink.code_number("challenge@example.com", 2).await;
    if first != second {
        authn(
            &app,
            &verify,
            json!({ "stateToken": state, "passCode": first }),
        )
        .await
        .assert_error(403, "E0000068");
    }
    let back = authn(&app, "/previous", json!({ "stateToken": state })).await;
    assert_eq!(back.body["status"], "MFA_REQUIRED");
    let r = authn(
        &app,
        &verify,
        json!({ "stateToken": state, "passCode": second }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
}

#[tokio::test]
async fn expired_password_must_change_and_warning_may_skip() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let uid = active_user(&app, "expired@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/expire_password"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = sign_in(&app, "expired@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "PASSWORD_EXPIRED", "{}", r.text);
    assert_eq!(r.body["_links"]["next"]["name"], "changePassword");
    assert_eq!(r.body["_embedded"]["policy"]["complexity"]["minLength"], 8);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    authn(&app, "/skip", json!({ "stateToken": state }))
        .await
        .assert_error(403, "E0000079");
    let change = "/credentials/change_password";
    authn(
        &app,
        change,
        json!({ "stateToken": state, "oldPassword": "nope", "newPassword": "N3w-password!" }),
    )
    .await
    .assert_error(403, "E0000014");
    authn(
        &app,
        change,
        json!({ "stateToken": state, "oldPassword": PASSWORD, "newPassword": "short" }),
    )
    .await
    .assert_error(403, "E0000080");
    let r = authn(
        &app,
        change,
        json!({ "stateToken": state, "oldPassword": PASSWORD, "newPassword": "N3w-password!" }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
    sign_in(&app, "expired@example.com", PASSWORD)
        .await
        .assert_error(401, "E0000004");

    // Passwords older than maxAgeDays expire; within expireWarnDays a client that asks is
    // warned and may skip.
    password_settings(
        &app,
        json!({ "age": { "maxAgeDays": 10, "expireWarnDays": 5 } }),
    )
    .await;
    clock.advance(7 * 86_400_000);
    let ask = json!({ "username": "expired@example.com", "password": "N3w-password!",
                      "options": { "warnBeforePasswordExpired": true } });
    let r = authn(&app, "", ask.clone()).await;
    assert_eq!(r.body["status"], "PASSWORD_WARN", "{}", r.text);
    assert_eq!(
        r.body["_embedded"]["policy"]["expiration"]["passwordExpireDays"],
        3
    );
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let r = authn(&app, "/skip", json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    let quiet = sign_in(&app, "expired@example.com", "N3w-password!").await;
    assert_eq!(quiet.body["status"], "SUCCESS", "no warning unless asked");
    clock.advance(4 * 86_400_000);
    let r = authn(&app, "", ask).await;
    assert_eq!(r.body["status"], "PASSWORD_EXPIRED", "{}", r.text);
}

#[tokio::test]
async fn forgot_password_by_email_token_and_recovery_question() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with_clock(move |c| c.smtp_url = Some(url), Clock::System).await;
    active_user(&app, "forgot@example.com").await;
    let start = json!({ "username": "forgot@example.com", "factorType": "EMAIL" });
    let r = authn(&app, "/recovery/password", start).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let expected = json!({ "status": "RECOVERY_CHALLENGE", "factorResult": "WAITING",
                           "factorType": "EMAIL", "recoveryType": "PASSWORD" });
    assert_eq!(r.body, expected);
    // An unknown user gets the same answer and no mail.
    let r = authn(
        &app,
        "/recovery/password",
        json!({ "username": "ghost@example.com", "factorType": "EMAIL" }),
    )
    .await;
    assert_eq!(r.body, expected);
    assert!(sink.mails_to("ghost@example.com").is_empty());
    authn(
        &app,
        "/recovery/password",
        json!({ "username": "forgot@example.com" }),
    )
    .await
    .assert_error(400, "E0000001");

    let mail = sink.mail_number("forgot@example.com", 1).await.text();
    let token = mail
        .split("recovery token is ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let r = authn(&app, "/recovery/token", json!({ "recoveryToken": token })).await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    assert_eq!(r.body["recoveryType"], "PASSWORD");
    assert_eq!(
        r.body["_embedded"]["user"]["recovery_question"]["question"],
        "Favourite colour?"
    );
    assert_eq!(r.body["_links"]["next"]["name"], "answer");
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    // The recovery token is used up.
    authn(&app, "/recovery/token", json!({ "recoveryToken": token }))
        .await
        .assert_error(401, "E0000011");
    authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": "red" }),
    )
    .await
    .assert_error(403, "E0000087");
    let r = authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": " Ultramarine " }),
    )
    .await;
    assert_eq!(r.body["status"], "PASSWORD_RESET", "{}", r.text);
    assert_eq!(r.body["_links"]["next"]["name"], "resetPassword");
    authn(
        &app,
        "/credentials/reset_password",
        json!({ "stateToken": state, "newPassword": "x" }),
    )
    .await
    .assert_error(403, "E0000080");
    let r = authn(
        &app,
        "/credentials/reset_password",
        json!({ "stateToken": state, "newPassword": "Br4nd-new-pass" }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert!(r.body["sessionToken"].is_string());
    sign_in(&app, "forgot@example.com", PASSWORD)
        .await
        .assert_error(401, "E0000004");
    assert_eq!(
        sign_in(&app, "forgot@example.com", "Br4nd-new-pass")
            .await
            .body["status"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn trusted_application_gets_the_recovery_token() {
    let app = crate::harness::spawn_app().await;
    active_user(&app, "trusted@example.com").await;
    let r = app
        .post(
            "/api/v1/authn/recovery/password",
            json!({ "username": "trusted@example.com" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "RECOVERY");
    assert_eq!(r.body["recoveryType"], "PASSWORD");
    assert_eq!(r.body["_links"]["next"]["name"], "recovery");
    let token = r.body["recoveryToken"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/authn/recovery/password",
        json!({ "username": "ghost@example.com" }),
    )
    .await
    .assert_error(403, "E0000095");
    let r = authn(&app, "/recovery/token", json!({ "recoveryToken": token })).await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    assert!(r.body["stateToken"].is_string());
}

/// The token in a Users API `resetPasswordUrl` is a recovery token: okta-auth-js and the
/// Sign-In Widget redeem it at /authn/recovery/token, once.
#[tokio::test]
async fn reset_password_url_token_is_a_recovery_token() {
    let app = crate::harness::spawn_app().await;
    let uid = active_user(&app, "reset@example.com").await;
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{uid}/lifecycle/reset_password?sendEmail=false"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let url = r.body["resetPasswordUrl"].as_str().unwrap().to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();
    let r = authn(&app, "/recovery/token", json!({ "recoveryToken": token })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    assert_eq!(r.body["recoveryType"], "PASSWORD");
    assert_eq!(r.body["_embedded"]["user"]["id"], uid.as_str());
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    authn(&app, "/recovery/token", json!({ "recoveryToken": token }))
        .await
        .assert_error(401, "E0000011");
    let r = authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": "ultramarine" }),
    )
    .await;
    assert_eq!(r.body["status"], "PASSWORD_RESET", "{}", r.text);
    let r = authn(
        &app,
        "/credentials/reset_password",
        json!({ "stateToken": state, "newPassword": "Br4nd-new-pass" }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(
        sign_in(&app, "reset@example.com", "Br4nd-new-pass")
            .await
            .body["status"],
        "SUCCESS"
    );
    // forgot_password's link works the same way; a made-up token does not.
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/credentials/forgot_password?sendEmail=false"),
            json!({}),
        )
        .await;
    let url = r.body["resetPasswordUrl"].as_str().unwrap().to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();
    let r = authn(&app, "/recovery/token", json!({ "recoveryToken": token })).await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    authn(
        &app,
        "/recovery/token",
        json!({ "recoveryToken": "x".repeat(20) }),
    )
    .await
    .assert_error(401, "E0000011");
}

#[tokio::test]
async fn unlock_by_sms_through_the_telephony_hook() {
    let receiver = Receiver::start().await;
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.telephony.action",
        "value": [{ "status": "SUCCESSFUL" }] }] }));
    let ca = receiver.ca_path.clone();
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), Clock::System).await;
    let hook = app
        .post(
            "/api/v1/inlineHooks",
            json!({ "name": "Phone", "type": "com.okta.telephony.provider", "version": "1.0.0",
                    "channel": { "type": "HTTP", "version": "1.0.0", "config": { "uri": receiver.url } } }),
        )
        .await;
    assert_eq!(hook.status, StatusCode::OK, "{}", hook.text);
    // By default SMS recovery is off and self-service unlock denied: nothing is sent.
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile("nounlock@example.com"),
                    "credentials": { "password": { "value": PASSWORD } } }),
        )
        .await;
    let r = app
        .post(
            &format!("/api/v1/users/{}/factors?activate=true", u["id"].as_str().unwrap()),
            json!({ "factorType": "sms", "provider": "OKTA", "profile": { "phoneNumber": "+15554150000" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = authn(
        &app,
        "/recovery/password",
        json!({ "username": "nounlock@example.com", "factorType": "SMS" }),
    )
    .await;
    assert_eq!(r.body["status"], "RECOVERY_CHALLENGE", "{}", r.text);
    assert!(r.body["stateToken"].is_string());
    app.outbox_drained().await;
    assert!(
        receiver.received().is_empty(),
        "okta_sms recovery is INACTIVE by default"
    );
    allow_phone_recovery(&app).await;
    password_settings(
        &app,
        json!({ "lockout": { "maxAttempts": 2, "showLockoutFailures": true } }),
    )
    .await;
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile("unlock@example.com"),
                    "credentials": { "password": { "value": PASSWORD } } }),
        )
        .await;
    let uid = u["id"].as_str().unwrap().to_owned();
    let sms = app
        .post(
            &format!("/api/v1/users/{uid}/factors?activate=true"),
            json!({ "factorType": "sms", "provider": "OKTA", "profile": { "phoneNumber": "+15554151337" } }),
        )
        .await;
    assert_eq!(sms.body["status"], "ACTIVE", "{}", sms.text);
    for _ in 0..2 {
        sign_in(&app, "unlock@example.com", "wrong").await;
    }
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "LOCKED_OUT"
    );

    let r = authn(
        &app,
        "/recovery/unlock",
        json!({ "username": "unlock@example.com", "factorType": "SMS" }),
    )
    .await;
    assert_eq!(r.body["status"], "RECOVERY_CHALLENGE", "{}", r.text);
    assert_eq!(r.body["recoveryType"], "UNLOCK");
    assert_eq!(r.body["factorType"], "SMS");
    assert!(
        r.body.get("_embedded").is_none(),
        "nothing about the user yet"
    );
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let call = receiver.wait_received(1).await.last().unwrap().body.clone();
    assert_eq!(
        call["requestType"],
        "com.okta.user.telephony.password-reset"
    );
    let code = call["data"]["messageProfile"]["otpCode"]
        .as_str()
        .unwrap()
        .to_owned();
    authn(
        &app,
        "/recovery/factors/sms/resend",
        json!({ "stateToken": state }),
    )
    .await
    .assert_error(429, "E0000109");
    authn(
        &app,
        "/recovery/factors/sms/verify",
        json!({ "stateToken": state, "passCode": "000000" }),
    )
    .await
    .assert_error(403, "E0000068");
    let r = authn(
        &app,
        "/recovery/factors/sms/verify",
        json!({ "stateToken": state, "passCode": code }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(r.body["recoveryType"], "UNLOCK");
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
    assert_eq!(
        sign_in(&app, "unlock@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );

    // Unknown users get a state token too, whose code never comes.
    let r = authn(
        &app,
        "/recovery/unlock",
        json!({ "username": "ghost@example.com", "factorType": "SMS" }),
    )
    .await;
    assert_eq!(r.body["status"], "RECOVERY_CHALLENGE");
    assert!(r.body["stateToken"].is_string());
}

#[tokio::test]
async fn activation_tokens_sign_in_once() {
    let app = crate::harness::spawn_app().await;
    let with_password = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("act@example.com"),
                    "credentials": { "password": { "value": PASSWORD } } }),
        )
        .await;
    let uid = with_password["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{uid}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    let token = r.body["activationToken"].as_str().unwrap().to_owned();
    let r = authn(&app, "", json!({ "token": token })).await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
    authn(&app, "", json!({ "token": token }))
        .await
        .assert_error(401, "E0000004");

    // Without a password, the user sets one first.
    let bare = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("bare@example.com") }),
        )
        .await;
    let bid = bare["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{bid}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    let token = r.body["activationToken"].as_str().unwrap().to_owned();
    let r = authn(&app, "", json!({ "token": token })).await;
    assert_eq!(r.body["status"], "PASSWORD_RESET", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let r = authn(
        &app,
        "/credentials/reset_password",
        json!({ "stateToken": state, "newPassword": PASSWORD }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/users/{bid}")).await.body["status"],
        "ACTIVE"
    );
    assert_eq!(
        sign_in(&app, "bare@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn webauthn_enrolls_and_verifies_in_a_transaction() {
    use crypto::soft_authenticator::SoftAuthenticator;
    let app = crate::harness::spawn_app().await;
    require_mfa(&app).await;
    let mut policy = default_policy(&app, "MFA_ENROLL").await;
    let id = policy["id"].as_str().unwrap().to_owned();
    policy["settings"]["factors"]["fido_webauthn"] = json!({ "enroll": { "self": "OPTIONAL" } });
    let r = app.put(&format!("/api/v1/policies/{id}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    active_user(&app, "key@example.com").await;
    let r = sign_in(&app, "key@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_ENROLL", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let r = authn(
        &app,
        "/factors",
        json!({ "stateToken": state, "factorType": "webauthn", "provider": "FIDO" }),
    )
    .await;
    assert_eq!(r.body["status"], "MFA_ENROLL_ACTIVATE", "{}", r.text);
    let factor = r.body["_embedded"]["factor"].clone();
    let fid = factor["id"].as_str().unwrap().to_owned();
    let mut key = SoftAuthenticator::new();
    let att = key
        .register(&factor["_embedded"]["activation"], &app.base, "localhost")
        .unwrap();
    let r = authn(
        &app,
        &format!("/factors/{fid}/lifecycle/activate"),
        json!({ "stateToken": state, "attestation": att.attestation, "clientData": att.client_data }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);

    let r = sign_in(&app, "key@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let verify = format!("/factors/{fid}/verify");
    let r = authn(&app, &verify, json!({ "stateToken": state })).await;
    assert_eq!(r.body["status"], "MFA_CHALLENGE", "{}", r.text);
    let challenge = r.body["_embedded"]["factor"]["_embedded"]["challenge"].clone();
    assert!(challenge["challenge"].is_string(), "{}", r.text);
    let a = key.assert(&challenge, &app.base, "localhost").unwrap();
    let r = authn(
        &app,
        &verify,
        json!({ "stateToken": state, "clientData": a.client_data,
                "authenticatorData": a.authenticator_data, "signatureData": a.signature_data }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert!(r.body["sessionToken"].is_string());
}

#[tokio::test]
async fn password_import_hook_verifies_the_first_sign_in() {
    let receiver = Receiver::start().await;
    let ca = receiver.ca_path.clone();
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), Clock::System).await;
    let hook = app
        .post(
            "/api/v1/inlineHooks",
            json!({ "name": "Import", "type": "com.okta.user.credential.password.import",
                    "version": "1.0.0",
                    "channel": { "type": "HTTP", "version": "1.0.0", "config": {
                        "uri": receiver.url,
                        "authScheme": { "type": "HEADER", "key": "Authorization", "value": "import-secret" } } } }),
        )
        .await;
    assert_eq!(hook.status, StatusCode::OK, "{}", hook.text);
    let u = app
        .create_user(
            "?activate=true",
            json!({ "profile": TestApp::profile("legacy@example.com"),
                    "credentials": { "password": { "hook": { "type": "default" } } } }),
        )
        .await;
    assert_eq!(u["status"], "ACTIVE");
    assert_eq!(u["credentials"]["provider"]["type"], "IMPORT");
    let uid = u["id"].as_str().unwrap().to_owned();

    // The hook says no (its default action, UNVERIFIED): a failed sign-in.
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.action.update",
        "value": { "credential": "UNVERIFIED" } }] }));
    sign_in(&app, "legacy@example.com", "legacy-Pass-1")
        .await
        .assert_error(401, "E0000004");
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.action.update",
        "value": { "credential": "VERIFIED" } }] }));
    let r = sign_in(&app, "legacy@example.com", "legacy-Pass-1").await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    let calls = receiver.received();
    assert_eq!(calls.len(), 2);
    let body = &calls[1].body;
    assert_eq!(
        body["eventType"],
        "com.okta.user.credential.password.import"
    );
    assert_eq!(
        body["data"]["context"]["credential"]["username"],
        "legacy@example.com"
    );
    assert_eq!(
        body["data"]["context"]["credential"]["password"],
        "legacy-Pass-1"
    );
    assert_eq!(body["data"]["action"]["credential"], "UNVERIFIED");
    assert_eq!(calls[1].headers["authorization"], "import-secret");

    // The password is now stored: the hook is not asked again.
    let stored = app.state.store.user_by_id(&uid).await.unwrap().unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(!stored.secrets.password_hook);
    assert_eq!(
        sign_in(&app, "legacy@example.com", "legacy-Pass-1")
            .await
            .body["status"],
        "SUCCESS"
    );
    sign_in(&app, "legacy@example.com", "another")
        .await
        .assert_error(401, "E0000004");
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["credentials"]["provider"]["type"],
        "OKTA"
    );
}

#[tokio::test]
async fn a_sign_on_rule_that_denies_answers_like_a_wrong_password() {
    let app = crate::harness::spawn_app().await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Closed", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } } }),
        )
        .await;
    let id = policy.body["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("/api/v1/policies/{id}/rules"),
            json!({ "type": "SIGN_ON", "name": "Deny", "actions": { "signon": { "access": "DENY" } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    active_user(&app, "denied@example.com").await;
    sign_in(&app, "denied@example.com", PASSWORD)
        .await
        .assert_error(401, "E0000004");
    app.post_empty(&format!("/api/v1/policies/{id}/lifecycle/deactivate"))
        .await;
    assert_eq!(
        sign_in(&app, "denied@example.com", PASSWORD).await.body["status"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn unlock_by_email_and_forgot_password_by_call() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let receiver = Receiver::start().await;
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.telephony.action",
        "value": [{ "status": "SUCCESSFUL" }] }] }));
    let ca = receiver.ca_path.clone();
    let app = spawn_app_with_clock(
        move |c| {
            c.smtp_url = Some(url);
            c.outbound_ca_file = Some(ca);
        },
        Clock::System,
    )
    .await;
    app.post(
        "/api/v1/inlineHooks",
        json!({ "name": "Phone", "type": "com.okta.telephony.provider", "version": "1.0.0",
                "channel": { "type": "HTTP", "version": "1.0.0", "config": { "uri": receiver.url } } }),
    )
    .await;
    allow_phone_recovery(&app).await;
    password_settings(&app, json!({ "lockout": { "maxAttempts": 1 } })).await;
    let uid = active_user(&app, "locked@example.com").await;
    sign_in(&app, "locked@example.com", "wrong").await;
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "LOCKED_OUT"
    );
    let r = authn(
        &app,
        "/recovery/unlock",
        json!({ "username": "locked@example.com", "factorType": "EMAIL" }),
    )
    .await;
    assert_eq!(r.body["recoveryType"], "UNLOCK", "{}", r.text);
    let mail = sink.mail_number("locked@example.com", 1).await.text();
    assert!(mail.contains("unlock your account"), "{mail}");
    let token = mail
        .split("recovery token is ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let r = authn(&app, "/recovery/token", json!({ "recoveryToken": token })).await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let r = authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": "ultramarine" }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    assert_eq!(r.body["recoveryType"], "UNLOCK");
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );

    // Forgot password by voice call: the code through the hook, then question and reset.
    let mut enroll = default_policy(&app, "MFA_ENROLL").await;
    let enroll_id = enroll["id"].as_str().unwrap().to_owned();
    enroll["settings"]["factors"]["okta_call"] = json!({ "enroll": { "self": "OPTIONAL" } });
    let r = app
        .put(&format!("/api/v1/policies/{enroll_id}"), enroll)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let phone = app
        .post(
            &format!("/api/v1/users/{uid}/factors?activate=true"),
            json!({ "factorType": "call", "provider": "OKTA", "profile": { "phoneNumber": "+15554151337" } }),
        )
        .await;
    assert_eq!(phone.body["status"], "ACTIVE", "{}", phone.text);
    let r = authn(
        &app,
        "/recovery/password",
        json!({ "username": "locked@example.com", "factorType": "CALL" }),
    )
    .await;
    assert_eq!(r.body["factorType"], "CALL", "{}", r.text);
    assert_eq!(
        r.body["_links"]["next"]["href"],
        app.url("/api/v1/authn/recovery/factors/call/verify")
    );
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let before = receiver.received().len();
    let call = receiver
        .wait_received(before + 1)
        .await
        .last()
        .unwrap()
        .body
        .clone();
    assert_eq!(call["data"]["messageProfile"]["deliveryChannel"], "VOICE");
    let code = call["data"]["messageProfile"]["otpCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = authn(
        &app,
        "/recovery/factors/call/verify",
        json!({ "stateToken": state, "passCode": code }),
    )
    .await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    let r = authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": "ultramarine" }),
    )
    .await;
    assert_eq!(r.body["status"], "PASSWORD_RESET", "{}", r.text);
    let r = authn(
        &app,
        "/credentials/reset_password",
        json!({ "stateToken": state, "newPassword": "Called-back-9" }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
}

/// Two nodes on one PostgreSQL are one org: failures counted on either lock the user out on
/// both, and a transaction started on one continues on the other.
#[tokio::test]
async fn lockout_and_transactions_span_nodes() {
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let clock = Clock::manual(Timestamp(START));
    let one = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let two = crate::harness::second_node(&one, clock.clone()).await;
    password_settings(
        &one,
        json!({ "lockout": { "maxAttempts": 2, "showLockoutFailures": true } }),
    )
    .await;
    require_mfa(&one).await;
    let uid = active_user(&one, "nodes@example.com").await;
    let (_, secret) = totp_factor(&one, &uid, &clock).await;
    sign_in(&one, "nodes@example.com", "wrong")
        .await
        .assert_error(401, "E0000004");
    sign_in(&two, "nodes@example.com", "wrong")
        .await
        .assert_error(401, "E0000004");
    let r = sign_in(&two, "nodes@example.com", "wrong").await;
    assert_eq!(r.body["status"], "LOCKED_OUT", "{}", r.text);
    assert_eq!(
        sign_in(&one, "nodes@example.com", PASSWORD).await.body["status"],
        "LOCKED_OUT"
    );
    one.post_empty(&format!("/api/v1/users/{uid}/lifecycle/unlock"))
        .await;
    let r = sign_in(&one, "nodes@example.com", PASSWORD).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let fid = r.body["_embedded"]["factors"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = authn(
        &two,
        &format!("/factors/{fid}/verify"),
        json!({ "stateToken": state, "passCode": totp(&secret, &clock, 0) }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
}

/// `factorPromptMode`: DEVICE skips the factor for a remembered `deviceToken` within
/// `factorLifetime`; SESSION skips it for a browser whose session verified one.
#[tokio::test]
async fn factor_prompt_per_device_and_per_session() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Per device", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } } }),
        )
        .await;
    let pid = policy.body["id"].as_str().unwrap().to_owned();
    let rule = |mode: &str| {
        json!({ "type": "SIGN_ON", "name": "Factor", "actions": { "signon": {
            "access": "ALLOW", "requireFactor": true, "factorPromptMode": mode,
            "factorLifetime": 15, "rememberDeviceByDefault": false,
            "session": { "maxSessionIdleMinutes": 120, "maxSessionLifetimeMinutes": 0,
                         "usePersistentCookie": false } } } })
    };
    let r = app
        .post(&format!("/api/v1/policies/{pid}/rules"), rule("DEVICE"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rid = r.body["id"].as_str().unwrap().to_owned();
    let uid = active_user(&app, "device@example.com").await;
    let (fid, secret) = totp_factor(&app, &uid, &clock).await;
    let with_device = json!({ "username": "device@example.com", "password": PASSWORD,
                              "context": { "deviceToken": "26q43Ak9Eh04p7H6Nnx0m69JqYOrfVBY" } });
    let r = authn(&app, "", with_device.clone()).await;
    assert_eq!(r.body["status"], "MFA_REQUIRED", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let r = authn(
        &app,
        &format!("/factors/{fid}/verify?rememberDevice=true"),
        json!({ "stateToken": state, "passCode": totp(&secret, &clock, 0) }),
    )
    .await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    // The remembered device signs in with the password alone, other devices do not.
    clock.advance(60_000);
    assert_eq!(
        authn(&app, "", with_device.clone()).await.body["status"],
        "SUCCESS"
    );
    let other = json!({ "username": "device@example.com", "password": PASSWORD,
                        "context": { "deviceToken": "another-device" } });
    assert_eq!(authn(&app, "", other).await.body["status"], "MFA_REQUIRED");
    clock.advance(15 * 60_000);
    assert_eq!(
        authn(&app, "", with_device).await.body["status"],
        "MFA_REQUIRED",
        "past factorLifetime"
    );

    // SESSION: a browser whose session verified a factor recently skips it.
    let r = app
        .put(
            &format!("/api/v1/policies/{pid}/rules/{rid}"),
            rule("SESSION"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = sign_in(&app, "device@example.com", PASSWORD).await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    clock.advance(30_000);
    let r = authn(
        &app,
        &format!("/factors/{fid}/verify"),
        json!({ "stateToken": state, "passCode": totp(&secret, &clock, 0) }),
    )
    .await;
    let token = r.body["sessionToken"].as_str().unwrap().to_owned();
    let ca = std::fs::read(app.data_dir.path().join("ca.pem")).unwrap();
    let browser = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .resolve("localhost", app.addr)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let redirect = browser
        .get(app.url(&format!(
            "/login/sessionCookieRedirect?token={token}&redirectUrl={}",
            urlencoding::encode(&app.base)
        )))
        .send()
        .await
        .unwrap();
    let cookie = redirect
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sid="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a sid cookie");
    let with_cookie = app
        .client
        .post(app.url("/api/v1/authn"))
        .header("Cookie", cookie)
        .json(&json!({ "username": "device@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(with_cookie["status"], "SUCCESS", "{with_cookie}");
    assert_eq!(
        sign_in(&app, "device@example.com", PASSWORD).await.body["status"],
        "MFA_REQUIRED",
        "without the session's cookie"
    );
}

/// Recovery codes and answers cannot be guessed: five wrong codes void the code until a new
/// one is sent; five wrong answers end the transaction.
#[tokio::test]
async fn recovery_codes_and_answers_allow_five_guesses() {
    let receiver = Receiver::start().await;
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.telephony.action",
        "value": [{ "status": "SUCCESSFUL" }] }] }));
    let ca = receiver.ca_path.clone();
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), clock.clone()).await;
    app.post(
        "/api/v1/inlineHooks",
        json!({ "name": "Phone", "type": "com.okta.telephony.provider", "version": "1.0.0",
                "channel": { "type": "HTTP", "version": "1.0.0", "config": { "uri": receiver.url } } }),
    )
    .await;
    allow_phone_recovery(&app).await;
    let uid = active_user(&app, "guess@example.com").await;
    let sms = app
        .post(
            &format!("/api/v1/users/{uid}/factors?activate=true"),
            json!({ "factorType": "sms", "provider": "OKTA", "profile": { "phoneNumber": "+15554151337" } }),
        )
        .await;
    assert_eq!(sms.body["status"], "ACTIVE", "{}", sms.text);
    let r = authn(
        &app,
        "/recovery/password",
        json!({ "username": "guess@example.com", "factorType": "SMS" }),
    )
    .await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let code = |n: usize| {
        let receiver = &receiver;
        async move {
            receiver.wait_received(n + 1).await[n].body["data"]["messageProfile"]["otpCode"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let first = code(0).await;
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        authn(
            &app,
            "/recovery/factors/sms/verify",
            json!({ "stateToken": state, "passCode": wrong }),
        )
        .await
        .assert_error(403, "E0000068");
    }
    authn(
        &app,
        "/recovery/factors/sms/verify",
        json!({ "stateToken": state, "passCode": first }),
    )
    .await
    .assert_error(403, "E0000068");
    clock.advance(30_000);
    let r = authn(
        &app,
        "/recovery/factors/sms/resend",
        json!({ "stateToken": state }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = authn(
        &app,
        "/recovery/factors/sms/verify",
        json!({ "stateToken": state, "passCode": code(1).await }),
    )
    .await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);
    for _ in 0..5 {
        authn(
            &app,
            "/recovery/answer",
            json!({ "stateToken": state, "answer": "wrong colour" }),
        )
        .await
        .assert_error(403, "E0000087");
    }
    authn(
        &app,
        "/recovery/answer",
        json!({ "stateToken": state, "answer": "ultramarine" }),
    )
    .await
    .assert_error(401, "E0000011");
}
