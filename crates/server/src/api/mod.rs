//! The HTTP surface: `/api/v1/...` (one module per Okta resource), health probes, and the
//! fallbacks that keep every answer in Okta's error format.

pub mod api_tokens;
pub mod app_csrs;
pub mod app_grants;
pub mod app_groups;
pub mod app_keys;
pub mod app_logos;
pub mod app_users;
pub mod apps;
pub mod authenticators;
pub mod authn;
pub mod authn_recovery;
pub mod authorization_servers;
pub mod event_hooks;
pub mod factor_verify;
pub mod factors;
pub mod group_owners;
pub mod group_rules;
pub mod groups;
pub mod health;
pub mod iam;
pub mod inline_hooks;
pub mod linked_objects;
pub mod oauth_tokens;
pub mod policies;
pub mod roles;
pub mod schemas;
pub mod sessions;
pub mod system_log;
pub mod trusted_origins;
pub mod user_credentials;
pub mod user_lifecycle;
pub mod user_types;
pub mod users;
pub mod zones;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{middleware, Router};
use tower_http::catch_panic::CatchPanicLayer;

use crate::state::AppState;
use crate::wire::ApiError;

/// The whole router with its middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(users::routes())
        .merge(user_types::routes())
        .merge(linked_objects::routes())
        .merge(schemas::routes())
        .merge(user_lifecycle::routes())
        .merge(user_credentials::routes())
        .merge(factors::routes())
        .merge(sessions::routes())
        .merge(authn::routes())
        .merge(group_rules::routes())
        .merge(groups::routes())
        .merge(apps::routes())
        .merge(authenticators::routes())
        .merge(authorization_servers::routes())
        .merge(oauth_tokens::routes())
        .merge(app_users::routes())
        .merge(app_groups::routes())
        .merge(app_keys::routes())
        .merge(app_csrs::routes())
        .merge(app_grants::routes())
        .merge(app_logos::routes())
        .merge(group_owners::routes())
        .merge(roles::routes())
        .merge(roles::assignee_routes())
        .merge(iam::routes())
        .merge(policies::routes())
        .merge(zones::routes())
        .merge(api_tokens::routes())
        .merge(trusted_origins::routes())
        .merge(system_log::routes())
        .merge(event_hooks::routes())
        .merge(inline_hooks::routes());
    let test_controls = if state.config.test_mode {
        crate::test_org::routes()
    } else {
        Router::new()
    };
    Router::new()
        .nest("/api/v1", api)
        .merge(test_controls)
        .merge(health::routes())
        .merge(app_logos::public_routes())
        .merge(sessions::public_routes())
        .merge(roles::client_routes())
        .merge(crate::oauth::endpoints::routes())
        .merge(crate::oauth::registration::routes())
        .merge(crate::pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The guard enforces the configured body limit (with Okta's 413), so the
        // extractors' own default limit is off.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::wire::guard::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::cors::cors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::wire::headers::standard_headers,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal.into_response()
        }))
        .with_state(state)
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    let _ = method;
    ApiError::NotFound(format!("Resource not found: {} (Route)", uri.path())).into_response()
}

async fn method_not_allowed() -> Response {
    let mut r = ApiError::MethodNotAllowed.into_response();
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r
}
