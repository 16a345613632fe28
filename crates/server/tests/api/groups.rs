//! Groups: add, get, list (q, filter, search, sortBy, expand, keyset pages), replace, delete;
//! members; owners; the refusals for Everyone and app groups; System Log events.

use crate::harness::{spawn_app, spawn_app_with_clock, Reply, TestApp};
use model::time::{Clock, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Creates an OKTA_GROUP (200 asserted) and returns its JSON.
async fn create_group(app: &TestApp, profile: Value) -> Value {
    let r = app
        .post("/api/v1/groups", json!({ "profile": profile }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn create_user(app: &TestApp, login: &str) -> String {
    id(&app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile(login) }),
        )
        .await)
}

async fn everyone(app: &TestApp) -> Value {
    let r = app.get("/api/v1/groups?q=Everyone").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "BUILT_IN")
        .cloned()
        .expect("Everyone is listed")
}

/// An APP_GROUP written straight into the store: no API creates one (apps import them).
async fn insert_app_group(app: &TestApp, name: &str) -> String {
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            app.data_dir.path().join("latchkey.db").display()
        )
    });
    let store = store::connect(&url).await.unwrap();
    let now = Timestamp::parse_iso("2015-08-15T19:15:17.000Z")
        .unwrap()
        .millis();
    let group = store::GroupRecord {
        id: model::ids::new_id(model::ids::Kind::Group),
        group_type: "APP_GROUP".into(),
        created: now,
        last_updated: now,
        last_membership_updated: now,
        profile: serde_json::from_value(json!({
            "name": name,
            "description": "corp.example.com/Engineering/Engineering Users",
            "samAccountName": name,
        }))
        .unwrap(),
        source_id: Some("0oa2v0el0gP90aqjJ0g7".into()),
    };
    let event = store::EventRecord {
        id: model::ids::random_base62(22),
        published: now,
        event_type: "group.lifecycle.create".into(),
        body: json!({ "eventType": "group.lifecycle.create" }),
    };
    store.insert_group(&group, &event).await.unwrap();
    group.id
}

fn ids_of(r: &Reply) -> Vec<String> {
    r.body.as_array().unwrap().iter().map(id).collect()
}

/// Follows `next` links from `first`, checking the Link header order on every page.
async fn collect_pages(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut url = first.to_owned();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        pages += 1;
        let links = r.header_all("link");
        assert!(
            links.first().unwrap().ends_with("rel=\"self\""),
            "{links:?}"
        );
        items.extend(r.body.as_array().unwrap().iter().cloned());
        match r.next_link() {
            Some(next) => {
                assert!(links.last().unwrap().ends_with("rel=\"next\""), "{links:?}");
                assert!(next.starts_with(&app.base), "{next}");
                url = next;
            }
            None => break,
        }
    }
    (items, pages)
}

