//! Groups (`/api/v1/groups`, the Group tag of the spec; groups.md, "Group operations" and
//! "Group member operations"): add, get, list (q / filter / search with keyset pages and
//! `expand`), replace, delete; list, add and remove members (the group's apps are listed by `api::apps`).
//!
//! Which change each group type allows is the table in `model::groups::group`; this module
//! only applies its answer. Group rules (`/groups/rules/...`) live in their own module; the
//! router prefers those static paths over `/groups/{groupId}`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use store::{GroupQuery, GroupRecord, PageKey, UserRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::group::{self as dto, AddGroupRequest, Expand};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::expr::groups as rules;
use model::groups::group::{check, validate_profile};
use model::groups::{GroupChange, GroupType};
use model::ids::{new_id, Kind};
use model::schemas::Target;

/// List Groups: no `limit` gives 10000 groups a page (groups.md's default) and at most 10000
/// are allowed (the spec's maximum); a `q` answer defaults to 300 (the spec's `q` note).
const GROUPS_DEFAULT_LIMIT: u32 = 10_000;
const GROUPS_MAX_LIMIT: u32 = 10_000;
const Q_DEFAULT_LIMIT: u32 = 300;
/// List Group Members: 1000 users a page by default (the spec's default).
const MEMBERS_DEFAULT_LIMIT: u32 = 1_000;
const MEMBERS_MAX_LIMIT: u32 = 10_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list).post(create))
        .route(
            "/groups/{group_id}",
            get(get_one).put(replace).delete(delete_group),
        )
        .route("/groups/{group_id}/users", get(list_members))
        .route(
            "/groups/{group_id}/users/{user_id}",
            put(add_member).delete(remove_member),
        )
}

/// Finds a group by id; unknown → 404 E0000007 naming a `UserGroup`, as Okta does.
pub async fn find_group(app: &AppState, id: &str) -> ApiResult<GroupRecord> {
    let found = if model::ids::looks_like(Kind::Group, id) {
        app.store.group_by_id(id).await?
    } else {
        None
    };
    found.ok_or_else(|| group_not_found(id))
}

pub fn group_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (UserGroup)"))
}

/// Finds a user by id (membership and owner paths take ids only); unknown → 404 E0000007.
pub async fn find_user_by_id(app: &AppState, id: &str) -> ApiResult<UserRecord> {
    let found = if model::ids::looks_like(Kind::User, id) {
        app.store.user_by_id(id).await?
    } else {
        None
    };
    found.ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (User)")))
}

/// The group's type as the change table reads it. A stored type this server does not know is
/// treated as built-in: nothing may change it.
pub fn group_type(group: &GroupRecord) -> GroupType {
    GroupType::parse(&group.group_type).unwrap_or(GroupType::BuiltIn)
}

/// Adds an `OKTA_GROUP`; the profile needs a name no other group has (ignoring case).
async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<AddGroupRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let profile = validate_profile(&body.profile.unwrap_or_default())?;
    let schema = crate::api::schemas::group_schema(&app).await?;
    model::schemas::check_profile(Target::Group, &schema, &profile, None)?;
    let group = GroupRecord {
        id: new_id(Kind::Group),
        group_type: GroupType::OktaGroup.as_str().into(),
        created: now,
        last_updated: now,
        last_membership_updated: now,
        profile,
        source_id: None,
    };
    let event = events::event(
        "group.lifecycle.create",
        "Create Okta group",
        &Actor::token(&admin),
        vec![events::group_target(&group)],
        now,
    );
    if let Err(err) = app.store.insert_group(&group, &event).await {
        return Err(
            crate::api::schemas::refused(&app, err, "group", &schema, &group.profile).await,
        );
    }
    Ok(Json(dto::render(&group, &app)))
}

#[derive(Debug, Deserialize)]
struct GetParams {
    expand: Option<String>,
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(group_id): Path<String>,
    Query(params): Query<GetParams>,
) -> ApiResult<Json<Value>> {
    let group = find_group(&app, &group_id).await?;
    let expand = Expand::parse(params.expand.as_deref());
    let body = if expand.stats {
        let stats = group_stats(&app, std::slice::from_ref(&group)).await?;
        dto::render_expanded(&group, &app, Some(stats_of(&stats, &group.id)))
    } else {
        dto::render(&group, &app)
    };
    Ok(Json(body))
}

