//! Unit tests of `model::apps::oidc`.

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn causes(settings: Value, credentials: Value) -> Vec<String> {
    match client(&obj(settings), &obj(credentials), None) {
        Err(DomainError::Validation { causes, .. }) => causes,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn web_defaults() {
    let c = client(
        &obj(json!({ "redirect_uris": ["https://example.com/cb"] })),
        &Map::new(),
        None,
    )
    .unwrap();
    assert_eq!(c.auth_method, AuthMethod::ClientSecretBasic);
    assert_eq!(c.secret, SecretChoice::Generate);
    assert_eq!(c.settings["application_type"], "web");
    assert_eq!(c.settings["grant_types"], json!(["authorization_code"]));
    assert_eq!(c.settings["response_types"], json!(["code"]));
    assert_eq!(c.settings["consent_method"], "TRUSTED");
    assert_eq!(c.credentials["pkce_required"], false);
    assert_eq!(c.credentials["autoKeyRotation"], true);
}

#[test]
fn browser_is_a_public_pkce_client() {
    let c = client(
        &obj(
            json!({ "application_type": "browser", "redirect_uris": ["https://spa.example.com/"],
                     "grant_types": ["authorization_code", "refresh_token"] }),
        ),
        &Map::new(),
        None,
    )
    .unwrap();
    assert_eq!(c.auth_method, AuthMethod::None);
    assert_eq!(c.secret, SecretChoice::Drop);
    assert_eq!(c.credentials["pkce_required"], true);
    assert_eq!(c.settings["refresh_token"]["rotation_type"], "ROTATE");
    let e = causes(
        json!({ "application_type": "browser", "redirect_uris": ["https://x.example.com/"] }),
        json!({ "token_endpoint_auth_method": "client_secret_basic" }),
    );
    assert!(e[0].starts_with("token_endpoint_auth_method:"), "{e:?}");
}

#[test]
fn grant_table() {
    let e = causes(
        json!({ "application_type": "web", "grant_types": ["client_credentials"] }),
        json!({}),
    );
    assert!(
        e.iter().any(|c| c
            .contains("'client_credentials' is not a valid grant type for application_type 'web'")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|c| c.contains("requires the 'authorization_code'")),
        "{e:?}"
    );
    let s = client(
        &obj(json!({ "application_type": "service", "grant_types": ["client_credentials"] })),
        &Map::new(),
        None,
    )
    .unwrap();
    assert_eq!(s.settings["response_types"], json!([]));
    let e = causes(
        json!({ "application_type": "service", "grant_types": ["authorization_code"], "redirect_uris": ["https://a.example.com"] }),
        json!({}),
    );
    assert!(e[0].contains("not a valid grant type for application_type 'service'"));
    let e = causes(json!({ "grant_types": ["magic"] }), json!({}));
    assert!(e[0].contains("'magic' is not a valid grant type"));
}

#[test]
fn response_types_follow_grants() {
    let e = causes(
        json!({ "redirect_uris": ["https://a.example.com/cb"], "response_types": ["token"] }),
        json!({}),
    );
    assert!(
        e.iter().any(|c| c.contains("require the 'implicit' grant")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|c| c.contains("requires the 'code' response type")),
        "{e:?}"
    );
}

#[test]
fn redirect_uris() {
    let e = causes(json!({}), json!({}));
    assert!(e[0].starts_with("redirect_uris: At least one"), "{e:?}");
    let e = causes(
        json!({ "redirect_uris": ["https://a.example.com/cb#frag"] }),
        json!({}),
    );
    assert!(e[0].contains("without a fragment"));
    assert!(redirect_ok(
        "https://redirect-*-domain.example.com/oidc",
        true,
        false
    ));
    assert!(!redirect_ok(
        "https://redirect-*-domain.example.com/oidc",
        false,
        false
    ));
    assert!(!redirect_ok("http://a-*.example.com/oidc", true, false));
    assert!(!redirect_ok("https://*.com/oidc", true, false));
    assert!(redirect_ok("myapp://callback", false, false));
    // Private-use URI schemes (RFC 8252) for native apps only.
    assert!(redirect_ok("com.example.app:/callback", false, true));
    assert!(!redirect_ok("com.example.app:/callback", false, false));
    assert!(!redirect_ok("nodot:/callback", false, true));
    assert!(!redirect_ok("com.example.app:", false, true));
    assert!(!redirect_ok("com.example.app:/call back", false, true));
}

#[test]
fn secrets() {
    let base = json!({ "redirect_uris": ["https://a.example.com/cb"] });
    let e = causes(base.clone(), json!({ "client_secret": "short" }));
    assert_eq!(
        e,
        vec!["client_secret: 'client_secret' must be at least '14' characters long.".to_owned()]
    );
    let e = causes(
        base.clone(),
        json!({ "client_secret": "fifteen-chars-x", "token_endpoint_auth_method": "client_secret_jwt" }),
    );
    assert!(e[0].contains("'32'"));
    let e = causes(
        json!({ "redirect_uris": ["https://a.example.com/cb"], "jwks_uri": "https://a.example.com/jwks" }),
        json!({ "client_secret": "a-long-enough-secret", "token_endpoint_auth_method": "private_key_jwt" }),
    );
    assert!(e[0].contains("can't be used when"));
    let c = client(
        &obj(base.clone()),
        &obj(json!({ "client_secret": "a-long-enough-secret" })),
        None,
    )
    .unwrap();
    assert_eq!(c.secret, SecretChoice::Given("a-long-enough-secret".into()));
    let existing = Existing {
        client_id: "0oa123",
        application_type: Some("web"),
        has_secret: true,
    };
    let c = client(&obj(base), &Map::new(), Some(existing)).unwrap();
    assert_eq!(c.secret, SecretChoice::Keep);
}

#[test]
fn client_id_rules_and_immutability() {
    let base = json!({ "redirect_uris": ["https://a.example.com/cb"] });
    let e = causes(base.clone(), json!({ "client_id": "abc" }));
    assert!(e[0].starts_with("client_id:"));
    let e = causes(base.clone(), json!({ "client_id": "ALL_CLIENTS" }));
    assert!(e[0].starts_with("client_id:"));
    let existing = Existing {
        client_id: "my-client",
        application_type: Some("web"),
        has_secret: true,
    };
    let r = client(
        &obj(base.clone()),
        &obj(json!({ "client_id": "other-client" })),
        Some(existing),
    );
    assert!(matches!(r, Err(DomainError::Validation { .. })));
    let r = client(
        &obj(json!({ "application_type": "native", "redirect_uris": ["myapp://cb"] })),
        &Map::new(),
        Some(existing),
    );
    assert!(matches!(r, Err(DomainError::Validation { .. })));
}

#[test]
fn pkce_dpop_and_slo() {
    let e = causes(
        json!({ "application_type": "native", "redirect_uris": ["myapp://cb"] }),
        json!({ "token_endpoint_auth_method": "none", "pkce_required": false }),
    );
    assert!(e[0].starts_with("pkce_required:"));
    let e = causes(
        json!({ "application_type": "service", "grant_types": ["client_credentials"], "dpop_bound_access_tokens": true }),
        json!({}),
    );
    assert!(e[0].starts_with("dpop_bound_access_tokens:"));
    let e = causes(
        json!({ "application_type": "native", "redirect_uris": ["myapp://cb"], "participate_slo": true }),
        json!({}),
    );
    assert!(e[0].starts_with("participate_slo:"));
}
