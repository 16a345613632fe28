//! User types (User Types API), written once for both backends: `impl_user_type_store!`
//! expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - type names are unique ignoring case (`name_lower`);
//! - at most `MAX_USER_TYPES` types: the insert counts in its own statement;
//! - a delete removes a type only when no user has it, checked in the delete's own statement.
//!   Users do not reference the table (SQLite cannot add that key to an existing table), so a
//!   user created with a type while that type is deleted can keep the deleted id; the server
//!   checks the type just before the insert, which leaves that window narrow, not closed.

/// The default type and nine more (user-types.md, "Create User Type").
pub const MAX_USER_TYPES: i64 = 10;

pub(crate) const COLUMNS: &str = "id, name, display_name, description, is_default, \
     created_by, last_updated_by, created, last_updated";

macro_rules! impl_user_type_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::UserTypeStore for $store {
            async fn ensure_default_user_type(
                &self,
                t: &$crate::UserTypeRecord,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO user_types (id, name, name_lower, display_name, description, \
                     is_default, created_by, last_updated_by, created, last_updated) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                )
                .bind(&t.id)
                .bind(&t.name)
                .bind(t.name.to_lowercase())
                .bind(&t.display_name)
                .bind(&t.description)
                .bind(t.is_default)
                .bind(&t.created_by)
                .bind(&t.last_updated_by)
                .bind(t.created)
                .bind(t.last_updated)
                .execute(&self.$write)
                .await
                .map_err($crate::StoreError::from_write)?;
                Ok(())
            }

            async fn insert_user_type(
                &self,
                t: &$crate::UserTypeRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO user_types (id, name, name_lower, display_name, description, \
                     is_default, created_by, last_updated_by, created, last_updated) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
                     WHERE (SELECT count(*) FROM user_types) < $11",
                )
                .bind(&t.id)
                .bind(&t.name)
                .bind(t.name.to_lowercase())
                .bind(&t.display_name)
                .bind(&t.description)
                .bind(t.is_default)
                .bind(&t.created_by)
                .bind(&t.last_updated_by)
                .bind(t.created)
                .bind(t.last_updated)
                .bind($crate::user_type_sql::MAX_USER_TYPES)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn list_user_types(&self) -> $crate::StoreResult<Vec<$crate::UserTypeRecord>> {
                let sql = format!(
                    "SELECT {} FROM user_types ORDER BY created, id",
                    $crate::user_type_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn user_type_by_id(
                &self,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::UserTypeRecord>> {
                let sql = format!(
                    "SELECT {} FROM user_types WHERE id = $1",
                    $crate::user_type_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_user_type(
                &self,
                t: &$crate::UserTypeRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE user_types SET display_name = $2, description = $3, \
                     last_updated_by = $4, last_updated = $5 WHERE id = $1",
                )
                .bind(&t.id)
                .bind(&t.display_name)
                .bind(&t.description)
                .bind(&t.last_updated_by)
                .bind(t.last_updated)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_user_type(
                &self,
                id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<$crate::UserTypeDelete> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "DELETE FROM user_types WHERE id = $1 AND NOT is_default \
                     AND NOT EXISTS (SELECT 1 FROM users WHERE type_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    let default: Option<bool> =
                        sqlx::query_scalar("SELECT is_default FROM user_types WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Ok(match default {
                        None => $crate::UserTypeDelete::NotFound,
                        Some(true) => $crate::UserTypeDelete::Default,
                        Some(false) => $crate::UserTypeDelete::InUse,
                    });
                }
                // The type's schema goes with it.
                sqlx::query("DELETE FROM profile_schemas WHERE id = 'user:' || $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM unique_attributes WHERE scope = 'user' AND owner_key = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok($crate::UserTypeDelete::Deleted)
            }
        }
    };
}
pub(crate) use impl_user_type_store;
