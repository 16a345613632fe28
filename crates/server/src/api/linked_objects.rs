//! Linked objects (linked-objects.md; the LinkedObject and UserLinkedObject tags): relationship
//! definitions under `/api/v1/meta/schemas/user/linkedObjects` (create, list, get and delete
//! by either name) and their values under `/api/v1/users/{idOrLogin}/linkedObjects`: link an
//! associated user to a primary user, read a user's primary or (in keyset pages) associated
//! users, unlink. An associated user has at most one primary per definition; a new link
//! replaces the old one.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{LinkedObjectInsert, LinkedObjectRecord, PageKey};

use crate::api::users::find_user;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};

const BASE: &str = "meta/schemas/user/linkedObjects";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meta/schemas/user/linkedObjects", get(list).post(create))
        .route(
            "/meta/schemas/user/linkedObjects/{name}",
            get(get_one).delete(delete_definition),
        )
        .route(
            "/users/{id}/linkedObjects/{name}",
            get(values).delete(unlink),
        )
        .route("/users/{id}/linkedObjects/{name}/{primary_user}", put(link))
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {name} (LinkedObject)"))
}

async fn find(app: &AppState, name: &str) -> ApiResult<LinkedObjectRecord> {
    app.store
        .linked_object_by_name(name)
        .await?
        .ok_or_else(|| not_found(name))
}

fn side(name: &str, title: &str, description: Option<&String>) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    out.insert("title".into(), json!(title));
    if let Some(d) = description {
        out.insert("description".into(), json!(d));
    }
    out.insert("type".into(), json!("USER"));
    Value::Object(out)
}

fn render(app: &AppState, d: &LinkedObjectRecord) -> Value {
    json!({
        "primary": side(&d.primary_name, &d.primary_title, d.primary_description.as_ref()),
        "associated": side(&d.associated_name, &d.associated_title, d.associated_description.as_ref()),
        "_links": { "self": { "href": app.links.api(&format!("{BASE}/{}", d.primary_name)) } },
    })
}

/// A name may not start with a digit and holds only letters, digits and underscores.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 255
}

/// One side of a definition body: (name, title, description).
fn parse_side(body: &Value, which: &str) -> ApiResult<(String, String, Option<String>)> {
    let part = body.get(which).filter(|v| v.is_object()).ok_or_else(|| {
        ApiError::invalid(which, format!("{which}: The field cannot be left blank"))
    })?;
    let text = |field: &str| -> ApiResult<Option<String>> {
        match part.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(ApiError::invalid(
                which,
                format!("{which}.{field}: The value must be text."),
            )),
        }
    };
    let name = text("name")?.filter(|n| !n.is_empty()).ok_or_else(|| {
        ApiError::invalid(
            which,
            format!("{which}.name: The field cannot be left blank"),
        )
    })?;
    if !valid_name(&name) {
        return Err(ApiError::invalid(
            which,
            format!(
                "{which}.name: A name may not start with a digit and holds only letters, \
                 digits and underscores."
            ),
        ));
    }
    let title = text("title")?.filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::invalid(
            which,
            format!("{which}.title: The field cannot be left blank"),
        )
    })?;
    if title.chars().count() > 255 {
        return Err(ApiError::invalid(
            which,
            format!("{which}.title: The field is too long"),
        ));
    }
    let description = text("description")?.filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1024)
    {
        return Err(ApiError::invalid(
            which,
            format!("{which}.description: The field is too long"),
        ));
    }
    match part.get("type").and_then(Value::as_str) {
        None | Some("USER") => {}
        Some(other) => {
            return Err(ApiError::invalid(
                which,
                format!("{which}.type: {other} is not a linked object type; the type is USER."),
            ))
        }
    }
    Ok((name, title, description))
}

fn definition_target(d: &LinkedObjectRecord) -> Value {
    json!({ "id": d.primary_name, "type": "LinkedObject", "alternateId": d.associated_name,
            "displayName": d.primary_title })
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let (primary_name, primary_title, primary_description) = parse_side(&body, "primary")?;
    let (associated_name, associated_title, associated_description) =
        parse_side(&body, "associated")?;
    if primary_name.eq_ignore_ascii_case(&associated_name) {
        return Err(ApiError::invalid(
            "associated",
            "associated.name: The associated name must differ from the primary name.",
        ));
    }
    let now = app.clock.now().millis();
    let d = LinkedObjectRecord {
        primary_name,
        primary_title,
        primary_description,
        associated_name,
        associated_title,
        associated_description,
        created: now,
    };
    let event = events::event(
        "system.linked_object.create",
        "Create linked object definition",
        &Actor::token(&admin),
        vec![definition_target(&d)],
        now,
    );
    match app.store.insert_linked_object(&d, &event).await? {
        LinkedObjectInsert::Inserted => {
            Ok((StatusCode::CREATED, Json(render(&app, &d))).into_response())
        }
        LinkedObjectInsert::NameTaken => Err(ApiError::LinkedObjectNameTaken {
            causes: vec![
                "Linked object identifier for primary is already in use.".into(),
                "Linked object identifier for associated is already in use.".into(),
            ],
        }),
        LinkedObjectInsert::TooMany => Err(ApiError::invalid(
            "linkedObject",
            format!(
                "linkedObject: The org already has the most linked object definitions it may \
                 have ({}).",
                store::linked_object_sql::MAX_DEFINITIONS
            ),
        )),
    }
}

