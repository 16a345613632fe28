//! Policies over HTTP (policy.md): defaults after bootstrap, CRUD, priorities, lifecycle and
//! rules with whole error objects; a password policy change visibly changing what user
//! create and change_password accept; history and minimum age.

use serde_json::{json, Value};

use crate::harness::{spawn_app, spawn_app_with_clock, TestApp};

async fn policies(app: &TestApp, kind: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/policies?type={kind}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

async fn default_policy(app: &TestApp, kind: &str) -> Value {
    policies(app, kind)
        .await
        .into_iter()
        .find(|p| p["system"] == true)
        .unwrap()
}

fn names_and_priorities(list: &[Value]) -> Vec<(String, i64)> {
    list.iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["priority"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn defaults_exist_after_bootstrap() {
    let app = spawn_app().await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    for (kind, rule_type) in [
        ("OKTA_SIGN_ON", "SIGN_ON"),
        ("PASSWORD", "PASSWORD"),
        ("MFA_ENROLL", "MFA_ENROLL"),
    ] {
        let list = policies(&app, kind).await;
        assert_eq!(list.len(), 1, "{kind}");
        let p = &list[0];
        assert_eq!(p["type"], kind);
        assert_eq!(p["name"], "Default Policy");
        assert_eq!(p["system"], true);
        assert_eq!(p["status"], "ACTIVE");
        assert_eq!(p["priority"], 1);
        assert!(p["id"].as_str().unwrap().starts_with("00p"));
        assert_eq!(
            p["conditions"]["people"]["groups"]["include"],
            json!([everyone])
        );
        let id = p["id"].as_str().unwrap();
        let base = format!("{}/api/v1/policies/{id}", app.base);
        assert_eq!(
            p["_links"]["self"],
            json!({ "href": base, "hints": { "allow": ["GET", "PUT"] } })
        );
        assert_eq!(
            p["_links"]["rules"],
            json!({ "href": format!("{base}/rules"), "hints": { "allow": ["GET", "POST"] } })
        );
        let rules = app.get(&format!("/api/v1/policies/{id}/rules")).await.body;
        assert_eq!(rules.as_array().unwrap().len(), 1);
        assert_eq!(rules[0]["name"], "Default Rule");
        assert_eq!(rules[0]["system"], true);
        assert_eq!(rules[0]["type"], rule_type);
        assert!(rules[0]["id"].as_str().unwrap().starts_with("0pr"));
        // expand=rules embeds the same rules.
        let expanded = app
            .get(&format!("/api/v1/policies/{id}?expand=rules"))
            .await
            .body;
        assert_eq!(expanded["_embedded"]["rules"], rules);
    }
    let password = default_policy(&app, "PASSWORD").await;
    assert_eq!(
        password["settings"]["password"]["complexity"]["minLength"],
        8
    );
    assert_eq!(password["settings"]["password"]["age"]["historyCount"], 4);
    assert_eq!(password["conditions"]["authProvider"]["provider"], "OKTA");
    // Types the spec lists but this server does not implement list as empty.
    assert_eq!(
        app.get("/api/v1/policies?type=ACCESS_POLICY").await.body,
        json!([])
    );
}

#[tokio::test]
async fn list_needs_a_known_type() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/policies").await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.body["errorSummary"], "Api validation failed: type");
    assert_eq!(
        r.body["errorCauses"],
        json!([{ "errorSummary": "type: The field cannot be left blank" }])
    );
    app.get("/api/v1/policies?type=NOPE")
        .await
        .assert_error(400, "E0000001");
    app.get("/api/v1/policies?type=PASSWORD&status=MAYBE")
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn create_update_and_priorities() {
    let app = spawn_app().await;
    let create = |name: &str, priority: Option<i64>| {
        let mut body = json!({ "type": "OKTA_SIGN_ON", "name": name, "description": "d" });
        if let Some(p) = priority {
            body["priority"] = json!(p);
        }
        body
    };
    let a = app.post("/api/v1/policies", create("A", None)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["priority"], 1);
    assert_eq!(a.body["system"], false);
    assert_eq!(a.body["status"], "ACTIVE");
    assert!(
        a.body.get("settings").is_none(),
        "a sign-on policy has no settings"
    );
    let self_link = &a.body["_links"]["self"]["hints"]["allow"];
    assert_eq!(self_link, &json!(["GET", "PUT", "DELETE"]));
    let b = app
        .post("/api/v1/policies", create("B", Some(1)))
        .await
        .body;
    let c = app
        .post("/api/v1/policies", create("C", Some(50)))
        .await
        .body;
    assert_eq!(c["priority"], 3, "past the end: last before the default");
    assert_eq!(
        names_and_priorities(&policies(&app, "OKTA_SIGN_ON").await),
        [
            ("B".into(), 1),
            ("A".into(), 2),
            ("C".into(), 3),
            ("Default Policy".into(), 4)
        ]
    );
    // Replace moves C to the top.
    let id_c = c["id"].as_str().unwrap();
    let moved = app
        .put(
            &format!("/api/v1/policies/{id_c}"),
            json!({ "type": "OKTA_SIGN_ON", "name": "C2", "priority": 1 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["priority"], 1);
    assert_eq!(moved.body["name"], "C2");
    assert_eq!(
        names_and_priorities(&policies(&app, "OKTA_SIGN_ON").await),
        [
            ("C2".into(), 1),
            ("B".into(), 2),
            ("A".into(), 3),
            ("Default Policy".into(), 4)
        ]
    );
    // Delete closes ranks.
    let id_b = b["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/policies/{id_b}")).await.status,
        204
    );
    app.get(&format!("/api/v1/policies/{id_b}"))
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        names_and_priorities(&policies(&app, "OKTA_SIGN_ON").await),
        [
            ("C2".into(), 1),
            ("A".into(), 2),
            ("Default Policy".into(), 3)
        ]
    );
    // Lifecycle.
    let id_a = a.body["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/policies/{id_a}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, 204);
    let got = app.get(&format!("/api/v1/policies/{id_a}")).await.body;
    assert_eq!(got["status"], "INACTIVE");
    assert!(got["_links"]["activate"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/lifecycle/activate"));
    let inactive = app
        .get("/api/v1/policies?type=OKTA_SIGN_ON&status=INACTIVE")
        .await
        .body;
    assert_eq!(inactive.as_array().unwrap().len(), 1);
    assert_eq!(
        app.post_empty(&format!("/api/v1/policies/{id_a}/lifecycle/activate"))
            .await
            .status,
        204
    );
    // Events.
    let log = app
        .get_until(
            "/api/v1/logs?filter=eventType+eq+%22policy.lifecycle.deactivate%22",
            |r| r.body.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    assert_eq!(log.body[0]["target"][0]["id"], id_a);
}

#[tokio::test]
async fn invalid_policies_are_refused_whole() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "name": "x" }),
            "type: The field cannot be left blank",
        ),
        (
            json!({ "type": "OKTA_SIGN_ON" }),
            "name: The field cannot be left blank",
        ),
        (
            json!({ "type": "OKTA_SIGN_ON", "name": "x", "conditions": { "network": { "connection": "ANYWHERE" } } }),
            "conditions: The network condition is not supported for a OKTA_SIGN_ON policy.",
        ),
        (
            json!({ "type": "PASSWORD", "name": "x", "settings": { "password": { "complexity": { "minLength": 2 } } } }),
            "settings.password.complexity.minLength: The value must be between 4 and 30.",
        ),
        (
            json!({ "type": "PASSWORD", "name": "x", "settings": { "delegation": { "options": { "skipUnlock": [{}] }, "junk": 1 } } }),
            "settings.delegation.junk: Not a setting of a password policy.",
        ),
        (
            json!({ "type": "PASSWORD", "name": "x", "settings": { "recovery": { "anything": "goes" } } }),
            "settings.recovery.anything: Not a setting of a password policy.",
        ),
        (
            json!({ "type": "PASSWORD", "name": "x", "settings": { "recovery": { "factors": { "okta_sms": { "status": "ON" } } } } }),
            "settings.recovery.factors.okta_sms.status: The value must be ACTIVE or INACTIVE.",
        ),
        (
            json!({ "type": "PASSWORD", "name": "x", "settings": { "recovery": { "factors": { "okta_email": { "status": "ACTIVE", "properties": { "recoveryToken": { "tokenLifetimeMinutes": 0 } } } } } } }),
            "settings.recovery.factors.okta_email.properties.recoveryToken.tokenLifetimeMinutes: The value must be between 1 and 10080.",
        ),
        (
            json!({ "type": "ACCESS_POLICY", "name": "x" }),
            "type: Policies of type ACCESS_POLICY belong to Okta Identity Engine; this server is \
             a Classic org (OKTA_SIGN_ON, PASSWORD, MFA_ENROLL).",
        ),
        (
            json!({ "type": "OKTA_SIGN_ON", "name": "x", "priority": "first" }),
            "priority: The value must be a positive integer.",
        ),
    ];
    for (body, cause) in cases {
        let r = app.post("/api/v1/policies", body.clone()).await;
        r.assert_error(400, "E0000001");
        assert_eq!(
            r.body["errorCauses"],
            json!([{ "errorSummary": cause }]),
            "{body}"
        );
    }
    assert_eq!(
        policies(&app, "OKTA_SIGN_ON").await.len(),
        1,
        "nothing half-written"
    );
    app.post("/api/v1/policies", json!("nope"))
        .await
        .assert_error(400, "E0000003");
}

#[tokio::test]
async fn defaults_cannot_be_deleted_deactivated_or_moved() {
    let app = spawn_app().await;
    let p = default_policy(&app, "PASSWORD").await;
    let id = p["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/policies/{id}"))
        .await
        .assert_error(403, "E0000006");
    app.post_empty(&format!("/api/v1/policies/{id}/lifecycle/deactivate"))
        .await
        .assert_error(403, "E0000006");
    let r = app
        .put(
            &format!("/api/v1/policies/{id}"),
            json!({ "type": "PASSWORD", "name": "Default Policy", "priority": 5 }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.body["errorCauses"],
        json!([{ "errorSummary": "priority: Cannot modify the priority attribute because it is read-only." }])
    );
    let rules = app.get(&format!("/api/v1/policies/{id}/rules")).await.body;
    let rule_id = rules[0]["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/policies/{id}/rules/{rule_id}"))
        .await
        .assert_error(403, "E0000006");
    app.put(
        &format!("/api/v1/policies/{id}/rules/{rule_id}"),
        json!({ "name": "x", "actions": {} }),
    )
    .await
    .assert_error(400, "E0000001");
    app.get(&format!("/api/v1/policies/{id}/rules/0prNOPENOPENOPENOPE1"))
        .await
        .assert_error(404, "E0000007");
    app.get("/api/v1/policies/00pNOPENOPENOPENOPE1")
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn rules_crud_priority_and_lifecycle() {
    let app = spawn_app().await;
    let p = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Sales" }),
        )
        .await
        .body;
    let id = p["id"].as_str().unwrap();
    let rule = |name: &str, priority: i64| {
        json!({
            "type": "SIGN_ON",
            "name": name,
            "priority": priority,
            "conditions": { "people": { "users": { "exclude": [] } }, "network": { "connection": "ANYWHERE" }, "authContext": { "authType": "ANY" } },
            "actions": { "signon": { "access": "ALLOW" } }
        })
    };
    let r1 = app
        .post(&format!("/api/v1/policies/{id}/rules"), rule("one", 1))
        .await;
    assert_eq!(r1.status, 200, "{}", r1.text);
    assert_eq!(
        r1.body["actions"]["signon"]["session"],
        json!({ "usePersistentCookie": false, "maxSessionIdleMinutes": 120, "maxSessionLifetimeMinutes": 0 })
    );
    let r2 = app
        .post(&format!("/api/v1/policies/{id}/rules"), rule("two", 1))
        .await
        .body;
    assert_eq!(r2["priority"], 1);
    let list = app.get(&format!("/api/v1/policies/{id}/rules")).await.body;
    assert_eq!(
        names_and_priorities(list.as_array().unwrap()),
        [("two".into(), 1), ("one".into(), 2)]
    );
    let r1_id = r1.body["id"].as_str().unwrap();
    let updated = app
        .put(&format!("/api/v1/policies/{id}/rules/{r1_id}"), {
            let mut b = rule("one-updated", 1);
            b["actions"]["signon"]["access"] = json!("DENY");
            b
        })
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["actions"]["signon"]["access"], "DENY");
    assert_eq!(updated.body["priority"], 1);
    // A condition the rule type does not allow, and a wrong rule type.
    let mut bad = rule("bad", 1);
    bad["conditions"]["authProvider"] = json!({ "provider": "OKTA" });
    app.post(&format!("/api/v1/policies/{id}/rules"), bad)
        .await
        .assert_error(400, "E0000001");
    let mut wrong = rule("wrong", 1);
    wrong["type"] = json!("PASSWORD");
    app.post(&format!("/api/v1/policies/{id}/rules"), wrong)
        .await
        .assert_error(400, "E0000001");
    // A zone that does not exist.
    let mut zone = rule("zone", 1);
    zone["conditions"]["network"] =
        json!({ "connection": "ZONE", "include": ["nzoNOPENOPENOPENOPE"] });
    app.post(&format!("/api/v1/policies/{id}/rules"), zone)
        .await
        .assert_error(400, "E0000001");
    // Lifecycle and delete.
    assert_eq!(
        app.post_empty(&format!(
            "/api/v1/policies/{id}/rules/{r1_id}/lifecycle/deactivate"
        ))
        .await
        .status,
        204
    );
    assert_eq!(
        app.get(&format!("/api/v1/policies/{id}/rules/{r1_id}"))
            .await
            .body["status"],
        "INACTIVE"
    );
    assert_eq!(
        app.post_empty(&format!(
            "/api/v1/policies/{id}/rules/{r1_id}/lifecycle/activate"
        ))
        .await
        .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/policies/{id}/rules/{r1_id}"))
            .await
            .status,
        204
    );
    let left = app.get(&format!("/api/v1/policies/{id}/rules")).await.body;
    assert_eq!(
        names_and_priorities(left.as_array().unwrap()),
        [("two".into(), 1)]
    );
    for kind in [
        "policy.rule.add",
        "policy.rule.update",
        "policy.rule.activate",
        "policy.rule.deactivate",
        "policy.rule.delete",
    ] {
        let r = app
            .get_until(
                &format!("/api/v1/logs?filter=eventType+eq+%22{kind}%22"),
                |r| r.body.as_array().is_some_and(|a| !a.is_empty()),
            )
            .await;
        assert!(!r.body.as_array().unwrap().is_empty(), "{kind}");
    }
}

