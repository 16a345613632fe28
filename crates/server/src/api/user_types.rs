//! The User Types API (user-types.md; the UserType tag): list, create, get (by id or
//! `default`), replace, partial update and delete of `/api/v1/meta/types/user`. Every org
//! has its default type (`default: true`) from the first start; nine more may be made. A
//! user's `type.id` names one (on create, or changed by a full replace of the user); a type
//! that users still have, or the default, cannot be deleted (403 E0000142).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use store::{StoreError, UserTypeDelete, UserTypeRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meta/types/user", get(list).post(create))
        .route(
            "/meta/types/user/{id}",
            get(get_one)
                .put(replace)
                .post(update_partial)
                .delete(delete_type),
        )
}

/// The default type of a new org.
pub fn default_type(id: &str, admin_id: &str, now: i64) -> UserTypeRecord {
    UserTypeRecord {
        id: id.to_owned(),
        name: "user".into(),
        display_name: "User".into(),
        description: "The default user type".into(),
        is_default: true,
        created_by: admin_id.to_owned(),
        last_updated_by: admin_id.to_owned(),
        created: now,
        last_updated: now,
    }
}

/// `id` when it names a user type (the default needs no read), else Okta's 400.
pub async fn known_type(app: &AppState, id: String) -> ApiResult<String> {
    if id == app.default_user_type_id() {
        return Ok(id);
    }
    let exists = model::ids::looks_like(Kind::UserType, &id)
        && app.store.user_type_by_id(&id).await?.is_some();
    if exists {
        Ok(id)
    } else {
        Err(ApiError::invalid(
            "type",
            format!("type.id: User type {id} not found"),
        ))
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (UserType)"))
}

async fn find(app: &AppState, id: &str) -> ApiResult<UserTypeRecord> {
    let id = if id == "default" {
        app.default_user_type_id()
    } else {
        id.to_owned()
    };
    let found = if model::ids::looks_like(Kind::UserType, &id) {
        app.store.user_type_by_id(&id).await?
    } else {
        None
    };
    found.ok_or_else(|| not_found(&id))
}

fn link(rel: &str, href: String) -> Value {
    json!({ "rel": rel, "href": href, "method": "GET" })
}

fn render(app: &AppState, t: &UserTypeRecord) -> Value {
    let schema = format!("osc{}", t.id.get(3..).unwrap_or_default());
    json!({
        "id": t.id,
        "displayName": t.display_name,
        "name": t.name,
        "description": t.description,
        "createdBy": t.created_by,
        "lastUpdatedBy": t.last_updated_by,
        "created": Timestamp(t.created).to_iso(),
        "lastUpdated": Timestamp(t.last_updated).to_iso(),
        "default": t.is_default,
        "_links": {
            "schema": link("schema", app.links.api(&format!("meta/schemas/user/{schema}"))),
            "self": link("self", app.links.api(&format!("meta/types/user/{}", t.id))),
        },
    })
}

fn target(t: &UserTypeRecord) -> Value {
    json!({ "id": t.id, "type": "UserType", "alternateId": t.name, "displayName": t.display_name })
}

/// A text field of the body: `Ok(None)` when absent, a 400 when not a string.
fn text<'a>(body: &'a Value, field: &str) -> ApiResult<Option<&'a str>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field}: The value must be text."),
        )),
    }
}

fn required<'a>(body: &'a Value, field: &str) -> ApiResult<&'a str> {
    text(body, field)?
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(field, format!("{field}: The field cannot be left blank")))
}

fn bounded(field: &str, value: &str, max: usize) -> ApiResult<String> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field}: The field is too long (at most {max} characters)."),
        ));
    }
    Ok(value.to_owned())
}

/// A type name starts with a letter and has only letters, digits and underscores.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

