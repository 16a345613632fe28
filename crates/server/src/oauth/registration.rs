//! Dynamic Client Registration (oauth-clients.md; `/oauth2/v1/clients`, with an API token):
//! register, list (`q` on `client_name`), get, replace, new secret and remove OpenID Connect
//! clients, in the client metadata shape of RFC 7591. A client is an OpenID Connect app: the
//! same rules and storage as `/api/v1/apps` (`crate::api::apps::create_app`/`replace_app`),
//! except that clients registered here default to `consent_method: REQUIRED`. Errors are
//! OAuth's (`invalid_client_metadata`, and `invalid_client` for an unknown client).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{AppQuery, AppRecord, PageKey};

use super::error::OAuthError;
use crate::api::apps::{create_app, new_client_secret, replace_app};
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::ApiError;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 200;
/// Settings copied between client metadata and `settings.oauthClient`.
const SETTINGS: &[&str] = &[
    "client_uri",
    "logo_uri",
    "application_type",
    "redirect_uris",
    "post_logout_redirect_uris",
    "response_types",
    "grant_types",
    "initiate_login_uri",
    "tos_uri",
    "policy_uri",
    "jwks",
    "jwks_uri",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/v1/clients", get(list).post(register))
        .route(
            "/oauth2/v1/clients/{client_id}",
            get(get_one).put(replace).delete(remove),
        )
        .route(
            "/oauth2/v1/clients/{client_id}/lifecycle/newSecret",
            post(new_secret),
        )
}

/// A management failure as OAuth's answer: validation becomes `invalid_client_metadata`
/// with the first cause; a missing or bad API token stays Okta's 401.
fn failure(e: ApiError) -> Response {
    match e {
        ApiError::Validation { causes, summary } => {
            let description = causes.into_iter().next().unwrap_or(summary);
            OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "invalid_client_metadata",
                description,
                bearer: false,
            }
            .into_response()
        }
        ApiError::MalformedBody => OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_client_metadata",
            description: "The request body must be a JSON object.".into(),
            bearer: false,
        }
        .into_response(),
        other => other.into_response(),
    }
}

fn unknown_client() -> Response {
    OAuthError::invalid_client("Invalid value for 'client_id' parameter.").into_response()
}

/// Client metadata → an app body for the Apps API.
fn app_body(metadata: &Value) -> Result<Map<String, Value>, ApiError> {
    let input = metadata.as_object().ok_or(ApiError::MalformedBody)?;
    let name = input
        .get("client_name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid("client_name", "client_name: The field cannot be left blank")
        })?;
    let mut settings = Map::new();
    for field in SETTINGS {
        if let Some(v) = input.get(*field).filter(|v| !v.is_null()) {
            settings.insert((*field).to_owned(), v.clone());
        }
    }
    settings
        .entry("application_type")
        .or_insert_with(|| json!("web"));
    settings
        .entry("response_types")
        .or_insert_with(|| json!(["code"]));
    settings
        .entry("grant_types")
        .or_insert_with(|| json!(["authorization_code"]));
    settings.insert("consent_method".into(), json!("REQUIRED"));
    let mut credentials = Map::new();
    for field in ["token_endpoint_auth_method", "client_secret"] {
        if let Some(v) = input.get(field).filter(|v| !v.is_null()) {
            credentials.insert(field.to_owned(), v.clone());
        }
    }
    let mut body = Map::new();
    body.insert("name".into(), json!("oidc_client"));
    body.insert("label".into(), json!(name));
    body.insert("signOnMode".into(), json!("OPENID_CONNECT"));
    body.insert("credentials".into(), json!({ "oauthClient": credentials }));
    body.insert("settings".into(), json!({ "oauthClient": settings }));
    Ok(body)
}

/// An app → client metadata; `secret` when it is shown (register, new secret).
fn metadata(record: &AppRecord, secret: Option<&str>) -> Value {
    let settings = record
        .definition
        .get("settings")
        .and_then(|s| s.get("oauthClient"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let method = record
        .definition
        .get("credentials")
        .and_then(|c| c.get("oauthClient"))
        .and_then(|c| c.get("token_endpoint_auth_method"))
        .cloned()
        .unwrap_or_else(|| json!("client_secret_basic"));
    let mut out = Map::new();
    out.insert(
        "client_id".into(),
        json!(record
            .client_id
            .clone()
            .unwrap_or_else(|| record.id.clone())),
    );
    if let Some(secret) = secret {
        out.insert("client_secret".into(), json!(secret));
        out.insert("client_secret_expires_at".into(), json!(0));
    }
    out.insert("client_id_issued_at".into(), json!(record.created / 1000));
    out.insert("client_name".into(), json!(record.label));
    for field in SETTINGS {
        if let Some(v) = settings.get(*field).filter(|v| !v.is_null()) {
            out.insert((*field).to_owned(), v.clone());
        }
    }
    out.insert("token_endpoint_auth_method".into(), method);
    Value::Object(out)
}

async fn client_app(app: &AppState, client_id: &str) -> Result<Option<AppRecord>, ApiError> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Ok(None);
    }
    Ok(app
        .store
        .app_by_client_id(client_id)
        .await?
        .filter(|a| a.sign_on_mode == "OPENID_CONNECT"))
}

