//! The Authorization Servers API (`/api/v1/authorizationServers`; authorization-servers.md,
//! the AuthorizationServer* tags): custom servers (create, list with `q`, get, replace,
//! delete, activate, deactivate), their scopes, claims, access policies and rules, and their
//! signing keys (list, get, rotate).
//!
//! A server's scopes, claims and policies (with their rules) live in the server's document,
//! so every change is one versioned write of the server with its System Log event
//! (`oauth2.as.*`, `oauth2.scope.*`, `oauth2.claim.*`, `oauth2.as.policy.*`,
//! `oauth2.as.policy.rule.*`, `oauth2.as.key.rollover`); a write that meets a concurrent one
//! reads again and retries. The token endpoints read the same document, so a change applies
//! to the next request on every node.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{AuthServerKeyRecord, AuthServerRecord, PageKey};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::oauth::keys;
use crate::state::AppState;
use crate::wire::links::LinkSet;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::time::Timestamp;

const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 200;
/// How often a write retries after meeting a concurrent change.
const WRITE_ATTEMPTS: usize = 5;

pub fn routes() -> Router<AppState> {
    let base = "/authorizationServers/{id}";
    Router::new()
        .route("/authorizationServers", get(list).post(create))
        .route(base, get(get_one).put(replace).delete(delete_one))
        .route(&format!("{base}/lifecycle/activate"), post(activate))
        .route(&format!("{base}/lifecycle/deactivate"), post(deactivate))
        .route(&format!("{base}/credentials/keys"), get(list_keys))
        .route(&format!("{base}/credentials/keys/{{kid}}"), get(get_key))
        .route(
            &format!("{base}/credentials/lifecycle/keyRotate"),
            post(rotate_keys),
        )
        .route(
            &format!("{base}/scopes"),
            get(list_items::<Scopes>).post(create_one::<Scopes>),
        )
        .route(
            &format!("{base}/scopes/{{item}}"),
            get(get_one_item::<Scopes>)
                .put(replace_one::<Scopes>)
                .delete(delete_one_item::<Scopes>),
        )
        .route(
            &format!("{base}/claims"),
            get(list_items::<Claims>).post(create_one::<Claims>),
        )
        .route(
            &format!("{base}/claims/{{item}}"),
            get(get_one_item::<Claims>)
                .put(replace_one::<Claims>)
                .delete(delete_one_item::<Claims>),
        )
        .route(
            &format!("{base}/policies"),
            get(list_policies).post(create_policy),
        )
        .route(
            &format!("{base}/policies/{{item}}"),
            get(get_policy).put(replace_policy).delete(delete_policy),
        )
        .route(
            &format!("{base}/policies/{{item}}/lifecycle/activate"),
            post(activate_policy),
        )
        .route(
            &format!("{base}/policies/{{item}}/lifecycle/deactivate"),
            post(deactivate_policy),
        )
        .route(
            &format!("{base}/policies/{{item}}/rules"),
            get(list_rules).post(create_rule),
        )
        .route(
            &format!("{base}/policies/{{item}}/rules/{{rule}}"),
            get(get_rule).put(replace_rule).delete(delete_rule),
        )
        .route(
            &format!("{base}/policies/{{item}}/rules/{{rule}}/lifecycle/activate"),
            post(activate_rule),
        )
        .route(
            &format!("{base}/policies/{{item}}/rules/{{rule}}/lifecycle/deactivate"),
            post(deactivate_rule),
        )
}

// ---------------------------------------------------------------------------------- shared

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (AuthorizationServer)"))
}

async fn find(app: &AppState, id: &str) -> ApiResult<AuthServerRecord> {
    if id.is_empty() || id.len() > 100 {
        return Err(not_found(id));
    }
    app.store
        .auth_server(id)
        .await?
        .ok_or_else(|| not_found(id))
}

