//! Trusted origins in PostgreSQL (the TrustedOrigin tag). Each write stores the scopes JSON
//! and its scope_* flags in one statement, and commits with its System Log event (written
//! last); the CORS and redirect check is one look-up on the unique `origin_key` index.

use async_trait::async_trait;
use sqlx::types::Json;

use super::{insert_event, PgStore};
use crate::filter_sql::SqlValue;
use crate::trusted_origin_sql::{page_sql, scope_column, COLUMNS};
use crate::{
    EventRecord, StoreError, StoreResult, TrustedOriginQuery, TrustedOriginRecord,
    TrustedOriginStore,
};
use model::trusted_origins::ScopeType;

#[async_trait]
impl TrustedOriginStore for PgStore {
    async fn insert_trusted_origin(
        &self,
        origin: &TrustedOriginRecord,
        event: &EventRecord,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO trusted_origins (id, name, name_lower, origin, origin_key, scopes, \
             scope_cors, scope_redirect, scope_iframe_embed, status, created, created_by, \
             last_updated, last_updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&origin.id)
        .bind(&origin.name)
        .bind(origin.name_lower())
        .bind(&origin.origin)
        .bind(origin.origin_key())
        .bind(Json(&origin.scopes))
        .bind(origin.grants(ScopeType::Cors))
        .bind(origin.grants(ScopeType::Redirect))
        .bind(origin.grants(ScopeType::IframeEmbed))
        .bind(&origin.status)
        .bind(origin.created)
        .bind(&origin.created_by)
        .bind(origin.last_updated)
        .bind(&origin.last_updated_by)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn trusted_origin_by_id(&self, id: &str) -> StoreResult<Option<TrustedOriginRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM trusted_origins WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn update_trusted_origin(
        &self,
        origin: &TrustedOriginRecord,
        event: &EventRecord,
    ) -> StoreResult<Option<TrustedOriginRecord>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE trusted_origins SET name = $2, name_lower = $3, origin = $4, origin_key = $5, \
             scopes = $6, scope_cors = $7, scope_redirect = $8, scope_iframe_embed = $9, \
             last_updated = $10, last_updated_by = $11 WHERE id = $1 RETURNING {COLUMNS}"
        );
        let saved: Option<TrustedOriginRecord> = sqlx::query_as(&sql)
            .bind(&origin.id)
            .bind(&origin.name)
            .bind(origin.name_lower())
            .bind(&origin.origin)
            .bind(origin.origin_key())
            .bind(Json(&origin.scopes))
            .bind(origin.grants(ScopeType::Cors))
            .bind(origin.grants(ScopeType::Redirect))
            .bind(origin.grants(ScopeType::IframeEmbed))
            .bind(origin.last_updated)
            .bind(&origin.last_updated_by)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::from_write)?;
        if saved.is_some() {
            insert_event(&mut tx, event).await?;
            tx.commit().await?;
        }
        Ok(saved)
    }

    async fn set_trusted_origin_status(
        &self,
        id: &str,
        status: &str,
        now: i64,
        by: &str,
        event: &EventRecord,
    ) -> StoreResult<Option<TrustedOriginRecord>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE trusted_origins SET status = $2, last_updated = $3, last_updated_by = $4 \
             WHERE id = $1 RETURNING {COLUMNS}"
        );
        let saved: Option<TrustedOriginRecord> = sqlx::query_as(&sql)
            .bind(id)
            .bind(status)
            .bind(now)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
        if saved.is_some() {
            insert_event(&mut tx, event).await?;
            tx.commit().await?;
        }
        Ok(saved)
    }

    async fn delete_trusted_origin(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM trusted_origins WHERE id = $1")
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

    async fn list_trusted_origins(
        &self,
        query: &TrustedOriginQuery,
    ) -> StoreResult<Vec<TrustedOriginRecord>> {
        let (sql, params) = page_sql(query)?;
        let mut q = sqlx::query_as::<_, TrustedOriginRecord>(&sql);
        for p in params {
            q = match p {
                SqlValue::Text(s) => q.bind(s),
                SqlValue::Int(i) => q.bind(i),
                SqlValue::Float(f) => q.bind(f),
                SqlValue::Bool(b) => q.bind(b),
            };
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    async fn origin_is_trusted(&self, origin_key: &str, scope: ScopeType) -> StoreResult<bool> {
        let sql = format!(
            "SELECT id FROM trusted_origins WHERE origin_key = $1 AND status = 'ACTIVE' \
             AND {} = $2",
            scope_column(scope)
        );
        let found: Option<(String,)> = sqlx::query_as(&sql)
            .bind(origin_key)
            .bind(true)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }
}
