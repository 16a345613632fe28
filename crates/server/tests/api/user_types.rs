//! The User Types API over HTTP: the default type, create, get, replace, partial update,
//! delete (and when it is refused), the limit of ten, and users of a type — created with it,
//! moved by a full replace, found by `type.id`.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const TYPES: &str = "/api/v1/meta/types/user";

async fn create_type(app: &TestApp, name: &str) -> Value {
    let r = app
        .post(
            TYPES,
            json!({ "name": name, "displayName": format!("{name} people"), "description": "made in a test" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

#[tokio::test]
async fn the_default_type_and_crud() {
    let app = spawn_app().await;
    let r = app.get(TYPES).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let all = r.body.as_array().unwrap();
    assert_eq!(all.len(), 1);
    let default = &all[0];
    assert_eq!(default["default"], true);
    assert_eq!(default["name"], "user");
    let default_id = default["id"].as_str().unwrap();
    assert!(default_id.starts_with("oty"));
    assert_eq!(app.get(&format!("{TYPES}/default")).await.body, *default);
    // Every user's type is the default one.
    let u = app
        .create_user(
            "",
            json!({ "profile": TestApp::profile("typed@example.com") }),
        )
        .await;
    assert_eq!(u["type"]["id"], default_id);

    let made = create_type(&app, "contractor").await;
    let id = made["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("oty"));
    assert_eq!(made["displayName"], "contractor people");
    assert_eq!(made["default"], false);
    assert!(made["createdBy"].as_str().unwrap().starts_with("00u"));
    assert_eq!(
        made["_links"]["self"],
        json!({ "rel": "self", "href": app.url(&format!("{TYPES}/{id}")), "method": "GET" })
    );
    assert_eq!(
        made["_links"]["schema"]["href"],
        app.url(&format!(
            "/api/v1/meta/schemas/user/osc{}",
            id.get(3..).unwrap()
        ))
    );
    assert_eq!(app.get(&format!("{TYPES}/{id}")).await.body, made);

    // Names: unique ignoring case, a letter first, letters, digits and _ only.
    for body in [
        json!({ "name": "Contractor", "displayName": "x" }),
        json!({ "name": "9lives", "displayName": "x" }),
        json!({ "name": "has space", "displayName": "x" }),
        json!({ "name": "nodisplay" }),
        json!({ "displayName": "noname" }),
    ] {
        app.post(TYPES, body.clone())
            .await
            .assert_error(400, "E0000001");
    }

    let r = app
        .post(
            &format!("{TYPES}/{id}"),
            json!({ "description": "partly updated" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["description"], "partly updated");
    assert_eq!(r.body["displayName"], "contractor people");
    let r = app
        .put(
            &format!("{TYPES}/{id}"),
            json!({ "name": "contractor", "displayName": "Contractors", "description": "whole" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["displayName"], "Contractors");
    app.put(
        &format!("{TYPES}/{id}"),
        json!({ "name": "renamed", "displayName": "x", "description": "" }),
    )
    .await
    .assert_error(400, "E0000001");

    // The default type is never deleted.
    let r = app.delete(&format!("{TYPES}/{default_id}")).await;
    r.assert_error(403, "E0000142");
    assert_eq!(r.causes(), ["PROHIBITED"]);
    let r = app.delete(&format!("{TYPES}/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get(&format!("{TYPES}/{id}"))
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn users_of_a_type_are_created_moved_and_found_by_it() {
    let app = spawn_app().await;
    let contractor = create_type(&app, "contractor").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let default_id = app.get(&format!("{TYPES}/default")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let u = app
        .create_user(
            "",
            json!({ "profile": TestApp::profile("temp@example.com"), "type": { "id": contractor } }),
        )
        .await;
    assert_eq!(u["type"]["id"], contractor.as_str());
    let uid = u["id"].as_str().unwrap().to_owned();
    app.create_user(
        "",
        json!({ "profile": TestApp::profile("staff@example.com") }),
    )
    .await;
    app.post(
        "/api/v1/users",
        json!({ "profile": TestApp::profile("ghost-type@example.com"),
                "type": { "id": "otyNoSuchType00000x" } }),
    )
    .await
    .assert_error(400, "E0000001");

    let found = app
        .get(&format!(
            "/api/v1/users?filter={}",
            urlencoding::encode(&format!("type.id eq \"{contractor}\""))
        ))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let ids: Vec<&str> = found
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [uid.as_str()]);

    // In use: the type cannot be deleted.
    let r = app.delete(&format!("{TYPES}/{contractor}")).await;
    r.assert_error(403, "E0000142");
    assert_eq!(r.causes(), ["UNMET_REQUIREMENTS"]);
    // A partial update cannot change the type; a full replace can.
    app.post(
        &format!("/api/v1/users/{uid}"),
        json!({ "type": { "id": default_id } }),
    )
    .await
    .assert_error(400, "E0000001");
    let r = app
        .put(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": TestApp::profile("temp@example.com"), "type": { "id": default_id } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["type"]["id"], default_id.as_str());
    let r = app.delete(&format!("{TYPES}/{contractor}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
}

#[tokio::test]
async fn an_org_has_at_most_ten_types() {
    let app = spawn_app().await;
    for i in 1..10 {
        create_type(&app, &format!("kind{i}")).await;
    }
    assert_eq!(app.get(TYPES).await.body.as_array().unwrap().len(), 10);
    app.post(TYPES, json!({ "name": "eleventh", "displayName": "x" }))
        .await
        .assert_error(400, "E0000001");
}