fn target(server: &AuthServerRecord) -> Value {
    json!({
        "id": server.id,
        "type": "AuthorizationServer",
        "alternateId": server.name,
        "displayName": server.name,
    })
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

fn new_item_id(prefix: &str) -> String {
    format!("{prefix}{}", crypto::tokens::random_token(17))
}

/// Reads the server, lets `change` edit it, and writes it over the version read, with the
/// event `change` names; retries when a concurrent write got there first.
async fn mutate<R>(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    mut change: impl FnMut(&mut AuthServerRecord, i64) -> ApiResult<(R, &'static str, &'static str)>,
) -> ApiResult<(AuthServerRecord, R)> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut server = find(app, id).await?;
        let now = app.clock.now().millis();
        let (result, kind, display) = change(&mut server, now)?;
        server.last_updated = now;
        let event = events::event(
            kind,
            display,
            &Actor::token(admin),
            vec![target(&server)],
            now,
        );
        if app.store.update_auth_server(&server, &event).await? {
            server.version += 1;
            return Ok((server, result));
        }
    }
    Err(ApiError::UpdateConflict)
}

fn items<'s>(server: &'s AuthServerRecord, key: &str) -> Vec<&'s Map<String, Value>> {
    server
        .body
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

fn items_mut<'s>(server: &'s mut AuthServerRecord, key: &str) -> &'s mut Vec<Value> {
    let entry = server
        .body
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !entry.is_array() {
        *entry = Value::Array(Vec::new());
    }
    match entry.as_array_mut() {
        Some(list) => list,
        None => unreachable!("the entry was made an array above"),
    }
}

fn position(list: &[Value], id: &str) -> Option<usize> {
    list.iter()
        .position(|v| v.get("id").and_then(Value::as_str) == Some(id))
}

fn body_object(body: &Value) -> ApiResult<&Map<String, Value>> {
    body.as_object().ok_or(ApiError::MalformedBody)
}

// --------------------------------------------------------------------------------- servers

fn render(app: &AppState, server: &AuthServerRecord, keys: &[AuthServerKeyRecord]) -> Value {
    let self_href = app
        .links
        .api(&format!("authorizationServers/{}", server.id));
    let oauth = format!("{}/oauth2/{}", app.links.base(), server.id);
    let rotation = server
        .body
        .get("rotationMode")
        .and_then(Value::as_str)
        .unwrap_or("AUTO");
    let mut signing = Map::new();
    signing.insert("rotationMode".into(), json!(rotation));
    if let Some(active) = keys.iter().find(|k| k.status == "ACTIVE") {
        signing.insert("lastRotated".into(), json!(iso(active.created)));
        if rotation == "AUTO" {
            signing.insert(
                "nextRotation".into(),
                json!(iso(active.created + keys::AUTO_ROTATION_MS)),
            );
        }
        signing.insert("kid".into(), json!(active.kid));
    }
    signing.insert("use".into(), json!("sig"));
    let lifecycle = if server.status == "ACTIVE" {
        "deactivate"
    } else {
        "activate"
    };
    let mut links = LinkSet::new()
        .add_hints("scopes", format!("{self_href}/scopes"), &["GET"])
        .add_hints("claims", format!("{self_href}/claims"), &["GET"])
        .add_hints("policies", format!("{self_href}/policies"), &["GET"])
        .add_hints("self", self_href.clone(), &["GET", "DELETE", "PUT"])
        .add_hints(
            "rotateKey",
            format!("{self_href}/credentials/lifecycle/keyRotate"),
            &["POST"],
        )
        .add_hints(
            lifecycle,
            format!("{self_href}/lifecycle/{lifecycle}"),
            &["POST"],
        )
        .into_value();
    if let Value::Object(map) = &mut links {
        map.insert(
            "metadata".into(),
            json!([
                { "name": "oauth-authorization-server",
                  "href": format!("{oauth}/.well-known/oauth-authorization-server"),
                  "hints": { "allow": ["GET"] } },
                { "name": "openid-configuration",
                  "href": format!("{oauth}/.well-known/openid-configuration"),
                  "hints": { "allow": ["GET"] } }
            ]),
        );
    }
    json!({
        "id": server.id,
        "name": server.name,
        "description": server.body.get("description").cloned().unwrap_or(Value::Null),
        "audiences": server.body.get("audiences").cloned().unwrap_or_else(|| json!([])),
        "issuer": oauth,
        "issuerMode": server.body.get("issuerMode").cloned().unwrap_or_else(|| json!("ORG_URL")),
        "status": server.status,
        "created": iso(server.created),
        "lastUpdated": iso(server.last_updated),
        "default": server.id == crate::oauth::servers::DEFAULT_SERVER_ID,
        "credentials": { "signing": signing },
        "_links": links,
    })
}

