//! Test orgs: org files applied and exported, the reset point, the clock every expiry follows,
//! the outbox and the System Log, through the control endpoints of a test-mode server.

use crate::harness::*;
use latchkey::seed::{self, Client};
use model::time::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ORG_FILE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/test-org/org.yaml"
));
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async fn test_org() -> TestApp {
    spawn_app_with_clock(|c| c.test_mode = true, Clock::shifted()).await
}

fn client(app: &TestApp) -> Client {
    Client::new(
        &app.base,
        &app.token,
        Some(&app.data_dir.path().join("ca.pem")),
        Some(app.addr),
    )
    .unwrap()
}

async fn seeded(text: &str) -> TestApp {
    let app = test_org().await;
    let parsed = seed::parse(text).unwrap();
    seed::apply(&client(&app), &parsed).await.unwrap();
    let r = app.post_empty("/_latchkey/snapshot").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app
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

async fn advance(app: &TestApp, by: &str) -> Value {
    let r = app.post("/_latchkey/clock", json!({ "advance": by })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Any 20-character run of letters and digits: an object id.
fn without_ids(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let mixed = run.bytes().any(|b| b.is_ascii_digit()) && run.len() == 20;
        out.push_str(if mixed { "<id>" } else { run.as_str() });
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// An API answer without what differs between two orgs holding the same objects: ids,
/// times, links, keys and the org's address.
fn normalized(value: &Value, base: &str) -> Value {
    const DROP: &[&str] = &[
        "id",
        "created",
        "lastUpdated",
        "lastLogin",
        "activated",
        "statusChanged",
        "passwordChanged",
        "lastMembershipUpdated",
        "_links",
        "_embedded",
        "kid",
        "issuer",
        "lastRotated",
        "nextRotation",
        "client_secret",
    ];
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !DROP.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), normalized(v, base)))
                .collect(),
        ),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(|v| normalized(v, base)).collect();
            items.sort_by_key(Value::to_string);
            Value::Array(items)
        }
        Value::String(s) => Value::String(without_ids(&s.replace(base, "<org>"))),
        other => other.clone(),
    }
}

/// Where two JSON values first differ, as a path with both sides.
fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| {
            difference(
                x.get(k).unwrap_or(&Value::Null),
                y.get(k).unwrap_or(&Value::Null),
                &format!("{at}.{k}"),
            )
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| difference(p, q, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

/// What both orgs answer, compared.
const COMPARED: &[&str] = &[
    "/api/v1/users",
    "/api/v1/groups",
    "/api/v1/groups/rules",
    "/api/v1/apps",
    "/api/v1/authorizationServers",
    "/api/v1/policies?type=PASSWORD",
    "/api/v1/policies?type=OKTA_SIGN_ON",
    "/api/v1/zones",
    "/api/v1/trustedOrigins",
    "/api/v1/eventHooks",
    "/api/v1/inlineHooks",
];

#[tokio::test]
async fn seed_applies_once_and_exports_to_an_identical_org() {
    let a = seeded(ORG_FILE).await;
    // A second application changes nothing.
    let again = seed::apply(&client(&a), &seed::parse(ORG_FILE).unwrap())
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 0), "{again}");
    assert!(again.unchanged >= 22, "{again}");

    // What the file declares is there, as the API shows it.
    let alice = a.get("/api/v1/users/alice@example.com").await;
    assert_eq!(alice.body["status"], "ACTIVE");
    assert_eq!(alice.body["profile"]["department"], "Engineering");
    let uid = alice.body["id"].as_str().unwrap().to_owned();
    let groups = a.get(&format!("/api/v1/users/{uid}/groups")).await.body;
    assert!(groups
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["profile"]["name"] == "Engineering"));
    assert_eq!(
        a.get("/api/v1/users/carol@example.com").await.body["status"],
        "STAGED"
    );
    assert_eq!(
        a.get("/api/v1/users/dave@example.com").await.body["status"],
        "SUSPENDED"
    );
    let apps = a.get("/api/v1/apps?q=Web").await.body;
    assert_eq!(
        apps[0]["credentials"]["oauthClient"]["client_id"],
        "web-app-client"
    );
    assert_eq!(
        sign_in(&a, "bob@example.com", "CanWeFixIt-2026!")
            .await
            .body["status"],
        "SUCCESS"
    );

    // Export, and apply the export to a fresh org.
    let exported = seed::export(&client(&a), Some("Exported-Passw0rd!"))
        .await
        .unwrap();
    let yaml = latchkey::cli::org::to_yaml(&serde_json::to_value(&exported).unwrap());
    let b = test_org().await;
    let parsed = seed::parse(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    seed::apply(&client(&b), &parsed)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    for path in COMPARED {
        let left = normalized(&a.get(path).await.body, &a.base);
        let right = normalized(&b.get(path).await.body, &b.base);
        if let Some(diff) = difference(&left, &right, "") {
            panic!("{path} differs after export and seed at {diff}");
        }
    }
    // The export of the copy is the export of the original.
    let again = seed::export(&client(&b), Some("Exported-Passw0rd!"))
        .await
        .unwrap();
    assert_eq!(
        normalized(&serde_json::to_value(&again).unwrap(), &b.base),
        normalized(&serde_json::to_value(&exported).unwrap(), &a.base)
    );
}

