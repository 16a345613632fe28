//! Application users (`/api/v1/apps/{appId}/users`, the ApplicationUsers tag; apps.md
//! "Application user operations"): assign, get, list (`q`, `expand=user`, keyset pages),
//! update credentials or profile, unassign; and the user's app links
//! (`/api/v1/users/{id}/appLinks`, users.md "Get Assigned App Links").
//!
//! A user has an app directly (scope USER) or through any assigned group it is a member of
//! (scope GROUP); both are read from the store as they are at the time of the request.
//! Assigning a user who has the app through a group makes the assignment direct; updating
//! such a user keeps scope GROUP and stores only the user's own username, password or
//! profile; unassigning a direct user who also has a group keeps the group assignment, and
//! unassigning a user who has the app only through a group is refused (E0000046).
//! Passwords are sealed before they are stored and never rendered (`password: {}`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use model::apps::app_user::{check_credentials, Scope};
use model::apps::SignOnMode;
use model::error::{DomainError, Forbidden};
use serde::Deserialize;
use serde_json::{Map, Value};
use store::{AppRecord, AppUserQuery, AppUserRecord, AppUserRow, PageKey, UserRecord};

use crate::api::apps::find_app;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::app as dto;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{app_id}/users", get(list).post(assign))
        .route(
            "/apps/{app_id}/users/{user_id}",
            get(get_one).post(update).delete(unassign),
        )
}

/// `AppUserCredentials` in a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsIn {
    user_name: Option<String>,
    password: Option<PasswordIn>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct PasswordIn {
    value: Option<String>,
}

/// `AppUserAssignRequest` / `AppUserUpdateRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
struct AppUserRequest {
    id: Option<String>,
    scope: Option<String>,
    credentials: Option<CredentialsIn>,
    profile: Option<Map<String, Value>>,
}

impl AppUserRequest {
    fn user_name(&self) -> Option<&str> {
        self.credentials
            .as_ref()
            .and_then(|c| c.user_name.as_deref())
            .filter(|s| !s.is_empty())
    }

    fn password(&self) -> Option<&str> {
        self.credentials
            .as_ref()
            .and_then(|c| c.password.as_ref())
            .and_then(|p| p.value.as_deref())
            .filter(|s| !s.is_empty())
    }
}

fn not_assigned(user_id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {user_id} (AppUser)"))
}

/// Checks the request's credentials against the app's mode and scheme.
fn check(app: &AppRecord, body: &AppUserRequest) -> ApiResult<()> {
    let mode = SignOnMode::parse(&app.sign_on_mode).ok_or(ApiError::Internal)?;
    let scheme = app
        .definition
        .get("credentials")
        .and_then(|c| c.get("scheme"))
        .and_then(Value::as_str);
    Ok(check_credentials(
        mode,
        scheme,
        body.user_name(),
        body.password(),
    )?)
}

/// The user named in a path or body, or 404.
async fn find_user(app: &AppState, id: &str) -> ApiResult<UserRecord> {
    app.store
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (User)")))
}

/// The user's assignment as stored now, rendered (after a write).
async fn rendered(app: &AppState, record: &AppRecord, user_id: &str) -> ApiResult<Json<Value>> {
    let found = app
        .store
        .app_user(&record.id, user_id)
        .await?
        .ok_or_else(|| not_assigned(user_id))?;
    Ok(Json(dto::render_app_user(record, &found, app, false)))
}

