//! Certificate signing requests of app key credentials, written once for both backends:
//! `impl_app_csr_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - publishing deletes the request and inserts the key credential in one transaction, so a
//!   key pair is either waiting for its certificate or a credential, never both or neither;
//! - the private key is stored sealed by the server; the store never reads it.

pub(crate) const COLUMNS: &str = "app_id, id, created, csr, e, n, private_key_sealed";

macro_rules! impl_app_csr_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::AppCsrStore for $store {
            async fn insert_app_csr(
                &self,
                c: &$crate::AppCsrRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO app_csrs (app_id, id, created, csr, e, n, private_key_sealed) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&c.app_id)
                .bind(&c.id)
                .bind(c.created)
                .bind(&c.csr)
                .bind(&c.e)
                .bind(&c.n)
                .bind(&c.private_key_sealed)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn app_csrs(
                &self,
                app_id: &str,
            ) -> $crate::StoreResult<Vec<$crate::AppCsrRecord>> {
                let sql = format!(
                    "SELECT {} FROM app_csrs WHERE app_id = $1 ORDER BY created, id",
                    $crate::app_csr_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn app_csr(
                &self,
                app_id: &str,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::AppCsrRecord>> {
                let sql = format!(
                    "SELECT {} FROM app_csrs WHERE app_id = $1 AND id = $2",
                    $crate::app_csr_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn delete_app_csr(
                &self,
                app_id: &str,
                id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM app_csrs WHERE app_id = $1 AND id = $2")
                    .bind(app_id)
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

            async fn publish_app_csr(
                &self,
                app_id: &str,
                id: &str,
                key: &$crate::AppKeyRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM app_csrs WHERE app_id = $1 AND id = $2")
                    .bind(app_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                $crate::app_sql::insert_app_key!(tx, key);
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use impl_app_csr_store;
