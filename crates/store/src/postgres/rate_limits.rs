//! Rate-limit window counters in PostgreSQL.

use async_trait::async_trait;

use super::PgStore;
use crate::{RateLimitStore, StoreResult};

#[async_trait]
impl RateLimitStore for PgStore {
    async fn add_rate_counts(
        &self,
        window_start: i64,
        deltas: &[(String, i64)],
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut tx = self.pool.begin().await?;
        for (bucket, delta) in deltas {
            sqlx::query(
                "INSERT INTO rate_windows (bucket, window_start, count) VALUES ($1, $2, $3) \
                 ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_windows.count + $3",
            )
            .bind(bucket)
            .bind(window_start)
            .bind(delta)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
            .bind(window_start - 60_000)
            .execute(&mut *tx)
            .await?;
        let totals: Vec<(String, i64)> =
            sqlx::query_as("SELECT bucket, count FROM rate_windows WHERE window_start = $1")
                .bind(window_start)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(totals)
    }
}
