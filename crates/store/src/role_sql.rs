//! Administrator role assignments (Roles API) and their targets, written once for both
//! backends: `impl_role_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - a principal (user or group) holds a standard role at most once (unique constraint);
//! - every change to assignments or targets is serialised by the `roles` lock and announced
//!   through `token_changed("*")` in its transaction, so nodes drop the callers they cached;
//! - the org keeps a super administrator who can act: removing a SUPER_ADMIN assignment that
//!   would leave none is refused inside the removing transaction;
//! - deleting an assignment deletes its targets (ON DELETE CASCADE, and explicitly).

/// The users who hold SUPER_ADMIN directly or through a group, and can act (the statuses of
/// `model::roles::ADMIN_STATUSES`).
pub(crate) const COUNT_SUPER_ADMINS: &str = "SELECT count(*) FROM users \
     WHERE status IN ('ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'PASSWORD_EXPIRED') \
     AND id IN (SELECT principal_id FROM role_assignments \
                WHERE role_type = 'SUPER_ADMIN' AND principal_type = 'USER' \
                UNION SELECT m.user_id FROM role_assignments r \
                JOIN group_members m ON m.group_id = r.principal_id \
                WHERE r.role_type = 'SUPER_ADMIN' AND r.principal_type = 'GROUP')";

pub(crate) const ASSIGNMENT_COLUMNS: &str =
    "id, principal_type, principal_id, role_type, status, created, last_updated";

pub(crate) const TARGET_COLUMNS: &str = "assignment_id, kind, target, app_name, created";