/// A server as the API shows it; its keys are made if it has none yet (the `default` server
/// gets them on first use).
async fn rendered(app: &AppState, server: &AuthServerRecord) -> ApiResult<Value> {
    let keys = keys::stored(app, &server.id).await.map_err(oauth_failed)?;
    Ok(render(app, server, &keys))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// Lists custom servers oldest first; `q` matches the start of the name or an audience,
/// ignoring case. An org holds few servers: they are read whole and paged here.
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
    let q = params
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let after = match &page.after {
        Some(key) => Some((
            key.key_i64()
                .ok_or_else(|| ApiError::InvalidPaging("after".into()))?,
            key.id.clone(),
        )),
        None => None,
    };
    let mut rows: Vec<AuthServerRecord> = app
        .store
        .list_auth_servers()
        .await?
        .into_iter()
        .filter(|s| {
            q.as_deref().is_none_or(|q| {
                s.name.to_lowercase().starts_with(q)
                    || s.body
                        .get("audiences")
                        .and_then(Value::as_array)
                        .is_some_and(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .any(|aud| aud.to_lowercase().starts_with(q))
                        })
            })
        })
        .filter(|s| {
            after
                .as_ref()
                .is_none_or(|(created, id)| (s.created, &s.id) > (*created, id))
        })
        .collect();
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|s| {
        PageKey {
            key: json!(s.created),
            id: s.id.clone(),
        }
        .encode()
    });
    let mut body = Vec::with_capacity(rows.len());
    for server in &rows {
        body.push(rendered(&app, server).await?);
    }
    let mut echo = Vec::new();
    for (name, value) in [("q", &params.q), ("limit", &params.limit)] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("authorizationServers"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

fn apply_settings(
    server: &mut AuthServerRecord,
    settings: model::authorization_servers::ServerSettings,
) {
    server.name = settings.name;
    server
        .body
        .insert("description".into(), json!(settings.description));
    server
        .body
        .insert("audiences".into(), json!(settings.audiences));
    server.body.insert("issuerMode".into(), json!("ORG_URL"));
    server
        .body
        .insert("rotationMode".into(), json!(settings.rotation_mode));
}

/// Creates an ACTIVE server with the OpenID Connect scopes and its signing keys
/// (createAuthorizationServer, 201).
async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let settings = model::authorization_servers::server(&body)?;
    let now = app.clock.now().millis();
    let template = crate::oauth::servers::default_server(now);
    let mut server = AuthServerRecord {
        id: new_item_id("aus"),
        name: String::new(),
        status: "ACTIVE".into(),
        created: now,
        last_updated: now,
        body: Map::new(),
        version: 1,
    };
    apply_settings(&mut server, settings);
    server.body.insert(
        "scopes".into(),
        template
            .body
            .get("scopes")
            .cloned()
            .unwrap_or_else(|| json!([])),
    );
    server.body.insert("claims".into(), json!([]));
    server.body.insert("policies".into(), json!([]));
    let event = events::event(
        "oauth2.as.created",
        "Create authorization server",
        &Actor::token(&admin),
        vec![target(&server)],
        now,
    );
    app.store.insert_auth_server(&server, &event).await?;
    let keys = keys::stored(&app, &server.id).await.map_err(oauth_failed)?;
    Ok((StatusCode::CREATED, Json(render(&app, &server, &keys))).into_response())
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    Ok(Json(rendered(&app, &server).await?))
}

async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let settings = model::authorization_servers::server(&body)?;
    let (server, ()) = mutate(&app, &admin, &id, |server, _| {
        apply_settings(server, settings.clone());
        Ok(((), "oauth2.as.updated", "Update authorization server"))
    })
    .await?;
    Ok(Json(rendered(&app, &server).await?))
}

