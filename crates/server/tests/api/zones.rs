//! Network zones over HTTP (zones.md): the default zones, IP zone CRUD and lifecycle, bad
//! addresses refused whole, and a rule's network condition naming a zone.

use serde_json::json;

use crate::harness::spawn_app;

#[tokio::test]
async fn default_zones_and_ip_zone_crud() {
    let app = spawn_app().await;
    let zones = app.get("/api/v1/zones").await.body;
    let mut names: Vec<&str> = zones
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["BlockedIpZone", "LegacyIpZone"]);
    let by_name = |name: &str| {
        zones
            .as_array()
            .unwrap()
            .iter()
            .find(|z| z["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("BlockedIpZone")["usage"], "BLOCKLIST");
    assert_eq!(by_name("LegacyIpZone")["usage"], "POLICY");
    assert_eq!(by_name("LegacyIpZone")["system"], true);
    let legacy_zone = by_name("LegacyIpZone");
    let legacy = legacy_zone["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/zones/{legacy}"))
        .await
        .assert_error(403, "E0000006");

    let created = app
        .post(
            "/api/v1/zones",
            json!({ "type": "IP", "name": "Office", "gateways": [
                { "type": "CIDR", "value": "10.0.0.0/8" },
                { "type": "RANGE", "value": "2001:db8::1-2001:db8::ff" }
            ] }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.body["id"].as_str().unwrap();
    assert!(id.starts_with("nzo"));
    assert_eq!(created.body["status"], "ACTIVE");
    assert_eq!(created.body["usage"], "POLICY");
    assert_eq!(created.body["proxies"], serde_json::Value::Null);
    assert_eq!(
        created.body["_links"]["self"],
        json!({ "href": format!("{}/api/v1/zones/{id}", app.base), "hints": { "allow": ["GET", "PUT", "DELETE"] } })
    );
    let r = app
        .post(
            &format!("/api/v1/zones/{id}/lifecycle/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "INACTIVE");
    let replaced = app
        .put(
            &format!("/api/v1/zones/{id}"),
            json!({ "type": "IP", "name": "Office 2", "gateways": [{ "type": "CIDR", "value": "192.168.0.0/16" }] }),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["name"], "Office 2");
    assert_eq!(replaced.body["status"], "INACTIVE");

    // Bad input: whole error objects, nothing written.
    for body in [
        json!({ "type": "IP", "name": "Bad", "gateways": [{ "type": "CIDR", "value": "10.0.0.0/33" }] }),
        json!({ "type": "IP", "name": "Bad", "gateways": [{ "type": "RANGE", "value": "10.0.0.9-10.0.0.1" }] }),
        json!({ "type": "DYNAMIC", "name": "Bad" }),
        json!({ "type": "IP" }),
    ] {
        app.post("/api/v1/zones", body)
            .await
            .assert_error(400, "E0000001");
    }
    assert_eq!(
        app.get("/api/v1/zones")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A rule may name the zone.
    let p = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "Zoned" }),
        )
        .await
        .body;
    let pid = p["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("/api/v1/policies/{pid}/rules"),
            json!({ "name": "office only", "conditions": { "network": { "connection": "ZONE", "include": [id] } },
                    "actions": { "signon": { "access": "ALLOW" } } }),
        )
        .await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    assert_eq!(rule.body["conditions"]["network"]["include"], json!([id]));

    assert_eq!(app.delete(&format!("/api/v1/zones/{id}")).await.status, 204);
    app.get(&format!("/api/v1/zones/{id}"))
        .await
        .assert_error(404, "E0000007");
}

/// The client address of a request through a trusted proxy (an ACTIVE zone's `proxies`) is
/// the right-most `X-Forwarded-For` hop that is not a proxy; from anyone else the header is
/// ignored.
#[tokio::test]
async fn forwarded_for_is_honoured_only_from_trusted_proxies() {
    let app = spawn_app().await;
    let sign_in_from = |hops: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/authn"))
                .header("X-Forwarded-For", hops)
                .json(&json!({ "username": "nobody@example.com", "password": "x" }))
                .send()
                .await
                .unwrap();
        }
    };
    let last_ip = || async {
        let r = app
            .get("/api/v1/logs?since=2000-01-01T00:00:00.000Z&sortOrder=DESCENDING&limit=1&filter=eventType%20eq%20%22user.session.start%22")
            .await;
        r.body[0]["client"]["ipAddress"].clone()
    };
    sign_in_from("203.0.113.9").await;
    assert_eq!(
        last_ip().await,
        "127.0.0.1",
        "not a trusted proxy: the peer"
    );
    let zone = app
        .post(
            "/api/v1/zones",
            json!({ "type": "IP", "name": "Proxies",
                    "proxies": [{ "type": "CIDR", "value": "127.0.0.0/8" }, { "type": "CIDR", "value": "10.0.0.0/8" }] }),
        )
        .await;
    assert_eq!(zone.status, 200, "{}", zone.text);
    sign_in_from("198.51.100.7, 203.0.113.9, 10.1.2.3").await;
    assert_eq!(
        last_ip().await,
        "203.0.113.9",
        "the right-most hop that is not a proxy"
    );
}

/// List Network Zones pages with `limit`/`after` and `Link` headers, and filters by `id` and
/// `usage` (zones.md, "List Zones with a filter").
#[tokio::test]
async fn list_pages_and_filters_by_id_and_usage() {
    let app = spawn_app().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let usage = if i % 2 == 0 { "POLICY" } else { "BLOCKLIST" };
        let r = app
            .post(
                "/api/v1/zones",
                json!({ "type": "IP", "name": format!("Zone {i}"), "usage": usage,
                        "gateways": [{ "type": "CIDR", "value": format!("10.{i}.0.0/16") }] }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        made.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let all = app.get("/api/v1/zones").await;
    let every: Vec<String> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(every.len(), 7, "the two default zones and five more");
    assert!(all.next_link().is_none());

    let mut seen = Vec::new();
    let mut path = "/api/v1/zones?limit=2".to_owned();
    loop {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.body.as_array().unwrap().len() <= 2);
        seen.extend(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .map(|z| z["id"].as_str().unwrap().to_owned()),
        );
        let links = r.header_all("link");
        assert!(links[0].ends_with("rel=\"self\""), "{links:?}");
        match r.next_link() {
            Some(next) => path = next.trim_start_matches(&app.base).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, every, "pages visit every zone once, in list order");

    let ids = |r: &crate::harness::Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|z| z["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let blocklist = app
        .get("/api/v1/zones?filter=usage%20eq%20%22BLOCKLIST%22")
        .await;
    assert_eq!(blocklist.status, 200, "{}", blocklist.text);
    assert!(blocklist
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|z| z["usage"] == "BLOCKLIST"));
    assert_eq!(ids(&blocklist).len(), 3, "BlockedIpZone and two made");
    let filter = format!(
        "(id eq \"{}\" or id eq \"{}\") and usage eq \"POLICY\"",
        made[0], made[1]
    );
    let r = app
        .get(&format!(
            "/api/v1/zones?filter={}",
            urlencoding::encode(&filter)
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r), [made[0].clone()]);
    app.get("/api/v1/zones?filter=name%20eq%20%22x%22")
        .await
        .assert_error(400, "E0000031");
    app.get("/api/v1/zones?limit=0")
        .await
        .assert_error(400, "E0000029");
}
