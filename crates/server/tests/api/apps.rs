//! Apps: create per sign-on mode with Okta's defaults and full shapes, validation errors,
//! lifecycle (activate, deactivate, delete only when inactive), replace, list (q, filter,
//! pages with Link headers), logos, policy assignment, System Log events. OIDC clients, SAML
//! apps with their keys and metadata live in `app_credentials.rs`, assignments in
//! `app_assignments.rs`.

use crate::harness::{spawn_app, Reply, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

pub fn bookmark(label: &str) -> Value {
    json!({
        "name": "bookmark",
        "label": label,
        "signOnMode": "BOOKMARK",
        "settings": { "app": { "requestIntegration": false, "url": "https://example.com/bookmark.htm" } }
    })
}

pub fn custom_saml(label: &str) -> Value {
    json!({
        "label": label,
        "signOnMode": "SAML_2_0",
        "settings": { "signOn": {
            "ssoAcsUrl": "https://sp.example.com/acs",
            "audience": "https://sp.example.com/entity",
            "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "attributeStatements": [{ "type": "EXPRESSION", "name": "firstName",
                "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
                "values": ["user.firstName"] }]
        } }
    })
}

pub fn oidc_web() -> Value {
    json!({
        "name": "oidc_client",
        "label": "Web Client",
        "signOnMode": "OPENID_CONNECT",
        "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_post" } },
        "profile": { "label": "oauth2 client app 1" },
        "settings": { "oauthClient": {
            "redirect_uris": ["https://example.com/oauth2/callback"],
            "post_logout_redirect_uris": ["https://example.com/logout"],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
            "application_type": "web"
        } }
    })
}