async fn list(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let all = app.store.list_linked_objects().await?;
    Ok(Json(Value::Array(
        all.iter().map(|d| render(&app, d)).collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(render(&app, &find(&app, &name).await?)))
}

/// Deletes the whole definition (named by either side) and every value of it.
async fn delete_definition(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let d = find(&app, &name).await?;
    let event = events::event(
        "system.linked_object.delete",
        "Delete linked object definition",
        &Actor::token(&admin),
        vec![definition_target(&d)],
        app.clock.now().millis(),
    );
    if !app
        .store
        .delete_linked_object(&d.primary_name, &event)
        .await?
    {
        return Err(not_found(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn user_link(app: &AppState, user_id: &str) -> Value {
    json!({ "_links": { "self": { "href": app.links.api(&format!("users/{user_id}")) } } })
}

fn value_event(
    admin: &AdminToken,
    event_type: &str,
    display: &str,
    d: &LinkedObjectRecord,
    associated: &str,
    now: i64,
) -> store::EventRecord {
    events::event(
        event_type,
        display,
        &Actor::token(admin),
        vec![
            json!({ "id": associated, "type": "User" }),
            definition_target(d),
        ],
        now,
    )
}

/// Makes the first user an associated of the second in the relationship named by its
/// primary name (204); an earlier primary of the first user is replaced.
async fn link(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((user, name, primary_user)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let d = find(&app, &name).await?;
    if !d.primary_name.eq_ignore_ascii_case(&name) {
        return Err(not_found(&name));
    }
    let associated = find_user(&app, &user).await?;
    let primary = find_user(&app, &primary_user).await?;
    let now = app.clock.now().millis();
    let event = value_event(
        &admin,
        "user.linked_object.add",
        "Add linked object value",
        &d,
        &associated.id,
        now,
    );
    app.store
        .set_linked_object_value(&d.primary_name, &associated.id, &primary.id, now, &event)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct PageParams {
    limit: Option<String>,
    after: Option<String>,
}

/// Associated users per page unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 200;

/// With a primary name: the user's primary (`[]` when none). With an associated name: the
/// users whose primary the user is, by id, in keyset pages.
async fn values(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((user, name)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> ApiResult<Response> {
    let d = find(&app, &name).await?;
    let user = find_user(&app, &user).await?;
    if d.primary_name.eq_ignore_ascii_case(&name) {
        let primary = app.store.primary_of(&d.primary_name, &user.id).await?;
        let body: Vec<Value> = primary.iter().map(|p| user_link(&app, p)).collect();
        return Ok(Json(Value::Array(body)).into_response());
    }
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    let after = page.after.as_ref().map(|k| k.id.as_str());
    let mut ids = app
        .store
        .associated_of(&d.primary_name, &user.id, after, page.limit)
        .await?;
    let more = ids.len() > page.limit as usize;
    ids.truncate(page.limit as usize);
    let next = more.then(|| ids.last()).flatten().map(|id| {
        PageKey {
            key: json!(0),
            id: id.clone(),
        }
        .encode()
    });
    let mut echo = Vec::new();
    if let Some(limit) = &params.limit {
        echo.push(("limit", limit.clone()));
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api(&format!(
            "users/{}/linkedObjects/{}",
            user.id, d.associated_name
        )),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    let body: Vec<Value> = ids.iter().map(|id| user_link(&app, id)).collect();
    Ok((headers, Json(Value::Array(body))).into_response())
}

/// Unlinks the user from its primary in the relationship named by its primary name: 204,
/// also when there was no link; 404 when no definition has that primary name.
async fn unlink(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((user, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let d = find(&app, &name).await?;
    if !d.primary_name.eq_ignore_ascii_case(&name) {
        return Err(not_found(&name));
    }
    let user = find_user(&app, &user).await?;
    let event = value_event(
        &admin,
        "user.linked_object.remove",
        "Remove linked object value",
        &d,
        &user.id,
        app.clock.now().millis(),
    );
    app.store
        .delete_linked_object_value(&d.primary_name, &user.id, &event)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