/// The row a write stores: the current one with the request's changes.
fn next_row(
    app: &AppState,
    record: &AppRecord,
    user: &UserRecord,
    current: Option<&AppUserRecord>,
    body: &AppUserRequest,
    direct: bool,
    now: i64,
) -> AppUserRow {
    let old = current.and_then(|c| c.row.clone());
    let was_direct = old.as_ref().is_some_and(|r| r.direct);
    let created = match &old {
        Some(r) if r.direct || !direct => r.created,
        _ => now,
    };
    let password = body
        .password()
        .map(|p| app.sealer.seal(&crypto::SecretString::from(p.to_owned())));
    AppUserRow {
        app_id: record.id.clone(),
        user_id: user.id.clone(),
        direct,
        created,
        last_updated: now,
        status_changed: if direct && !was_direct {
            now
        } else {
            old.as_ref().map_or(now, |r| r.status_changed)
        },
        password_changed: if password.is_some() {
            Some(now)
        } else {
            old.as_ref().and_then(|r| r.password_changed)
        },
        user_name: body
            .user_name()
            .map(str::to_owned)
            .or_else(|| old.as_ref().and_then(|r| r.user_name.clone())),
        password_sealed: password.or_else(|| old.as_ref().and_then(|r| r.password_sealed.clone())),
        profile: body
            .profile
            .clone()
            .or_else(|| old.as_ref().map(|r| r.profile.clone()))
            .unwrap_or_default(),
    }
}

/// Checks the row's profile against the app's app-user schema (values it held before and
/// keeps are not refused for being undeclared).
async fn check_profile(
    app: &AppState,
    record: &AppRecord,
    row: &AppUserRow,
    current: Option<&AppUserRecord>,
) -> ApiResult<()> {
    let schema = crate::api::schemas::app_schema(app, &record.id).await?;
    let previous = current.and_then(|c| c.row.as_ref()).map(|r| &r.profile);
    model::schemas::check_profile(model::schemas::Target::App, &schema, &row.profile, previous)?;
    Ok(())
}

fn targets(record: &AppRecord, user: &UserRecord, user_name: &str) -> Vec<Value> {
    vec![
        events::app_user_target(user, user_name),
        events::app_target(record),
        events::user_target(user),
    ]
}

/// Assigns a user (assignUserToApplication).
async fn assign(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    Json(body): Json<AppUserRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let user_id = body
        .id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("id", "id: The field cannot be left blank"))?;
    let user = find_user(&app, &user_id).await?;
    if user.status == "DEPROVISIONED" {
        return Err(DomainError::Forbidden(Forbidden::AssignInactiveUser).into());
    }
    let scope = Scope::parse(body.scope.as_deref())?;
    check(&record, &body)?;
    let current = app.store.app_user(&record.id, &user.id).await?;
    let through_groups = current.as_ref().is_some_and(|c| !c.via.is_empty());
    if scope == Scope::Group && !through_groups {
        return Err(ApiError::invalid(
            "scope",
            "scope: The user is not a member of any group assigned to this application",
        ));
    }
    let already_direct = current.as_ref().is_some_and(AppUserRecord::direct);
    let direct = scope == Scope::User || already_direct;
    let row = next_row(&app, &record, &user, current.as_ref(), &body, direct, now);
    check_profile(&app, &record, &row, current.as_ref()).await?;
    let (kind, display) = if current.is_some() {
        (
            "application.user_membership.update",
            "Update user's application membership",
        )
    } else {
        (
            "application.user_membership.add",
            "Add user to application membership",
        )
    };
    let user_name = row.user_name.clone().unwrap_or_default();
    let event = events::event(
        kind,
        display,
        &Actor::token(&admin),
        targets(&record, &user, &user_name),
        now,
    );
    app.store.put_app_user(&row, &event).await?;
    rendered(&app, &record, &user.id).await
}

#[derive(Debug, Deserialize)]
struct ExpandParams {
    expand: Option<String>,
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((app_id, user_id)): Path<(String, String)>,
    Query(params): Query<ExpandParams>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let found = app
        .store
        .app_user(&record.id, &user_id)
        .await?
        .ok_or_else(|| not_assigned(&user_id))?;
    let expand = params.expand.as_deref() == Some("user");
    Ok(Json(dto::render_app_user(&record, &found, &app, expand)))
}

