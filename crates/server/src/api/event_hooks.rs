//! Event hooks (`/api/v1/eventHooks`, event-hooks.md and the EventHook tag): create, get,
//! list, replace, delete (only when INACTIVE), activate, deactivate, and the one-time
//! verification of the endpoint. Delivery lives in `crate::hooks`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::EventHookRecord;

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::hooks;
use crate::state::AppState;
use crate::wire::dto::event_hook;
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/eventHooks", get(list).post(create))
        .route(
            "/eventHooks/{id}",
            get(get_one).put(replace).delete(delete_hook),
        )
        .route("/eventHooks/{id}/lifecycle/activate", post(activate))
        .route("/eventHooks/{id}/lifecycle/deactivate", post(deactivate))
        .route("/eventHooks/{id}/lifecycle/verify", post(verify))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventHookIn {
    name: Option<String>,
    events: Option<Value>,
    channel: Option<Value>,
}

/// The validated parts of a request: name, events, channel (without the auth value) and the
/// auth value, when given.
struct Validated {
    name: String,
    events: Value,
    channel: Value,
    auth_value: Option<String>,
}

fn validate(body: EventHookIn) -> ApiResult<Validated> {
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
    let events = body.events.unwrap_or(Value::Null);
    if events.get("type").and_then(Value::as_str) != Some("EVENT_TYPE") {
        causes.push("events.type: The only supported type is EVENT_TYPE".to_owned());
    }
    let items: Vec<String> = events
        .get("items")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        causes.push("events.items: At least one event type is required".to_owned());
    }
    if events.get("filter").is_some_and(|f| !f.is_null()) {
        causes
            .push("events.filter: Event hook filters are not supported by this server".to_owned());
    }
    let channel = hooks::channel::validate(body.channel, &mut causes);
    if !causes.is_empty() {
        let summary = causes
            .first()
            .and_then(|c| c.split(':').next())
            .unwrap_or("eventHook")
            .to_owned();
        return Err(ApiError::Validation { summary, causes });
    }
    Ok(Validated {
        name,
        events: json!({ "type": "EVENT_TYPE", "items": items, "filter": Value::Null }),
        channel: channel.channel,
        auth_value: channel.auth_value,
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (EventHook)"))
}

fn hook_target(hook: &EventHookRecord) -> Value {
    json!({ "id": hook.id, "type": "EventHook", "alternateId": hook.name, "displayName": hook.name })
}

async fn load(app: &AppState, id: &str) -> ApiResult<EventHookRecord> {
    app.store.hook_by_id(id).await?.ok_or_else(|| not_found(id))
}

async fn save(
    app: &AppState,
    admin: &AdminToken,
    hook: &EventHookRecord,
    kind: &str,
    display: &str,
) -> ApiResult<()> {
    let event = events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![hook_target(hook)],
        hook.last_updated,
    );
    if !app.store.update_hook(hook, &event).await? {
        return Err(not_found(&hook.id));
    }
    Ok(())
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<EventHookIn>,
) -> ApiResult<Json<Value>> {
    let v = validate(body)?;
    let now = app.clock.now().millis();
    let hook = EventHookRecord {
        id: new_id(Kind::EventHook),
        name: v.name,
        status: "ACTIVE".into(),
        verification_status: "UNVERIFIED".into(),
        events: v.events,
        channel: v.channel,
        auth_value_sealed: v
            .auth_value
            .map(|a| app.sealer.seal(&crypto::SecretString::from(a))),
        from_seq: 0,
        created: now,
        last_updated: now,
    };
    let event = events::event(
        "event_hook.created",
        "Event hook created",
        &Actor::token(&admin),
        vec![hook_target(&hook)],
        now,
    );
    app.store.insert_hook(&hook, &event).await?;
    Ok(Json(event_hook::render(&hook, &app.links)))
}

async fn list(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let hooks = app.store.list_hooks().await?;
    Ok(Json(Value::Array(
        hooks
            .iter()
            .map(|h| event_hook::render(h, &app.links))
            .collect(),
    )))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(event_hook::render(
        &load(&app, &id).await?,
        &app.links,
    )))
}

