//! Custom administrator roles and resource sets (`/api/v1/iam/roles`,
//! `/api/v1/iam/resource-sets`, and a set's `resources` and `bindings`).
//!
//! - A custom role is a label, a description and Okta permissions
//!   (`model::roles::CUSTOM_PERMISSIONS`); a resource set lists resources by ORN (or by API
//!   URL, stored as its ORN): all users, all groups, one group, one group's members, all apps,
//!   every instance of an app, one instance, authorization servers.
//! - A binding gives a role over a set to members: users, groups (held by their members)
//!   and service apps. The caller may then do what the role's permissions allow on what the
//!   set covers (`crate::authz`).
//! - Labels are unique ignoring case (400 E0000001); roles and sets are found by id or label.
//! - Changes are in the System Log (`iam.role.*`, `iam.resourceset.*`) and apply at once on
//!   every node.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{BindingMemberRecord, IamRoleRecord, ResourceRecord, ResourceSetRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::random_base62;
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/iam/roles", get(list_roles).post(create_role))
        .route(
            "/iam/roles/{role}",
            get(get_role).put(replace_role).delete(delete_role),
        )
        .route("/iam/roles/{role}/permissions", get(list_permissions))
        .route(
            "/iam/roles/{role}/permissions/{permission}",
            get(get_permission)
                .post(add_permission)
                .delete(remove_permission),
        )
        .route("/iam/resource-sets", get(list_sets).post(create_set))
        .route(
            "/iam/resource-sets/{set}",
            get(get_set).put(replace_set).delete(delete_set),
        )
        .route(
            "/iam/resource-sets/{set}/resources",
            get(list_resources).patch(add_resources),
        )
        .route(
            "/iam/resource-sets/{set}/resources/{resource}",
            get(get_resource).delete(remove_resource),
        )
        .route(
            "/iam/resource-sets/{set}/bindings",
            get(list_bindings).post(create_binding),
        )
        .route(
            "/iam/resource-sets/{set}/bindings/{role}",
            get(get_binding).delete(delete_binding),
        )
        .route(
            "/iam/resource-sets/{set}/bindings/{role}/members",
            get(list_members).patch(add_members),
        )
        .route(
            "/iam/resource-sets/{set}/bindings/{role}/members/{member}",
            get(get_member).delete(remove_member),
        )
}

/// An id of the kind Okta shows for these objects (`cr0...`, `iam...`, `ire...`, `irb...`).
fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_base62(17))
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

fn event(
    admin: &AdminToken,
    kind: &str,
    display: &str,
    target: Value,
    now: i64,
) -> store::EventRecord {
    events::event(kind, display, &Actor::token(admin), vec![target], now)
}

fn role_target(role: &IamRoleRecord) -> Value {
    json!({"id": role.id, "type": "ROLE", "alternateId": role.label, "displayName": role.label})
}

fn set_target(set: &ResourceSetRecord) -> Value {
    json!({"id": set.id, "type": "RESOURCE_SET", "alternateId": set.label, "displayName": set.label})
}

fn label_taken(what: &str) -> ApiError {
    ApiError::invalid(
        "label",
        format!("label: A {what} with this label already exists."),
    )
}

#[derive(Debug, Deserialize)]
struct PageParams {
    after: Option<String>,
}

/// One page of 100 by id, with the `after` of the next page when there is one.
fn page<T>(mut rows: Vec<T>, id: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
    let more = rows.len() > 100;
    rows.truncate(100);
    let next = more.then(|| rows.last().map(&id)).flatten();
    (rows, next)
}

// ---------------------------------------------------------------------------------- roles

fn render_role(app: &AppState, role: &IamRoleRecord) -> Value {
    let href = app.links.api(&format!("iam/roles/{}", role.id));
    json!({
        "id": role.id,
        "label": role.label,
        "description": role.description,
        "created": iso(role.created),
        "lastUpdated": iso(role.last_updated),
        "_links": {
            "self": { "href": href },
            "permissions": { "href": format!("{href}/permissions") },
        },
    })
}

