//! Event hook delivery (event-hooks.md): a worker on every node moves the store's dispatcher
//! over the System Log, claims due deliveries (one head per hook, with a lease) and POSTs
//! them in Okta's event hook envelope. Delivery never runs on a request's path; a node that
//! dies mid-delivery leaves a lease that expires, and another node sends the event again
//! (at least once, in order per hook).

use serde_json::{json, Value};
use std::time::Duration;
use store::{DeliveryOutcome, EventHookRecord, HookDelivery};

use crate::state::AppState;
use model::time::Timestamp;

pub mod channel;
pub mod password_import;

/// How long a claimed delivery is reserved for its node.
const LEASE_MS: i64 = 30_000;
/// Attempts before a delivery is given up and its hook moves on.
pub const MAX_ATTEMPTS: i64 = 8;
/// Deliveries sent per worker tick (at most one per hook).
const BATCH: u32 = 32;

/// The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s, ... up to 5 minutes.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    (1_000_i64 << exp).min(300_000)
}

/// Okta's event hook request body around one LogEvent.
pub fn envelope(app: &AppState, hook_id: &str, event: &Value, now: i64) -> Value {
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": app.links.api(&format!("eventHooks/{hook_id}")),
        "eventId": model::ids::random_base62(22),
        "data": { "events": [event] },
        "eventTime": Timestamp(now).to_iso(),
        "contentType": "application/json",
    })
}

/// The headers an event hook call carries.
pub fn hook_headers(app: &AppState, hook: &EventHookRecord) -> Vec<(String, String)> {
    channel::headers(app, &hook.channel, hook.auth_value_sealed.as_deref())
}

/// The hook's endpoint.
pub fn hook_uri(hook: &EventHookRecord) -> Option<&str> {
    channel::uri(&hook.channel)
}

async fn send(app: &AppState, delivery: &HookDelivery, now: i64) -> DeliveryOutcome {
    let hook = match app.store.hook_by_id(&delivery.hook_id).await {
        Ok(Some(hook)) => hook,
        Ok(None) => {
            return DeliveryOutcome::GiveUp {
                error: "hook deleted".into(),
            }
        }
        Err(err) => {
            return DeliveryOutcome::Retry {
                next_attempt_at: now + backoff_ms(delivery.attempts),
                error: format!("store: {err}"),
            }
        }
    };
    if hook.status != "ACTIVE" {
        // Deactivated while queued: hold the delivery until the hook is active again.
        return DeliveryOutcome::Retry {
            next_attempt_at: now + 60_000,
            error: "hook inactive".into(),
        };
    }
    let Some(uri) = hook_uri(&hook) else {
        return DeliveryOutcome::GiveUp {
            error: "hook has no uri".into(),
        };
    };
    let mut request = app
        .outbound
        .post(uri)
        .header("Accept", "application/json")
        .json(&envelope(app, &hook.id, &delivery.body, now));
    for (k, v) in hook_headers(app, &hook) {
        request = request.header(k, v);
    }
    let error = match request.send().await {
        Ok(resp) if resp.status().is_success() => return DeliveryOutcome::Delivered,
        Ok(resp) => format!("HTTP {}", resp.status().as_u16()),
        Err(err) => format!("{err}"),
    };
    if delivery.attempts + 1 >= MAX_ATTEMPTS {
        DeliveryOutcome::GiveUp { error }
    } else {
        DeliveryOutcome::Retry {
            next_attempt_at: now + backoff_ms(delivery.attempts),
            error,
        }
    }
}

/// One pass: dispatch new events, then send what is due.
pub async fn tick(app: &AppState) -> store::StoreResult<usize> {
    let now = app.clock.now().millis();
    while app.store.dispatch_events(now, 500).await? > 0 {}
    let due = app.store.claim_deliveries(now, LEASE_MS, BATCH).await?;
    let count = due.len();
    let sends = due.iter().map(|d| async move {
        let outcome = send(app, d, now).await;
        if let DeliveryOutcome::GiveUp { error } | DeliveryOutcome::Retry { error, .. } = &outcome {
            tracing::warn!(hook = %d.hook_id, delivery = d.id, attempt = d.attempts + 1, %error, "event hook delivery failed");
        }
        if let Err(err) = app.store.finish_delivery(d.id, &outcome, app.clock.now().millis()).await {
            tracing::error!(error = %err, "recording a hook delivery failed");
        }
    });
    futures::future::join_all(sends).await;
    Ok(count)
}

/// Runs `tick` every 200 ms (at once again when a tick had work) until aborted.
pub fn spawn_worker(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let busy = match tick(&app).await {
                Ok(n) => n > 0,
                Err(err) => {
                    tracing::warn!(error = %err, "event hook worker");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(3), 8_000);
        assert_eq!(backoff_ms(20), 300_000);
    }
}
