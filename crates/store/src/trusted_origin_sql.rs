//! The SQL of one List Trusted Origins page (listTrustedOrigins: `q`, `filter`, `after`,
//! `limit`), the same text for SQLite and PostgreSQL: it uses only `=`, `LIKE` with an
//! escape, row-value comparison and `LIMIT`, which both read alike.
//!
//! Invariants:
//! - Client text is always a `$n` parameter, never SQL text.
//! - `q` matches `name_lower` and `origin_key`, both lower-cased by the store when written,
//!   against a lower-cased `LIKE` prefix, so the answer does not depend on either database's
//!   `LIKE` case rules.
//! - `type eq "CORS"` reads the `scope_cors` flag column (one per scope type), which the
//!   store writes from the scopes in the same statement as the scopes themselves.
//! - Pages order by (created, id) ascending; the cursor is the last row's (created, id).
//!
//! `impl_trusted_origin_store!` writes the store once for both backends: each write stores the
//! scopes JSON and its `scope_*` flags in one statement and commits with its System Log event
//! (written last); the CORS and redirect check is one look-up on the unique `origin_key` index.

use model::expr::{Attribute, Op, Resolved, Value};
use model::trusted_origins::ScopeType;

use crate::filter_sql::{like_pattern, FilterSqlError, Params, SqlValue};
use crate::{StoreError, StoreResult, TrustedOriginQuery};

/// The columns a `TrustedOriginRecord` reads.
pub(crate) const COLUMNS: &str =
    "id, name, origin, scopes, status, created, created_by, last_updated, last_updated_by";

/// The flag column of a scope type.
pub(crate) const fn scope_column(scope: ScopeType) -> &'static str {
    match scope {
        ScopeType::Cors => "scope_cors",
        ScopeType::Redirect => "scope_redirect",
        ScopeType::IframeEmbed => "scope_iframe_embed",
    }
}

/// The statement and its parameters for one page (at most `limit + 1` rows).
pub(crate) fn page_sql(query: &TrustedOriginQuery) -> StoreResult<(String, Vec<SqlValue>)> {
    let mut params = Params::default();
    let mut conditions = Vec::new();
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let pattern = like_pattern(Op::Sw, &q.to_lowercase());
        let name = params.push(SqlValue::Text(pattern.clone()));
        let origin = params.push(SqlValue::Text(pattern));
        conditions.push(format!(
            "(name_lower LIKE {name} ESCAPE '\\' OR origin_key LIKE {origin} ESCAPE '\\')"
        ));
    }
    if let Some(filter) = &query.filter {
        conditions
            .push(condition(filter, &mut params).map_err(|e| StoreError::Corrupt(e.to_string()))?);
    }
    if let Some(after) = &query.after {
        let created = after.key_i64().ok_or(StoreError::InvalidCursor)?;
        let created = params.push(SqlValue::Int(created));
        let id = params.push(SqlValue::Text(after.id.clone()));
        conditions.push(format!("(created, id) > ({created}, {id})"));
    }
    let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    Ok((
        format!("SELECT {COLUMNS} FROM trusted_origins{filter} ORDER BY created, id LIMIT {limit}"),
        params.into_values(),
    ))
}

/// The WHERE condition of a resolved `filter` (`model::expr::trusted_origins::FILTER`).
fn condition(expr: &Resolved, params: &mut Params) -> Result<String, FilterSqlError> {
    let join = |items: &[Resolved], joiner: &str, params: &mut Params| {
        let parts = items
            .iter()
            .map(|item| condition(item, params))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(joiner)))
    };
    match expr {
        Resolved::And(items) => join(items, " AND ", params),
        Resolved::Or(items) => join(items, " OR ", params),
        Resolved::Not(inner) => Ok(format!("(NOT {})", condition(inner, params)?)),
        Resolved::Compare {
            attribute: Attribute::Named(name),
            op: Op::Eq,
            value: Value::Text(text),
            ..
        } => match *name {
            "name" => Ok(format!(
                "(name = {})",
                params.push(SqlValue::Text(text.clone()))
            )),
            "origin" => {
                let key = model::trusted_origins::origin_key(text)
                    .unwrap_or_else(|| text.trim().to_ascii_lowercase());
                Ok(format!(
                    "(origin_key = {})",
                    params.push(SqlValue::Text(key))
                ))
            }
            "status" => Ok(format!(
                "(status = {})",
                params.push(SqlValue::Text(text.clone()))
            )),
            "type" => {
                let scope = ScopeType::parse(text)
                    .ok_or_else(|| FilterSqlError::ValueMismatch(format!("type {text}")))?;
                let flag = params.push(SqlValue::Bool(true));
                Ok(format!("({} = {flag})", scope_column(scope)))
            }
            other => Err(FilterSqlError::UnmappedAttribute(other.to_owned())),
        },
        other => Err(FilterSqlError::ValueMismatch(format!("{other:?}"))),
    }
}

