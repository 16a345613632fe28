//! System Log reads in PostgreSQL.

use async_trait::async_trait;

use super::PgStore;
use crate::{EventStore, StoreResult, StoredEvent};

#[async_trait]
impl EventStore for PgStore {
    async fn list_events(
        &self,
        after_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        Ok(sqlx::query_as(
            "SELECT seq, id, published, event_type, body FROM log_events WHERE seq > $1 \
             ORDER BY seq LIMIT $2",
        )
        .bind(after_seq.unwrap_or(0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?)
    }
}
