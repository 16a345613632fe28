//! `Application` (with `ApplicationLinks` and `_embedded.user`), `AppUser`,
//! `ApplicationGroupAssignment`, `JsonWebKey` (app key credentials) and `AssignedAppLink` as
//! rendered (apps.md, "Application object", "Application Links object", "Application User
//! object", "Application Group object", "Application Key Credential object"; users.md "Get
//! Assigned App Links"; the schemas of the same names in the Management OpenAPI spec).
//!
//! Secrets never leave: an app user's or a shared password renders as `password: {}` (it
//! exists); the OAuth client secret appears only in the answer to the create or replace that
//! set it, as the reference's "OAuth Credential object" says.
//!
//! Ids that Okta shows for relations that are not stored here (an app link, an assignment
//! made through a group, an app's external key) are derived from what they relate, so they
//! are stable without being stored.

use model::apps::app_user::{self, Scope};
use model::ids::{derived_id, Kind};
use model::time::Timestamp;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use store::{AppGroupRecord, AppKeyRecord, AppRecord, AppUserRecord, GroupRecord};

use crate::state::AppState;

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

/// A stable id of `kind` for what `parts` name.
pub fn derived(kind: Kind, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    derived_id(kind, &hasher.finalize())
}

/// The app's external key (`exk...`), which its SAML IdP entity id and SSO URL carry.
pub fn external_key(app: &AppRecord) -> String {
    derived(Kind::AppExternalKey, &[&app.id])
}

/// The app's link names (`visibility.appLinks`), in order.
fn link_names(app: &AppRecord) -> Vec<(String, bool)> {
    app.definition
        .get("visibility")
        .and_then(|v| v.get("appLinks"))
        .and_then(Value::as_object)
        .map(|links| {
            links
                .iter()
                .map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false)))
                .collect()
        })
        .unwrap_or_default()
}

/// The dashboard URL of one of the app's links.
fn link_href(app: &AppRecord, link: &str, state: &AppState) -> String {
    state.links.page(&format!(
        "home/{}/{}/{}",
        app.name,
        app.id,
        derived(Kind::AppLink, &[&app.id, link])
    ))
}

/// The app's logo URL and media type: the uploaded logo, or the default one.
pub fn logo(app: &AppRecord, state: &AppState, content_type: Option<&str>) -> (String, String) {
    match &app.logo_id {
        Some(id) => (
            state
                .links
                .page(&format!("bc/image/fileStoreRecord?id={id}")),
            content_type.unwrap_or("image/png").to_owned(),
        ),
        None => (
            state.links.page(crate::api::app_logos::DEFAULT_LOGO_PATH),
            "image/png".to_owned(),
        ),
    }
}

/// How an app is rendered beyond its record.
#[derive(Debug, Default)]
pub struct AppExtras<'a> {
    /// The OAuth client secret to show (create and replace answers only).
    pub client_secret: Option<&'a str>,
    /// `_embedded.user` (`expand=user/{id}`).
    pub embedded_user: Option<Value>,
    /// The uploaded logo's media type.
    pub logo_type: Option<&'a str>,
}