/// Replaces the profile of an `OKTA_GROUP` (every property must be sent; those left out are
/// removed).
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(group_id): Path<String>,
    Json(body): Json<AddGroupRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let mut group = find_group(&app, &group_id).await?;
    check(group_type(&group), GroupChange::UpdateProfile)?;
    let profile = validate_profile(&body.profile.unwrap_or_default())?;
    let schema = crate::api::schemas::group_schema(&app).await?;
    model::schemas::check_profile(Target::Group, &schema, &profile, Some(&group.profile))?;
    group.profile = profile;
    group.last_updated = now;
    let event = events::event(
        "group.profile.update",
        "Update Okta group profile",
        &Actor::token(&admin),
        vec![events::group_target(&group)],
        now,
    );
    match app.store.update_group(&group, &event).await {
        Ok(()) => {}
        Err(store::StoreError::NotFound) => return Err(group_not_found(&group.id)),
        Err(err) => {
            return Err(
                crate::api::schemas::refused(&app, err, "group", &schema, &group.profile).await,
            )
        }
    }
    Ok(Json(dto::render(&group, &app)))
}

/// Deletes an `OKTA_GROUP` or `APP_GROUP` with its memberships and owners.
async fn delete_group(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(group_id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let group = find_group(&app, &group_id).await?;
    check(group_type(&group), GroupChange::Delete)?;
    let event = events::event(
        "group.lifecycle.delete",
        "Delete Okta group",
        &Actor::token(&admin),
        vec![events::group_target(&group)],
        now,
    );
    if !app.store.delete_group(&group.id, &event).await? {
        return Err(group_not_found(&group.id));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    filter: Option<String>,
    search: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    expand: Option<String>,
    #[serde(rename = "sortBy")]
    sort_by: Option<String>,
    #[serde(rename = "sortOrder")]
    sort_order: Option<String>,
}

/// Lists groups: all (by id), `q` (name prefix, by name, one page), `filter` or `search`
/// (with `sortBy`). Pages are keyset scans; `next` is present exactly when more remain.
async fn list(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let text = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let (q, filter, search) = (text(&params.q), text(&params.filter), text(&params.search));
    let default_limit = if q.is_some() && search.is_none() && filter.is_none() {
        Q_DEFAULT_LIMIT
    } else {
        GROUPS_DEFAULT_LIMIT
    };
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        default_limit,
        GROUPS_MAX_LIMIT,
    )?;
    let (expr, sort, pages) = if let Some(s) = &search {
        let sort = match params.sort_by.as_deref().filter(|s| !s.is_empty()) {
            Some(by) => Some(rules::parse_sort(by, params.sort_order.as_deref())?),
            None => None,
        };
        (Some(rules::parse_search(s)?), sort, true)
    } else if let Some(f) = &filter {
        (Some(rules::parse_filter(f)?), None, true)
    } else if let Some(q) = &q {
        // `q` answers one page: no `next` (groups.md, "Find Groups").
        (Some(rules::find(q.trim())), Some(rules::find_sort()), false)
    } else {
        (None, None, true)
    };
    // An administrator limited to groups sees those groups only.
    let expr = match &admin.access {
        crate::authz::Access::All => expr,
        crate::authz::Access::Limited(limit) => {
            let only = rules::parse_filter(&crate::authz::any_id_filter(&limit.groups, &[]))?;
            Some(match expr {
                Some(e) => model::expr::Resolved::And(vec![e, only]),
                None => only,
            })
        }
    };
    let query = GroupQuery {
        filter: expr,
        sort: sort.clone(),
        after: page.after.clone(),
        limit: page.limit,
    };
    let mut rows = app.store.list_groups(&query).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = if more && pages {
        rows.last()
            .map(|g| store::group_page_key_for(g, sort.as_ref()).encode())
    } else {
        None
    };
    let expand = Expand::parse(params.expand.as_deref());
    let body: Vec<Value> = if expand.stats {
        let stats = group_stats(&app, &rows).await?;
        rows.iter()
            .map(|g| dto::render_expanded(g, &app, Some(stats_of(&stats, &g.id))))
            .collect()
    } else {
        rows.iter().map(|g| dto::render(g, &app)).collect()
    };
    let mut echo = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("filter", &params.filter),
        ("search", &params.search),
        ("expand", &params.expand),
        ("sortBy", &params.sort_by),
        ("sortOrder", &params.sort_order),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("groups"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// Member counts of `groups`, in one query.
/// The `expand=stats` figures of a page of groups: two queries for the whole page.
async fn group_stats(
    app: &AppState,
    groups: &[GroupRecord],
) -> ApiResult<HashMap<String, dto::GroupStats>> {
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let mut stats: HashMap<String, dto::GroupStats> = HashMap::new();
    for (id, users) in app.store.group_member_counts(&ids).await? {
        stats.entry(id).or_default().users = users;
    }
    for id in app.store.groups_with_roles(&ids).await? {
        stats.entry(id).or_default().admin = true;
    }
    Ok(stats)
}

fn stats_of(stats: &HashMap<String, dto::GroupStats>, id: &str) -> dto::GroupStats {
    stats.get(id).copied().unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct PageParams {
    limit: Option<String>,
    after: Option<String>,
}

/// The group's members (`User` objects as the user list renders them), by user id.
async fn list_members(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(group_id): Path<String>,
    Query(params): Query<PageParams>,
) -> ApiResult<Response> {
    let group = find_group(&app, &group_id).await?;
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        MEMBERS_DEFAULT_LIMIT,
        MEMBERS_MAX_LIMIT,
    )?;
    let after = page.after.as_ref().map(|k| k.id.as_str());
    let mut rows = app
        .store
        .list_group_members(&group.id, after, page.limit)
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|u| {
        PageKey {
            key: Value::Null,
            id: u.id.clone(),
        }
        .encode()
    });
    let body: Vec<Value> = rows
        .iter()
        .map(|u| crate::wire::dto::user::render(u, &app, false))
        .collect();
    let mut headers = HeaderMap::new();
    let query = params.limit.map(|l| vec![("limit", l)]).unwrap_or_default();
    link_headers(
        &mut headers,
        &app.links.api(&format!("groups/{}/users", group.id)),
        &query,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// Adds a user to an `OKTA_GROUP`; adding a member again changes nothing (204 either way).
async fn add_member(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((group_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let group = find_group(&app, &group_id).await?;
    let user = find_user_by_id(&app, &user_id).await?;
    check(group_type(&group), GroupChange::Members)?;
    let event = events::event(
        "group.user_membership.add",
        "Add user to group membership",
        &Actor::token(&admin),
        vec![events::user_target(&user), events::group_target(&group)],
        now,
    );
    if let Err(e) = app
        .store
        .add_group_member(&group.id, &user.id, now, &event)
        .await
    {
        return Err(gone(&app, e, &group, &user).await);
    }
    crate::api::group_rules::apply_rules_to_user(&app, &user.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from an `OKTA_GROUP`; removing a non-member changes nothing (204).
async fn remove_member(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((group_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let group = find_group(&app, &group_id).await?;
    let user = find_user_by_id(&app, &user_id).await?;
    check(group_type(&group), GroupChange::Members)?;
    let event = events::event(
        "group.user_membership.remove",
        "Remove user from group membership",
        &Actor::token(&admin),
        vec![events::user_target(&user), events::group_target(&group)],
        now,
    );
    if let Err(e) = app
        .store
        .remove_group_member(&group.id, &user.id, now, &event)
        .await
    {
        return Err(gone(&app, e, &group, &user).await);
    }
    crate::api::group_rules::apply_rules_to_user(&app, &user.id, Some(&group.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group or user deleted while the change was under way: 404 naming whichever is gone.
async fn gone(
    app: &AppState,
    err: store::StoreError,
    group: &GroupRecord,
    user: &UserRecord,
) -> ApiError {
    match err {
        store::StoreError::NotFound => match app.store.group_by_id(&group.id).await {
            Ok(Some(_)) => ApiError::not_found(format!("Resource not found: {} (User)", user.id)),
            Ok(None) => group_not_found(&group.id),
            Err(e) => e.into(),
        },
        other => other.into(),
    }
}
