//! Trusted origins (`/api/v1/trustedOrigins`, the TrustedOrigin tag; trusted-origins.md):
//! create, get, list (`q`, `filter`, keyset pages), replace, delete, activate, deactivate.
//!
//! Every change is written with its System Log event in one transaction. Okta's reference
//! pages do not name the events; the names are those Okta's System Log uses for trusted
//! origins: `security.trusted_origin.create`, `.update`, `.delete`, `.activate` and
//! `.deactivate`, each with the origin as a `TrustedOrigin` target. Activating an ACTIVE
//! origin (or deactivating an INACTIVE one) answers the origin unchanged and writes nothing.
//! A change takes effect for CORS and redirects on every node at once (`crate::cors` looks
//! the origin up per request).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{PageKey, TrustedOriginQuery, TrustedOriginRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::trusted_origin::{self as dto, TrustedOriginWrite};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};
use model::trusted_origins::{self as domain, LifecycleOp, Status};

/// `limit` when absent, and its cap (listTrustedOrigins).
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trustedOrigins", get(list).post(create))
        .route(
            "/trustedOrigins/{id}",
            get(get_one).put(replace).delete(delete_one),
        )
        .route("/trustedOrigins/{id}/lifecycle/activate", post(activate))
        .route(
            "/trustedOrigins/{id}/lifecycle/deactivate",
            post(deactivate),
        )
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (TrustedOrigin)"))
}

async fn find(app: &AppState, id: &str) -> ApiResult<TrustedOriginRecord> {
    if !model::ids::looks_like(Kind::TrustedOrigin, id) {
        return Err(not_found(id));
    }
    app.store
        .trusted_origin_by_id(id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// A trusted origin as the target of an event.
fn target(origin: &TrustedOriginRecord) -> Value {
    json!({
        "id": origin.id,
        "type": "TrustedOrigin",
        "alternateId": origin.origin,
        "displayName": origin.name,
    })
}

fn event(
    kind: &str,
    display: &str,
    admin: &AdminToken,
    origin: &TrustedOriginRecord,
    now: i64,
) -> store::EventRecord {
    events::event(
        &format!("security.trusted_origin.{kind}"),
        display,
        &Actor::token(admin),
        vec![target(origin)],
        now,
    )
}

fn checked(body: &TrustedOriginWrite) -> ApiResult<domain::Draft> {
    Ok(domain::validate(
        body.name.as_deref(),
        body.origin.as_deref(),
        &body.scope_inputs(),
    )?)
}

/// Creates an ACTIVE trusted origin (createTrustedOrigin).
async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<TrustedOriginWrite>,
) -> ApiResult<Json<Value>> {
    let draft = checked(&body)?;
    let now = app.clock.now().millis();
    let by = admin.token.user_id.clone();
    let origin = TrustedOriginRecord {
        id: new_id(Kind::TrustedOrigin),
        name: draft.name,
        origin: draft.origin.text,
        scopes: draft.scopes,
        status: Status::Active.as_str().to_owned(),
        created: now,
        created_by: by.clone(),
        last_updated: now,
        last_updated_by: by,
    };
    let event = event("create", "Create trusted origin", &admin, &origin, now);
    app.store.insert_trusted_origin(&origin, &event).await?;
    Ok(Json(dto::render(&origin, &app.links)))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let origin = find(&app, &id).await?;
    Ok(Json(dto::render(&origin, &app.links)))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    filter: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// Lists trusted origins oldest first: all, `q` (prefix of name or origin, ignoring case),
/// `filter` (`name`, `origin`, `status`, `type` with `eq`), or both. `next` is present
/// exactly when more remain.
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    let filter = match params.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(text) => Some(model::expr::trusted_origins::parse_filter(text)?),
        None => None,
    };
    let query = TrustedOriginQuery {
        q: params
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned),
        filter,
        after: page.after.clone(),
        limit: page.limit,
    };
    let mut rows = app.store.list_trusted_origins(&query).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|o| {
        PageKey {
            key: json!(o.created),
            id: o.id.clone(),
        }
        .encode()
    });
    let body: Vec<Value> = rows.iter().map(|o| dto::render(o, &app.links)).collect();
    let mut echo = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("filter", &params.filter),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("trustedOrigins"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// Replaces the name, origin and scopes (replaceTrustedOrigin). The status only changes
/// through the lifecycle operations, so a `status` in the body is ignored.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<TrustedOriginWrite>,
) -> ApiResult<Json<Value>> {
    let current = find(&app, &id).await?;
    let draft = checked(&body)?;
    let now = app.clock.now().millis();
    let changed = TrustedOriginRecord {
        name: draft.name,
        origin: draft.origin.text,
        scopes: draft.scopes,
        last_updated: now,
        last_updated_by: admin.token.user_id.clone(),
        ..current
    };
    let event = event("update", "Update trusted origin", &admin, &changed, now);
    let saved = app
        .store
        .update_trusted_origin(&changed, &event)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(dto::render(&saved, &app.links)))
}

async fn delete_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let origin = find(&app, &id).await?;
    let now = app.clock.now().millis();
    let event = event("delete", "Delete trusted origin", &admin, &origin, now);
    if !app.store.delete_trusted_origin(&id, &event).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    lifecycle(&app, &admin, &id, LifecycleOp::Activate).await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    lifecycle(&app, &admin, &id, LifecycleOp::Deactivate).await
}

/// activateTrustedOrigin / deactivateTrustedOrigin through the lifecycle table.
async fn lifecycle(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    op: LifecycleOp,
) -> ApiResult<Json<Value>> {
    let origin = find(app, id).await?;
    let status = Status::parse(&origin.status).unwrap_or(Status::Inactive);
    let next = domain::apply(status, op);
    if next == status {
        return Ok(Json(dto::render(&origin, &app.links)));
    }
    let (kind, display) = match op {
        LifecycleOp::Activate => ("activate", "Activate trusted origin"),
        LifecycleOp::Deactivate => ("deactivate", "Deactivate trusted origin"),
    };
    let now = app.clock.now().millis();
    let event = event(kind, display, admin, &origin, now);
    let saved = app
        .store
        .set_trusted_origin_status(id, next.as_str(), now, &admin.token.user_id, &event)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Json(dto::render(&saved, &app.links)))
}