async fn delete_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let server = find(&app, &id).await?;
    let now = app.clock.now().millis();
    let event = events::event(
        "oauth2.as.deleted",
        "Delete authorization server",
        &Actor::token(&admin),
        vec![target(&server)],
        now,
    );
    if !app.store.delete_auth_server(&id, &event).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    status: &'static str,
) -> ApiResult<StatusCode> {
    let server = find(app, id).await?;
    if server.status == status {
        return Ok(StatusCode::NO_CONTENT);
    }
    mutate(app, admin, id, |server, _| {
        server.status = status.to_owned();
        Ok(if status == "ACTIVE" {
            ((), "oauth2.as.activated", "Activate authorization server")
        } else {
            (
                (),
                "oauth2.as.deactivated",
                "Deactivate authorization server",
            )
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    set_status(&app, &admin, &id, "ACTIVE").await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    set_status(&app, &admin, &id, "INACTIVE").await
}

// ------------------------------------------------------------------------------------ keys

fn render_key(app: &AppState, server_id: &str, key: &AuthServerKeyRecord) -> Value {
    json!({
        "status": key.status,
        "alg": "RS256",
        "e": key.e,
        "n": key.n,
        "kid": key.kid,
        "kty": "RSA",
        "use": "sig",
        "_links": LinkSet::new()
            .add_hints(
                "self",
                app.links.api(&format!(
                    "authorizationServers/{server_id}/credentials/keys/{}",
                    key.kid
                )),
                &["GET"],
            )
            .into_value(),
    })
}

fn oauth_failed(e: crate::oauth::OAuthError) -> ApiError {
    tracing::error!(error = %e.description, "authorization server keys");
    ApiError::Internal
}

async fn list_keys(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    find(&app, &id).await?;
    let keys = keys::stored(&app, &id).await.map_err(oauth_failed)?;
    Ok(Json(Value::Array(
        keys.iter().map(|k| render_key(&app, &id, k)).collect(),
    )))
}

async fn get_key(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((id, kid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    find(&app, &id).await?;
    let keys = keys::stored(&app, &id).await.map_err(oauth_failed)?;
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| ApiError::not_found(format!("Resource not found: {kid} (JsonWebKey)")))?;
    Ok(Json(render_key(&app, &id, key)))
}

/// Rotates the keys (rotateAuthorizationServerKeys): the body's `use` must be `sig`.
async fn rotate_keys(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    if body.get("use").and_then(Value::as_str) != Some("sig") {
        return Err(ApiError::invalid(
            "use",
            "The only supported value is 'sig'",
        ));
    }
    let now = app.clock.now().millis();
    let event = events::event(
        "oauth2.as.key.rollover",
        "Rotate authorization server keys",
        &Actor::token(&admin),
        vec![target(&server)],
        now,
    );
    keys::rotate(&app, &id, &event)
        .await
        .map_err(oauth_failed)?;
    let keys = app.store.auth_server_keys(&id).await?;
    Ok(Json(Value::Array(
        keys.iter().map(|k| render_key(&app, &id, k)).collect(),
    )))
}

// -------------------------------------------------------------------------- scopes, claims

/// A collection kept in the server document.
#[derive(Clone, Copy)]
struct Collection {
    key: &'static str,
    prefix: &'static str,
    /// The resource name of its 404s.
    resource: &'static str,
    validate: fn(&Value) -> Result<Map<String, Value>, model::error::DomainError>,
    /// Whether two items clash by name (scopes: same name; claims: same name and type).
    clash: fn(&Map<String, Value>, &Map<String, Value>) -> bool,
}

const SCOPES: Collection = Collection {
    key: "scopes",
    prefix: "scp",
    resource: "OAuth2Scope",
    validate: model::authorization_servers::scope,
    clash: |a, b| a.get("name") == b.get("name"),
};

const CLAIMS: Collection = Collection {
    key: "claims",
    prefix: "ocl",
    resource: "OAuth2Claim",
    validate: model::authorization_servers::claim,
    clash: |a, b| a.get("name") == b.get("name") && a.get("claimType") == b.get("claimType"),
};

fn item_not_found(c: Collection, id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} ({})", c.resource))
}

/// A scope or claim as the API shows it (the `OAuth2Scope` / `OAuth2Claim` schemas): its
/// fields and a `self` link; what is kept for bookkeeping (`created`, `lastUpdated`) is not
/// shown.
fn render_item(app: &AppState, server_id: &str, c: Collection, item: &Map<String, Value>) -> Value {
    let mut out = item.clone();
    out.remove("created");
    out.remove("lastUpdated");
    let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
    out.insert(
        "_links".into(),
        LinkSet::new()
            .add_hints(
                "self",
                app.links
                    .api(&format!("authorizationServers/{server_id}/{}/{id}", c.key)),
                &["GET", "PUT", "DELETE"],
            )
            .into_value(),
    );
    Value::Object(out)
}

async fn list_collection(app: &AppState, id: &str, c: Collection) -> ApiResult<Json<Value>> {
    let server = find(app, id).await?;
    Ok(Json(Value::Array(
        items(&server, c.key)
            .into_iter()
            .map(|i| render_item(app, id, c, i))
            .collect(),
    )))
}

async fn get_item(app: &AppState, id: &str, item: &str, c: Collection) -> ApiResult<Json<Value>> {
    let server = find(app, id).await?;
    items(&server, c.key)
        .into_iter()
        .find(|i| i.get("id").and_then(Value::as_str) == Some(item))
        .map(|i| Json(render_item(app, id, c, i)))
        .ok_or_else(|| item_not_found(c, item))
}

fn clash_error(c: Collection) -> ApiError {
    ApiError::invalid(
        "name",
        format!(
            "A {} with this name already exists on the authorization server",
            if c.key == "scopes" { "scope" } else { "claim" }
        ),
    )
}

async fn create_item(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    body: &Value,
    c: Collection,
) -> ApiResult<Response> {
    body_object(body)?;
    let fields = (c.validate)(body)?;
    let (_, created) = mutate(app, admin, id, |server, now| {
        let list = items_mut(server, c.key);
        if list
            .iter()
            .filter_map(Value::as_object)
            .any(|other| (c.clash)(other, &fields))
        {
            return Err(clash_error(c));
        }
        let mut item = fields.clone();
        item.insert("id".into(), json!(new_item_id(c.prefix)));
        item.insert("system".into(), json!(false));
        if c.key == "scopes" {
            item.insert("created".into(), json!(iso(now)));
            item.insert("lastUpdated".into(), json!(iso(now)));
        }
        list.push(Value::Object(item.clone()));
        Ok((
            item,
            event_name(c, "created"),
            "Create authorization server item",
        ))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(render_item(app, id, c, &created))).into_response())
}

fn event_name(c: Collection, what: &str) -> &'static str {
    match (c.key, what) {
        ("scopes", "created") => "oauth2.scope.created",
        ("scopes", "updated") => "oauth2.scope.updated",
        ("scopes", _) => "oauth2.scope.deleted",
        (_, "created") => "oauth2.claim.created",
        (_, "updated") => "oauth2.claim.updated",
        _ => "oauth2.claim.deleted",
    }
}

fn system_refused() -> ApiError {
    ApiError::invalid(
        "system",
        "A system object of the authorization server cannot be changed",
    )
}

async fn replace_item(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    item_id: &str,
    body: &Value,
    c: Collection,
) -> ApiResult<Json<Value>> {
    body_object(body)?;
    let fields = (c.validate)(body)?;
    let (_, replaced) = mutate(app, admin, id, |server, now| {
        let list = items_mut(server, c.key);
        let at = position(list, item_id).ok_or_else(|| item_not_found(c, item_id))?;
        let existing = list
            .get(at)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if existing.get("system") == Some(&json!(true)) {
            return Err(system_refused());
        }
        if list.iter().filter_map(Value::as_object).any(|other| {
            other.get("id").and_then(Value::as_str) != Some(item_id) && (c.clash)(other, &fields)
        }) {
            return Err(clash_error(c));
        }
        let mut item = fields.clone();
        for keep in ["id", "system", "created"] {
            if let Some(v) = existing.get(keep) {
                item.insert(keep.into(), v.clone());
            }
        }
        if c.key == "scopes" {
            item.insert("lastUpdated".into(), json!(iso(now)));
        }
        if let Some(slot) = list.get_mut(at) {
            *slot = Value::Object(item.clone());
        }
        Ok((
            item,
            event_name(c, "updated"),
            "Update authorization server item",
        ))
    })
    .await?;
    Ok(Json(render_item(app, id, c, &replaced)))
}

async fn delete_item(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    item_id: &str,
    c: Collection,
) -> ApiResult<StatusCode> {
    mutate(app, admin, id, |server, _| {
        let list = items_mut(server, c.key);
        let at = position(list, item_id).ok_or_else(|| item_not_found(c, item_id))?;
        if list.get(at).and_then(|i| i.get("system")) == Some(&json!(true)) {
            return Err(system_refused());
        }
        list.remove(at);
        Ok((
            (),
            event_name(c, "deleted"),
            "Delete authorization server item",
        ))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which collection a generic handler serves.
trait Kind {
    const COLLECTION: Collection;
}

struct Scopes;
impl Kind for Scopes {
    const COLLECTION: Collection = SCOPES;
}

struct Claims;
impl Kind for Claims {
    const COLLECTION: Collection = CLAIMS;
}

async fn list_items<K: Kind>(
    State(app): State<AppState>,
    _a: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    list_collection(&app, &id, K::COLLECTION).await
}

async fn create_one<K: Kind>(
    State(app): State<AppState>,
    a: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    create_item(&app, &a, &id, &body, K::COLLECTION).await
}

async fn get_one_item<K: Kind>(
    State(app): State<AppState>,
    _a: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    get_item(&app, &id, &item, K::COLLECTION).await
}

async fn replace_one<K: Kind>(
    State(app): State<AppState>,
    a: AdminToken,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    replace_item(&app, &a, &id, &item, &body, K::COLLECTION).await
}

async fn delete_one_item<K: Kind>(
    State(app): State<AppState>,
    a: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    delete_item(&app, &a, &id, &item, K::COLLECTION).await
}

// ------------------------------------------------------------------------ policies, rules

fn policy_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource not found: {id} (AuthorizationServerPolicy)"
    ))
}

fn rule_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource not found: {id} (AuthorizationServerPolicyRule)"
    ))
}