/// Replaces name, events and channel; an omitted auth value keeps the stored one. A new
/// endpoint must be verified again.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<EventHookIn>,
) -> ApiResult<Json<Value>> {
    let mut hook = load(&app, &id).await?;
    let v = validate(body)?;
    if hooks::hook_uri(&hook)
        != v.channel
            .get("config")
            .and_then(|c| c.get("uri"))
            .and_then(Value::as_str)
    {
        hook.verification_status = "UNVERIFIED".into();
    }
    hook.name = v.name;
    hook.events = v.events;
    hook.channel = v.channel;
    if let Some(a) = v.auth_value {
        hook.auth_value_sealed = Some(app.sealer.seal(&crypto::SecretString::from(a)));
    }
    hook.last_updated = app.clock.now().millis();
    save(
        &app,
        &admin,
        &hook,
        "event_hook.updated",
        "Event hook updated",
    )
    .await?;
    Ok(Json(event_hook::render(&hook, &app.links)))
}

/// Only INACTIVE hooks can be deleted.
async fn delete_hook(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let hook = load(&app, &id).await?;
    if hook.status != "INACTIVE" {
        return Err(ApiError::AccessDenied);
    }
    let now = app.clock.now().millis();
    let event = events::event(
        "event_hook.deleted",
        "Event hook deleted",
        &Actor::token(&admin),
        vec![hook_target(&hook)],
        now,
    );
    if !app.store.delete_hook(&id, &event).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut hook = load(&app, &id).await?;
    if hook.status != "ACTIVE" {
        hook.status = "ACTIVE".into();
        // Events logged while the hook was inactive are not its to receive.
        hook.from_seq = app.store.max_event_seq().await?;
        hook.last_updated = app.clock.now().millis();
        save(
            &app,
            &admin,
            &hook,
            "event_hook.activated",
            "Event hook activated",
        )
        .await?;
    }
    Ok(Json(event_hook::render(&hook, &app.links)))
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut hook = load(&app, &id).await?;
    if hook.status != "INACTIVE" {
        hook.status = "INACTIVE".into();
        hook.last_updated = app.clock.now().millis();
        save(
            &app,
            &admin,
            &hook,
            "event_hook.deactivated",
            "Event hook deactivated",
        )
        .await?;
    }
    Ok(Json(event_hook::render(&hook, &app.links)))
}

/// Calls the endpoint with a one-time challenge (GET, `X-Okta-Verification-Challenge`) and
/// expects `{"verification": <challenge>}` back; one retry, 3-second timeout.
async fn verify(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut hook = load(&app, &id).await?;
    let uri = hooks::hook_uri(&hook).unwrap_or_default().to_owned();
    let challenge = model::ids::random_base62(40);
    let mut failure = String::new();
    let mut verified = false;
    for _ in 0..2 {
        let mut request = app
            .outbound
            .get(&uri)
            .header("X-Okta-Verification-Challenge", &challenge)
            .header("Accept", "application/json");
        for (k, v) in hooks::hook_headers(&app, &hook) {
            request = request.header(k, v);
        }
        match request.send().await {
            Ok(resp) if resp.status().is_success() => match resp.json::<Value>().await {
                Ok(body)
                    if body.get("verification").and_then(Value::as_str)
                        == Some(challenge.as_str()) =>
                {
                    verified = true;
                    break;
                }
                _ => failure = "the response did not echo the verification challenge".into(),
            },
            Ok(resp) => failure = format!("the endpoint answered HTTP {}", resp.status().as_u16()),
            Err(err) => failure = format!("the endpoint could not be reached: {err}"),
        }
    }
    if !verified {
        return Err(ApiError::invalid(
            "verification",
            format!("verification: Event hook verification failed: {failure}"),
        ));
    }
    hook.verification_status = "VERIFIED".into();
    hook.from_seq = app.store.max_event_seq().await?;
    hook.last_updated = app.clock.now().millis();
    save(
        &app,
        &admin,
        &hook,
        "event_hook.verified",
        "Event hook verified",
    )
    .await?;
    Ok(Json(event_hook::render(&hook, &app.links)))
}
