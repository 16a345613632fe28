//! Groups in PostgreSQL.

use async_trait::async_trait;
use sqlx::types::Json;

use super::{insert_event, PgStore};
use crate::{EventRecord, GroupRecord, GroupStore, StoreError, StoreResult};

pub(crate) const GROUP_COLUMNS: &str =
    "id, type, created, last_updated, last_membership_updated, profile";

pub(crate) async fn insert_group_row(
    conn: &mut sqlx::PgConnection,
    group: &GroupRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO groups (id, type, created, last_updated, last_membership_updated, profile, \
         name_lower) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&group.id)
    .bind(&group.group_type)
    .bind(group.created)
    .bind(group.last_updated)
    .bind(group.last_membership_updated)
    .bind(Json(&group.profile))
    .bind(group.name_lower())
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

#[async_trait]
impl GroupStore for PgStore {
    async fn group_by_id(&self, id: &str) -> StoreResult<Option<GroupRecord>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn everyone_group(&self) -> StoreResult<Option<GroupRecord>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups WHERE type = 'BUILT_IN' AND name_lower = 'everyone'"
        );
        Ok(sqlx::query_as(&sql).fetch_optional(&self.pool).await?)
    }

    async fn insert_group(&self, group: &GroupRecord, event: &EventRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_group_row(&mut tx, group).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