fn render_policy(app: &AppState, server_id: &str, policy: &Map<String, Value>) -> Value {
    let mut out = policy.clone();
    out.remove("rules");
    let id = policy.get("id").and_then(Value::as_str).unwrap_or_default();
    let href = app
        .links
        .api(&format!("authorizationServers/{server_id}/policies/{id}"));
    let lifecycle = if policy.get("status").and_then(Value::as_str) == Some("ACTIVE") {
        "deactivate"
    } else {
        "activate"
    };
    out.insert(
        "_links".into(),
        LinkSet::new()
            .add_hints("self", href.clone(), &["GET", "PUT", "DELETE"])
            .add_hints(
                lifecycle,
                format!("{href}/lifecycle/{lifecycle}"),
                &["POST"],
            )
            .add_hints("rules", format!("{href}/rules"), &["GET"])
            .into_value(),
    );
    Value::Object(out)
}

fn render_rule(
    app: &AppState,
    server_id: &str,
    policy_id: &str,
    rule: &Map<String, Value>,
) -> Value {
    let mut out = rule.clone();
    let id = rule.get("id").and_then(Value::as_str).unwrap_or_default();
    let href = app.links.api(&format!(
        "authorizationServers/{server_id}/policies/{policy_id}/rules/{id}"
    ));
    let lifecycle = if rule.get("status").and_then(Value::as_str) == Some("ACTIVE") {
        "deactivate"
    } else {
        "activate"
    };
    out.insert(
        "_links".into(),
        LinkSet::new()
            .add_hints("self", href.clone(), &["GET", "PUT", "DELETE"])
            .add_hints(
                lifecycle,
                format!("{href}/lifecycle/{lifecycle}"),
                &["POST"],
            )
            .into_value(),
    );
    Value::Object(out)
}