async fn find_role(app: &AppState, id_or_label: &str) -> ApiResult<IamRoleRecord> {
    app.store
        .iam_role(id_or_label)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id_or_label} (Role)")))
}

/// A known permission name, or 400.
fn permission_name(name: &str) -> ApiResult<String> {
    if model::roles::CUSTOM_PERMISSIONS.contains(&name) {
        Ok(name.to_owned())
    } else {
        Err(ApiError::invalid(
            "permissions",
            format!("permissions: '{name}' is not a permission this server grants"),
        ))
    }
}

/// The label and description of a role or set (both required, the label not blank).
fn label_and_description(body: &Value) -> ApiResult<(String, String)> {
    let label = body
        .get("label")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::invalid("label", "label: The field cannot be left blank"))?;
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("description", "description: The field cannot be left blank")
        })?;
    Ok((label.to_owned(), description.to_owned()))
}

async fn list_roles(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<PageParams>,
) -> ApiResult<Json<Value>> {
    let rows = app.store.iam_roles(params.after.as_deref(), 100).await?;
    let (rows, next) = page(rows, |r| r.id.clone());
    let mut links = serde_json::Map::new();
    if let Some(after) = next {
        links.insert(
            "next".into(),
            json!({ "href": app.links.api(&format!("iam/roles?after={after}")) }),
        );
    }
    let roles: Vec<Value> = rows.iter().map(|r| render_role(&app, r)).collect();
    Ok(Json(json!({ "roles": roles, "_links": links })))
}

async fn create_role(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let (label, description) = label_and_description(&body)?;
    let permissions = body
        .get("permissions")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("permissions", "permissions: The field cannot be left blank")
        })?
        .iter()
        .map(|p| permission_name(p.as_str().unwrap_or_default()))
        .collect::<ApiResult<Vec<String>>>()?;
    let now = app.clock.now().millis();
    let role = IamRoleRecord {
        id: new_id("cr0"),
        label,
        description,
        created: now,
        last_updated: now,
    };
    let ev = event(
        &admin,
        "iam.role.create",
        "Create custom role",
        role_target(&role),
        now,
    );
    if !app.store.insert_iam_role(&role, &permissions, &ev).await? {
        return Err(label_taken("role"));
    }
    Ok(Json(render_role(&app, &role)))
}

async fn get_role(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(role): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(render_role(&app, &find_role(&app, &role).await?)))
}

async fn replace_role(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(role): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let mut role = find_role(&app, &role).await?;
    let (label, description) = label_and_description(&body)?;
    let now = app.clock.now().millis();
    role.label = label;
    role.description = description;
    role.last_updated = now;
    let ev = event(
        &admin,
        "iam.role.update",
        "Update custom role",
        role_target(&role),
        now,
    );
    if !app.store.update_iam_role(&role, &ev).await? {
        return Err(label_taken("role"));
    }
    Ok(Json(render_role(&app, &role)))
}

async fn delete_role(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(role): Path<String>,
) -> ApiResult<StatusCode> {
    let role = find_role(&app, &role).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.role.delete",
        "Delete custom role",
        role_target(&role),
        now,
    );
    app.store.delete_iam_role(&role.id, &ev).await?;
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

fn render_permission(
    app: &AppState,
    role: &IamRoleRecord,
    p: &store::IamPermissionRecord,
) -> Value {
    let role_href = app.links.api(&format!("iam/roles/{}", role.id));
    json!({
        "label": p.permission,
        "created": iso(p.created),
        "lastUpdated": iso(p.last_updated),
        "_links": {
            "self": { "href": format!("{role_href}/permissions/{}", p.permission) },
            "role": { "href": role_href },
        },
    })
}

async fn list_permissions(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(role): Path<String>,
) -> ApiResult<Json<Value>> {
    let role = find_role(&app, &role).await?;
    let permissions: Vec<Value> = app
        .store
        .iam_role_permissions(&role.id)
        .await?
        .iter()
        .map(|p| render_permission(&app, &role, p))
        .collect();
    Ok(Json(json!({ "permissions": permissions })))
}

