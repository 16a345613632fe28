//! The refresh tokens the authorization servers issued, as administrators manage them
//! (authorization-servers.md, "OAuth 2.0 token management operations"; the UserOAuth and
//! UserGrant tags): by server and client, and by user and client: list the clients holding
//! tokens, list, get and revoke tokens. Revoking a refresh token revokes its whole grant (the
//! access tokens issued with it too). User consent grants (what a user allowed on the consent
//! page, `crate::oauth::consent`) are listed, read and revoked by user and by client.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{OAuthTokenRecord, PageKey, RefreshTokenFilter};

use crate::api::users::find_user;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::oauth::servers::ORG_KEY_ID;
use crate::state::AppState;
use crate::wire::links::LinkSet;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::time::Timestamp;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 200;

pub fn routes() -> Router<AppState> {
    let server = "/authorizationServers/{id}/clients";
    let user = "/users/{id}/clients";
    Router::new()
        .route(server, get(server_clients))
        .route(
            &format!("{server}/{{client_id}}/tokens"),
            get(server_tokens).delete(revoke_server_tokens),
        )
        .route(
            &format!("{server}/{{client_id}}/tokens/{{token_id}}"),
            get(server_token).delete(revoke_server_token),
        )
        .route(user, get(user_clients))
        .route(
            &format!("{user}/{{client_id}}/tokens"),
            get(user_tokens).delete(revoke_user_tokens),
        )
        .route(
            &format!("{user}/{{client_id}}/tokens/{{token_id}}"),
            get(user_token).delete(revoke_user_token),
        )
        .route(
            &format!("{user}/{{client_id}}/grants"),
            get(list_grants).delete(revoke_grants),
        )
        .route("/users/{id}/grants", get(list_grants).delete(revoke_grants))
        .route(
            "/users/{id}/grants/{grant_id}",
            get(get_grant).delete(revoke_grant),
        )
}

fn issuer(app: &AppState, server_id: &str) -> String {
    if server_id == ORG_KEY_ID {
        app.links.base().to_owned()
    } else {
        format!("{}/oauth2/{server_id}", app.links.base())
    }
}

fn render(app: &AppState, t: &OAuthTokenRecord, self_href: &str) -> Value {
    let user_id = t.user_id.clone().unwrap_or_default();
    let mut links = LinkSet::new()
        .add_hints("self", self_href.to_owned(), &["GET"])
        .add_hints("revoke", self_href.to_owned(), &["DELETE"])
        .add("user", app.links.api(&format!("users/{user_id}")))
        .add(
            "client",
            format!("{}/oauth2/v1/clients/{}", app.links.base(), t.client_id),
        );
    if t.server_id != ORG_KEY_ID {
        links = links.add(
            "authorizationServer",
            app.links
                .api(&format!("authorizationServers/{}", t.server_id)),
        );
    }
    json!({
        "id": t.id,
        "status": "ACTIVE",
        "created": Timestamp(t.created).to_iso(),
        "lastUpdated": Timestamp(t.rotated_at.unwrap_or(t.created)).to_iso(),
        "expiresAt": Timestamp(t.expires_at.min(t.idle_expires_at)).to_iso(),
        "issuer": issuer(app, &t.server_id),
        "clientId": t.client_id,
        "userId": user_id,
        "scopes": t.scopes,
        "_links": links.into_value(),
    })
}

#[derive(Debug, Deserialize)]
struct PageParams {
    limit: Option<String>,
    after: Option<String>,
    expand: Option<String>,
}

async fn page(
    app: &AppState,
    mut filter: RefreshTokenFilter,
    params: &PageParams,
    base: &str,
) -> ApiResult<Response> {
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    filter.after = page.after.clone();
    filter.limit = page.limit;
    let now = app.clock.now().millis();
    let mut rows = app.store.refresh_tokens(&filter, now).await?;
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
        .map(|t| render(app, t, &format!("{base}/{}", t.id)))
        .collect();
    let mut echo = Vec::new();
    for (name, value) in [("limit", &params.limit), ("expand", &params.expand)] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        base,
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

fn token_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (OAuth2RefreshToken)"))
}

async fn one(app: &AppState, filter: RefreshTokenFilter, base: &str) -> ApiResult<Json<Value>> {
    let id = filter.id.clone().unwrap_or_default();
    let now = app.clock.now().millis();
    let rows = app
        .store
        .refresh_tokens(&RefreshTokenFilter { limit: 1, ..filter }, now)
        .await?;
    let token = rows.first().ok_or_else(|| token_not_found(&id))?;
    Ok(Json(render(app, token, &format!("{base}/{id}"))))
}

