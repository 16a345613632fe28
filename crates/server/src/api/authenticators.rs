//! The Authenticators API (the spec's Authenticator tag): list, get, replace (name and
//! settings), activate and deactivate the org's authenticators, and list or get their methods.
//! The set is fixed — the authenticators of the factor kinds this server supports — so there
//! is no create or delete. Deactivating one turns its factors off for the whole org
//! (`model::authenticators`); the factor catalog and enrollment read the same rows.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use store::AuthenticatorRecord;

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::links::LinkSet;
use crate::wire::{ApiError, ApiResult, Json};
use model::authenticators::{self as domain, Spec};
use model::ids::Kind;
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authenticators", get(list).post(create))
        .route("/authenticators/{id}", get(get_one).put(replace))
        .route("/authenticators/{id}/lifecycle/activate", post(activate))
        .route(
            "/authenticators/{id}/lifecycle/deactivate",
            post(deactivate),
        )
        .route("/authenticators/{id}/methods", get(methods))
        .route(
            "/authenticators/{id}/methods/{method}",
            get(method).put(replace_method),
        )
        .route(
            "/authenticators/{id}/methods/{method}/lifecycle/activate",
            post(activate_method),
        )
        .route(
            "/authenticators/{id}/methods/{method}/lifecycle/deactivate",
            post(deactivate_method),
        )
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (Authenticator)"))
}

async fn find(app: &AppState, id: &str) -> ApiResult<(AuthenticatorRecord, &'static Spec)> {
    let found = if model::ids::looks_like(Kind::Authenticator, id) {
        app.store.authenticator_by_id(id).await?
    } else {
        None
    };
    let record = found.ok_or_else(|| not_found(id))?;
    let spec = domain::spec(&record.key).ok_or_else(|| not_found(id))?;
    Ok((record, spec))
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

fn settings_of(a: &AuthenticatorRecord) -> Value {
    serde_json::from_str(&a.settings).unwrap_or_else(|_| json!({}))
}

fn render(app: &AppState, a: &AuthenticatorRecord, spec: &Spec) -> Value {
    let base = app.links.api(&format!("authenticators/{}", a.id));
    let mut links = LinkSet::new()
        .add_hints("self", base.clone(), &["GET", "PUT"])
        .add_hints("methods", format!("{base}/methods"), &["GET"]);
    if a.status == "ACTIVE" {
        if spec.can_deactivate {
            links = links.add_hints(
                "deactivate",
                format!("{base}/lifecycle/deactivate"),
                &["POST"],
            );
        }
    } else {
        links = links.add_hints("activate", format!("{base}/lifecycle/activate"), &["POST"]);
    }
    let mut out = json!({
        "type": a.authenticator_type,
        "id": a.id,
        "key": a.key,
        "status": a.status,
        "name": a.name,
        "created": iso(a.created),
        "lastUpdated": iso(a.last_updated),
    });
    let settings = settings_of(a);
    if settings.as_object().is_some_and(|m| !m.is_empty()) {
        crate::wire::json::put(&mut out, "settings", settings);
    }
    crate::wire::json::put(&mut out, "_links", links.into_value());
    out
}

/// Where `key` stands in the catalog (the list order among authenticators made together).
fn position(key: &str) -> usize {
    domain::CATALOG
        .iter()
        .position(|s| s.key == key)
        .unwrap_or(usize::MAX)
}

async fn list(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let mut all = app.store.list_authenticators().await?;
    all.sort_by_key(|a| (a.created, position(&a.key)));
    Ok(Json(Value::Array(
        all.iter()
            .filter_map(|a| domain::spec(&a.key).map(|s| render(&app, a, s)))
            .collect(),
    )))
}

/// New authenticators (custom apps, IdPs, ...) are not something this server can run.
async fn create(_admin: AdminToken) -> ApiError {
    ApiError::invalid(
        "key",
        "key: This server has a fixed set of authenticators; activate or update one of them.",
    )
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (a, spec) = find(&app, &id).await?;
    Ok(Json(render(&app, &a, spec)))
}

async fn write(
    app: &AppState,
    admin: &AdminToken,
    a: &AuthenticatorRecord,
    event_type: &str,
    display: &str,
) -> ApiResult<()> {
    let event = events::event(
        event_type,
        display,
        &Actor::token(admin),
        vec![
            json!({ "id": a.id, "type": "Authenticator", "alternateId": a.key, "displayName": a.name }),
        ],
        a.last_updated,
    );
    if !app.store.update_authenticator(a, &event).await? {
        return Err(not_found(&a.id));
    }
    Ok(())
}

/// Replaces the name and settings; `key` and `type` cannot change, and `status` changes only
/// through the lifecycle operations.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let (mut a, spec) = find(&app, &id).await?;
    if let Some(key) = body.get("key").and_then(Value::as_str) {
        if key != a.key {
            return Err(ApiError::invalid(
                "key",
                "key: The key of an authenticator cannot be changed.",
            ));
        }
    }
    if let Some(kind) = body.get("type").and_then(Value::as_str) {
        if kind != a.authenticator_type {
            return Err(ApiError::invalid(
                "type",
                "type: The type of an authenticator cannot be changed.",
            ));
        }
    }
    let name = match body.get("name") {
        None | Some(Value::Null) => a.name.clone(),
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 128 => {
            n.trim().to_owned()
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "name",
                "name: The name must be text of 1 to 128 characters.",
            ))
        }
    };
    let settings = domain::validate_settings(&a.key, body.get("settings"), &settings_of(&a))?;
    a.name = name;
    a.settings = settings.to_string();
    a.last_updated = app.clock.now().millis();
    write(
        &app,
        &admin,
        &a,
        "security.authenticator.update",
        "Update authenticator",
    )
    .await?;
    Ok(Json(render(&app, &a, spec)))
}

