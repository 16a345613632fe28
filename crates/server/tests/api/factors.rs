//! The Factors API end to end: every supported factor type enrolled, activated and
//! verified through the real server, with codes read from a real SMTP sink and a real
//! HTTPS telephony hook, TOTP codes computed from the returned secret on a controlled clock,
//! and WebAuthn played by a software authenticator.

use crate::harness::{spawn_app_with_clock, TestApp};
use crate::receiver::Receiver;
use crate::smtp_sink::SmtpSink;
use crypto::soft_authenticator::SoftAuthenticator;
use model::time::{Clock, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const START: i64 = 1_900_000_000_000;

async fn user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile(login) }),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

/// Lets every supported factor be enrolled, whatever policy an earlier step of a test set.
async fn allow_all_factors(app: &TestApp) {
    let list = app.get("/api/v1/policies?type=MFA_ENROLL").await;
    let mut policy = list.body[0].clone();
    let id = policy["id"].as_str().unwrap().to_owned();
    let factor = json!({ "enroll": { "self": "OPTIONAL" } });
    policy["settings"] = json!({ "type": "FACTORS", "factors": {
        "okta_question": factor, "okta_otp": factor, "google_otp": factor,
        "okta_sms": factor, "okta_call": factor, "okta_email": factor,
        "fido_webauthn": factor,
    }});
    let r = app.put(&format!("/api/v1/policies/{id}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

fn unix(clock: &Clock) -> u64 {
    u64::try_from(clock.now().millis() / 1000).unwrap()
}

fn totp_at(secret: &str, unix_secs: u64) -> String {
    let seed = crypto::otp::seed_from_base32(secret).unwrap();
    crypto::otp::totp_code(&seed, unix_secs)
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/api/v1/logs?since=2000-01-01T00:00:00.000Z&filter=eventType%20eq%20%22{kind}%22"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

#[tokio::test]
async fn catalog_and_questions_follow_the_enrollment_policy() {
    let app = crate::harness::spawn_app().await;
    let uid = user(&app, "catalog@example.com").await;
    let r = app
        .get(&format!("/api/v1/users/{uid}/factors/catalog"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let pairs: Vec<(String, String)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["factorType"].as_str().unwrap().to_owned(),
                f["provider"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |t: &str, p: &str| (t.to_owned(), p.to_owned());
    // A new org offers every factor type the server supports.
    assert_eq!(
        pairs,
        vec![
            expect("question", "OKTA"),
            expect("token:software:totp", "OKTA"),
            expect("token:software:totp", "GOOGLE"),
            expect("sms", "OKTA"),
            expect("call", "OKTA"),
            expect("email", "OKTA"),
            expect("webauthn", "FIDO"),
        ]
    );
    let question = &r.body[0];
    assert_eq!(
        question["_links"]["enroll"]["href"],
        app.url(&format!("/api/v1/users/{uid}/factors"))
    );
    assert_eq!(
        question["_links"]["enroll"]["hints"]["allow"],
        json!(["POST"])
    );
    assert_eq!(
        question["_links"]["questions"]["href"],
        app.url(&format!("/api/v1/users/{uid}/factors/questions"))
    );

    // A factor the policy does not name is not enabled; one it names NOT_ALLOWED is refused
    // by the policy; a factor type with a provider it does not have is an invalid provider.
    let list = app.get("/api/v1/policies?type=MFA_ENROLL").await;
    let mut policy = list.body[0].clone();
    let pid = policy["id"].as_str().unwrap().to_owned();
    policy["settings"] = json!({ "type": "FACTORS", "factors": {
        "okta_question": { "enroll": { "self": "OPTIONAL" } },
        "okta_sms": { "enroll": { "self": "NOT_ALLOWED" } },
    }});
    let r = app.put(&format!("/api/v1/policies/{pid}"), policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let enroll = |body: Value| {
        let app = &app;
        let uid = uid.clone();
        async move {
            app.post(&format!("/api/v1/users/{uid}/factors"), body)
                .await
        }
    };
    let r = enroll(json!({ "factorType": "token:software:totp", "provider": "GOOGLE" })).await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes(), ["Factor not enabled."]);
    let r = enroll(json!({ "factorType": "sms", "provider": "OKTA",
                           "profile": { "phoneNumber": "+15554151337" } }))
    .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["Factor not allowed for the user based on the Multifactor policy."]
    );
    let r = enroll(json!({ "factorType": "sms", "provider": "GOOGLE" })).await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes(), ["Invalid Provider."]);
    let narrowed = app
        .get(&format!("/api/v1/users/{uid}/factors/catalog"))
        .await;
    assert_eq!(narrowed.body.as_array().unwrap().len(), 1);

    allow_all_factors(&app).await;
    let all = app
        .get(&format!("/api/v1/users/{uid}/factors/catalog"))
        .await;
    assert_eq!(all.body.as_array().unwrap().len(), 7);

    let q = app
        .get(&format!("/api/v1/users/{uid}/factors/questions"))
        .await;
    assert_eq!(q.status, StatusCode::OK);
    let questions = q.body.as_array().unwrap();
    assert_eq!(questions.len(), 20);
    assert_eq!(
        questions[0],
        json!({ "question": "disliked_food", "questionText": "What is the food you least liked as a child?" })
    );
    app.get("/api/v1/users/00unobody0000000000x/factors/questions")
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn question_factor_is_active_at_once_and_checks_answers() {
    let app = crate::harness::spawn_app().await;
    let uid = user(&app, "question@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    let enroll = |question: &str, answer: &str| {
        json!({ "factorType": "question", "provider": "OKTA",
                "profile": { "question": question, "answer": answer } })
    };
    for (body, why) in [
        (enroll("not_a_question", "mayonnaise"), "unknown key"),
        (enroll("disliked_food", "abc"), "too short"),
        (enroll("disliked_food", "the food"), "contains the question"),
        (
            json!({ "factorType": "question", "provider": "OKTA" }),
            "no profile",
        ),
    ] {
        let r = app.post(&path, body).await;
        r.assert_error(400, "E0000001");
        assert!(!r.causes().is_empty(), "{why}: {}", r.text);
    }
    let r = app
        .post(&path, enroll("disliked_food", "  Mayonnaise "))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let f = r.body.clone();
    let fid = f["id"].as_str().unwrap().to_owned();
    assert!(fid.starts_with("ufs") && fid.len() == 20, "{fid}");
    assert_eq!(f["status"], "ACTIVE");
    assert_eq!(f["factorType"], "question");
    assert_eq!(f["vendorName"], "OKTA");
    assert_eq!(
        f["profile"],
        json!({ "question": "disliked_food", "questionText": "What is the food you least liked as a child?" })
    );
    let base = app.url(&format!("/api/v1/users/{uid}/factors/{fid}"));
    assert_eq!(f["_links"]["self"]["href"], base);
    assert_eq!(
        f["_links"]["self"]["hints"]["allow"],
        json!(["GET", "DELETE"])
    );
    assert_eq!(f["_links"]["verify"]["href"], format!("{base}/verify"));
    assert_eq!(f["_links"]["verify"]["hints"]["allow"], json!(["POST"]));
    assert!(f["_links"]["questions"]["href"].is_string());
    assert_eq!(
        f["_links"]["user"]["href"],
        app.url(&format!("/api/v1/users/{uid}"))
    );
    assert!(
        !r.text.to_lowercase().contains("mayonnaise"),
        "the answer never comes back"
    );

    let again = app.post(&path, enroll("favorite_toy", "a red truck")).await;
    again.assert_error(400, "E0000001");
    assert_eq!(again.causes(), ["A factor of this type is already set up."]);

    let verify = format!("{path}/{fid}/verify");
    let wrong = app.post(&verify, json!({ "answer": "ketchup" })).await;
    wrong.assert_error(403, "E0000068");
    assert_eq!(
        wrong.causes(),
        ["Your answer doesn't match our records. Please try again."]
    );
    let right = app.post(&verify, json!({ "answer": "MAYONNAISE  " })).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
    assert_eq!(right.body, json!({ "factorResult": "SUCCESS" }));
    app.post(&verify, json!({}))
        .await
        .assert_error(400, "E0000001");

    let got = app.get(&format!("{path}/{fid}")).await;
    assert_eq!(got.body, f);
    let list = app.get(&path).await;
    assert_eq!(list.body, json!([f]));

    let outcomes: Vec<Value> = events_of(&app, "user.authentication.auth_via_mfa")
        .await
        .iter()
        .map(|e| e["outcome"]["result"].clone())
        .collect();
    assert_eq!(outcomes, [json!("FAILURE"), json!("SUCCESS")]);
    assert_eq!(events_of(&app, "user.mfa.factor.update").await.len(), 1);
}

#[tokio::test]
async fn totp_factor_activates_verifies_once_per_step_and_limits_guesses() {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let uid = user(&app, "totp@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    let r = app
        .post(
            &path,
            json!({ "factorType": "token:software:totp", "provider": "OKTA" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let fid = r.body["id"].as_str().unwrap().to_owned();
    assert!(fid.starts_with("ost"), "{fid}");
    assert_eq!(r.body["status"], "PENDING_ACTIVATION");
    assert_eq!(
        r.body["profile"],
        json!({ "credentialId": "totp@example.com" })
    );
    let activation = &r.body["_embedded"]["activation"];
    assert_eq!(activation["timeStep"], 30);
    assert_eq!(activation["encoding"], "base32");
    assert_eq!(activation["keyLength"], 6);
    let secret = activation["sharedSecret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let base = app.url(&format!("/api/v1/users/{uid}/factors/{fid}"));
    assert_eq!(
        r.body["_links"]["activate"]["href"],
        format!("{base}/lifecycle/activate")
    );
    assert!(r.body["_links"].get("verify").is_none());

    // The QR code is a PNG served without an API token, to the right path only.
    let qr = activation["_links"]["qrcode"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(activation["_links"]["qrcode"]["type"], "image/png");
    let png = app.client.get(&qr).send().await.unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes().await.unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    // The token with its last character changed (to one it is not).
    let last = if qr.ends_with('x') { 'y' } else { 'x' };
    let forged = format!("{}{last}", &qr[..qr.len() - 1]);
    assert_eq!(
        app.client.get(&forged).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The seed is sealed at rest.
    let stored = app
        .state
        .store
        .factor_by_id(&uid, &fid)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.secret_sealed.as_deref().unwrap().contains(&secret));

    let activate = format!("{base}/lifecycle/activate");
    let now = unix(&clock);
    let wrong = totp_at(&secret, now - 300);
    let r = app.post(&activate, json!({ "passCode": wrong })).await;
    r.assert_error(403, "E0000068");
    assert_eq!(
        r.causes(),
        ["Your passcode doesn't match our records. Please try again."]
    );
    let code = totp_at(&secret, now);
    let r = app.post(&activate, json!({ "passCode": code })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "ACTIVE");
    assert!(
        r.body.get("_embedded").is_none(),
        "the secret is not shown again"
    );
    assert_eq!(r.body["_links"]["verify"]["href"], format!("{base}/verify"));
    let got = app.get(&format!("{path}/{fid}")).await;
    assert!(!got.text.contains(&secret));
    assert_eq!(
        app.client.get(&qr).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "no QR code once active"
    );
    app.post(&activate, json!({ "passCode": code }))
        .await
        .assert_error(400, "E0000001");

    let verify = format!("{base}/verify");
    // The code used to activate is spent; the next step's code (clock drift) is fine.
    app.post(&verify, json!({ "passCode": code }))
        .await
        .assert_error(403, "E0000082");
    let next = totp_at(&secret, now + 30);
    let r = app.post(&verify, json!({ "passCode": next })).await;
    assert_eq!(r.body, json!({ "factorResult": "SUCCESS" }), "{}", r.text);
    // Two steps away is outside the window.
    clock.advance(120_000);
    let stale = totp_at(&secret, unix(&clock) - 60);
    app.post(&verify, json!({ "passCode": stale }))
        .await
        .assert_error(403, "E0000068");
    let current = totp_at(&secret, unix(&clock));
    let r = app.post(&verify, json!({ "passCode": current })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Five wrong codes in five minutes, then even a right one is refused until the
    // window passes.
    for _ in 0..5 {
        app.post(&verify, json!({ "passCode": "000000" }))
            .await
            .assert_error(403, "E0000068");
    }
    clock.advance(30_000);
    let fresh = totp_at(&secret, unix(&clock));
    app.post(&verify, json!({ "passCode": fresh }))
        .await
        .assert_error(429, "E0000047");
    clock.advance(5 * 60_000);
    let later = totp_at(&secret, unix(&clock));
    let r = app.post(&verify, json!({ "passCode": later })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Google Authenticator is the same algorithm under another provider and prefix.
    allow_all_factors(&app).await;
    let g = app
        .post(
            &path,
            json!({ "factorType": "token:software:totp", "provider": "GOOGLE" }),
        )
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert!(g.body["id"].as_str().unwrap().starts_with("uft"));
    assert_eq!(g.body["vendorName"], "GOOGLE");
}

#[tokio::test]
async fn concurrent_verifications_of_one_code_succeed_once() {
    let app = crate::harness::spawn_app().await;
    let uid = user(&app, "race@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    let r = app
        .post(
            &format!("{path}?activate=false"),
            json!({ "factorType": "token:software:totp", "provider": "OKTA" }),
        )
        .await;
    let fid = r.body["id"].as_str().unwrap().to_owned();
    let secret = r.body["_embedded"]["activation"]["sharedSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = u64::try_from(chrono_now() / 1000).unwrap();
    let r = app
        .post(
            &format!("{path}/{fid}/lifecycle/activate"),
            json!({ "passCode": totp_at(&secret, now - 30) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let code = totp_at(&secret, now);
    let verify = format!("{path}/{fid}/verify");
    let calls = (0..6).map(|_| app.post(&verify, json!({ "passCode": code })));
    let replies = futures::future::join_all(calls).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        ok,
        1,
        "one success: {:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::CONFLICT,
            "{}",
            r.text
        );
    }
}

fn chrono_now() -> i64 {
    Clock::System.now().millis()
}

#[tokio::test]
async fn email_factor_codes_go_through_smtp() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(move |c| c.smtp_url = Some(url), clock.clone()).await;
    let login = "mail@example.com";
    let uid = user(&app, login).await;
    let path = format!("/api/v1/users/{uid}/factors");
    let other = app
        .post(
            &path,
            json!({ "factorType": "email", "provider": "OKTA", "profile": { "email": "else@example.com" } }),
        )
        .await;
    other.assert_error(400, "E0000001");
    assert_eq!(
        other.body["errorSummary"],
        "Api validation failed: Only verified primary or secondary email can be enrolled."
    );
    app.post(
        &format!("{path}?tokenLifetimeSeconds=0"),
        json!({ "factorType": "email", "provider": "OKTA" }),
    )
    .await
    .assert_error(400, "E0000001");

    let r = app
        .post(
            &path,
            json!({ "factorType": "email", "provider": "OKTA", "profile": { "email": login } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let fid = r.body["id"].as_str().unwrap().to_owned();
    assert!(fid.starts_with("emf"));
    assert_eq!(r.body["status"], "PENDING_ACTIVATION");
    assert_eq!(r.body["profile"], json!({ "email": login }));
    let base = app.url(&format!("/api/v1/users/{uid}/factors/{fid}"));
    assert_eq!(
        r.body["_links"]["resend"],
        json!({ "name": "email", "href": format!("{base}/resend"), "hints": { "allow": ["POST"] } })
    );
    let first = sink.code_number(login, 1).await;
    let mail = &sink.mails_to(login)[0];
    assert!(mail.data.contains("Subject:"), "{}", mail.data);
    assert_eq!(mail.from, "noreply@localhost");

    // A resend within five seconds is refused; after, a new code replaces the first.
    let resend = format!("{base}/resend");
    let body = json!({ "factorType": "email", "provider": "OKTA", "profile": { "email": login } });
    let early = app.post(&resend, body.clone()).await;
    early.assert_error(429, "E0000118");
    // The SDKs retry a 429 at X-Rate-Limit-Reset: the moment another email may go.
    assert_eq!(
        early.header("x-rate-limit-reset"),
        Some(((START + 5_000) / 1000).to_string())
    );
    assert_eq!(early.header("x-rate-limit-remaining").as_deref(), Some("0"));
    clock.advance(5_000);
    let r = app.post(&resend, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "PENDING_ACTIVATION");
    let second = sink.code_number(login, 2).await;
    let activate = format!("{base}/lifecycle/activate");
    if first != second {
        app.post(&activate, json!({ "passCode": first }))
            .await
            .assert_error(403, "E0000068");
    }
    let r = app.post(&activate, json!({ "passCode": second })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "ACTIVE");

    // Verify: no passCode issues a challenge and sends a code, which works once.
    let verify = format!("{base}/verify");
    clock.advance(5_000);
    let r = app.post_empty(&verify).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["factorResult"], "CHALLENGE");
    assert_eq!(r.body["_links"]["verify"]["href"], verify);
    assert_eq!(r.body["_links"]["factor"]["href"], base);
    let third = sink.code_number(login, 3).await;
    let r = app.post(&verify, json!({ "passCode": third })).await;
    assert_eq!(r.body, json!({ "factorResult": "SUCCESS" }), "{}", r.text);
    app.post(&verify, json!({ "passCode": third }))
        .await
        .assert_error(403, "E0000068");

    // A code expires after tokenLifetimeSeconds.
    clock.advance(5_000);
    let r = app
        .post(&format!("{verify}?tokenLifetimeSeconds=60"), json!({}))
        .await;
    assert_eq!(r.body["factorResult"], "CHALLENGE", "{}", r.text);
    let fourth = sink.code_number(login, 4).await;
    clock.advance(61_000);
    app.post(&verify, json!({ "passCode": fourth }))
        .await
        .assert_error(403, "E0000068");
    assert_eq!(
        events_of(&app, "system.email.send_factor_verify_message")
            .await
            .len(),
        4
    );

    // activate=true enrolls without sending anything.
    let quiet = user(&app, "quiet@example.com").await;
    let r = app
        .post(
            &format!("/api/v1/users/{quiet}/factors?activate=true"),
            json!({ "factorType": "email", "provider": "OKTA" }),
        )
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
    assert!(sink.mails_to("quiet@example.com").is_empty());
}

#[tokio::test]
async fn email_factor_without_smtp_keeps_its_codes_in_the_org_mailbox() {
    let app = crate::harness::spawn_app().await;
    let uid = user(&app, "nosmtp@example.com").await;
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors"),
            json!({ "factorType": "email", "provider": "OKTA" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "PENDING_ACTIVATION");
    let fid = r.body["id"].as_str().unwrap().to_owned();
    app.outbox_drained().await;
    let kept = app
        .state
        .store
        .kept_mail(Some("nosmtp@example.com"), 10)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "one message, kept rather than dropped");
    assert!(
        kept[0].subject.contains("verification code"),
        "{}",
        kept[0].subject
    );
    assert!(
        !kept[0].payload.contains("verification code"),
        "the body is sealed at rest"
    );
    let mail = latchkey::outbox::open_kept(&app.state.sealer, &kept[0]).unwrap();
    let code: String = mail
        .text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code")
        .to_owned();
    assert!(mail.html.unwrap().contains(&code));
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors/{fid}/lifecycle/activate"),
            json!({ "passCode": code }),
        )
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
}

fn telephony_hook(uri: &str) -> Value {
    json!({
        "name": "Phone", "type": "com.okta.telephony.provider", "version": "1.0.0",
        "channel": { "type": "HTTP", "version": "1.0.0", "config": {
            "uri": uri,
            "authScheme": { "type": "HEADER", "key": "Authorization", "value": "Bearer phone-secret" }
        }}
    })
}

fn telephony_status(status: &str) -> Value {
    json!({ "commands": [{ "type": "com.okta.telephony.action",
        "value": [{ "status": status, "provider": "TEST", "transactionId": "t1" }] }] })
}

#[tokio::test]
async fn sms_and_call_codes_go_through_the_telephony_hook() {
    let receiver = Receiver::start().await;
    receiver.reply_with(telephony_status("SUCCESSFUL"));
    let ca = receiver.ca_path.clone();
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), clock.clone()).await;
    allow_all_factors(&app).await;
    let uid = user(&app, "phone@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    let sms = json!({ "factorType": "sms", "provider": "OKTA", "profile": { "phoneNumber": "+1-555-415-1337" } });

    // No telephony hook yet.
    app.post(&path, sms.clone())
        .await
        .assert_error(400, "E0000226");
    let hook = app
        .post("/api/v1/inlineHooks", telephony_hook(&receiver.url))
        .await;
    assert_eq!(hook.status, StatusCode::OK, "{}", hook.text);

    for bad in ["555", "+1-555-abc", "00441234567"] {
        app.post(
            &path,
            json!({ "factorType": "sms", "provider": "OKTA", "profile": { "phoneNumber": bad } }),
        )
        .await
        .assert_error(400, "E0000001");
    }
    let r = app.post(&path, sms.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let fid = r.body["id"].as_str().unwrap().to_owned();
    assert!(fid.starts_with("mbl"));
    // Stored and shown in E.164, however it was typed.
    assert_eq!(r.body["profile"], json!({ "phoneNumber": "+15554151337" }));
    assert_eq!(r.body["_links"]["resend"]["name"], "sms");
    let calls = receiver.received();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.headers["authorization"], "Bearer phone-secret");
    assert_eq!(call.body["eventType"], "com.okta.telephony.provider");
    assert_eq!(
        call.body["requestType"],
        "com.okta.user.telephony.pre-enrollment"
    );
    let message = &call.body["data"]["messageProfile"];
    assert_eq!(message["phoneNumber"], "+15554151337");
    assert_eq!(message["deliveryChannel"], "SMS");
    assert_eq!(call.body["data"]["userProfile"]["userId"], uid.as_str());
    let code = message["otpCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(message["msgTemplate"].as_str().unwrap().contains(&code));

    // Changing the number of a pending factor needs updatePhone.
    // Typed as people paste it: no +, a non-breaking hyphen, a direction mark.
    let moved = json!({ "factorType": "sms", "provider": "OKTA",
                        "profile": { "phoneNumber": "1 (415) 599\u{2011}2671\u{200E}" } });
    let r = app.post(&path, moved.clone()).await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes(), ["There is an existing verified phone number."]);
    // Within 30 seconds of the last SMS, sending again is refused.
    app.post(&format!("{path}?updatePhone=true"), moved.clone())
        .await
        .assert_error(429, "E0000109");
    clock.advance(30_000);
    let r = app.post(&format!("{path}?updatePhone=true"), moved).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["id"],
        fid.as_str(),
        "the pending enrollment is updated"
    );
    let code = receiver.received()[1].body["data"]["messageProfile"]["otpCode"]
        .as_str()
        .unwrap()
        .to_owned();

    let base = format!("{path}/{fid}");
    app.post(&format!("{base}/verify"), json!({ "passCode": code }))
        .await
        .assert_error(423, "E0000180");
    let r = app
        .post(
            &format!("{base}/lifecycle/activate"),
            json!({ "passCode": code }),
        )
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);

    // Verify: a challenge, its code, and the resend limit.
    clock.advance(30_000);
    let r = app.post(&format!("{base}/verify"), json!({})).await;
    assert_eq!(r.body["factorResult"], "CHALLENGE", "{}", r.text);
    assert_eq!(r.body["profile"], json!({ "phoneNumber": "+14155992671" }));
    let got = receiver.received();
    let challenge = &got.last().unwrap().body;
    assert_eq!(
        challenge["requestType"],
        "com.okta.user.telephony.mfa-verification"
    );
    let code = challenge["data"]["messageProfile"]["otpCode"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("{base}/verify"), json!({}))
        .await
        .assert_error(429, "E0000109");
    let r = app
        .post(&format!("{base}/verify"), json!({ "passCode": code }))
        .await;
    assert_eq!(r.body, json!({ "factorResult": "SUCCESS" }), "{}", r.text);

    // A call factor reuses the phone on file and speaks the code.
    let r = app
        .post(
            &path,
            json!({ "factorType": "call", "provider": "OKTA", "profile": { "phoneExtension": "1234" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["id"].as_str().unwrap().starts_with("clf"));
    assert_eq!(
        r.body["profile"],
        json!({ "phoneNumber": "+14155992671", "phoneExtension": "1234" })
    );
    let voice = receiver.received().last().unwrap().body.clone();
    assert_eq!(voice["data"]["messageProfile"]["deliveryChannel"], "VOICE");

    // A hook that cannot deliver fails the enrollment and stores nothing.
    receiver.reply_with(telephony_status("FAILED"));
    let other = user(&app, "phone2@example.com").await;
    app.post(&format!("/api/v1/users/{other}/factors"), sms)
        .await
        .assert_error(400, "E0000074");
    let list = app.get(&format!("/api/v1/users/{other}/factors")).await;
    assert_eq!(list.body, json!([]));
}

#[tokio::test]
async fn webauthn_registers_and_asserts_with_a_software_authenticator() {
    let app = crate::harness::spawn_app().await;
    allow_all_factors(&app).await;
    let uid = user(&app, "webauthn@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    let r = app
        .post(
            &path,
            json!({ "factorType": "webauthn", "provider": "FIDO" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let fid = r.body["id"].as_str().unwrap().to_owned();
    assert!(fid.starts_with("fwf"));
    assert_eq!(r.body["status"], "PENDING_ACTIVATION");
    let activation = r.body["_embedded"]["activation"].clone();
    assert_eq!(activation["user"]["id"], uid.as_str());
    assert_eq!(activation["user"]["name"], "webauthn@example.com");
    assert_eq!(activation["user"]["displayName"], "Isaac Brock");
    assert_eq!(
        activation["pubKeyCredParams"],
        json!([{ "type": "public-key", "alg": -7 }, { "type": "public-key", "alg": -257 }])
    );
    assert!(activation["challenge"].as_str().unwrap().len() >= 16);

    let origin = app.base.clone();
    let mut key = SoftAuthenticator::new();
    let att = key.register(&activation, &origin, "localhost").unwrap();
    let activate = format!("{path}/{fid}/lifecycle/activate");
    // A response made for another origin is refused.
    let mut stranger = SoftAuthenticator::new();
    let bad = stranger
        .register(&activation, "https://evil.example", "localhost")
        .unwrap();
    app.post(
        &activate,
        json!({ "attestation": bad.attestation, "clientData": bad.client_data }),
    )
    .await
    .assert_error(403, "E0000068");
    let r = app
        .post(
            &activate,
            json!({ "attestation": att.attestation, "clientData": att.client_data }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "ACTIVE");
    assert_eq!(
        r.body["profile"]["credentialId"],
        key.credential_id_b64url()
    );
    assert!(r.body.get("_embedded").is_none());

    let verify = format!("{path}/{fid}/verify");
    let r = app.post_empty(&verify).await;
    assert_eq!(r.body["factorResult"], "CHALLENGE", "{}", r.text);
    assert_eq!(
        r.body["profile"]["credentialId"],
        key.credential_id_b64url()
    );
    let challenge = r.body["_embedded"]["challenge"].clone();
    assert!(challenge["challenge"].is_string());
    let assertion = key.assert(&challenge, &origin, "localhost").unwrap();
    let proof = json!({
        "clientData": assertion.client_data,
        "authenticatorData": assertion.authenticator_data,
        "signatureData": assertion.signature_data,
    });
    let r = app.post(&verify, proof.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["factorResult"], "SUCCESS");
    assert_eq!(
        r.body["profile"]["credentialId"],
        key.credential_id_b64url()
    );
    // The challenge is used up: the same assertion again is refused.
    app.post(&verify, proof).await.assert_error(403, "E0000068");

    // A tampered signature fails against a fresh challenge.
    let r = app.post_empty(&verify).await;
    let mut assertion = key
        .assert(&r.body["_embedded"]["challenge"], &origin, "localhost")
        .unwrap();
    assertion.signature_data = base64_flip(&assertion.signature_data);
    app.post(
        &verify,
        json!({
            "clientData": assertion.client_data,
            "authenticatorData": assertion.authenticator_data,
            "signatureData": assertion.signature_data,
        }),
    )
    .await
    .assert_error(403, "E0000068");

    // A second authenticator may be registered beside the first.
    let r = app
        .post(
            &path,
            json!({ "factorType": "webauthn", "provider": "FIDO" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_ne!(r.body["id"], fid.as_str());
    let excluded = &r.body["_embedded"]["activation"]["excludeCredentials"];
    assert_eq!(excluded[0]["id"], key.credential_id_b64url());
}

/// The same base64 with one bit of the last decoded byte flipped.
fn base64_flip(text: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(text).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    engine.encode(bytes)
}

#[tokio::test]
async fn unsupported_types_reset_and_lifecycle_errors() {
    let app = crate::harness::spawn_app().await;
    let uid = user(&app, "reset@example.com").await;
    let path = format!("/api/v1/users/{uid}/factors");
    for (body, why) in [
        (json!({ "factorType": "push", "provider": "OKTA" }), "push"),
        (json!({ "factorType": "u2f", "provider": "FIDO" }), "u2f"),
        (
            json!({ "factorType": "token:hardware", "provider": "YUBICO" }),
            "yubico",
        ),
        (
            json!({ "factorType": "sms", "provider": "GOOGLE" }),
            "unknown pair",
        ),
        (json!({ "provider": "OKTA" }), "no type"),
    ] {
        let r = app.post(&path, body).await;
        r.assert_error(400, "E0000001");
        assert!(!r.causes().is_empty(), "{why}");
    }
    app.post(&path, json!("not an object"))
        .await
        .assert_error(400, "E0000001");

    let q = app
        .post(
            &path,
            json!({ "factorType": "question", "provider": "OKTA",
                    "profile": { "question": "first_award", "answer": "spelling bee" } }),
        )
        .await;
    let qid = q.body["id"].as_str().unwrap().to_owned();
    let t = app
        .post(
            &path,
            json!({ "factorType": "token:software:totp", "provider": "OKTA" }),
        )
        .await;
    let tid = t.body["id"].as_str().unwrap().to_owned();
    app.get(&format!("{path}/{tid}/transactions/v2mst.abc"))
        .await
        .assert_error(404, "E0000007");
    app.post(
        &format!("{path}/{tid}/verify"),
        json!({ "passCode": "123456" }),
    )
    .await
    .assert_error(423, "E0000180");
    app.post(&format!("{path}/{qid}/resend"), json!({}))
        .await
        .assert_error(400, "E0000001");

    let gone = app.delete(&format!("{path}/{qid}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert!(gone.text.is_empty());
    app.delete(&format!("{path}/{qid}"))
        .await
        .assert_error(404, "E0000007");
    app.get(&format!("{path}/{qid}"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        app.get(&path).await.body.as_array().unwrap().len(),
        1,
        "one factor left"
    );
    // Another user's factor is not found under this user.
    let other = user(&app, "other-reset@example.com").await;
    app.get(&format!("/api/v1/users/{other}/factors/{tid}"))
        .await
        .assert_error(404, "E0000007");

    // reset_factors clears every factor (only for statuses that allow it).
    app.post_empty(&format!(
        "/api/v1/users/{uid}/lifecycle/activate?sendEmail=false"
    ))
    .await;
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/reset_factors"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.get(&path).await.body, json!([]));
    assert_eq!(events_of(&app, "user.mfa.factor.reset_all").await.len(), 1);
    assert_eq!(events_of(&app, "user.mfa.factor.deactivate").await.len(), 1);
    app.get("/api/v1/users/00unobody0000000000x/factors")
        .await
        .assert_error(404, "E0000007");
    // No management route without a token.
    let anon = app.call_as(reqwest::Method::GET, &path, None, None).await;
    anon.assert_error(401, "E0000011");
}
