//! The Authenticators API over HTTP: the org's authenticators, their settings and lifecycle,
//! their methods, and what an INACTIVE authenticator does to the factor catalog and
//! enrollment.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn by_key(app: &TestApp, key: &str) -> Value {
    let r = app.get("/api/v1/authenticators").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {}", r.text))
        .clone()
}

#[tokio::test]
async fn a_new_org_lists_one_active_authenticator_per_supported_kind() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/authenticators").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let all = r.body.as_array().unwrap();
    let pairs: Vec<(&str, &str)> = all
        .iter()
        .map(|a| (a["key"].as_str().unwrap(), a["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("okta_email", "email"),
            ("okta_password", "password"),
            ("phone_number", "phone"),
            ("security_question", "security_question"),
            ("google_otp", "app"),
            ("okta_verify", "app"),
            ("webauthn", "security_key"),
        ]
    );
    for a in all {
        assert_eq!(a["status"], "ACTIVE", "{a}");
        assert!(a["id"].as_str().unwrap().starts_with("aut"));
        assert!(a["created"].as_str().unwrap().ends_with('Z'));
        let id = a["id"].as_str().unwrap();
        assert_eq!(
            a["_links"]["self"],
            json!({ "href": app.url(&format!("/api/v1/authenticators/{id}")),
                    "hints": { "allow": ["GET", "PUT"] } })
        );
        // One more read by id gives the same object.
        assert_eq!(
            &app.get(&format!("/api/v1/authenticators/{id}")).await.body,
            a
        );
    }
    let email = by_key(&app, "okta_email").await;
    assert_eq!(
        email["settings"],
        json!({ "allowedFor": "any", "tokenLifetimeInMinutes": 5 })
    );
    // The password authenticator cannot be turned off: no deactivate link, and a 400.
    let password = by_key(&app, "okta_password").await;
    assert!(password["_links"]["deactivate"].is_null());
    assert!(password.get("settings").is_none());
    let pid = password["id"].as_str().unwrap();
    app.post_empty(&format!(
        "/api/v1/authenticators/{pid}/lifecycle/deactivate"
    ))
    .await
    .assert_error(400, "E0000001");
    app.get("/api/v1/authenticators/autNoSuchAuthentic0")
        .await
        .assert_error(404, "E0000007");
    app.post(
        "/api/v1/authenticators",
        json!({ "key": "custom_app", "name": "x" }),
    )
    .await
    .assert_error(400, "E0000001");
}