/// Raises the default password policy's requirements.
async fn tighten_default(app: &TestApp, settings: Value) {
    let p = default_policy(app, "PASSWORD").await;
    let id = p["id"].as_str().unwrap();
    let r = app
        .put(
            &format!("/api/v1/policies/{id}"),
            json!({ "type": "PASSWORD", "name": "Default Policy", "conditions": p["conditions"], "settings": settings }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_policy_change_changes_what_passwords_are_accepted() {
    let app = spawn_app().await;
    let with_password = |login: &str, password: &str| json!({ "profile": TestApp::profile(login), "credentials": { "password": { "value": password } } });
    app.create_user("", with_password("before@example.com", "Abcdefg1"))
        .await;
    tighten_default(
        &app,
        json!({ "password": { "complexity": { "minLength": 12, "minSymbol": 1, "dictionary": { "common": { "exclude": true } } } } }),
    )
    .await;
    let r = app
        .post(
            "/api/v1/users",
            with_password("after@example.com", "Abcdefg1"),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.body["errorCauses"],
        json!([{ "errorSummary": "password: Password requirements were not met. Password requirements: at least 12 characters, a lowercase letter, an uppercase letter, a number, a symbol, no parts of your username." }])
    );
    app.create_user("", with_password("after@example.com", "Abcdefg1!xyz#"))
        .await;
    // The common-password dictionary (no symbol needed now).
    tighten_default(
        &app,
        json!({ "password": { "complexity": { "minLength": 12, "minSymbol": 0, "dictionary": { "common": { "exclude": true } } } } }),
    )
    .await;
    let common = app
        .post(
            "/api/v1/users",
            with_password("common@example.com", "Q1w2e3r4t5y6"),
        )
        .await;
    common.assert_error(400, "E0000001");
    assert_eq!(
        common.body["errorCauses"],
        json!([{ "errorSummary": "password: This password was found in a list of commonly used passwords. Please try another password." }])
    );
    // A group-specific policy ahead of the default: its members get its rules.
    let group = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Relaxed" } }),
        )
        .await
        .body;
    let gid = group["id"].as_str().unwrap();
    let relaxed = app
        .post(
            "/api/v1/policies",
            json!({ "type": "PASSWORD", "name": "Relaxed", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [gid] } } },
                    "settings": { "password": { "complexity": { "minLength": 4, "minUpperCase": 0, "minNumber": 0, "minSymbol": 0 } } } }),
        )
        .await;
    assert_eq!(relaxed.status, 200, "{}", relaxed.text);
    let rid = relaxed.body["id"].as_str().unwrap();
    let added = app
        .post(
            &format!("/api/v1/policies/{rid}/rules"),
            json!({ "name": "all", "actions": { "passwordChange": { "access": "ALLOW" } } }),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let mut body = with_password("relaxed@example.com", "easypass");
    body["groupIds"] = json!([gid]);
    app.create_user("", body).await;
    app.post(
        "/api/v1/users",
        with_password("strict@example.com", "easypass"),
    )
    .await
    .assert_error(400, "E0000001");
}