/// An app as every endpoint renders it.
pub fn render(app: &AppRecord, state: &AppState, extras: AppExtras<'_>) -> Value {
    let d = &app.definition;
    let section = |key: &str| d.get(key).cloned().unwrap_or_else(|| json!({}));
    let mut credentials = d
        .get("credentials")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if credentials.contains_key("signing") {
        let signing = match &app.signing_kid {
            Some(kid) => json!({ "kid": kid }),
            None => json!({}),
        };
        credentials.insert("signing".into(), signing);
    }
    if let Some(Value::Object(oauth)) = credentials.get_mut("oauthClient") {
        let mut ordered = Map::new();
        if let Some(v) = oauth.get("autoKeyRotation") {
            ordered.insert("autoKeyRotation".into(), v.clone());
        }
        ordered.insert(
            "client_id".into(),
            json!(app.client_id.as_deref().unwrap_or(&app.id)),
        );
        if let Some(secret) = extras.client_secret {
            ordered.insert("client_secret".into(), json!(secret));
        }
        for (k, v) in oauth.iter() {
            ordered.entry(k.clone()).or_insert_with(|| v.clone());
        }
        *oauth = ordered;
    }

    let base = state.links.api(&format!("apps/{}", app.id));
    let mut links = Map::new();
    links.insert(
        "uploadLogo".into(),
        json!({ "href": format!("{base}/logo"), "hints": { "allow": ["POST"] } }),
    );
    links.insert(
        "appLinks".into(),
        Value::Array(
            link_names(app)
                .into_iter()
                .map(|(name, _)| {
                    json!({ "name": name, "href": link_href(app, &name, state), "type": "text/html" })
                })
                .collect(),
        ),
    );
    if app.sign_on_mode == "SAML_2_0" {
        links.insert(
            "metadata".into(),
            json!({ "href": format!("{base}/sso/saml/metadata"), "type": "application/xml" }),
        );
    }
    links.insert("groups".into(), json!({ "href": format!("{base}/groups") }));
    let (logo_href, logo_type) = logo(app, state, extras.logo_type);
    links.insert(
        "logo".into(),
        json!([{ "name": "medium", "href": logo_href, "type": logo_type }]),
    );
    links.insert("users".into(), json!({ "href": format!("{base}/users") }));
    if let Some(policy) = &app.access_policy_id {
        links.insert(
            "accessPolicy".into(),
            json!({ "href": state.links.api(&format!("policies/{policy}")) }),
        );
    }
    if app.status == "ACTIVE" {
        links.insert(
            "deactivate".into(),
            json!({ "href": format!("{base}/lifecycle/deactivate") }),
        );
    } else {
        links.insert(
            "activate".into(),
            json!({ "href": format!("{base}/lifecycle/activate") }),
        );
    }
    links.insert("self".into(), json!({ "href": base }));

    let mut out = Map::new();
    out.insert("id".into(), json!(app.id));
    out.insert("name".into(), json!(app.name));
    out.insert("label".into(), json!(app.label));
    out.insert("status".into(), json!(app.status));
    out.insert("lastUpdated".into(), json!(iso(app.last_updated)));
    out.insert("created".into(), json!(iso(app.created)));
    out.insert("accessibility".into(), section("accessibility"));
    out.insert("visibility".into(), section("visibility"));
    out.insert(
        "features".into(),
        d.get("features").cloned().unwrap_or(json!([])),
    );
    out.insert("signOnMode".into(), json!(app.sign_on_mode));
    out.insert("credentials".into(), Value::Object(credentials));
    out.insert("settings".into(), section("settings"));
    if let Some(profile) = d.get("profile") {
        out.insert("profile".into(), profile.clone());
    }
    out.insert("_links".into(), Value::Object(links));
    if let Some(user) = extras.embedded_user {
        out.insert("_embedded".into(), json!({ "user": user }));
    }
    Value::Object(out)
}

