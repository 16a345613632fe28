//! Users: create, read, update, delete and list. Reads of users by key and pages of users go
//! first to the backend's direct reader when it has one (SQLite's, see `sqlite::direct`).
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

/// The `users` columns a [`crate::UserRecord`] is read from, in its order.
pub(crate) const USER_COLUMNS: &str = "id, status, transitioning_to_status, created, activated, \
    status_changed, last_login, last_updated, password_changed, type_id, profile, password_hash, \
    recovery_question, recovery_answer_hash, provider_type, provider_name, secrets, version";

/// Inserts one user: `$1`..`$18` are its columns but `version` (0), in their order.
pub(crate) const INSERT_USER: &str = "INSERT INTO users (id, status, transitioning_to_status, \
    created, activated, status_changed, last_login, last_updated, password_changed, type_id, \
    login_lower, profile, password_hash, recovery_question, recovery_answer_hash, provider_type, \
    provider_name, secrets, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
    $13, $14, $15, $16, $17, $18, 0)";

/// Moves `last_membership_updated` of `n` groups (`$2`..) to `$1`, taking their rows in id
/// order; Everyone's row is not written (see `page_sql::GROUPS_READ`), so a user in Everyone
/// alone locks no group row.
pub(crate) fn touch_new_member_groups_sql(
    dialect: &dyn crate::filter_sql::SqlDialect,
    n: usize,
) -> String {
    format!(
        "UPDATE groups SET last_membership_updated = $1 WHERE id IN (\
         SELECT id FROM groups WHERE id IN {} \
         AND NOT (type = 'BUILT_IN' AND name_lower = 'everyone') ORDER BY id{})",
        crate::app_sql::placeholders(2, n),
        dialect.for_update()
    )
}

/// Adds user `$1`, at `$2`, to `n` groups (`$3`..).
pub(crate) fn insert_new_memberships_sql(n: usize) -> String {
    let rows: Vec<String> = (3..3 + n).map(|i| format!("(${i}, $1, $2)")).collect();
    format!(
        "INSERT INTO group_members (group_id, user_id, created) VALUES {} \
         ON CONFLICT DO NOTHING",
        rows.join(", ")
    )
}

