//! The System Log (`GET /api/v1/logs`, system-log.md "List events"): polling requests (no
//! `until`, ascending) stream in commit order with a `next` link on every page; bounded
//! requests page by `published` and end. `filter`, `q`, `since`, `until`, `sortOrder`,
//! `limit`, `after` as documented.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use store::{EventOrder, EventQuery};

use crate::auth::AdminToken;
use crate::state::AppState;
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::error::DomainError;
use model::time::Timestamp;

/// Without `since`, queries start 7 days before `until` (or now).
const DEFAULT_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/logs", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogParams {
    since: Option<String>,
    until: Option<String>,
    after: Option<String>,
    filter: Option<String>,
    q: Option<String>,
    sort_order: Option<String>,
    limit: Option<String>,
}

fn date(name: &str, value: Option<&str>) -> ApiResult<Option<i64>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => Timestamp::parse_iso(text).map(|t| Some(t.millis())).ok_or_else(|| {
            ApiError::invalid(
                name,
                format!("{name}: The date format in your query is not recognized. Please enter dates using ISO8601 string format."),
            )
        }),
    }
}

fn keywords(q: Option<&str>) -> ApiResult<Vec<String>> {
    let words: Vec<String> = q
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    if words.iter().any(|w| w.chars().count() > 40) {
        return Err(ApiError::invalid(
            "'q'",
            "q: Freeform search cannot contain items longer than 40 characters.",
        ));
    }
    if words.len() > 10 {
        return Err(ApiError::invalid(
            "'q'",
            "q: Freeform search cannot contain more than 10 items.",
        ));
    }
    Ok(words)
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<LogParams>,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 100, 1000)?;
    let descending = match params.sort_order.as_deref().map(str::trim) {
        None | Some("") | Some("ASCENDING") => false,
        Some("DESCENDING") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "sortOrder",
                format!("sortOrder: '{other}' is not one of ASCENDING, DESCENDING"),
            ))
        }
    };
    let until = date("until", params.until.as_deref())?;
    let since = date("since", params.since.as_deref())?;
    let filter = match params.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(f) => Some(model::expr::logs::parse_filter(f).map_err(|e| match e {
            DomainError::InvalidSearch { cause } => ApiError::InvalidScimFilter(cause),
            other => other.into(),
        })?),
    };
    let polling = until.is_none() && !descending;
    let upper = until.unwrap_or(now);
    let order = if polling {
        EventOrder::Polling
    } else if descending {
        EventOrder::Descending
    } else {
        EventOrder::Ascending
    };
    let query = EventQuery {
        since: Some(since.unwrap_or(upper - DEFAULT_WINDOW_MS)),
        until: if polling { None } else { Some(upper) },
        filter,
        keywords: keywords(params.q.as_deref())?,
        order,
        after: page.after.clone(),
        limit: page.limit,
    };
    let mut rows = app.store.list_events(&query).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let last_key = rows.last().map(|e| e.page_key(order).encode());
    // Polling never ends: with no new events the next link keeps the current position (the
    // start of the log before any event was returned).
    let next = if polling {
        Some(
            last_key
                .or_else(|| params.after.clone())
                .unwrap_or_else(|| {
                    store::PageKey {
                        key: serde_json::json!(0),
                        id: "0".into(),
                    }
                    .encode()
                }),
        )
    } else if more {
        last_key
    } else {
        None
    };
    let mut echo = Vec::new();
    for (name, value) in [
        ("since", &params.since),
        ("until", &params.until),
        ("filter", &params.filter),
        ("q", &params.q),
        ("sortOrder", &params.sort_order),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("logs"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    let body: Vec<Value> = rows.into_iter().map(|e| e.body).collect();
    Ok((headers, Json(body)).into_response())
}

/// Deletes events older than the retention period (that hooks have already dispatched).
pub async fn purge_expired(app: &AppState) -> store::StoreResult<u64> {
    let days = i64::from(app.config.log_retention_days);
    let cutoff = app.clock.now().millis() - days * 24 * 60 * 60 * 1000;
    app.store.purge_events(cutoff).await
}

/// Purges expired events once an hour on every node (each delete is idempotent).
pub fn spawn_retention(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match purge_expired(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "System Log retention"),
                Err(err) => tracing::warn!(error = %err, "System Log retention"),
            }
            // Expired sessions and session tokens.
            match app.store.purge_sessions(app.clock.now().millis()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired sessions"),
                Err(err) => tracing::warn!(error = %err, "expired sessions"),
            }
            // Authn transactions whose state and recovery tokens have both expired.
            match app.store.purge_authn(app.clock.now().millis()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired Authn transactions"),
                Err(err) => tracing::warn!(error = %err, "expired Authn transactions"),
            }
            // Kept email: as long as the System Log keeps its events.
            let kept_until = app.clock.now().millis()
                - i64::from(app.config.log_retention_days) * 24 * 3_600_000;
            match app.store.purge_kept_mail(kept_until).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "kept email"),
                Err(err) => tracing::warn!(error = %err, "kept email"),
            }
        }
    })
}
