//! Liveness and readiness probes (no authentication): `/health` is up when the process serves,
//! `/health/ready` when the store answers too. Also the org's public self-description,
//! `/.well-known/okta-organization`, which Okta's clients read to learn the org id and which
//! sign-in pipeline it runs (`v1`: the Authentication API, as a Classic org).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::state::AppState;
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(live))
        .route("/health/ready", get(ready))
        .route("/.well-known/okta-organization", get(organization))
}

async fn organization(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "id": app.org.id,
        "pipeline": "v1",
        "_links": { "organization": { "href": app.links.base() } },
    }))
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "UP" }))
}

async fn ready(State(app): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    app.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "store not ready");
        ApiError::Internal
    })?;
    Ok(Json(
        json!({ "status": "UP", "store": app.store.backend() }),
    ))
}