async fn list(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let all = app.store.list_user_types().await?;
    Ok(Json(Value::Array(
        all.iter().map(|t| render(&app, t)).collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(render(&app, &find(&app, &id).await?)))
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let display_name = bounded("displayName", required(&body, "displayName")?, 255)?;
    let name = bounded("name", required(&body, "name")?, 255)?;
    if !valid_name(&name) {
        return Err(ApiError::invalid(
            "name",
            "name: The name must start with a letter and hold only letters, digits and \
             underscores.",
        ));
    }
    let description = bounded(
        "description",
        text(&body, "description")?.unwrap_or(""),
        1024,
    )?;
    let now = app.clock.now().millis();
    let actor = Actor::token(&admin);
    let t = UserTypeRecord {
        id: new_id(Kind::UserType),
        name,
        display_name,
        description,
        is_default: false,
        created_by: admin.token.user_id.clone(),
        last_updated_by: admin.token.user_id.clone(),
        created: now,
        last_updated: now,
    };
    let event = events::event(
        "user.type.create",
        "Create user type",
        &actor,
        vec![target(&t)],
        now,
    );
    match app.store.insert_user_type(&t, &event).await {
        Ok(true) => Ok(Json(render(&app, &t))),
        Ok(false) => Err(ApiError::invalid(
            "name",
            format!(
                "name: The org already has the most user types it may have ({}).",
                store::user_type_sql::MAX_USER_TYPES
            ),
        )),
        Err(StoreError::Duplicate { .. }) => Err(ApiError::invalid(
            "name",
            "name: A user type with this name already exists.",
        )),
        Err(other) => Err(other.into()),
    }
}

async fn write(
    app: &AppState,
    admin: &AdminToken,
    mut t: UserTypeRecord,
    display_name: String,
    description: String,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    t.display_name = display_name;
    t.description = description;
    t.last_updated_by.clone_from(&admin.token.user_id);
    t.last_updated = now;
    let event = events::event(
        "user.type.update",
        "Update user type",
        &Actor::token(admin),
        vec![target(&t)],
        now,
    );
    if !app.store.update_user_type(&t, &event).await? {
        return Err(not_found(&t.id));
    }
    Ok(Json(render(app, &t)))
}

/// PUT: `displayName`, `name` (which must be the type's own) and `description`.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let t = find(&app, &id).await?;
    let display_name = bounded("displayName", required(&body, "displayName")?, 255)?;
    let name = required(&body, "name")?;
    if name != t.name {
        return Err(ApiError::invalid(
            "name",
            "name: The name of a user type cannot be changed.",
        ));
    }
    let description = bounded(
        "description",
        text(&body, "description")?.unwrap_or(""),
        1024,
    )?;
    write(&app, &admin, t, display_name, description).await
}

/// POST: a partial update of `displayName` and `description`.
async fn update_partial(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let t = find(&app, &id).await?;
    if let Some(name) = text(&body, "name")? {
        if name != t.name {
            return Err(ApiError::invalid(
                "name",
                "name: The name of a user type cannot be changed.",
            ));
        }
    }
    let display_name = match text(&body, "displayName")? {
        Some(d) if !d.trim().is_empty() => bounded("displayName", d.trim(), 255)?,
        Some(_) => {
            return Err(ApiError::invalid(
                "displayName",
                "displayName: The field cannot be left blank",
            ))
        }
        None => t.display_name.clone(),
    };
    let description = match text(&body, "description")? {
        Some(d) => bounded("description", d, 1024)?,
        None => t.description.clone(),
    };
    write(&app, &admin, t, display_name, description).await
}

async fn delete_type(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let t = find(&app, &id).await?;
    let now = app.clock.now().millis();
    let event = events::event(
        "user.type.delete",
        "Delete user type",
        &Actor::token(&admin),
        vec![target(&t)],
        now,
    );
    match app.store.delete_user_type(&t.id, &event).await? {
        UserTypeDelete::Deleted => Ok(StatusCode::NO_CONTENT),
        UserTypeDelete::NotFound => Err(not_found(&t.id)),
        UserTypeDelete::Default => Err(ApiError::UserTypeNotDeletable {
            reason: "PROHIBITED",
        }),
        UserTypeDelete::InUse => Err(ApiError::UserTypeNotDeletable {
            reason: "UNMET_REQUIREMENTS",
        }),
    }
}
