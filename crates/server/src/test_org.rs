//! A test org's control endpoints, outside `/api/v1` and only in test mode (`--ephemeral`
//! or `--test-mode`), for super-admin tokens alone:
//!
//! - `POST /_latchkey/reset`: every table back to the reset point (the org as its seed left
//!   it), the clock back on real time, this node's caches dropped;
//! - `POST /_latchkey/snapshot`: the org as it is now becomes the reset point;
//! - `GET|POST|DELETE /_latchkey/clock`: read, advance or set, and un-shift the clock that
//!   every expiry follows;
//! - `GET|DELETE /_latchkey/outbox`: the messages sent (emails, SMS and voice codes);
//! - `GET|DELETE /_latchkey/logs`: the System Log, whole;
//! - `POST /_latchkey/users/{id}/factors`: a TOTP factor with a given secret, ACTIVE (what
//!   the seed's `factors` use, so tests can compute codes).

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::ssws::AdminToken;
use crate::events::Actor;
use crate::state::AppState;
use crate::wire::{ApiError, ApiResult};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_latchkey/reset", post(reset))
        .route("/_latchkey/snapshot", post(snapshot))
        .route(
            "/_latchkey/clock",
            get(clock).post(move_clock).delete(unshift_clock),
        )
        .route("/_latchkey/outbox", get(outbox).delete(clear_outbox))
        .route("/_latchkey/logs", get(logs).delete(clear_logs))
        .route("/_latchkey/users/{user_id}/factors", post(fixed_factor))
}

fn invalid(what: impl Into<String>) -> ApiError {
    ApiError::Validation {
        summary: "Invalid test control request".into(),
        causes: vec![what.into()],
    }
}

/// Takes the reset point now (after the seed, at start-up).
pub async fn take_snapshot(app: &AppState) -> anyhow::Result<()> {
    app.store.snapshot().await?;
    Ok(())
}

async fn reset(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let started = std::time::Instant::now();
    if !app.store.restore().await? {
        return Err(invalid(
            "no reset point: take one with POST /_latchkey/snapshot",
        ));
    }
    app.clock.reset();
    app.tokens.forget("*");
    app.oauth_keys.clear();
    if let Err(err) = crate::search_index::reconcile(&app).await {
        tracing::warn!(error = %err, "search indexes after a reset");
    }
    let took = started.elapsed();
    tracing::info!(took_ms = took.as_millis(), "test org reset to its snapshot");
    Ok(Json(json!({
        "reset": true,
        "tookMs": took.as_secs_f64() * 1000.0,
        "now": app.clock.now().to_iso(),
    })))
}

async fn snapshot(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let started = std::time::Instant::now();
    app.store.snapshot().await?;
    Ok(Json(json!({
        "snapshot": true,
        "tookMs": started.elapsed().as_secs_f64() * 1000.0,
    })))
}

fn clock_state(app: &AppState) -> Value {
    json!({
        "now": app.clock.now().to_iso(),
        "offsetMs": app.clock.offset(),
    })
}

async fn clock(State(app): State<AppState>, _admin: AdminToken) -> Json<Value> {
    Json(clock_state(&app))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockMove {
    /// A duration to move by: `90s`, `15m`, `2h`, `31d`, `1h30m`, or ISO 8601 (`PT1H`,
    /// `P31D`); negative with a leading `-`.
    advance: Option<String>,
    /// An instant to jump to (ISO 8601 with offset); time runs on from there.
    set: Option<String>,
}

async fn move_clock(
    State(app): State<AppState>,
    _admin: AdminToken,
    body: Option<Json<Value>>,
) -> ApiResult<Json<Value>> {
    let body = body.map(|Json(v)| v).unwrap_or(Value::Null);
    let order: ClockMove = serde_json::from_value(body).map_err(|e| {
        invalid(format!(
            "give {{\"advance\": \"1h\"}} or {{\"set\": \"2030-01-01T00:00:00Z\"}}: {e}"
        ))
    })?;
    match (order.advance, order.set) {
        (Some(by), None) => {
            let ms = parse_duration(&by).ok_or_else(|| {
                invalid(format!(
                    "advance: '{by}' is not a duration (90s, 15m, 2h, 31d, 1h30m, PT1H, P31D)"
                ))
            })?;
            app.clock.advance(ms);
        }
        (None, Some(at)) => {
            let at = Timestamp::parse_iso(&at).ok_or_else(|| {
                invalid(format!(
                    "set: '{at}' is not an ISO 8601 instant with offset"
                ))
            })?;
            if !app.clock.set(at) {
                return Err(invalid("this org's clock cannot be set"));
            }
        }
        _ => return Err(invalid("give exactly one of advance and set")),
    }
    tracing::info!(now = %app.clock.now().to_iso(), "test org clock moved");
    Ok(Json(clock_state(&app)))
}

async fn unshift_clock(State(app): State<AppState>, _admin: AdminToken) -> Json<Value> {
    app.clock.reset();
    Json(clock_state(&app))
}

/// A signed duration in ms: compact (`1d2h3m4s`, `500ms`) or ISO 8601 (`P1DT2H`, `PT90S`,
/// `P2W`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let total = match rest.strip_prefix(['P', 'p']) {
        Some(iso) => iso_duration(iso)?,
        None => compact_duration(rest)?,
    };
    Some(sign * total)
}