#[tokio::test]
async fn file_errors_name_their_line() {
    let err = seed::parse("users:\n  - login: a@example.com\n    grups: [x]\n")
        .err()
        .unwrap();
    assert_eq!(err.line, Some(3), "{err}");
    let app = test_org().await;
    let text = "groups:\n  - name: Ops\nusers:\n  - login: a@example.com\n    profile: { firstName: A, lastName: B }\n    password: Passw0rd-Passw0rd\n    groups:\n      - Ops\n      - Nowhere\n";
    let err = seed::apply(&client(&app), &seed::parse(text).unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(err.line, Some(9), "{err}");
    assert!(err.message.contains("Nowhere"), "{err}");
    // What the API refuses comes back with the line of the object.
    let text = "apps:\n  - label: Bad\n    applicationType: web\n    grantTypes: [password_typo]\n";
    let err = seed::apply(&client(&app), &seed::parse(text).unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.message.contains("E0000001"), "{err}");
    let dup = "groups:\n  - name: Ops\n  - name: ops\n";
    let err = seed::apply(&client(&app), &seed::parse(dup).unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(err.line, Some(3), "{err}");
}

#[tokio::test]
async fn controls_need_test_mode_and_a_super_admin() {
    let plain = spawn_app().await;
    plain
        .post_empty("/_latchkey/reset")
        .await
        .assert_error(404, "E0000007");
    let app = seeded(ORG_FILE).await;
    let r = app
        .call_as(Method::POST, "/_latchkey/reset", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    // The service app holds READ_ONLY_ADMIN: its owner's token is no super admin's.
    let reader = app.active_user("reader@example.com").await;
    let r = app
        .post(
            &format!("/api/v1/users/{reader}/roles"),
            json!({ "type": "READ_ONLY_ADMIN" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = app.token_as("reader@example.com").await;
    for (method, path) in [
        (Method::POST, "/_latchkey/reset"),
        (Method::GET, "/_latchkey/clock"),
        (Method::GET, "/_latchkey/outbox"),
        (Method::DELETE, "/_latchkey/logs"),
    ] {
        app.call_as(method, path, None, Some(&token))
            .await
            .assert_error(403, "E0000006");
    }
}

#[tokio::test]
async fn reset_returns_to_the_seed() {
    let app = seeded(ORG_FILE).await;
    let made = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("new@example.com") }),
        )
        .await;
    let bob = app.get("/api/v1/users/bob@example.com").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_empty(&format!("/api/v1/users/{bob}/lifecycle/deactivate"))
        .await;
    app.delete(&format!("/api/v1/users/{bob}")).await;
    app.get(&format!("/api/v1/users/{bob}"))
        .await
        .assert_error(404, "E0000007");
    advance(&app, "3d").await;

    let r = app.post_empty("/_latchkey/reset").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["tookMs"].as_f64().is_some());
    app.get(&format!("/api/v1/users/{}", made["id"].as_str().unwrap()))
        .await
        .assert_error(404, "E0000007");
    let back = app.get(&format!("/api/v1/users/{bob}")).await;
    assert_eq!(back.body["status"], "ACTIVE", "{}", back.text);
    assert_eq!(
        sign_in(&app, "bob@example.com", "CanWeFixIt-2026!")
            .await
            .body["status"],
        "SUCCESS"
    );
    // The login of the user made after the snapshot is free again.
    let again = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("new@example.com") }),
        )
        .await;
    assert_eq!(again["status"], "STAGED");
    let clock = app.get("/_latchkey/clock").await.body;
    assert_eq!(clock["offsetMs"], 0, "reset puts the clock back");
}