async fn revoke(
    app: &AppState,
    admin: &AdminToken,
    filter: RefreshTokenFilter,
    must_exist: bool,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let event = events::event(
        "app.oauth2.token.revoke",
        "OAuth2 refresh tokens revoked by an administrator",
        &Actor::token(admin),
        Vec::new(),
        now,
    );
    let revoked = app
        .store
        .revoke_refresh_tokens(&filter, now, &event)
        .await?;
    if must_exist && revoked == 0 {
        return Err(token_not_found(filter.id.as_deref().unwrap_or_default()));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn server_exists(app: &AppState, id: &str) -> ApiResult<()> {
    app.store.auth_server(id).await?.map(|_| ()).ok_or_else(|| {
        ApiError::not_found(format!("Resource not found: {id} (AuthorizationServer)"))
    })
}

fn server_filter(id: &str, client_id: &str, token_id: Option<String>) -> RefreshTokenFilter {
    RefreshTokenFilter {
        server_id: Some(id.to_owned()),
        client_id: Some(client_id.to_owned()),
        id: token_id,
        ..RefreshTokenFilter::default()
    }
}

fn user_filter(user_id: &str, client_id: &str, token_id: Option<String>) -> RefreshTokenFilter {
    RefreshTokenFilter {
        user_id: Some(user_id.to_owned()),
        client_id: Some(client_id.to_owned()),
        id: token_id,
        ..RefreshTokenFilter::default()
    }
}

/// The clients that hold tokens, as OAuth2Client objects.
async fn clients(app: &AppState, filter: RefreshTokenFilter, base: &str) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let ids = app.store.refresh_token_clients(&filter, now).await?;
    let mut out = Vec::with_capacity(ids.len());
    for client_id in ids {
        let found = crate::oauth::clients::find(app, &client_id)
            .await
            .map_err(|_| ApiError::Internal)?;
        let label = found.map(|c| c.app.label).unwrap_or_default();
        out.push(json!({
            "client_id": client_id,
            "client_name": label,
            "_links": LinkSet::new()
                .add("self", format!("{}/oauth2/v1/clients/{client_id}", app.links.base()))
                .add("tokens", format!("{base}/{client_id}/tokens"))
                .into_value(),
        }));
    }
    Ok(Json(Value::Array(out)))
}

async fn server_clients(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    server_exists(&app, &id).await?;
    let filter = RefreshTokenFilter {
        server_id: Some(id.clone()),
        ..RefreshTokenFilter::default()
    };
    clients(
        &app,
        filter,
        &app.links.api(&format!("authorizationServers/{id}/clients")),
    )
    .await
}

async fn server_tokens(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, client_id)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> ApiResult<Response> {
    server_exists(&app, &id).await?;
    let base = app.links.api(&format!(
        "authorizationServers/{id}/clients/{client_id}/tokens"
    ));
    page(&app, server_filter(&id, &client_id, None), &params, &base).await
}

async fn server_token(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    server_exists(&app, &id).await?;
    let base = app.links.api(&format!(
        "authorizationServers/{id}/clients/{client_id}/tokens"
    ));
    one(&app, server_filter(&id, &client_id, Some(token_id)), &base).await
}

async fn revoke_server_tokens(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, client_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    server_exists(&app, &id).await?;
    revoke(&app, &admin, server_filter(&id, &client_id, None), false).await
}

async fn revoke_server_token(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    server_exists(&app, &id).await?;
    revoke(
        &app,
        &admin,
        server_filter(&id, &client_id, Some(token_id)),
        true,
    )
    .await
}

async fn user_clients(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    let filter = RefreshTokenFilter {
        user_id: Some(user.id.clone()),
        ..RefreshTokenFilter::default()
    };
    clients(
        &app,
        filter,
        &app.links.api(&format!("users/{}/clients", user.id)),
    )
    .await
}

async fn user_tokens(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, client_id)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> ApiResult<Response> {
    let user = find_user(&app, &id).await?;
    let base = app
        .links
        .api(&format!("users/{}/clients/{client_id}/tokens", user.id));
    page(
        &app,
        user_filter(&user.id, &client_id, None),
        &params,
        &base,
    )
    .await
}

async fn user_token(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    let base = app
        .links
        .api(&format!("users/{}/clients/{client_id}/tokens", user.id));
    one(
        &app,
        user_filter(&user.id, &client_id, Some(token_id)),
        &base,
    )
    .await
}

async fn revoke_user_tokens(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, client_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = find_user(&app, &id).await?;
    revoke(&app, &admin, user_filter(&user.id, &client_id, None), false).await
}

async fn revoke_user_token(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let user = find_user(&app, &id).await?;
    revoke(
        &app,
        &admin,
        user_filter(&user.id, &client_id, Some(token_id)),
        true,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantQuery {
    scope_id: Option<String>,
    expand: Option<String>,
    limit: Option<String>,
}

/// A consent grant as the API shows it (OAuth2ScopeConsentGrant).
fn grant_json(app: &AppState, g: &store::UserGrantRecord, expand: bool) -> Value {
    let server_path = format!("authorizationServers/{}", g.server_id);
    let mut links = LinkSet::new()
        .add_hints(
            "self",
            app.links
                .api(&format!("users/{}/grants/{}", g.user_id, g.id)),
            &["GET", "DELETE"],
        )
        .add("app", app.links.api(&format!("apps/{}", g.client_id)))
        .add(
            "client",
            app.links
                .page(&format!("oauth2/v1/clients/{}", g.client_id)),
        )
        .add("user", app.links.api(&format!("users/{}", g.user_id)));
    if g.server_id != ORG_KEY_ID {
        links = links
            .add(
                "scope",
                app.links
                    .api(&format!("{server_path}/scopes/{}", g.scope_id)),
            )
            .add("authorizationServer", app.links.api(&server_path));
    }
    let mut out = json!({
        "id": g.id,
        "status": "ACTIVE",
        "created": Timestamp(g.created).to_iso(),
        "lastUpdated": Timestamp(g.last_updated).to_iso(),
        "createdBy": { "id": g.user_id, "type": "User" },
        "issuer": issuer(app, &g.server_id),
        "clientId": g.client_id,
        "userId": g.user_id,
        "scopeId": g.scope_id,
        "source": g.source,
        "_links": links.into_value(),
    });
    if expand {
        crate::wire::json::put(
            &mut out,
            "_embedded",
            json!({ "scope": { "id": g.scope_name } }),
        );
    }
    out
}

fn expands_scope(q: &GrantQuery) -> bool {
    q.expand
        .as_deref()
        .is_some_and(|e| e.split(',').any(|v| v.trim() == "scope"))
}

/// `GET /users/{id}/grants` and `/users/{id}/clients/{clientId}/grants`.
async fn list_grants(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(path): Path<std::collections::HashMap<String, String>>,
    Query(q): Query<GrantQuery>,
) -> ApiResult<Json<Value>> {
    let id = path.get("id").cloned().unwrap_or_default();
    let user = find_user(&app, &id).await?;
    let limit = match q.limit.as_deref() {
        None => usize::MAX,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                ApiError::invalid("limit", "limit: The value must be a positive number.")
            })?,
    };
    let expand = expands_scope(&q);
    let grants = app
        .store
        .user_grants(&user.id, path.get("client_id").map(String::as_str))
        .await?;
    Ok(Json(Value::Array(
        grants
            .iter()
            .filter(|g| {
                q.scope_id
                    .as_deref()
                    .is_none_or(|s| s == g.scope_id || s == g.scope_name)
            })
            .take(limit)
            .map(|g| grant_json(&app, g, expand))
            .collect(),
    )))
}

fn grant_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource not found: {id} (OAuth2ScopeConsentGrant)"
    ))
}

