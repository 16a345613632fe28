//! Custom roles and resource sets over HTTP: roles with Okta permissions (labels unique,
//! unknown permissions refused), resource sets of ORNs or API URLs, bindings and their
//! members, the assignment shown in a user's roles, and a token acting with a custom role on
//! exactly what its resource set covers.

use std::collections::BTreeSet;

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn group(app: &TestApp, name: &str) -> String {
    let r = app
        .post("/api/v1/groups", json!({ "profile": { "name": name } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn ids(r: &Reply) -> BTreeSet<String> {
    r.body
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", r.text))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn roles_and_their_permissions() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/iam/roles",
            json!({ "label": "Unlocker", "description": "Unlocks users",
                    "permissions": ["okta.users.read", "okta.users.lifecycle.unlock"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cr0") && id.len() == 20, "{id}");
    assert_eq!(r.body["label"], "Unlocker");
    assert_eq!(
        r.body["_links"]["permissions"]["href"],
        app.url(&format!("/api/v1/iam/roles/{id}/permissions"))
    );
    // A label in use (ignoring case), a permission this server does not grant, no permissions.
    for body in [
        json!({ "label": "UNLOCKER", "description": "x", "permissions": ["okta.users.read"] }),
        json!({ "label": "Other", "description": "x", "permissions": ["okta.nothing.manage"] }),
        json!({ "label": "Other", "description": "x", "permissions": [] }),
        json!({ "label": "", "description": "x", "permissions": ["okta.users.read"] }),
    ] {
        app.post("/api/v1/iam/roles", body)
            .await
            .assert_error(400, "E0000001");
    }
    // By id or label.
    assert_eq!(
        app.get("/api/v1/iam/roles/unlocker").await.body["id"],
        id.as_str()
    );
    let listed = app.get("/api/v1/iam/roles").await;
    assert_eq!(
        listed.body["roles"][0]["id"],
        id.as_str(),
        "{}",
        listed.text
    );

    let perms = |r: &Reply| -> Vec<String> {
        r.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let base = format!("/api/v1/iam/roles/{id}/permissions");
    assert_eq!(
        perms(&app.get(&base).await),
        ["okta.users.lifecycle.unlock", "okta.users.read"]
    );
    let r = app
        .post_empty(&format!("{base}/okta.users.credentials.resetPassword"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.post_empty(&format!("{base}/okta.users.read"))
        .await
        .assert_error(400, "E0000001");
    let one = app.get(&format!("{base}/okta.users.read")).await;
    assert_eq!(one.body["label"], "okta.users.read");
    assert_eq!(
        app.delete(&format!("{base}/okta.users.read")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("{base}/okta.users.read"))
        .await
        .assert_error(404, "E0000007");

    let r = app
        .put(
            &format!("/api/v1/iam/roles/{id}"),
            json!({ "label": "Desk", "description": "Help desk" }),
        )
        .await;
    assert_eq!(r.body["label"], "Desk", "{}", r.text);
    assert_eq!(
        app.delete(&format!("/api/v1/iam/roles/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/iam/roles/{id}"))
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn a_custom_role_acts_on_what_its_resource_set_covers() {
    let app = spawn_app().await;
    let desk = app.active_user("custom-desk@example.com").await;
    let inside = app.active_user("in@example.com").await;
    let outside = app.active_user("out@example.com").await;
    let queue = group(&app, "Queue").await;
    let other = group(&app, "Other").await;
    app.put(&format!("/api/v1/groups/{queue}/users/{inside}"), json!({}))
        .await;

    let role = app
        .post(
            "/api/v1/iam/roles",
            json!({ "label": "Queue desk", "description": "Unlocks the queue",
                    "permissions": ["okta.users.read", "okta.users.lifecycle.unlock",
                                    "okta.groups.read"] }),
        )
        .await;
    let role_id = role.body["id"].as_str().unwrap().to_owned();
    let org = app.get("/.well-known/okta-organization").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // One group's members by ORN, the group itself by its API URL.
    let set = app
        .post(
            "/api/v1/iam/resource-sets",
            json!({ "label": "Queue", "description": "The support queue", "resources": [
                format!("orn:okta:directory:{org}:groups:{queue}:contained_resources"),
                app.url(&format!("/api/v1/groups/{queue}")),
            ] }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let set_id = set.body["id"].as_str().unwrap().to_owned();
    assert!(set_id.starts_with("iam"), "{set_id}");
    let resources = app
        .get(&format!("/api/v1/iam/resource-sets/{set_id}/resources"))
        .await;
    let orns: BTreeSet<String> = resources.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["orn"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        orns,
        BTreeSet::from([
            format!("orn:okta:directory:{org}:groups:{queue}:contained_resources"),
            format!("orn:okta:directory:{org}:groups:{queue}"),
        ])
    );
    app.post(
        "/api/v1/iam/resource-sets",
        json!({ "label": "Bad", "description": "x", "resources": ["https://elsewhere.example/api/v1/users"] }),
    )
    .await
    .assert_error(400, "E0000001");

    // The binding: the role over the set, for the desk user.
    let r = app
        .post(
            &format!("/api/v1/iam/resource-sets/{set_id}/bindings"),
            json!({ "role": role_id, "members": [app.url(&format!("/api/v1/users/{desk}"))] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let members = app
        .get(&format!(
            "/api/v1/iam/resource-sets/{set_id}/bindings/{role_id}/members"
        ))
        .await;
    let member = members.body["members"][0].clone();
    assert!(
        member["id"].as_str().unwrap().starts_with("irb"),
        "{member}"
    );
    assert_eq!(
        member["_links"]["self"]["href"],
        app.url(&format!("/api/v1/users/{desk}"))
    );
    // The user's roles show it.
    let roles = app.get(&format!("/api/v1/users/{desk}/roles")).await;
    assert_eq!(roles.body[0]["type"], "CUSTOM", "{}", roles.text);
    assert_eq!(roles.body[0]["role"], role_id.as_str());
    assert_eq!(roles.body[0]["resource-set"], set_id.as_str());
    assert_eq!(roles.body[0]["label"], "Queue desk");

    let token = app.token_as("custom-desk@example.com").await;
    let call = |method: Method, path: String| {
        let token = token.clone();
        let app = &app;
        async move { app.call_as(method, &path, None, Some(&token)).await }
    };
    let listed = call(Method::GET, "/api/v1/users".into()).await;
    assert_eq!(
        ids(&listed),
        BTreeSet::from([inside.clone()]),
        "{}",
        listed.text
    );
    assert_eq!(
        call(Method::GET, format!("/api/v1/users/{inside}"))
            .await
            .status,
        StatusCode::OK
    );
    call(Method::GET, format!("/api/v1/users/{outside}"))
        .await
        .assert_error(403, "E0000006");
    let unlock = call(
        Method::POST,
        format!("/api/v1/users/{inside}/lifecycle/unlock"),
    )
    .await;
    assert_ne!(unlock.status, StatusCode::FORBIDDEN, "{}", unlock.text);
    call(
        Method::POST,
        format!("/api/v1/users/{inside}/lifecycle/deactivate"),
    )
    .await
    .assert_error(403, "E0000006");
    let groups = call(Method::GET, "/api/v1/groups".into()).await;
    assert_eq!(ids(&groups), BTreeSet::from([queue.clone()]));
    call(Method::GET, format!("/api/v1/groups/{other}"))
        .await
        .assert_error(403, "E0000006");
    call(Method::GET, "/api/v1/apps".into())
        .await
        .assert_error(403, "E0000006");

    // Unassigned through the user's roles: the token has no role left.
    let assignment = roles.body[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.delete(&format!("/api/v1/users/{desk}/roles/{assignment}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    call(Method::GET, "/api/v1/users".into())
        .await
        .assert_error(401, "E0000011");

    // Assigned again through the user's roles (the binding exists), then the set goes.
    let r = app
        .post(
            &format!("/api/v1/users/{desk}/roles"),
            json!({ "type": "CUSTOM", "role": role_id, "resource-set": set_id }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["type"], "CUSTOM");
    app.post(
        &format!("/api/v1/users/{desk}/roles"),
        json!({ "type": "CUSTOM", "role": role_id, "resource-set": set_id }),
    )
    .await
    .assert_error(409, "E0000090");
    assert_eq!(
        call(Method::GET, "/api/v1/users".into()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.delete(&format!("/api/v1/iam/resource-sets/{set_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{desk}/roles")).await.body,
        json!([])
    );
    let logs = app
        .get("/api/v1/logs?filter=eventType%20sw%20%22iam.%22")
        .await;
    let kinds: BTreeSet<&str> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    for kind in [
        "iam.role.create",
        "iam.resourceset.create",
        "iam.resourceset.bindings.add",
        "iam.resourceset.bindings.delete",
        "iam.resourceset.delete",
    ] {
        assert!(kinds.contains(kind), "{kind} not in {kinds:?}");
    }
}
