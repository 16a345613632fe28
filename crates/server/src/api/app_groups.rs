//! Application groups (`/api/v1/apps/{appId}/groups`, the ApplicationGroups tag; apps.md
//! "Application group operations"): assign (PUT, with `priority` and `profile`), get (with
//! `expand=group`), list (`q` on the group name, `expand=group`, keyset pages), update (PATCH
//! with JSON Patch operations on `/priority` and `/profile`), unassign (204).
//!
//! Assigning a group gives every member the app with scope GROUP, and unassigning it takes
//! the app away from members who have it only through that group; neither copies anything:
//! the members are read from the group when the app's users are asked for.
//!
//! `priority` is an integer from 0 to 100 (the reference's bounds); left out, a new
//! assignment takes the next priority after the app's highest and an existing one keeps its
//! own.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{Map, Value};
use store::{AppGroupRecord, GroupRecord, PageKey};

use crate::api::apps::find_app;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::app as dto;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{app_id}/groups", get(list))
        .route(
            "/apps/{app_id}/groups/{group_id}",
            get(get_one).put(assign).patch(patch).delete(unassign),
        )
}

/// `ApplicationGroupAssignment` in a request.
#[derive(Debug, Clone, Default, Deserialize)]
struct AssignmentIn {
    priority: Option<Value>,
    profile: Option<Value>,
}

fn priority(value: Option<&Value>) -> ApiResult<Option<i64>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(p) if (0..=100).contains(&p) => Ok(Some(p)),
            _ => Err(ApiError::invalid(
                "priority",
                "priority: The priority must be a whole number from 0 to 100",
            )),
        },
    }
}

fn profile(value: Option<&Value>) -> ApiResult<Option<Map<String, Value>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(p)) => Ok(Some(p.clone())),
        Some(_) => Err(ApiError::invalid(
            "profile",
            "profile: The field must be an object",
        )),
    }
}

async fn find_group(app: &AppState, id: &str) -> ApiResult<GroupRecord> {
    app.store
        .group_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (UserGroup)")))
}

fn not_assigned(group_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource not found: {group_id} (ApplicationGroupAssignment)"
    ))
}

fn targets(app: &store::AppRecord, group: &GroupRecord) -> Vec<Value> {
    vec![events::app_target(app), events::group_target(group)]
}

/// Checks an assignment's profile against the app's app-user schema, which its members'
/// app profiles follow (values it held before and keeps are not refused).
async fn check_profile(
    app: &AppState,
    app_id: &str,
    profile: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> ApiResult<()> {
    let schema = crate::api::schemas::app_schema(app, app_id).await?;
    model::schemas::check_profile(model::schemas::Target::App, &schema, profile, previous)?;
    Ok(())
}

/// Assigns a group, or replaces its assignment's priority and profile
/// (assignGroupToApplication).
async fn assign(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, group_id)): Path<(String, String)>,
    Json(body): Json<AssignmentIn>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let group = find_group(&app, &group_id).await?;
    let priority = priority(body.priority.as_ref())?;
    let profile = profile(body.profile.as_ref())?.unwrap_or_default();
    let existing = app.store.app_group(&record.id, &group.id).await?;
    check_profile(
        &app,
        &record.id,
        &profile,
        existing.as_ref().map(|e| &e.profile),
    )
    .await?;
    let (kind, display) = if existing.is_some() {
        (
            "group.application_assignment.update",
            "Update assigned application of group",
        )
    } else {
        (
            "group.application_assignment.add",
            "Add assigned application to group",
        )
    };
    let event = events::event(
        kind,
        display,
        &Actor::token(&admin),
        targets(&record, &group),
        now,
    );
    let row = app
        .store
        .assign_app_group(&record.id, &group.id, priority, Some(&profile), now, &event)
        .await?;
    Ok(Json(dto::render_app_group(&row, &app, None)))
}

#[derive(Debug, Deserialize)]
struct ExpandParams {
    expand: Option<String>,
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((app_id, group_id)): Path<(String, String)>,
    Query(params): Query<ExpandParams>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let row = app
        .store
        .app_group(&record.id, &group_id)
        .await?
        .ok_or_else(|| not_assigned(&group_id))?;
    let group = if params.expand.as_deref() == Some("group") {
        app.store.group_by_id(&group_id).await?
    } else {
        None
    };
    Ok(Json(dto::render_app_group(&row, &app, group.as_ref())))
}

/// One JSON Patch operation (`JsonPatchOperation`).
#[derive(Debug, Clone, Deserialize)]
struct PatchOp {
    op: Option<String>,
    path: Option<String>,
    value: Option<Value>,
}