/// Updates credentials or profile (updateApplicationUser).
async fn update(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, user_id)): Path<(String, String)>,
    Json(body): Json<AppUserRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let current = app
        .store
        .app_user(&record.id, &user_id)
        .await?
        .ok_or_else(|| not_assigned(&user_id))?;
    if current.user.status == "DEPROVISIONED" {
        return Err(DomainError::Forbidden(Forbidden::AssignInactiveUser).into());
    }
    check(&record, &body)?;
    let user = current.user.clone();
    let row = next_row(
        &app,
        &record,
        &user,
        Some(&current),
        &body,
        current.direct(),
        now,
    );
    check_profile(&app, &record, &row, Some(&current)).await?;
    let (kind, display) = if body.password().is_some() {
        (
            "application.user_membership.change_password",
            "Change user's application password",
        )
    } else if body.user_name().is_some() {
        (
            "application.user_membership.change_username",
            "Change user's application username",
        )
    } else {
        (
            "application.user_membership.update",
            "Update user's application membership",
        )
    };
    let user_name = dto::app_user_name(&record, &current);
    let event = events::event(
        kind,
        display,
        &Actor::token(&admin),
        targets(&record, &user, &user_name),
        now,
    );
    app.store.put_app_user(&row, &event).await?;
    rendered(&app, &record, &user.id).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnassignParams {
    send_email: Option<String>,
}

/// Unassigns a user (unassignUserFromApplication): 204.
async fn unassign(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, user_id)): Path<(String, String)>,
    Query(params): Query<UnassignParams>,
) -> ApiResult<StatusCode> {
    let _ = crate::api::users::flag(params.send_email.as_deref(), false);
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let current = app
        .store
        .app_user(&record.id, &user_id)
        .await?
        .ok_or_else(|| not_assigned(&user_id))?;
    if !current.direct() {
        return Err(DomainError::Forbidden(Forbidden::UnassignGroupAppUser).into());
    }
    let user_name = dto::app_user_name(&record, &current);
    let event = events::event(
        "application.user_membership.remove",
        "Remove user from application membership",
        &Actor::token(&admin),
        targets(&record, &current.user, &user_name),
        now,
    );
    if current.via.is_empty() {
        app.store
            .delete_app_user(&record.id, &current.user.id, &event)
            .await?;
    } else if let Some(row) = &current.row {
        // Still assigned through a group: the assignment becomes scope GROUP.
        let kept = AppUserRow {
            direct: false,
            last_updated: now,
            ..row.clone()
        };
        app.store.put_app_user(&kept, &event).await?;
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

/// Lists the app's users by user id (listApplicationUsers).
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 50, 500)?;
    let record = find_app(&app, &app_id).await?;
    let mut rows = app
        .store
        .list_app_users(&AppUserQuery {
            app_id: record.id.clone(),
            q: params
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            after: page.after.as_ref().map(|k| k.id.clone()),
            limit: page.limit,
        })
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|r| {
        PageKey {
            key: Value::Null,
            id: r.user.id.clone(),
        }
        .encode()
    });
    let expand = params.expand.as_deref() == Some("user");
    let body: Vec<Value> = rows
        .iter()
        .map(|r| dto::render_app_user(&record, r, &app, expand))
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
        &app.links.api(&format!("apps/{}/users", record.id)),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// The app links of every ACTIVE app the user has, directly or through a group
/// (listAppLinks), in app creation order.
pub async fn app_links(app: &AppState, user: &UserRecord) -> ApiResult<Vec<Value>> {
    let mut links = Vec::new();
    let mut sort_order = 0;
    let mut after = None;
    loop {
        let mut page = app
            .store
            .list_apps(&store::AppQuery {
                filter: Some(model::expr::Resolved::And(vec![
                    model::expr::apps::assigned_to_user(&user.id),
                    model::expr::apps::parse_filter(r#"status eq "ACTIVE""#)?,
                ])),
                after: after.clone(),
                limit: 200,
            })
            .await?;
        let more = page.len() > 200;
        page.truncate(200);
        after = page.last().map(|a| PageKey {
            key: serde_json::json!(a.created),
            id: a.id.clone(),
        });
        let ids: Vec<String> = page.iter().map(|a| a.id.clone()).collect();
        let assignments = app.store.user_app_assignments(&user.id, &ids).await?;
        for a in &page {
            if let Some(assignment) = assignments.iter().find(|r| r.app_id == a.id) {
                links.extend(dto::render_app_links(a, assignment, app, &mut sort_order));
            }
        }
        if !more {
            return Ok(links);
        }
    }
}