/// The username an assignment shows: the one set for it, or the app's template applied to
/// the user.
pub fn app_user_name(app: &AppRecord, record: &AppUserRecord) -> String {
    if let Some(name) = record.row.as_ref().and_then(|r| r.user_name.clone()) {
        return name;
    }
    let template = app
        .definition
        .get("credentials")
        .and_then(|c| c.get("userNameTemplate"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    app_user::username(&template, &record.user.profile)
}

/// An assignment's profile: the one set for the user, else the highest-priority group's.
fn app_user_profile(record: &AppUserRecord) -> Map<String, Value> {
    match &record.row {
        Some(r) if !r.profile.is_empty() || r.direct => r.profile.clone(),
        _ => record
            .via
            .first()
            .map(|v| v.profile.clone())
            .unwrap_or_default(),
    }
}

/// An app user (`AppUser`); `embedded_user` adds `_embedded.user` (`expand=user`).
pub fn render_app_user(
    app: &AppRecord,
    record: &AppUserRecord,
    state: &AppState,
    embedded_user: bool,
) -> Value {
    let scope = if record.direct() {
        Scope::User
    } else {
        Scope::Group
    };
    let created = record.created();
    let status_changed = record
        .row
        .as_ref()
        .filter(|r| r.direct)
        .map_or(created, |r| r.status_changed);
    let mut credentials = Map::new();
    credentials.insert("userName".into(), json!(app_user_name(app, record)));
    if record
        .row
        .as_ref()
        .is_some_and(|r| r.password_sealed.is_some())
    {
        credentials.insert("password".into(), json!({}));
    }
    let password_changed = record
        .row
        .as_ref()
        .and_then(|r| r.password_changed)
        .map_or(Value::Null, |t| json!(iso(t)));
    let mut out = json!({
        "id": record.user.id,
        "externalId": null,
        "created": iso(created),
        "lastUpdated": iso(record.last_updated()),
        "scope": scope.as_str(),
        "status": "ACTIVE",
        "statusChanged": iso(status_changed),
        "passwordChanged": password_changed,
        "syncState": "DISABLED",
        "lastSync": null,
        "credentials": credentials,
        "profile": app_user_profile(record),
        "_links": {
            "app": { "href": state.links.api(&format!("apps/{}", app.id)) },
            "user": { "href": state.links.api(&format!("users/{}", record.user.id)) },
        },
    });
    if embedded_user {
        if let Some(o) = out.as_object_mut() {
            o.insert(
                "_embedded".into(),
                json!({ "user": super::user::render(&record.user, state, true) }),
            );
        }
    }
    out
}

/// A group assignment (`ApplicationGroupAssignment`); `group` adds `_embedded.group`
/// (`expand=group`).
pub fn render_app_group(
    row: &AppGroupRecord,
    state: &AppState,
    group: Option<&GroupRecord>,
) -> Value {
    let mut out = json!({
        "id": row.group_id,
        "lastUpdated": iso(row.last_updated),
        "priority": row.priority,
        "profile": row.profile,
        "_links": {
            "app": { "href": state.links.api(&format!("apps/{}", row.app_id)) },
            "self": { "href": state.links.api(&format!("apps/{}/groups/{}", row.app_id, row.group_id)) },
            "group": { "href": state.links.api(&format!("groups/{}", row.group_id)) },
        },
    });
    if let (Some(g), Some(o)) = (group, out.as_object_mut()) {
        o.insert(
            "_embedded".into(),
            json!({ "group": super::group::render(g, state) }),
        );
    }
    out
}

/// A key credential (`JsonWebKey`).
pub fn render_key(key: &AppKeyRecord) -> Value {
    json!({
        "created": iso(key.created),
        "lastUpdated": iso(key.created),
        "expiresAt": iso(key.expires_at),
        "x5c": [key.x5c],
        "e": key.e,
        "n": key.n,
        "kid": key.kid,
        "kty": "RSA",
        "use": "sig",
        "x5t#S256": key.x5t_s256,
    })
}

/// The app links an assignment gives (`AssignedAppLink`), one per shown app link.
pub fn render_app_links(
    app: &AppRecord,
    record: &AppUserRecord,
    state: &AppState,
    sort_order: &mut i64,
) -> Vec<Value> {
    let hidden = app
        .definition
        .get("visibility")
        .and_then(|v| v.get("hide"))
        .and_then(|h| h.get("web"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let vaults = model::apps::SignOnMode::parse(&app.sign_on_mode)
        .is_some_and(model::apps::SignOnMode::has_scheme);
    let credentials_setup = vaults
        && record
            .row
            .as_ref()
            .is_some_and(|r| r.password_sealed.is_some());
    let (logo_url, _) = logo(app, state, None);
    let assignment = derived(Kind::AppUser, &[&app.id, &record.user.id]);
    link_names(app)
        .into_iter()
        .filter(|(_, shown)| *shown)
        .map(|(name, _)| {
            let order = *sort_order;
            *sort_order += 1;
            json!({
                "id": record.user.id,
                "label": app.label,
                "linkUrl": link_href(app, &name, state),
                "logoUrl": logo_url,
                "appName": app.name,
                "appInstanceId": app.id,
                "appAssignmentId": assignment,
                "credentialsSetup": credentials_setup,
                "hidden": hidden,
                "sortOrder": order,
            })
        })
        .collect()
}
