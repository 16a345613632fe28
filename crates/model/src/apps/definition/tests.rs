//! Unit tests of `model::apps::definition`.

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn causes(body: Value) -> Vec<String> {
    match create(&obj(body), Some("latchkey_x_1")) {
        Err(DomainError::Validation { causes, .. }) => causes,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn bookmark_with_defaults() {
    let d = create(
        &obj(
            json!({ "name": "bookmark", "label": "B", "signOnMode": "BOOKMARK",
                     "settings": { "app": { "url": "https://example.com/b" } } }),
        ),
        None,
    )
    .unwrap();
    assert_eq!(d.mode, SignOnMode::Bookmark);
    assert_eq!(d.definition["settings"]["app"]["requestIntegration"], false);
    assert_eq!(
        d.definition["credentials"],
        json!({ "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" } })
    );
    assert_eq!(
        d.definition["visibility"]["appLinks"],
        json!({ "login": true })
    );
    assert_eq!(d.definition["accessibility"]["selfService"], false);
    assert_eq!(
        d.definition["settings"]["notifications"]["vpn"]["network"]["connection"],
        "DISABLED"
    );
}

#[test]
fn required_settings_per_mode() {
    let e = causes(json!({ "name": "bookmark", "label": "B", "signOnMode": "BOOKMARK" }));
    assert_eq!(e, vec!["url: The field cannot be left blank".to_owned()]);
    let e = causes(
        json!({ "name": "template_basic_auth", "label": "B", "signOnMode": "BASIC_AUTH",
                           "settings": { "app": { "url": "nope" } } }),
    );
    assert_eq!(
        e,
        vec![
            "url: 'nope' is not a valid URL".to_owned(),
            "authURL: The field cannot be left blank".to_owned()
        ]
    );
    let e = causes(
        json!({ "name": "template_swa", "label": "S", "signOnMode": "BROWSER_PLUGIN",
                           "settings": { "app": { "url": "https://e.com" } } }),
    );
    assert_eq!(e.len(), 3);
    let e = causes(
        json!({ "name": "template_swa3field", "label": "S", "signOnMode": "BROWSER_PLUGIN",
                           "settings": { "app": {} } }),
    );
    assert!(e[0].starts_with("targetURL:"));
    let e = causes(
        json!({ "name": "template_sps", "label": "S", "signOnMode": "SECURE_PASSWORD_STORE",
                           "settings": { "app": { "url": "https://e.com", "usernameField": "u" } } }),
    );
    assert_eq!(
        e,
        vec!["passwordField: The field cannot be left blank".to_owned()]
    );
    let e = causes(json!({ "label": "A", "signOnMode": "AUTO_LOGIN" }));
    assert_eq!(
        e,
        vec!["loginUrl: The field cannot be left blank".to_owned()]
    );
    let e = causes(json!({ "name": "bookmark", "signOnMode": "BOOKMARK",
                           "settings": { "app": { "url": "https://e.com" } } }));
    assert_eq!(e, vec!["label: The field cannot be left blank".to_owned()]);
}

#[test]
fn names_and_modes() {
    let e = causes(json!({ "name": "bookmark", "label": "B", "signOnMode": "SAML_2_0" }));
    assert!(e[0].starts_with("signOnMode:"), "{e:?}");
    let e = causes(json!({ "label": "B", "signOnMode": "BOOKMARK" }));
    assert!(e[0].starts_with("name:"), "{e:?}");
    let e = causes(json!({ "name": "x", "label": "B", "signOnMode": "CUSTOM" }));
    assert!(
        e[0].starts_with("signOnMode: 'CUSTOM' is not one of"),
        "{e:?}"
    );
    let e = causes(json!({ "name": "my_swa", "label": "B", "signOnMode": "BROWSER_PLUGIN" }));
    assert!(e[0].starts_with("name:"), "{e:?}");
    assert_eq!(
        custom_label(&obj(json!({ "label": "My App", "signOnMode": "SAML_2_0" }))),
        Some("My App".into())
    );
    assert_eq!(
        custom_label(&obj(
            json!({ "name": "x", "label": "My App", "signOnMode": "SAML_2_0" })
        )),
        None
    );
    let d = create(
        &obj(json!({ "label": "My App", "signOnMode": "SAML_2_0",
                     "settings": { "signOn": { "ssoAcsUrl": "https://sp.example.com/acs", "audience": "sp" } } })),
        Some("latchkey_myapp_1"),
    )
    .unwrap();
    assert_eq!(d.name, "latchkey_myapp_1");
    assert_eq!(
        d.definition["visibility"]["appLinks"],
        json!({ "latchkey_myapp_1_link": true })
    );
    assert_eq!(d.definition["credentials"]["signing"], json!({}));
}

#[test]
fn swa_schemes_and_shared_credentials() {
    let base = json!({ "name": "template_sps", "label": "S", "signOnMode": "SECURE_PASSWORD_STORE",
        "settings": { "app": { "url": "https://e.com", "usernameField": "u", "passwordField": "p" } } });
    let d = create(&obj(base.clone()), None).unwrap();
    assert_eq!(
        d.definition["credentials"]["scheme"],
        "EDIT_USERNAME_AND_PASSWORD"
    );
    let mut shared = base.clone();
    shared["credentials"] = json!({ "scheme": "SHARED_USERNAME_AND_PASSWORD", "userName": "team",
                                    "password": { "value": "s3cret" } });
    let d = create(&obj(shared), None).unwrap();
    assert_eq!(d.shared_password.as_deref(), Some("s3cret"));
    assert_eq!(d.definition["credentials"]["password"], json!({}));
    assert_eq!(d.definition["credentials"]["userName"], "team");
    let mut bad = base;
    bad["credentials"] = json!({ "scheme": "SHARED_USERNAME_AND_PASSWORD" });
    let e = causes(bad);
    assert_eq!(e.len(), 2);
}

#[test]
fn replace_keeps_missing_sections_and_refuses_a_new_mode() {
    let d = create(
        &obj(
            json!({ "name": "bookmark", "label": "B", "signOnMode": "BOOKMARK",
                     "settings": { "app": { "url": "https://example.com/b" } } }),
        ),
        None,
    )
    .unwrap();
    let stored = Stored {
        name: &d.name,
        label: &d.label,
        mode: d.mode,
        definition: &d.definition,
        client_id: None,
        has_client_secret: false,
    };
    let r = replace(&obj(json!({ "label": "New" })), stored).unwrap();
    assert_eq!(r.label, "New");
    assert_eq!(
        r.definition["settings"]["app"]["url"],
        "https://example.com/b"
    );
    let r = replace(
        &obj(json!({ "signOnMode": "BOOKMARK", "accessibility": { "selfService": true } })),
        stored,
    )
    .unwrap();
    assert_eq!(r.label, "B");
    assert_eq!(r.definition["accessibility"]["selfService"], true);
    assert!(replace(&obj(json!({ "signOnMode": "SAML_2_0" })), stored).is_err());
}

#[test]
fn oidc_profile_and_credentials() {
    let d = create(
        &obj(json!({ "name": "oidc_client", "label": "O", "signOnMode": "OPENID_CONNECT",
            "profile": { "label": "p" },
            "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_post" } },
            "settings": { "oauthClient": { "redirect_uris": ["https://a.example.com/cb"] } } })),
        None,
    )
    .unwrap();
    assert_eq!(d.definition["profile"], json!({ "label": "p" }));
    assert_eq!(
        d.definition["credentials"]["oauthClient"]["token_endpoint_auth_method"],
        "client_secret_post"
    );
    assert_eq!(
        d.definition["visibility"]["appLinks"],
        json!({ "oidc_client_link": true })
    );
    assert!(d.oauth.is_some());
}
