//! App credentials: OpenID Connect clients (ids, secrets shown only on create and replace,
//! the reference's validation rules), SAML apps with a generated key and real IdP metadata
//! (parsed, its certificate checked against the key's `x5c`), key generation, cloning and
//! switching the signing key.

use crate::apps::{assert_validation, create_app, custom_saml, enc, id, oidc_web};
use crate::harness::spawn_app;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Digest;

#[tokio::test]
async fn oidc_clients_get_ids_secrets_and_validation() {
    let app = spawn_app().await;
    let created = create_app(&app, "", oidc_web()).await;
    let id = id(&created);
    let oauth = &created["credentials"]["oauthClient"];
    assert_eq!(
        oauth["client_id"],
        id.as_str(),
        "client_id defaults to the app id"
    );
    let secret = oauth["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "{secret}");
    assert_eq!(oauth["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(oauth["autoKeyRotation"], true);
    assert_eq!(oauth["pkce_required"], false);
    let settings = &created["settings"]["oauthClient"];
    assert_eq!(settings["application_type"], "web");
    assert_eq!(
        settings["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(settings["response_types"], json!(["code"]));
    assert_eq!(settings["consent_method"], "TRUSTED");
    assert_eq!(settings["issuer_mode"], "ORG_URL");
    assert_eq!(settings["wildcard_redirect"], "DISABLED");
    assert_eq!(
        settings["idp_initiated_login"],
        json!({ "mode": "DISABLED", "default_scope": [] })
    );
    assert_eq!(
        settings["refresh_token"],
        json!({ "rotation_type": "STATIC", "leeway": 30 })
    );
    assert_eq!(
        created["profile"],
        json!({ "label": "oauth2 client app 1" })
    );
    assert_eq!(
        created["visibility"]["appLinks"],
        json!({ "oidc_client_link": true })
    );

    // The secret shows on create and replace, never on reads.
    let got = app.get(&format!("/api/v1/apps/{id}")).await.body;
    assert!(
        got["credentials"]["oauthClient"]
            .get("client_secret")
            .is_none(),
        "{got}"
    );
    assert!(!app.get("/api/v1/apps").await.text.contains(&secret));
    let replaced = app.put(&format!("/api/v1/apps/{id}"), got.clone()).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(
        replaced.body["credentials"]["oauthClient"]["client_secret"],
        secret.as_str()
    );
    assert!(
        app.get(&format!("/api/v1/apps/{id}")).await.body["credentials"]["oauthClient"]
            .get("client_secret")
            .is_none()
    );

    // Given ids and secrets; unique client ids.
    let mut given = oidc_web();
    given["credentials"]["oauthClient"]["client_id"] = json!("my-client.1");
    given["credentials"]["oauthClient"]["client_secret"] = json!("a-client-secret-of-my-own");
    let c = create_app(&app, "", given.clone()).await;
    assert_eq!(c["credentials"]["oauthClient"]["client_id"], "my-client.1");
    assert_eq!(
        c["credentials"]["oauthClient"]["client_secret"],
        "a-client-secret-of-my-own"
    );
    let r = app.post("/api/v1/apps", given).await;
    assert_validation(
        &r,
        "client_id",
        "client_id: An object with this field already exists",
    );

    // Validation per the reference's rules.
    let mut short = oidc_web();
    short["credentials"]["oauthClient"]["client_secret"] = json!("short");
    let r = app.post("/api/v1/apps", short).await;
    assert_eq!(
        r.causes(),
        vec!["client_secret: 'client_secret' must be at least '14' characters long.".to_owned()]
    );
    assert_validation(&r, "client_secret", "client_secret:");
    let mut browser = oidc_web();
    browser["settings"]["oauthClient"]["application_type"] = json!("browser");
    browser["settings"]["oauthClient"]["grant_types"] = json!(["authorization_code"]);
    let r = app.post("/api/v1/apps", browser.clone()).await;
    assert_validation(
        &r,
        "token_endpoint_auth_method",
        "token_endpoint_auth_method: Browser applications",
    );
    browser["credentials"]["oauthClient"] = json!({ "token_endpoint_auth_method": "none" });
    let spa = create_app(&app, "", browser).await;
    assert_eq!(spa["credentials"]["oauthClient"]["pkce_required"], true);
    assert!(spa["credentials"]["oauthClient"]
        .get("client_secret")
        .is_none());
    let mut wrong_grant = oidc_web();
    wrong_grant["settings"]["oauthClient"]["grant_types"] = json!(["client_credentials"]);
    wrong_grant["settings"]["oauthClient"]["response_types"] = json!([]);
    let r = app.post("/api/v1/apps", wrong_grant).await;
    assert_validation(
        &r,
        "grant_types",
        "grant_types: 'client_credentials' is not a valid grant type for application_type 'web'",
    );
    let mut no_redirect = oidc_web();
    no_redirect["settings"]["oauthClient"]["redirect_uris"] = json!([]);
    let r = app.post("/api/v1/apps", no_redirect).await;
    assert_validation(
        &r,
        "redirect_uris",
        "redirect_uris: At least one redirect URI",
    );
    let mut implicit = oidc_web();
    implicit["settings"]["oauthClient"]["response_types"] = json!(["code", "token"]);
    let r = app.post("/api/v1/apps", implicit).await;
    assert_validation(&r, "response_types", "response_types: The 'token' and 'id_token' response types require the 'implicit' grant type");
    let service = create_app(&app, "", json!({ "name": "oidc_client", "label": "Svc", "signOnMode": "OPENID_CONNECT",
        "credentials": { "oauthClient": { "autoKeyRotation": true, "pkce_required": false, "token_endpoint_auth_method": "client_secret_basic" } },
        "settings": { "oauthClient": { "application_type": "service", "grant_types": ["client_credentials"], "dpop_bound_access_tokens": false } } })).await;
    assert_eq!(
        service["settings"]["oauthClient"]["response_types"],
        json!([])
    );
    let r = app
        .put(
            &format!("/api/v1/apps/{}", service["id"].as_str().unwrap()),
            json!({ "settings": { "oauthClient": {
            "application_type": "web", "redirect_uris": ["https://e.com/cb"] } } }),
        )
        .await;
    assert_validation(
        &r,
        "application_type",
        "application_type: The application type cannot be changed",
    );
}

/// Parses IdP metadata and returns (entityID, certificate base64, name-id formats, SSO
/// endpoints as (binding, location)).
fn parse_metadata(xml: &str) -> (String, String, Vec<String>, Vec<(String, String)>) {
    let doc = roxmltree::Document::parse(xml).expect("metadata is well-formed XML");
    let md = "urn:oasis:names:tc:SAML:2.0:metadata";
    let ds = "http://www.w3.org/2000/09/xmldsig#";
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some(md));
    assert_eq!(root.tag_name().name(), "EntityDescriptor");
    let idp = root
        .children()
        .find(|n| n.has_tag_name((md, "IDPSSODescriptor")))
        .expect("IDPSSODescriptor");
    assert_eq!(
        idp.attribute("protocolSupportEnumeration"),
        Some("urn:oasis:names:tc:SAML:2.0:protocol")
    );
    let key = idp
        .children()
        .find(|n| n.has_tag_name((md, "KeyDescriptor")))
        .expect("KeyDescriptor");
    assert_eq!(key.attribute("use"), Some("signing"));
    let cert = key
        .descendants()
        .find(|n| n.has_tag_name((ds, "X509Certificate")))
        .and_then(|n| n.text())
        .expect("X509Certificate")
        .split_whitespace()
        .collect::<String>();
    let formats = idp
        .children()
        .filter(|n| n.has_tag_name((md, "NameIDFormat")))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect();
    let sso = idp
        .children()
        .filter(|n| n.has_tag_name((md, "SingleSignOnService")))
        .map(|n| {
            (
                n.attribute("Binding").unwrap().to_owned(),
                n.attribute("Location").unwrap().to_owned(),
            )
        })
        .collect();
    (
        root.attribute("entityID").unwrap().to_owned(),
        cert,
        formats,
        sso,
    )
}

#[tokio::test]
async fn saml_apps_get_a_key_and_real_idp_metadata() {
    let app = spawn_app().await;
    let created = create_app(&app, "", custom_saml("Example Custom SAML 2.0 App")).await;
    let id = id(&created);
    let name = created["name"].as_str().unwrap().to_owned();
    assert!(name.ends_with("_examplecustomsaml20app_1"), "{name}");
    let sign_on = &created["settings"]["signOn"];
    assert_eq!(sign_on["ssoAcsUrl"], "https://sp.example.com/acs");
    assert_eq!(sign_on["recipient"], "https://sp.example.com/acs");
    assert_eq!(sign_on["destination"], "https://sp.example.com/acs");
    assert_eq!(sign_on["audience"], "https://sp.example.com/entity");
    assert_eq!(sign_on["subjectNameIdTemplate"], "${user.userName}");
    assert_eq!(sign_on["signatureAlgorithm"], "RSA_SHA256");
    assert_eq!(sign_on["digestAlgorithm"], "SHA256");
    assert_eq!(sign_on["responseSigned"], true);
    assert_eq!(sign_on["assertionSigned"], true);
    assert_eq!(sign_on["honorForceAuthn"], true);
    assert_eq!(
        sign_on["idpIssuer"],
        "http://www.okta.com/${org.externalKey}"
    );
    assert_eq!(sign_on["attributeStatements"][0]["name"], "firstName");
    assert_eq!(
        created["_links"]["metadata"],
        json!({ "href": format!("{}/api/v1/apps/{id}/sso/saml/metadata", app.base), "type": "application/xml" })
    );
    let kid = created["credentials"]["signing"]["kid"]
        .as_str()
        .unwrap()
        .to_owned();

    let keys = app
        .get(&format!("/api/v1/apps/{id}/credentials/keys"))
        .await;
    assert_eq!(keys.status, StatusCode::OK);
    let key = keys.body[0].clone();
    assert_eq!(keys.body.as_array().unwrap().len(), 1);
    assert_eq!(key["kid"], kid.as_str());
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    let der = base64::engine::general_purpose::STANDARD
        .decode(key["x5c"][0].as_str().unwrap())
        .unwrap();
    let thumb = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der));
    assert_eq!(key["x5t#S256"], thumb.as_str());
    let modulus = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(modulus.len(), 256, "RSA 2048");
    assert!(
        der.windows(256).any(|w| w == modulus.as_slice()),
        "the certificate holds the key"
    );

    let r = app
        .get(&format!("/api/v1/apps/{id}/sso/saml/metadata?kid={kid}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("text/xml"));
    let (entity, cert, formats, sso) = parse_metadata(&r.text);
    assert!(entity.starts_with("http://www.okta.com/exk"), "{entity}");
    assert_eq!(
        cert,
        key["x5c"][0].as_str().unwrap(),
        "the metadata carries the app's key"
    );
    assert_eq!(
        formats,
        vec![
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_owned(),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified".to_owned()
        ]
    );
    let location = format!(
        "{}/app/{name}/{}/sso/saml",
        app.base,
        entity.trim_start_matches("http://www.okta.com/")
    );
    assert_eq!(
        sso,
        vec![
            (
                "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST".to_owned(),
                location.clone()
            ),
            (
                "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect".to_owned(),
                location
            ),
        ]
    );
    app.get(&format!("/api/v1/apps/{id}/sso/saml/metadata?kid=nope"))
        .await
        .assert_error(404, "E0000007");
}

#[tokio::test]
async fn keys_generate_clone_and_switch() {
    let app = spawn_app().await;
    let saml = create_app(&app, "", custom_saml("Keys")).await;
    let sid = id(&saml);
    let other = create_app(&app, "", custom_saml("Keys Target")).await;
    let tid = id(&other);

    for bad in ["1", "11", "x", ""] {
        let r = app
            .post_empty(&format!(
                "/api/v1/apps/{sid}/credentials/keys/generate?validityYears={bad}"
            ))
            .await;
        r.assert_error(400, "E0000001");
        assert_eq!(r.body["errorSummary"], "Api validation failed: generateKey");
        assert_eq!(
            r.causes(),
            vec!["Validity years out of range. It should be 2 - 10 years.".to_owned()]
        );
    }
    let r = app
        .post_empty(&format!(
            "/api/v1/apps/{sid}/credentials/keys/generate?validityYears=2"
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let new_kid = r.body["kid"].as_str().unwrap().to_owned();
    let created = model::time::Timestamp::parse_iso(r.body["created"].as_str().unwrap()).unwrap();
    let expires = model::time::Timestamp::parse_iso(r.body["expiresAt"].as_str().unwrap()).unwrap();
    let two_years = 2 * 365 * 24 * 3600 * 1000;
    let lifetime = expires.millis() - created.millis();
    assert!(
        (two_years - 1000..=two_years).contains(&lifetime),
        "{lifetime}"
    );
    let got = app
        .get(&format!("/api/v1/apps/{sid}/credentials/keys/{new_kid}"))
        .await;
    assert_eq!(got.body, r.body);
    app.get(&format!("/api/v1/apps/{sid}/credentials/keys/nokid"))
        .await
        .assert_error(404, "E0000007");

    // Clone to the target: 201, then refused as a duplicate.
    let r = app
        .post_empty(&format!(
            "/api/v1/apps/{sid}/credentials/keys/{new_kid}/clone?targetAid={tid}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["kid"], new_kid.as_str());
    let r = app
        .post_empty(&format!(
            "/api/v1/apps/{sid}/credentials/keys/{new_kid}/clone?targetAid={tid}"
        ))
        .await;
    r.assert_error(400, "E0000001");
    assert_eq!(r.body["errorSummary"], "Api validation failed: cloneKey");
    assert_eq!(
        r.causes(),
        vec!["Key already exists in the list of key credentials for the target app.".to_owned()]
    );
    app.post_empty(&format!(
        "/api/v1/apps/{sid}/credentials/keys/{new_kid}/clone?targetAid=0oaNoSuchAppxxxxxxxx"
    ))
    .await
    .assert_error(404, "E0000007");
    assert_eq!(
        app.get(&format!("/api/v1/apps/{tid}/credentials/keys"))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The target switches to the cloned key; a foreign kid is refused.
    let r = app
        .put(
            &format!("/api/v1/apps/{tid}"),
            json!({ "label": "Keys Target", "signOnMode": "SAML_2_0",
            "credentials": { "signing": { "kid": new_kid } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["credentials"]["signing"]["kid"], new_kid.as_str());
    let r = app
        .get(&format!(
            "/api/v1/apps?filter={}",
            enc(&format!("credentials.signing.kid eq \"{new_kid}\""))
        ))
        .await;
    assert_eq!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect::<Vec<_>>(),
        vec![tid.clone()]
    );
    let r = app
        .put(
            &format!("/api/v1/apps/{sid}"),
            json!({ "credentials": { "signing": { "kid": "unknown-kid" } } }),
        )
        .await;
    assert_validation(&r, "credentials.signing.kid", "credentials.signing.kid:");
}
