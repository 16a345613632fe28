//! The org's authenticators (Authenticators API), written once for both backends:
//! `impl_authenticator_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - one row per authenticator key; `ensure_authenticators` only adds missing keys, so a
//!   restart never undoes an admin's change and concurrent first starts add each key once;
//! - an update writes the row and its System Log event in one transaction.

pub(crate) const COLUMNS: &str = "id, key, authenticator_type, name, status, settings, \
     inactive_methods, created, last_updated";

macro_rules! impl_authenticator_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::AuthenticatorStore for $store {
            async fn ensure_authenticators(
                &self,
                authenticators: &[$crate::AuthenticatorRecord],
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                for a in authenticators {
                    sqlx::query(
                        "INSERT INTO authenticators (id, key, authenticator_type, name, status, \
                         settings, inactive_methods, created, last_updated) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING",
                    )
                    .bind(&a.id)
                    .bind(&a.key)
                    .bind(&a.authenticator_type)
                    .bind(&a.name)
                    .bind(&a.status)
                    .bind(&a.settings)
                    .bind(&a.inactive_methods)
                    .bind(a.created)
                    .bind(a.last_updated)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_authenticators(
                &self,
            ) -> $crate::StoreResult<Vec<$crate::AuthenticatorRecord>> {
                let sql = format!(
                    "SELECT {} FROM authenticators ORDER BY created, id",
                    $crate::authenticator_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn authenticator_by_id(
                &self,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::AuthenticatorRecord>> {
                let sql = format!(
                    "SELECT {} FROM authenticators WHERE id = $1",
                    $crate::authenticator_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_authenticator(
                &self,
                a: &$crate::AuthenticatorRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE authenticators SET name = $2, status = $3, settings = $4, \
                     inactive_methods = $5, last_updated = $6 WHERE id = $1",
                )
                .bind(&a.id)
                .bind(&a.name)
                .bind(&a.status)
                .bind(&a.settings)
                .bind(&a.inactive_methods)
                .bind(a.last_updated)
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
        }
    };
}
pub(crate) use impl_authenticator_store;
