//! Linked objects over HTTP: definitions (create, list, get and delete by either name, the
//! 409 for a name in use) and values (link, replace, read the primary and the associated
//! users in pages, unlink; values go with their definition and with their users).

use crate::harness::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DEFS: &str = "/api/v1/meta/schemas/user/linkedObjects";

fn definition(primary: &str, associated: &str) -> Value {
    json!({
        "primary": { "name": primary, "title": "Manager", "description": "Manages", "type": "USER" },
        "associated": { "name": associated, "title": "Subordinate", "type": "USER" },
    })
}

async fn user(app: &TestApp, login: &str) -> String {
    app.create_user("", json!({ "profile": TestApp::profile(login) }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn linked_ids(app: &TestApp, r: &crate::harness::Reply) -> Vec<String> {
    let prefix = app.url("/api/v1/users/");
    r.body
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", r.text))
        .iter()
        .map(|v| {
            v["_links"]["self"]["href"]
                .as_str()
                .unwrap()
                .trim_start_matches(&prefix)
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn definitions_are_created_read_and_deleted_by_either_name() {
    let app = spawn_app().await;
    let r = app.post(DEFS, definition("manager", "subordinate")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let expected = json!({
        "primary": { "name": "manager", "title": "Manager", "description": "Manages", "type": "USER" },
        "associated": { "name": "subordinate", "title": "Subordinate", "type": "USER" },
        "_links": { "self": { "href": app.url(&format!("{DEFS}/manager")) } },
    });
    assert_eq!(r.body, expected);
    assert_eq!(app.get(&format!("{DEFS}/manager")).await.body, expected);
    assert_eq!(app.get(&format!("{DEFS}/subordinate")).await.body, expected);
    assert_eq!(app.get(DEFS).await.body, json!([expected]));

    // A name in use on either side, ignoring case, is a conflict.
    for (p, a) in [
        ("Manager", "boss"),
        ("lead", "SUBORDINATE"),
        ("subordinate", "x"),
    ] {
        let r = app.post(DEFS, definition(p, a)).await;
        r.assert_error(409, "E0000127");
    }
    for bad in [
        definition("9lives", "cat"),
        definition("same", "same"),
        definition("has-dash", "ok"),
        json!({ "primary": { "name": "p" }, "associated": { "name": "a", "title": "A" } }),
        json!({ "primary": { "name": "p", "title": "P", "type": "GROUP" },
                "associated": { "name": "a", "title": "A" } }),
        json!({ "primary": { "name": "p", "title": "P" } }),
    ] {
        app.post(DEFS, bad).await.assert_error(400, "E0000001");
    }

    let r = app.delete(&format!("{DEFS}/subordinate")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get(&format!("{DEFS}/manager"))
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("{DEFS}/manager"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(app.get(DEFS).await.body, json!([]));
}

#[tokio::test]
async fn values_link_one_primary_per_associated_user() {
    let app = spawn_app().await;
    let r = app.post(DEFS, definition("manager", "subordinate")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let boss = user(&app, "boss@example.com").await;
    let other = user(&app, "other-boss@example.com").await;
    let mut reports = Vec::new();
    for i in 0..5 {
        reports.push(user(&app, &format!("report{i}@example.com")).await);
    }
    // By id for the associated user, by login for the primary.
    for r in &reports {
        let done = app
            .call(
                Method::PUT,
                &format!("/api/v1/users/{r}/linkedObjects/manager/boss@example.com"),
                None,
            )
            .await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text);
    }
    let primary = app
        .get(&format!(
            "/api/v1/users/{}/linkedObjects/manager",
            reports[0]
        ))
        .await;
    assert_eq!(linked_ids(&app, &primary), vec![boss.clone()]);
    assert_eq!(
        linked_ids(
            &app,
            &app.get(&format!("/api/v1/users/{boss}/linkedObjects/manager"))
                .await
        ),
        Vec::<String>::new(),
        "the boss has no manager"
    );

    // The associated users, in pages of two.
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/users/{boss}/linkedObjects/subordinate?limit=2");
    loop {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body.as_array().unwrap().len() <= 2);
        seen.extend(linked_ids(&app, &r));
        match r.next_link() {
            Some(next) => path = next.trim_start_matches(&app.base).to_owned(),
            None => break,
        }
    }
    let mut expected = reports.clone();
    expected.sort();
    assert_eq!(seen, expected);

    // A new primary replaces the old one.
    let done = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{}/linkedObjects/manager/{other}", reports[0]),
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text);
    assert_eq!(
        linked_ids(
            &app,
            &app.get(&format!(
                "/api/v1/users/{}/linkedObjects/manager",
                reports[0]
            ))
            .await
        ),
        vec![other.clone()]
    );
    assert_eq!(
        linked_ids(
            &app,
            &app.get(&format!("/api/v1/users/{boss}/linkedObjects/subordinate"))
                .await
        )
        .len(),
        4
    );
    // Links are set by the primary name only; unknown names and users are 404.
    app.call(
        Method::PUT,
        &format!(
            "/api/v1/users/{}/linkedObjects/subordinate/{boss}",
            reports[1]
        ),
        None,
    )
    .await
    .assert_error(404, "E0000007");
    app.call(
        Method::PUT,
        &format!("/api/v1/users/{}/linkedObjects/mentor/{boss}", reports[1]),
        None,
    )
    .await
    .assert_error(404, "E0000007");
    app.call(
        Method::PUT,
        &format!(
            "/api/v1/users/{}/linkedObjects/manager/00uNoSuchUser000000",
            reports[1]
        ),
        None,
    )
    .await
    .assert_error(404, "E0000007");

    // Unlink: 204, also when there is nothing to unlink.
    for _ in 0..2 {
        let r = app
            .delete(&format!(
                "/api/v1/users/{}/linkedObjects/manager",
                reports[1]
            ))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    app.delete(&format!(
        "/api/v1/users/{}/linkedObjects/mentor",
        reports[1]
    ))
    .await
    .assert_error(404, "E0000007");
    // A deleted user's links go with it.
    app.delete(&format!("/api/v1/users/{}", reports[2])).await;
    app.delete(&format!("/api/v1/users/{}", reports[2])).await;
    assert_eq!(
        linked_ids(
            &app,
            &app.get(&format!("/api/v1/users/{boss}/linkedObjects/subordinate"))
                .await
        )
        .len(),
        2
    );
    // Deleting the definition removes its values: a new one of the same names starts empty.
    app.delete(&format!("{DEFS}/manager")).await;
    app.post(DEFS, definition("manager", "subordinate")).await;
    assert_eq!(
        linked_ids(
            &app,
            &app.get(&format!("/api/v1/users/{boss}/linkedObjects/subordinate"))
                .await
        ),
        Vec::<String>::new()
    );
}
