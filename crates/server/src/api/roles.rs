//! Administrator role assignments and their targets (RoleAssignmentAUser,
//! RoleAssignmentBGroup, RoleBTargetAdmin and RoleBTargetBGroup tags of the spec):
//! `/api/v1/users/{userId}/roles/...` and `/api/v1/groups/{groupId}/roles/...`.
//!
//! - A user or group holds each standard role at most once (409 E0000090); roles are not
//!   granted to the built-in Everyone group (E0000211) or to app groups (E0000194).
//! - Group targets limit USER_ADMIN, HELP_DESK_ADMIN and GROUP_MEMBERSHIP_ADMIN; app targets
//!   (a catalog app: every instance of an app name; or one instance) limit APP_ADMIN. A
//!   target of the wrong kind is 400 E0000091. The last target cannot be removed (the role
//!   would widen to the whole org): delete the assignment instead.
//! - The org keeps a super administrator who can act: unassigning the last one is refused.
//! - Each change writes Okta's event (`user.account.privilege.grant` / `revoke`,
//!   `group.privilege.grant` / `revoke`) and takes effect on every node at once (the
//!   callers nodes cached are dropped).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{
    AppRecord, RoleAssignmentRecord, RoleInsert, RoleRemoval, RoleTargetRecord, TargetRemoval,
};

use crate::api::apps::find_app;
use crate::api::groups::{find_group, group_type};
use crate::api::users::find_user;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::group as group_dto;
use crate::wire::{ApiError, ApiResult, Json};
use model::groups::GroupType;
use model::ids::{new_id, Kind};
use model::roles::{standard_role, TargetKind};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    // Written out (not built in a loop) so the authorization matrix test reads every route.
    Router::new()
        .route("/users/{principal}/roles", get(list).post(assign))
        .route(
            "/users/{principal}/roles/{role_id}",
            get(get_one).delete(unassign),
        )
        .route(
            "/users/{principal}/roles/{role_id}/targets/groups",
            get(group_targets),
        )
        .route(
            "/users/{principal}/roles/{role_id}/targets/groups/{group_id}",
            put(add_group_target).delete(remove_group_target),
        )
        .route(
            "/users/{principal}/roles/{role_id}/targets/catalog/apps",
            get(app_targets),
        )
        .route(
            "/users/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}",
            put(add_app_name_target).delete(remove_app_name_target),
        )
        .route(
            "/users/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}/{app_id}",
            put(add_app_target).delete(remove_app_target),
        )
        .route("/groups/{principal}/roles", get(list).post(assign))
        .route(
            "/groups/{principal}/roles/{role_id}",
            get(get_one).delete(unassign),
        )
        .route(
            "/groups/{principal}/roles/{role_id}/targets/groups",
            get(group_targets),
        )
        .route(
            "/groups/{principal}/roles/{role_id}/targets/groups/{group_id}",
            put(add_group_target).delete(remove_group_target),
        )
        .route(
            "/groups/{principal}/roles/{role_id}/targets/catalog/apps",
            get(app_targets),
        )
        .route(
            "/groups/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}",
            put(add_app_name_target).delete(remove_app_name_target),
        )
        .route(
            "/groups/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}/{app_id}",
            put(add_app_target).delete(remove_app_target),
        )
}

/// The users who hold a role (`/api/v1/iam/assignees/users`, listUsersWithRoleAssignments).
pub fn assignee_routes() -> Router<AppState> {
    Router::new().route("/iam/assignees/users", get(assignees))
}

#[derive(Debug, Deserialize)]
struct AssigneeParams {
    after: Option<String>,
    limit: Option<String>,
}

async fn assignees(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<AssigneeParams>,
) -> ApiResult<Json<Value>> {
    let limit = match params.limit.as_deref() {
        None | Some("") => 100,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::InvalidPaging(format!("limit: '{l}' is not 1 to 1000")))?,
    };
    let mut ids = app
        .store
        .users_with_roles(params.after.as_deref(), limit)
        .await?;
    let more = ids.len() > limit as usize;
    ids.truncate(limit as usize);
    let value: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "orn": format!("orn:okta:{}:users:{id}", app.org.id),
                "_links": {
                    "self": { "href": app.links.api(&format!("users/{id}")) },
                    "roles": { "href": app.links.api(&format!("users/{id}/roles")) },
                },
            })
        })
        .collect();
    let mut links = serde_json::Map::new();
    if let (true, Some(last)) = (more, ids.last()) {
        links.insert(
            "next".into(),
            json!({ "href": app.links.api(&format!("iam/assignees/users?after={last}&limit={limit}")) }),
        );
    }
    Ok(Json(json!({ "value": value, "_links": links })))
}

