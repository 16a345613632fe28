//! The Schemas API: the user schema of each type, the group schema and app-user schemas;
//! custom properties declared, changed and removed; every profile write checked against
//! them; unique properties enforced under concurrency.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{spawn_app, TestApp};

const USER: &str = "/api/v1/meta/schemas/user/default";
const GROUP: &str = "/api/v1/meta/schemas/group/default";

fn person(login: &str, extra: Value) -> Value {
    let mut profile = json!({
        "login": login, "email": login, "firstName": "Ada", "lastName": "Lovelace",
    });
    for (k, v) in extra.as_object().unwrap() {
        profile[k] = v.clone();
    }
    json!({ "profile": profile })
}

async fn create_user(app: &TestApp, login: &str, extra: Value) -> crate::harness::Reply {
    app.post("/api/v1/users?activate=false", person(login, extra))
        .await
}

#[tokio::test]
async fn the_default_user_schema_has_the_base_profile() {
    let app = spawn_app().await;
    let r = app.get(USER).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = &r.body;
    assert_eq!(s["$schema"], "http://json-schema.org/draft-04/schema#");
    assert_eq!(s["name"], "user");
    assert_eq!(s["title"], "Default Okta User");
    assert_eq!(s["type"], "object");
    assert!(s["id"]
        .as_str()
        .unwrap()
        .ends_with("/meta/schemas/user/default"));
    let base = &s["definitions"]["base"];
    assert_eq!(base["id"], "#base");
    assert_eq!(
        base["required"],
        json!(["login", "firstName", "lastName", "email"])
    );
    assert_eq!(base["properties"]["login"]["minLength"], 5);
    assert_eq!(base["properties"]["login"]["maxLength"], 100);
    assert_eq!(base["properties"]["email"]["format"], "email");
    assert_eq!(base["properties"]["department"]["type"], "string");
    assert_eq!(
        s["definitions"]["custom"],
        json!({ "id": "#custom", "type": "object", "properties": {}, "required": [] })
    );
    assert_eq!(
        s["properties"]["profile"]["allOf"],
        json!([{ "$ref": "#/definitions/base" }, { "$ref": "#/definitions/custom" }])
    );
    assert_eq!(
        s["_links"]["self"]["href"],
        app.url("/api/v1/meta/schemas/user/default")
    );
    // The default type's own schema link names the same schema.
    let t = app.get("/api/v1/meta/types/user/default").await;
    let by_id = app
        .client
        .get(t.body["_links"]["schema"]["href"].as_str().unwrap())
        .header("Authorization", format!("SSWS {}", app.token))
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.status(), StatusCode::OK);
    let by_id: Value = by_id.json().await.unwrap();
    assert_eq!(by_id["definitions"], s["definitions"]);

    for missing in [
        "/api/v1/meta/schemas/user/oscnope",
        "/api/v1/meta/schemas/user/nope",
        "/api/v1/meta/schemas/apps/0oanope/default",
    ] {
        app.get(missing).await.assert_error(404, "E0000007");
    }
    let anonymous = app.client.get(app.url(USER)).send().await.unwrap().status();
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn custom_properties_are_declared_checked_searched_and_removed() {
    let app = spawn_app().await;
    // Undeclared attributes are refused, as Okta does.
    let r = create_user(&app, "early@example.com", json!({ "twitter": "@early" })).await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["Property name 'twitter' is not defined in profile"]
    );

    let r = app
        .declare(
            USER,
            json!({
                "twitter": { "title": "Twitter", "description": "Handle", "type": "string",
                             "minLength": 2, "maxLength": 16, "pattern": "@[a-z0-9_]+",
                             "permissions": [{ "principal": "SELF", "action": "READ_WRITE" }] },
                "size": { "title": "Size", "type": "string", "enum": ["S", "M", "L"],
                          "oneOf": [{ "const": "S", "title": "Small" }, { "const": "M", "title": "Medium" },
                                    { "const": "L", "title": "Large" }] },
                "level": { "title": "Level", "type": "integer", "minimum": 1, "maximum": 10 },
                "remote": { "title": "Remote", "type": "boolean" },
                "skills": { "title": "Skills", "type": "array", "items": { "type": "string" } },
            }),
        )
        .await;
    let twitter = &r.body["definitions"]["custom"]["properties"]["twitter"];
    assert_eq!(twitter["title"], "Twitter");
    assert_eq!(twitter["maxLength"], 16);
    assert_eq!(twitter["permissions"][0]["action"], "READ_WRITE");
    assert_eq!(twitter["master"]["type"], "PROFILE_MASTER");
    assert_eq!(
        r.body["definitions"]["custom"]["properties"]["skills"]["items"],
        json!({ "type": "string" })
    );
    assert_eq!(
        app.get(USER).await.body,
        r.body,
        "the update is what is stored"
    );

    let r = create_user(
        &app,
        "ada@example.com",
        json!({ "twitter": "@ada", "size": "M", "level": 3, "remote": true, "skills": ["math"] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ada = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["profile"]["level"], 3);

    // One cause per broken property, nothing written.
    let r = create_user(
        &app,
        "bad@example.com",
        json!({ "twitter": "ada", "size": "XL", "level": 11, "remote": "yes", "skills": "math" }),
    )
    .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        [
            "level: Must be at most 10",
            "remote: The value must be a boolean",
            "size: Does not match any of the allowed values",
            "skills: The value must be an array",
            "twitter: Does not match required pattern",
        ]
    );
    app.get("/api/v1/users/bad@example.com")
        .await
        .assert_error(404, "E0000007");
    // Partial updates are checked against the schema too.
    let path = format!("/api/v1/users/{ada}");
    app.post(&path, json!({ "profile": { "level": 0 } }))
        .await
        .assert_error(400, "E0000001");
    let r = app
        .post(&path, json!({ "profile": { "level": 4, "twitter": null } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["profile"].get("twitter").is_none());

    // Custom properties are searchable.
    let found = app
        .get("/api/v1/users?search=profile.level%20eq%204%20and%20profile.size%20eq%20%22M%22")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let ids: Vec<&str> = found
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ada.as_str()]);

    // A property's type never changes; bad definitions are refused whole.
    let r = app
        .post(
            USER,
            json!({ "definitions": { "custom": { "properties": {
                "level": { "title": "Level", "type": "string" },
                "fresh": { "title": "Fresh", "type": "string" },
            } } } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["level: type: The type of a property cannot be changed (it is integer)"]
    );
    assert!(
        app.get(USER).await.body["definitions"]["custom"]["properties"]
            .get("fresh")
            .is_none()
    );

    // Removing a property removes its values.
    let r = app
        .post(
            USER,
            json!({ "definitions": { "custom": { "properties": { "level": null } } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["definitions"]["custom"]["properties"]
        .get("level")
        .is_none());
    let got = app.get(&path).await;
    assert!(got.body["profile"].get("level").is_none(), "{}", got.text);
    assert_eq!(got.body["profile"]["size"], "M");
}

#[tokio::test]
async fn base_settings_change_where_okta_allows() {
    let app = spawn_app().await;
    let r = app
        .post(
            USER,
            json!({ "definitions": { "base": { "properties": {
                "firstName": { "title": "First name", "type": "string", "required": false,
                               "permissions": [{ "principal": "SELF", "action": "READ_ONLY" }] },
                "login": { "title": "Username", "type": "string", "pattern": ".+" },
            } } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let base = &r.body["definitions"]["base"];
    assert_eq!(base["required"], json!(["login", "lastName", "email"]));
    assert_eq!(base["properties"]["login"]["pattern"], ".+");
    assert_eq!(
        base["properties"]["firstName"]["permissions"][0]["action"],
        "READ_ONLY"
    );
    // A login that is not an email address, and no first name.
    let r = app
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": { "login": "ada", "email": "ada@example.com", "lastName": "L" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = app
        .post(
            USER,
            json!({ "definitions": { "base": { "properties": {
                "email": { "maxLength": 20 },
                "nosuch": { "title": "x" },
            } } } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        [
            "email: maxLength: This setting of a base property cannot be changed",
            "nosuch: Not a property of the base profile",
        ]
    );
    app.post(USER, json!({ "definitions": "x" }))
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn unique_properties_hold_across_types_and_concurrent_writes() {
    let app = spawn_app().await;
    let r = app
        .declare(
            USER,
            json!({ "badge": { "title": "Badge", "type": "string", "unique": true } }),
        )
        .await;
    assert_eq!(
        r.body["definitions"]["custom"]["properties"]["badge"]["unique"],
        true
    );
    let first = create_user(&app, "one@example.com", json!({ "badge": "B-1" })).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let r = create_user(&app, "two@example.com", json!({ "badge": "b-1" })).await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["badge: An object with this field already exists in the current organization"]
    );
    // Users without a value do not collide.
    for login in ["three@example.com", "four@example.com"] {
        let r = create_user(&app, login, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let three = app.get("/api/v1/users/three@example.com").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/users/{three}"),
        json!({ "profile": { "badge": "B-1" } }),
    )
    .await
    .assert_error(400, "E0000001");

    // Another type declaring the same unique property shares the values.
    let t = app
        .post(
            "/api/v1/meta/types/user",
            json!({ "name": "contractor", "displayName": "Contractor", "description": "External" }),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    let type_id = t.body["id"].as_str().unwrap().to_owned();
    let schema = t.body["_links"]["schema"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let schema_path = schema[schema.find("/api/v1").unwrap()..].to_owned();
    let s = app.get(&schema_path).await;
    assert_eq!(s.body["title"], "Contractor");
    assert_eq!(s.body["definitions"]["custom"]["properties"], json!({}));
    app.declare(
        &schema_path,
        json!({ "badge": { "title": "Badge", "type": "string", "unique": true } }),
    )
    .await;
    let mut body = person("five@example.com", json!({ "badge": "B-1" }));
    body["type"] = json!({ "id": type_id });
    app.post("/api/v1/users?activate=false", body.clone())
        .await
        .assert_error(400, "E0000001");

    // Eight concurrent creates of one new value: exactly one lands.
    let replies = futures::future::join_all((0..8).map(|i| {
        let app = &app;
        async move {
            create_user(
                app,
                &format!("race{i}@example.com"),
                json!({ "badge": "RACE" }),
            )
            .await
        }
    }))
    .await;
    let won = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        won,
        1,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_error(400, "E0000001");
    }

    // A property whose values repeat cannot become unique; once unique again it holds.
    app.declare(
        USER,
        json!({ "team": { "title": "Team", "type": "string" } }),
    )
    .await;
    for login in ["six@example.com", "seven@example.com"] {
        let r = create_user(&app, login, json!({ "team": "Blue" })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .post(
            USER,
            json!({ "definitions": { "custom": { "properties": {
                "team": { "title": "Team", "type": "string", "unique": true } } } } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert!(
        app.get(USER).await.body["definitions"]["custom"]["properties"]["team"]
            .get("unique")
            .is_none()
    );
    // Dropping uniqueness frees the values.
    app.declare(
        USER,
        json!({ "badge": { "title": "Badge", "type": "string" } }),
    )
    .await;
    let r = create_user(&app, "eight@example.com", json!({ "badge": "B-1" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn group_and_app_user_schemas_check_their_profiles() {
    let app = spawn_app().await;
    let g = app.get(GROUP).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert_eq!(g.body["definitions"]["base"]["required"], json!(["name"]));
    assert_eq!(
        g.body["definitions"]["base"]["properties"]["description"]["maxLength"],
        1024
    );
    app.post(
        "/api/v1/groups",
        json!({ "profile": { "name": "A", "code": "X" } }),
    )
    .await
    .assert_error(400, "E0000001");
    app.declare(
        GROUP,
        json!({ "code": { "title": "Code", "type": "string", "maxLength": 4, "unique": true } }),
    )
    .await;
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "A", "code": "X1" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "B", "code": "x1" } }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["code: An object with this field already exists in the current organization"]
    );
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "C", "code": "TOOLONG" } }),
        )
        .await;
    assert_eq!(
        r.causes(),
        ["code: Cannot be more than '4' characters long."]
    );

    // App-user profiles: undeclared properties are refused until the app's schema has them.
    let a = app
        .post(
            "/api/v1/apps",
            json!({ "name": "bookmark", "label": "Wiki", "signOnMode": "BOOKMARK",
                    "settings": { "app": { "requestIntegration": false, "url": "https://wiki.example.com" } } }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let aid = a.body["id"].as_str().unwrap().to_owned();
    let schema = format!("/api/v1/meta/schemas/apps/{aid}/default");
    let s = app.get(&schema).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.body["title"], "Wiki User");
    assert_eq!(
        s.body["definitions"]["base"]["properties"]["userName"]["maxLength"],
        100
    );
    let u = create_user(&app, "appuser@example.com", json!({})).await;
    let uid = u.body["id"].as_str().unwrap().to_owned();
    let assign = |role: Value| json!({ "id": uid, "scope": "USER", "profile": { "role": role } });
    let r = app
        .post(&format!("/api/v1/apps/{aid}/users"), assign(json!("admin")))
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.causes(),
        ["Property name 'role' is not defined in profile"]
    );
    let r = app
        .post(
            &schema,
            json!({ "definitions": { "custom": { "properties": {
                "role": { "title": "Role", "type": "string", "enum": ["admin", "reader"],
                          "externalName": "role_name", "scope": "NONE" },
                "bad": { "title": "Bad", "type": "string", "unique": true },
            } } } }),
        )
        .await;
    assert_eq!(
        r.causes(),
        ["bad: unique: App user properties cannot be unique"]
    );
    let r = app
        .declare(
            &schema,
            json!({ "role": { "title": "Role", "type": "string", "enum": ["admin", "reader"],
                              "externalName": "role_name", "scope": "NONE" } }),
        )
        .await;
    assert_eq!(
        r.body["definitions"]["custom"]["properties"]["role"]["externalName"],
        "role_name"
    );
    app.post(&format!("/api/v1/apps/{aid}/users"), assign(json!("owner")))
        .await
        .assert_error(400, "E0000001");
    let r = app
        .post(&format!("/api/v1/apps/{aid}/users"), assign(json!("admin")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["profile"]["role"], "admin");
}

/// A group rule that read a removed property's value stops matching the users who held it.
#[tokio::test]
async fn removing_a_property_re_evaluates_the_rules_that_read_it() {
    let app = spawn_app().await;
    app.declare(
        USER,
        json!({ "team": { "title": "Team", "type": "string" } }),
    )
    .await;
    let mut profile = TestApp::profile("blue@example.com");
    profile["team"] = json!("Blue");
    let user = app
        .create_user(
            "",
            json!({ "profile": profile, "credentials": { "password": { "value": "Tr0ub4dor&3Zebra" } } }),
        )
        .await;
    let uid = user["id"].as_str().unwrap().to_owned();
    let g = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Blue team" } }),
        )
        .await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let rule = app
        .post(
            "/api/v1/groups/rules",
            json!({
                "type": "group_rule", "name": "Blue",
                "conditions": { "expression": { "value": "user.team == \"Blue\"",
                                                "type": "urn:okta:expression:1.0" } },
                "actions": { "assignUserToGroups": { "groupIds": [gid] } },
            }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    let rid = rule.body["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/groups/rules/{rid}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let members = format!("/api/v1/groups/{gid}/users");
    let ids = |r: &crate::harness::Reply| -> Vec<String> {
        r.body
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|u| u["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ids(&app.get(&members).await), [uid]);

    app.post(
        USER,
        json!({ "definitions": { "custom": { "properties": { "team": null } } } }),
    )
    .await;
    let after = app.get_until(&members, |r| ids(r).is_empty()).await;
    assert!(ids(&after).is_empty(), "{}", after.text);
}

/// A property made unique while users with one value are being created: either the
/// declaration is refused or at most one of those users holds the value, never both.
#[tokio::test]
async fn making_a_property_unique_races_no_duplicate_past_it() {
    let app = spawn_app().await;
    app.declare(
        USER,
        json!({ "code": { "title": "Code", "type": "string" } }),
    )
    .await;
    let creates = futures::future::join_all((0..12).map(|i| {
        let app = &app;
        async move {
            create_user(
                app,
                &format!("race.code{i}@example.com"),
                json!({ "code": "SAME" }),
            )
            .await
        }
    }));
    let declare = async {
        app.post(
            USER,
            json!({ "definitions": { "custom": { "properties": {
                "code": { "title": "Code", "type": "string", "unique": true } } } } }),
        )
        .await
    };
    let (created, declared) = futures::future::join(creates, declare).await;
    for r in &created {
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "{}",
            r.text
        );
    }
    let holders = app
        .get("/api/v1/users?search=profile.code%20eq%20%22SAME%22")
        .await;
    let holders = holders.body.as_array().unwrap().len();
    if declared.status == StatusCode::OK {
        assert!(holders <= 1, "unique, yet {holders} users hold the value");
    } else {
        declared.assert_error(400, "E0000001");
        assert!(holders >= 2, "refused with {holders} holders");
    }
}

#[tokio::test]
async fn text_properties_get_a_search_index_that_follows_the_schema() {
    let app = spawn_app().await;
    let r = app
        .declare(
            USER,
            json!({
                "team": { "title": "Team", "type": "string" },
                "tags": { "title": "Tags", "type": "array", "items": { "type": "string" } },
                "level": { "title": "Level", "type": "integer" },
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The schema change started a reconciliation; this one waits for it and finds nothing
    // left to do.
    latchkey::search_index::reconcile(&app.state).await.unwrap();
    assert_eq!(
        app.state.store.profile_indexes().await.unwrap(),
        ["team"],
        "only the string property is indexed"
    );
    assert_eq!(app.state.search.text_attributes(), ["team"]);

    let mut ids = Vec::new();
    for (login, team) in [
        ("blue.one@example.com", "Blue"),
        ("red@example.com", "Red"),
        ("blue.two@example.com", "bLUE"),
    ] {
        let r = create_user(&app, login, json!({ "team": team, "tags": [team] })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let mut blue = vec![ids[0].clone(), ids[2].clone()];
    blue.sort();
    let found = |r: &crate::harness::Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = app
        .get("/api/v1/users?search=profile.team%20eq%20%22BLUE%22")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(found(&r), blue, "case ignored, in id order");
    // Paged one at a time, the index range is followed to its end.
    let r = app
        .get("/api/v1/users?search=profile.team%20eq%20%22blue%22&limit=1")
        .await;
    assert_eq!(found(&r), blue[..1]);
    let next = r.next_link().expect("a second page");
    let r = app.get(&next).await;
    assert_eq!(found(&r), blue[1..]);
    assert!(r.next_link().is_none());
    // The array property is searched element by element, without an index.
    let r = app
        .get("/api/v1/users?search=profile.tags%20eq%20%22red%22")
        .await;
    assert_eq!(found(&r), [ids[1].clone()]);

    // Removing the property drops its index.
    let r = app
        .post(
            USER,
            json!({ "definitions": { "custom": { "properties": { "team": null } } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    latchkey::search_index::reconcile(&app.state).await.unwrap();
    assert!(app.state.store.profile_indexes().await.unwrap().is_empty());
    assert!(app.state.search.text_attributes().is_empty());
}
