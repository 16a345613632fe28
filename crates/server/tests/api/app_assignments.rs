//! App assignments: users directly (credentials per scheme, sealed passwords, profiles,
//! updates, unassign), groups (priority, profile, JSON Patch), users through groups, and the
//! cross-consistency of group membership ↔ app users ↔ `appLinks` ↔ apps per user and group.

use crate::apps::{bookmark, create_app, enc, id};
use crate::harness::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn user(app: &TestApp, login: &str) -> String {
    id(&app
        .create_user("", json!({ "profile": TestApp::profile(login), "credentials": { "password": { "value": "Tr0ub4dor&3Zebra" } } }))
        .await)
}

async fn group(app: &TestApp, name: &str) -> String {
    let r = app
        .post("/api/v1/groups", json!({ "profile": { "name": name } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id(&r.body)
}

fn swa() -> Value {
    json!({ "name": "template_swa", "label": "Plugin SWA", "signOnMode": "BROWSER_PLUGIN",
        "settings": { "app": { "url": "https://example.com/login.html", "usernameField": "#u",
            "passwordField": "#p", "buttonField": "#b" } } })
}

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().unwrap().iter().map(id).collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn direct_assignment_with_credentials() {
    let app = spawn_app().await;
    let aid = id(&create_app(&app, "", swa()).await);
    app.declare(
        &format!("/api/v1/meta/schemas/apps/{aid}/default"),
        json!({ "role": { "title": "Role", "type": "string" } }),
    )
    .await;
    let uid = user(&app, "swa.user@example.com").await;
    let r = app
        .post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": uid, "scope": "USER",
            "credentials": { "userName": "swa-login", "password": { "value": "correcthorsebatterystaple" } },
            "profile": { "role": "Developer" } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let assigned = r.body.clone();
    assert!(
        !r.text.contains("correcthorsebatterystaple"),
        "passwords are never returned"
    );
    assert_eq!(
        assigned,
        json!({
            "id": uid,
            "externalId": null,
            "created": assigned["created"],
            "lastUpdated": assigned["lastUpdated"],
            "scope": "USER",
            "status": "ACTIVE",
            "statusChanged": assigned["created"],
            "passwordChanged": assigned["created"],
            "syncState": "DISABLED",
            "lastSync": null,
            "credentials": { "userName": "swa-login", "password": {} },
            "profile": { "role": "Developer" },
            "_links": {
                "app": { "href": format!("{}/api/v1/apps/{aid}", app.base) },
                "user": { "href": format!("{}/api/v1/users/{uid}", app.base) },
            }
        })
    );
    let got = app.get(&format!("/api/v1/apps/{aid}/users/{uid}")).await;
    assert_eq!(got.body, assigned);
    let expanded = app
        .get(&format!("/api/v1/apps/{aid}/users/{uid}?expand=user"))
        .await;
    assert_eq!(expanded.body["_embedded"]["user"]["id"], uid.as_str());

    // The password is sealed at rest.
    let db = std::fs::read(app.data_dir.path().join("latchkey.db")).unwrap_or_default();
    assert!(!db.windows(25).any(|w| w == b"correcthorsebatterystaple"));

    // Update: new password, then a profile.
    let r = app
        .post(&format!("/api/v1/apps/{aid}/users/{uid}"), json!({ "credentials": { "userName": "swa-login", "password": { "value": "updatedP@55word" } } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["credentials"],
        json!({ "userName": "swa-login", "password": {} })
    );
    let r = app
        .post(
            &format!("/api/v1/apps/{aid}/users/{uid}"),
            json!({ "profile": { "role": "Lead" } }),
        )
        .await;
    assert_eq!(r.body["profile"], json!({ "role": "Lead" }));
    assert_eq!(r.body["credentials"]["userName"], "swa-login");

    // Unassign: 204, then 404.
    let r = app
        .delete(&format!("/api/v1/apps/{aid}/users/{uid}?sendEmail=true"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get(&format!("/api/v1/apps/{aid}/users/{uid}"))
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("/api/v1/apps/{aid}/users/{uid}"))
        .await
        .assert_error(404, "E0000007");

    // Events of each change.
    let logs = app
        .get_until(
            &format!(
                "/api/v1/logs?filter={}",
                enc(&format!("target.id eq \"{aid}\""))
            ),
            |r| r.body.as_array().is_some_and(|a| a.len() >= 5),
        )
        .await;
    let kinds: Vec<&str> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    for kind in [
        "application.user_membership.add",
        "application.user_membership.change_password",
        "application.user_membership.update",
        "application.user_membership.remove",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn assignment_errors() {
    let app = spawn_app().await;
    let bookmark_id = id(&create_app(&app, "", bookmark("B")).await);
    let uid = user(&app, "errs@example.com").await;
    let path = format!("/api/v1/apps/{bookmark_id}/users");
    app.post(&path, json!({}))
        .await
        .assert_error(400, "E0000001");
    app.post(&path, json!({ "id": "00uNoSuchUserxxxxxxx" }))
        .await
        .assert_error(404, "E0000007");
    app.post(
        "/api/v1/apps/0oaNoSuchAppxxxxxxxx/users",
        json!({ "id": uid }),
    )
    .await
    .assert_error(404, "E0000007");
    let r = app.post(&path, json!({ "id": uid, "credentials": { "userName": "u", "password": { "value": "p4ssw0rd!" } } })).await;
    r.assert_error(400, "E0000041");
    assert_eq!(
        r.body["errorSummary"],
        "Credentials should not be set on this resource based on the scheme."
    );
    assert_eq!(
        r.causes(),
        vec!["User level credentials should not be provided for this scheme.".to_owned()]
    );
    app.post(&path, json!({ "id": uid, "scope": "GROUP" }))
        .await
        .assert_error(400, "E0000001");
    app.post(&path, json!({ "id": uid, "scope": "ORG" }))
        .await
        .assert_error(400, "E0000001");
    // A SAML app takes a username but no password; a shared-credentials app takes neither.
    let shared = id(&create_app(&app, "", json!({ "name": "template_sps", "label": "Shared", "signOnMode": "SECURE_PASSWORD_STORE",
        "credentials": { "scheme": "SHARED_USERNAME_AND_PASSWORD", "userName": "team", "password": { "value": "Sh4red!" } },
        "settings": { "app": { "url": "https://e.com", "usernameField": "u", "passwordField": "p" } } })).await);
    app.post(
        &format!("/api/v1/apps/{shared}/users"),
        json!({ "id": uid, "credentials": { "userName": "me" } }),
    )
    .await
    .assert_error(400, "E0000041");
    let r = app
        .post(
            &format!("/api/v1/apps/{shared}/users"),
            json!({ "id": uid }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["credentials"],
        json!({ "userName": "errs@example.com" }),
        "the template gives the username"
    );
    // A deactivated user cannot be assigned.
    app.call(
        Method::POST,
        &format!("/api/v1/users/{uid}/lifecycle/deactivate"),
        None,
    )
    .await;
    let r = app.post(&path, json!({ "id": uid })).await;
    r.assert_error(403, "E0000117");
    assert!(app.get(&format!("{path}/{uid}")).await.status == StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn group_assignments_give_members_the_app() {
    let app = spawn_app().await;
    let app_json = create_app(&app, "", json!({ "name": "bookmark", "label": "Team App", "signOnMode": "BOOKMARK",
        "credentials": { "userNameTemplate": { "template": "${fn:substringBefore(source.login, \"@\")}", "type": "BUILT_IN" } },
        "settings": { "app": { "url": "https://example.com/team" } } })).await;
    let aid = id(&app_json);
    let schema = format!("/api/v1/meta/schemas/apps/{aid}/default");
    // A group assignment's profile follows the app-user schema too.
    let gid = group(&app, "Team").await;
    app.put(
        &format!("/api/v1/apps/{aid}/groups/{gid}"),
        json!({ "profile": { "role": "member" } }),
    )
    .await
    .assert_error(400, "E0000001");
    app.declare(
        &schema,
        json!({ "role": { "title": "Role", "type": "string" } }),
    )
    .await;
    let other_gid = group(&app, "Other Team").await;
    let alice = user(&app, "alice@example.com").await;
    let bob = user(&app, "bob@example.com").await;
    let carol = user(&app, "carol@example.com").await;
    app.put(&format!("/api/v1/groups/{gid}/users/{alice}"), json!({}))
        .await;

    // Assign the group: 200 with the assignment.
    let r = app
        .put(
            &format!("/api/v1/apps/{aid}/groups/{gid}"),
            json!({ "profile": { "role": "member" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body,
        json!({
            "id": gid,
            "lastUpdated": r.body["lastUpdated"],
            "priority": 0,
            "profile": { "role": "member" },
            "_links": {
                "app": { "href": format!("{}/api/v1/apps/{aid}", app.base) },
                "self": { "href": format!("{}/api/v1/apps/{aid}/groups/{gid}", app.base) },
                "group": { "href": format!("{}/api/v1/groups/{gid}", app.base) },
            }
        })
    );
    let second = app
        .put(&format!("/api/v1/apps/{aid}/groups/{other_gid}"), json!({}))
        .await;
    assert_eq!(second.body["priority"], 1, "the next priority by default");
    app.put(
        &format!("/api/v1/apps/{aid}/groups/{gid}"),
        json!({ "priority": 101 }),
    )
    .await
    .assert_error(400, "E0000001");
    app.put(
        &format!("/api/v1/apps/{aid}/groups/00gNoSuchGroupxxxxxx"),
        json!({}),
    )
    .await
    .assert_error(404, "E0000007");
    let got = app
        .get(&format!("/api/v1/apps/{aid}/groups/{gid}?expand=group"))
        .await;
    assert_eq!(got.body["_embedded"]["group"]["profile"]["name"], "Team");
    let listed = app.get(&format!("/api/v1/apps/{aid}/groups")).await;
    assert_eq!(
        ids(&listed.body),
        sorted(vec![gid.clone(), other_gid.clone()])
    );
    let expanded = app
        .get(&format!("/api/v1/apps/{aid}/groups?expand=group"))
        .await;
    let mut names: Vec<String> = expanded
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g["_embedded"]["group"]["profile"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{}", expanded.text);
    assert!(names.contains(&"Team".to_owned()));
    let q = app.get(&format!("/api/v1/apps/{aid}/groups?q=oth")).await;
    assert_eq!(ids(&q.body), vec![other_gid.clone()]);

    // PATCH the assignment.
    let r = app
        .call(Method::PATCH, &format!("/api/v1/apps/{aid}/groups/{gid}"),
            Some(json!([{ "op": "replace", "path": "/profile/role", "value": "lead" }, { "op": "replace", "path": "/priority", "value": 5 }])))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["priority"].clone(), r.body["profile"].clone()),
        (json!(5), json!({ "role": "lead" }))
    );
    app.call(
        Method::PATCH,
        &format!("/api/v1/apps/{aid}/groups/{gid}"),
        Some(json!([{ "op": "move", "path": "/x" }])),
    )
    .await
    .assert_error(400, "E0000001");

    // Members have the app with scope GROUP, the profile of the group and the template's name.
    let r = app.get(&format!("/api/v1/apps/{aid}/users/{alice}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["scope"], "GROUP");
    assert_eq!(r.body["credentials"], json!({ "userName": "alice" }));
    assert_eq!(r.body["profile"], json!({ "role": "lead" }));

    // Bob joins later and has the app at once; carol is assigned directly.
    app.put(&format!("/api/v1/groups/{gid}/users/{bob}"), json!({}))
        .await;
    app.post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": carol }))
        .await;
    let users = app.get(&format!("/api/v1/apps/{aid}/users")).await;
    assert_eq!(
        ids(&users.body),
        sorted(vec![alice.clone(), bob.clone(), carol.clone()])
    );
    let scopes: Vec<(String, String)> = users
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (id(u), u["scope"].as_str().unwrap().to_owned()))
        .collect();
    assert!(scopes.contains(&(carol.clone(), "USER".into())));
    assert!(scopes.contains(&(bob.clone(), "GROUP".into())));
    let q = app.get(&format!("/api/v1/apps/{aid}/users?q=BOB")).await;
    assert_eq!(ids(&q.body), vec![bob.clone()]);
    let page = app.get(&format!("/api/v1/apps/{aid}/users?limit=2")).await;
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    let next = page.next_link().expect("a next page");
    assert_eq!(app.get(&next).await.body.as_array().unwrap().len(), 1);

    // A user with the app only through a group cannot be unassigned directly.
    let r = app.delete(&format!("/api/v1/apps/{aid}/users/{bob}")).await;
    r.assert_error(403, "E0000046");
    // Updating bob keeps scope GROUP.
    let r = app
        .post(
            &format!("/api/v1/apps/{aid}/users/{bob}"),
            json!({ "credentials": { "userName": "bobby" } }),
        )
        .await;
    assert_eq!(
        (
            r.body["scope"].clone(),
            r.body["credentials"]["userName"].clone()
        ),
        (json!("GROUP"), json!("bobby"))
    );
    // Assigning alice directly makes her scope USER; unassigning her leaves the group's.
    let r = app
        .post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": alice }))
        .await;
    assert_eq!(r.body["scope"], "USER");
    assert_eq!(
        app.delete(&format!("/api/v1/apps/{aid}/users/{alice}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/apps/{aid}/users/{alice}"))
            .await
            .body["scope"],
        "GROUP"
    );

    // Leaving the group, or unassigning the group, takes the app away; direct stays.
    app.delete(&format!("/api/v1/groups/{gid}/users/{bob}"))
        .await;
    app.get(&format!("/api/v1/apps/{aid}/users/{bob}"))
        .await
        .assert_error(404, "E0000007");
    let r = app
        .delete(&format!("/api/v1/apps/{aid}/groups/{gid}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.delete(&format!("/api/v1/apps/{aid}/groups/{gid}"))
        .await
        .assert_error(404, "E0000007");
    app.get(&format!("/api/v1/apps/{aid}/groups/{gid}"))
        .await
        .assert_error(404, "E0000007");
    let users = app.get(&format!("/api/v1/apps/{aid}/users")).await;
    assert_eq!(ids(&users.body), vec![carol.clone()]);

    let logs = app
        .get_until(
            &format!(
                "/api/v1/logs?filter={}",
                enc(&format!("target.id eq \"{gid}\""))
            ),
            |r| {
                r.body.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|e| e["eventType"] == "group.application_assignment.remove")
                })
            },
        )
        .await;
    let kinds: Vec<&str> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    for kind in [
        "group.application_assignment.add",
        "group.application_assignment.update",
        "group.application_assignment.remove",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn memberships_assignments_and_app_links_agree() {
    let app = spawn_app().await;
    let direct_app = create_app(&app, "", bookmark("Direct App")).await;
    let group_app = create_app(&app, "", bookmark("Group App")).await;
    let inactive_app = create_app(&app, "?activate=false", bookmark("Inactive App")).await;
    let (d, g, i) = (id(&direct_app), id(&group_app), id(&inactive_app));
    let gid = group(&app, "Linked").await;
    let uid = user(&app, "linked@example.com").await;
    app.post(&format!("/api/v1/apps/{d}/users"), json!({ "id": uid }))
        .await;
    app.post(&format!("/api/v1/apps/{i}/users"), json!({ "id": uid }))
        .await;
    app.put(&format!("/api/v1/apps/{g}/groups/{gid}"), json!({}))
        .await;

    let links_path = format!("/api/v1/users/{uid}/appLinks");
    let r = app.get(&links_path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body.as_array().unwrap().len(),
        1,
        "only the active direct app before joining: {}",
        r.text
    );
    let link = &r.body[0];
    assert_eq!(link["id"], uid.as_str());
    assert_eq!(link["label"], "Direct App");
    assert_eq!(link["appName"], "bookmark");
    assert_eq!(link["appInstanceId"], d.as_str());
    assert!(link["appAssignmentId"].as_str().unwrap().starts_with("0ua"));
    assert_eq!(link["linkUrl"], direct_app["_links"]["appLinks"][0]["href"]);
    assert_eq!(link["logoUrl"], direct_app["_links"]["logo"][0]["href"]);
    assert_eq!(
        (
            link["credentialsSetup"].clone(),
            link["hidden"].clone(),
            link["sortOrder"].clone()
        ),
        (json!(false), json!(false), json!(0))
    );

    // Joining the group adds the group's app everywhere at once.
    app.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!({}))
        .await;
    let r = app.get(&links_path).await;
    let instances: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["appInstanceId"].as_str().unwrap())
        .collect();
    assert_eq!(instances, vec![d.as_str(), g.as_str()]);
    let by_user = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(&format!("user.id eq \"{uid}\""))
        ))
        .await;
    assert_eq!(
        ids(&by_user.body),
        sorted(vec![d.clone(), g.clone(), i.clone()])
    );
    let expanded = app
        .get(&format!(
            "/api/v1/apps?filter={}&expand=user/{uid}",
            enc(&format!("user.id eq \"{uid}\""))
        ))
        .await;
    for a in expanded.body.as_array().unwrap() {
        assert_eq!(a["_embedded"]["user"]["id"], uid.as_str(), "{a}");
    }
    let by_group = app.get(&format!("/api/v1/groups/{gid}/apps")).await;
    assert_eq!(ids(&by_group.body), vec![g.clone()]);
    let by_group_filter = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(&format!("group.id eq \"{gid}\""))
        ))
        .await;
    assert_eq!(by_group_filter.body, by_group.body);
    let member = app.get(&format!("/api/v1/apps/{g}/users/{uid}")).await;
    assert_eq!(member.body["scope"], "GROUP");
    let single = app
        .get(&format!("/api/v1/apps/{g}?expand=user/{uid}"))
        .await;
    assert_eq!(single.body["_embedded"]["user"]["scope"], "GROUP");
    let user_groups = app.get(&format!("/api/v1/users/{uid}/groups")).await;
    assert!(user_groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == gid.as_str()));

    // Leaving the group takes it away everywhere; deleting the group too.
    app.delete(&format!("/api/v1/groups/{gid}/users/{uid}"))
        .await;
    assert_eq!(app.get(&links_path).await.body.as_array().unwrap().len(), 1);
    app.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!({}))
        .await;
    assert_eq!(app.get(&links_path).await.body.as_array().unwrap().len(), 2);
    let r = app.delete(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(app.get(&links_path).await.body.as_array().unwrap().len(), 1);
    assert!(app
        .get(&format!("/api/v1/apps/{g}/groups"))
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    app.get(&format!("/api/v1/groups/{gid}/apps"))
        .await
        .assert_error(404, "E0000007");
    app.get("/api/v1/users/nobody@example.com/appLinks")
        .await
        .assert_error(404, "E0000007");

    // Deleting an app removes its assignments.
    app.post_empty(&format!("/api/v1/apps/{d}/lifecycle/deactivate"))
        .await;
    app.delete(&format!("/api/v1/apps/{d}")).await;
    assert!(app
        .get(&links_path)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
}