async fn get_permission(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((role, permission)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let role = find_role(&app, &role).await?;
    let found = app
        .store
        .iam_role_permissions(&role.id)
        .await?
        .into_iter()
        .find(|p| p.permission == permission)
        .ok_or_else(|| {
            ApiError::not_found(format!("Resource not found: {permission} (Permission)"))
        })?;
    Ok(Json(render_permission(&app, &role, &found)))
}

async fn add_permission(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((role, permission)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let role = find_role(&app, &role).await?;
    let permission = permission_name(&permission)?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.role.permissions.add",
        "Add permission to custom role",
        role_target(&role),
        now,
    );
    if !app
        .store
        .add_iam_permission(&role.id, &permission, now, &ev)
        .await?
    {
        return Err(ApiError::invalid(
            "permission",
            format!("permission: The role has '{permission}' already."),
        ));
    }
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_permission(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((role, permission)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let role = find_role(&app, &role).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.role.permissions.delete",
        "Delete permission from custom role",
        role_target(&role),
        now,
    );
    if !app
        .store
        .remove_iam_permission(&role.id, &permission, &ev)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "Resource not found: {permission} (Permission)"
        )));
    }
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

// --------------------------------------------------------------------------- resource sets

fn render_set(app: &AppState, set: &ResourceSetRecord) -> Value {
    let href = app.links.api(&format!("iam/resource-sets/{}", set.id));
    json!({
        "id": set.id,
        "label": set.label,
        "description": set.description,
        "created": iso(set.created),
        "lastUpdated": iso(set.last_updated),
        "_links": {
            "self": { "href": href },
            "resources": { "href": format!("{href}/resources") },
            "bindings": { "href": format!("{href}/bindings") },
        },
    })
}

async fn find_set(app: &AppState, id_or_label: &str) -> ApiResult<ResourceSetRecord> {
    app.store.resource_set(id_or_label).await?.ok_or_else(|| {
        ApiError::not_found(format!("Resource not found: {id_or_label} (ResourceSet)"))
    })
}

/// The resources of a request (ORNs or API URLs), as records of `set_id`.
fn resources_of(
    app: &AppState,
    set_id: &str,
    given: Option<&Value>,
    now: i64,
) -> ApiResult<Vec<ResourceRecord>> {
    let items = given
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("resources", "resources: The field cannot be left blank")
        })?;
    if items.len() > 1000 {
        return Err(ApiError::invalid(
            "resources",
            "resources: A resource set holds at most 1000 resources per request",
        ));
    }
    let api_base = app.links.api("");
    let api_base = api_base.trim_end_matches('/');
    items
        .iter()
        .map(|item| {
            let text = item.as_str().unwrap_or_default();
            let orn = crate::authz::resource_orn(&app.org.id, api_base, text).ok_or_else(|| {
                ApiError::invalid(
                    "resources",
                    format!("resources: '{text}' is not a resource a resource set can hold"),
                )
            })?;
            Ok(ResourceRecord {
                id: new_id("ire"),
                set_id: set_id.to_owned(),
                orn,
                created: now,
                last_updated: now,
            })
        })
        .collect()
}

async fn list_sets(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<PageParams>,
) -> ApiResult<Json<Value>> {
    let rows = app
        .store
        .resource_sets(params.after.as_deref(), 100)
        .await?;
    let (rows, next) = page(rows, |r| r.id.clone());
    let mut links = serde_json::Map::new();
    if let Some(after) = next {
        links.insert(
            "next".into(),
            json!({ "href": app.links.api(&format!("iam/resource-sets?after={after}")) }),
        );
    }
    let sets: Vec<Value> = rows.iter().map(|s| render_set(&app, s)).collect();
    Ok(Json(json!({ "resource-sets": sets, "_links": links })))
}