/// Moves the authenticator to `status` (nothing written when it is there already).
async fn set_status(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    status: &str,
    event_type: &str,
    display: &str,
) -> ApiResult<Json<Value>> {
    let (mut a, spec) = find(app, id).await?;
    if status == "INACTIVE" && !spec.can_deactivate {
        return Err(ApiError::invalid(
            "status",
            format!(
                "status: The {} authenticator cannot be deactivated.",
                a.name
            ),
        ));
    }
    if a.status != status {
        a.status = status.into();
        a.last_updated = app.clock.now().millis();
        write(app, admin, &a, event_type, display).await?;
    }
    Ok(Json(render(app, &a, spec)))
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(
        &app,
        &admin,
        &id,
        "ACTIVE",
        "security.authenticator.lifecycle.activate",
        "Activate authenticator",
    )
    .await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(
        &app,
        &admin,
        &id,
        "INACTIVE",
        "security.authenticator.lifecycle.deactivate",
        "Deactivate authenticator",
    )
    .await
}

fn render_method(app: &AppState, a: &AuthenticatorRecord, method: &str, supported: bool) -> Value {
    let base = app
        .links
        .api(&format!("authenticators/{}/methods/{method}", a.id));
    let on = method_active(a, method, supported);
    let mut links = LinkSet::new().add_hints("self", base.clone(), &["GET"]);
    links = if on {
        links.add_hints(
            "deactivate",
            format!("{base}/lifecycle/deactivate"),
            &["POST"],
        )
    } else {
        links.add_hints("activate", format!("{base}/lifecycle/activate"), &["POST"])
    };
    json!({
        "type": method,
        "status": if on { "ACTIVE" } else { "INACTIVE" },
        "_links": links.into_value(),
    })
}

async fn methods(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (a, spec) = find(&app, &id).await?;
    Ok(Json(Value::Array(
        spec.methods
            .iter()
            .map(|(m, ok)| render_method(&app, &a, m, *ok))
            .collect(),
    )))
}

async fn method(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, method)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (a, spec) = find(&app, &id).await?;
    let (m, ok) = find_method(spec, &method)?;
    Ok(Json(render_method(&app, &a, m, ok)))
}

/// The MFA_ENROLL factor keys nobody may enroll: every factor of an INACTIVE authenticator,
/// and the factor of each method turned off.
pub async fn disabled_factor_keys(app: &AppState) -> ApiResult<Vec<&'static str>> {
    let mut out = Vec::new();
    for a in app.store.list_authenticators().await? {
        if a.status != "ACTIVE" {
            if let Some((_, keys)) = model::policy::mfa_enroll::AUTHENTICATOR_FACTORS
                .iter()
                .find(|(k, _)| *k == a.key)
            {
                out.extend(keys.iter().copied());
            }
            continue;
        }
        for method in domain::inactive_methods(&a.inactive_methods) {
            out.extend(domain::method_factor_keys(&a.key, method).iter().copied());
        }
    }
    Ok(out)
}

