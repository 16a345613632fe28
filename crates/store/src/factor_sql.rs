//! The factor store, written once for both backends: its statements use only `$n`
//! parameters, plain columns and a JSON value bound through `sqlx::types::Json`, which
//! SQLite (TEXT) and PostgreSQL (JSONB) read alike. `impl_factor_store!` expands it for a
//! store type given the pool it writes through and the pool it reads from; the expansion
//! site's `insert_event` writes the System Log rows in the same transaction.
//!
//! Invariants:
//! - an update names the version it read and bumps it; a stale version writes nothing;
//! - every write commits together with its events, or not at all.

pub(crate) const COLUMNS: &str = "id, user_id, factor_type, provider, status, profile, \
     secret_sealed, challenge_sealed, challenge_expires, last_sent, last_step, attempts, \
     attempts_since, version, created, last_updated";

pub(crate) const INSERT: &str = "INSERT INTO factors (id, user_id, factor_type, provider, \
     status, profile, secret_sealed, challenge_sealed, challenge_expires, last_sent, last_step, \
     attempts, attempts_since, version, created, last_updated) VALUES ($1, $2, $3, $4, $5, $6, \
     $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

pub(crate) const UPDATE: &str = "UPDATE factors SET status = $3, profile = $4, \
     secret_sealed = $5, challenge_sealed = $6, challenge_expires = $7, last_sent = $8, \
     last_step = $9, attempts = $10, attempts_since = $11, last_updated = $12, \
     version = version + 1 WHERE user_id = $1 AND id = $2 AND version = $13";

macro_rules! impl_factor_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::FactorStore for $store {
            async fn insert_factor(
                &self,
                f: &$crate::FactorRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query($crate::factor_sql::INSERT)
                    .bind(&f.id)
                    .bind(&f.user_id)
                    .bind(&f.factor_type)
                    .bind(&f.provider)
                    .bind(&f.status)
                    .bind(sqlx::types::Json(&f.profile))
                    .bind(&f.secret_sealed)
                    .bind(&f.challenge_sealed)
                    .bind(f.challenge_expires)
                    .bind(f.last_sent)
                    .bind(f.last_step)
                    .bind(f.attempts)
                    .bind(f.attempts_since)
                    .bind(f.version)
                    .bind(f.created)
                    .bind(f.last_updated)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn factor_by_id(
                &self,
                user_id: &str,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::FactorRecord>> {
                let sql = format!(
                    "SELECT {} FROM factors WHERE user_id = $1 AND id = $2",
                    $crate::factor_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user_id)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_factors(
                &self,
                user_id: &str,
            ) -> $crate::StoreResult<Vec<$crate::FactorRecord>> {
                let sql = format!(
                    "SELECT {} FROM factors WHERE user_id = $1 ORDER BY created, id",
                    $crate::factor_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn update_factor(
                &self,
                f: &$crate::FactorRecord,
                events: &[$crate::EventRecord],
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query($crate::factor_sql::UPDATE)
                    .bind(&f.user_id)
                    .bind(&f.id)
                    .bind(&f.status)
                    .bind(sqlx::types::Json(&f.profile))
                    .bind(&f.secret_sealed)
                    .bind(&f.challenge_sealed)
                    .bind(f.challenge_expires)
                    .bind(f.last_sent)
                    .bind(f.last_step)
                    .bind(f.attempts)
                    .bind(f.attempts_since)
                    .bind(f.last_updated)
                    .bind(f.version)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_factor(
                &self,
                user_id: &str,
                id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM factors WHERE user_id = $1 AND id = $2")
                    .bind(user_id)
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

            async fn delete_user_factors(
                &self,
                user_id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<u64> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM factors WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use impl_factor_store;
