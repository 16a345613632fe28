//! Inline hooks (`/api/v1/inlineHooks`, inline-hooks.md and the InlineHook tag): create,
//! get, list (by `type`), replace, update, delete (only when INACTIVE), activate,
//! deactivate, and `execute`, which sends a payload through the hook's channel and answers
//! with the service's response. The channel is the one event hooks use
//! (`crate::hooks::channel`): HTTPS, custom headers, a sealed HEADER auth value.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::InlineHookRecord;

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::hooks::channel;
use crate::state::AppState;
use crate::wire::dto::inline_hook;
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};

/// The inline hook types Okta has (InlineHookType).
pub const TYPES: &[&str] = &[
    "com.okta.import.transform",
    "com.okta.oauth2.tokens.transform",
    "com.okta.saml.tokens.transform",
    "com.okta.telephony.provider",
    "com.okta.user.credential.password.import",
    "com.okta.user.pre-registration",
];

/// Okta's limit of inline hooks per org.
const MAX_HOOKS: usize = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inlineHooks", get(list).post(create))
        .route(
            "/inlineHooks/{id}",
            get(get_one).put(replace).post(update).delete(delete_hook),
        )
        .route("/inlineHooks/{id}/execute", post(execute))
        .route("/inlineHooks/{id}/lifecycle/activate", post(activate))
        .route("/inlineHooks/{id}/lifecycle/deactivate", post(deactivate))
}

#[derive(Debug, Default, Deserialize)]
struct InlineHookIn {
    name: Option<String>,
    #[serde(rename = "type")]
    hook_type: Option<String>,
    version: Option<String>,
    channel: Option<Value>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (InlineHook)"))
}

fn target(hook: &InlineHookRecord) -> Value {
    json!({ "id": hook.id, "type": "InlineHook", "alternateId": hook.name, "displayName": hook.name })
}

fn invalid(causes: Vec<String>) -> ApiError {
    let summary = causes
        .first()
        .and_then(|c| c.split(':').next())
        .unwrap_or("inlineHook")
        .to_owned();
    ApiError::Validation { summary, causes }
}

/// Checks a full inline hook body; `current` is the stored hook on replace (its type may
/// not change).
fn validate(
    app: &AppState,
    body: InlineHookIn,
    current: Option<&InlineHookRecord>,
) -> ApiResult<InlineHookRecord> {
    let mut causes = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        causes.push("name: The field must be between 1 and 255 characters".to_owned());
    }
    let hook_type = match (body.hook_type, current) {
        (Some(t), Some(c)) if t != c.hook_type => {
            causes.push("type: The type of an inline hook cannot be changed".to_owned());
            t
        }
        (Some(t), _) if !TYPES.contains(&t.as_str()) => {
            causes.push(format!("type: '{t}' is not an inline hook type"));
            t
        }
        (Some(t), _) => t,
        (None, Some(c)) => c.hook_type.clone(),
        (None, None) => {
            causes.push("type: The field cannot be left blank".to_owned());
            String::new()
        }
    };
    let version = body.version.unwrap_or_else(|| "1.0.0".to_owned());
    if version != "1.0.0" {
        causes.push("version: The only supported version is 1.0.0".to_owned());
    }
    let channel = channel::validate(body.channel, &mut causes);
    if !causes.is_empty() {
        return Err(invalid(causes));
    }
    let now = app.clock.now().millis();
    let sealed = match channel.auth_value {
        Some(v) => Some(app.sealer.seal(&crypto::SecretString::from(v))),
        None => current.and_then(|c| c.auth_value_sealed.clone()),
    };
    Ok(InlineHookRecord {
        id: current.map_or_else(|| new_id(Kind::InlineHook), |c| c.id.clone()),
        name,
        hook_type,
        version,
        status: current.map_or_else(|| "ACTIVE".to_owned(), |c| c.status.clone()),
        channel: channel.channel,
        auth_value_sealed: sealed,
        created: current.map_or(now, |c| c.created),
        last_updated: now,
    })
}

async fn load(app: &AppState, id: &str) -> ApiResult<InlineHookRecord> {
    app.store
        .inline_hook_by_id(id)
        .await?
        .ok_or_else(|| not_found(id))
}