fn next_priority(list: &[Value]) -> i64 {
    list.iter()
        .filter_map(|p| p.get("priority").and_then(Value::as_i64))
        .max()
        .unwrap_or(0)
        + 1
}

async fn list_policies(
    State(app): State<AppState>,
    _a: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    Ok(Json(Value::Array(
        items(&server, "policies")
            .into_iter()
            .map(|p| render_policy(&app, &id, p))
            .collect(),
    )))
}

async fn get_policy(
    State(app): State<AppState>,
    _a: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    items(&server, "policies")
        .into_iter()
        .find(|p| p.get("id").and_then(Value::as_str) == Some(item.as_str()))
        .map(|p| Json(render_policy(&app, &id, p)))
        .ok_or_else(|| policy_not_found(&item))
}

async fn create_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let fields = model::authorization_servers::policy(&body)?;
    let (_, created) = mutate(&app, &admin, &id, |server, now| {
        let list = items_mut(server, "policies");
        let mut policy = fields.clone();
        policy.insert("id".into(), json!(new_item_id("00p")));
        if !policy.contains_key("priority") {
            policy.insert("priority".into(), json!(next_priority(list)));
        }
        policy.insert("created".into(), json!(iso(now)));
        policy.insert("lastUpdated".into(), json!(iso(now)));
        policy.insert("rules".into(), json!([]));
        list.push(Value::Object(policy.clone()));
        Ok((
            policy,
            "oauth2.as.policy.created",
            "Create authorization server policy",
        ))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(render_policy(&app, &id, &created)),
    )
        .into_response())
}

