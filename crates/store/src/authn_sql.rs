//! The Authn transaction store, written once for both backends (see `factor_sql.rs` for the
//! pattern): `impl_authn_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - a step names the version it read and bumps it, so two concurrent steps of one
//!   transaction cannot both succeed (one state token, one outcome);
//! - every write commits together with its events, or not at all.

pub(crate) const COLUMNS: &str = "id, state_token_hash, recovery_token_hash, user_id, status, \
     data, expires_at, recovery_expires_at, version, created";

macro_rules! impl_authn_store {
    ($store:ty, $write:ident, $read:ident, $dialect:expr) => {
        #[async_trait::async_trait]
        impl $crate::AuthnStore for $store {
            async fn insert_authn_with_messages(
                &self,
                t: &$crate::AuthnTransactionRecord,
                events: &[$crate::EventRecord],
                messages: &[$crate::OutboxMessage],
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO authn_transactions (id, state_token_hash, recovery_token_hash, \
                     user_id, status, data, expires_at, recovery_expires_at, version, created) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&t.id)
                .bind(&t.state_token_hash)
                .bind(&t.recovery_token_hash)
                .bind(&t.user_id)
                .bind(&t.status)
                .bind(sqlx::types::Json(&t.data))
                .bind(t.expires_at)
                .bind(t.recovery_expires_at)
                .bind(t.version)
                .bind(t.created)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                $crate::outbox_sql::insert_messages!(tx, messages);
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn authn_by_state_token(
                &self,
                hash: &str,
            ) -> $crate::StoreResult<Option<$crate::AuthnTransactionRecord>> {
                let sql = format!(
                    "SELECT {} FROM authn_transactions WHERE state_token_hash = $1",
                    $crate::authn_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hash)
                    .fetch_optional(&self.$write)
                    .await?)
            }

            async fn authn_by_recovery_token(
                &self,
                hash: &str,
            ) -> $crate::StoreResult<Option<$crate::AuthnTransactionRecord>> {
                let sql = format!(
                    "SELECT {} FROM authn_transactions WHERE recovery_token_hash = $1",
                    $crate::authn_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hash)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_authn_with_messages(
                &self,
                t: &$crate::AuthnTransactionRecord,
                events: &[$crate::EventRecord],
                messages: &[$crate::OutboxMessage],
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE authn_transactions SET state_token_hash = $2, \
                     recovery_token_hash = $3, user_id = $4, status = $5, data = $6, \
                     expires_at = $7, recovery_expires_at = $8, version = version + 1 \
                     WHERE id = $1 AND version = $9",
                )
                .bind(&t.id)
                .bind(&t.state_token_hash)
                .bind(&t.recovery_token_hash)
                .bind(&t.user_id)
                .bind(&t.status)
                .bind(sqlx::types::Json(&t.data))
                .bind(t.expires_at)
                .bind(t.recovery_expires_at)
                .bind(t.version)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                $crate::outbox_sql::insert_messages!(tx, messages);
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_authn(
                &self,
                id: &str,
                version: i64,
                events: &[$crate::EventRecord],
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done =
                    sqlx::query("DELETE FROM authn_transactions WHERE id = $1 AND version = $2")
                        .bind(id)
                        .bind(version)
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

            async fn purge_authn(&self, before: i64) -> $crate::StoreResult<u64> {
                let done = sqlx::query(
                    "DELETE FROM authn_transactions WHERE expires_at < $1 \
                     AND recovery_expires_at < $1",
                )
                .bind(before)
                .execute(&self.$write)
                .await?;
                Ok(done.rows_affected())
            }

            async fn user_by_activation_token(
                &self,
                hash: &str,
            ) -> $crate::StoreResult<Option<$crate::UserRecord>> {
                let sql = format!(
                    "SELECT {} FROM users WHERE {} = $1",
                    $crate::user_sql::USER_COLUMNS,
                    $crate::filter_sql::SqlDialect::json_text(
                        &$dialect,
                        "secrets",
                        "activationTokenHash"
                    )
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hash)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn user_by_reset_token(
                &self,
                hash: &str,
            ) -> $crate::StoreResult<Option<$crate::UserRecord>> {
                let sql = format!(
                    "SELECT {} FROM users WHERE {} = $1",
                    $crate::user_sql::USER_COLUMNS,
                    $crate::filter_sql::SqlDialect::json_text(&$dialect, "secrets", "resetTokenHash")
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hash)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn record_events(
                &self,
                events: &[$crate::EventRecord],
            ) -> $crate::StoreResult<()> {
                if events.is_empty() {
                    return Ok(());
                }
                let mut tx = self.$write.begin().await?;
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_authn_store;
