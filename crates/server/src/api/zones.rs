//! Network zones (`/api/v1/zones`, the NetworkZone tag of the spec; zones.md): list, create,
//! get, replace, delete, activate, deactivate IP zones. The default zones (LegacyIpZone,
//! BlockedIpZone) exist from start-up and cannot be deleted (403 E0000006). Dynamic zones
//! are refused with 400 E0000001: this server evaluates IP zones only.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{NetworkZoneRecord, PageKey, StoreError};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::policy::{render_zone, NetworkZoneRequest};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};
use model::zones::{validate_addresses, AddressEntry};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zones", get(list).post(create))
        .route(
            "/zones/{zone_id}",
            get(get_one).put(replace).delete(delete_zone),
        )
        .route("/zones/{zone_id}/lifecycle/activate", post(activate))
        .route("/zones/{zone_id}/lifecycle/deactivate", post(deactivate))
}

fn zone_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (Zone)"))
}

async fn find_zone(app: &AppState, id: &str) -> ApiResult<NetworkZoneRecord> {
    let found = if model::ids::looks_like(Kind::NetworkZone, id) {
        app.store.zone_by_id(id).await?
    } else {
        None
    };
    found.ok_or_else(|| zone_not_found(id))
}

fn target(z: &NetworkZoneRecord) -> Value {
    json!({ "id": z.id, "type": "Zone", "alternateId": "unknown", "displayName": z.name })
}

fn addresses(field: &str, value: Option<&Value>) -> ApiResult<Value> {
    let entries: Vec<AddressEntry> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
            ApiError::invalid(
                field,
                format!("{field}: The value does not have the expected shape."),
            )
        })?,
    };
    validate_addresses(field, &entries)?;
    Ok(serde_json::to_value(entries).unwrap_or(Value::Array(Vec::new())))
}

/// The validated fields of an IP zone body.
fn fields(body: NetworkZoneRequest) -> ApiResult<(String, String, Value, Value)> {
    match body.zone_type.as_deref() {
        Some("IP") => {}
        None | Some("") => {
            return Err(ApiError::invalid(
                "type",
                "type: The field cannot be left blank",
            ))
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "type",
                format!("type: Network zones of type {other} are not supported by this server."),
            ))
        }
    }
    let name = model::policy::validate_name(body.name.as_deref())?;
    let usage = body
        .usage
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "POLICY".into());
    if !matches!(usage.as_str(), "POLICY" | "BLOCKLIST") {
        return Err(ApiError::invalid(
            "usage",
            "usage: The value must be POLICY or BLOCKLIST.",
        ));
    }
    let gateways = addresses("gateways", body.gateways.as_ref())?;
    let proxies = addresses("proxies", body.proxies.as_ref())?;
    Ok((name, usage, gateways, proxies))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    filter: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// Zones a page holds unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 200;

/// Lists zones oldest first, `filter` (`id`, `usage` with `eq`) applied, in keyset pages
/// (`limit`, `after`, `Link` headers). An org has few zones: they are read in one query and
/// filtered and paged here.
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
    let filter = match params.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(text) => Some(model::expr::zones::parse_filter(text)?),
        None => None,
    };
    let after = match &page.after {
        Some(key) => Some((
            key.key
                .as_i64()
                .ok_or(ApiError::InvalidPaging("after: invalid cursor".into()))?,
            key.id.as_str(),
        )),
        None => None,
    };
    let zones = app.store.list_zones().await?;
    let mut rows = zones.iter().filter(|z| {
        filter
            .as_ref()
            .is_none_or(|f| model::expr::zones::matches(f, &z.id, &z.usage))
            && after
                .is_none_or(|(created, id)| (z.created, z.id.as_bytes()) > (created, id.as_bytes()))
    });
    let limit = page.limit as usize;
    let taken: Vec<&NetworkZoneRecord> = rows.by_ref().take(limit).collect();
    let next = match (rows.next(), taken.last()) {
        (Some(_), Some(last)) => Some(
            PageKey {
                key: json!(last.created),
                id: last.id.clone(),
            }
            .encode(),
        ),
        _ => None,
    };
    let body: Vec<Value> = taken.iter().map(|z| render_zone(z, &app.links)).collect();
    let mut echo = Vec::new();
    for (name, value) in [("filter", &params.filter), ("limit", &params.limit)] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("zones"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(Value::Array(body))).into_response())
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<NetworkZoneRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let status = match body.status.as_deref() {
        None | Some("") | Some("ACTIVE") => "ACTIVE",
        Some("INACTIVE") => "INACTIVE",
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "status: The value must be ACTIVE or INACTIVE.",
            ))
        }
    };
    let (name, usage, gateways, proxies) = fields(body)?;
    let zone = NetworkZoneRecord {
        id: new_id(Kind::NetworkZone),
        zone_type: "IP".into(),
        name,
        status: status.into(),
        usage,
        system: false,
        gateways,
        proxies,
        created: now,
        last_updated: now,
    };
    let event = events::event(
        "zone.create",
        "Create network zone",
        &Actor::token(&admin),
        vec![target(&zone)],
        now,
    );
    app.store.insert_zone(&zone, &event).await?;
    Ok(Json(render_zone(&zone, &app.links)))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(zone_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let zone = find_zone(&app, &zone_id).await?;
    Ok(Json(render_zone(&zone, &app.links)))
}

async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(zone_id): Path<String>,
    Json(body): Json<NetworkZoneRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let current = find_zone(&app, &zone_id).await?;
    let (name, usage, gateways, proxies) = fields(body)?;
    if current.system && (name != current.name || usage != current.usage) {
        return Err(ApiError::invalid(
            "name",
            "name: The name and usage of a default zone cannot be changed.",
        ));
    }
    let zone = NetworkZoneRecord {
        name,
        usage,
        gateways,
        proxies,
        last_updated: now,
        ..current
    };
    let event = events::event(
        "zone.update",
        "Update network zone",
        &Actor::token(&admin),
        vec![target(&zone)],
        now,
    );
    app.store
        .update_zone(&zone, &event)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => zone_not_found(&zone_id),
            other => other.into(),
        })?;
    Ok(Json(render_zone(&zone, &app.links)))
}

async fn delete_zone(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(zone_id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let zone = find_zone(&app, &zone_id).await?;
    if zone.system {
        return Err(ApiError::AccessDenied);
    }
    let event = events::event(
        "zone.delete",
        "Delete network zone",
        &Actor::token(&admin),
        vec![target(&zone)],
        now,
    );
    if !app.store.delete_zone(&zone.id, &event).await? {
        return Err(zone_not_found(&zone_id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    app: &AppState,
    admin: &AdminToken,
    zone_id: &str,
    status: &str,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let current = find_zone(app, zone_id).await?;
    if current.status == status {
        return Ok(Json(render_zone(&current, &app.links)));
    }
    let zone = NetworkZoneRecord {
        status: status.into(),
        last_updated: now,
        ..current
    };
    let (kind, display) = if status == "ACTIVE" {
        ("zone.activate", "Activate network zone")
    } else {
        ("zone.deactivate", "Deactivate network zone")
    };
    let event = events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![target(&zone)],
        now,
    );
    app.store.update_zone(&zone, &event).await?;
    Ok(Json(render_zone(&zone, &app.links)))
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(zone_id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(&app, &admin, &zone_id, "ACTIVE").await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(zone_id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_status(&app, &admin, &zone_id, "INACTIVE").await
}
