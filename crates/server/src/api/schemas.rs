//! The Schemas API (schemas.md; the Schema tag): get and partially update the user schema of
//! each user type (`/meta/schemas/user/default` or `/meta/schemas/user/{schemaId}`), the group
//! schema (`/meta/schemas/group/default`) and each app's app-user schema
//! (`/meta/schemas/apps/{appId}/default`). The checks themselves are `model::schemas`; this
//! module loads a schema for every profile write and turns a taken unique value into Okta's
//! 400.
//!
//! A user type's schema id is `osc` and the rest of the type id (the `schema` link of the
//! User Types API); `default` names the default type's.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use store::{ProfileSchemaRecord, SchemaChange, StoreError, UserTypeRecord};

use crate::auth::AdminToken;
use crate::state::AppState;
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::Kind;
use model::schemas::{Stored, Target};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/meta/schemas/user/{schema_id}",
            get(get_user).post(update_user),
        )
        .route(
            "/meta/schemas/group/default",
            get(get_group).post(update_group),
        )
        .route(
            "/meta/schemas/apps/{app_id}/default",
            get(get_app).post(update_app),
        )
}

/// How many times a schema update is retried when another one lands first.
const TRIES: usize = 5;

/// A schema as stored, with its row (`None` before its first change).
struct Loaded {
    stored: Stored,
    row: Option<ProfileSchemaRecord>,
}

async fn load(app: &AppState, id: String) -> ApiResult<Loaded> {
    let row = app.store.profile_schema(&id).await?;
    let stored = match &row {
        Some(r) => serde_json::from_value(r.document.clone()).map_err(|e| {
            tracing::error!(error = %e, schema = %id, "stored schema unreadable");
            ApiError::Internal
        })?,
        None => Stored::default(),
    };
    Ok(Loaded { stored, row })
}

/// The user schema of type `type_id`.
pub async fn user_schema(app: &AppState, type_id: &str) -> ApiResult<Stored> {
    Ok(load(app, format!("user:{type_id}")).await?.stored)
}

/// The user schema of every type, by type id (for a bulk import, which checks many users).
pub async fn user_schemas(app: &AppState) -> ApiResult<std::collections::HashMap<String, Stored>> {
    let mut all = std::collections::HashMap::new();
    for t in app.store.list_user_types().await? {
        let schema = user_schema(app, &t.id).await?;
        all.insert(t.id, schema);
    }
    Ok(all)
}

/// The group schema.
pub async fn group_schema(app: &AppState) -> ApiResult<Stored> {
    Ok(load(app, "group".into()).await?.stored)
}

/// The app-user schema of app `app_id`.
pub async fn app_schema(app: &AppState, app_id: &str) -> ApiResult<Stored> {
    Ok(load(app, format!("app:{app_id}")).await?.stored)
}

/// Turns a store refusal into Okta's answer: a taken unique value names the property whose
/// value another user or group holds; anything else maps as usual.
pub async fn refused(
    app: &AppState,
    err: StoreError,
    scope: &str,
    stored: &Stored,
    profile: &Map<String, Value>,
) -> ApiError {
    if !matches!(err, StoreError::Duplicate { field: "unique" }) {
        return err.into();
    }
    for name in model::schemas::unique_names(stored) {
        let value = match profile.get(&name) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Number(_)) => v.to_string(),
            _ => continue,
        };
        if let Ok(Some(_)) = app.store.unique_value_owner(scope, &name, &value).await {
            return ApiError::invalid(
                &name,
                format!(
                    "{name}: An object with this field already exists in the current organization"
                ),
            );
        }
    }
    // The holder changed meanwhile; the write was still refused.
    ApiError::invalid(
        "profile",
        "profile: A unique property's value already exists in the current organization",
    )
}

/// The user type a schema id names, or 404.
async fn user_type_of(app: &AppState, schema_id: &str) -> ApiResult<UserTypeRecord> {
    let not_found = || ApiError::not_found(format!("Resource not found: {schema_id} (UserSchema)"));
    let type_id = if schema_id == "default" || schema_id == app.default_user_schema_id() {
        app.default_user_type_id()
    } else {
        match schema_id.strip_prefix("osc") {
            Some(rest) if !rest.is_empty() => format!("oty{rest}"),
            _ => return Err(not_found()),
        }
    };
    if !model::ids::looks_like(Kind::UserType, &type_id) {
        return Err(not_found());
    }
    app.store
        .user_type_by_id(&type_id)
        .await?
        .ok_or_else(not_found)
}

/// What a schema document says of itself.
struct Header<'a> {
    id: String,
    name: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    /// When the schema came to be, for one never changed.
    created: i64,
}

