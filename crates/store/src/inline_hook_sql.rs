//! Inline hooks: their registrations and lifecycle, each write committed with its System
//! Log event.
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_inline_hook_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::{EventRecord, InlineHookRecord, InlineHookStore, StoreError, StoreResult};

        const COLUMNS: &str =
            "id, name, type, version, status, channel, auth_value_sealed, created, last_updated";

        #[async_trait]
        impl InlineHookStore for $store {
            async fn insert_inline_hook(
                &self,
                hook: &InlineHookRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO inline_hooks (id, name, type, version, status, channel, \
                     auth_value_sealed, created, last_updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&hook.id)
                .bind(&hook.name)
                .bind(&hook.hook_type)
                .bind(&hook.version)
                .bind(&hook.status)
                .bind(Json(&hook.channel))
                .bind(&hook.auth_value_sealed)
                .bind(hook.created)
                .bind(hook.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn inline_hook_by_id(&self, id: &str) -> StoreResult<Option<InlineHookRecord>> {
                let sql = format!("SELECT {COLUMNS} FROM inline_hooks WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_inline_hooks(
                &self,
                hook_type: Option<&str>,
            ) -> StoreResult<Vec<InlineHookRecord>> {
                let rows = match hook_type {
                    Some(t) => {
                        let sql = format!(
                            "SELECT {COLUMNS} FROM inline_hooks WHERE type = $1 ORDER BY created, id"
                        );
                        sqlx::query_as(&sql).bind(t).fetch_all(&self.$read).await?
                    }
                    None => {
                        let sql =
                            format!("SELECT {COLUMNS} FROM inline_hooks ORDER BY created, id");
                        sqlx::query_as(&sql).fetch_all(&self.$read).await?
                    }
                };
                Ok(rows)
            }

            async fn update_inline_hook(
                &self,
                hook: &InlineHookRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE inline_hooks SET name = $2, version = $3, status = $4, channel = $5, \
                     auth_value_sealed = $6, last_updated = $7 WHERE id = $1",
                )
                .bind(&hook.id)
                .bind(&hook.name)
                .bind(&hook.version)
                .bind(&hook.status)
                .bind(Json(&hook.channel))
                .bind(&hook.auth_value_sealed)
                .bind(hook.last_updated)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_inline_hook(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM inline_hooks WHERE id = $1")
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
        }
    };
}
pub(crate) use impl_inline_hook_store;