#[tokio::test]
async fn reset_of_a_thousand_users_is_a_restore() {
    let mut text = String::from("groups:\n  - name: Many\nusers:\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "  - login: user{i}@example.com\n    status: STAGED\n    profile: {{ firstName: U{i}, lastName: Many }}\n    groups: [Many]\n"
        ));
    }
    let app = seeded(&text).await;
    let gid = app.get("/api/v1/groups?q=Many").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/api/v1/groups/{gid}")).await;
    let r = app.post_empty("/_latchkey/reset").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    eprintln!(
        "reset of a 1,000-user org ({}): {:.1} ms",
        app.state.store.backend(),
        r.body["tookMs"].as_f64().unwrap()
    );
    let members = app
        .get(&format!("/api/v1/groups/{gid}/users?limit=200"))
        .await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.text);
    assert_eq!(members.body.as_array().unwrap().len(), 200);
    assert!(members.next_link().is_some());
    let r = app
        .get("/api/v1/users?search=profile.lastName%20eq%20%22Many%22&limit=1")
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_clock_moves_every_expiry() {
    let app = seeded(ORG_FILE).await;

    // Sessions.
    let r = sign_in(&app, "alice@example.com", "Wonderland-2026!").await;
    assert_eq!(r.body["status"], "SUCCESS", "{}", r.text);
    let s = app
        .post(
            "/api/v1/sessions",
            json!({ "sessionToken": r.body["sessionToken"] }),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let sid = s.body["id"].as_str().unwrap().to_owned();

    // OAuth access tokens: the service app's, for the Management API.
    let token = app
        .client
        .post(app.url("/oauth2/v1/token"))
        .basic_auth("machine-client", Some("machine-secret-0123456789-abcdef"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "okta.users.read"),
        ])
        .send()
        .await
        .unwrap();
    let token: Value = token.json().await.unwrap();
    let access = token["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{token}"))
        .to_owned();
    let bearer = format!("Bearer {access}");
    let with_bearer = || {
        app.client
            .get(app.url("/api/v1/users?limit=1"))
            .header("Authorization", &bearer)
            .send()
    };
    assert_eq!(with_bearer().await.unwrap().status(), StatusCode::OK);

    // TOTP: codes follow the org's time, not the wall clock.
    let alice = app.get("/api/v1/users/alice@example.com").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let factors = app
        .get(&format!("/api/v1/users/{alice}/factors"))
        .await
        .body;
    let totp = factors
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factorType"] == "token:software:totp")
        .unwrap_or_else(|| panic!("{factors}"));
    assert_eq!(totp["status"], "ACTIVE");
    let fid = totp["id"].as_str().unwrap().to_owned();
    let seed = crypto::otp::seed_from_base32(TOTP_SECRET).unwrap();

    // Lockout: three failures lock bob (the Support policy).
    for _ in 0..3 {
        sign_in(&app, "bob@example.com", "wrong")
            .await
            .assert_error(401, "E0000004");
    }
    let r = sign_in(&app, "bob@example.com", "CanWeFixIt-2026!").await;
    assert_eq!(r.body["status"], "LOCKED_OUT", "{}", r.text);

    // An hour and a minute on: the session (idle) and the token are gone.
    let moved = advance(&app, "PT1H1M").await;
    assert_eq!(moved["offsetMs"], 3_660_000);
    let now = model::time::Timestamp::parse_iso(moved["now"].as_str().unwrap()).unwrap();
    assert_eq!(
        with_bearer().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let wall = u64::try_from(Clock::System.now().millis() / 1000).unwrap();
    let stale = crypto::otp::totp_code(&seed, wall);
    let r = app
        .post(
            &format!("/api/v1/users/{alice}/factors/{fid}/verify"),
            json!({ "passCode": stale }),
        )
        .await;
    r.assert_error(403, "E0000068");
    let code = crypto::otp::totp_code(&seed, u64::try_from(now.millis() / 1000).unwrap());
    let r = app
        .post(
            &format!("/api/v1/users/{alice}/factors/{fid}/verify"),
            json!({ "passCode": code }),
        )
        .await;
    assert_eq!(r.body["factorResult"], "SUCCESS", "{}", r.text);
    // Lockout unlocked itself after ten minutes.
    assert_eq!(
        sign_in(&app, "bob@example.com", "CanWeFixIt-2026!")
            .await
            .body["status"],
        "SUCCESS"
    );
    advance(&app, "1d").await;
    app.get(&format!("/api/v1/sessions/{sid}"))
        .await
        .assert_error(404, "E0000007");

    // Password age: 30 days for Support.
    advance(&app, "30d").await;
    assert_eq!(
        sign_in(&app, "bob@example.com", "CanWeFixIt-2026!")
            .await
            .body["status"],
        "PASSWORD_EXPIRED"
    );
    // The admin token outlives the jump (API tokens idle on real time).
    assert_eq!(app.get("/_latchkey/clock").await.status, StatusCode::OK);
    // Setting the clock back, and to real time.
    let r = app
        .post("/_latchkey/clock", json!({ "set": "2030-01-01T00:00:00Z" }))
        .await;
    assert!(r.body["now"]
        .as_str()
        .unwrap()
        .starts_with("2030-01-01T00:00"));
    let r = app.delete("/_latchkey/clock").await;
    assert_eq!(r.body["offsetMs"], 0);
    app.post("/_latchkey/clock", json!({ "advance": "soon" }))
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn recovery_transactions_and_codes_through_the_outbox() {
    let app = seeded(ORG_FILE).await;
    let start = || {
        app.call_as(
            Method::POST,
            "/api/v1/authn/recovery/password",
            Some(json!({ "username": "bob@example.com", "factorType": "SMS" })),
            None,
        )
    };
    let r = start().await;
    assert_eq!(r.body["status"], "RECOVERY_CHALLENGE", "{}", r.text);
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let sent = app.get("/_latchkey/outbox?to=%2B15555550123").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let code = sent.body[0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", sent.text))
        .to_owned();
    assert!(sent.body[0]["text"].as_str().unwrap().contains(&code));
    let verify = |state: String, code: String| {
        app.call_as(
            Method::POST,
            "/api/v1/authn/recovery/factors/sms/verify",
            Some(json!({ "stateToken": state, "passCode": code })),
            None,
        )
    };
    let r = verify(state, code).await;
    assert_eq!(r.body["status"], "RECOVERY", "{}", r.text);

    // A transaction left an hour expires with its code.
    let r = start().await;
    let state = r.body["stateToken"].as_str().unwrap().to_owned();
    let code = app.get("/_latchkey/outbox?to=%2B15555550123").await.body[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    advance(&app, "1h").await;
    let r = verify(state, code).await;
    assert!(r.status.is_client_error(), "{}", r.text);

    // Emails are there too; the outbox empties on demand.
    let r = app
        .call_as(
            Method::POST,
            "/api/v1/authn/recovery/password",
            Some(json!({ "username": "alice@example.com", "factorType": "EMAIL" })),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mail = app.get("/_latchkey/outbox?to=alice@example.com").await.body;
    assert_eq!(mail.as_array().unwrap().len(), 1, "{mail}");
    assert!(mail[0]["subject"].as_str().is_some());
    let cleared = app.delete("/_latchkey/outbox").await;
    assert!(
        cleared.body["deleted"].as_u64().unwrap() >= 3,
        "{}",
        cleared.text
    );
    assert_eq!(app.get("/_latchkey/outbox").await.body, json!([]));
}

#[tokio::test]
async fn the_system_log_reads_and_clears() {
    let app = seeded(ORG_FILE).await;
    let created = app
        .get("/_latchkey/logs?eventType=user.lifecycle.create")
        .await
        .body;
    let logins: Vec<&str> = created
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["target"][0]["alternateId"].as_str())
        .collect();
    assert!(logins.contains(&"alice@example.com"), "{created}");
    let r = app.delete("/_latchkey/logs").await;
    assert!(r.body["deleted"].as_u64().unwrap() > 10, "{}", r.text);
    assert_eq!(app.get("/_latchkey/logs").await.body, json!([]));
    assert_eq!(app.get("/api/v1/logs").await.body, json!([]));
}