/// Applies JSON Patch operations to `{priority, profile}`.
fn apply_patch(row: &AppGroupRecord, ops: &[PatchOp]) -> ApiResult<(i64, Map<String, Value>)> {
    let mut priority_value = row.priority;
    let mut profile_value = row.profile.clone();
    let bad = |cause: String| ApiError::invalid("JsonPatchOperation", cause);
    for op in ops {
        let kind = op.op.as_deref().unwrap_or_default();
        let path = op.path.as_deref().unwrap_or_default();
        let segments: Vec<String> = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        match (kind, segments.as_slice()) {
            ("add" | "replace", [field]) if field == "priority" => {
                priority_value = priority(op.value.as_ref())?
                    .ok_or_else(|| bad("value: The priority cannot be left blank".into()))?;
            }
            ("add" | "replace", [field]) if field == "profile" => {
                profile_value = profile(op.value.as_ref())?.unwrap_or_default();
            }
            ("remove", [field]) if field == "profile" => profile_value = Map::new(),
            ("add" | "replace", [field, key]) if field == "profile" => {
                profile_value.insert(key.clone(), op.value.clone().unwrap_or(Value::Null));
            }
            ("remove", [field, key]) if field == "profile" => {
                profile_value.remove(key);
            }
            ("add" | "replace" | "remove", _) => {
                return Err(bad(format!(
                    "path: '{path}' is not one of /priority, /profile, /profile/{{name}}"
                )))
            }
            _ => {
                return Err(bad(format!(
                    "op: '{kind}' is not one of: add, replace, remove"
                )))
            }
        }
    }
    Ok((priority_value, profile_value))
}

/// Updates an assignment with JSON Patch (updateGroupAssignmentToApplication).
async fn patch(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, group_id)): Path<(String, String)>,
    Json(ops): Json<Value>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let ops: Vec<PatchOp> = match ops {
        Value::Array(_) => serde_json::from_value(ops).map_err(|_| ApiError::MalformedBody)?,
        Value::Object(o) if o.is_empty() => Vec::new(),
        _ => return Err(ApiError::MalformedBody),
    };
    let record = find_app(&app, &app_id).await?;
    let row = app
        .store
        .app_group(&record.id, &group_id)
        .await?
        .ok_or_else(|| not_assigned(&group_id))?;
    let group = find_group(&app, &group_id).await?;
    let (priority_value, profile_value) = apply_patch(&row, &ops)?;
    check_profile(&app, &record.id, &profile_value, Some(&row.profile)).await?;
    let event = events::event(
        "group.application_assignment.update",
        "Update assigned application of group",
        &Actor::token(&admin),
        targets(&record, &group),
        now,
    );
    let saved = app
        .store
        .assign_app_group(
            &record.id,
            &group.id,
            Some(priority_value),
            Some(&profile_value),
            now,
            &event,
        )
        .await?;
    Ok(Json(dto::render_app_group(&saved, &app, None)))
}

/// Unassigns a group (unassignApplicationFromGroup): 204.
async fn unassign(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, group_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let group = find_group(&app, &group_id)
        .await
        .map_err(|_| not_assigned(&group_id))?;
    let event = events::event(
        "group.application_assignment.remove",
        "Remove assigned application from group",
        &Actor::token(&admin),
        targets(&record, &group),
        now,
    );
    if !app
        .store
        .delete_app_group(&record.id, &group.id, &event)
        .await?
    {
        return Err(not_assigned(&group_id));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    expand: Option<String>,
}

/// Lists the app's group assignments by group id (listApplicationGroupAssignments).
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 20, 200)?;
    let record = find_app(&app, &app_id).await?;
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut rows = app
        .store
        .list_app_groups(
            &record.id,
            q,
            page.after.as_ref().map(|k| k.id.as_str()),
            page.limit,
        )
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|r| {
        PageKey {
            key: Value::Null,
            id: r.group_id.clone(),
        }
        .encode()
    });
    // `expand=group` reads the page's groups in one query.
    let groups: std::collections::HashMap<String, store::GroupRecord> =
        if params.expand.as_deref() == Some("group") {
            let ids: Vec<String> = rows.iter().map(|r| r.group_id.clone()).collect();
            app.store
                .groups_by_ids(&ids)
                .await?
                .into_iter()
                .map(|g| (g.id.clone(), g))
                .collect()
        } else {
            std::collections::HashMap::new()
        };
    let body: Vec<_> = rows
        .iter()
        .map(|row| dto::render_app_group(row, &app, groups.get(&row.group_id)))
        .collect();
    let mut echo = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("expand", &params.expand),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api(&format!("apps/{}/groups", record.id)),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}
