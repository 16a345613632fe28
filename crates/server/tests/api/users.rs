//! Users: create (every credential variant), get, update, replace, delete.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;

fn is_iso_millis(v: &serde_json::Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.')
}

#[tokio::test]
async fn create_without_credentials_staged_then_provisioned() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("staged@example.com")}),
        )
        .await;
    assert_eq!(u["status"], "STAGED");
    let id = u["id"].as_str().unwrap();
    assert!(id.starts_with("00u") && id.len() == 20);
    assert!(is_iso_millis(&u["created"]));
    assert!(is_iso_millis(&u["lastUpdated"]));
    assert!(u["activated"].is_null());
    assert!(u["statusChanged"].is_null());
    assert!(u["lastLogin"].is_null());
    assert!(u["passwordChanged"].is_null());
    assert_eq!(
        u["credentials"],
        json!({"provider": {"type": "OKTA", "name": "OKTA"}})
    );
    assert_eq!(u["profile"]["login"], "staged@example.com");
    assert!(u["type"]["id"].as_str().unwrap().starts_with("oty"));
    assert!(u["_links"]["activate"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/lifecycle/activate"));
    assert!(u["_links"]["suspend"].is_null());

    let p = app
        .create_user("", json!({"profile": TestApp::profile("prov@example.com")}))
        .await;
    assert_eq!(p["status"], "PROVISIONED");
    assert!(is_iso_millis(&p["statusChanged"]));
}

#[tokio::test]
async fn create_with_password_is_active_and_never_returns_secrets() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/users?activate=true",
            json!({
                "profile": TestApp::profile("pw.user@example.com"),
                "credentials": {
                    "password": {"value": "Tlpwent2mxx"},
                    "recovery_question": {"question": "Who's a major player?", "answer": "Annie Oakley"}
                }
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let u = &r.body;
    assert_eq!(u["status"], "ACTIVE");
    assert!(is_iso_millis(&u["activated"]));
    assert!(is_iso_millis(&u["passwordChanged"]));
    assert_eq!(u["credentials"]["password"], json!({}));
    assert_eq!(
        u["credentials"]["recovery_question"],
        json!({"question": "Who's a major player?"})
    );
    assert!(!r.text.contains("Tlpwent2mxx"));
    assert!(!r.text.contains("Annie"));
    assert!(u["_links"]["suspend"]["href"].is_string());
    assert!(u["_links"]["deactivate"]["href"].is_string());
    assert!(u["_links"]["changePassword"]["href"].is_string());
}

#[tokio::test]
async fn next_login_change_password_expires_the_password() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=true&nextLogin=changePassword",
            json!({"profile": TestApp::profile("nl@example.com"), "credentials": {"password": {"value": "Abcdefgh12"}}}),
        )
        .await;
    assert_eq!(u["status"], "PASSWORD_EXPIRED");
}

#[tokio::test]
async fn weak_password_is_rejected_with_policy_causes_and_nothing_written() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("weak@example.com"), "credentials": {"password": {"value": "short"}}}),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert!(r.body["errorSummary"]
        .as_str()
        .unwrap()
        .contains("password"));
    assert!(
        r.causes()
            .iter()
            .any(|c| c.contains("Password requirements")),
        "{:?}",
        r.causes()
    );
    app.get("/api/v1/users/weak@example.com")
        .await
        .assert_error(404, "E0000007");

    let r = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("isaac.brock@example.com"), "credentials": {"password": {"value": "BrockRocks1"}}}),
        )
        .await;
    r.assert_error(400, "E0000001");
}

#[tokio::test]
async fn profile_validation_gives_one_cause_per_field() {
    let app = spawn_app().await;
    let r = app
        .post("/api/v1/users", json!({"profile": {"login": "x"}}))
        .await;
    r.assert_error(400, "E0000001");
    let causes = r.causes().join("\n");
    for field in ["login", "email", "firstName", "lastName"] {
        assert!(causes.contains(field), "{field} missing in {causes}");
    }
    let r = app.post("/api/v1/users", json!({})).await;
    r.assert_error(400, "E0000001");
}