macro_rules! impl_role_store {
    ($store:ident, $db:ty, $write:ident, $read:ident) => {
        mod roles {
            use async_trait::async_trait;

            use super::{insert_event, $store};
            use crate::role_sql::{ASSIGNMENT_COLUMNS, COUNT_SUPER_ADMINS, TARGET_COLUMNS};
            use crate::{
                EventRecord, RoleAssignmentRecord, RoleGrant, RoleInsert, RoleRemoval, RoleStore,
                RoleTargetRecord, StoreResult, TargetRemoval,
            };

            #[async_trait]
            impl RoleStore for $store {
                async fn insert_role_assignment(
                    &self,
                    role: &RoleAssignmentRecord,
                    targets: &[RoleTargetRecord],
                    event: &EventRecord,
                ) -> StoreResult<RoleInsert> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "INSERT INTO role_assignments (id, principal_type, principal_id, \
                         role_type, status, created, last_updated) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (principal_type, principal_id, role_type) DO NOTHING",
                    )
                    .bind(&role.id)
                    .bind(&role.principal_type)
                    .bind(&role.principal_id)
                    .bind(&role.role_type)
                    .bind(&role.status)
                    .bind(role.created)
                    .bind(role.last_updated)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(RoleInsert::Exists);
                    }
                    for target in targets {
                        insert_target(&mut tx, &role.id, target).await?;
                    }
                    super::token_changed(&mut tx, "*").await?;
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(RoleInsert::Inserted)
                }

                async fn role_assignments(
                    &self,
                    principal_type: &str,
                    principal_id: &str,
                ) -> StoreResult<Vec<RoleAssignmentRecord>> {
                    let sql = format!(
                        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments \
                         WHERE principal_type = $1 AND principal_id = $2 ORDER BY created, id"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(principal_type)
                        .bind(principal_id)
                        .fetch_all(&self.$read)
                        .await?)
                }

                async fn role_assignment(
                    &self,
                    principal_type: &str,
                    principal_id: &str,
                    id: &str,
                ) -> StoreResult<Option<RoleAssignmentRecord>> {
                    let sql = format!(
                        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments \
                         WHERE principal_type = $1 AND principal_id = $2 AND id = $3"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(principal_type)
                        .bind(principal_id)
                        .bind(id)
                        .fetch_optional(&self.$read)
                        .await?)
                }

                async fn delete_role_assignment(
                    &self,
                    principal_type: &str,
                    principal_id: &str,
                    id: &str,
                    event: &EventRecord,
                ) -> StoreResult<RoleRemoval> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    sqlx::query(
                        "DELETE FROM role_targets WHERE assignment_id = $1 AND \
                         assignment_id IN (SELECT id FROM role_assignments \
                         WHERE principal_type = $2 AND principal_id = $3)",
                    )
                    .bind(id)
                    .bind(principal_type)
                    .bind(principal_id)
                    .execute(&mut *tx)
                    .await?;
                    let done = sqlx::query(
                        "DELETE FROM role_assignments \
                         WHERE id = $1 AND principal_type = $2 AND principal_id = $3",
                    )
                    .bind(id)
                    .bind(principal_type)
                    .bind(principal_id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(RoleRemoval::NotFound);
                    }
                    let left: i64 = sqlx::query_scalar(COUNT_SUPER_ADMINS)
                        .fetch_one(&mut *tx)
                        .await?;
                    if left == 0 {
                        return Ok(RoleRemoval::LastSuperAdmin);
                    }
                    super::token_changed(&mut tx, "*").await?;
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(RoleRemoval::Removed)
                }

                async fn role_grants_for_user(&self, user_id: &str) -> StoreResult<Vec<RoleGrant>> {
                    let sql = format!(
                        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments \
                         WHERE principal_type = 'USER' AND principal_id = $1 \
                         UNION ALL SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments \
                         WHERE principal_type = 'GROUP' AND principal_id IN \
                         (SELECT group_id FROM group_members WHERE user_id = $1) \
                         ORDER BY created, id"
                    );
                    let roles: Vec<RoleAssignmentRecord> = sqlx::query_as(&sql)
                        .bind(user_id)
                        .fetch_all(&self.$read)
                        .await?;
                    if roles.is_empty() {
                        return Ok(Vec::new());
                    }
                    let sql = format!(
                        "SELECT {TARGET_COLUMNS} FROM role_targets WHERE assignment_id IN \
                         (SELECT id FROM role_assignments WHERE principal_type = 'USER' \
                          AND principal_id = $1 UNION ALL SELECT id FROM role_assignments \
                          WHERE principal_type = 'GROUP' AND principal_id IN \
                          (SELECT group_id FROM group_members WHERE user_id = $1))"
                    );
                    let targets: Vec<RoleTargetRecord> = sqlx::query_as(&sql)
                        .bind(user_id)
                        .fetch_all(&self.$read)
                        .await?;
                    Ok(roles
                        .into_iter()
                        .map(|role| {
                            let targets = targets
                                .iter()
                                .filter(|t| t.assignment_id == role.id)
                                .cloned()
                                .collect();
                            RoleGrant {
                                assignment: role,
                                targets,
                            }
                        })
                        .collect())
                }

                async fn role_targets(
                    &self,
                    assignment_id: &str,
                ) -> StoreResult<Vec<RoleTargetRecord>> {
                    let sql = format!(
                        "SELECT {TARGET_COLUMNS} FROM role_targets \
                         WHERE assignment_id = $1 ORDER BY created, kind, target"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(assignment_id)
                        .fetch_all(&self.$read)
                        .await?)
                }

                async fn add_role_target(
                    &self,
                    target: &RoleTargetRecord,
                    replaces: Option<&str>,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let exists: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM role_targets \
                         WHERE assignment_id = $1 AND kind = $2 AND target = $3",
                    )
                    .bind(&target.assignment_id)
                    .bind(&target.kind)
                    .bind(&target.target)
                    .fetch_one(&mut *tx)
                    .await?;
                    if exists > 0 {
                        return Ok(false);
                    }
                    if let Some(kind) = replaces {
                        // A narrower target replaces the broader one that covered it (an app
                        // instance replaces its catalog app, and the reverse).
                        sqlx::query(
                            "DELETE FROM role_targets WHERE assignment_id = $1 AND kind = $2 \
                             AND app_name = $3",
                        )
                        .bind(&target.assignment_id)
                        .bind(kind)
                        .bind(&target.app_name)
                        .execute(&mut *tx)
                        .await?;
                    }
                    insert_target(&mut tx, &target.assignment_id, target).await?;
                    super::token_changed(&mut tx, "*").await?;
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn remove_role_target(
                    &self,
                    assignment_id: &str,
                    kind: &str,
                    target: &str,
                    event: &EventRecord,
                ) -> StoreResult<TargetRemoval> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "DELETE FROM role_targets \
                         WHERE assignment_id = $1 AND kind = $2 AND target = $3",
                    )
                    .bind(assignment_id)
                    .bind(kind)
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(TargetRemoval::NotFound);
                    }
                    let left: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM role_targets WHERE assignment_id = $1",
                    )
                    .bind(assignment_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if left == 0 {
                        return Ok(TargetRemoval::LastTarget);
                    }
                    super::token_changed(&mut tx, "*").await?;
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(TargetRemoval::Removed)
                }

                async fn users_with_roles(
                    &self,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Vec<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT id FROM users WHERE id > $1 AND id IN \
                         (SELECT principal_id FROM role_assignments WHERE principal_type = 'USER' \
                          UNION SELECT m.user_id FROM role_assignments r \
                          JOIN group_members m ON m.group_id = r.principal_id \
                          WHERE r.principal_type = 'GROUP') \
                         ORDER BY id LIMIT $2",
                    )
                    .bind(after.unwrap_or(""))
                    .bind(i64::from(limit) + 1)
                    .fetch_all(&self.$read)
                    .await?)
                }

                async fn groups_with_roles(&self, ids: &[String]) -> StoreResult<Vec<String>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let marks = (1..=ids.len())
                        .map(|i| format!("${i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "SELECT DISTINCT principal_id FROM role_assignments \
                         WHERE principal_type = 'GROUP' AND principal_id IN ({marks})"
                    );
                    let mut q = sqlx::query_scalar(&sql);
                    for id in ids {
                        q = q.bind(id);
                    }
                    Ok(q.fetch_all(&self.$read).await?)
                }

                async fn count_super_admins(&self) -> StoreResult<i64> {
                    Ok(sqlx::query_scalar(COUNT_SUPER_ADMINS)
                        .fetch_one(&self.$read)
                        .await?)
                }

                async fn count_role_assignments(&self) -> StoreResult<i64> {
                    Ok(sqlx::query_scalar("SELECT count(*) FROM role_assignments")
                        .fetch_one(&self.$read)
                        .await?)
                }

                async fn user_in_any_group(
                    &self,
                    user_id: &str,
                    group_ids: &[String],
                ) -> StoreResult<bool> {
                    if group_ids.is_empty() {
                        return Ok(false);
                    }
                    let marks = (0..group_ids.len())
                        .map(|i| format!("${}", i + 2))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "SELECT count(*) FROM group_members WHERE user_id = $1 \
                         AND group_id IN ({marks})"
                    );
                    let mut q = sqlx::query_scalar(&sql).bind(user_id);
                    for id in group_ids {
                        q = q.bind(id);
                    }
                    let n: i64 = q.fetch_one(&self.$read).await?;
                    Ok(n > 0)
                }
            }

            async fn insert_target(
                conn: &mut <$db as sqlx::Database>::Connection,
                assignment_id: &str,
                target: &RoleTargetRecord,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO role_targets (assignment_id, kind, target, app_name, created) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(assignment_id)
                .bind(&target.kind)
                .bind(&target.target)
                .bind(&target.app_name)
                .bind(target.created)
                .execute(conn)
                .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_role_store;
