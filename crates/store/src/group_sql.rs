//! Groups, their members and owners (groups.md, "Group operations", "Group member
//! operations"; the GroupOwner tag).
//!
//! A membership change first moves the group's `last_membership_updated` (never backwards),
//! then writes the membership row: a group deleted meanwhile is NotFound, a user deleted
//! meanwhile fails its foreign key (NotFound), and a change that changes nothing rolls back.
//! Member and owner pages are keyed by id, compared bytewise.
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_group_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::users::USER_COLUMNS;
        use super::{$store, insert_event};
        use crate::filter_sql::{compile_filter, Params, SqlValue, GROUP_OWNERS};
        use crate::page_sql;
        use crate::{
            EventRecord, GroupOwnerQuery, GroupOwnerRecord, GroupQuery, GroupRecord, GroupStore,
            StoreError, StoreResult, UserRecord,
        };

        pub(crate) const GROUP_COLUMNS: &str =
            "id, type, created, last_updated, last_membership_updated, profile, source_id";

        /// An owner row with the owner's current name.
        const OWNER_SELECT: &str = "SELECT o.group_id, o.owner_id, o.owner_type, o.last_updated, \
            CASE WHEN o.owner_type = 'USER' \
            THEN trim(coalesce(u.profile ->> 'firstName', '') || ' ' || \
                      coalesce(u.profile ->> 'lastName', '')) \
            ELSE coalesce(g.profile ->> 'name', '') END AS display_name \
            FROM group_owners o \
            LEFT JOIN users u ON u.id = o.user_id \
            LEFT JOIN groups g ON g.id = o.owner_group_id";

        pub(crate) async fn insert_group_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            group: &GroupRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO groups (id, type, created, last_updated, last_membership_updated, profile, \
                 name_lower, source_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&group.id)
            .bind(&group.group_type)
            .bind(group.created)
            .bind(group.last_updated)
            .bind(group.last_membership_updated)
            .bind(Json(&group.profile))
            .bind(group.name_lower())
            .bind(&group.source_id)
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        /// Binds compiled parameters in order.
        fn bind_all<'q, O>(
            mut q: sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments<'q>>,
            params: Vec<SqlValue>,
        ) -> sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments<'q>> {
            for p in params {
                q = match p {
                    SqlValue::Text(s) => q.bind(s),
                    SqlValue::Int(i) => q.bind(i),
                    SqlValue::Float(f) => q.bind(f),
                    SqlValue::Bool(b) => q.bind(b),
                };
            }
            q
        }

        #[async_trait]
        impl GroupStore for $store {
            async fn group_by_id(&self, id: &str) -> StoreResult<Option<GroupRecord>> {
                let sql = format!(
                    "SELECT {GROUP_COLUMNS} FROM {} groups WHERE id = $1",
                    crate::page_sql::GROUPS_READ
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn everyone_group(&self) -> StoreResult<Option<GroupRecord>> {
                let sql = format!(
                    "SELECT {GROUP_COLUMNS} FROM {} groups \
                     WHERE type = 'BUILT_IN' AND name_lower = 'everyone'",
                    crate::page_sql::GROUPS_READ
                );
                Ok(sqlx::query_as(&sql).fetch_optional(&self.$read).await?)
            }

            async fn insert_group(
                &self,
                group: &GroupRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                insert_group_row(&mut tx, group).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_group(
                &self,
                group: &GroupRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE groups SET profile = $2, name_lower = $3, last_updated = $4 WHERE id = $1",
                )
                .bind(&group.id)
                .bind(Json(&group.profile))
                .bind(group.name_lower())
                .bind(group.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_group(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                // Every group rule naming the group becomes INVALID (groups.md, "Rule object").
                sqlx::query(
                    "UPDATE group_rules SET status = 'INVALID', all_groups_valid = $2, last_updated = $3 \
                     WHERE id IN (SELECT rule_id FROM group_rule_groups WHERE group_id = $1)",
                )
                .bind(id)
                .bind(false)
                .bind(event.published)
                .execute(&mut *tx)
                .await?;
                // Its administrator roles go with it. As a role's target it stays: a role limited
                // to a deleted group covers nobody (removing the target could leave the role
                // with none, which would mean every group).
                for sql in [
                    "DELETE FROM role_assignments WHERE principal_type = 'GROUP' AND principal_id = $1",
                    "DELETE FROM role_binding_members WHERE principal_type = 'GROUP' AND principal_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                let done = sqlx::query("DELETE FROM groups WHERE id = $1")
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

            async fn list_groups(&self, query: &GroupQuery) -> StoreResult<Vec<GroupRecord>> {
                let (sql, params) = page_sql::group_page_sql(&$dialect, GROUP_COLUMNS, query)?;
                let q = bind_all(sqlx::query_as::<_, GroupRecord>(&sql), params);
                Ok(q.fetch_all(&self.$read).await?)
            }

            async fn add_group_member(
                &self,
                group_id: &str,
                user_id: &str,
                now: i64,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let moved = sqlx::query(&format!(
                    "UPDATE groups SET last_membership_updated = {}(last_membership_updated, $2) \
                         WHERE id = $1",
                    $dialect.greatest()
                ))
                .bind(group_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let added = sqlx::query(
                    "INSERT INTO group_members (group_id, user_id, created) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(group_id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if added.rows_affected() == 0 {
                    return Ok(false);
                }
                crate::rule_queue_sql::enqueue_rule_evaluation!(tx, user_id, now);
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn remove_group_member(
                &self,
                group_id: &str,
                user_id: &str,
                now: i64,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(&format!(
                    "UPDATE groups SET last_membership_updated = {}(last_membership_updated, $2) \
                         WHERE id = $1",
                    $dialect.greatest()
                ))
                .bind(group_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let removed =
                    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
                        .bind(group_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                if removed.rows_affected() == 0 {
                    return Ok(false);
                }
                crate::rule_queue_sql::enqueue_rule_evaluation!(tx, user_id, now);
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn list_group_members(
                &self,
                group_id: &str,
                after: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<UserRecord>> {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE id IN (\
                     SELECT user_id FROM group_members WHERE group_id = $1 AND user_id{bytes} > $2 \
                     ORDER BY user_id{bytes} LIMIT $3) ORDER BY id{bytes}",
                    bytes = $dialect.bytes_collation()
                );
                Ok(sqlx::query_as(&sql)
                    .bind(group_id)
                    .bind(after.unwrap_or_default())
                    .bind(i64::from(limit) + 1)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn group_member_counts(
                &self,
                group_ids: &[String],
            ) -> StoreResult<Vec<(String, i64)>> {
                if group_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let placeholders: Vec<String> =
                    (1..=group_ids.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT group_id, COUNT(*) FROM group_members WHERE group_id IN ({}) \
                     GROUP BY group_id",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
                for id in group_ids {
                    q = q.bind(id);
                }
                Ok(q.fetch_all(&self.$read).await?)
            }

            async fn list_group_owners(
                &self,
                query: &GroupOwnerQuery,
            ) -> StoreResult<Vec<GroupOwnerRecord>> {
                let mut params = Params::starting_at(2);
                let mut conditions = vec!["o.group_id = $1".to_owned()];
                if let Some(expr) = &query.filter {
                    conditions.push(
                        compile_filter(&$dialect, &GROUP_OWNERS, expr, &mut params)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    );
                }
                if let Some(after) = &query.after {
                    let p = params.push(SqlValue::Text(after.id.clone()));
                    conditions.push(format!("o.owner_id{} > {p}", $dialect.bytes_collation()));
                }
                let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
                let sql = format!(
                    "{OWNER_SELECT} WHERE {} ORDER BY o.owner_id{} LIMIT {limit}",
                    conditions.join(" AND "),
                    $dialect.bytes_collation()
                );
                let q = sqlx::query_as::<_, GroupOwnerRecord>(&sql).bind(&query.group_id);
                Ok(bind_all(q, params.into_values())
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn insert_group_owner(
                &self,
                owner: &GroupOwnerRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let (user_id, owner_group_id) = match owner.owner_type.as_str() {
                    "USER" => (Some(&owner.owner_id), None),
                    _ => (None, Some(&owner.owner_id)),
                };
                let mut tx = self.$write.begin().await?;
                let added = sqlx::query(
                    "INSERT INTO group_owners (group_id, owner_id, owner_type, user_id, owner_group_id, \
                     last_updated) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(&owner.group_id)
                .bind(&owner.owner_id)
                .bind(&owner.owner_type)
                .bind(user_id)
                .bind(owner_group_id)
                .bind(owner.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if added.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_group_owner(
                &self,
                group_id: &str,
                owner_id: &str,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done =
                    sqlx::query("DELETE FROM group_owners WHERE group_id = $1 AND owner_id = $2")
                        .bind(group_id)
                        .bind(owner_id)
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
pub(crate) use impl_group_store;
