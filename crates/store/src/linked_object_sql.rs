//! Linked objects (Linked Objects API), written once for both backends:
//! `impl_linked_object_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - a name (ignoring case) is used by one definition, on one side only: the insert checks
//!   both columns in its own statement, and each column is unique;
//! - an associated user has at most one primary user per definition (the primary key);
//!   setting a new one replaces the old in one statement;
//! - deleting a definition or a user removes its values (ON DELETE CASCADE).

/// The most definitions an org may have (linked-objects.md).
pub const MAX_DEFINITIONS: i64 = 200;

pub(crate) const COLUMNS: &str = "primary_name, primary_title, primary_description, \
     associated_name, associated_title, associated_description, created";

macro_rules! impl_linked_object_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::LinkedObjectStore for $store {
            async fn insert_linked_object(
                &self,
                d: &$crate::LinkedObjectRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<$crate::LinkedObjectInsert> {
                let mut tx = self.$write.begin().await?;
                let taken: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM linked_object_definitions \
                     WHERE primary_lower IN ($1, $2) OR associated_lower IN ($1, $2)",
                )
                .bind(d.primary_name.to_lowercase())
                .bind(d.associated_name.to_lowercase())
                .fetch_one(&mut *tx)
                .await?;
                if taken > 0 {
                    return Ok($crate::LinkedObjectInsert::NameTaken);
                }
                let done = sqlx::query(
                    "INSERT INTO linked_object_definitions (primary_name, primary_lower, \
                     primary_title, primary_description, associated_name, associated_lower, \
                     associated_title, associated_description, created) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
                     WHERE (SELECT count(*) FROM linked_object_definitions) < $10",
                )
                .bind(&d.primary_name)
                .bind(d.primary_name.to_lowercase())
                .bind(&d.primary_title)
                .bind(&d.primary_description)
                .bind(&d.associated_name)
                .bind(d.associated_name.to_lowercase())
                .bind(&d.associated_title)
                .bind(&d.associated_description)
                .bind(d.created)
                .bind($crate::linked_object_sql::MAX_DEFINITIONS)
                .execute(&mut *tx)
                .await;
                let done = match done {
                    Ok(done) => done,
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                        return Ok($crate::LinkedObjectInsert::NameTaken);
                    }
                    Err(other) => return Err(other.into()),
                };
                if done.rows_affected() == 0 {
                    return Ok($crate::LinkedObjectInsert::TooMany);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok($crate::LinkedObjectInsert::Inserted)
            }

            async fn list_linked_objects(
                &self,
            ) -> $crate::StoreResult<Vec<$crate::LinkedObjectRecord>> {
                let sql = format!(
                    "SELECT {} FROM linked_object_definitions ORDER BY created, primary_name",
                    $crate::linked_object_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn linked_object_by_name(
                &self,
                name: &str,
            ) -> $crate::StoreResult<Option<$crate::LinkedObjectRecord>> {
                let sql = format!(
                    "SELECT {} FROM linked_object_definitions \
                     WHERE primary_lower = $1 OR associated_lower = $1",
                    $crate::linked_object_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(name.to_lowercase())
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn delete_linked_object(
                &self,
                primary_name: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                // Values first: the cascade is the safety net, not the plan.
                sqlx::query("DELETE FROM linked_object_values WHERE primary_name = $1")
                    .bind(primary_name)
                    .execute(&mut *tx)
                    .await?;
                let done =
                    sqlx::query("DELETE FROM linked_object_definitions WHERE primary_name = $1")
                        .bind(primary_name)
                        .execute(&mut *tx)
                        .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn set_linked_object_value(
                &self,
                primary_name: &str,
                associated_user_id: &str,
                primary_user_id: &str,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO linked_object_values (primary_name, associated_user_id, \
                     primary_user_id, created) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (primary_name, associated_user_id) \
                     DO UPDATE SET primary_user_id = excluded.primary_user_id, \
                     created = excluded.created",
                )
                .bind(primary_name)
                .bind(associated_user_id)
                .bind(primary_user_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn primary_of(
                &self,
                primary_name: &str,
                associated_user_id: &str,
            ) -> $crate::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT primary_user_id FROM linked_object_values \
                     WHERE primary_name = $1 AND associated_user_id = $2",
                )
                .bind(primary_name)
                .bind(associated_user_id)
                .fetch_optional(&self.$read)
                .await?)
            }

            async fn associated_of(
                &self,
                primary_name: &str,
                primary_user_id: &str,
                after: Option<&str>,
                limit: u32,
            ) -> $crate::StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(&format!(
                    "SELECT associated_user_id FROM linked_object_values \
                     WHERE primary_name = $1 AND primary_user_id = $2 \
                     AND associated_user_id{bytes} > $3 \
                     ORDER BY associated_user_id{bytes} LIMIT $4",
                    bytes = $crate::linked_object_sql::bytes_collation(self),
                ))
                .bind(primary_name)
                .bind(primary_user_id)
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.$read)
                .await?)
            }

            async fn delete_linked_object_value(
                &self,
                primary_name: &str,
                associated_user_id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "DELETE FROM linked_object_values \
                     WHERE primary_name = $1 AND associated_user_id = $2",
                )
                .bind(primary_name)
                .bind(associated_user_id)
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
pub(crate) use impl_linked_object_store;

/// How ids compare in keyset conditions: byte order on both backends.
pub(crate) fn bytes_collation(store: &dyn crate::Store) -> &'static str {
    if store.backend() == "postgres" {
        " COLLATE \"C\""
    } else {
        ""
    }
}
