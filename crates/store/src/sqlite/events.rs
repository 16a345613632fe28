//! System Log reads in SQLite. The single writer commits in `seq` order, so commit order is
//! `seq` order.

use async_trait::async_trait;

use super::{filter::SqliteDialect, SqliteStore};
use crate::event_sql::event_page_sql;
use crate::filter_sql::SqlValue;
use crate::{EventQuery, EventStore, StoreResult, StoredEvent};

#[async_trait]
impl EventStore for SqliteStore {
    async fn list_events(&self, query: &EventQuery) -> StoreResult<Vec<StoredEvent>> {
        let (sql, params) = event_page_sql(&SqliteDialect, query)?;
        let mut q = sqlx::query_as::<_, StoredEvent>(&sql);
        for p in params {
            q = match p {
                SqlValue::Text(s) => q.bind(s),
                SqlValue::Int(i) => q.bind(i),
                SqlValue::Float(f) => q.bind(f),
                SqlValue::Bool(b) => q.bind(b),
            };
        }
        Ok(q.fetch_all(&self.read).await?)
    }

    async fn purge_events(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM log_events WHERE published < $1 \
             AND seq <= (SELECT cursor FROM hook_dispatch WHERE id = 1)",
        )
        .bind(before)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}