fn method_active(a: &AuthenticatorRecord, method: &str, supported: bool) -> bool {
    supported
        && a.status == "ACTIVE"
        && !domain::inactive_methods(&a.inactive_methods).any(|m| m == method)
}

fn find_method(spec: &Spec, method: &str) -> ApiResult<(&'static str, bool)> {
    spec.methods
        .iter()
        .find(|(m, _)| *m == method)
        .copied()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found: {method} (AuthenticatorMethod)"
            ))
        })
}

/// Turns a method of an authenticator on: only the methods this server supports.
async fn activate_method(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, method)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    toggle_method(&app, &admin, &id, &method, true).await
}

/// Turns a method of an authenticator off; its factor can no longer be enrolled. The last
/// method that is on stays on (deactivate the authenticator instead).
async fn deactivate_method(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, method)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    toggle_method(&app, &admin, &id, &method, false).await
}

/// The lifecycle operations of a method: find it, then turn it on or off.
async fn toggle_method(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    method: &str,
    on: bool,
) -> ApiResult<Json<Value>> {
    let (a, spec) = find(app, id).await?;
    let found = find_method(spec, method)?;
    Ok(Json(switch_method(app, admin, a, spec, found, on).await?))
}

/// Replaces a method (`type`, `status`, `settings`): the status turns it on or off as the
/// lifecycle operations do; the methods of this server have no settings, so settings are
/// refused rather than dropped.
async fn replace_method(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let (a, spec) = find(&app, &id).await?;
    let (m, supported) = find_method(spec, &method)?;
    if !body.is_object() {
        return Err(ApiError::MalformedBody);
    }
    match body.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == m => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "type",
                format!("type: The method at this address is {m}."),
            ))
        }
    }
    let has_settings = match body.get("settings") {
        None | Some(Value::Null) => false,
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    };
    if has_settings {
        return Err(ApiError::invalid(
            "settings",
            format!("settings: The {m} method of this server has no settings."),
        ));
    }
    let on = match body.get("status") {
        None | Some(Value::Null) => method_active(&a, m, supported),
        Some(Value::String(s)) if s == "ACTIVE" => true,
        Some(Value::String(s)) if s == "INACTIVE" => false,
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "status: The value must be ACTIVE or INACTIVE.",
            ))
        }
    };
    Ok(Json(
        switch_method(&app, &admin, a, spec, (m, supported), on).await?,
    ))
}

/// Turns method `m` of `a` on or off (nothing written when it already is) and renders it.
async fn switch_method(
    app: &AppState,
    admin: &AdminToken,
    mut a: AuthenticatorRecord,
    spec: &Spec,
    (m, supported): (&'static str, bool),
    on: bool,
) -> ApiResult<Value> {
    if on {
        if !supported {
            return Err(ApiError::invalid(
                "methodType",
                format!("methodType: The {m} method is not supported by this server."),
            ));
        }
        let before = a.inactive_methods.clone();
        a.inactive_methods = domain::inactive_methods(&before)
            .filter(|x| *x != m)
            .collect::<Vec<_>>()
            .join(" ");
        if a.inactive_methods != before {
            a.last_updated = app.clock.now().millis();
            write(
                app,
                admin,
                &a,
                "security.authenticator.lifecycle.activate",
                "Activate authenticator method",
            )
            .await?;
        }
        return Ok(render_method(app, &a, m, supported));
    }
    if !method_active(&a, m, supported) {
        return Ok(render_method(app, &a, m, supported));
    }
    let others_on = spec
        .methods
        .iter()
        .any(|(other, ok)| *other != m && method_active(&a, other, *ok));
    if !others_on {
        return Err(ApiError::invalid(
            "methodType",
            format!(
                "methodType: {m} is the last method of the {} authenticator that is on; \
                 deactivate the authenticator instead.",
                a.name
            ),
        ));
    }
    let mut list: Vec<&str> = domain::inactive_methods(&a.inactive_methods).collect();
    list.push(m);
    a.inactive_methods = list.join(" ");
    a.last_updated = app.clock.now().millis();
    write(
        app,
        admin,
        &a,
        "security.authenticator.lifecycle.deactivate",
        "Deactivate authenticator method",
    )
    .await?;
    Ok(render_method(app, &a, m, supported))
}