macro_rules! impl_trusted_origin_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::filter_sql::SqlValue;
        use crate::trusted_origin_sql::{page_sql, scope_column, COLUMNS};
        use crate::{
            EventRecord, StoreError, StoreResult, TrustedOriginQuery, TrustedOriginRecord,
            TrustedOriginStore,
        };
        use model::trusted_origins::ScopeType;

        #[async_trait]
        impl TrustedOriginStore for $store {
            async fn insert_trusted_origin(
                &self,
                origin: &TrustedOriginRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
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

            async fn trusted_origin_by_id(
                &self,
                id: &str,
            ) -> StoreResult<Option<TrustedOriginRecord>> {
                let sql = format!("SELECT {COLUMNS} FROM trusted_origins WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_trusted_origin(
                &self,
                origin: &TrustedOriginRecord,
                event: &EventRecord,
            ) -> StoreResult<Option<TrustedOriginRecord>> {
                let mut tx = self.$write.begin().await?;
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
                let mut tx = self.$write.begin().await?;
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

            async fn delete_trusted_origin(
                &self,
                id: &str,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
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
                Ok(q.fetch_all(&self.$read).await?)
            }

            async fn origin_is_trusted(
                &self,
                origin_key: &str,
                scope: ScopeType,
            ) -> StoreResult<bool> {
                let sql = format!(
                    "SELECT id FROM trusted_origins WHERE origin_key = $1 AND status = 'ACTIVE' \
                     AND {} = $2",
                    scope_column(scope)
                );
                let found: Option<(String,)> = sqlx::query_as(&sql)
                    .bind(origin_key)
                    .bind(true)
                    .fetch_optional(&self.$read)
                    .await?;
                Ok(found.is_some())
            }
        }
    };
}
pub(crate) use impl_trusted_origin_store;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageKey;

    #[test]
    fn everything_is_a_parameter() {
        let query = TrustedOriginQuery {
            q: Some("Web%_".into()),
            filter: Some(
                model::expr::trusted_origins::parse_filter(
                    r#"(name eq "a'b" or origin eq "HTTPS://X.example.com:443/") and type eq "CORS""#,
                )
                .unwrap(),
            ),
            after: Some(PageKey {
                key: serde_json::json!(5),
                id: "tos1".into(),
            }),
            limit: 2,
        };
        let (sql, params) = page_sql(&query).unwrap();
        assert_eq!(
            sql,
            format!(
                "SELECT {COLUMNS} FROM trusted_origins WHERE (name_lower LIKE $1 ESCAPE '\\' OR \
                 origin_key LIKE $2 ESCAPE '\\') AND (((name = $3) OR (origin_key = $4)) AND \
                 (scope_cors = $5)) AND (created, id) > ($6, $7) ORDER BY created, id LIMIT $8"
            )
        );
        assert_eq!(
            params,
            vec![
                SqlValue::Text("web\\%\\_%".into()),
                SqlValue::Text("web\\%\\_%".into()),
                SqlValue::Text("a'b".into()),
                SqlValue::Text("https://x.example.com".into()),
                SqlValue::Bool(true),
                SqlValue::Int(5),
                SqlValue::Text("tos1".into()),
                SqlValue::Int(3),
            ]
        );
    }

    #[test]
    fn a_cursor_of_another_list_is_refused() {
        let query = TrustedOriginQuery {
            after: Some(PageKey {
                key: serde_json::json!("name"),
                id: "tos1".into(),
            }),
            limit: 2,
            ..Default::default()
        };
        assert!(matches!(page_sql(&query), Err(StoreError::InvalidCursor)));
    }
}
