//! Group rules: create, get, list (search, expand, pages), replace, delete (removeUsers),
//! activate, deactivate; the error objects; and evaluation — activation over many users,
//! assignment on user create, profile update and membership change, exclusions, INVALID
//! after a group is deleted.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

const RULES: &str = "/api/v1/groups/rules";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn create_group(app: &TestApp, name: &str) -> String {
    let r = app
        .post("/api/v1/groups", json!({ "profile": { "name": name } }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id(&r.body)
}

fn rule_body(name: &str, expression: &str, groups: &[&str], exclude: &[&str]) -> Value {
    json!({
        "type": "group_rule",
        "name": name,
        "conditions": {
            "people": { "users": { "exclude": exclude }, "groups": { "exclude": [] } },
            "expression": { "value": expression, "type": "urn:okta:expression:1.0" },
        },
        "actions": { "assignUserToGroups": { "groupIds": groups } },
    })
}

async fn create_rule(app: &TestApp, body: Value) -> Value {
    let r = app.post(RULES, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn activate(app: &TestApp, rule: &str) {
    let r = app
        .post_empty(&format!("{RULES}/{rule}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
}

async fn deactivate(app: &TestApp, rule: &str) {
    let r = app
        .post_empty(&format!("{RULES}/{rule}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
}

/// An ACTIVE user with a password, `department` set.
async fn user(app: &TestApp, login: &str, department: &str) -> String {
    let mut profile = TestApp::profile(login);
    profile["department"] = json!(department);
    id(&app
        .create_user(
            "?activate=true",
            json!({ "profile": profile, "credentials": { "password": { "value": "Tlpwent2mxx!9" } } }),
        )
        .await)
}

async fn members(app: &TestApp, group: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut path = format!("/api/v1/groups/{group}/users?limit=200");
    loop {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        out.extend(r.body.as_array().unwrap().iter().map(id));
        match r.next_link() {
            Some(next) => path = next.trim_start_matches(&app.base).to_owned(),
            None => return out,
        }
    }
}

#[tokio::test]
async fn create_get_replace_and_the_rule_object() {
    let app = spawn_app().await;
    let eng = create_group(&app, "Engineering").await;
    let src = create_group(&app, "Source").await;
    let excluded = user(&app, "ex@example.com", "x").await;
    let expr = format!("user.department==\"Engineer\" || isMemberOfGroup(\"{src}\")");
    let rule = create_rule(
        &app,
        rule_body("Engineering group rule", &expr, &[&eng], &[&excluded]),
    )
    .await;
    let rid = id(&rule);
    assert!(rid.starts_with("0pr") && rid.len() == 20, "{rid}");
    assert_eq!(rule["type"], "group_rule");
    assert_eq!(rule["status"], "INACTIVE");
    assert_eq!(rule["name"], "Engineering group rule");
    assert_eq!(rule["created"], rule["lastUpdated"]);
    assert!(rule["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        rule["conditions"],
        json!({
            "people": { "users": { "exclude": [excluded] }, "groups": { "exclude": [] } },
            "expression": { "value": expr, "type": "urn:okta:expression:1.0" },
        })
    );
    assert_eq!(
        rule["actions"],
        json!({ "assignUserToGroups": { "groupIds": [eng] } })
    );
    assert_eq!(rule["allGroupsValid"], true);
    assert!(rule.get("_embedded").is_none());

    let got = app.get(&format!("{RULES}/{rid}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, rule);
    let expanded = app
        .get(&format!("{RULES}/{rid}?expand=groupIdToGroupNameMap"))
        .await;
    assert_eq!(
        expanded.body["_embedded"]["groupIdToGroupNameMap"],
        json!({ eng.clone(): "Engineering", src.clone(): "Source" })
    );

    let mut body = rule.clone();
    body["name"] = json!("Renamed");
    body["conditions"]["expression"]["value"] = json!("user.department==\"Sales\"");
    body["conditions"]["people"]["users"]["exclude"] = json!([]);
    let put = app.put(&format!("{RULES}/{rid}"), body.clone()).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["name"], "Renamed");
    assert_eq!(put.body["status"], "INACTIVE");
    assert_eq!(
        put.body["conditions"]["expression"]["value"],
        "user.department==\"Sales\""
    );
    assert_eq!(
        put.body["conditions"]["people"]["users"]["exclude"],
        json!([])
    );
    assert_eq!(app.get(&format!("{RULES}/{rid}")).await.body, put.body);

    // The groups a rule assigns cannot change.
    let other = create_group(&app, "Other").await;
    body["actions"]["assignUserToGroups"]["groupIds"] = json!([other]);
    let r = app.put(&format!("{RULES}/{rid}"), body.clone()).await;
    r.assert_error(400, "E0000001");

    // Only INACTIVE rules can be replaced.
    activate(&app, &rid).await;
    body["actions"]["assignUserToGroups"]["groupIds"] = json!([eng]);
    let r = app.put(&format!("{RULES}/{rid}"), body).await;
    r.assert_error(400, "E0000001");
    assert!(r.causes()[0].starts_with("status:"), "{:?}", r.causes());
    assert_eq!(
        app.get(&format!("{RULES}/{rid}")).await.body["status"],
        "ACTIVE"
    );
}

#[tokio::test]
async fn bad_bodies_and_unknown_rules_get_okta_errors() {
    let app = spawn_app().await;
    let g = create_group(&app, "Target").await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = "00gAAAAAAAAAAAAAAAAA";
    let cases: Vec<(Value, &str)> = vec![
        (rule_body("", "user.a==\"b\"", &[&g], &[]), "name"),
        (
            rule_body(&"n".repeat(51), "user.a==\"b\"", &[&g], &[]),
            "name",
        ),
        (
            rule_body("r", "user.a ==", &[&g], &[]),
            "conditions.expression.value",
        ),
        (
            rule_body("r", "Convert.toInt(user.a) == 1", &[&g], &[]),
            "conditions.expression.value",
        ),
        (
            rule_body("r", "", &[&g], &[]),
            "conditions.expression.value",
        ),
        (
            rule_body("r", "user.a==\"b\"", &[], &[]),
            "actions.assignUserToGroups.groupIds",
        ),
        (
            rule_body("r", "user.a==\"b\"", &[missing], &[]),
            "actions.assignUserToGroups.groupIds",
        ),
        (
            rule_body("r", "user.a==\"b\"", &[&everyone], &[]),
            "actions.assignUserToGroups.groupIds",
        ),
        (
            rule_body("r", &format!("isMemberOfGroup(\"{missing}\")"), &[&g], &[]),
            "conditions.expression.value",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(RULES, body).await;
        r.assert_error(400, "E0000001");
        assert_eq!(
            r.body["errorSummary"],
            format!("Api validation failed: {field}"),
            "{}",
            r.text
        );
        assert!(
            r.causes()[0].starts_with(&format!("{field}:")),
            "{:?}",
            r.causes()
        );
    }
    let mut wrong_type = rule_body("r", "user.a==\"b\"", &[&g], &[]);
    wrong_type["conditions"]["expression"]["type"] = json!("urn:other");
    app.post(RULES, wrong_type)
        .await
        .assert_error(400, "E0000001");
    let mut wrong_kind = rule_body("r", "user.a==\"b\"", &[&g], &[]);
    wrong_kind["type"] = json!("policy_rule");
    app.post(RULES, wrong_kind)
        .await
        .assert_error(400, "E0000001");
    // Malformed JSON.
    let r = app
        .client
        .post(app.url(RULES))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Names are unique, ignoring case.
    create_rule(&app, rule_body("Unique", "user.a==\"b\"", &[&g], &[])).await;
    let r = app
        .post(RULES, rule_body("UNIQUE", "user.a==\"b\"", &[&g], &[]))
        .await;
    r.assert_error(400, "E0000001");
    // Nothing was half-written.
    assert_eq!(app.get(RULES).await.body.as_array().unwrap().len(), 1);

    for path in [
        format!("{RULES}/0prAAAAAAAAAAAAAAAAA"),
        format!("{RULES}/nonsense"),
    ] {
        app.get(&path).await.assert_error(404, "E0000007");
        app.delete(&path).await.assert_error(404, "E0000007");
        app.post_empty(&format!("{path}/lifecycle/activate"))
            .await
            .assert_error(404, "E0000007");
        app.post_empty(&format!("{path}/lifecycle/deactivate"))
            .await
            .assert_error(404, "E0000007");
    }
}

#[tokio::test]
async fn list_pages_search_and_expand() {
    let app = spawn_app().await;
    let g = create_group(&app, "Target").await;
    // Lists order by (created, id): rules made in the same millisecond sort by id.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut eng_3 = String::new();
    for i in 0..5 {
        let name = if i % 2 == 0 {
            format!("Sales {i}")
        } else {
            format!("Eng {i}")
        };
        let made = create_rule(&app, rule_body(&name, "user.a==\"b\"", &[&g], &[])).await;
        if i == 3 {
            eng_3 = id(&made);
        }
        order.push((made["created"].as_str().unwrap().to_owned(), id(&made)));
    }
    order.sort();
    let ids: Vec<String> = order.into_iter().map(|(_, id)| id).collect();
    let all = app.get(RULES).await;
    assert_eq!(all.status, StatusCode::OK);
    let listed: Vec<String> = all.body.as_array().unwrap().iter().map(id).collect();
    assert_eq!(listed, ids);
    assert!(all.next_link().is_none());

    let mut seen = Vec::new();
    let mut path = format!("{RULES}?limit=2");
    loop {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body.as_array().unwrap().len() <= 2);
        seen.extend(r.body.as_array().unwrap().iter().map(id));
        let links = r.header_all("link");
        assert!(
            links.first().unwrap().ends_with("rel=\"self\""),
            "{links:?}"
        );
        match r.next_link() {
            Some(next) => path = next.trim_start_matches(&app.base).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let sales = app.get(&format!("{RULES}?search=sales")).await;
    let mut names: Vec<&str> = sales
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // The order was checked above; here, which rules match.
    names.sort_unstable();
    assert_eq!(names, ["Sales 0", "Sales 2", "Sales 4"]);
    // As in Okta, the text may be anywhere in the name.
    let inside = app.get(&format!("{RULES}?search=ng%203")).await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text);
    assert_eq!(
        inside
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect::<Vec<_>>(),
        [eng_3]
    );

    let expanded = app
        .get(&format!("{RULES}?expand=groupIdToGroupNameMap&limit=1"))
        .await;
    assert_eq!(
        expanded.body[0]["_embedded"]["groupIdToGroupNameMap"],
        json!({ g.clone(): "Target" })
    );
    app.get(&format!("{RULES}?limit=0"))
        .await
        .assert_error(400, "E0000029");
}

#[tokio::test]
async fn activation_assigns_every_matching_user_across_pages() {
    let app = spawn_app().await;
    let target = create_group(&app, "Engineers").await;
    let mut engineers = HashSet::new();
    let mut tasks = Vec::new();
    for i in 0..300 {
        let dept = if i % 3 == 0 { "Sales" } else { "Engineering" };
        tasks.push((i, dept));
    }
    for chunk in tasks.chunks(25) {
        let logins: Vec<String> = chunk
            .iter()
            .map(|(i, _)| format!("u{i}@example.com"))
            .collect();
        let created = futures::future::join_all(
            chunk
                .iter()
                .zip(&logins)
                .map(|((_, dept), login)| user(&app, login, dept)),
        )
        .await;
        for ((_, dept), uid) in chunk.iter().zip(created) {
            if *dept == "Engineering" {
                engineers.insert(uid);
            }
        }
    }
    let excluded = engineers.iter().next().unwrap().clone();
    // A STAGED user who matches is left out.
    let mut staged_profile = TestApp::profile("staged@example.com");
    staged_profile["department"] = json!("Engineering");
    let staged = id(&app
        .create_user("?activate=false", json!({ "profile": staged_profile }))
        .await);
    let rule = id(&create_rule(
        &app,
        rule_body(
            "Eng",
            "user.department == \"Engineering\"",
            &[&target],
            &[&excluded],
        ),
    )
    .await);
    assert!(members(&app, &target).await.is_empty());
    activate(&app, &rule).await;
    let mut want = engineers.clone();
    want.remove(&excluded);
    assert_eq!(members(&app, &target).await, want);
    assert!(!members(&app, &target).await.contains(&staged));
    assert_eq!(
        app.get(&format!("{RULES}/{rule}")).await.body["status"],
        "ACTIVE"
    );
    // Activating again changes nothing.
    activate(&app, &rule).await;
    assert_eq!(members(&app, &target).await.len(), want.len());

    // Each add is logged with the rule in the debug data.
    let log = app
        .get(
            "/api/v1/logs?filter=eventType+eq+%22group.user_membership.add%22\
             &limit=1000&since=2000-01-01T00:00:00.000Z",
        )
        .await;
    let adds: Vec<&Value> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["debugContext"]["debugData"]["triggeredByGroupRuleId"] == rule.as_str())
        .collect();
    assert_eq!(adds.len(), want.len(), "{}", log.text);
}

#[tokio::test]
async fn active_rules_follow_user_creates_profile_updates_and_memberships() {
    let app = spawn_app().await;
    let target = create_group(&app, "Engineers").await;
    let source = create_group(&app, "Contractors").await;
    let via_group = create_group(&app, "Contractor tools").await;
    let by_dept = id(&create_rule(
        &app,
        rule_body("Eng", "user.department == \"Engineering\"", &[&target], &[]),
    )
    .await);
    let by_member = id(&create_rule(
        &app,
        rule_body(
            "Contractors",
            &format!("isMemberOfGroup(\"{source}\")"),
            &[&via_group],
            &[],
        ),
    )
    .await);
    // INACTIVE rules do nothing.
    let early = user(&app, "early@example.com", "Engineering").await;
    assert!(members(&app, &target).await.is_empty());
    activate(&app, &by_dept).await;
    activate(&app, &by_member).await;
    assert!(members(&app, &target).await.contains(&early));

    // Create.
    let created = user(&app, "new@example.com", "Engineering").await;
    assert!(members(&app, &target).await.contains(&created));
    // Profile update, partial (POST) and full (PUT).
    let sales = user(&app, "sales@example.com", "Sales").await;
    assert!(!members(&app, &target).await.contains(&sales));
    let r = app
        .post(
            &format!("/api/v1/users/{sales}"),
            json!({ "profile": { "department": "Engineering" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(members(&app, &target).await.contains(&sales));
    let other = user(&app, "other@example.com", "Sales").await;
    let mut full = TestApp::profile("other@example.com");
    full["department"] = json!("Engineering");
    let r = app
        .put(
            &format!("/api/v1/users/{other}"),
            json!({ "profile": full }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(members(&app, &target).await.contains(&other));
    // Membership change.
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/groups/{source}/users/{sales}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(members(&app, &via_group).await.contains(&sales));

    // Removing a rule-made member by hand is not undone at once.
    let r = app
        .delete(&format!("/api/v1/groups/{target}/users/{sales}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!members(&app, &target).await.contains(&sales));

    // Deactivated rules stop assigning; what they assigned stays.
    deactivate(&app, &by_dept).await;
    deactivate(&app, &by_dept).await;
    assert_eq!(
        app.get(&format!("{RULES}/{by_dept}")).await.body["status"],
        "INACTIVE"
    );
    let late = user(&app, "late@example.com", "Engineering").await;
    let now = members(&app, &target).await;
    assert!(!now.contains(&late));
    assert!(now.contains(&created) && now.contains(&early));
}

#[tokio::test]
async fn delete_keeps_or_removes_only_rule_made_memberships() {
    let app = spawn_app().await;
    let target = create_group(&app, "Engineers").await;
    let manual = user(&app, "manual@example.com", "Engineering").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/groups/{target}/users/{manual}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let a = user(&app, "a@example.com", "Engineering").await;
    let b = user(&app, "b@example.com", "Engineering").await;

    let keep = id(&create_rule(
        &app,
        rule_body(
            "Keep",
            "user.department == \"Engineering\"",
            &[&target],
            &[],
        ),
    )
    .await);
    activate(&app, &keep).await;
    let r = app.delete(&format!("{RULES}/{keep}")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.text.is_empty());
    assert!(r.header("content-type").is_none());
    app.get(&format!("{RULES}/{keep}"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        members(&app, &target).await,
        HashSet::from([manual.clone(), a.clone(), b.clone()])
    );

    // Memberships already there (made by the first rule, now plain) are not the new rule's.
    let c = user(&app, "c@example.com", "Ops").await;
    let remove = id(&create_rule(
        &app,
        rule_body(
            "Remove",
            "user.department == \"Ops\" || user.department == \"Engineering\"",
            &[&target],
            &[],
        ),
    )
    .await);
    activate(&app, &remove).await;
    assert!(members(&app, &target).await.contains(&c));
    app.delete(&format!("{RULES}/{remove}?removeUsers=bogus"))
        .await
        .assert_error(400, "E0000001");
    let r = app
        .delete(&format!("{RULES}/{remove}?removeUsers=true"))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(members(&app, &target).await, HashSet::from([manual, a, b]));
    // The removal is logged against the user, with the rule that made the membership.
    let logged = app
        .get_until(
            &format!(
                "/api/v1/logs?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&filter={}",
                "eventType%20eq%20%22group.user_membership.remove%22"
            ),
            |r| r.body.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    let events = logged.body.as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", logged.text);
    assert_eq!(events[0]["target"][0]["id"], json!(c));
    assert_eq!(
        events[0]["debugContext"]["debugData"]["triggeredByGroupRuleId"],
        json!(remove)
    );
}

#[tokio::test]
async fn deleting_a_named_group_makes_the_rule_invalid() {
    let app = spawn_app().await;
    let target = create_group(&app, "Target").await;
    let referenced = create_group(&app, "Referenced").await;
    let rule = create_rule(
        &app,
        rule_body(
            "R",
            &format!("isMemberOfGroup(\"{referenced}\")"),
            &[&target],
            &[],
        ),
    )
    .await;
    let rid = id(&rule);
    let r = app.delete(&format!("/api/v1/groups/{referenced}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let got = app.get(&format!("{RULES}/{rid}")).await.body;
    assert_eq!(got["status"], "INVALID");
    assert_eq!(got["allGroupsValid"], false);
    app.post_empty(&format!("{RULES}/{rid}/lifecycle/activate"))
        .await
        .assert_error(400, "E0000001");
    app.put(&format!("{RULES}/{rid}"), rule.clone())
        .await
        .assert_error(400, "E0000001");

    let second = id(&create_rule(&app, rule_body("S", "user.a == \"b\"", &[&target], &[])).await);
    activate(&app, &second).await;
    assert_eq!(
        app.delete(&format!("/api/v1/groups/{target}")).await.status,
        StatusCode::NO_CONTENT
    );
    let got = app.get(&format!("{RULES}/{second}")).await.body;
    assert_eq!(got["status"], "INVALID");
    assert_eq!(got["allGroupsValid"], false);
    // An INVALID rule can still be deleted.
    assert_eq!(
        app.delete(&format!("{RULES}/{rid}")).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn users_who_stop_matching_leave_the_rule_groups_only() {
    let app = spawn_app().await;
    let target = create_group(&app, "Engineering only").await;
    let shared = create_group(&app, "Shared").await;
    let eng = id(&create_rule(
        &app,
        rule_body(
            "Eng",
            "user.department == \"Engineering\"",
            &[&target, &shared],
            &[],
        ),
    )
    .await);
    let ops = id(&create_rule(
        &app,
        rule_body("Ops", "user.department == \"Operations\"", &[&shared], &[]),
    )
    .await);
    activate(&app, &eng).await;
    activate(&app, &ops).await;
    let mover = user(&app, "mover@example.com", "Engineering").await;
    let manual = user(&app, "manual@example.com", "Sales").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/groups/{target}/users/{manual}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(members(&app, &target).await.contains(&mover));
    assert!(members(&app, &shared).await.contains(&mover));

    // Engineering -> Operations: out of the Eng-only group; Shared stays (Ops targets it).
    let r = app
        .post(
            &format!("/api/v1/users/{mover}"),
            json!({ "profile": { "department": "Operations" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!members(&app, &target).await.contains(&mover));
    assert!(members(&app, &shared).await.contains(&mover));
    // Operations -> Sales: out of Shared too; a member added by hand is never removed.
    let r = app
        .post(
            &format!("/api/v1/users/{mover}"),
            json!({ "profile": { "department": "Sales" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!members(&app, &shared).await.contains(&mover));
    assert!(members(&app, &target).await.contains(&manual));
    let removed = app
        .get_until(
            &format!(
                "/api/v1/logs?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&filter={}",
                "eventType%20eq%20%22group.user_membership.remove%22"
            ),
            |r| r.body.as_array().is_some_and(|a| a.len() >= 2),
        )
        .await;
    assert_eq!(
        removed.body.as_array().unwrap().len(),
        2,
        "{}",
        removed.text
    );
    // A deactivated rule keeps what it assigned even when the user stops matching.
    let keeper = user(&app, "keeper@example.com", "Engineering").await;
    deactivate(&app, &eng).await;
    let r = app
        .post(
            &format!("/api/v1/users/{keeper}"),
            json!({ "profile": { "department": "Sales" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(members(&app, &target).await.contains(&keeper));
}

/// A rule deactivated, given another condition and activated again assigns the users the new
/// condition matches and removes the users it made members under the old one that the new one
/// does not match.
#[tokio::test]
async fn reactivating_a_replaced_rule_removes_users_who_no_longer_match() {
    let app = spawn_app().await;
    let target = create_group(&app, "Rule target").await;
    let rule = create_rule(
        &app,
        rule_body(
            "Dept",
            "user.department == \"Engineering\"",
            &[&target],
            &[],
        ),
    )
    .await;
    let rid = id(&rule);
    let engineer = user(&app, "engineer@example.com", "Engineering").await;
    let seller = user(&app, "seller@example.com", "Sales").await;
    activate(&app, &rid).await;
    assert_eq!(
        members(&app, &target).await,
        HashSet::from([engineer.clone()])
    );

    deactivate(&app, &rid).await;
    let r = app
        .put(
            &format!("{RULES}/{rid}"),
            rule_body("Dept", "user.department == \"Sales\"", &[&target], &[]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    activate(&app, &rid).await;
    let now = members(&app, &target).await;
    assert!(now.contains(&seller), "the new condition's users join");
    assert!(
        !now.contains(&engineer),
        "a user the old condition added and the new one does not match leaves"
    );
}