/// The role routes of a service app (`/oauth2/v1/clients/{clientId}/roles/...`, outside
/// `/api/v1`; the RoleAssignmentClient and RoleBTargetClient tags).
pub fn client_routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/v1/clients/{principal}/roles", get(list).post(assign))
        .route("/oauth2/v1/clients/{principal}/roles/{role_id}", get(get_one).delete(unassign))
        .route("/oauth2/v1/clients/{principal}/roles/{role_id}/targets/groups", get(group_targets))
        .route(
            "/oauth2/v1/clients/{principal}/roles/{role_id}/targets/groups/{group_id}",
            put(add_group_target).delete(remove_group_target),
        )
        .route(
            "/oauth2/v1/clients/{principal}/roles/{role_id}/targets/catalog/apps",
            get(app_targets),
        )
        .route(
            "/oauth2/v1/clients/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}",
            put(add_app_name_target).delete(remove_app_name_target),
        )
        .route(
            "/oauth2/v1/clients/{principal}/roles/{role_id}/targets/catalog/apps/{app_name}/{app_id}",
            put(add_app_target).delete(remove_app_target),
        )
}

/// Who holds the roles a path names: a user or a group.
#[derive(Debug, Clone)]
enum Principal {
    User(Box<store::UserRecord>),
    Group(store::GroupRecord),
    /// A service app, by its OAuth client id.
    Client(Box<AppRecord>, String),
}

impl Principal {
    /// Reads the principal of a request path (`/users/...` or `/groups/...`).
    async fn of(app: &AppState, uri: &axum::http::Uri, id: &str) -> ApiResult<Self> {
        if uri.path().starts_with("/oauth2/v1/clients/") {
            let not_found = || ApiError::not_found(format!("Resource not found: {id} (App)"));
            let found = app
                .store
                .app_by_client_id(id)
                .await?
                .ok_or_else(not_found)?;
            return Ok(Self::Client(Box::new(found), id.to_owned()));
        }
        if uri.path().starts_with("/api/v1/groups/") || uri.path().starts_with("/groups/") {
            Ok(Self::Group(find_group(app, id).await?))
        } else {
            Ok(Self::User(Box::new(find_user(app, id).await?)))
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "USER",
            Self::Group(_) => "GROUP",
            Self::Client(..) => "CLIENT",
        }
    }

    fn id(&self) -> &str {
        match self {
            Self::User(u) => &u.id,
            Self::Group(g) => &g.id,
            Self::Client(_, client_id) => client_id,
        }
    }

    fn event_target(&self) -> Value {
        match self {
            Self::User(u) => events::user_target(u),
            Self::Group(g) => events::group_target(g),
            Self::Client(a, _) => events::app_target(a),
        }
    }

    /// The event type of a grant or revoke on this principal.
    fn event_type(&self, grant: bool) -> (&'static str, &'static str) {
        match (self, grant) {
            (Self::User(_), true) => ("user.account.privilege.grant", "Grant user privilege"),
            (Self::User(_), false) => ("user.account.privilege.revoke", "Revoke user privilege"),
            (Self::Group(_), true) => ("group.privilege.grant", "Grant group privilege"),
            (Self::Group(_), false) => ("group.privilege.revoke", "Revoke group privilege"),
            (Self::Client(..), true) => (
                "app.oauth2.client.privilege.grant",
                "Grant privilege to an OAuth client",
            ),
            (Self::Client(..), false) => (
                "app.oauth2.client.privilege.revoke",
                "Revoke privilege from an OAuth client",
            ),
        }
    }
}

