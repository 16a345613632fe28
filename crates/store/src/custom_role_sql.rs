//! Custom administrator roles, resource sets and their bindings (the RoleECustom,
//! RoleECustomPermission, RoleCResourceSet, RoleCResourceSetResource, RoleDResourceSetBinding
//! and RoleDResourceSetBindingMember tags), written once for both backends:
//! `impl_custom_role_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - role and resource set labels are unique ignoring case (`label_lower`);
//! - a resource set binds a role at most once, and a binding holds a principal at most once;
//! - deleting a role or a set deletes its bindings and their members; deleting a binding
//!   deletes its members (explicitly, with ON DELETE CASCADE as the safety net);
//! - every change that can change what a caller may do is serialised by the `roles` lock and
//!   announced through `token_changed("*")`, like the standard roles.

pub(crate) const ROLE_COLUMNS: &str = "id, label, description, created, last_updated";
pub(crate) const MEMBER_COLUMNS: &str =
    "id, set_id, role_id, principal_type, principal_id, created, last_updated";

macro_rules! impl_custom_role_store {
    ($store:ident, $db:ty, $write:ident, $read:ident) => {
        mod custom_roles {
            use async_trait::async_trait;

            use super::{$store, insert_event};
            use crate::custom_role_sql::{MEMBER_COLUMNS, ROLE_COLUMNS};
            use crate::{
                BindingMemberRecord, CustomGrant, EventRecord, IamPermissionRecord, IamRoleRecord,
                IamStore, ResourceRecord, ResourceSetRecord, StoreResult,
            };

            fn unique(err: &sqlx::Error) -> bool {
                matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
            }

            /// Inserts a role or a set (the same columns): false when the label is taken.
            async fn insert_labelled(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                (id, label, description, created, last_updated): (&str, &str, &str, i64, i64),
            ) -> StoreResult<bool> {
                let sql = format!(
                    "INSERT INTO {table} (id, label, label_lower, description, created, \
                     last_updated) VALUES ($1, $2, $3, $4, $5, $6)"
                );
                let done = sqlx::query(&sql)
                    .bind(id)
                    .bind(label)
                    .bind(label.to_lowercase())
                    .bind(description)
                    .bind(created)
                    .bind(last_updated)
                    .execute(conn)
                    .await;
                match done {
                    Err(e) if unique(&e) => Ok(false),
                    other => other.map(|_| true).map_err(Into::into),
                }
            }

            /// Replaces a role's or a set's label and description: false when the label is taken.
            async fn update_labelled(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                (id, label, description, last_updated): (&str, &str, &str, i64),
            ) -> StoreResult<bool> {
                let sql = format!(
                    "UPDATE {table} SET label = $2, label_lower = $3, description = $4, \
                     last_updated = $5 WHERE id = $1"
                );
                let done = sqlx::query(&sql)
                    .bind(id)
                    .bind(label)
                    .bind(label.to_lowercase())
                    .bind(description)
                    .bind(last_updated)
                    .execute(conn)
                    .await;
                match done {
                    Err(e) if unique(&e) => Ok(false),
                    other => other.map(|_| true).map_err(Into::into),
                }
            }

            async fn changed(
                tx: &mut sqlx::Transaction<'static, $db>,
                event: &EventRecord,
            ) -> StoreResult<()> {
                super::token_changed(&mut *tx, "*").await?;
                insert_event(&mut *tx, event).await
            }

            #[async_trait]
            impl IamStore for $store {
                async fn insert_iam_role(
                    &self,
                    role: &IamRoleRecord,
                    permissions: &[String],
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    let row = (
                        role.id.as_str(),
                        role.label.as_str(),
                        role.description.as_str(),
                        role.created,
                        role.last_updated,
                    );
                    if !insert_labelled(&mut tx, "iam_roles", row).await? {
                        return Ok(false);
                    }
                    for p in permissions {
                        sqlx::query(
                            "INSERT INTO iam_role_permissions (role_id, permission, created, \
                             last_updated) VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
                        )
                        .bind(&role.id)
                        .bind(p)
                        .bind(role.created)
                        .execute(&mut *tx)
                        .await?;
                    }
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn iam_roles(
                    &self,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Vec<IamRoleRecord>> {
                    let sql = format!(
                        "SELECT {ROLE_COLUMNS} FROM iam_roles WHERE id > $1 ORDER BY id LIMIT $2"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(after.unwrap_or(""))
                        .bind(i64::from(limit) + 1)
                        .fetch_all(&self.$read)
                        .await?)
                }

                async fn iam_role(&self, id_or_label: &str) -> StoreResult<Option<IamRoleRecord>> {
                    let sql = format!(
                        "SELECT {ROLE_COLUMNS} FROM iam_roles WHERE id = $1 OR label_lower = $2"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(id_or_label)
                        .bind(id_or_label.to_lowercase())
                        .fetch_optional(&self.$read)
                        .await?)
                }

                async fn update_iam_role(
                    &self,
                    role: &IamRoleRecord,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    let row = (
                        role.id.as_str(),
                        role.label.as_str(),
                        role.description.as_str(),
                        role.last_updated,
                    );
                    if !update_labelled(&mut tx, "iam_roles", row).await? {
                        return Ok(false);
                    }
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_iam_role(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    for sql in [
                        "DELETE FROM role_binding_members WHERE role_id = $1",
                        "DELETE FROM role_bindings WHERE role_id = $1",
                        "DELETE FROM iam_role_permissions WHERE role_id = $1",
                    ] {
                        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                    }
                    let done = sqlx::query("DELETE FROM iam_roles WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn iam_role_permissions(
                    &self,
                    role_id: &str,
                ) -> StoreResult<Vec<IamPermissionRecord>> {
                    Ok(sqlx::query_as(
                        "SELECT role_id, permission, created, last_updated FROM \
                         iam_role_permissions WHERE role_id = $1 ORDER BY permission",
                    )
                    .bind(role_id)
                    .fetch_all(&self.$read)
                    .await?)
                }

                async fn add_iam_permission(
                    &self,
                    role_id: &str,
                    permission: &str,
                    now: i64,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "INSERT INTO iam_role_permissions (role_id, permission, created, \
                         last_updated) VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(role_id)
                    .bind(permission)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn remove_iam_permission(
                    &self,
                    role_id: &str,
                    permission: &str,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "DELETE FROM iam_role_permissions WHERE role_id = $1 AND permission = $2",
                    )
                    .bind(role_id)
                    .bind(permission)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn insert_resource_set(
                    &self,
                    set: &ResourceSetRecord,
                    resources: &[ResourceRecord],
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    let row = (
                        set.id.as_str(),
                        set.label.as_str(),
                        set.description.as_str(),
                        set.created,
                        set.last_updated,
                    );
                    if !insert_labelled(&mut tx, "resource_sets", row).await? {
                        return Ok(false);
                    }
                    for r in resources {
                        insert_resource(&mut tx, r).await?;
                    }
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn resource_sets(
                    &self,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Vec<ResourceSetRecord>> {
                    Ok(sqlx::query_as(
                        "SELECT id, label, description, created, last_updated FROM resource_sets \
                         WHERE id > $1 ORDER BY id LIMIT $2",
                    )
                    .bind(after.unwrap_or(""))
                    .bind(i64::from(limit) + 1)
                    .fetch_all(&self.$read)
                    .await?)
                }

                async fn resource_set(
                    &self,
                    id_or_label: &str,
                ) -> StoreResult<Option<ResourceSetRecord>> {
                    Ok(sqlx::query_as(
                        "SELECT id, label, description, created, last_updated FROM resource_sets \
                         WHERE id = $1 OR label_lower = $2",
                    )
                    .bind(id_or_label)
                    .bind(id_or_label.to_lowercase())
                    .fetch_optional(&self.$read)
                    .await?)
                }

                async fn update_resource_set(
                    &self,
                    set: &ResourceSetRecord,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    let row = (
                        set.id.as_str(),
                        set.label.as_str(),
                        set.description.as_str(),
                        set.last_updated,
                    );
                    if !update_labelled(&mut tx, "resource_sets", row).await? {
                        return Ok(false);
                    }
                    insert_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_resource_set(
                    &self,
                    id: &str,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    for sql in [
                        "DELETE FROM role_binding_members WHERE set_id = $1",
                        "DELETE FROM role_bindings WHERE set_id = $1",
                        "DELETE FROM resource_set_resources WHERE set_id = $1",
                    ] {
                        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                    }
                    let done = sqlx::query("DELETE FROM resource_sets WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn resources(&self, set_id: &str) -> StoreResult<Vec<ResourceRecord>> {
                    Ok(sqlx::query_as(
                        "SELECT id, set_id, orn, created, last_updated FROM \
                         resource_set_resources WHERE set_id = $1 ORDER BY created, id",
                    )
                    .bind(set_id)
                    .fetch_all(&self.$read)
                    .await?)
                }

                async fn add_resources(
                    &self,
                    resources: &[ResourceRecord],
                    event: &EventRecord,
                ) -> StoreResult<()> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    for r in resources {
                        insert_resource(&mut tx, r).await?;
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn remove_resource(
                    &self,
                    set_id: &str,
                    resource_id: &str,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "DELETE FROM resource_set_resources WHERE set_id = $1 AND id = $2",
                    )
                    .bind(set_id)
                    .bind(resource_id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn insert_binding(
                    &self,
                    set_id: &str,
                    role_id: &str,
                    members: &[BindingMemberRecord],
                    now: i64,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query(
                        "INSERT INTO role_bindings (set_id, role_id, created) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(set_id)
                    .bind(role_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    for m in members {
                        insert_member(&mut tx, m).await?;
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn bind_member(
                    &self,
                    member: &BindingMemberRecord,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    sqlx::query(
                        "INSERT INTO role_bindings (set_id, role_id, created) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(&member.set_id)
                    .bind(&member.role_id)
                    .bind(member.created)
                    .execute(&mut *tx)
                    .await?;
                    let added = insert_member(&mut tx, member).await?;
                    if added == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn bindings(&self, set_id: &str) -> StoreResult<Vec<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT role_id FROM role_bindings WHERE set_id = $1 ORDER BY created, role_id",
                    )
                    .bind(set_id)
                    .fetch_all(&self.$read)
                    .await?)
                }

                async fn delete_binding(
                    &self,
                    set_id: &str,
                    role_id: &str,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    sqlx::query(
                        "DELETE FROM role_binding_members WHERE set_id = $1 AND role_id = $2",
                    )
                    .bind(set_id)
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await?;
                    let done =
                        sqlx::query("DELETE FROM role_bindings WHERE set_id = $1 AND role_id = $2")
                            .bind(set_id)
                            .bind(role_id)
                            .execute(&mut *tx)
                            .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn binding_members(
                    &self,
                    set_id: &str,
                    role_id: &str,
                ) -> StoreResult<Vec<BindingMemberRecord>> {
                    let sql = format!(
                        "SELECT {MEMBER_COLUMNS} FROM role_binding_members \
                         WHERE set_id = $1 AND role_id = $2 ORDER BY created, id"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(set_id)
                        .bind(role_id)
                        .fetch_all(&self.$read)
                        .await?)
                }

                async fn add_binding_members(
                    &self,
                    members: &[BindingMemberRecord],
                    event: &EventRecord,
                ) -> StoreResult<()> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    for m in members {
                        insert_member(&mut tx, m).await?;
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn binding_member(
                    &self,
                    id: &str,
                ) -> StoreResult<Option<BindingMemberRecord>> {
                    let sql = format!("SELECT {MEMBER_COLUMNS} FROM role_binding_members WHERE id = $1");
                    Ok(sqlx::query_as(&sql)
                        .bind(id)
                        .fetch_optional(&self.$read)
                        .await?)
                }

                async fn remove_binding_member(
                    &self,
                    id: &str,
                    event: &EventRecord,
                ) -> StoreResult<bool> {
                    let mut tx = self.$write.begin().await?;
                    super::lock(&mut tx, "roles").await?;
                    let done = sqlx::query("DELETE FROM role_binding_members WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    changed(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn binding_members_of(
                    &self,
                    principal_type: &str,
                    principal_id: &str,
                ) -> StoreResult<Vec<BindingMemberRecord>> {
                    let sql = format!(
                        "SELECT {MEMBER_COLUMNS} FROM role_binding_members \
                         WHERE principal_type = $1 AND principal_id = $2 ORDER BY created, id"
                    );
                    Ok(sqlx::query_as(&sql)
                        .bind(principal_type)
                        .bind(principal_id)
                        .fetch_all(&self.$read)
                        .await?)
                }

                async fn custom_grants(
                    &self,
                    principal_type: &str,
                    principal_id: &str,
                ) -> StoreResult<Vec<CustomGrant>> {
                    // A user's own bindings and its groups'.
                    let sql = format!(
                        "SELECT {MEMBER_COLUMNS} FROM role_binding_members \
                         WHERE principal_type = $1 AND principal_id = $2 \
                         UNION ALL SELECT {MEMBER_COLUMNS} FROM role_binding_members \
                         WHERE $1 = 'USER' AND principal_type = 'GROUP' AND principal_id IN \
                         (SELECT group_id FROM group_members WHERE user_id = $2)"
                    );
                    let members: Vec<BindingMemberRecord> = sqlx::query_as(&sql)
                        .bind(principal_type)
                        .bind(principal_id)
                        .fetch_all(&self.$read)
                        .await?;
                    let mut out = Vec::with_capacity(members.len());
                    for member in members {
                        let permissions: Vec<String> = sqlx::query_scalar(
                            "SELECT permission FROM iam_role_permissions WHERE role_id = $1",
                        )
                        .bind(&member.role_id)
                        .fetch_all(&self.$read)
                        .await?;
                        let resources: Vec<String> = sqlx::query_scalar(
                            "SELECT orn FROM resource_set_resources WHERE set_id = $1",
                        )
                        .bind(&member.set_id)
                        .fetch_all(&self.$read)
                        .await?;
                        out.push(CustomGrant {
                            member,
                            permissions,
                            resources,
                        });
                    }
                    Ok(out)
                }
            }

            async fn insert_resource(
                conn: &mut <$db as sqlx::Database>::Connection,
                r: &ResourceRecord,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO resource_set_resources (id, set_id, orn, created, last_updated) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (set_id, orn) DO NOTHING",
                )
                .bind(&r.id)
                .bind(&r.set_id)
                .bind(&r.orn)
                .bind(r.created)
                .bind(r.last_updated)
                .execute(conn)
                .await?;
                Ok(())
            }

            /// Adds a member unless the binding holds the principal; the rows added (0 or 1).
            async fn insert_member(
                conn: &mut <$db as sqlx::Database>::Connection,
                m: &BindingMemberRecord,
            ) -> StoreResult<u64> {
                let done = sqlx::query(
                    "INSERT INTO role_binding_members (id, set_id, role_id, principal_type, \
                     principal_id, created, last_updated) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (set_id, role_id, principal_type, principal_id) DO NOTHING",
                )
                .bind(&m.id)
                .bind(&m.set_id)
                .bind(&m.role_id)
                .bind(&m.principal_type)
                .bind(&m.principal_id)
                .bind(m.created)
                .bind(m.last_updated)
                .execute(conn)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(crate) use impl_custom_role_store;