async fn register(
    State(app): State<AppState>,
    admin: AdminToken,
    body: axum::body::Bytes,
) -> Response {
    let result = async {
        let metadata_in: Value =
            serde_json::from_slice(&body).map_err(|_| ApiError::MalformedBody)?;
        let body = app_body(&metadata_in)?;
        create_app(&app, &admin, &body, true).await
    }
    .await;
    match result {
        Ok((record, secret)) => (
            StatusCode::CREATED,
            axum::Json(metadata(&record, secret.as_deref())),
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(client_id): Path<String>,
) -> Response {
    match client_app(&app, &client_id).await {
        Ok(Some(record)) => axum::Json(metadata(&record, None)).into_response(),
        Ok(None) => unknown_client(),
        Err(e) => failure(e),
    }
}

async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(client_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let stored = match client_app(&app, &client_id).await {
        Ok(Some(record)) => record,
        Ok(None) => return unknown_client(),
        Err(e) => return failure(e),
    };
    let result = async {
        let metadata_in: Value =
            serde_json::from_slice(&body).map_err(|_| ApiError::MalformedBody)?;
        let mut body = app_body(&metadata_in)?;
        // The client id is immutable; the secret stays unless one is given.
        if let Some(Value::Object(credentials)) = body.get_mut("credentials") {
            if let Some(Value::Object(oauth)) = credentials.get_mut("oauthClient") {
                oauth.insert("client_id".into(), json!(client_id));
            }
        }
        replace_app(&app, &admin, stored, &body).await
    }
    .await;
    match result {
        Ok((record, secret)) => axum::Json(metadata(&record, secret.as_deref())).into_response(),
        Err(e) => failure(e),
    }
}

/// A new client secret (clients that authenticate with one).
async fn new_secret(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(client_id): Path<String>,
) -> Response {
    let mut record = match client_app(&app, &client_id).await {
        Ok(Some(record)) => record,
        Ok(None) => return unknown_client(),
        Err(e) => return failure(e),
    };
    if record.client_secret_sealed.is_none() {
        return OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_client_metadata",
            description: "The client has no client secret to replace.".into(),
            bearer: false,
        }
        .into_response();
    }
    let secret = new_client_secret();
    let now = app.clock.now().millis();
    record.client_secret_sealed =
        Some(app.sealer.seal(&crypto::SecretString::from(secret.clone())));
    record.last_updated = now;
    let event = events::event(
        "application.lifecycle.update",
        "Update application",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    match app.store.update_app(&record, &[event]).await {
        Ok(()) => axum::Json(metadata(&record, Some(&secret))).into_response(),
        Err(e) => failure(e.into()),
    }
}

async fn remove(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(client_id): Path<String>,
) -> Response {
    let record = match client_app(&app, &client_id).await {
        Ok(Some(record)) => record,
        Ok(None) => return unknown_client(),
        Err(e) => return failure(e),
    };
    let now = app.clock.now().millis();
    let event = events::event(
        "application.lifecycle.delete",
        "Delete application",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    match app.store.delete_app(&record.id, &event).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// Clients oldest first; `q` matches the start of `client_name`, ignoring case. The apps are
/// read a store page at a time and the OpenID Connect ones kept.
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<ListParams>,
) -> Response {
    let result = async {
        let page = PageRequest::parse(
            params.limit.as_deref(),
            params.after.as_deref(),
            DEFAULT_LIMIT,
            MAX_LIMIT,
        )?;
        let q = params
            .q
            .as_deref()
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty());
        let mut found: Vec<AppRecord> = Vec::new();
        let mut after = page.after.clone();
        loop {
            let batch = app
                .store
                .list_apps(&AppQuery {
                    filter: None,
                    after: after.clone(),
                    limit: MAX_LIMIT,
                })
                .await?;
            let more = batch.len() > MAX_LIMIT as usize;
            for record in batch.into_iter().take(MAX_LIMIT as usize) {
                after = Some(PageKey {
                    key: json!(record.created),
                    id: record.id.clone(),
                });
                let name_ok = q
                    .as_deref()
                    .is_none_or(|q| record.label.to_lowercase().starts_with(q));
                if record.sign_on_mode == "OPENID_CONNECT" && name_ok {
                    found.push(record);
                }
            }
            if !more || found.len() > page.limit as usize {
                break;
            }
        }
        let has_more = found.len() > page.limit as usize;
        found.truncate(page.limit as usize);
        let next = has_more.then(|| found.last()).flatten().map(|r| {
            PageKey {
                key: json!(r.created),
                id: r.id.clone(),
            }
            .encode()
        });
        let body: Vec<Value> = found.iter().map(|r| metadata(r, None)).collect();
        let mut echo = Vec::new();
        for (name, value) in [("q", &params.q), ("limit", &params.limit)] {
            if let Some(v) = value {
                echo.push((name, v.clone()));
            }
        }
        let mut headers = HeaderMap::new();
        link_headers(
            &mut headers,
            &format!("{}/oauth2/v1/clients", app.links.base()),
            &echo,
            params.after.as_deref(),
            next.as_deref(),
        );
        Ok::<_, ApiError>((headers, axum::Json(body)).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}