macro_rules! impl_user_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::filter_sql::SqlValue;
        use crate::page_sql;
        use crate::{
            EventRecord, GroupRecord, StoreError, StoreResult, UserQuery, UserRecord, UserStore,
        };

        pub(crate) use crate::user_sql::USER_COLUMNS;

        pub(crate) async fn insert_user_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            user: &UserRecord,
        ) -> StoreResult<()> {
            sqlx::query(crate::user_sql::INSERT_USER)
            .bind(&user.id)
            .bind(&user.status)
            .bind(&user.transitioning_to_status)
            .bind(user.created)
            .bind(user.activated)
            .bind(user.status_changed)
            .bind(user.last_login)
            .bind(user.last_updated)
            .bind(user.password_changed)
            .bind(&user.type_id)
            .bind(user.login_lower())
            .bind(Json(&user.profile))
            .bind(&user.password_hash)
            .bind(&user.recovery_question)
            .bind(&user.recovery_answer_hash)
            .bind(&user.provider_type)
            .bind(&user.provider_name)
            .bind(Json(&user.secrets))
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        crate::import_sql::import_users_fn!($db);

        #[async_trait]
        impl UserStore for $store {
            async fn import_users(&self, batch: &[crate::NewUser]) -> StoreResult<Vec<bool>> {
                let inserted = import_users(&self.$write, batch).await?;
                super::after_import(&self.$write).await?;
                Ok(inserted)
            }

            async fn import_finished(&self) -> StoreResult<()> {
                super::after_import_all(&self.$write).await
            }

            async fn insert_user_with_events(
                &self,
                user: &UserRecord,
                group_ids: &[String],
                events: &[EventRecord],
            ) -> StoreResult<()> {
                if let Some(done) = super::insert_user_at_once(self, user, group_ids, events).await {
                    return done;
                }
                let mut tx = self.$write.begin().await?;
                insert_user_row(&mut tx, user).await?;
                crate::rule_queue_sql::enqueue_rule_evaluation!(tx, &user.id, user.created);
                // A fixed order of row locks keeps concurrent creates free of deadlocks.
                let mut sorted: Vec<&String> = group_ids.iter().collect();
                sorted.sort();
                sorted.dedup();
                if !sorted.is_empty() {
                    let touch = crate::user_sql::touch_new_member_groups_sql(&$dialect, sorted.len());
                    let mut q = sqlx::query(&touch).bind(user.created);
                    for group_id in &sorted {
                        q = q.bind(*group_id);
                    }
                    q.execute(&mut *tx).await?;
                    let members = crate::user_sql::insert_new_memberships_sql(sorted.len());
                    let mut q = sqlx::query(&members).bind(&user.id).bind(user.created);
                    for group_id in &sorted {
                        q = q.bind(*group_id);
                    }
                    q.execute(&mut *tx).await.map_err(StoreError::from_write)?;
                }
                super::insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                if let Some(direct) = self.direct() {
                    let found = direct.users_here(&sql, &[SqlValue::Text(id.to_owned())])?;
                    return Ok(found.into_iter().next());
                }
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn user_by_login(&self, login_lower: &str) -> StoreResult<Option<UserRecord>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login_lower = $1");
                if let Some(direct) = self.direct() {
                    let found =
                        direct.users_here(&sql, &[SqlValue::Text(login_lower.to_owned())])?;
                    return Ok(found.into_iter().next());
                }
                Ok(sqlx::query_as(&sql)
                    .bind(login_lower)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_user(
                &self,
                user: &UserRecord,
                event: &EventRecord,
            ) -> StoreResult<UserRecord> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE users SET status = $2, transitioning_to_status = $3, activated = $4, \
                     status_changed = $5, last_login = $6, last_updated = $7, password_changed = $8, \
                     type_id = $9, login_lower = $10, profile = $11, password_hash = $12, \
                     recovery_question = $13, recovery_answer_hash = $14, provider_type = $15, \
                     provider_name = $16, secrets = $17, version = version + 1 \
                     WHERE id = $1 AND version = $18",
                )
                .bind(&user.id)
                .bind(&user.status)
                .bind(&user.transitioning_to_status)
                .bind(user.activated)
                .bind(user.status_changed)
                .bind(user.last_login)
                .bind(user.last_updated)
                .bind(user.password_changed)
                .bind(&user.type_id)
                .bind(user.login_lower())
                .bind(Json(&user.profile))
                .bind(&user.password_hash)
                .bind(&user.recovery_question)
                .bind(&user.recovery_answer_hash)
                .bind(&user.provider_type)
                .bind(&user.provider_name)
                .bind(Json(&user.secrets))
                .bind(user.version)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    let exists: Option<(i64,)> =
                        sqlx::query_as("SELECT version FROM users WHERE id = $1")
                            .bind(&user.id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(if exists.is_some() {
                        StoreError::Conflict
                    } else {
                        StoreError::NotFound
                    });
                }
                crate::rule_queue_sql::enqueue_rule_evaluation!(tx, &user.id, user.last_updated);
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(UserRecord {
                    version: user.version + 1,
                    ..user.clone()
                })
            }

            async fn delete_user(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                // The user's groups lose a member: their membership changes now (lock order: groups,
                // then the user, as membership changes take them).
                sqlx::query(&format!(
                    "UPDATE groups SET last_membership_updated = {}(last_membership_updated, $2) \
                         WHERE id IN (SELECT group_id FROM group_members WHERE user_id = $1)",
                    $dialect.greatest()
                ))
                .bind(id)
                .bind(event.published)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM login_attempts WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // Its administrator roles go with it (targets by cascade), custom ones too.
                for sql in [
                    "DELETE FROM role_assignments WHERE principal_type = 'USER' AND principal_id = $1",
                    "DELETE FROM role_binding_members WHERE principal_type = 'USER' AND principal_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
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

            async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<UserRecord>> {
                let (sql, params) = page_sql::user_page_sql(&$dialect, USER_COLUMNS, query)?;
                if let Some(direct) = self.direct() {
                    return direct.users(sql, params).await;
                }
                let mut q = sqlx::query_as::<_, UserRecord>(&sql);
                for p in params {
                    q = q.bind(p);
                }
                Ok(q.fetch_all(&self.$read).await?)
            }

            async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<GroupRecord>> {
                let sql = format!(
                    "SELECT g.id, g.type, g.created, g.last_updated, g.last_membership_updated, \
                     g.profile, g.source_id FROM group_members m JOIN {} g ON g.id = m.group_id \
                     WHERE m.user_id = $1 ORDER BY g.id",
                    crate::page_sql::GROUPS_READ
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn policy_group_ids(&self, user_id: &str) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(crate::page_sql::POLICY_GROUP_IDS)
                    .bind(user_id)
                    .fetch_all(&self.$read)
                    .await?)
            }
        }
    };
}
pub(crate) use impl_user_store;
