//! Administrator roles over HTTP: assignments to users and groups (shape, conflicts, the
//! built-in group, inherited roles), targets (kinds, replacement, the last one), the last
//! super administrator, tokens acting with their owner's roles and targets (lists narrowed,
//! refusals, a deactivated or demoted owner), the System Log events, and the authorization
//! matrix: every route of the router × every standard role, with and without targets.

use std::collections::BTreeSet;

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn group(app: &TestApp, name: &str) -> String {
    let r = app
        .post("/api/v1/groups", json!({ "profile": { "name": name } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn assign(app: &TestApp, principal: &str, role: &str) -> Reply {
    app.post(&format!("{principal}/roles"), json!({ "type": role }))
        .await
}

async fn call(app: &TestApp, auth: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
    app.call_as(method, path, body, Some(auth)).await
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
async fn roles_are_assigned_listed_read_and_unassigned() {
    let app = spawn_app().await;
    let user = app.active_user("helper@example.com").await;
    let base = format!("/api/v1/users/{user}");
    let r = assign(&app, &base, "HELP_DESK_ADMIN").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ra1") && id.len() == 20, "{id}");
    assert_eq!(r.body["type"], "HELP_DESK_ADMIN");
    assert_eq!(r.body["label"], "Help Desk Administrator");
    assert_eq!(r.body["status"], "ACTIVE");
    assert_eq!(r.body["assignmentType"], "USER");
    assert_eq!(
        r.body["_links"]["assignee"]["href"],
        app.url(&format!("/api/v1/users/{user}"))
    );
    assert!(r.body["created"].as_str().unwrap().ends_with('Z'));
    let created = r.body.clone();

    // Twice is a conflict; an unknown type or none is a validation error.
    assign(&app, &base, "HELP_DESK_ADMIN")
        .await
        .assert_error(409, "E0000090");
    assign(&app, &base, "CHIEF_ADMIN")
        .await
        .assert_error(400, "E0000001");
    app.post(&format!("{base}/roles"), json!({}))
        .await
        .assert_error(400, "E0000001");
    assign(&app, "/api/v1/users/00unobody000000000000", "APP_ADMIN")
        .await
        .assert_error(404, "E0000007");

    assert_eq!(
        app.get(&format!("{base}/roles")).await.body,
        json!([created])
    );
    assert_eq!(app.get(&format!("{base}/roles/{id}")).await.body, created);
    // By login too.
    assert_eq!(
        app.get("/api/v1/users/helper@example.com/roles").await.body,
        json!([created])
    );

    // Groups: 200, not to the built-in group; members inherit the role.
    let g = group(&app, "Auditors").await;
    let r = assign(&app, &format!("/api/v1/groups/{g}"), "READ_ONLY_ADMIN").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["assignmentType"], "GROUP");
    assert_eq!(
        r.body["_links"]["assignee"]["href"],
        app.url(&format!("/api/v1/groups/{g}"))
    );
    let group_role = r.body.clone();
    // expand=stats tells which groups hold a role.
    let stats = app.get(&format!("/api/v1/groups/{g}?expand=stats")).await;
    assert_eq!(
        stats.body["_embedded"]["stats"]["hasAdminPrivilege"], true,
        "{}",
        stats.text
    );
    let listed = app.get("/api/v1/groups?expand=stats").await;
    for item in listed.body.as_array().unwrap() {
        assert_eq!(
            item["_embedded"]["stats"]["hasAdminPrivilege"],
            item["id"] == g.as_str(),
            "{item}"
        );
    }
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assign(
        &app,
        &format!("/api/v1/groups/{everyone}"),
        "READ_ONLY_ADMIN",
    )
    .await
    .assert_error(400, "E0000211");
    assert_eq!(
        app.put(&format!("/api/v1/groups/{g}/users/{user}"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let listed = app.get(&format!("{base}/roles")).await.body;
    assert_eq!(listed, json!([created, group_role]));
    assert_eq!(
        app.get(&format!("/api/v1/groups/{g}/roles")).await.body,
        json!([group_role])
    );

    // Unassign: 204, then gone.
    let r = app.delete(&format!("{base}/roles/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get(&format!("{base}/roles/{id}"))
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("{base}/roles/{id}"))
        .await
        .assert_error(404, "E0000007");

    // Each change is in the System Log, naming the user or group.
    let logs = app
        .get("/api/v1/logs?filter=eventType%20sw%20%22user.account.privilege%22%20or%20eventType%20sw%20%22group.privilege%22")
        .await;
    let seen: Vec<(String, String)> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["eventType"].as_str().unwrap().to_owned(),
                e["target"][0]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("user.account.privilege.grant".to_owned(), user.clone()),
        ("group.privilege.grant".to_owned(), g.clone()),
        ("user.account.privilege.revoke".to_owned(), user.clone()),
    ] {
        assert!(seen.contains(&expected), "{expected:?} not in {seen:?}");
    }
    let grant = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eventType"] == "user.account.privilege.grant" && e["target"][0]["id"] == user)
        .unwrap();
    assert_eq!(
        grant["debugContext"]["debugData"]["privilegeGranted"],
        "Help Desk Administrator"
    );
}

#[tokio::test]
async fn targets_take_the_kind_their_role_takes_and_keep_at_least_one() {
    let app = spawn_app().await;
    let user = app.active_user("scoped@example.com").await;
    let base = format!("/api/v1/users/{user}");
    let admin = assign(&app, &base, "USER_ADMIN").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let apps_admin = assign(&app, &base, "APP_ADMIN").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (g1, g2) = (group(&app, "West").await, group(&app, "East").await);

    // Unscoped: no targets.
    let targets = format!("{base}/roles/{admin}/targets/groups");
    assert_eq!(app.get(&targets).await.body, json!([]));
    for g in [&g1, &g2] {
        let r = app.put(&format!("{targets}/{g}"), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    // Again: nothing changes.
    assert_eq!(
        app.put(&format!("{targets}/{g1}"), json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    let listed = app.get(&targets).await;
    assert_eq!(ids(&listed), BTreeSet::from([g1.clone(), g2.clone()]));
    assert_eq!(listed.body[0]["profile"]["name"], "West");
    app.put(&format!("{targets}/00gnothing00000000000"), json!({}))
        .await
        .assert_error(404, "E0000007");
    // A group target on the app role, an app target on the user role: E0000091.
    app.put(
        &format!("{base}/roles/{apps_admin}/targets/groups/{g1}"),
        json!({}),
    )
    .await
    .assert_error(400, "E0000091");
    app.put(
        &format!("{base}/roles/{admin}/targets/catalog/apps/bookmark"),
        json!({}),
    )
    .await
    .assert_error(400, "E0000091");
    // The last target stays.
    let r = app.delete(&format!("{targets}/{g1}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.delete(&format!("{targets}/{g2}"))
        .await
        .assert_error(400, "E0000001");
    app.delete(&format!("{targets}/{g1}"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(ids(&app.get(&targets).await), BTreeSet::from([g2.clone()]));

    // App targets: a catalog app (every instance) or one instance, each replacing the other.
    let bookmark = |label: &str| {
        json!({
            "name": "bookmark", "label": label, "signOnMode": "BOOKMARK",
            "settings": { "app": { "requestIntegration": false, "url": "https://example.com/b" } },
        })
    };
    let a1 = app.post("/api/v1/apps", bookmark("Wiki")).await;
    assert_eq!(a1.status, StatusCode::OK, "{}", a1.text);
    let a1 = a1.body["id"].as_str().unwrap().to_owned();
    let app_name = app.get(&format!("/api/v1/apps/{a1}")).await.body["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let catalog = format!("{base}/roles/{apps_admin}/targets/catalog/apps");
    let r = app.put(&format!("{catalog}/{app_name}"), json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let listed = app.get(&catalog).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], app_name.as_str());
    assert!(listed[0].get("id").is_none(), "{listed}");
    let r = app
        .put(&format!("{catalog}/{app_name}/{a1}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let listed = app.get(&catalog).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], a1.as_str());
    app.put(&format!("{catalog}/no_such_app"), json!({}))
        .await
        .assert_error(404, "E0000007");
    app.put(&format!("{catalog}/other_name/{a1}"), json!({}))
        .await
        .assert_error(404, "E0000007");

    // expand=targets/groups embeds the targets in the list.
    let expanded = app
        .get(&format!("{base}/roles?expand=targets/groups"))
        .await
        .body;
    let user_admin = expanded
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "USER_ADMIN")
        .unwrap();
    assert_eq!(
        user_admin["_embedded"]["targets"]["groups"][0]["id"],
        g2.as_str()
    );
}

#[tokio::test]
async fn the_last_super_admin_stays_and_a_token_follows_its_owner() {
    let app = spawn_app().await;
    let me = app.get("/api/v1/users/admin@latchkey.local/roles").await;
    assert_eq!(me.body.as_array().unwrap().len(), 1, "{}", me.text);
    assert_eq!(me.body[0]["type"], "SUPER_ADMIN");
    let admin_id = me.body[0]["_links"]["assignee"]["href"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let mine = format!(
        "/api/v1/users/{admin_id}/roles/{}",
        me.body[0]["id"].as_str().unwrap()
    );
    app.delete(&mine).await.assert_error(400, "E0000001");
    // Nor can the last one be deactivated or suspended.
    for op in ["deactivate", "suspend"] {
        app.post_empty(&format!("/api/v1/users/{admin_id}/lifecycle/{op}"))
            .await
            .assert_error(400, "E0000001");
    }

    // A second super admin; then the first may go, and its token stops working.
    let other = app.active_user("second@example.com").await;
    assert_eq!(
        assign(&app, &format!("/api/v1/users/{other}"), "SUPER_ADMIN")
            .await
            .status,
        StatusCode::CREATED
    );
    let second = app.token_as("second@example.com").await;
    let helper = app.active_user("reader@example.com").await;
    let r = call(&app, &second, Method::DELETE, &mine, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get("/api/v1/users").await.assert_error(401, "E0000011");

    // A token whose owner is deactivated stops working too.
    call(
        &app,
        &second,
        Method::POST,
        &format!("/api/v1/users/{helper}/roles"),
        Some(json!({ "type": "READ_ONLY_ADMIN" })),
    )
    .await;
    let reader = app.token_as("reader@example.com").await;
    assert_eq!(
        call(&app, &reader, Method::GET, "/api/v1/users", None)
            .await
            .status,
        StatusCode::OK
    );
    // An expired password does not stop the owner from acting (still an active account).
    let r = call(
        &app,
        &second,
        Method::POST,
        &format!("/api/v1/users/{helper}/lifecycle/expire_password"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(
        call(&app, &reader, Method::GET, "/api/v1/users", None)
            .await
            .status,
        StatusCode::OK
    );
    let r = call(
        &app,
        &second,
        Method::POST,
        &format!("/api/v1/users/{helper}/lifecycle/deactivate"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let r = call(&app, &reader, Method::GET, "/api/v1/users", None).await;
        if r.status == StatusCode::UNAUTHORIZED {
            r.assert_error(401, "E0000011");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.text);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The last super admin left cannot be removed either.
    let roles = call(
        &app,
        &second,
        Method::GET,
        &format!("/api/v1/users/{other}/roles"),
        None,
    )
    .await;
    let last = format!(
        "/api/v1/users/{other}/roles/{}",
        roles.body[0]["id"].as_str().unwrap()
    );
    call(&app, &second, Method::DELETE, &last, None)
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn a_group_limited_admin_sees_and_changes_only_its_groups() {
    let app = spawn_app().await;
    let helper = app.active_user("desk@example.com").await;
    let role = assign(&app, &format!("/api/v1/users/{helper}"), "HELP_DESK_ADMIN")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let desk = app.token_as("desk@example.com").await;
    let (inside, outside) = (
        app.active_user("inside@example.com").await,
        app.active_user("outside@example.com").await,
    );

    // Unlimited help desk: reads all, resets passwords, deletes nothing, manages no groups.
    let all = call(&app, &desk, Method::GET, "/api/v1/users", None).await;
    assert!(ids(&all).contains(&outside), "{}", all.text);
    let r = call(
        &app,
        &desk,
        Method::POST,
        &format!("/api/v1/users/{outside}/lifecycle/unlock"),
        None,
    )
    .await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    call(
        &app,
        &desk,
        Method::POST,
        &format!("/api/v1/users/{outside}/lifecycle/deactivate"),
        None,
    )
    .await
    .assert_error(403, "E0000006");
    call(
        &app,
        &desk,
        Method::POST,
        "/api/v1/groups",
        Some(json!({ "profile": { "name": "Nope" } })),
    )
    .await
    .assert_error(403, "E0000006");
    call(&app, &desk, Method::GET, "/api/v1/logs", None)
        .await
        .assert_error(403, "E0000006");
    call(
        &app,
        &desk,
        Method::GET,
        &format!("/api/v1/users/{helper}/roles"),
        None,
    )
    .await
    .assert_error(403, "E0000006");

    // Limited to one group: its members only, in the list and one by one.
    let g = group(&app, "Support queue").await;
    let other_group = group(&app, "Elsewhere").await;
    app.put(&format!("/api/v1/groups/{g}/users/{inside}"), json!({}))
        .await;
    let r = app
        .put(
            &format!("/api/v1/users/{helper}/roles/{role}/targets/groups/{g}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let listed = call(&app, &desk, Method::GET, "/api/v1/users", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(ids(&listed), BTreeSet::from([inside.clone()]));
    let r = call(
        &app,
        &desk,
        Method::GET,
        "/api/v1/users?search=status%20eq%20%22ACTIVE%22",
        None,
    )
    .await;
    assert_eq!(ids(&r), BTreeSet::from([inside.clone()]));
    assert_eq!(
        call(
            &app,
            &desk,
            Method::GET,
            &format!("/api/v1/users/{inside}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &app,
            &desk,
            Method::GET,
            "/api/v1/users/inside@example.com",
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    call(
        &app,
        &desk,
        Method::GET,
        &format!("/api/v1/users/{outside}"),
        None,
    )
    .await
    .assert_error(403, "E0000006");
    call(
        &app,
        &desk,
        Method::POST,
        &format!("/api/v1/users/{outside}/lifecycle/unlock"),
        None,
    )
    .await
    .assert_error(403, "E0000006");
    let groups = call(&app, &desk, Method::GET, "/api/v1/groups", None).await;
    assert_eq!(ids(&groups), BTreeSet::from([g.clone()]));
    call(
        &app,
        &desk,
        Method::GET,
        &format!("/api/v1/groups/{other_group}"),
        None,
    )
    .await
    .assert_error(403, "E0000006");
    // Joining the group brings a user in scope.
    app.put(&format!("/api/v1/groups/{g}/users/{outside}"), json!({}))
        .await;
    assert_eq!(
        call(
            &app,
            &desk,
            Method::GET,
            &format!("/api/v1/users/{outside}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_app_limited_admin_sees_and_changes_only_its_apps() {
    let app = spawn_app().await;
    let owner = app.active_user("apps@example.com").await;
    let role = assign(&app, &format!("/api/v1/users/{owner}"), "APP_ADMIN")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.token_as("apps@example.com").await;
    let bookmark = |label: &str| {
        json!({
            "name": "bookmark", "label": label, "signOnMode": "BOOKMARK",
            "settings": { "app": { "requestIntegration": false, "url": "https://example.com/b" } },
        })
    };
    let mine = app.post("/api/v1/apps", bookmark("Mine")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = app.post("/api/v1/apps", bookmark("Theirs")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .put(
            &format!("/api/v1/users/{owner}/roles/{role}/targets/catalog/apps/bookmark/{mine}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let listed = call(&app, &token, Method::GET, "/api/v1/apps", None).await;
    assert_eq!(ids(&listed), BTreeSet::from([mine.clone()]));
    let r = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/apps/{mine}/lifecycle/deactivate"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/apps/{theirs}/lifecycle/deactivate"),
        None,
    )
    .await
    .assert_error(403, "E0000006");
    // Users and groups: read only, whole org (the targets limit apps).
    assert_eq!(
        call(&app, &token, Method::GET, "/api/v1/users", None)
            .await
            .status,
        StatusCode::OK
    );
    call(
        &app,
        &token,
        Method::POST,
        "/api/v1/users",
        Some(json!({ "profile": TestApp::profile("x@example.com") })),
    )
    .await
    .assert_error(403, "E0000006");
    // A catalog target covers every instance of the app.
    let r = app
        .put(
            &format!("/api/v1/users/{owner}/roles/{role}/targets/catalog/apps/bookmark"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let listed = call(&app, &token, Method::GET, "/api/v1/apps", None).await;
    assert_eq!(ids(&listed), BTreeSet::from([mine, theirs]));
}

#[tokio::test]
async fn roles_go_to_service_apps_only() {
    let app = spawn_app().await;
    let web = app
        .post(
            "/api/v1/apps",
            json!({
                "name": "oidc_client", "label": "Web", "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_basic" } },
                "settings": { "oauthClient": {
                    "application_type": "web", "grant_types": ["authorization_code"],
                    "response_types": ["code"], "redirect_uris": ["https://example.com/cb"],
                } },
            }),
        )
        .await;
    assert_eq!(web.status, StatusCode::OK, "{}", web.text);
    let client_id = web.body["credentials"]["oauthClient"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assign(
        &app,
        &format!("/oauth2/v1/clients/{client_id}"),
        "USER_ADMIN",
    )
    .await
    .assert_error(400, "E0000227");
    assign(&app, "/oauth2/v1/clients/nobody", "USER_ADMIN")
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        app.get(&format!("/oauth2/v1/clients/{client_id}/roles"))
            .await
            .body,
        json!([])
    );
}

#[tokio::test]
async fn users_with_roles_are_listed_directly_or_through_groups() {
    let app = spawn_app().await;
    let direct = app.active_user("direct@example.com").await;
    let member = app.active_user("member@example.com").await;
    let _nobody = app.active_user("nobody@example.com").await;
    assign(&app, &format!("/api/v1/users/{direct}"), "REPORT_ADMIN").await;
    let g = group(&app, "Readers").await;
    assign(&app, &format!("/api/v1/groups/{g}"), "READ_ONLY_ADMIN").await;
    app.put(&format!("/api/v1/groups/{g}/users/{member}"), json!({}))
        .await;
    let admin = app.get("/api/v1/users/admin@latchkey.local").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected = [admin, direct, member];
    expected.sort();

    // Two pages of two, by the next link.
    let first = app.get("/api/v1/iam/assignees/users?limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let ids_of = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids_of(&first.body), expected[..2].to_vec());
    let one = &first.body["value"][0];
    assert_eq!(
        one["_links"]["roles"]["href"],
        app.url(&format!("/api/v1/users/{}/roles", expected[0]))
    );
    assert!(one["orn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":users:{}", expected[0])));
    let next = first.body["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.get(&next).await;
    assert_eq!(ids_of(&second.body), expected[2..].to_vec());
    assert!(
        second.body["_links"].get("next").is_none(),
        "{}",
        second.text
    );
}