async fn replace_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let fields = model::authorization_servers::policy(&body)?;
    let (_, replaced) = mutate(&app, &admin, &id, |server, now| {
        let list = items_mut(server, "policies");
        let at = position(list, &item).ok_or_else(|| policy_not_found(&item))?;
        let existing = list
            .get(at)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut policy = fields.clone();
        for keep in ["id", "created", "rules", "priority", "status"] {
            if keep == "priority" && policy.contains_key("priority") {
                continue;
            }
            if let Some(v) = existing.get(keep) {
                policy.insert(keep.into(), v.clone());
            }
        }
        policy.insert("lastUpdated".into(), json!(iso(now)));
        if let Some(slot) = list.get_mut(at) {
            *slot = Value::Object(policy.clone());
        }
        Ok((
            policy,
            "oauth2.as.policy.updated",
            "Update authorization server policy",
        ))
    })
    .await?;
    Ok(Json(render_policy(&app, &id, &replaced)))
}

async fn delete_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    mutate(&app, &admin, &id, |server, _| {
        let list = items_mut(server, "policies");
        let at = position(list, &item).ok_or_else(|| policy_not_found(&item))?;
        list.remove(at);
        Ok((
            (),
            "oauth2.as.policy.deleted",
            "Delete authorization server policy",
        ))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn policy_status(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    item: &str,
    status: &'static str,
) -> ApiResult<StatusCode> {
    mutate(app, admin, id, |server, now| {
        let list = items_mut(server, "policies");
        let at = position(list, item).ok_or_else(|| policy_not_found(item))?;
        set_item_status(list, at, status, now);
        Ok(status_event(false, status))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the `status` of the policy or rule at `at`.
fn set_item_status(list: &mut [Value], at: usize, status: &str, now: i64) {
    if let Some(Value::Object(item)) = list.get_mut(at) {
        item.insert("status".into(), json!(status));
        item.insert("lastUpdated".into(), json!(iso(now)));
    }
}

/// The event of a policy's (or a rule's) lifecycle change to `status`.
fn status_event(rule: bool, status: &str) -> ((), &'static str, &'static str) {
    let (event, display) = match (rule, status == "ACTIVE") {
        (false, true) => (
            "oauth2.as.policy.activated",
            "Activate authorization server policy",
        ),
        (false, false) => (
            "oauth2.as.policy.deactivated",
            "Deactivate authorization server policy",
        ),
        (true, true) => (
            "oauth2.as.policy.rule.activated",
            "Activate authorization server policy rule",
        ),
        (true, false) => (
            "oauth2.as.policy.rule.deactivated",
            "Deactivate authorization server policy rule",
        ),
    };
    ((), event, display)
}

async fn activate_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    policy_status(&app, &admin, &id, &item, "ACTIVE").await
}

async fn deactivate_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    policy_status(&app, &admin, &id, &item, "INACTIVE").await
}

/// The rules list of policy `item` in `server`.
fn rules_mut<'s>(server: &'s mut AuthServerRecord, item: &str) -> ApiResult<&'s mut Vec<Value>> {
    let list = items_mut(server, "policies");
    let at = position(list, item).ok_or_else(|| policy_not_found(item))?;
    let Some(Value::Object(policy)) = list.get_mut(at) else {
        return Err(policy_not_found(item));
    };
    let rules = policy
        .entry("rules")
        .or_insert_with(|| Value::Array(Vec::new()));
    match rules {
        Value::Array(r) => Ok(r),
        _ => Err(policy_not_found(item)),
    }
}

fn policy_rules<'s>(
    server: &'s AuthServerRecord,
    item: &str,
) -> ApiResult<Vec<&'s Map<String, Value>>> {
    let policy = items(server, "policies")
        .into_iter()
        .find(|p| p.get("id").and_then(Value::as_str) == Some(item))
        .ok_or_else(|| policy_not_found(item))?;
    Ok(policy
        .get("rules")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default())
}