#[tokio::test]
async fn change_password_enforces_history_and_strict_min_age() {
    let clock = model::time::Clock::manual(model::time::Timestamp(1_700_000_000_000));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    tighten_default(
        &app,
        json!({ "password": { "age": { "historyCount": 2, "minAgeMinutes": 60 } } }),
    )
    .await;
    let user = app
        .create_user("", json!({ "profile": TestApp::profile("hist@example.com"), "credentials": { "password": { "value": "Firstpass1" } } }))
        .await;
    let id = user["id"].as_str().unwrap();
    let change = |old: &str, new: &str| json!({ "oldPassword": { "value": old }, "newPassword": { "value": new } });
    let path = format!("/api/v1/users/{id}/credentials/change_password");
    // strict=true inside the minimum age: refused.
    let r = app
        .post(
            &format!("{path}?strict=true"),
            change("Firstpass1", "Secondpass2"),
        )
        .await;
    r.assert_error(403, "E0000080");
    assert_eq!(
        r.body["errorCauses"],
        json!([{ "errorSummary": "password: Password has been changed too recently. The minimum password age is 60 minutes." }])
    );
    // Without strict the minimum age does not apply.
    let ok = app.post(&path, change("Firstpass1", "Secondpass2")).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // The current and the previous password are remembered.
    for reused in ["Secondpass2", "Firstpass1"] {
        let r = app.post(&path, change("Secondpass2", reused)).await;
        r.assert_error(403, "E0000080");
        assert_eq!(
            r.body["errorCauses"],
            json!([{ "errorSummary": "password: Password has been used too recently" }])
        );
    }
    clock.advance(61 * 60_000);
    let ok = app
        .post(
            &format!("{path}?strict=true"),
            change("Secondpass2", "Thirdpass3"),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // With a history of 2, the first password is allowed again.
    let ok = app.post(&path, change("Thirdpass3", "Firstpass1")).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn clone_copies_a_policy_and_its_rules_inactive() {
    let app = crate::harness::spawn_app().await;
    let source = app.get("/api/v1/policies?type=PASSWORD").await.body[0].clone();
    let id = source["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/policies/{id}/clone"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let copy = r.body.clone();
    assert_ne!(copy["id"], source["id"]);
    assert_eq!(
        copy["name"],
        format!("Copy of {}", source["name"].as_str().unwrap())
    );
    assert_eq!(copy["status"], "INACTIVE");
    assert_eq!(copy["system"], false);
    assert_eq!(copy["type"], "PASSWORD");
    assert_eq!(copy["settings"], source["settings"]);
    let copy_id = copy["id"].as_str().unwrap();
    let rules = app.get(&format!("/api/v1/policies/{id}/rules")).await.body;
    let copied = app
        .get(&format!("/api/v1/policies/{copy_id}/rules"))
        .await
        .body;
    assert_eq!(
        copied.as_array().unwrap().len(),
        rules.as_array().unwrap().len()
    );
    assert_eq!(copied[0]["name"], rules[0]["name"]);
    assert_eq!(copied[0]["actions"], rules[0]["actions"]);
    assert_ne!(copied[0]["id"], rules[0]["id"]);
    assert_eq!(copied[0]["system"], false);
    // The default policy stays last, and the copy can be deleted.
    let all = app.get("/api/v1/policies?type=PASSWORD").await.body;
    assert_eq!(all.as_array().unwrap().last().unwrap()["id"], source["id"]);
    let gone = app.delete(&format!("/api/v1/policies/{copy_id}")).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    app.post_empty("/api/v1/policies/00pnope0000000000000/clone")
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn apps_mapped_to_a_policy_list_and_unmap() {
    let app = crate::harness::spawn_app().await;
    let policy = app.get("/api/v1/policies?type=OKTA_SIGN_ON").await.body[0].clone();
    let pid = policy["id"].as_str().unwrap();
    let created = app
        .post("/api/v1/apps", crate::apps::bookmark("Mapped"))
        .await;
    let aid = created.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/apps", crate::apps::bookmark("Unmapped"))
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/policies/{pid}/app")).await.body,
        json!([])
    );
    let put = app
        .put(&format!("/api/v1/apps/{aid}/policies/{pid}"), json!({}))
        .await;
    assert!(put.status.is_success(), "{}", put.text);
    let apps = app.get(&format!("/api/v1/policies/{pid}/app")).await;
    assert_eq!(apps.status, 200, "{}", apps.text);
    assert_eq!(apps.body.as_array().unwrap().len(), 1);
    assert_eq!(apps.body[0]["id"], aid.as_str());
    assert_eq!(apps.body[0]["label"], "Mapped");
    let mappings = app
        .get(&format!("/api/v1/policies/{pid}/mappings"))
        .await
        .body;
    assert_eq!(
        mappings,
        json!([{ "id": aid, "_links": {
            "self": { "href": app.url(&format!("/api/v1/policies/{pid}/mappings/{aid}")) },
            "application": { "href": app.url(&format!("/api/v1/apps/{aid}")) },
            "policy": { "href": app.url(&format!("/api/v1/policies/{pid}")) },
        }}])
    );
    let one = app
        .get(&format!("/api/v1/policies/{pid}/mappings/{aid}"))
        .await;
    assert_eq!(one.body, mappings[0]);
    app.post(
        &format!("/api/v1/policies/{pid}/mappings"),
        json!({ "resourceType": "ACCESS_POLICY", "resourceId": "rst1" }),
    )
    .await
    .assert_error(400, "E0000001");
    let gone = app
        .delete(&format!("/api/v1/policies/{pid}/mappings/{aid}"))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(
        app.get(&format!("/api/v1/policies/{pid}/mappings"))
            .await
            .body,
        json!([])
    );
    app.get(&format!("/api/v1/policies/{pid}/mappings/{aid}"))
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn policy_lists_page_and_search_by_name() {
    let app = crate::harness::spawn_app().await;
    for name in ["Alpha one", "Alpha two", "Beta"] {
        let r = app
            .post(
                "/api/v1/policies",
                json!({ "type": "OKTA_SIGN_ON", "name": name }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let names = |r: &crate::harness::Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get("/api/v1/policies?type=OKTA_SIGN_ON").await;
    assert_eq!(names(&all).len(), 4);
    assert_eq!(
        names(&app.get("/api/v1/policies?type=OKTA_SIGN_ON&q=alpha").await),
        ["Alpha one", "Alpha two"]
    );
    // Pages of two follow `next` and visit every policy once, in priority order.
    let mut seen = Vec::new();
    let mut url = "/api/v1/policies?type=OKTA_SIGN_ON&limit=2".to_owned();
    loop {
        let page = app.get(&url).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(names(&page));
        match page.next_link() {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen, names(&all));
    app.get("/api/v1/policies?type=OKTA_SIGN_ON&after=garbage")
        .await
        .assert_error(400, "E0000029");
}

/// Okta's SDKs from 8.x model MFA_ENROLL settings as `type` and `authenticators` only: what
/// they read and send back must keep every factor setting, and an authenticator change must
/// reach the factors it stands for.
#[tokio::test]
async fn mfa_enroll_settings_round_trip_through_the_authenticators_form() {
    let app = spawn_app().await;
    let policy = default_policy(&app, "MFA_ENROLL").await;
    let id = policy["id"].as_str().unwrap().to_owned();
    let settings = &policy["settings"];
    assert_eq!(settings["type"], "FACTORS");
    assert_eq!(
        settings["factors"]["google_otp"]["enroll"]["self"],
        "OPTIONAL"
    );
    let listed = settings["authenticators"].as_array().unwrap().clone();
    assert!(listed
        .iter()
        .any(|a| a == &json!({ "key": "phone_number", "enroll": { "self": "OPTIONAL" } })));

    // What the SDK sends: its model has no `factors`; phone is turned off.
    let mut authenticators = listed.clone();
    for a in &mut authenticators {
        if a["key"] == "phone_number" {
            a["enroll"]["self"] = json!("NOT_ALLOWED");
        }
    }
    let mut sent = policy.clone();
    sent["settings"] = json!({ "type": "FACTORS", "authenticators": authenticators });
    let r = app.put(&format!("/api/v1/policies/{id}"), sent).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let factors = &r.body["settings"]["factors"];
    assert_eq!(factors["okta_sms"]["enroll"]["self"], "NOT_ALLOWED");
    assert_eq!(factors["okta_call"]["enroll"]["self"], "NOT_ALLOWED");
    for kept in [
        "okta_otp",
        "google_otp",
        "okta_question",
        "okta_email",
        "fido_webauthn",
    ] {
        assert_eq!(factors[kept]["enroll"]["self"], "OPTIONAL", "{kept}");
    }
    assert_eq!(r.body["settings"]["authenticators"], json!(authenticators));

    // What cannot be stored is refused, and the policy stays as it was.
    let mut bad = policy;
    bad["settings"] = json!({ "type": "AUTHENTICATORS",
        "authenticators": [{ "key": "custom_app", "enroll": { "self": "REQUIRED" } }] });
    app.put(&format!("/api/v1/policies/{id}"), bad)
        .await
        .assert_error(400, "E0000001");
    let now = app.get(&format!("/api/v1/policies/{id}")).await;
    assert_eq!(
        now.body["settings"]["factors"]["okta_sms"]["enroll"]["self"],
        "NOT_ALLOWED"
    );
}