/// `GET /users/{id}/grants/{grantId}`
async fn get_grant(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, grant_id)): Path<(String, String)>,
    Query(q): Query<GrantQuery>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    let grants = app.store.user_grants(&user.id, None).await?;
    let g = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| grant_not_found(&grant_id))?;
    Ok(Json(grant_json(&app, g, expands_scope(&q))))
}

fn revoke_event(admin: &AdminToken, user: &store::UserRecord, now: i64) -> store::EventRecord {
    events::event(
        "app.oauth2.as.consent.revoke",
        "Revoke consent grants of a user",
        &Actor::token(admin),
        vec![events::user_target(user)],
        now,
    )
}

/// `DELETE /users/{id}/grants` and `/users/{id}/clients/{clientId}/grants`.
async fn revoke_grants(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(path): Path<std::collections::HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let id = path.get("id").cloned().unwrap_or_default();
    let user = find_user(&app, &id).await?;
    let now = app.clock.now().millis();
    app.store
        .delete_user_grants(
            &user.id,
            path.get("client_id").map(String::as_str),
            None,
            &revoke_event(&admin, &user, now),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /users/{id}/grants/{grantId}`
async fn revoke_grant(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, grant_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = find_user(&app, &id).await?;
    let now = app.clock.now().millis();
    let gone = app
        .store
        .delete_user_grants(
            &user.id,
            None,
            Some(&grant_id),
            &revoke_event(&admin, &user, now),
        )
        .await?;
    if gone == 0 {
        return Err(grant_not_found(&grant_id));
    }
    Ok(StatusCode::NO_CONTENT)
}
