//! Scopes granted to an app (`/api/v1/apps/{appId}/grants`, the ApplicationGrants tag):
//! list, grant, get, revoke. A granted `okta.*` scope is what the app may then ask the org
//! authorization server for with `client_credentials` (`crate::oauth::grants`), and use on
//! the management API (`crate::oauth::management`). Each change is written with its event
//! (`app.oauth2.admin.consent.grant` / `.revoke`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use store::{AppGrantRecord, AppRecord};

use crate::api::apps::find_app;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::links::LinkSet;
use crate::wire::{ApiError, ApiResult, Json};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{app_id}/grants", get(list).post(grant))
        .route(
            "/apps/{app_id}/grants/{grant_id}",
            get(get_one).delete(revoke),
        )
}

fn render(app: &AppState, record: &AppRecord, grant: &AppGrantRecord) -> Value {
    let href = app
        .links
        .api(&format!("apps/{}/grants/{}", record.id, grant.id));
    json!({
        "id": grant.id,
        "status": "ACTIVE",
        "created": Timestamp(grant.created).to_iso(),
        "lastUpdated": Timestamp(grant.last_updated).to_iso(),
        "issuer": grant.issuer,
        "clientId": record.client_id.clone().unwrap_or_else(|| record.id.clone()),
        "scopeId": grant.scope_id,
        "source": "ADMIN",
        "createdBy": { "id": grant.created_by, "type": "User" },
        "_links": LinkSet::new()
            .add_hints("app", app.links.api(&format!("apps/{}", record.id)), &["GET"])
            .add_hints("self", href, &["GET", "DELETE"])
            .into_value(),
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource not found: {id} (OAuth2ScopeConsentGrant)"
    ))
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let grants = app.store.app_grants(&record.id).await?;
    Ok(Json(Value::Array(
        grants.iter().map(|g| render(&app, &record, g)).collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((app_id, grant_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let grants = app.store.app_grants(&record.id).await?;
    let grant = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| not_found(&grant_id))?;
    Ok(Json(render(&app, &record, grant)))
}

fn event(
    kind: &str,
    display: &str,
    admin: &AdminToken,
    record: &AppRecord,
    scope: &str,
    now: i64,
) -> store::EventRecord {
    let mut e = events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![events::app_target(record)],
        now,
    );
    if let Some(Value::Object(details)) = e
        .body
        .get_mut("debugContext")
        .and_then(|d| d.get_mut("debugData"))
    {
        details.insert("grantedScopes".into(), json!(scope));
    }
    e
}

/// Grants `scopeId` issued by `issuer` (grantConsentToScope, 201): the issuer is this org;
/// the scope one the management API names.
async fn grant(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let record = find_app(&app, &app_id).await?;
    let input = body.as_object().ok_or(ApiError::MalformedBody)?;
    let issuer = input
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scope = input
        .get("scopeId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if issuer.is_empty() {
        return Err(ApiError::invalid(
            "issuer",
            "The field cannot be left blank",
        ));
    }
    if issuer.trim_end_matches('/') != app.links.base() {
        return Err(ApiError::invalid(
            "issuer",
            format!("'{issuer}' is not this org's issuer ({})", app.links.base()),
        ));
    }
    if scope.is_empty() {
        return Err(ApiError::invalid(
            "scopeId",
            "The field cannot be left blank",
        ));
    }
    if !crate::oauth::management::all_scopes().contains(scope) {
        return Err(ApiError::invalid(
            "scopeId",
            format!("'{scope}' is not a scope of the Okta management API"),
        ));
    }
    let now = app.clock.now().millis();
    let grant = AppGrantRecord {
        id: format!("oag{}", crypto::tokens::random_token(17)),
        app_id: record.id.clone(),
        scope_id: scope.to_owned(),
        issuer: app.links.base().to_owned(),
        created: now,
        created_by: admin.token.user_id.clone(),
        last_updated: now,
    };
    let e = event(
        "app.oauth2.admin.consent.grant",
        "Admin consent granted to a scope",
        &admin,
        &record,
        scope,
        now,
    );
    app.store.insert_app_grant(&grant, &e).await?;
    Ok((StatusCode::CREATED, Json(render(&app, &record, &grant))).into_response())
}

async fn revoke(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, grant_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let record = find_app(&app, &app_id).await?;
    let grants = app.store.app_grants(&record.id).await?;
    let grant = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| not_found(&grant_id))?;
    let now = app.clock.now().millis();
    let e = event(
        "app.oauth2.admin.consent.revoke",
        "Admin consent revoked from a scope",
        &admin,
        &record,
        &grant.scope_id,
        now,
    );
    if !app
        .store
        .delete_app_grant(&record.id, &grant_id, &e)
        .await?
    {
        return Err(not_found(&grant_id));
    }
    Ok(StatusCode::NO_CONTENT)
}