/// A role assignment as the API shows it (StandardRole): its assignee is the user or group
/// that holds it.
fn render(app: &AppState, role: &RoleAssignmentRecord) -> Value {
    let label = standard_role(&role.role_type)
        .map(|r| r.label)
        .unwrap_or_default();
    let assignee = match role.principal_type.as_str() {
        "GROUP" => app.links.api(&format!("groups/{}", role.principal_id)),
        "CLIENT" => app
            .links
            .page(&format!("/oauth2/v1/clients/{}", role.principal_id)),
        _ => app.links.api(&format!("users/{}", role.principal_id)),
    };
    json!({
        "id": role.id,
        "label": label,
        "type": role.role_type,
        "status": role.status,
        "created": Timestamp(role.created).to_iso(),
        "lastUpdated": Timestamp(role.last_updated).to_iso(),
        "assignmentType": role.principal_type,
        "_links": { "assignee": { "href": assignee } },
    })
}

/// A change event naming the principal and the role.
fn role_event(
    admin: &AdminToken,
    principal: &Principal,
    role: &RoleAssignmentRecord,
    grant: bool,
    now: i64,
) -> store::EventRecord {
    let (kind, display) = principal.event_type(grant);
    privilege_event(
        (kind, display),
        &Actor::token(admin),
        principal.event_target(),
        role,
        now,
    )
}

/// A privilege event (`user.account.privilege.grant`, ...) with the role in its debug data
/// (`privilegeGranted` / `privilegeRevoked`: the role's label).
pub fn privilege_event(
    (kind, display): (&str, &str),
    actor: &Actor,
    target: Value,
    role: &RoleAssignmentRecord,
    now: i64,
) -> store::EventRecord {
    let label = standard_role(&role.role_type)
        .map(|r| r.label)
        .unwrap_or_default();
    let mut event = events::event(kind, display, actor, vec![target], now);
    let key = if kind.ends_with(".grant") {
        "privilegeGranted"
    } else {
        "privilegeRevoked"
    };
    if let Some(debug) = event
        .body
        .get_mut("debugContext")
        .and_then(|d| d.get_mut("debugData"))
        .and_then(Value::as_object_mut)
    {
        debug.insert(key.into(), json!(label));
        debug.insert("roleType".into(), json!(role.role_type));
        debug.insert("roleAssignmentId".into(), json!(role.id));
    }
    event
}

#[derive(Debug, Deserialize)]
struct ExpandParams {
    expand: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    uri: axum::http::Uri,
    Path(principal): Path<String>,
    Query(params): Query<ExpandParams>,
) -> ApiResult<Json<Vec<Value>>> {
    let principal = Principal::of(&app, &uri, &principal).await?;
    // A user's list holds the roles its groups give it too (`assignmentType` GROUP).
    let roles = match &principal {
        Principal::User(user) => app
            .store
            .role_grants_for_user(&user.id)
            .await?
            .into_iter()
            .map(|g| g.assignment)
            .collect(),
        Principal::Group(_) | Principal::Client(..) => {
            app.store
                .role_assignments(principal.kind(), principal.id())
                .await?
        }
    };
    let expand_targets = params.expand.as_deref().is_some_and(|e| {
        e.split(',')
            .any(|x| x.trim() == "targets/groups" || x.trim() == "targets/catalog/apps")
    });
    let mut out = Vec::with_capacity(roles.len());
    for role in &roles {
        let mut body = render(&app, role);
        if expand_targets {
            let expand = params.expand.as_deref().unwrap_or_default();
            let targets = app.store.role_targets(&role.id).await?;
            let mut embedded = serde_json::Map::new();
            if expand.contains("targets/groups") {
                embedded.insert("groups".into(), json!(render_groups(&app, &targets).await?));
            }
            if expand.contains("targets/catalog/apps") {
                embedded.insert(
                    "catalog".into(),
                    json!({ "apps": render_apps(&app, &targets).await? }),
                );
            }
            if let Some(map) = body.as_object_mut() {
                map.insert("_embedded".into(), json!({ "targets": embedded }));
            }
        }
        out.push(body);
    }
    // Custom roles over resource sets (a user's also through its groups).
    let members = match &principal {
        Principal::User(user) => app
            .store
            .custom_grants("USER", &user.id)
            .await?
            .into_iter()
            .map(|g| g.member)
            .collect(),
        _ => {
            app.store
                .binding_members_of(principal.kind(), principal.id())
                .await?
        }
    };
    for member in &members {
        out.push(render_custom(&app, member).await?);
    }
    Ok(Json(out))
}