#[tokio::test]
async fn duplicate_login_case_insensitive() {
    let app = spawn_app().await;
    app.create_user(
        "",
        json!({"profile": TestApp::profile("Dup.User@example.com")}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("dup.user@EXAMPLE.com")}),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        vec![
            "login: An object with this field already exists in the current organization"
                .to_owned()
        ]
    );
}

#[tokio::test]
async fn concurrent_creates_of_one_login_exactly_one_wins() {
    let app = spawn_app().await;
    let attempts = (0..12).map(|i| {
        let login = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.com"
        };
        app.post("/api/v1/users", json!({"profile": TestApp::profile(login)}))
    });
    let replies = futures::future::join_all(attempts).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1);
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_error(400, "E0000001");
    }
    let list = app
        .get("/api/v1/users?filter=profile.login%20eq%20%22race@example.com%22")
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn imported_hash_sets_import_provider() {
    let app = spawn_app().await;
    // SHA-256 of salt "MySalt" + "Passw0rdXx" computed independently below.
    use sha2::Digest;
    let digest = sha2::Sha256::digest(b"MySaltPassw0rdXx");
    use base64::Engine;
    let value = base64::engine::general_purpose::STANDARD.encode(digest);
    let salt = base64::engine::general_purpose::STANDARD.encode(b"MySalt");
    let u = app
        .create_user(
            "?activate=true",
            json!({"profile": TestApp::profile("imported@example.com"),
                   "credentials": {"password": {"hash": {"algorithm": "SHA-256", "salt": salt, "saltOrder": "PREFIX", "value": value}}}}),
        )
        .await;
    assert_eq!(u["status"], "ACTIVE");
    assert_eq!(
        u["credentials"]["provider"],
        json!({"type": "IMPORT", "name": "IMPORT"})
    );
    assert_eq!(u["credentials"]["password"], json!({}));

    let r = app
        .post(
            "/api/v1/users",
            json!({"profile": TestApp::profile("badhash@example.com"),
                   "credentials": {"password": {"hash": {"algorithm": "ROT13", "value": "x"}}}}),
        )
        .await;
    r.assert_error(400, "E0000001");
}

#[tokio::test]
async fn federated_provider_has_no_password() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?provider=true",
            json!({"profile": TestApp::profile("fed@example.com"), "credentials": {"provider": {"type": "FEDERATION", "name": "FEDERATION"}}}),
        )
        .await;
    assert_eq!(u["status"], "ACTIVE");
    assert_eq!(u["credentials"]["provider"]["type"], "FEDERATION");
}

#[tokio::test]
async fn group_ids_on_create_and_user_groups() {
    let app = spawn_app().await;
    let r = app
        .post("/api/v1/users", json!({"profile": TestApp::profile("g@example.com"), "groupIds": ["00gdoesnotexist12345"]}))
        .await;
    r.assert_error(400, "E0000001");
    let u = app
        .create_user("", json!({"profile": TestApp::profile("g2@example.com")}))
        .await;
    let groups = app
        .get(&format!(
            "/api/v1/users/{}/groups",
            u["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(groups.status, StatusCode::OK);
    let names: Vec<_> = groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["profile"]["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Everyone")]);
    assert_eq!(
        app.get(&format!(
            "/api/v1/users/{}/appLinks",
            u["id"].as_str().unwrap()
        ))
        .await
        .body,
        json!([])
    );
    assert_eq!(
        app.get(&format!(
            "/api/v1/users/{}/blocks",
            u["id"].as_str().unwrap()
        ))
        .await
        .body,
        json!([])
    );
}

#[tokio::test]
async fn get_by_id_login_and_shortname() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "",
            json!({"profile": TestApp::profile("isaac.brock@example.com")}),
        )
        .await;
    let id = u["id"].as_str().unwrap();
    for key in [
        id,
        "isaac.brock@example.com",
        "ISAAC.BROCK@example.com",
        "isaac.brock",
    ] {
        let r = app.get(&format!("/api/v1/users/{key}")).await;
        assert_eq!(r.status, StatusCode::OK, "{key}: {}", r.text);
        assert_eq!(r.body["id"], id);
        assert!(r.header("link").is_none());
    }
    let r = app.get("/api/v1/users/00u00000000000000000").await;
    r.assert_error(404, "E0000007");
    assert_eq!(
        r.body["errorSummary"],
        "Not found: Resource not found: 00u00000000000000000 (User)"
    );
}