fn unit_ms(unit: &str) -> Option<i64> {
    Some(match unit {
        "ms" => 1,
        "s" | "sec" | "secs" => 1_000,
        "m" | "min" | "mins" => 60_000,
        "h" | "hr" | "hrs" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        "w" | "week" | "weeks" => 604_800_000,
        _ => return None,
    })
}

fn compact_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest.get(..digits)?.parse().ok()?;
        rest = rest.get(digits..)?.trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = rest.get(..unit_len)?.to_ascii_lowercase();
        total = total.checked_add(n.checked_mul(unit_ms(&unit)?)?)?;
        rest = rest.get(unit_len..)?.trim_start();
    }
    Some(total)
}

fn iso_duration(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut rest = part;
        while !rest.is_empty() {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
            let n: f64 = rest.get(..end)?.parse().ok()?;
            let unit = rest.get(end..)?.chars().next()?.to_ascii_uppercase();
            let ms = units.iter().find(|(u, _)| *u == unit)?.1;
            #[allow(clippy::cast_possible_truncation)]
            let part_ms = (n * ms as f64).round() as i64;
            total = total.checked_add(part_ms)?;
            any = true;
            rest = rest.get(end + 1..)?;
        }
        Some(())
    };
    add(date, &[('W', 604_800_000), ('D', 86_400_000)])?;
    if let Some(time) = time {
        add(time, &[('H', 3_600_000), ('M', 60_000), ('S', 1_000)])?;
    }
    any.then_some(total)
}

#[derive(Debug, Deserialize)]
struct OutboxQuery {
    to: Option<String>,
    limit: Option<u32>,
}

/// The messages sent, newest first. Messages still waiting for the outbox worker are
/// delivered first (for up to two seconds), so a test reads what the call it just made
/// sent.
async fn outbox(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Value>> {
    // The worker may hold a message this moment: wait (a little) until none is due.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        crate::outbox::tick(&app).await?;
        if app.store.pending_messages().await? == 0 || std::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let kept = app
        .store
        .kept_mail(q.to.as_deref(), q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    let opened: Vec<_> = kept
        .iter()
        .filter_map(|m| crate::outbox::open_kept(&app.sealer, m))
        .collect();
    Ok(Json(
        serde_json::to_value(opened).map_err(|_| ApiError::Internal)?,
    ))
}

async fn clear_outbox(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let deleted = app.store.purge_kept_mail(i64::MAX).await?;
    Ok(Json(json!({ "deleted": deleted })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogQuery {
    event_type: Option<String>,
    limit: Option<u32>,
}

/// The System Log, oldest first, optionally of one event type.
async fn logs(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(q): Query<LogQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .list_events(&store::EventQuery {
                since: None,
                until: None,
                filter: None,
                keywords: Vec::new(),
                order: store::EventOrder::Polling,
                after: after.clone(),
                limit: 500,
            })
            .await?;
        let full = page.len() > 500;
        let mut page = page;
        page.truncate(500);
        after = page.last().map(|e| e.page_key(store::EventOrder::Polling));
        out.extend(
            page.into_iter()
                .filter(|e| q.event_type.as_deref().is_none_or(|t| t == e.event_type))
                .map(|e| e.body),
        );
        if !full || out.len() >= limit as usize {
            break;
        }
    }
    out.truncate(limit as usize);
    Ok(Json(Value::Array(out)))
}

async fn clear_logs(State(app): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let deleted = app.store.clear_system_log().await?;
    Ok(Json(json!({ "deleted": deleted })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FixedFactor {
    factor_type: String,
    provider: String,
    shared_secret: String,
}

/// A TOTP factor with the given secret, enrolled ACTIVE.
async fn fixed_factor(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(user_id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let order: FixedFactor = serde_json::from_value(body.clone())
        .map_err(|e| invalid(format!("give factorType, provider and sharedSecret: {e}")))?;
    if order.factor_type != "token:software:totp" {
        return Err(invalid(
            "factorType: only token:software:totp factors take a fixed secret",
        ));
    }
    let user = crate::api::factors::load_user(&app, &user_id).await?;
    let options = crate::api::factors::EnrollOptions {
        activate: true,
        update_phone: false,
        lifetime: model::factors::EMAIL_CODE_LIFETIME_SECS,
        shared_secret: Some(order.shared_secret),
    };
    let request = json!({ "factorType": order.factor_type, "provider": order.provider });
    let f =
        crate::api::factors::enroll_factor(&app, &Actor::token(&admin), &user, &request, &options)
            .await?;
    Ok(Json(crate::api::factors::render(&app, &f)?))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_compact_and_iso() {
        assert_eq!(parse_duration("90s"), Some(90_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("31d"), Some(31 * 86_400_000));
        assert_eq!(parse_duration("-2h"), Some(-7_200_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("PT1H"), Some(3_600_000));
        assert_eq!(parse_duration("P1DT2H3M4S"), Some(93_784_000));
        assert_eq!(parse_duration("P2W"), Some(1_209_600_000));
        assert_eq!(parse_duration("PT0.5S"), Some(500));
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("h"), None);
    }
}
