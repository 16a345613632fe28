//! Liveness and readiness probes (no authentication): `/health` is up when the process serves,
//! `/health/ready` when the store answers too.

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