#[tokio::test]
async fn an_inactive_authenticator_turns_its_factors_off() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("auth@example.com") }),
        )
        .await;
    let uid = u["id"].as_str().unwrap();
    let catalog = || async {
        let r = app
            .get(&format!("/api/v1/users/{uid}/factors/catalog"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["factorType"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(catalog().await.contains(&"sms".to_owned()));

    let phone = by_key(&app, "phone_number").await;
    let id = phone["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/authenticators/{id}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "INACTIVE");
    assert!(r.body["_links"]["deactivate"].is_null());
    assert_eq!(
        r.body["_links"]["activate"]["href"],
        app.url(&format!("/api/v1/authenticators/{id}/lifecycle/activate"))
    );
    let offered = catalog().await;
    assert!(!offered.contains(&"sms".to_owned()), "{offered:?}");
    assert!(!offered.contains(&"call".to_owned()), "{offered:?}");
    assert!(offered.contains(&"email".to_owned()), "{offered:?}");
    let r = app
        .post(
            &format!("/api/v1/users/{uid}/factors"),
            json!({ "factorType": "sms", "provider": "OKTA",
                    "profile": { "phoneNumber": "+15554151337" } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes(), ["Factor not enabled."]);
    // The methods follow the authenticator.
    let methods = app
        .get(&format!("/api/v1/authenticators/{id}/methods"))
        .await;
    assert_eq!(
        methods
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["type"].as_str().unwrap(), m["status"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [("sms", "INACTIVE"), ("voice", "INACTIVE")]
    );

    let r = app
        .post_empty(&format!("/api/v1/authenticators/{id}/lifecycle/activate"))
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
    assert!(catalog().await.contains(&"sms".to_owned()));
    let sms = app
        .get(&format!("/api/v1/authenticators/{id}/methods/sms"))
        .await;
    assert_eq!(sms.body["status"], "ACTIVE", "{}", sms.text);
    app.get(&format!(
        "/api/v1/authenticators/{id}/methods/carrier_pigeon"
    ))
    .await
    .assert_error(404, "E0000007");

    let logged = app
        .get_until(
            "/api/v1/logs?filter=eventType%20eq%20%22security.authenticator.lifecycle.deactivate%22",
            |r| r.body.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    assert_eq!(logged.body[0]["target"][0]["id"], id);
}

#[tokio::test]
async fn replace_changes_the_name_and_settings_only() {
    let app = spawn_app().await;
    let email = by_key(&app, "okta_email").await;
    let id = email["id"].as_str().unwrap();
    let path = format!("/api/v1/authenticators/{id}");
    let mut body = email.clone();
    body["name"] = json!("Work email");
    body["settings"]["tokenLifetimeInMinutes"] = json!(10);
    let r = app.put(&path, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"], "Work email");
    assert_eq!(
        r.body["settings"],
        json!({ "allowedFor": "any", "tokenLifetimeInMinutes": 10 })
    );
    assert_eq!(app.get(&path).await.body, r.body);

    let mut bad = body.clone();
    bad["settings"]["tokenLifetimeInMinutes"] = json!(0);
    app.put(&path, bad).await.assert_error(400, "E0000001");
    let mut bad = body.clone();
    bad["settings"]["carrier"] = json!("pigeon");
    app.put(&path, bad).await.assert_error(400, "E0000001");
    let mut bad = body;
    bad["key"] = json!("phone_number");
    app.put(&path, bad).await.assert_error(400, "E0000001");
    assert_eq!(app.get(&path).await.body["name"], "Work email");
}

/// A method of an authenticator turned off takes its factor out of enrollment while the
/// authenticator's other methods stay; the last method on cannot be turned off, and a method
/// the server does not have cannot be turned on.
#[tokio::test]
async fn methods_turn_their_own_factor_on_and_off() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("methods@example.com") }),
        )
        .await;
    let uid = u["id"].as_str().unwrap();
    let offered = || async {
        app.get(&format!("/api/v1/users/{uid}/factors/catalog"))
            .await
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["factorType"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let phone = by_key(&app, "phone_number").await;
    let id = phone["id"].as_str().unwrap();
    let voice = format!("/api/v1/authenticators/{id}/methods/voice");
    let r = app
        .post_empty(&format!("{voice}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "INACTIVE");
    assert_eq!(
        r.body["_links"]["activate"]["href"],
        app.url(&format!("{voice}/lifecycle/activate"))
    );
    let now = offered().await;
    assert!(now.contains(&"sms".to_owned()), "{now:?}");
    assert!(!now.contains(&"call".to_owned()), "{now:?}");
    // sms is now the only method on: it stays on.
    app.post_empty(&format!(
        "/api/v1/authenticators/{id}/methods/sms/lifecycle/deactivate"
    ))
    .await
    .assert_error(400, "E0000001");
    let r = app.post_empty(&format!("{voice}/lifecycle/activate")).await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
    assert!(offered().await.contains(&"call".to_owned()));
    assert_eq!(app.get(&voice).await.body, r.body);

    // A replace of the method turns it off and on the same way; what it cannot hold is
    // refused.
    let r = app
        .put(&voice, json!({ "type": "voice", "status": "INACTIVE" }))
        .await;
    assert_eq!(r.body["status"], "INACTIVE", "{}", r.text);
    assert!(!offered().await.contains(&"call".to_owned()));
    let r = app
        .put(
            &voice,
            json!({ "type": "voice", "status": "ACTIVE", "settings": {} }),
        )
        .await;
    assert_eq!(r.body["status"], "ACTIVE", "{}", r.text);
    assert!(offered().await.contains(&"call".to_owned()));
    for bad in [
        json!({ "type": "sms", "status": "ACTIVE" }),
        json!({ "type": "voice", "status": "ON" }),
        json!({ "type": "voice", "settings": { "algorithms": ["RS256"] } }),
    ] {
        app.put(&voice, bad).await.assert_error(400, "E0000001");
    }
    app.put(
        &format!("/api/v1/authenticators/{id}/methods/carrier_pigeon"),
        json!({ "type": "carrier_pigeon" }),
    )
    .await
    .assert_error(404, "E0000007");

    let verify = by_key(&app, "okta_verify").await;
    let vid = verify["id"].as_str().unwrap();
    app.post_empty(&format!(
        "/api/v1/authenticators/{vid}/methods/push/lifecycle/activate"
    ))
    .await
    .assert_error(400, "E0000001");
    // TOTP is Okta Verify's only method this server has: it cannot be turned off alone.
    app.post_empty(&format!(
        "/api/v1/authenticators/{vid}/methods/totp/lifecycle/deactivate"
    ))
    .await
    .assert_error(400, "E0000001");
}