#[tokio::test]
async fn add_group_returns_the_group_object() {
    let app = spawn_app().await;
    app.declare(
        "/api/v1/meta/schemas/group/default",
        json!({
            "costCenter": { "title": "Cost center", "type": "string" },
            "floors": { "title": "Floors", "type": "array", "items": { "type": "integer" } },
        }),
    )
    .await;
    let r = app
        .post(
            "/api/v1/groups",
            json!({
                "type": "OKTA_GROUP",
                "profile": {
                    "name": "West Coast Users",
                    "description": "All Users West of The Rockies",
                    "costCenter": "CC-1",
                    "floors": [1, 2],
                }
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert!(r.header("x-okta-request-id").is_some());
    let g = &r.body;
    let gid = id(g);
    assert!(gid.starts_with("00g") && gid.len() == 20, "{gid}");
    let created = g["created"].as_str().unwrap();
    assert!(Timestamp::parse_iso(created).is_some(), "{created}");
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    assert_eq!(g["lastUpdated"], created);
    assert_eq!(g["lastMembershipUpdated"], created);
    let href = format!("{}/api/v1/groups/{gid}", app.base);
    assert_eq!(
        g,
        &json!({
            "id": gid,
            "created": created,
            "lastUpdated": created,
            "lastMembershipUpdated": created,
            "objectClass": ["okta:user_group"],
            "type": "OKTA_GROUP",
            "profile": {
                "name": "West Coast Users",
                "description": "All Users West of The Rockies",
                "costCenter": "CC-1",
                "floors": [1, 2],
            },
            "_links": {
                "logo": [
                    {
                        "name": "medium",
                        "href": format!("{}/img/logos/groups/okta-medium.png", app.base),
                        "type": "image/png",
                    },
                    {
                        "name": "large",
                        "href": format!("{}/img/logos/groups/okta-large.png", app.base),
                        "type": "image/png",
                    },
                ],
                "users": { "href": format!("{href}/users") },
                "apps": { "href": format!("{href}/apps") },
            },
        })
    );
    let got = app.get(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(&got.body, g, "GET answers what POST created");
    // A new group has no members.
    let members = app.get(&format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(members.body, json!([]));
}

#[tokio::test]
async fn add_group_validates_the_profile_and_body() {
    let app = spawn_app().await;
    for body in [
        json!({ "profile": {} }),
        json!({ "profile": { "name": "   ", "description": "x" } }),
        json!({ "profile": { "name": null } }),
        json!({}),
    ] {
        let r = app.post("/api/v1/groups", body).await;
        r.assert_error(400, "E0000001");
        assert_eq!(r.body["errorSummary"], "Api validation failed: name");
        assert_eq!(r.causes(), vec!["name: The field cannot be left blank"]);
    }
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "n".repeat(256), "description": "d".repeat(1025) } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        vec![
            "name: 'name' cannot be more than '255' characters long.",
            "description: 'description' cannot be more than '1024' characters long.",
        ]
    );
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Nested", "extra": { "a": 1 } } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.body["errorSummary"], "Api validation failed: extra");

    // Malformed JSON, and a body of the wrong shape.
    let raw = app
        .client
        .post(app.url("/api/v1/groups"))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Content-Type", "application/json")
        .body("{\"profile\": {\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000003");
    let r = app
        .post("/api/v1/groups", json!({ "profile": "Engineering" }))
        .await;
    r.assert_error(400, "E0000003");

    // No token.
    let r = app
        .call_as(
            Method::POST,
            "/api/v1/groups",
            Some(json!({ "profile": { "name": "x" } })),
            None,
        )
        .await;
    r.assert_error(401, "E0000011");
    // Nothing was created by any refused request.
    let all = app.get("/api/v1/groups").await;
    assert_eq!(all.body.as_array().unwrap().len(), 1, "only Everyone");
}

#[tokio::test]
async fn group_names_are_unique_ignoring_case() {
    let app = spawn_app().await;
    create_group(&app, json!({ "name": "Engineering" })).await;
    for name in ["Engineering", "ENGINEERING", "everyone"] {
        let r = app
            .post("/api/v1/groups", json!({ "profile": { "name": name } }))
            .await;
        r.assert_error(400, "E0000001");
        assert_eq!(r.body["errorSummary"], "Api validation failed: name");
        assert_eq!(
            r.causes(),
            vec!["name: An object with this field already exists in the current organization"]
        );
    }
    // Renaming onto a taken name is refused the same way; the group keeps its profile.
    let sales = create_group(&app, json!({ "name": "Sales" })).await;
    let r = app
        .put(
            &format!("/api/v1/groups/{}", id(&sales)),
            json!({ "profile": { "name": "engineering" } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    let again = app.get(&format!("/api/v1/groups/{}", id(&sales))).await;
    assert_eq!(again.body["profile"], json!({ "name": "Sales" }));
    // App groups imported with a taken name do not stop anything.
    insert_app_group(&app, "Sales").await;
}

#[tokio::test]
async fn unknown_groups_are_404() {
    let app = spawn_app().await;
    let user = create_user(&app, "lost@example.com").await;
    for (method, path) in [
        (Method::GET, "/api/v1/groups/00gunknownunknownunk"),
        (Method::PUT, "/api/v1/groups/00gunknownunknownunk"),
        (Method::DELETE, "/api/v1/groups/00gunknownunknownunk"),
        (Method::GET, "/api/v1/groups/00gunknownunknownunk/users"),
        (Method::GET, "/api/v1/groups/00gunknownunknownunk/apps"),
        (Method::GET, "/api/v1/groups/00gunknownunknownunk/owners"),
        (Method::GET, "/api/v1/groups/not-a-group-id"),
    ] {
        let body = (method == Method::PUT).then(|| json!({ "profile": { "name": "x" } }));
        let r = app.call(method.clone(), path, body).await;
        r.assert_error(404, "E0000007");
    }
    let r = app.get("/api/v1/groups/00gunknownunknownunk").await;
    assert_eq!(
        r.body["errorSummary"],
        "Not found: Resource not found: 00gunknownunknownunk (UserGroup)"
    );
    assert_eq!(r.body["errorCauses"], json!([]));
    let r = app
        .put(
            &format!("/api/v1/groups/00gunknownunknownunk/users/{user}"),
            json!({}),
        )
        .await;
    r.assert_error(404, "E0000007");
    let g = create_group(&app, json!({ "name": "Found" })).await;
    for method in [Method::PUT, Method::DELETE] {
        let r = app
            .call(
                method,
                &format!("/api/v1/groups/{}/users/00uunknownunknownunk", id(&g)),
                None,
            )
            .await;
        r.assert_error(404, "E0000007");
        assert_eq!(
            r.body["errorSummary"],
            "Not found: Resource not found: 00uunknownunknownunk (User)"
        );
    }
    let r = app
        .call(Method::PATCH, &format!("/api/v1/groups/{}", id(&g)), None)
        .await;
    r.assert_error(405, "E0000022");
}

#[tokio::test]
async fn replace_and_membership_move_their_own_timestamps() {
    let start = Timestamp::parse_iso("2024-03-01T10:00:00.000Z").unwrap();
    let clock = Clock::manual(start);
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    app.declare(
        "/api/v1/meta/schemas/group/default",
        json!({ "room": { "title": "Room", "type": "string" } }),
    )
    .await;
    let g = create_group(
        &app,
        json!({ "name": "Timekeepers", "description": "Before", "room": "A" }),
    )
    .await;
    let gid = id(&g);
    let path = format!("/api/v1/groups/{gid}");
    assert_eq!(g["created"], "2024-03-01T10:00:00.000Z");

    clock.advance(1_000);
    let r = app
        .put(&path, json!({ "profile": { "name": "Timekeepers 2" } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["profile"],
        json!({ "name": "Timekeepers 2" }),
        "PUT replaces"
    );
    assert_eq!(r.body["created"], "2024-03-01T10:00:00.000Z");
    assert_eq!(r.body["lastUpdated"], "2024-03-01T10:00:01.000Z");
    assert_eq!(r.body["lastMembershipUpdated"], "2024-03-01T10:00:00.000Z");
    assert_eq!(app.get(&path).await.body, r.body);

    // A PUT needs a profile with a name.
    for body in [
        json!({}),
        json!({ "profile": { "description": "no name" } }),
    ] {
        let bad = app.put(&path, body).await;
        bad.assert_error(400, "E0000001");
        assert_eq!(bad.causes(), vec!["name: The field cannot be left blank"]);
    }

    clock.advance(1_000);
    let user = create_user(&app, "timed@example.com").await;
    let member = format!("{path}/users/{user}");
    let added = app.put(&member, json!({})).await;
    assert_eq!(added.status, StatusCode::NO_CONTENT);
    assert!(added.text.is_empty());
    assert_eq!(added.header("content-type"), None);
    let after_add = app.get(&path).await.body;
    assert_eq!(
        after_add["lastMembershipUpdated"],
        "2024-03-01T10:00:02.000Z"
    );
    assert_eq!(after_add["lastUpdated"], "2024-03-01T10:00:01.000Z");

    clock.advance(1_000);
    let again = app.put(&member, json!({})).await;
    assert_eq!(
        again.status,
        StatusCode::NO_CONTENT,
        "adding a member twice is fine"
    );
    assert_eq!(
        app.get(&path).await.body["lastMembershipUpdated"],
        "2024-03-01T10:00:02.000Z",
        "a repeated add changes nothing"
    );

    clock.advance(1_000);
    let removed = app.delete(&member).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(removed.text.is_empty());
    assert_eq!(
        app.get(&path).await.body["lastMembershipUpdated"],
        "2024-03-01T10:00:04.000Z"
    );
    clock.advance(1_000);
    let removed = app.delete(&member).await;
    assert_eq!(
        removed.status,
        StatusCode::NO_CONTENT,
        "removing a non-member is fine"
    );
    assert_eq!(
        app.get(&path).await.body["lastMembershipUpdated"],
        "2024-03-01T10:00:04.000Z"
    );

    // filter on both timestamps sees the same facts.
    let f = |expr: &str| format!("/api/v1/groups?filter={}", enc(expr));
    let r = app
        .get(&f(r#"lastMembershipUpdated gt "2024-03-01T10:00:03.000Z""#))
        .await;
    assert_eq!(ids_of(&r), vec![gid.clone()]);
    let r = app
        .get(&f(r#"lastUpdated eq "2024-03-01T10:00:01.000Z""#))
        .await;
    assert_eq!(ids_of(&r), vec![gid.clone()]);
    let r = app
        .get(&f(
            r#"type eq "OKTA_GROUP" and (lastUpdated lt "2024-03-01T10:00:01.000Z" or lastMembershipUpdated ge "2024-03-01T10:00:04.000Z")"#,
        ))
        .await;
    assert_eq!(ids_of(&r), vec![gid.clone()]);
    let r = app
        .get(&f(
            r#"lastUpdated le "2024-03-01T10:00:00.999Z" and type eq "OKTA_GROUP""#,
        ))
        .await;
    assert_eq!(ids_of(&r), Vec::<String>::new());
}

#[tokio::test]
async fn everyone_and_app_groups_refuse_changes() {
    let app = spawn_app().await;
    let user = create_user(&app, "member@example.com").await;
    let everyone = everyone(&app).await;
    let eid = id(&everyone);
    assert_eq!(everyone["objectClass"], json!(["okta:user_group"]));
    assert_eq!(everyone["profile"]["name"], "Everyone");
    let owner_body = json!({ "id": user, "type": "USER" });

    // Everyone: Okta manages it (501 E0000060, "Unsupported operation.").
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/v1/groups/{eid}"),
            Some(json!({ "profile": { "name": "All" } })),
        ),
        (Method::DELETE, format!("/api/v1/groups/{eid}"), None),
        (
            Method::PUT,
            format!("/api/v1/groups/{eid}/users/{user}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/groups/{eid}/users/{user}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/groups/{eid}/owners"),
            Some(owner_body.clone()),
        ),
    ] {
        let r = app.call(method, &path, body).await;
        r.assert_error(501, "E0000060");
        assert_eq!(r.body["errorSummary"], "Unsupported operation.");
    }
    let still = app.get(&format!("/api/v1/groups/{eid}")).await;
    assert_eq!(still.body, everyone, "Everyone is unchanged");
    let members = ids_of(&app.get(&format!("/api/v1/groups/{eid}/users")).await);
    assert!(members.contains(&user), "every user is in Everyone");

    // App groups: the app manages profile and members (403 E0000006); delete is allowed.
    let gid = insert_app_group(&app, "Engineering Users").await;
    let path = format!("/api/v1/groups/{gid}");
    let got = app.get(&path).await;
    assert_eq!(got.body["type"], "APP_GROUP");
    assert_eq!(
        got.body["objectClass"],
        json!(["okta:windows_security_principal"])
    );
    assert_eq!(got.body["source"], json!({ "id": "0oa2v0el0gP90aqjJ0g7" }));
    assert_eq!(
        got.body["_links"]["source"]["href"],
        format!("{}/api/v1/apps/0oa2v0el0gP90aqjJ0g7", app.base)
    );
    for (method, path, body) in [
        (
            Method::PUT,
            path.clone(),
            Some(json!({ "profile": { "name": "Renamed" } })),
        ),
        (Method::PUT, format!("{path}/users/{user}"), None),
        (Method::DELETE, format!("{path}/users/{user}"), None),
    ] {
        let r = app.call(method, &path, body).await;
        r.assert_error(403, "E0000006");
        assert_eq!(
            r.body["errorSummary"],
            "You do not have permission to perform the requested action"
        );
    }
    assert_eq!(
        app.get(&path).await.body,
        got.body,
        "the app group is unchanged"
    );
    let search = app
        .get(&format!(
            "/api/v1/groups?search={}",
            enc(r#"source.id eq "0oa2v0el0gP90aqjJ0g7" and type eq "APP_GROUP""#)
        ))
        .await;
    assert_eq!(ids_of(&search), vec![gid.clone()]);
    let deleted = app.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&path).await.assert_error(404, "E0000007");
}

#[tokio::test]
async fn delete_group_takes_its_memberships() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "Short-lived" })).await;
    let gid = id(&g);
    let user = create_user(&app, "leaver@example.com").await;
    let r = app
        .put(&format!("/api/v1/groups/{gid}/users/{user}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let names = |r: Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["profile"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut before = names(app.get(&format!("/api/v1/users/{user}/groups")).await);
    before.sort();
    assert_eq!(before, vec!["Everyone", "Short-lived"]);

    let r = app.delete(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    assert_eq!(r.header("content-type"), None);
    app.get(&format!("/api/v1/groups/{gid}"))
        .await
        .assert_error(404, "E0000007");
    app.delete(&format!("/api/v1/groups/{gid}"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        names(app.get(&format!("/api/v1/users/{user}/groups")).await),
        vec!["Everyone"]
    );
    // The name is free again.
    create_group(&app, json!({ "name": "Short-lived" })).await;
}

#[tokio::test]
async fn members_are_users_and_agree_with_the_users_groups() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "Readers" })).await;
    let gid = id(&g);
    let mut users = Vec::new();
    for i in 0..3 {
        let u = create_user(&app, &format!("reader{i}@example.com")).await;
        let r = app
            .put(&format!("/api/v1/groups/{gid}/users/{u}"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        users.push(u);
    }
    let r = app.get(&format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header_all("link"),
        vec![format!(
            "<{}/api/v1/groups/{gid}/users>; rel=\"self\"",
            app.base
        )]
    );
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(ids_of(&r), expected, "members by id");
    // Each member is rendered as the user list renders users.
    let listed = app
        .get(&format!(
            "/api/v1/users?filter={}",
            enc(&format!(r#"id eq "{}""#, users[0]))
        ))
        .await;
    let from_group = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == users[0].as_str())
        .unwrap();
    assert_eq!(from_group, &listed.body[0]);
    assert_eq!(
        from_group["_links"],
        json!({ "self": { "href": format!("{}/api/v1/users/{}", app.base, users[0]) } })
    );

    for u in &users {
        let groups = app.get(&format!("/api/v1/users/{u}/groups")).await;
        let gids = ids_of(&groups);
        assert!(gids.contains(&gid), "the user's groups list the group");
        let shown = groups
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == gid.as_str())
            .unwrap();
        assert_eq!(
            shown,
            &app.get(&format!("/api/v1/groups/{gid}")).await.body,
            "one rendering"
        );
    }
    let r = app
        .delete(&format!("/api/v1/groups/{gid}/users/{}", users[1]))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v1/groups/{gid}/users")).await;
    assert!(!ids_of(&r).contains(&users[1]));
    assert!(!ids_of(&app.get(&format!("/api/v1/users/{}/groups", users[1])).await).contains(&gid));

    // Deleting a user ends its memberships.
    app.delete(&format!("/api/v1/users/{}", users[0])).await;
    let r = app.delete(&format!("/api/v1/users/{}", users[0])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        ids_of(&app.get(&format!("/api/v1/groups/{gid}/users")).await),
        vec![users[2].clone()]
    );

    // groupIds on user create land in the member list too.
    let created = app
        .create_user(
            "?activate=false",
            json!({ "profile": TestApp::profile("joined@example.com"), "groupIds": [gid] }),
        )
        .await;
    assert!(ids_of(&app.get(&format!("/api/v1/groups/{gid}/users")).await).contains(&id(&created)));

    // Bad page requests.
    app.get(&format!("/api/v1/groups/{gid}/users?limit=0"))
        .await
        .assert_error(400, "E0000029");
    app.get(&format!("/api/v1/groups/{gid}/users?after=%%%"))
        .await
        .assert_error(400, "E0000029");
}

#[tokio::test]
async fn member_pages_visit_each_of_260_members_once() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "Crowd" })).await;
    let gid = id(&g);
    let mut expected = HashSet::new();
    let indexes: Vec<usize> = (0..260).collect();
    for chunk in indexes.chunks(20) {
        let made = futures::future::join_all(chunk.iter().map(|i| {
            let login = format!("crowd{i:03}@example.com");
            let app = &app;
            async move { create_user(app, &login).await }
        }))
        .await;
        let adds = futures::future::join_all(made.iter().map(|u| {
            let path = format!("/api/v1/groups/{gid}/users/{u}");
            let app = &app;
            async move { app.call(Method::PUT, &path, None).await }
        }))
        .await;
        for r in adds {
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        }
        expected.extend(made);
    }
    let (items, pages) =
        collect_pages(&app, &format!("/api/v1/groups/{gid}/users?limit=100")).await;
    assert_eq!(pages, 3);
    let seen: Vec<String> = items.iter().map(id).collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "members come in id order across pages");
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no member twice");
    assert_eq!(unique, expected);
    let first = app
        .get(&format!("/api/v1/groups/{gid}/users?limit=100"))
        .await;
    let next = first.next_link().unwrap();
    assert!(
        next.starts_with(&format!(
            "{}/api/v1/groups/{gid}/users?limit=100&after=",
            app.base
        )),
        "{next}"
    );
    // The default page (1000) holds them all.
    let all = app.get(&format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(all.body.as_array().unwrap().len(), 260);
    assert!(all.next_link().is_none());
    // expand=stats counts them.
    let stats = app.get(&format!("/api/v1/groups/{gid}?expand=stats")).await;
    assert_eq!(stats.body["_embedded"]["stats"]["usersCount"], 260);
    let everyone = app.get("/api/v1/groups?q=Everyone&expand=stats").await;
    assert_eq!(everyone.body[0]["_embedded"]["stats"]["usersCount"], 261);
}

#[tokio::test]
async fn group_pages_visit_each_of_260_groups_once() {
    let app = spawn_app().await;
    let mut expected: HashSet<String> = HashSet::from([id(&everyone(&app).await)]);
    let indexes: Vec<usize> = (0..260).collect();
    for chunk in indexes.chunks(20) {
        let made = futures::future::join_all(
            chunk
                .iter()
                .map(|i| create_group(&app, json!({ "name": format!("Team {i:03}") }))),
        )
        .await;
        expected.extend(made.iter().map(id));
    }
    let (items, pages) = collect_pages(&app, "/api/v1/groups?limit=100").await;
    assert_eq!(pages, 3);
    let seen: Vec<String> = items.iter().map(id).collect();
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no group twice");
    assert_eq!(unique, expected);
    let r = app.get("/api/v1/groups?limit=100").await;
    assert_eq!(
        r.header_all("link").first().unwrap(),
        &format!("<{}/api/v1/groups?limit=100>; rel=\"self\"", app.base)
    );
    // Without a limit, one page holds them all.
    let all = app.get("/api/v1/groups").await;
    assert_eq!(all.body.as_array().unwrap().len(), 261);
    assert!(all.next_link().is_none());

    // A sorted search pages in its order.
    let (items, _) = collect_pages(
        &app,
        &format!(
            "/api/v1/groups?search={}&sortBy=profile.name&sortOrder=desc&limit=70",
            enc(r#"profile.name sw "team""#)
        ),
    )
    .await;
    let names: Vec<String> = items
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap().to_owned())
        .collect();
    let mut ordered = names.clone();
    ordered.sort();
    ordered.reverse();
    assert_eq!(names.len(), 260);
    assert_eq!(names, ordered);

    // q answers one page of matches, exact match first, never a next link.
    let q = app.get("/api/v1/groups?q=team%2000&limit=5").await;
    let names: Vec<&str> = q
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Team 000", "Team 001", "Team 002", "Team 003", "Team 004"]
    );
    assert!(q.next_link().is_none(), "q has no next page");
    let exact = app.get("/api/v1/groups?q=Team%2001").await;
    assert_eq!(exact.body.as_array().unwrap().len(), 10);
    let q_default = app.get("/api/v1/groups?q=team").await;
    assert_eq!(q_default.body.as_array().unwrap().len(), 260);
}

#[tokio::test]
async fn list_filters_search_and_errors() {
    let app = spawn_app().await;
    app.declare(
        "/api/v1/meta/schemas/group/default",
        json!({ "floor": { "title": "Floor", "type": "integer" } }),
    )
    .await;
    let west = create_group(
        &app,
        json!({ "name": "West Coast Users", "description": "All Users West of The Rockies" }),
    )
    .await;
    let squabble = create_group(
        &app,
        json!({ "name": "Squabble of Users", "description": "Keep Calm and Single Sign-On", "floor": 3 }),
    )
    .await;
    let app_group = insert_app_group(&app, "Engineering Users").await;
    let everyone_id = id(&everyone(&app).await);
    let search = |expr: &str| format!("/api/v1/groups?search={}", enc(expr));
    let filter = |expr: &str| format!("/api/v1/groups?filter={}", enc(expr));
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    let r = app.get(&filter(r#"type eq "OKTA_GROUP""#)).await;
    assert_eq!(ids_of(&r), sorted(vec![id(&west), id(&squabble)]));
    assert_eq!(
        r.header_all("link"),
        vec![format!(
            "<{}/api/v1/groups?filter={}>; rel=\"self\"",
            app.base,
            enc(r#"type eq "OKTA_GROUP""#)
        )]
    );
    let r = app.get(&filter(r#"type eq "BUILT_IN""#)).await;
    assert_eq!(ids_of(&r), vec![everyone_id.clone()]);
    let r = app.get(&filter(r#"type eq "APP_GROUP""#)).await;
    assert_eq!(ids_of(&r), vec![app_group.clone()]);
    let r = app
        .get(&filter(&format!(
            r#"id eq "{}" or id eq "{}""#,
            id(&west),
            app_group
        )))
        .await;
    assert_eq!(ids_of(&r), sorted(vec![id(&west), app_group.clone()]));

    let r = app.get(&search(r#"profile.name sw "west""#)).await;
    assert_eq!(ids_of(&r), vec![id(&west)]);
    let r = app.get(&search(r#"profile.name co "OF USERS""#)).await;
    assert_eq!(ids_of(&r), vec![id(&squabble)]);
    let r = app
        .get(&search(r#"profile.description co "rockies""#))
        .await;
    assert_eq!(ids_of(&r), vec![id(&west)]);
    let r = app.get(&search("profile.floor eq 3")).await;
    assert_eq!(ids_of(&r), vec![id(&squabble)]);
    let r = app
        .get(&search(r#"profile.samAccountName sw "Engineering""#))
        .await;
    assert_eq!(ids_of(&r), vec![app_group.clone()]);
    let r = app
        .get(&search(
            r#"type eq "okta_group" and not profile.description co "calm""#,
        ))
        .await;
    assert_eq!(ids_of(&r), vec![id(&west)]);
    let r = app
        .get(&format!(
            "{}&sortBy=profile.name",
            search(r#"type eq "OKTA_GROUP""#)
        ))
        .await;
    assert_eq!(
        ids_of(&r),
        vec![id(&squabble), id(&west)],
        "sortBy profile.name"
    );
    let r = app
        .get(&format!(
            "{}&sortBy=created&sortOrder=DESC&expand=stats",
            search(r#"created pr"#)
        ))
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 4);
    for g in r.body.as_array().unwrap() {
        assert_eq!(
            g["_embedded"]["stats"]["appsCount"], 0,
            "stats on every group of the page"
        );
    }
    let shown = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id(&west).as_str())
        .unwrap();
    assert_eq!(
        shown["_embedded"],
        json!({ "stats": {
            "usersCount": 0,
            "appsCount": 0,
            "groupPushMappingsCount": 0,
            "hasAdminPrivilege": false,
            "hasAdminPrivlege": false,
        }})
    );
    // expand=app adds nothing while no app can be a group's source.
    let r = app.get("/api/v1/groups?expand=app").await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g.get("_embedded").is_none()));

    // Errors.
    for (path, code) in [
        (filter(r#"profile.name eq "West Coast Users""#), "E0000031"),
        (filter(r#"type eq "TEAM""#), "E0000031"),
        (filter(r#"type sw "OKTA""#), "E0000031"),
        (filter(r#"type eq "OKTA_GROUP" and"#), "E0000031"),
        (search(r#"profile.samAccountName co "Eng""#), "E0000031"),
        (search(r#"objectClass eq "okta:user_group""#), "E0000031"),
        (filter(r#"lastUpdated gt "yesterday""#), "E0000030"),
        ("/api/v1/groups?limit=-1".to_owned(), "E0000029"),
        ("/api/v1/groups?limit=many".to_owned(), "E0000029"),
        ("/api/v1/groups?after=garbage!".to_owned(), "E0000029"),
        (
            format!("{}&sortBy=objectClass", search("id pr")),
            "E0000031",
        ),
    ] {
        let r = app.get(&path).await;
        r.assert_error(400, code);
        if code == "E0000031" {
            assert_eq!(r.causes().len(), 1, "{path}: one cause says why");
        }
    }
    let r = app
        .get(&filter(r#"profile.name eq "West Coast Users""#))
        .await;
    assert_eq!(
        r.causes(),
        vec!["Attribute 'profile.name' is not supported in filter"]
    );
}

#[tokio::test]
async fn owners_are_listed_assigned_and_removed() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "Product & Engineering" })).await;
    let gid = id(&g);
    let owning = create_group(&app, json!({ "name": "Admins" })).await;
    let owners_path = format!("/api/v1/groups/{gid}/owners");
    let user = id(&app
        .create_user(
            "?activate=false",
            json!({ "profile": {
                "firstName": "Mabel", "lastName": "Mora",
                "email": "mabel@example.com", "login": "mabel@example.com",
            }}),
        )
        .await);

    let empty = app.get(&owners_path).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body, json!([]));

    let r = app
        .post(&owners_path, json!({ "id": user, "type": "USER" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let last_updated = r.body["lastUpdated"].as_str().unwrap().to_owned();
    assert!(Timestamp::parse_iso(&last_updated).is_some());
    assert_eq!(
        r.body,
        json!({
            "id": user,
            "type": "USER",
            "resolved": true,
            "originId": null,
            "originType": "OKTA_DIRECTORY",
            "displayName": "Mabel Mora",
            "lastUpdated": last_updated,
        })
    );
    let again = app
        .post(&owners_path, json!({ "id": user, "type": "USER" }))
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(
        again.body, r.body,
        "assigning an owner twice answers the owner"
    );
    let r = app
        .post(&owners_path, json!({ "id": id(&owning), "type": "GROUP" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["displayName"], "Admins");
    assert_eq!(r.body["type"], "GROUP");

    let all = app.get(&owners_path).await;
    let mut expected = vec![user.clone(), id(&owning)];
    expected.sort();
    assert_eq!(ids_of(&all), expected, "owners by id");
    let users_only = app
        .get(&format!(
            "{owners_path}?search={}",
            enc(r#"type eq "USER""#)
        ))
        .await;
    assert_eq!(ids_of(&users_only), vec![user.clone()]);
    let (paged, pages) = collect_pages(&app, &format!("{owners_path}?limit=1")).await;
    assert_eq!(pages, 2);
    assert_eq!(paged.iter().map(id).collect::<Vec<_>>(), expected);

    // Refusals.
    for (body, status, code) in [
        (json!({ "type": "USER" }), 400, "E0000001"),
        (json!({ "id": user, "type": "ROBOT" }), 400, "E0000001"),
        (
            json!({ "id": "00uunknownunknownunk", "type": "USER" }),
            404,
            "E0000007",
        ),
        (
            json!({ "id": "00gunknownunknownunk", "type": "GROUP" }),
            404,
            "E0000007",
        ),
    ] {
        app.post(&owners_path, body)
            .await
            .assert_error(status, code);
    }
    app.get(&format!("{owners_path}?search={}", enc(r#"type eq "APP""#)))
        .await
        .assert_error(400, "E0000031");
    app.post(
        "/api/v1/groups/00gunknownunknownunk/owners",
        json!({ "id": user }),
    )
    .await
    .assert_error(404, "E0000007");

    let r = app.delete(&format!("{owners_path}/{user}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    let r = app.delete(&format!("{owners_path}/{user}")).await;
    r.assert_error(404, "E0000007");
    assert_eq!(
        r.body["errorSummary"],
        format!("Not found: Resource not found: {user} (GroupOwner)")
    );
    // An owner group that is deleted stops being an owner.
    app.delete(&format!("/api/v1/groups/{}", id(&owning))).await;
    assert_eq!(app.get(&owners_path).await.body, json!([]));
}

#[tokio::test]
async fn group_changes_write_system_log_events() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "Audited" })).await;
    let gid = id(&g);
    let user = create_user(&app, "audited@example.com").await;
    let member = format!("/api/v1/groups/{gid}/users/{user}");
    app.put(
        &format!("/api/v1/groups/{gid}"),
        json!({ "profile": { "name": "Audited 2" } }),
    )
    .await;
    app.put(&member, json!({})).await;
    app.put(&member, json!({})).await;
    app.delete(&member).await;
    app.delete(&member).await;
    app.post(
        &format!("/api/v1/groups/{gid}/owners"),
        json!({ "id": user, "type": "USER" }),
    )
    .await;
    app.delete(&format!("/api/v1/groups/{gid}/owners/{user}"))
        .await;
    // A refused change writes nothing.
    app.post(
        "/api/v1/groups",
        json!({ "profile": { "name": "audited 2" } }),
    )
    .await
    .assert_error(400, "E0000001");
    app.delete(&format!("/api/v1/groups/{gid}")).await;

    let logs = app.get("/api/v1/logs?limit=100").await;
    assert_eq!(logs.status, StatusCode::OK, "{}", logs.text);
    let group_events: Vec<&Value> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["target"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["id"] == gid.as_str()))
        })
        .collect();
    let kinds: Vec<&str> = group_events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "group.lifecycle.create",
            "group.profile.update",
            "group.user_membership.add",
            "group.user_membership.remove",
            "group.owner.add",
            "group.owner.remove",
            "group.lifecycle.delete",
        ],
        "one event per change, none for a change that changed nothing"
    );
    let add = group_events[2];
    assert_eq!(add["target"][0]["id"], user.as_str());
    assert_eq!(add["target"][0]["type"], "User");
    assert_eq!(
        add["target"][1],
        json!({ "id": gid, "type": "UserGroup", "alternateId": "Audited 2", "displayName": "Audited 2" })
    );
    assert_eq!(add["outcome"]["result"], "SUCCESS");
    let filtered = app
        .get(&format!(
            "/api/v1/logs?filter={}",
            enc(r#"eventType eq "group.user_membership.add""#)
        ))
        .await;
    assert_eq!(filtered.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn apps_of_a_group_are_an_empty_page() {
    let app = spawn_app().await;
    let g = create_group(&app, json!({ "name": "No Apps" })).await;
    let r = app
        .get(&format!("/api/v1/groups/{}/apps?limit=5", id(&g)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!([]));
    assert_eq!(
        r.header_all("link"),
        vec![format!(
            "<{}/api/v1/groups/{}/apps?limit=5>; rel=\"self\"",
            app.base,
            id(&g)
        )]
    );
}