/// Creates an app (200 asserted) and returns its JSON.
pub async fn create_app(app: &TestApp, query: &str, body: Value) -> Value {
    let r = app.post(&format!("/api/v1/apps{query}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

pub fn assert_validation(r: &Reply, summary: &str, cause_prefix: &str) {
    r.assert_error(400, "E0000001");
    assert_eq!(
        r.body["errorSummary"],
        format!("Api validation failed: {summary}"),
        "{}",
        r.text
    );
    assert!(
        r.causes().iter().any(|c| c.starts_with(cause_prefix)),
        "{cause_prefix} in {:?}",
        r.causes()
    );
}

async fn events(app: &TestApp, target: &str, kind: &str) -> Vec<Value> {
    let path = format!(
        "/api/v1/logs?filter={}",
        enc(&format!(
            "target.id eq \"{target}\" and eventType eq \"{kind}\""
        ))
    );
    let r = app
        .get_until(&path, |r| r.body.as_array().is_some_and(|a| !a.is_empty()))
        .await;
    r.body.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn bookmark_app_has_okta_shape_and_defaults() {
    let app = spawn_app().await;
    let created = create_app(&app, "", bookmark("Sample Bookmark App")).await;
    let id = id(&created);
    assert!(id.starts_with("0oa") && id.len() == 20, "{id}");
    let base = format!("{}/api/v1/apps/{id}", app.base);
    let link_href = created["_links"]["appLinks"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        link_href.starts_with(&format!("{}/home/bookmark/{id}/aln", app.base)),
        "{link_href}"
    );
    let expected = json!({
        "id": id,
        "name": "bookmark",
        "label": "Sample Bookmark App",
        "status": "ACTIVE",
        "lastUpdated": created["created"],
        "created": created["created"],
        "accessibility": { "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null },
        "visibility": { "autoLaunch": false, "autoSubmitToolbar": false,
                        "hide": { "iOS": false, "web": false }, "appLinks": { "login": true } },
        "features": [],
        "signOnMode": "BOOKMARK",
        "credentials": { "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" } },
        "settings": {
            "app": { "requestIntegration": false, "url": "https://example.com/bookmark.htm" },
            "notifications": { "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null } },
            "manualProvisioning": false,
            "implicitAssignment": false,
            "notes": { "admin": null, "enduser": null },
            "emOptInStatus": "DISABLED"
        },
        "_links": {
            "uploadLogo": { "href": format!("{base}/logo"), "hints": { "allow": ["POST"] } },
            "appLinks": [{ "name": "login", "href": link_href, "type": "text/html" }],
            "groups": { "href": format!("{base}/groups") },
            "logo": [{ "name": "medium", "href": format!("{}/assets/img/logos/default.png", app.base), "type": "image/png" }],
            "users": { "href": format!("{base}/users") },
            "deactivate": { "href": format!("{base}/lifecycle/deactivate") },
            "self": { "href": base },
        }
    });
    assert_eq!(created, expected);
    let got = app.get(&format!("/api/v1/apps/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, expected);
    // The default logo is served.
    let logo = app
        .client
        .get(format!("{}/assets/img/logos/default.png", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), StatusCode::OK);
    assert_eq!(logo.headers()["content-type"], "image/png");

    let evs = events(&app, &id, "application.lifecycle.create").await;
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0]["target"][0]["type"], "AppInstance");
    assert_eq!(evs[0]["target"][0]["alternateId"], "Sample Bookmark App");
    assert_eq!(
        events(&app, &id, "application.lifecycle.activate")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn each_sign_on_mode_checks_its_settings() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "name": "bookmark", "label": "B", "signOnMode": "BOOKMARK" }),
        )
        .await;
    assert_validation(&r, "url", "url: The field cannot be left blank");
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "name": "template_basic_auth", "label": "B", "signOnMode": "BASIC_AUTH",
            "settings": { "app": { "url": "https://example.com/login.html" } } }),
        )
        .await;
    assert_validation(&r, "authURL", "authURL: The field cannot be left blank");
    let r = app
        .post("/api/v1/apps", json!({ "name": "template_swa", "label": "S", "signOnMode": "BROWSER_PLUGIN",
            "settings": { "app": { "url": "not a url", "usernameField": "u", "passwordField": "p", "buttonField": "b" } } }))
        .await;
    assert_validation(&r, "url", "url: 'not a url' is not a valid URL");
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "name": "bookmark", "label": "B", "signOnMode": "SAML_2_0" }),
        )
        .await;
    assert_validation(
        &r,
        "signOnMode",
        "signOnMode: The app 'bookmark' uses the sign-on mode BOOKMARK",
    );
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "label": "B", "signOnMode": "MAGIC" }),
        )
        .await;
    assert_validation(&r, "signOnMode", "signOnMode: 'MAGIC' is not one of");
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "label": "C", "signOnMode": "SAML_2_0", "settings": { "signOn": {} } }),
        )
        .await;
    assert_validation(&r, "ssoAcsUrl", "ssoAcsUrl: The field cannot be left blank");
    let r = app
        .post("/api/v1/apps", json!({ "label": "C", "signOnMode": "SAML_2_0", "settings": { "signOn": {
            "ssoAcsUrl": "https://sp.example.com/acs", "audience": "a",
            "responseSigned": false, "assertionSigned": false, "signatureAlgorithm": "RSA_MD5" } } }))
        .await;
    r.assert_error(400, "E0000001");
    assert!(
        r.causes()
            .iter()
            .any(|c| c.starts_with("signatureAlgorithm:")),
        "{:?}",
        r.causes()
    );
    assert!(
        r.causes().iter().any(|c| c.starts_with("assertionSigned:")),
        "{:?}",
        r.causes()
    );
    let r = app.post("/api/v1/apps", json!("not an object")).await;
    r.assert_error(400, "E0000003");
    // Nothing was written.
    let all = app.get("/api/v1/apps").await;
    assert_eq!(all.body, json!([]));

    // A replace cannot empty what a create needs, whether it sends "" or null.
    let saml = app.post("/api/v1/apps", custom_saml("Cleared")).await;
    assert_eq!(saml.status, StatusCode::OK, "{}", saml.text);
    let path = format!("/api/v1/apps/{}", saml.body["id"].as_str().unwrap());
    for blank in [json!(""), Value::Null] {
        let mut body = custom_saml("Cleared");
        for field in ["ssoAcsUrl", "audience", "recipient", "destination"] {
            body["settings"]["signOn"][field] = blank.clone();
        }
        let r = app.put(&path, body).await;
        r.assert_error(400, "E0000001");
        assert!(
            r.causes().iter().any(|c| c.starts_with("audience:")),
            "{:?}",
            r.causes()
        );
    }
    let kept = app.get(&path).await;
    assert_eq!(
        kept.body["settings"]["signOn"]["audience"],
        "https://sp.example.com/entity"
    );

    // The other modes with their settings.
    let basic = create_app(&app, "", json!({ "name": "template_basic_auth", "label": "Basic", "signOnMode": "BASIC_AUTH",
        "settings": { "app": { "url": "https://example.com/login.html", "authURL": "https://example.com/auth.html" } } })).await;
    assert_eq!(basic["credentials"]["scheme"], "EDIT_USERNAME_AND_PASSWORD");
    assert_eq!(basic["credentials"]["revealPassword"], false);
    let swa = create_app(&app, "", json!({ "name": "template_swa3field", "label": "Swa3", "signOnMode": "BROWSER_PLUGIN",
        "settings": { "app": { "targetURL": "https://example.com/login.html", "buttonSelector": "#b",
            "passwordSelector": "#p", "userNameSelector": "#u", "extraFieldSelector": ".x", "extraFieldValue": "V" } } })).await;
    assert_eq!(swa["settings"]["app"]["extraFieldValue"], "V");
    let sps = create_app(&app, "", json!({ "name": "template_sps", "label": "Sps", "signOnMode": "SECURE_PASSWORD_STORE",
        "credentials": { "scheme": "SHARED_USERNAME_AND_PASSWORD", "userName": "team", "password": { "value": "Sh4red!" } },
        "settings": { "app": { "url": "https://example.com/login", "usernameField": "u", "passwordField": "p",
            "optionalField1": "o", "optionalField1Value": "v" } } })).await;
    assert_eq!(sps["credentials"]["scheme"], "SHARED_USERNAME_AND_PASSWORD");
    assert_eq!(sps["credentials"]["userName"], "team");
    assert_eq!(
        sps["credentials"]["password"],
        json!({}),
        "the shared password is never shown"
    );
    assert!(!sps.to_string().contains("Sh4red!"));
    let auto = create_app(&app, "", json!({ "label": "Custom SWA", "signOnMode": "AUTO_LOGIN",
        "settings": { "signOn": { "loginUrl": "https://example.com/login", "redirectUrl": "https://example.com/r" } } })).await;
    let name = auto["name"].as_str().unwrap();
    assert!(name.ends_with("_customswa_1"), "{name}");
    assert_eq!(
        auto["visibility"]["appLinks"],
        json!({ format!("{name}_link"): true })
    );
    let auto2 = create_app(
        &app,
        "",
        json!({ "label": "Custom SWA", "signOnMode": "AUTO_LOGIN",
        "settings": { "signOn": { "loginUrl": "https://example.com/login" } } }),
    )
    .await;
    assert!(
        auto2["name"].as_str().unwrap().ends_with("_customswa_2"),
        "custom names are numbered"
    );
    let r = app
        .post(
            "/api/v1/apps",
            json!({ "name": "template_wsfed", "label": "WsFed", "signOnMode": "WS_FEDERATION" }),
        )
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.causes().len(), 7, "{:?}", r.causes());
    let wsfed = create_app(&app, "", json!({ "name": "template_wsfed", "label": "WsFed", "signOnMode": "WS_FEDERATION",
        "settings": { "app": { "realm": "urn:example:app", "wReplyURL": "https://example.com/",
            "audienceRestriction": "urn:example:app", "groupValueFormat": "windowsDomainQualifiedName",
            "nameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
            "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "siteURL": "https://example.com", "usernameAttribute": "username" } } })).await;
    assert_eq!(wsfed["settings"]["app"]["realm"], "urn:example:app");
    assert!(
        wsfed["credentials"]["signing"]["kid"].is_string(),
        "WS-Federation signs with a key"
    );
}

#[tokio::test]
async fn lifecycle_and_delete_only_when_inactive() {
    let app = spawn_app().await;
    let created = create_app(&app, "?activate=false", bookmark("Inactive")).await;
    let id = id(&created);
    assert_eq!(created["status"], "INACTIVE");
    assert_eq!(
        created["_links"]["activate"]["href"],
        format!("{}/api/v1/apps/{id}/lifecycle/activate", app.base)
    );
    assert!(created["_links"].get("deactivate").is_none());

    let r = app
        .post_empty(&format!("/api/v1/apps/{id}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({}));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        app.get(&format!("/api/v1/apps/{id}")).await.body["status"],
        "ACTIVE"
    );
    // Activating an active app changes nothing and still answers {}.
    let r = app
        .post_empty(&format!("/api/v1/apps/{id}/lifecycle/activate"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));

    let r = app.delete(&format!("/api/v1/apps/{id}")).await;
    r.assert_error(403, "E0000056");
    assert_eq!(r.body["errorSummary"], "Delete application forbidden.");
    assert_eq!(
        r.causes(),
        vec!["The application must be deactivated before deletion.".to_owned()]
    );

    let r = app
        .post_empty(&format!("/api/v1/apps/{id}/lifecycle/deactivate"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    assert_eq!(
        app.get(&format!("/api/v1/apps/{id}")).await.body["status"],
        "INACTIVE"
    );
    let r = app.delete(&format!("/api/v1/apps/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    assert!(r.header("content-type").is_none());
    let r = app.get(&format!("/api/v1/apps/{id}")).await;
    r.assert_error(404, "E0000007");
    assert_eq!(
        r.body["errorSummary"],
        format!("Not found: Resource not found: {id} (AppInstance)")
    );
    app.post_empty("/api/v1/apps/0oaNoSuchAppxxxxxxxx/lifecycle/activate")
        .await
        .assert_error(404, "E0000007");
    app.get("/api/v1/apps/not-an-id")
        .await
        .assert_error(404, "E0000007");
    assert_eq!(
        events(&app, &id, "application.lifecycle.deactivate")
            .await
            .len(),
        1
    );
    assert_eq!(
        events(&app, &id, "application.lifecycle.delete")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn replace_keeps_what_is_left_out_and_refuses_a_new_mode() {
    let app = spawn_app().await;
    let created = create_app(&app, "", bookmark("Before")).await;
    let id = id(&created);
    let r = app
        .put(
            &format!("/api/v1/apps/{id}"),
            json!({ "name": "ignored", "label": "After",
            "signOnMode": "BOOKMARK", "accessibility": { "selfService": true } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["label"], "After");
    assert_eq!(r.body["name"], "bookmark", "the name is system-assigned");
    assert_eq!(r.body["accessibility"]["selfService"], true);
    assert_eq!(
        r.body["settings"]["app"]["url"],
        "https://example.com/bookmark.htm"
    );
    assert_eq!(r.body["created"], created["created"]);
    let mut full = bookmark("Full");
    full["settings"]["app"]["url"] = json!("https://example.com/new");
    let r = app.put(&format!("/api/v1/apps/{id}"), full).await;
    assert_eq!(r.body["settings"]["app"]["url"], "https://example.com/new");
    let r = app
        .put(
            &format!("/api/v1/apps/{id}"),
            json!({ "label": "X", "signOnMode": "SAML_2_0" }),
        )
        .await;
    assert_validation(
        &r,
        "signOnMode",
        "signOnMode: The sign-on mode cannot be changed",
    );
    let r = app
        .put(
            &format!("/api/v1/apps/{id}"),
            json!({ "settings": { "app": { "url": "" } } }),
        )
        .await;
    assert_validation(&r, "url", "url: The field cannot be left blank");
    assert_eq!(
        app.get(&format!("/api/v1/apps/{id}")).await.body["label"],
        "Full"
    );
    assert_eq!(
        events(&app, &id, "application.lifecycle.update")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn lists_page_filter_and_search() {
    let app = spawn_app().await;
    // Lists order by (created, id): apps made in the same millisecond sort by id.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let made = create_app(&app, "", bookmark(&format!("Paged {i}"))).await;
        order.push((made["created"].as_str().unwrap().to_owned(), id(&made)));
        ids.push(id(&made));
    }
    let dormant = create_app(&app, "?activate=false", bookmark("Dormant")).await;
    order.push((
        dormant["created"].as_str().unwrap().to_owned(),
        id(&dormant),
    ));
    let inactive = id(&dormant);
    let saml = create_app(&app, "", custom_saml("Searchable SAML")).await;
    order.push((saml["created"].as_str().unwrap().to_owned(), id(&saml)));
    order.sort();
    let kid = saml["credentials"]["signing"]["kid"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut seen = Vec::new();
    let mut next = Some("/api/v1/apps?limit=3".to_owned());
    while let Some(url) = next {
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let links = r.header_all("link");
        assert!(links[0].ends_with("rel=\"self\""), "{links:?}");
        seen.extend(r.body.as_array().unwrap().iter().map(id));
        next = r.next_link();
        if let Some(n) = &next {
            assert!(
                n.starts_with(&format!("{}/api/v1/apps?limit=3&after=", app.base)),
                "{n}"
            );
        }
    }
    let expected: Vec<String> = order.into_iter().map(|(_, id)| id).collect();
    assert_eq!(seen, expected, "apps list in (created, id) order");

    let get_ids = |r: Reply| -> Vec<String> { r.body.as_array().unwrap().iter().map(id).collect() };
    let r = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(r#"status eq "INACTIVE""#)
        ))
        .await;
    assert_eq!(get_ids(r), vec![inactive.clone()]);
    let r = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(&format!("credentials.signing.kid eq \"{kid}\""))
        ))
        .await;
    assert_eq!(get_ids(r), vec![id(&saml)]);
    let r = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(r#"name eq "bookmark""#)
        ))
        .await;
    assert_eq!(get_ids(r).len(), 6);
    let r = app.get("/api/v1/apps?q=searchable").await;
    assert_eq!(get_ids(r), vec![id(&saml)]);
    let r = app.get("/api/v1/apps?q=book").await;
    assert_eq!(get_ids(r).len(), 6, "q matches the name too");
    let r = app
        .get(&format!(
            "/api/v1/apps?q=paged&filter={}",
            enc(r#"status eq "ACTIVE""#)
        ))
        .await;
    assert_eq!(get_ids(r).len(), 5);
    let r = app
        .get(&format!("/api/v1/apps?filter={}", enc(r#"label eq "x""#)))
        .await;
    r.assert_error(400, "E0000031");
    let r = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(r#"status eq "GONE""#)
        ))
        .await;
    r.assert_error(400, "E0000031");
    app.get("/api/v1/apps?limit=0")
        .await
        .assert_error(400, "E0000029");
    app.get("/api/v1/apps?after=garbage!")
        .await
        .assert_error(400, "E0000029");
    let r = app.get("/api/v1/apps?expand=user/00u123").await;
    r.assert_error(400, "E0000031");
}

#[tokio::test]
async fn logos_upload_and_serve() {
    let app = spawn_app().await;
    let created = create_app(&app, "", bookmark("Logo")).await;
    let aid = id(&created);
    let png: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52,
    ];
    let upload = |bytes: Vec<u8>| {
        let boundary = "latchkeyboundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        app.client
            .post(app.url(&format!("/api/v1/apps/{aid}/logo")))
            .header("Authorization", format!("SSWS {}", app.token))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    let r = upload(png.to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/bc/image/fileStoreRecord?id=fs0", app.base)),
        "{location}"
    );
    let served = app.client.get(&location).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png);
    let got = app.get(&format!("/api/v1/apps/{aid}")).await.body;
    assert_eq!(
        got["_links"]["logo"],
        json!([{ "name": "medium", "href": location, "type": "image/png" }])
    );

    let r = upload(b"<html>not an image</html>".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000001");
    let r = app
        .post(&format!("/api/v1/apps/{aid}/logo"), json!({}))
        .await;
    r.assert_error(400, "E0000001");
}

#[tokio::test]
async fn policy_assignment_is_stored_and_linked() {
    let app = spawn_app().await;
    let aid = id(&create_app(&app, "", bookmark("Policy")).await);
    let r = app
        .put(
            &format!("/api/v1/apps/{aid}/policies/rst179qp7umwdoEWQ0g5"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let got = app.get(&format!("/api/v1/apps/{aid}")).await.body;
    assert_eq!(
        got["_links"]["accessPolicy"]["href"],
        format!("{}/api/v1/policies/rst179qp7umwdoEWQ0g5", app.base)
    );
    app.put(&format!("/api/v1/apps/{aid}/policies/bad"), json!({}))
        .await
        .assert_error(404, "E0000007");
    app.put(
        "/api/v1/apps/0oaNoSuchAppxxxxxxxx/policies/rst179qp7umwdoEWQ0g5",
        json!({}),
    )
    .await
    .assert_error(404, "E0000007");
}
