//! Application key credentials and SAML metadata (`/api/v1/apps/{appId}/credentials/keys`,
//! the ApplicationSSOCredentialKey tag; `/api/v1/apps/{appId}/sso/saml/metadata`, the
//! ApplicationSSO tag; apps.md "Application key store operations", "Preview SAML metadata for
//! application"): generate (`validityYears` 2 to 10; 201), list, get, clone to another app
//! (`targetAid`; 201; a key the target already has is E0000001), and the IdP metadata XML for
//! one of the app's keys.
//!
//! The metadata is served as `text/xml`, the media type the spec declares for it (the Node
//! SDK reads only `text/*` and JSON bodies as text); `_links.metadata` keeps the reference's
//! `application/xml` type hint.
//!
//! Generated keys are RSA 2048 with a self-signed X.509 certificate (`crypto::signing_keys`);
//! the private key is sealed. A generated or cloned key does not sign until the app is
//! replaced with it as `credentials.signing.kid`, as the reference describes.
//!
//! The CSR operations (`/credentials/csrs`) are in `app_csrs`.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use crate::api::apps::{find_app, generate_key};
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::{app as dto, app_sso};
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{app_id}/credentials/keys", get(list))
        .route("/apps/{app_id}/credentials/keys/generate", post(generate))
        .route("/apps/{app_id}/credentials/keys/{kid}", get(get_one))
        .route(
            "/apps/{app_id}/credentials/keys/{kid}/clone",
            post(clone_key),
        )
        .route("/apps/{app_id}/sso/saml/metadata", get(metadata))
}

fn key_not_found(kid: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {kid} (JsonWebKey)"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateParams {
    validity_years: Option<String>,
}

/// Generates a key credential (generateApplicationKey): 201.
async fn generate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    Query(params): Query<GenerateParams>,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let years = params
        .validity_years
        .as_deref()
        .and_then(|y| y.trim().parse::<u32>().ok())
        .filter(|y| crypto::signing_keys::VALIDITY_YEARS.contains(y))
        .ok_or_else(|| {
            ApiError::invalid(
                "generateKey",
                "Validity years out of range. It should be 2 - 10 years.",
            )
        })?;
    let key = generate_key(&app, &record.id, now, years).await?;
    let event = events::event(
        "application.lifecycle.update",
        "Generate application key credential",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    app.store.insert_app_key(&key, &event).await?;
    Ok((StatusCode::CREATED, Json(dto::render_key(&key))).into_response())
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let keys = app.store.app_keys(&record.id).await?;
    Ok(Json(Value::Array(
        keys.iter().map(dto::render_key).collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((app_id, kid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let key = app
        .store
        .app_key(&record.id, &kid)
        .await?
        .ok_or_else(|| key_not_found(&kid))?;
    Ok(Json(dto::render_key(&key)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CloneParams {
    target_aid: Option<String>,
}

/// Clones a key credential to another app (cloneApplicationKey): 201.
async fn clone_key(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, kid)): Path<(String, String)>,
    Query(params): Query<CloneParams>,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let source = find_app(&app, &app_id).await?;
    let key = app
        .store
        .app_key(&source.id, &kid)
        .await?
        .ok_or_else(|| key_not_found(&kid))?;
    let target_id = params.target_aid.filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::invalid("cloneKey", "targetAid: The field cannot be left blank")
    })?;
    let target = find_app(&app, &target_id).await?;
    let cloned = store::AppKeyRecord {
        app_id: target.id.clone(),
        ..key
    };
    let event = events::event(
        "application.lifecycle.update",
        "Clone application key credential",
        &Actor::token(&admin),
        vec![events::app_target(&target), events::app_target(&source)],
        now,
    );
    match app.store.insert_app_key(&cloned, &event).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(dto::render_key(&cloned))).into_response()),
        Err(store::StoreError::Duplicate { .. }) => Err(ApiError::invalid(
            "cloneKey",
            "Key already exists in the list of key credentials for the target app.",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct MetadataParams {
    kid: Option<String>,
}

/// The app's SAML IdP metadata (previewSAMLmetadataForApplication), for `kid` or, when it is
/// left out, the app's signing key.
async fn metadata(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
    Query(params): Query<MetadataParams>,
) -> ApiResult<Response> {
    let record = find_app(&app, &app_id).await?;
    let kid = params
        .kid
        .filter(|k| !k.is_empty())
        .or_else(|| record.signing_kid.clone())
        .ok_or_else(|| key_not_found(""))?;
    let key = app
        .store
        .app_key(&record.id, &kid)
        .await?
        .ok_or_else(|| key_not_found(&kid))?;
    let xml = app_sso::saml_metadata(&record, &key, &app);
    Ok(([(header::CONTENT_TYPE, "text/xml")], xml).into_response())
}