#[tokio::test]
async fn partial_update_merges_and_put_replaces() {
    let app = spawn_app().await;
    let mut profile = TestApp::profile("upd@example.com");
    profile["nickName"] = json!("ike");
    profile["department"] = json!("R&D");
    let u = app.create_user("", json!({"profile": profile})).await;
    let id = u["id"].as_str().unwrap();

    let r = app
        .post(
            &format!("/api/v1/users/{id}"),
            json!({"profile": {"title": "Director", "department": null}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["profile"]["title"], "Director");
    assert_eq!(r.body["profile"]["nickName"], "ike");
    assert_eq!(r.body["profile"]["firstName"], "Isaac");
    assert!(r.body["profile"]["lastUpdated"].is_null());
    assert!(r.body["lastUpdated"].as_str().unwrap() >= u["lastUpdated"].as_str().unwrap());

    let r = app
        .put(
            &format!("/api/v1/users/{id}"),
            json!({"profile": TestApp::profile("upd@example.com")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["profile"].get("nickName").is_none());
    assert!(r.body["profile"].get("title").is_none());

    let r = app
        .put(
            &format!("/api/v1/users/{id}"),
            json!({"profile": {"login": "upd@example.com"}}),
        )
        .await;
    r.assert_error(400, "E0000001");
    let unchanged = app.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(unchanged.body["profile"]["firstName"], "Isaac");
}

/// The SDKs' get → edit → update sends the whole user back, its `type` included: a partial
/// update with the user's own type is an ordinary update; another type needs PUT.
#[tokio::test]
async fn partial_update_accepts_the_users_own_type() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "",
            json!({"profile": TestApp::profile("typed@example.com")}),
        )
        .await;
    let id = u["id"].as_str().unwrap();
    let mut edited = u.clone();
    edited["profile"]["title"] = json!("Engineer");
    let r = app.post(&format!("/api/v1/users/{id}"), edited).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["profile"]["title"], "Engineer");
    assert_eq!(r.body["type"], u["type"]);
    let r = app
        .post(
            &format!("/api/v1/users/{id}"),
            json!({"type": {"id": "otyNotTheUsersType0"}, "profile": {"title": "x"}}),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        app.get(&format!("/api/v1/users/{id}")).await.body["profile"]["title"],
        "Engineer"
    );
}

#[tokio::test]
async fn update_sets_password_through_credentials() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("setpw@example.com")}),
        )
        .await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/users/{id}"),
            json!({"credentials": {"password": {"value": "NewPassw0rd"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["credentials"]["password"], json!({}));
    assert!(r.body["passwordChanged"].is_string());
}

#[tokio::test]
async fn delete_deactivates_then_deletes() {
    let app = spawn_app().await;
    let u = app
        .create_user("", json!({"profile": TestApp::profile("del@example.com")}))
        .await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .delete(&format!("/api/v1/users/{id}?sendEmail=false"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.header("content-type").is_none());
    assert_eq!(
        app.get(&format!("/api/v1/users/{id}")).await.body["status"],
        "DEPROVISIONED"
    );
    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/users/{id}"))
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("/api/v1/users/{id}"))
        .await
        .assert_error(404, "E0000007");
}