async fn create_set(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let (label, description) = label_and_description(&body)?;
    let now = app.clock.now().millis();
    let set = ResourceSetRecord {
        id: new_id("iam"),
        label,
        description,
        created: now,
        last_updated: now,
    };
    let resources = resources_of(&app, &set.id, body.get("resources"), now)?;
    let ev = event(
        &admin,
        "iam.resourceset.create",
        "Create resource set",
        set_target(&set),
        now,
    );
    if !app.store.insert_resource_set(&set, &resources, &ev).await? {
        return Err(label_taken("resource set"));
    }
    Ok(Json(render_set(&app, &set)))
}

async fn get_set(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(set): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(render_set(&app, &find_set(&app, &set).await?)))
}

async fn replace_set(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(set): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let mut set = find_set(&app, &set).await?;
    let (label, description) = label_and_description(&body)?;
    let now = app.clock.now().millis();
    set.label = label;
    set.description = description;
    set.last_updated = now;
    let ev = event(
        &admin,
        "iam.resourceset.update",
        "Update resource set",
        set_target(&set),
        now,
    );
    if !app.store.update_resource_set(&set, &ev).await? {
        return Err(label_taken("resource set"));
    }
    Ok(Json(render_set(&app, &set)))
}

async fn delete_set(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(set): Path<String>,
) -> ApiResult<StatusCode> {
    let set = find_set(&app, &set).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.resourceset.delete",
        "Delete resource set",
        set_target(&set),
        now,
    );
    app.store.delete_resource_set(&set.id, &ev).await?;
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

/// The API URL of what an ORN names, when it has one.
fn resource_href(app: &AppState, orn: &str) -> String {
    let parts: Vec<&str> = orn.split(':').collect();
    let path = match parts.get(4..).unwrap_or_default() {
        ["users"] => "users".to_owned(),
        ["groups"] => "groups".to_owned(),
        ["groups", id] => format!("groups/{id}"),
        ["groups", id, "contained_resources"] => format!("groups/{id}/users"),
        ["apps"] => "apps".to_owned(),
        ["apps", _, id] => format!("apps/{id}"),
        ["apps", name] => format!("apps?filter=name+eq+%22{name}%22"),
        ["authorization_servers"] => "authorizationServers".to_owned(),
        ["authorization_servers", id] => format!("authorizationServers/{id}"),
        _ => String::new(),
    };
    app.links.api(&path)
}

fn render_resource(app: &AppState, r: &ResourceRecord) -> Value {
    json!({
        "id": r.id,
        "orn": r.orn,
        "created": iso(r.created),
        "lastUpdated": iso(r.last_updated),
        "_links": { "self": { "href": resource_href(app, &r.orn) } },
    })
}

async fn list_resources(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(set): Path<String>,
) -> ApiResult<Json<Value>> {
    let set = find_set(&app, &set).await?;
    let resources: Vec<Value> = app
        .store
        .resources(&set.id)
        .await?
        .iter()
        .map(|r| render_resource(&app, r))
        .collect();
    let href = app.links.api(&format!("iam/resource-sets/{}", set.id));
    Ok(Json(json!({
        "resources": resources,
        "_links": { "resource-set": { "href": href } },
    })))
}

async fn add_resources(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(set): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let mut set = find_set(&app, &set).await?;
    let now = app.clock.now().millis();
    let resources = resources_of(&app, &set.id, body.get("additions"), now)?;
    let ev = event(
        &admin,
        "iam.resourceset.resources.add",
        "Add resources to resource set",
        set_target(&set),
        now,
    );
    app.store.add_resources(&resources, &ev).await?;
    app.tokens.forget("*");
    set.last_updated = now;
    Ok(Json(render_set(&app, &set)))
}

