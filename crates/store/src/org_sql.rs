//! The org and the first-start bootstrap. Nodes starting together on one database take the
//! backend's `lock` on the org first, so one bootstraps and the rest find the org.
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_org_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;

        use super::users::insert_user_row;
        use super::{groups::insert_group_row, insert_event, tokens::insert_token_row, $store};
        use crate::{Bootstrap, OrgRecord, OrgStore, StoreError, StoreResult};

        #[async_trait]
        impl OrgStore for $store {
            async fn org(&self) -> StoreResult<Option<OrgRecord>> {
                Ok(sqlx::query_as("SELECT id, name, created FROM org LIMIT 1")
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn bootstrap(&self, b: &Bootstrap) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                super::lock(&mut tx, "org").await?;
                let existing: Option<(String,)> = sqlx::query_as("SELECT id FROM org LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                if existing.is_some() {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO org (id, name, created) VALUES ($1, $2, $3)")
                    .bind(&b.org.id)
                    .bind(&b.org.name)
                    .bind(b.org.created)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                insert_group_row(&mut tx, &b.everyone).await?;
                insert_user_row(&mut tx, &b.admin).await?;
                sqlx::query(
                    "INSERT INTO group_members (group_id, user_id, created) VALUES ($1, $2, $3)",
                )
                .bind(&b.everyone.id)
                .bind(&b.admin.id)
                .bind(b.admin.created)
                .execute(&mut *tx)
                .await?;
                insert_token_row(&mut tx, &b.token).await?;
                for event in &b.events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use impl_org_store;
