//! System Log reads in PostgreSQL.

use async_trait::async_trait;

use super::{filter::PostgresDialect, PgStore};
use crate::event_sql::event_page_sql;
use crate::{EventQuery, EventStore, StoreResult, StoredEvent};

#[async_trait]
impl EventStore for PgStore {
    async fn list_events(&self, query: &EventQuery) -> StoreResult<Vec<StoredEvent>> {
        let (sql, params) = event_page_sql(&PostgresDialect, query)?;
        let mut q = sqlx::query_as::<_, StoredEvent>(&sql);
        for p in params {
            q = q.bind(p);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    async fn purge_events(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM log_events WHERE published < $1 \
             AND seq <= (SELECT cursor FROM hook_dispatch WHERE id = 1)",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
