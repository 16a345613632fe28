//! Group owners (`/api/v1/groups/{groupId}/owners`, the GroupOwner tag of the spec): list
//! (with `search` by type), assign a user or group as owner, and remove an owner.
//!
//! Owners come from the Okta directory (`originType` `OKTA_DIRECTORY`, always resolved). The
//! built-in Everyone group takes no owners (the change table in `model::groups::group`).
//! Assigning an owner twice answers the existing owner and writes nothing.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{GroupOwnerQuery, GroupOwnerRecord, PageKey};

use crate::api::groups::{find_group, find_user_by_id, group_not_found, group_type};
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::group::{render_owner, AssignGroupOwnerRequestBody};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::expr::groups as rules;
use model::groups::group::check;
use model::groups::GroupChange;
use model::ids::Kind;

/// Owners a page by default (the spec's default) and at most.
const OWNERS_DEFAULT_LIMIT: u32 = 1_000;
const OWNERS_MAX_LIMIT: u32 = 10_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{group_id}/owners", get(list).post(assign))
        .route("/groups/{group_id}/owners/{owner_id}", delete(remove))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    search: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(group_id): Path<String>,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let group = find_group(&app, &group_id).await?;
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        OWNERS_DEFAULT_LIMIT,
        OWNERS_MAX_LIMIT,
    )?;
    let filter = match params.search.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(rules::parse_owner_search(s)?),
        None => None,
    };
    let mut rows = app
        .store
        .list_group_owners(&GroupOwnerQuery {
            group_id: group.id.clone(),
            filter,
            after: page.after.clone(),
            limit: page.limit,
        })
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|o| {
        PageKey {
            key: Value::Null,
            id: o.owner_id.clone(),
        }
        .encode()
    });
    let body: Vec<Value> = rows.iter().map(render_owner).collect();
    let mut echo = Vec::new();
    for (name, value) in [("search", &params.search), ("limit", &params.limit)] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api(&format!("groups/{}/owners", group.id)),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// The owner kind a request names: its `type`, or when absent what the id's prefix says.
fn owner_type(body: &AssignGroupOwnerRequestBody, id: &str) -> ApiResult<&'static str> {
    match body.owner_type.as_deref() {
        Some("USER") => Ok("USER"),
        Some("GROUP") => Ok("GROUP"),
        None if model::ids::looks_like(Kind::Group, id) => Ok("GROUP"),
        None => Ok("USER"),
        Some(other) => Err(ApiError::invalid(
            "type",
            format!("type: '{other}' is not a group owner type (expected USER or GROUP)"),
        )),
    }
}

/// Assigns a user or group as an owner: 201 with the `GroupOwner`.
async fn assign(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(group_id): Path<String>,
    Json(body): Json<AssignGroupOwnerRequestBody>,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let group = find_group(&app, &group_id).await?;
    check(group_type(&group), GroupChange::Owners)?;
    let id = body
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("id", "id: The field cannot be left blank"))?
        .to_owned();
    let kind = owner_type(&body, &id)?;
    let (target, display_name) = if kind == "USER" {
        let user = find_user_by_id(&app, &id).await?;
        let target = events::user_target(&user);
        let name = target
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        (target, name)
    } else {
        let owning = find_group(&app, &id).await?;
        let name = owning
            .profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        (events::group_target(&owning), name)
    };
    let owner = GroupOwnerRecord {
        group_id: group.id.clone(),
        owner_id: id.clone(),
        owner_type: kind.to_owned(),
        last_updated: now,
        display_name,
    };
    let event = events::event(
        "group.owner.add",
        "Add owner to group",
        &Actor::token(&admin),
        vec![target, events::group_target(&group)],
        now,
    );
    let added = match app.store.insert_group_owner(&owner, &event).await {
        Ok(added) => added,
        // The group or the owner was deleted meanwhile.
        Err(store::StoreError::NotFound) => return Err(group_not_found(&group.id)),
        Err(other) => return Err(other.into()),
    };
    let saved = if added {
        owner
    } else {
        existing_owner(&app, &group.id, &id).await?.unwrap_or(owner)
    };
    Ok((StatusCode::CREATED, Json(render_owner(&saved))).into_response())
}

/// The stored owner `owner_id` of the group, if it is one.
async fn existing_owner(
    app: &AppState,
    group_id: &str,
    owner_id: &str,
) -> ApiResult<Option<GroupOwnerRecord>> {
    let filter = model::expr::Resolved::Compare {
        attribute: model::expr::Attribute::Named("id"),
        op: model::expr::Op::Eq,
        value: model::expr::Value::Text(owner_id.to_owned()),
        case: model::expr::Case::Sensitive,
    };
    Ok(app
        .store
        .list_group_owners(&GroupOwnerQuery {
            group_id: group_id.to_owned(),
            filter: Some(filter),
            after: None,
            limit: 1,
        })
        .await?
        .into_iter()
        .next())
}

/// Removes an owner; one that is not an owner of the group is 404.
async fn remove(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((group_id, owner_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let group = find_group(&app, &group_id).await?;
    check(group_type(&group), GroupChange::Owners)?;
    let not_owner = || ApiError::not_found(format!("Resource not found: {owner_id} (GroupOwner)"));
    let owner = existing_owner(&app, &group.id, &owner_id)
        .await?
        .ok_or_else(not_owner)?;
    let target = json!({
        "id": owner.owner_id,
        "type": if owner.owner_type == "USER" { "User" } else { "UserGroup" },
        "alternateId": owner.display_name,
        "displayName": owner.display_name,
    });
    let event = events::event(
        "group.owner.remove",
        "Remove owner from group",
        &Actor::token(&admin),
        vec![target, events::group_target(&group)],
        now,
    );
    if !app
        .store
        .delete_group_owner(&group.id, &owner.owner_id, &event)
        .await?
    {
        return Err(not_owner());
    }
    Ok(StatusCode::NO_CONTENT)
}