async fn save(
    app: &AppState,
    admin: &AdminToken,
    hook: &InlineHookRecord,
    kind: &str,
    display: &str,
) -> ApiResult<()> {
    let event = events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![target(hook)],
        hook.last_updated,
    );
    if !app.store.update_inline_hook(hook, &event).await? {
        return Err(not_found(&hook.id));
    }
    Ok(())
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<InlineHookIn>,
) -> ApiResult<Json<Value>> {
    let hook = validate(&app, body, None)?;
    if app.store.list_inline_hooks(None).await?.len() >= MAX_HOOKS {
        return Err(ApiError::invalid(
            "inlineHook",
            "inlineHook: An org can have at most 50 inline hooks",
        ));
    }
    let event = events::event(
        "inline_hook.created",
        "Inline hook created",
        &Actor::token(&admin),
        vec![target(&hook)],
        hook.created,
    );
    app.store.insert_inline_hook(&hook, &event).await?;
    Ok(Json(inline_hook::render(&hook, &app.links)))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    #[serde(rename = "type")]
    hook_type: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Value>> {
    let kind = p.hook_type.as_deref().filter(|t| !t.is_empty());
    if let Some(t) = kind {
        if !TYPES.contains(&t) {
            return Err(ApiError::invalid(
                "type",
                format!("type: '{t}' is not an inline hook type"),
            ));
        }
    }
    let hooks = app.store.list_inline_hooks(kind).await?;
    Ok(Json(Value::Array(
        hooks
            .iter()
            .map(|h| inline_hook::render(h, &app.links))
            .collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(inline_hook::render(
        &load(&app, &id).await?,
        &app.links,
    )))
}

/// PUT: the whole hook (name, version, channel); the type cannot change.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<InlineHookIn>,
) -> ApiResult<Json<Value>> {
    let current = load(&app, &id).await?;
    let hook = validate(&app, body, Some(&current))?;
    save(
        &app,
        &admin,
        &hook,
        "inline_hook.updated",
        "Inline hook updated",
    )
    .await?;
    Ok(Json(inline_hook::render(&hook, &app.links)))
}

/// POST: the given fields over the stored ones.
async fn update(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<InlineHookIn>,
) -> ApiResult<Json<Value>> {
    let current = load(&app, &id).await?;
    let merged = InlineHookIn {
        name: body.name.or_else(|| Some(current.name.clone())),
        hook_type: body.hook_type,
        version: body.version.or_else(|| Some(current.version.clone())),
        channel: body.channel.or_else(|| Some(current.channel.clone())),
    };
    let hook = validate(&app, merged, Some(&current))?;
    save(
        &app,
        &admin,
        &hook,
        "inline_hook.updated",
        "Inline hook updated",
    )
    .await?;
    Ok(Json(inline_hook::render(&hook, &app.links)))
}

async fn delete_hook(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let hook = load(&app, &id).await?;
    if hook.status != "INACTIVE" {
        return Err(ApiError::AccessDenied);
    }
    let event = events::event(
        "inline_hook.deleted",
        "Inline hook deleted",
        &Actor::token(&admin),
        vec![target(&hook)],
        app.clock.now().millis(),
    );
    if !app.store.delete_inline_hook(&id, &event).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    app: AppState,
    admin: AdminToken,
    id: String,
    status: &str,
    kind: &str,
    display: &str,
) -> ApiResult<Json<Value>> {
    let mut hook = load(&app, &id).await?;
    if hook.status != status {
        hook.status = status.to_owned();
        hook.last_updated = app.clock.now().millis();
        save(&app, &admin, &hook, kind, display).await?;
    }
    Ok(Json(inline_hook::render(&hook, &app.links)))
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(
        app,
        admin,
        id,
        "ACTIVE",
        "inline_hook.activated",
        "Inline hook activated",
    )
    .await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(
        app,
        admin,
        id,
        "INACTIVE",
        "inline_hook.deactivated",
        "Inline hook deactivated",
    )
    .await
}

/// Sends the body through the hook's channel (3-second timeout, one retry) and answers with
/// the service's JSON response; a failure is 400 with what went wrong.
async fn execute(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let hook = load(&app, &id).await?;
    channel::post_json(
        &app,
        &hook.channel,
        hook.auth_value_sealed.as_deref(),
        &body,
    )
    .await
    .map(Json)
    .map_err(|why| {
        ApiError::invalid(
            "execute",
            format!("execute: Inline hook call failed: {why}"),
        )
    })
}
