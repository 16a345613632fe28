//! Shared rate-limit counters, written once for both backends: requests per counter key per
//! one-second slot in `rate_windows` (its `window_start` is the slot's start), summed across
//! nodes. `impl_rate_limit_store!` expands it for a store type given its writing pool.
//!
//! Invariants:
//! - concurrent adds from several nodes sum exactly (one upsert per key and slot, taken in
//!   key order so two nodes never wait on each other's rows in opposite orders);
//! - a read returns, per key, the requests of every slot from `since` on and the oldest such
//!   slot; slots before `since` are dropped.

macro_rules! impl_rate_limit_store {
    ($store:ty, $write:ident) => {
        #[async_trait::async_trait]
        impl $crate::RateLimitStore for $store {
            async fn add_rate_counts(
                &self,
                since: i64,
                deltas: &[$crate::RateDelta],
            ) -> $crate::StoreResult<Vec<$crate::RateTotal>> {
                let mut sorted: Vec<&$crate::RateDelta> = deltas.iter().collect();
                sorted.sort_by(|a, b| (&a.key, a.slot).cmp(&(&b.key, b.slot)));
                let mut tx = self.$write.begin().await?;
                for delta in sorted {
                    sqlx::query(
                        "INSERT INTO rate_windows (bucket, window_start, count) \
                         VALUES ($1, $2, $3) ON CONFLICT (bucket, window_start) \
                         DO UPDATE SET count = rate_windows.count + $3",
                    )
                    .bind(&delta.key)
                    .bind(delta.slot)
                    .bind(delta.count)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
                    .bind(since)
                    .execute(&mut *tx)
                    .await?;
                let totals: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT bucket, CAST(SUM(count) AS BIGINT), MIN(window_start) \
                     FROM rate_windows WHERE window_start >= $1 GROUP BY bucket",
                )
                .bind(since)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(totals
                    .into_iter()
                    .map(|(key, count, oldest_slot)| $crate::RateTotal {
                        key,
                        count,
                        oldest_slot,
                    })
                    .collect())
            }
        }
    };
}
pub(crate) use impl_rate_limit_store;