/// A custom role assignment as the API shows it (CustomRole): the binding member, its role
/// and resource set.
async fn render_custom(app: &AppState, member: &store::BindingMemberRecord) -> ApiResult<Value> {
    let label = app
        .store
        .iam_role(&member.role_id)
        .await?
        .map(|r| r.label)
        .unwrap_or_default();
    let set_href = app
        .links
        .api(&format!("iam/resource-sets/{}", member.set_id));
    let role_href = app.links.api(&format!("iam/roles/{}", member.role_id));
    Ok(json!({
        "id": member.id,
        "label": label,
        "type": "CUSTOM",
        "status": "ACTIVE",
        "created": Timestamp(member.created).to_iso(),
        "lastUpdated": Timestamp(member.last_updated).to_iso(),
        "assignmentType": member.principal_type,
        "resource-set": member.set_id,
        "role": member.role_id,
        "_links": {
            "assignee": { "href": crate::api::iam::member_href(app, member) },
            "resource-set": { "href": set_href },
            "role": { "href": role_href },
            "permissions": { "href": format!("{role_href}/permissions") },
            "member": {
                "href": format!("{set_href}/bindings/{}/members/{}", member.role_id, member.id)
            },
        },
    }))
}

/// A custom assignment of a principal (a binding member id, `irb...`), if `id` is one.
async fn find_custom(
    app: &AppState,
    principal: &Principal,
    id: &str,
) -> ApiResult<Option<store::BindingMemberRecord>> {
    Ok(app
        .store
        .binding_member(id)
        .await?
        .filter(|m| m.principal_type == principal.kind() && m.principal_id == principal.id()))
}

/// Assigns a custom role over a resource set (`{"type": "CUSTOM", "role", "resource-set"}`):
/// a member of the set's binding for the role, the binding made when there is none.
async fn assign_custom(
    app: &AppState,
    admin: &AdminToken,
    principal: &Principal,
    body: &AssignBody,
) -> ApiResult<Value> {
    let role_ref = body
        .role
        .as_deref()
        .ok_or_else(|| ApiError::invalid("role", "role: The field cannot be left blank"))?;
    let set_ref = body.resource_set.as_deref().ok_or_else(|| {
        ApiError::invalid(
            "resource-set",
            "resource-set: The field cannot be left blank",
        )
    })?;
    let role = app
        .store
        .iam_role(role_ref)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {role_ref} (Role)")))?;
    let set = app.store.resource_set(set_ref).await?.ok_or_else(|| {
        ApiError::not_found(format!("Resource not found: {set_ref} (ResourceSet)"))
    })?;
    let now = app.clock.now().millis();
    let member = store::BindingMemberRecord {
        id: format!("irb{}", model::ids::random_base62(17)),
        set_id: set.id.clone(),
        role_id: role.id.clone(),
        principal_type: principal.kind().into(),
        principal_id: principal.id().into(),
        created: now,
        last_updated: now,
    };
    let event = events::event(
        "iam.resourceset.bindings.add",
        "Add binding to resource set",
        &Actor::token(admin),
        vec![principal.event_target()],
        now,
    );
    // One transaction: two assignments at once cannot both create the binding or the member.
    if !app.store.bind_member(&member, &event).await? {
        return Err(ApiError::DuplicateRole);
    }
    app.tokens.forget("*");
    render_custom(app, &member).await
}

/// The body of an assignment (StandardRoleAssignmentSchema).
#[derive(Debug, Deserialize)]
struct AssignBody {
    #[serde(rename = "type")]
    role_type: Option<String>,
    /// CUSTOM: the custom role's id or label.
    role: Option<String>,
    /// CUSTOM: the resource set's id or label.
    #[serde(rename = "resource-set")]
    resource_set: Option<String>,
}