fn document(header: Header<'_>, target: Target, loaded: &Loaded, links: Value) -> Value {
    let Header {
        id,
        name,
        title,
        description,
        created,
    } = header;
    let (created, updated) = loaded
        .row
        .as_ref()
        .map_or((created, created), |r| (r.created, r.last_updated));
    let mut doc = json!({
        "id": id,
        "$schema": "http://json-schema.org/draft-04/schema#",
        "name": name,
        "title": title,
        "created": Timestamp(created).to_iso(),
        "lastUpdated": Timestamp(updated).to_iso(),
        "definitions": model::schemas::definitions(target, &loaded.stored),
        "type": "object",
        "properties": { "profile": { "allOf": [
            { "$ref": "#/definitions/base" },
            { "$ref": "#/definitions/custom" },
        ] } },
        "_links": links,
    });
    if let (Some(d), Some(fields)) = (description, doc.as_object_mut()) {
        fields.insert("description".into(), json!(d));
    }
    doc
}

fn self_link(href: String) -> Value {
    json!({ "rel": "self", "href": href, "method": "GET" })
}

async fn render_user(app: &AppState, t: &UserTypeRecord) -> ApiResult<Value> {
    let loaded = load(app, format!("user:{}", t.id)).await?;
    let key = if t.is_default {
        "default".to_owned()
    } else {
        format!("osc{}", t.id.get(3..).unwrap_or_default())
    };
    let title = if t.is_default {
        "Default Okta User"
    } else {
        t.display_name.as_str()
    };
    Ok(document(
        Header {
            id: format!("{}/meta/schemas/user/{key}", app.links.base()),
            name: &t.name,
            title,
            description: Some(&t.description),
            created: t.created,
        },
        Target::User,
        &loaded,
        json!({
            "self": self_link(app.links.api(&format!("meta/schemas/user/{key}"))),
            "type": { "rel": "type", "href": app.links.api(&format!("meta/types/user/{}", t.id)), "method": "GET" },
        }),
    ))
}

async fn render_group(app: &AppState) -> ApiResult<Value> {
    let loaded = load(app, "group".into()).await?;
    Ok(document(
        Header {
            id: format!("{}/meta/schemas/group/default", app.links.base()),
            name: "group",
            title: "Okta group",
            description: Some("Okta group profile template"),
            created: app.org.created,
        },
        Target::Group,
        &loaded,
        json!({ "self": self_link(app.links.api("meta/schemas/group/default")) }),
    ))
}

async fn render_app(app: &AppState, a: &store::AppRecord) -> ApiResult<Value> {
    let loaded = load(app, format!("app:{}", a.id)).await?;
    let path = format!("meta/schemas/apps/{}/default", a.id);
    let title = format!("{} User", a.label);
    Ok(document(
        Header {
            id: format!("{}/{path}", app.links.base()),
            name: &a.name,
            title: &title,
            description: None,
            created: a.created,
        },
        Target::App,
        &loaded,
        json!({ "self": self_link(app.links.api(&path)) }),
    ))
}

/// Applies `body` to schema `id`, retrying from the newest version when another update lands
/// first.
async fn update(app: &AppState, id: String, target: Target, body: &Value) -> ApiResult<()> {
    if !body.is_object() {
        return Err(ApiError::MalformedBody);
    }
    for _ in 0..TRIES {
        let loaded = load(app, id.clone()).await?;
        let up = model::schemas::apply_update(target, &loaded.stored, body)?;
        let now = app.clock.now().millis();
        let record = ProfileSchemaRecord {
            id: id.clone(),
            document: serde_json::to_value(&up.stored).map_err(|_| ApiError::Internal)?,
            created: loaded.row.as_ref().map_or(now, |r| r.created),
            last_updated: now,
            version: loaded.row.as_ref().map_or(0, |r| r.version),
        };
        let change = SchemaChange {
            removed: up.removed,
            unique: up.unique,
            added_unique: up.added_unique,
            dropped_unique: up.dropped_unique,
        };
        match app.store.save_profile_schema(&record, &change).await {
            Ok(true) => {
                if id.starts_with("user:") {
                    // The search indexes follow the user schemas, built in the background.
                    crate::search_index::spawn_reconcile(app.clone());
                }
                return Ok(());
            }
            Ok(false) => continue,
            Err(StoreError::Duplicate { field: "unique" }) => {
                let names = change.added_unique.join(", ");
                return Err(ApiError::invalid(
                    "unique",
                    format!(
                        "unique: {names}: Existing profiles hold the same value more than once, \
                         so the property cannot be unique"
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::UpdateConflict)
}

async fn get_user(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(schema_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let t = user_type_of(&app, &schema_id).await?;
    Ok(Json(render_user(&app, &t).await?))
}

async fn update_user(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(schema_id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let t = user_type_of(&app, &schema_id).await?;
    update(&app, format!("user:{}", t.id), Target::User, &body).await?;
    Ok(Json(render_user(&app, &t).await?))
}

async fn get_group(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    Ok(Json(render_group(&app).await?))
}

async fn update_group(
    State(app): State<AppState>,
    _admin: AdminToken,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    update(&app, "group".into(), Target::Group, &body).await?;
    Ok(Json(render_group(&app).await?))
}

async fn get_app(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = crate::api::apps::find_app(&app, &app_id).await?;
    Ok(Json(render_app(&app, &a).await?))
}

async fn update_app(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let a = crate::api::apps::find_app(&app, &app_id).await?;
    update(&app, format!("app:{}", a.id), Target::App, &body).await?;
    Ok(Json(render_app(&app, &a).await?))
}
