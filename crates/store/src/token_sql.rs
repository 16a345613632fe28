//! API tokens. A change to a token is announced through the backend's `token_changed` in
//! the same transaction, so nodes that cache tokens drop it when it commits.
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_token_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::{ApiTokenRecord, EventRecord, PageKey, StoreError, StoreResult, TokenStore};

        const TOKEN_COLUMNS: &str =
            "id, name, user_id, client_name, token_hash, created, last_updated, expires_at, network";

        pub(crate) async fn insert_token_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            token: &ApiTokenRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, user_id, client_name, token_hash, created, \
                 last_updated, expires_at, network) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&token.id)
            .bind(&token.name)
            .bind(&token.user_id)
            .bind(&token.client_name)
            .bind(&token.token_hash)
            .bind(token.created)
            .bind(token.last_updated)
            .bind(token.expires_at)
            .bind(Json(&token.network))
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        #[async_trait]
        impl TokenStore for $store {
            async fn insert_token(
                &self,
                token: &ApiTokenRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                insert_token_row(&mut tx, token).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiTokenRecord>> {
                let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(token_hash)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn token_by_id(&self, id: &str) -> StoreResult<Option<ApiTokenRecord>> {
                let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_tokens(
                &self,
                after: Option<&PageKey>,
                limit: u32,
            ) -> StoreResult<Vec<ApiTokenRecord>> {
                let rows = match after {
                    Some(key) => {
                        let sql = format!(
                            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE (created, id) > ($1, $2) \
                             ORDER BY created, id LIMIT $3"
                        );
                        sqlx::query_as(&sql)
                            .bind(key.key_i64().unwrap_or(i64::MIN))
                            .bind(&key.id)
                            .bind(i64::from(limit) + 1)
                            .fetch_all(&self.$read)
                            .await?
                    }
                    None => {
                        let sql = format!(
                            "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created, id LIMIT $1"
                        );
                        sqlx::query_as(&sql)
                            .bind(i64::from(limit) + 1)
                            .fetch_all(&self.$read)
                            .await?
                    }
                };
                Ok(rows)
            }

            async fn touch_token(
                &self,
                id: &str,
                last_updated: i64,
                expires_at: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE api_tokens SET last_updated = $2, expires_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(last_updated)
                .bind(expires_at)
                .execute(&self.$write)
                .await?;
                Ok(())
            }

            async fn update_token(
                &self,
                token: &ApiTokenRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE api_tokens SET name = $2, network = $3, last_updated = $4 WHERE id = $1",
                )
                .bind(&token.id)
                .bind(&token.name)
                .bind(Json(&token.network))
                .bind(token.last_updated)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                super::token_changed(&mut tx, &token.id).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_token(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                super::token_changed(&mut tx, id).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn token_changes(&self) -> StoreResult<Option<Box<dyn crate::ChangeFeed>>> {
                super::token_feed(&self.$read).await
            }
        }
    };
}
pub(crate) use impl_token_store;