async fn assign(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path(principal): Path<String>,
    Json(body): Json<AssignBody>,
) -> ApiResult<Response> {
    let principal = Principal::of(&app, &uri, &principal).await?;
    if body.role_type.as_deref() == Some("CUSTOM") {
        let made = assign_custom(&app, &admin, &principal, &body).await?;
        let status = match principal {
            Principal::User(_) => StatusCode::CREATED,
            Principal::Group(_) | Principal::Client(..) => StatusCode::OK,
        };
        return Ok((status, Json(made)).into_response());
    }
    let role_type = body.role_type.unwrap_or_default();
    let Some(role) = standard_role(&role_type) else {
        let known: Vec<&str> = model::roles::STANDARD_ROLES
            .iter()
            .map(|r| r.role_type)
            .collect();
        return Err(ApiError::invalid(
            "type",
            format!(
                "type: '{role_type}' is not a standard role this server grants ({})",
                known.join(", ")
            ),
        ));
    };
    if let Principal::Group(group) = &principal {
        match group_type(group) {
            GroupType::BuiltIn => {
                let name = group
                    .profile
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return Err(ApiError::RoleToBuiltInGroup(name.to_owned()));
            }
            GroupType::OktaGroup => {}
            GroupType::AppGroup => return Err(ApiError::RoleToAppGroup(group.id.clone())),
        }
    }
    if let Principal::Client(client, _) = &principal {
        let service = client
            .definition
            .get("settings")
            .and_then(|s| s.get("oauthClient"))
            .and_then(|o| o.get("application_type"))
            .and_then(Value::as_str)
            == Some("service");
        if !service {
            return Err(ApiError::RoleToNonServiceApp);
        }
    }
    let now = app.clock.now().millis();
    let record = RoleAssignmentRecord {
        id: new_id(Kind::RoleAssignment),
        principal_type: principal.kind().into(),
        principal_id: principal.id().into(),
        role_type: role.role_type.into(),
        status: "ACTIVE".into(),
        created: now,
        last_updated: now,
    };
    let event = role_event(&admin, &principal, &record, true, now);
    match app
        .store
        .insert_role_assignment(&record, &[], &event)
        .await?
    {
        RoleInsert::Inserted => {}
        RoleInsert::Exists => return Err(ApiError::DuplicateRole),
    }
    app.tokens.forget("*");
    // A user's new role is 201 Created; a group's and a client's are 200 (the spec's
    // operations).
    let status = match principal {
        Principal::User(_) => StatusCode::CREATED,
        Principal::Group(_) | Principal::Client(..) => StatusCode::OK,
    };
    Ok((status, Json(render(&app, &record))).into_response())
}

