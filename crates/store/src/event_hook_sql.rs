//! Event hooks and their delivery outbox. The dispatcher's cursor row is read for update, so
//! dispatchers on several nodes take turns (on SQLite the single writer makes it so already).
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_event_hook_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::{
            DeliveryOutcome, EventHookRecord, EventRecord, HookDelivery, HookStore, StoreError,
            StoreResult,
        };

        const HOOK_COLUMNS: &str = "id, name, status, verification_status, events, channel, \
            auth_value_sealed, from_seq, created, last_updated";
        const DELIVERY_COLUMNS: &str = "id, hook_id, event_seq, body, status, attempts, \
            next_attempt_at, locked_until, last_error, created, delivered_at";
        /// Delivered and failed deliveries are kept this long for inspection.
        const KEEP_FINISHED_MS: i64 = 7 * 24 * 60 * 60 * 1000;

        #[async_trait]
        impl HookStore for $store {
            async fn insert_hook(
                &self,
                hook: &EventHookRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO event_hooks (id, name, status, verification_status, events, channel, \
                     auth_value_sealed, from_seq, created, last_updated) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&hook.id)
                .bind(&hook.name)
                .bind(&hook.status)
                .bind(&hook.verification_status)
                .bind(Json(&hook.events))
                .bind(Json(&hook.channel))
                .bind(&hook.auth_value_sealed)
                .bind(hook.from_seq)
                .bind(hook.created)
                .bind(hook.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn hook_by_id(&self, id: &str) -> StoreResult<Option<EventHookRecord>> {
                let sql = format!("SELECT {HOOK_COLUMNS} FROM event_hooks WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_hooks(&self) -> StoreResult<Vec<EventHookRecord>> {
                let sql = format!("SELECT {HOOK_COLUMNS} FROM event_hooks ORDER BY created, id");
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn update_hook(
                &self,
                hook: &EventHookRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE event_hooks SET name = $2, status = $3, verification_status = $4, \
                     events = $5, channel = $6, auth_value_sealed = $7, from_seq = $8, \
                     last_updated = $9 WHERE id = $1",
                )
                .bind(&hook.id)
                .bind(&hook.name)
                .bind(&hook.status)
                .bind(&hook.verification_status)
                .bind(Json(&hook.events))
                .bind(Json(&hook.channel))
                .bind(&hook.auth_value_sealed)
                .bind(hook.from_seq)
                .bind(hook.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_hook(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM hook_deliveries WHERE hook_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM event_hooks WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn max_event_seq(&self) -> StoreResult<i64> {
                let (seq,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM log_events")
                    .fetch_one(&self.$read)
                    .await?;
                Ok(seq.unwrap_or(0))
            }

            async fn dispatch_events(&self, now: i64, limit: u32) -> StoreResult<usize> {
                let mut tx = self.$write.begin().await?;
                let sql = format!(
                    "SELECT cursor FROM hook_dispatch WHERE id = 1{}",
                    $dialect.for_update()
                );
                let (cursor,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *tx).await?;
                let sql = format!(
                    "SELECT {HOOK_COLUMNS} FROM event_hooks \
                     WHERE status = 'ACTIVE' AND verification_status = 'VERIFIED'"
                );
                let hooks: Vec<EventHookRecord> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
                let events: Vec<(i64, String, Json<serde_json::Value>)> = sqlx::query_as(
                    "SELECT seq, event_type, body FROM log_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(cursor)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
                let Some(last) = events.last().map(|e| e.0) else {
                    return Ok(0);
                };
                for (seq, event_type, body) in &events {
                    for hook in hooks
                        .iter()
                        .filter(|h| *seq > h.from_seq && h.subscribes_to(event_type))
                    {
                        sqlx::query(
                            "INSERT INTO hook_deliveries (hook_id, event_seq, body, status, attempts, \
                             next_attempt_at, created) VALUES ($1, $2, $3, 'PENDING', 0, $4, $4)",
                        )
                        .bind(&hook.id)
                        .bind(seq)
                        .bind(body)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                sqlx::query("UPDATE hook_dispatch SET cursor = $1 WHERE id = 1")
                    .bind(last)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "DELETE FROM hook_deliveries WHERE status <> 'PENDING' AND created < $1",
                )
                .bind(now - KEEP_FINISHED_MS)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(events.len())
            }

            async fn claim_deliveries(
                &self,
                now: i64,
                lease_ms: i64,
                limit: u32,
            ) -> StoreResult<Vec<HookDelivery>> {
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM hook_deliveries d \
                     WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1 \
                     AND (d.locked_until IS NULL OR d.locked_until < $1) \
                     AND d.id = (SELECT MIN(x.id) FROM hook_deliveries x \
                                 WHERE x.hook_id = d.hook_id AND x.status = 'PENDING') \
                     ORDER BY d.id LIMIT $2"
                );
                let heads: Vec<HookDelivery> = sqlx::query_as(&sql)
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&self.$read)
                    .await?;
                let mut claimed = Vec::with_capacity(heads.len());
                for mut head in heads {
                    let done = sqlx::query(
                        "UPDATE hook_deliveries SET locked_until = $2 WHERE id = $1 AND status = 'PENDING' \
                         AND (locked_until IS NULL OR locked_until < $3)",
                    )
                    .bind(head.id)
                    .bind(now + lease_ms)
                    .bind(now)
                    .execute(&self.$write)
                    .await?;
                    if done.rows_affected() == 1 {
                        head.locked_until = Some(now + lease_ms);
                        claimed.push(head);
                    }
                }
                Ok(claimed)
            }

            async fn finish_delivery(
                &self,
                id: i64,
                outcome: &DeliveryOutcome,
                now: i64,
            ) -> StoreResult<()> {
                let query = match outcome {
                    DeliveryOutcome::Delivered => sqlx::query(
                        "UPDATE hook_deliveries SET status = 'DELIVERED', delivered_at = $2, \
                         attempts = attempts + 1, locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now),
                    DeliveryOutcome::Retry {
                        next_attempt_at,
                        error,
                    } => sqlx::query(
                        "UPDATE hook_deliveries SET attempts = attempts + 1, next_attempt_at = $2, \
                         last_error = $3, locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(*next_attempt_at)
                    .bind(error.clone()),
                    DeliveryOutcome::GiveUp { error } => sqlx::query(
                        "UPDATE hook_deliveries SET status = 'FAILED', attempts = attempts + 1, \
                         last_error = $2, locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(error.clone()),
                };
                query.execute(&self.$write).await?;
                Ok(())
            }

            async fn hook_deliveries(&self, hook_id: &str) -> StoreResult<Vec<HookDelivery>> {
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM hook_deliveries WHERE hook_id = $1 ORDER BY id"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hook_id)
                    .fetch_all(&self.$read)
                    .await?)
            }
        }
    };
}
pub(crate) use impl_event_hook_store;
