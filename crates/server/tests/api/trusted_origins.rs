//! Trusted Origins API: create, get, list (q, filter, pages), replace, delete, activate,
//! deactivate; full shapes, Okta's errors, and the System Log events of each change.

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

fn body(name: &str, origin: &str, scopes: &[&str]) -> Value {
    let scopes: Vec<Value> = scopes.iter().map(|t| json!({ "type": t })).collect();
    json!({ "name": name, "origin": origin, "scopes": scopes })
}

async fn create(app: &TestApp, name: &str, origin: &str, scopes: &[&str]) -> Value {
    let r = app
        .post("/api/v1/trustedOrigins", body(name, origin, scopes))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn admin_id(app: &TestApp) -> String {
    app.get("/api/v1/users/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Ids in a stable order: origins created in the same millisecond are ordered by id.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Asserts the whole error object and its causes.
fn assert_invalid(r: &Reply, summary: &str, causes: &[&str]) {
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.body["errorSummary"],
        format!("Api validation failed: {summary}"),
        "{}",
        r.text
    );
    assert_eq!(r.causes(), causes, "{}", r.text);
}

/// Events of `kind` naming `target` (the System Log of this test's server).
async fn events(app: &TestApp, kind: &str, target: &str) -> Vec<Value> {
    let filter = format!("eventType eq \"{kind}\" and target.id eq \"{target}\"");
    let r = app
        .get(&format!("/api/v1/logs?filter={}", enc(&filter)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

#[tokio::test]
async fn create_and_get_render_the_whole_object() {
    let app = spawn_app().await;
    let admin = admin_id(&app).await;
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            body(
                "New Trusted Origin",
                "http://example.com",
                &["CORS", "REDIRECT"],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let created = r.body;
    let id = id_of(&created);
    assert!(id.starts_with("tos") && id.len() == 20, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    let stamp = created["created"].as_str().unwrap().to_owned();
    assert!(stamp.ends_with('Z') && stamp.len() == 24, "{stamp}");
    let href = format!("{}/api/v1/trustedOrigins/{id}", app.base);
    assert_eq!(
        created,
        json!({
            "id": id,
            "name": "New Trusted Origin",
            "origin": "http://example.com",
            "scopes": [{"type": "CORS"}, {"type": "REDIRECT"}],
            "status": "ACTIVE",
            "created": stamp,
            "createdBy": admin,
            "lastUpdated": stamp,
            "lastUpdatedBy": admin,
            "_links": {
                "self": {"href": href, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
                "deactivate": {
                    "href": format!("{href}/lifecycle/deactivate"),
                    "hints": {"allow": ["POST"]},
                },
            },
        })
    );
    let got = app.get(&format!("/api/v1/trustedOrigins/{id}")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.body, created);
    assert!(got.header("x-okta-request-id").is_some());
}

#[tokio::test]
async fn iframe_embed_scopes_carry_allowed_okta_apps() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({
                "name": "Dashboard embed",
                "origin": "https://portal.example.com",
                "scopes": [{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["scopes"],
        json!([{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}])
    );
    // Sign-in pages only: the list may be empty or left out (the Python SDK drops it).
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({
                "name": "Sign-in embed",
                "origin": "https://signin.example.com",
                "scopes": [{"type": "IFRAME_EMBED"}, {"type": "CORS", "allowedOktaApps": ["OKTA_ENDUSER"]}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["scopes"],
        json!([{"type": "IFRAME_EMBED", "allowedOktaApps": []}, {"type": "CORS"}])
    );
}

#[tokio::test]
async fn origins_are_kept_as_written_and_compared_as_browsers_send_them() {
    let app = spawn_app().await;
    let created = create(&app, "Upper", "HTTPS://App.Example.com:443/", &["CORS"]).await;
    assert_eq!(created["origin"], "HTTPS://App.Example.com:443/");
    for (name, origin) in [
        ("Same", "https://app.example.com"),
        ("Same port", "https://APP.example.com:443"),
    ] {
        let r = app
            .post("/api/v1/trustedOrigins", body(name, origin, &["REDIRECT"]))
            .await;
        assert_invalid(
            &r,
            "origin",
            &["origin: An object with this field already exists in the current organization"],
        );
    }
    // Another port, scheme or host is another origin.
    for (name, origin) in [
        ("Port", "https://app.example.com:8443"),
        ("Scheme", "http://app.example.com"),
        ("Mobile", "capacitor://localhost"),
        ("Ionic", "ionic://localhost"),
        ("Local", "http://localhost:3000"),
        ("Loopback", "http://127.0.0.1:3000"),
        ("IPv6", "http://[::1]:3000"),
    ] {
        create(&app, name, origin, &["CORS"]).await;
    }
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            body("upper", "https://other.example.com", &["CORS"]),
        )
        .await;
    assert_invalid(
        &r,
        "name",
        &["name: An object with this field already exists in the current organization"],
    );
}

#[tokio::test]
async fn invalid_bodies_get_okta_errors_and_write_nothing() {
    let app = spawn_app().await;
    let r = app.post("/api/v1/trustedOrigins", json!({})).await;
    assert_invalid(
        &r,
        "name",
        &[
            "name: The field cannot be left blank",
            "origin: The field cannot be left blank",
            "scopes: The field cannot be left blank",
        ],
    );
    for origin in [
        "example.com",
        "https://example.com/path",
        "https://example.com?q=1",
        "https://user@example.com",
        "https://*.example.com",
        "mailto://example.com",
        "https://example.com:99999",
        "null",
    ] {
        let r = app
            .post("/api/v1/trustedOrigins", body("Bad", origin, &["CORS"]))
            .await;
        assert_invalid(&r, "origin", &["origin: Origin value is not valid"]);
    }
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            body(&"n".repeat(256), "https://ok.example.com", &[]),
        )
        .await;
    assert_invalid(
        &r,
        "name",
        &[
            "name: 'name' cannot be more than '255' characters long.",
            "scopes: The field cannot be left blank",
        ],
    );
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({"name": "x", "origin": "https://ok.example.com", "scopes": [{}]}),
        )
        .await;
    assert_invalid(&r, "scopes", &["scopes: The field cannot be left blank"]);
    // Values outside the spec's enums, wrong types and broken JSON are malformed bodies.
    for bad in [
        json!({"name": "x", "origin": "https://ok.example.com", "scopes": [{"type": "Redirect"}]}),
        json!({"name": "x", "origin": "https://ok.example.com",
               "scopes": [{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ADMIN"]}]}),
        json!({"name": 5, "origin": "https://ok.example.com", "scopes": [{"type": "CORS"}]}),
        json!({"name": "x", "origin": "https://ok.example.com", "scopes": {"type": "CORS"}}),
        json!([1, 2]),
    ] {
        app.post("/api/v1/trustedOrigins", bad)
            .await
            .assert_error(400, "E0000003");
    }
    let raw = app
        .client
        .post(app.url("/api/v1/trustedOrigins"))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let err: Value = raw.json().await.unwrap();
    assert_eq!(err["errorCode"], "E0000003");

    let list = app.get("/api/v1/trustedOrigins").await;
    assert_eq!(list.body, json!([]), "nothing was written");
    let r = app
        .get(&format!(
            "/api/v1/logs?filter={}",
            enc("eventType sw \"security.trusted_origin\"")
        ))
        .await;
    assert_eq!(r.body, json!([]), "no event for a refused write");
}

#[tokio::test]
async fn unknown_ids_and_missing_tokens() {
    let app = spawn_app().await;
    for id in [
        "tos1234567890abcdefg",
        "00u1234567890abcdefg",
        "nope",
        "tos%20x",
    ] {
        let path = format!("/api/v1/trustedOrigins/{id}");
        app.get(&path).await.assert_error(404, "E0000007");
        app.put(&path, body("x", "https://x.example.com", &["CORS"]))
            .await
            .assert_error(404, "E0000007");
        app.delete(&path).await.assert_error(404, "E0000007");
        app.post_empty(&format!("{path}/lifecycle/activate"))
            .await
            .assert_error(404, "E0000007");
        app.post_empty(&format!("{path}/lifecycle/deactivate"))
            .await
            .assert_error(404, "E0000007");
    }
    let r = app.get("/api/v1/trustedOrigins/tos1234567890abcdefg").await;
    assert_eq!(
        r.body["errorSummary"],
        "Not found: Resource not found: tos1234567890abcdefg (TrustedOrigin)"
    );
    for (method, path) in [
        (Method::GET, "/api/v1/trustedOrigins"),
        (Method::POST, "/api/v1/trustedOrigins"),
        (Method::GET, "/api/v1/trustedOrigins/tos1234567890abcdefg"),
    ] {
        app.call_as(method, path, Some(json!({})), None)
            .await
            .assert_error(401, "E0000011");
    }
    app.call(Method::PATCH, "/api/v1/trustedOrigins", None)
        .await
        .assert_error(405, "E0000022");
}

#[tokio::test]
async fn replace_changes_name_origin_and_scopes_only() {
    let app = spawn_app().await;
    let created = create(&app, "Example", "http://example.com", &["CORS", "REDIRECT"]).await;
    let id = id_of(&created);
    let path = format!("/api/v1/trustedOrigins/{id}");
    app.post_empty(&format!("{path}/lifecycle/deactivate"))
        .await;
    // Clients PUT the object they read, read-only fields and all.
    let mut sent = created.clone();
    sent["name"] = json!("Updated Example");
    sent["origin"] = json!("http://updated.example.com");
    sent["scopes"] = json!([{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}]);
    sent["status"] = json!("ACTIVE");
    sent["createdBy"] = json!("00uSomebodyElse12345");
    let r = app.put(&path, sent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let updated = r.body;
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["name"], "Updated Example");
    assert_eq!(updated["origin"], "http://updated.example.com");
    assert_eq!(
        updated["scopes"],
        json!([{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}])
    );
    assert_eq!(
        updated["status"], "INACTIVE",
        "PUT does not change the status"
    );
    assert_eq!(updated["created"], created["created"]);
    assert_eq!(updated["createdBy"], created["createdBy"]);
    assert!(updated["lastUpdated"].as_str() >= created["lastUpdated"].as_str());
    assert!(updated["_links"]["activate"].is_object());
    assert_eq!(app.get(&path).await.body, updated);

    // The same checks as create; a refused replace changes nothing.
    let r = app
        .put(&path, json!({"name": "", "origin": "nope", "scopes": []}))
        .await;
    assert_invalid(
        &r,
        "name",
        &[
            "name: The field cannot be left blank",
            "origin: Origin value is not valid",
            "scopes: The field cannot be left blank",
        ],
    );
    let other = create(&app, "Other", "https://other.example.com", &["CORS"]).await;
    let r = app
        .put(
            &path,
            body("Updated Example", "https://OTHER.example.com", &["CORS"]),
        )
        .await;
    assert_invalid(
        &r,
        "origin",
        &["origin: An object with this field already exists in the current organization"],
    );
    assert_eq!(app.get(&path).await.body, updated);
    // Keeping its own origin and name is no clash.
    let r = app
        .put(
            &path,
            body("updated example", "http://updated.example.com/", &["CORS"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["scopes"], json!([{"type": "CORS"}]));
    assert_eq!(id_of(&other).len(), 20);
}

#[tokio::test]
async fn lifecycle_moves_status_and_links() {
    let app = spawn_app().await;
    let created = create(&app, "Another", "https://rf.example.com", &["CORS"]).await;
    let id = id_of(&created);
    let path = format!("/api/v1/trustedOrigins/{id}");
    let href = format!("{}{path}", app.base);

    let r = app
        .post_empty(&format!("{path}/lifecycle/deactivate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "INACTIVE");
    assert_eq!(
        r.body["_links"],
        json!({
            "activate": {"href": format!("{href}/lifecycle/activate"), "hints": {"allow": ["POST"]}},
            "self": {"href": href, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
        })
    );
    let inactive = r.body;
    // Repeating an operation changes nothing.
    let again = app
        .post_empty(&format!("{path}/lifecycle/deactivate"))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, inactive);
    assert_eq!(app.get(&path).await.body, inactive);

    let r = app.post_empty(&format!("{path}/lifecycle/activate")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "ACTIVE");
    assert!(r.body["_links"]["deactivate"].is_object());
    assert!(r.body["_links"].get("activate").is_none());
    let again = app.post_empty(&format!("{path}/lifecycle/activate")).await;
    assert_eq!(again.body, r.body);

    assert_eq!(
        events(&app, "security.trusted_origin.deactivate", &id)
            .await
            .len(),
        1
    );
    assert_eq!(
        events(&app, "security.trusted_origin.activate", &id)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn delete_answers_204_and_frees_the_origin() {
    let app = spawn_app().await;
    let created = create(&app, "Doomed", "https://doomed.example.com", &["CORS"]).await;
    let path = format!("/api/v1/trustedOrigins/{}", id_of(&created));
    let r = app.delete(&path).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    assert_eq!(r.header("content-type"), None);
    app.get(&path).await.assert_error(404, "E0000007");
    app.delete(&path).await.assert_error(404, "E0000007");
    create(&app, "Doomed", "https://doomed.example.com", &["REDIRECT"]).await;
}

#[tokio::test]
async fn every_change_writes_its_event() {
    let app = spawn_app().await;
    let admin = admin_id(&app).await;
    let created = create(&app, "Audited", "https://audit.example.com", &["CORS"]).await;
    let id = id_of(&created);
    let path = format!("/api/v1/trustedOrigins/{id}");
    let create_event = events(&app, "security.trusted_origin.create", &id).await;
    assert_eq!(create_event.len(), 1);
    let e = &create_event[0];
    assert_eq!(e["actor"]["id"], admin);
    assert_eq!(
        e["target"],
        json!([{
            "id": id,
            "type": "TrustedOrigin",
            "alternateId": "https://audit.example.com",
            "displayName": "Audited",
        }])
    );
    assert_eq!(e["outcome"]["result"], "SUCCESS");

    app.put(
        &path,
        body("Audited 2", "https://audit.example.com", &["CORS"]),
    )
    .await;
    app.post_empty(&format!("{path}/lifecycle/deactivate"))
        .await;
    app.post_empty(&format!("{path}/lifecycle/activate")).await;
    app.delete(&path).await;
    for kind in ["update", "deactivate", "activate", "delete"] {
        let found = events(&app, &format!("security.trusted_origin.{kind}"), &id).await;
        assert_eq!(found.len(), 1, "{kind}");
    }
    let update = events(&app, "security.trusted_origin.update", &id).await;
    assert_eq!(update[0]["target"][0]["displayName"], "Audited 2");
}

#[tokio::test]
async fn list_pages_with_links_in_creation_order() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let o = create(
            &app,
            &format!("Origin {i:02}"),
            &format!("https://o{i}.example.com"),
            &["CORS"],
        )
        .await;
        ids.push(id_of(&o));
    }
    // Twenty by default, then the rest.
    let first = app.get("/api/v1/trustedOrigins").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body.as_array().unwrap().len(), 20);
    let links = first.header_all("link");
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(
        links[0],
        format!("<{}/api/v1/trustedOrigins>; rel=\"self\"", app.base)
    );
    let next = first.next_link().unwrap();
    assert!(next.starts_with(&format!("{}/api/v1/trustedOrigins?after=", app.base)));
    let rest = app.get(&next).await;
    assert_eq!(rest.body.as_array().unwrap().len(), 5);
    assert_eq!(rest.next_link(), None);

    // Small pages visit every origin once, oldest first.
    let mut seen = Vec::new();
    let mut stamps = Vec::new();
    let mut url = "/api/v1/trustedOrigins?limit=7".to_owned();
    loop {
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let self_link = r.header_all("link")[0].clone();
        assert!(self_link.contains("limit=7"), "{self_link}");
        seen.extend(r.body.as_array().unwrap().iter().map(id_of));
        stamps.extend(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["created"].as_str().unwrap().to_owned()),
        );
        match r.next_link() {
            Some(next) => {
                assert!(next.contains("limit=7"), "{next}");
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), ids.len(), "no origin twice");
    assert_eq!(sorted(seen), sorted(ids));
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");

    for bad in ["limit=0", "limit=-3", "limit=x", "after=garbage!"] {
        app.get(&format!("/api/v1/trustedOrigins?{bad}"))
            .await
            .assert_error(400, "E0000029");
    }
    let big = app.get("/api/v1/trustedOrigins?limit=1000").await;
    assert_eq!(big.body.as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn q_and_filter_select_origins() {
    let app = spawn_app().await;
    let web = create(
        &app,
        "Web App",
        "https://web.example.com",
        &["CORS", "REDIRECT"],
    )
    .await;
    let wiki = create(&app, "Wiki", "https://docs.example.org:8443", &["REDIRECT"]).await;
    let kiosk = create(&app, "Kiosk", "http://localhost:4200", &["IFRAME_EMBED"]).await;
    app.post_empty(&format!(
        "/api/v1/trustedOrigins/{}/lifecycle/deactivate",
        id_of(&kiosk)
    ))
    .await;
    let ids = |r: &Reply| -> Vec<String> {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        sorted(r.body.as_array().unwrap().iter().map(id_of).collect())
    };
    let query = |param: &str, value: &str| format!("/api/v1/trustedOrigins?{param}={}", enc(value));

    assert_eq!(
        ids(&app.get(&query("q", "w")).await),
        sorted(vec![id_of(&web), id_of(&wiki)])
    );
    assert_eq!(ids(&app.get(&query("q", "WIK")).await), [id_of(&wiki)]);
    assert_eq!(
        ids(&app.get(&query("q", "https://DOCS")).await),
        [id_of(&wiki)],
        "q matches the origin's start too"
    );
    assert_eq!(
        ids(&app.get(&query("q", "http://loc")).await),
        [id_of(&kiosk)]
    );
    assert!(ids(&app.get(&query("q", "example")).await).is_empty());

    assert_eq!(
        ids(&app.get(&query("filter", "name eq \"Wiki\"")).await),
        [id_of(&wiki)]
    );
    assert_eq!(
        ids(&app
            .get(&query(
                "filter",
                "origin eq \"https://WEB.example.com:443\""
            ))
            .await),
        [id_of(&web)]
    );
    assert_eq!(
        ids(&app.get(&query("filter", "status eq \"INACTIVE\"")).await),
        [id_of(&kiosk)]
    );
    assert_eq!(
        ids(&app.get(&query("filter", "type eq \"REDIRECT\"")).await),
        sorted(vec![id_of(&web), id_of(&wiki)])
    );
    assert_eq!(
        ids(&app
            .get(&query(
                "filter",
                "(name eq \"Kiosk\" or type eq \"CORS\") and status eq \"ACTIVE\""
            ))
            .await),
        [id_of(&web)]
    );
    // q and filter together narrow each other; the self link echoes both.
    let both = app
        .get(&format!(
            "/api/v1/trustedOrigins?q=w&filter={}&limit=1",
            enc("type eq \"REDIRECT\"")
        ))
        .await;
    let mut pages = ids(&both);
    assert_eq!(pages.len(), 1);
    assert_eq!(
        both.header_all("link")[0],
        format!(
            "<{}/api/v1/trustedOrigins?q=w&filter={}&limit=1>; rel=\"self\"",
            app.base,
            enc("type eq \"REDIRECT\"")
        )
    );
    let next = both.next_link().unwrap();
    let second = app.get(&next).await;
    assert_eq!(second.next_link(), None);
    pages.extend(ids(&second));
    assert_eq!(sorted(pages), sorted(vec![id_of(&web), id_of(&wiki)]));

    for bad in [
        "id eq \"tos1\"",
        "name sw \"W\"",
        "type eq \"WEB\"",
        "status eq \"active\"",
        "not (status eq \"ACTIVE\")",
        "name eq",
    ] {
        app.get(&query("filter", bad))
            .await
            .assert_error(400, "E0000031");
    }
}