/// The principal and one of its assignments; 404 when it holds no such assignment.
async fn find_role(
    app: &AppState,
    uri: &axum::http::Uri,
    principal: &str,
    role_id: &str,
) -> ApiResult<(Principal, RoleAssignmentRecord)> {
    let principal = Principal::of(app, uri, principal).await?;
    let role = app
        .store
        .role_assignment(principal.kind(), principal.id(), role_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {role_id} (Role)")))?;
    Ok((principal, role))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let who = Principal::of(&app, &uri, &principal).await?;
    if let Some(member) = find_custom(&app, &who, &role_id).await? {
        return Ok(Json(render_custom(&app, &member).await?));
    }
    let (_, role) = find_role(&app, &uri, &principal, &role_id).await?;
    Ok(Json(render(&app, &role)))
}

async fn unassign(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let who = Principal::of(&app, &uri, &principal).await?;
    if let Some(member) = find_custom(&app, &who, &role_id).await? {
        let now = app.clock.now().millis();
        let event = events::event(
            "iam.resourceset.bindings.delete",
            "Delete member from binding",
            &Actor::token(&admin),
            vec![who.event_target()],
            now,
        );
        app.store.remove_binding_member(&member.id, &event).await?;
        app.tokens.forget("*");
        return Ok(StatusCode::NO_CONTENT);
    }
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    let now = app.clock.now().millis();
    let event = role_event(&admin, &principal, &role, false, now);
    match app
        .store
        .delete_role_assignment(principal.kind(), principal.id(), &role.id, &event)
        .await?
    {
        RoleRemoval::Removed => {}
        RoleRemoval::NotFound => {
            return Err(ApiError::not_found(format!(
                "Resource not found: {role_id} (Role)"
            )))
        }
        RoleRemoval::LastSuperAdmin => return Err(last_super_admin()),
    }
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

fn last_super_admin() -> ApiError {
    ApiError::invalid(
        "role",
        "The org must keep a super administrator who can act: assign SUPER_ADMIN to another user \
         before removing this one.",
    )
}

/// The groups among targets, as Group objects (a deleted group is left out).
async fn render_groups(app: &AppState, targets: &[RoleTargetRecord]) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    for t in targets.iter().filter(|t| t.kind == "GROUP") {
        if let Some(group) = app.store.group_by_id(&t.target).await? {
            out.push(group_dto::render(&group, app));
        }
    }
    Ok(out)
}

/// The app targets as catalog entries: an app name (every instance) or one instance (`id`).
async fn render_apps(app: &AppState, targets: &[RoleTargetRecord]) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut by_name: HashMap<String, AppRecord> = HashMap::new();
    for t in targets.iter().filter(|t| t.kind != "GROUP") {
        let instance = if t.kind == "APP" {
            match app.store.app_by_id(&t.target).await? {
                Some(a) => Some(a),
                None => continue,
            }
        } else {
            None
        };
        let sample = match &instance {
            Some(a) => Some(a.clone()),
            None => match by_name.get(&t.app_name) {
                Some(a) => Some(a.clone()),
                None => {
                    let found = first_app_named(app, &t.app_name).await?;
                    if let Some(a) = &found {
                        by_name.insert(t.app_name.clone(), a.clone());
                    }
                    found
                }
            },
        };
        let display = match (&instance, &sample) {
            (Some(a), _) | (None, Some(a)) => a.label.clone(),
            (None, None) => t.app_name.clone(),
        };
        let modes: Vec<String> = sample.iter().map(|a| a.sign_on_mode.clone()).collect();
        let status = instance.as_ref().map_or("ACTIVE", |a| a.status.as_str());
        let mut links = json!({
            "logo": [{
                "name": "medium",
                "href": app.links.page("/assets/img/logos/default.png"),
                "type": "image/png",
            }],
        });
        if let (Some(a), Some(map)) = (&instance, links.as_object_mut()) {
            map.insert(
                "self".into(),
                json!({ "href": app.links.api(&format!("apps/{}", a.id)) }),
            );
        }
        let mut entry = json!({
            "name": t.app_name,
            "displayName": display,
            "description": "",
            "status": status,
            "lastUpdated": Timestamp(t.created).to_iso(),
            "category": "",
            "verificationStatus": "",
            "website": "",
            "signOnModes": modes,
            "features": [],
            "_links": links,
        });
        if let (Some(a), Some(map)) = (&instance, entry.as_object_mut()) {
            map.insert("id".into(), json!(a.id));
        }
        out.push(entry);
    }
    Ok(out)
}

/// One app instance with this name, if any.
async fn first_app_named(app: &AppState, name: &str) -> ApiResult<Option<AppRecord>> {
    let filter = model::expr::apps::parse_filter(&format!(
        "name eq \"{}\"",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    ))?;
    Ok(app
        .store
        .list_apps(&store::AppQuery {
            filter: Some(filter),
            after: None,
            limit: 1,
        })
        .await?
        .into_iter()
        .next())
}

async fn group_targets(
    State(app): State<AppState>,
    _admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    let (_, role) = find_role(&app, &uri, &principal, &role_id).await?;
    let targets = app.store.role_targets(&role.id).await?;
    Ok(Json(render_groups(&app, &targets).await?))
}

async fn app_targets(
    State(app): State<AppState>,
    _admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    let (_, role) = find_role(&app, &uri, &principal, &role_id).await?;
    let targets = app.store.role_targets(&role.id).await?;
    Ok(Json(render_apps(&app, &targets).await?))
}

/// Checks that the role takes targets of `kind` (E0000091 when not).
fn takes(role: &RoleAssignmentRecord, kind: TargetKind) -> ApiResult<()> {
    match standard_role(&role.role_type) {
        Some(r) if r.targets == kind => Ok(()),
        _ => Err(ApiError::RoleTypeMismatch),
    }
}

/// A target change event: the principal, and what the target names.
fn target_event(
    admin: &AdminToken,
    principal: &Principal,
    role: &RoleAssignmentRecord,
    target: Value,
    now: i64,
) -> store::EventRecord {
    let mut event = role_event(admin, principal, role, true, now);
    if let Some(targets) = event.body.get_mut("target").and_then(Value::as_array_mut) {
        targets.push(target);
    }
    event
}