async fn get_resource(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((set, resource)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let set = find_set(&app, &set).await?;
    let found = app
        .store
        .resources(&set.id)
        .await?
        .into_iter()
        .find(|r| r.id == resource)
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {resource} (Resource)")))?;
    Ok(Json(render_resource(&app, &found)))
}

async fn remove_resource(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((set, resource)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let set = find_set(&app, &set).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.resourceset.resources.delete",
        "Delete resource from resource set",
        set_target(&set),
        now,
    );
    if !app.store.remove_resource(&set.id, &resource, &ev).await? {
        return Err(ApiError::not_found(format!(
            "Resource not found: {resource} (Resource)"
        )));
    }
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------------------------- bindings

fn set_href(app: &AppState, set: &ResourceSetRecord) -> String {
    app.links.api(&format!("iam/resource-sets/{}", set.id))
}

fn binding_href(app: &AppState, set: &ResourceSetRecord, role_id: &str) -> String {
    format!("{}/bindings/{role_id}", set_href(app, set))
}

fn binding_links(app: &AppState, set: &ResourceSetRecord, role_id: &str) -> Value {
    let set_href = set_href(app, set);
    json!({
        "self": { "href": binding_href(app, set, role_id) },
        "bindings": { "href": format!("{set_href}/bindings") },
        "resource-set": { "href": set_href },
    })
}

/// The principal a member href names (`.../api/v1/users/{id}`, `.../api/v1/groups/{id}`,
/// `.../oauth2/v1/clients/{clientId}`), checked to exist: (type, id).
async fn principal_of(app: &AppState, href: &str) -> ApiResult<(String, String)> {
    let bad = || {
        ApiError::invalid(
            "members",
            format!("members: '{href}' is not the URL of a user, group or service app"),
        )
    };
    let base = app.links.base();
    let path = href
        .strip_prefix(base.trim_end_matches('/'))
        .ok_or_else(bad)?;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", "v1", "users", id] => {
            let user = crate::api::users::find_user(app, id).await?;
            Ok(("USER".into(), user.id))
        }
        ["api", "v1", "groups", id] => {
            let group = crate::api::groups::find_group(app, id).await?;
            Ok(("GROUP".into(), group.id))
        }
        ["oauth2", "v1", "clients", id] => {
            app.store
                .app_by_client_id(id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (App)")))?;
            Ok(("CLIENT".into(), (*id).to_owned()))
        }
        _ => Err(bad()),
    }
}

/// Members for a binding from a list of hrefs.
async fn members_of(
    app: &AppState,
    set: &ResourceSetRecord,
    role: &IamRoleRecord,
    given: Option<&Value>,
    now: i64,
) -> ApiResult<Vec<BindingMemberRecord>> {
    let items = given
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid("members", "members: The field cannot be left blank"))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let (principal_type, principal_id) =
            principal_of(app, item.as_str().unwrap_or_default()).await?;
        out.push(BindingMemberRecord {
            id: new_id("irb"),
            set_id: set.id.clone(),
            role_id: role.id.clone(),
            principal_type,
            principal_id,
            created: now,
            last_updated: now,
        });
    }
    Ok(out)
}

async fn list_bindings(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(set): Path<String>,
) -> ApiResult<Json<Value>> {
    let set = find_set(&app, &set).await?;
    let set_href = app.links.api(&format!("iam/resource-sets/{}", set.id));
    let roles: Vec<Value> = app
        .store
        .bindings(&set.id)
        .await?
        .iter()
        .map(|role_id| {
            json!({
                "id": role_id,
                "_links": {
                    "self": { "href": format!("{set_href}/bindings/{role_id}") },
                    "members": { "href": format!("{set_href}/bindings/{role_id}/members") },
                },
            })
        })
        .collect();
    Ok(Json(json!({
        "roles": roles,
        "_links": {
            "self": { "href": format!("{set_href}/bindings") },
            "resource-set": { "href": set_href },
        },
    })))
}

async fn create_binding(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(set): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let set = find_set(&app, &set).await?;
    let role_ref = body
        .get("role")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("role", "role: The field cannot be left blank"))?;
    let role = find_role(&app, role_ref).await?;
    let now = app.clock.now().millis();
    let members = members_of(&app, &set, &role, body.get("members"), now).await?;
    let ev = event(
        &admin,
        "iam.resourceset.bindings.add",
        "Add binding to resource set",
        set_target(&set),
        now,
    );
    if !app
        .store
        .insert_binding(&set.id, &role.id, &members, now, &ev)
        .await?
    {
        return Err(ApiError::invalid(
            "role",
            "role: The resource set has a binding for this role already; add members to it.",
        ));
    }
    app.tokens.forget("*");
    Ok(Json(
        json!({ "_links": binding_links(&app, &set, &role.id) }),
    ))
}