async fn list_rules(
    State(app): State<AppState>,
    _a: AdminToken,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    let rules = policy_rules(&server, &item)?;
    Ok(Json(Value::Array(
        rules
            .into_iter()
            .map(|r| render_rule(&app, &id, &item, r))
            .collect(),
    )))
}

async fn get_rule(
    State(app): State<AppState>,
    _a: AdminToken,
    Path((id, item, rule)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let server = find(&app, &id).await?;
    policy_rules(&server, &item)?
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(rule.as_str()))
        .map(|r| Json(render_rule(&app, &id, &item, r)))
        .ok_or_else(|| rule_not_found(&rule))
}

async fn create_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let fields = model::authorization_servers::rule(&body)?;
    let (_, created) = mutate(&app, &admin, &id, |server, now| {
        let rules = rules_mut(server, &item)?;
        let mut rule = fields.clone();
        rule.insert("id".into(), json!(new_item_id("0pr")));
        if !rule.contains_key("priority") {
            rule.insert("priority".into(), json!(next_priority(rules)));
        }
        rule.insert("created".into(), json!(iso(now)));
        rule.insert("lastUpdated".into(), json!(iso(now)));
        rules.push(Value::Object(rule.clone()));
        Ok((
            rule,
            "oauth2.as.policy.rule.created",
            "Create authorization server policy rule",
        ))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(render_rule(&app, &id, &item, &created)),
    )
        .into_response())
}

async fn replace_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item, rule_id)): Path<(String, String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let fields = model::authorization_servers::rule(&body)?;
    let (_, replaced) = mutate(&app, &admin, &id, |server, now| {
        let rules = rules_mut(server, &item)?;
        let at = position(rules, &rule_id).ok_or_else(|| rule_not_found(&rule_id))?;
        let existing = rules
            .get(at)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut rule = fields.clone();
        for keep in ["id", "created", "priority", "status"] {
            if keep == "priority" && rule.contains_key("priority") {
                continue;
            }
            if let Some(v) = existing.get(keep) {
                rule.insert(keep.into(), v.clone());
            }
        }
        rule.insert("lastUpdated".into(), json!(iso(now)));
        if let Some(slot) = rules.get_mut(at) {
            *slot = Value::Object(rule.clone());
        }
        Ok((
            rule,
            "oauth2.as.policy.rule.updated",
            "Update authorization server policy rule",
        ))
    })
    .await?;
    Ok(Json(render_rule(&app, &id, &item, &replaced)))
}

async fn delete_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item, rule_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    mutate(&app, &admin, &id, |server, _| {
        let rules = rules_mut(server, &item)?;
        let at = position(rules, &rule_id).ok_or_else(|| rule_not_found(&rule_id))?;
        rules.remove(at);
        Ok((
            (),
            "oauth2.as.policy.rule.deleted",
            "Delete authorization server policy rule",
        ))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rule_status(
    app: &AppState,
    admin: &AdminToken,
    id: &str,
    item: &str,
    rule_id: &str,
    status: &'static str,
) -> ApiResult<StatusCode> {
    mutate(app, admin, id, |server, now| {
        let rules = rules_mut(server, item)?;
        let at = position(rules, rule_id).ok_or_else(|| rule_not_found(rule_id))?;
        set_item_status(rules, at, status, now);
        Ok(status_event(true, status))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn activate_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item, rule)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    rule_status(&app, &admin, &id, &item, &rule, "ACTIVE").await
}

async fn deactivate_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((id, item, rule)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    rule_status(&app, &admin, &id, &item, &rule, "INACTIVE").await
}