async fn add_target(
    app: &AppState,
    admin: &AdminToken,
    principal: &Principal,
    role: &RoleAssignmentRecord,
    target: RoleTargetRecord,
    replaces: Option<&str>,
    event_target: Value,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let event = target_event(admin, principal, role, event_target, now);
    app.store.add_role_target(&target, replaces, &event).await?;
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_target(
    app: &AppState,
    admin: &AdminToken,
    principal: &Principal,
    role: &RoleAssignmentRecord,
    kind: &str,
    target: &str,
    event_target: Value,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let mut event = role_event(admin, principal, role, false, now);
    if let Some(targets) = event.body.get_mut("target").and_then(Value::as_array_mut) {
        targets.push(event_target);
    }
    match app
        .store
        .remove_role_target(&role.id, kind, target, &event)
        .await?
    {
        TargetRemoval::Removed => {}
        TargetRemoval::NotFound => {
            return Err(ApiError::not_found(format!(
                "Resource not found: {target} (Target)"
            )))
        }
        TargetRemoval::LastTarget => {
            return Err(ApiError::invalid(
                "target",
                "A role assignment keeps at least one target: delete the assignment to have \
                 the role apply to the whole org.",
            ))
        }
    }
    app.tokens.forget("*");
    Ok(StatusCode::NO_CONTENT)
}

async fn add_group_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, group_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Groups)?;
    let group = find_group(&app, &group_id).await?;
    let now = app.clock.now().millis();
    let target = RoleTargetRecord {
        assignment_id: role.id.clone(),
        kind: "GROUP".into(),
        target: group.id.clone(),
        app_name: String::new(),
        created: now,
    };
    add_target(
        &app,
        &admin,
        &principal,
        &role,
        target,
        None,
        events::group_target(&group),
    )
    .await
}

async fn remove_group_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, group_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Groups)?;
    let target = json!({"id": group_id, "type": "UserGroup"});
    remove_target(&app, &admin, &principal, &role, "GROUP", &group_id, target).await
}

fn catalog_target(name: &str) -> Value {
    json!({"id": name, "type": "AppInstance", "alternateId": name, "displayName": name})
}

async fn add_app_name_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, app_name)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Apps)?;
    if first_app_named(&app, &app_name).await?.is_none() {
        return Err(ApiError::not_found(format!(
            "Resource not found: {app_name} (App)"
        )));
    }
    let now = app.clock.now().millis();
    let target = RoleTargetRecord {
        assignment_id: role.id.clone(),
        kind: "APP_NAME".into(),
        target: app_name.clone(),
        app_name: app_name.clone(),
        created: now,
    };
    // Every instance of the app: the instance targets of that app are covered now.
    add_target(
        &app,
        &admin,
        &principal,
        &role,
        target,
        Some("APP"),
        catalog_target(&app_name),
    )
    .await
}

async fn remove_app_name_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, app_name)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Apps)?;
    let target = catalog_target(&app_name);
    remove_target(
        &app, &admin, &principal, &role, "APP_NAME", &app_name, target,
    )
    .await
}

async fn add_app_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, app_name, app_id)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Apps)?;
    let instance = find_app(&app, &app_id).await?;
    if instance.name != app_name {
        return Err(ApiError::not_found(format!(
            "Resource not found: {app_id} (AppInstance)"
        )));
    }
    let now = app.clock.now().millis();
    let target = RoleTargetRecord {
        assignment_id: role.id.clone(),
        kind: "APP".into(),
        target: instance.id.clone(),
        app_name: instance.name.clone(),
        created: now,
    };
    // One instance: it replaces a target on every instance of the same app.
    add_target(
        &app,
        &admin,
        &principal,
        &role,
        target,
        Some("APP_NAME"),
        events::app_target(&instance),
    )
    .await
}

async fn remove_app_target(
    State(app): State<AppState>,
    admin: AdminToken,
    uri: axum::http::Uri,
    Path((principal, role_id, _app_name, app_id)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (principal, role) = find_role(&app, &uri, &principal, &role_id).await?;
    takes(&role, TargetKind::Apps)?;
    let target = json!({"id": app_id, "type": "AppInstance"});
    remove_target(&app, &admin, &principal, &role, "APP", &app_id, target).await
}
