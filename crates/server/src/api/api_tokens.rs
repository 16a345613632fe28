//! API tokens (`/api/v1/api-tokens`, the ApiToken tag): list, get, revoke, revoke current.
//! A revoked token is deleted from the store, so it stops working at once on every node (each
//! request looks its token up).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::PageKey;

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::api_token;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-tokens", get(list))
        .route("/api-tokens/current", delete(revoke_current))
        .route("/api-tokens/{id}", get(get_one).put(upsert).delete(revoke))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    limit: Option<String>,
    after: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 20, 200)?;
    let mut rows = app
        .store
        .list_tokens(page.after.as_ref(), page.limit)
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|t| {
        PageKey {
            key: json!(t.created),
            id: t.id.clone(),
        }
        .encode()
    });
    let body: Vec<Value> = rows
        .iter()
        .map(|t| api_token::render(t, &app.links))
        .collect();
    let mut headers = HeaderMap::new();
    let query = params.limit.map(|l| vec![("limit", l)]).unwrap_or_default();
    link_headers(
        &mut headers,
        &app.links.api("api-tokens"),
        &query,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let token = app
        .store
        .token_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (ApiToken)")))?;
    Ok(Json(api_token::render(&token, &app.links)))
}

/// `ApiTokenUpdate`: the fields a PUT may change.
#[derive(Debug, Deserialize)]
struct TokenUpdate {
    name: Option<String>,
    network: Option<Value>,
}

/// Validates a network condition. Only ANYWHERE is accepted until network zones exist: a
/// ZONE condition that cannot be evaluated would either lock the token out or let it through.
fn network_condition(network: Option<Value>, current: &Value) -> ApiResult<Value> {
    let Some(network) = network else {
        return Ok(current.clone());
    };
    match network.get("connection").and_then(Value::as_str) {
        Some("ANYWHERE") | None => Ok(json!({ "connection": "ANYWHERE" })),
        Some("ZONE") => Err(ApiError::invalid(
            "network",
            "network.connection: ZONE conditions need network zones, which this server does not have yet",
        )),
        Some(other) => Err(ApiError::invalid(
            "network",
            format!("network.connection: '{other}' is not one of ANYWHERE, ZONE"),
        )),
    }
}

/// Upserts a token's name and network condition (`upsertApiToken`).
async fn upsert(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<TokenUpdate>,
) -> ApiResult<Json<Value>> {
    let mut token = app
        .store
        .token_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (ApiToken)")))?;
    if let Some(name) = body.name.as_deref().map(str::trim) {
        if name.is_empty() {
            return Err(ApiError::invalid(
                "name",
                "name: The field cannot be left blank",
            ));
        }
        token.name = name.to_owned();
    }
    token.network = network_condition(body.network, &token.network)?;
    token.last_updated = app.clock.now().millis();
    let event = events::event(
        "system.api_token.update",
        "Update API token",
        &Actor::token(&admin),
        vec![
            json!({"id": token.id, "type": "Token", "alternateId": token.name, "displayName": token.name}),
        ],
        token.last_updated,
    );
    let updated = app.store.update_token(&token, &event).await?;
    app.tokens.forget(&token.id);
    if !updated {
        return Err(ApiError::not_found(format!(
            "Resource not found: {id} (ApiToken)"
        )));
    }
    Ok(Json(api_token::render(&token, &app.links)))
}

async fn revoke(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    revoke_by_id(&app, &admin, &id).await
}

async fn revoke_current(State(app): State<AppState>, admin: AdminToken) -> ApiResult<StatusCode> {
    let id = admin.token.id.clone();
    revoke_by_id(&app, &admin, &id).await
}

async fn revoke_by_id(app: &AppState, admin: &AdminToken, id: &str) -> ApiResult<StatusCode> {
    let token = app
        .store
        .token_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (ApiToken)")))?;
    let event = events::event(
        "system.api_token.revoke",
        "Revoke API token",
        &Actor::token(admin),
        vec![
            json!({"id": token.id, "type": "Token", "alternateId": token.name, "displayName": token.name}),
        ],
        app.clock.now().millis(),
    );
    let revoked = app.store.revoke_token(id, &event).await?;
    app.tokens.forget(id);
    if !revoked {
        return Err(ApiError::not_found(format!(
            "Resource not found: {id} (ApiToken)"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}