/// The set and a role bound to it; 404 when the role is not bound there.
async fn find_binding(
    app: &AppState,
    set: &str,
    role: &str,
) -> ApiResult<(ResourceSetRecord, IamRoleRecord)> {
    let set = find_set(app, set).await?;
    let role = find_role(app, role).await?;
    if !app.store.bindings(&set.id).await?.contains(&role.id) {
        return Err(ApiError::not_found(format!(
            "Resource not found: {} (Binding)",
            role.id
        )));
    }
    Ok((set, role))
}

async fn get_binding(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((set, role)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let self_href = binding_href(&app, &set, &role.id);
    Ok(Json(json!({
        "id": role.id,
        "_links": {
            "self": { "href": self_href },
            "members": { "href": format!("{self_href}/members") },
            "resource-set": { "href": set_href(&app, &set) },
        },
    })))
}

async fn delete_binding(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((set, role)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.resourceset.bindings.delete",
        "Delete binding from resource set",
        set_target(&set),
        now,
    );
    app.store.delete_binding(&set.id, &role.id, &ev).await?;
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

/// The href of a member's principal.
pub fn member_href(app: &AppState, m: &BindingMemberRecord) -> String {
    match m.principal_type.as_str() {
        "GROUP" => app.links.api(&format!("groups/{}", m.principal_id)),
        "CLIENT" => app
            .links
            .page(&format!("/oauth2/v1/clients/{}", m.principal_id)),
        _ => app.links.api(&format!("users/{}", m.principal_id)),
    }
}

fn render_member(app: &AppState, m: &BindingMemberRecord) -> Value {
    json!({
        "id": m.id,
        "created": iso(m.created),
        "lastUpdated": iso(m.last_updated),
        "_links": { "self": { "href": member_href(app, m) } },
    })
}

async fn list_members(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((set, role)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let members: Vec<Value> = app
        .store
        .binding_members(&set.id, &role.id)
        .await?
        .iter()
        .map(|m| render_member(&app, m))
        .collect();
    Ok(Json(json!({
        "members": members,
        "_links": { "binding": { "href": binding_href(&app, &set, &role.id) } },
    })))
}

async fn add_members(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((set, role)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let now = app.clock.now().millis();
    let members = members_of(&app, &set, &role, body.get("additions"), now).await?;
    let ev = event(
        &admin,
        "iam.resourceset.bindings.add",
        "Add members to binding",
        set_target(&set),
        now,
    );
    app.store.add_binding_members(&members, &ev).await?;
    app.tokens.forget("*");
    Ok(Json(
        json!({ "_links": binding_links(&app, &set, &role.id) }),
    ))
}

/// A member of a binding; 404 when it is not one of this binding's.
async fn find_member(
    app: &AppState,
    set: &ResourceSetRecord,
    role: &IamRoleRecord,
    member: &str,
) -> ApiResult<BindingMemberRecord> {
    app.store
        .binding_member(member)
        .await?
        .filter(|m| m.set_id == set.id && m.role_id == role.id)
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {member} (Member)")))
}

async fn get_member(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((set, role, member)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let member = find_member(&app, &set, &role, &member).await?;
    Ok(Json(render_member(&app, &member)))
}

async fn remove_member(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((set, role, member)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let (set, role) = find_binding(&app, &set, &role).await?;
    let member = find_member(&app, &set, &role, &member).await?;
    let now = app.clock.now().millis();
    let ev = event(
        &admin,
        "iam.resourceset.bindings.delete",
        "Delete member from binding",
        set_target(&set),
        now,
    );
    app.store.remove_binding_member(&member.id, &ev).await?;
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT.into_response())
}
