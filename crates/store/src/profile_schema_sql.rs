//! Profile schemas (Schemas API), written once for both backends:
//! `impl_profile_schema_store!` expands it for a store type given its write and read pools.
//!
//! Invariants:
//! - a schema row changes only from the version it was read at (optimistic concurrency);
//! - a save is one transaction: the document, the values of removed properties (gone from
//!   every profile the schema describes), the unique declarations and the values they take;
//! - a property made unique takes the values its profiles already hold in the same
//!   transaction, so duplicates refuse the change (`StoreError::Duplicate` for "unique")
//!   instead of leaving a unique property that is not.
//!
//! Values are kept unique by database triggers (migration 0025), which every user and group
//! write passes through. Users whose value of a removed property goes are queued for group
//! rule evaluation in the same transaction, as any other profile change queues them.

/// Which profiles a schema id describes: `user:<type id>`, `group` or `app:<app id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner<'a> {
    UserType(&'a str),
    Groups,
    App(&'a str),
}

impl<'a> Owner<'a> {
    pub(crate) fn of(id: &'a str) -> Option<Self> {
        match id.split_once(':') {
            Some(("user", t)) => Some(Self::UserType(t)),
            Some(("app", a)) => Some(Self::App(a)),
            None if id == "group" => Some(Self::Groups),
            _ => None,
        }
    }

    /// The unique-value scope and owner key, for owners whose values can be unique.
    pub(crate) fn unique_key(self) -> Option<(&'static str, &'a str)> {
        match self {
            Self::UserType(t) => Some(("user", t)),
            Self::Groups => Some(("group", "default")),
            Self::App(_) => None,
        }
    }

    /// `(table, condition on $1)` of the rows holding the schema's profiles.
    pub(crate) fn tables(self) -> Vec<(&'static str, &'static str, &'a str)> {
        match self {
            Self::UserType(t) => vec![("users", "type_id = $1", t)],
            Self::Groups => vec![("groups", "$1 = $1", "")],
            Self::App(a) => vec![
                ("app_users", "app_id = $1", a),
                ("app_groups", "app_id = $1", a),
            ],
        }
    }
}

/// SQL pieces that differ by backend, for a property named by `$2` (SQLite: a JSON path;
/// PostgreSQL: the key).
pub(crate) struct JsonSql {
    pub remove: &'static str,
    pub has: &'static str,
    pub unique_value: &'static str,
    pub unique_present: &'static str,
}

pub(crate) fn json_sql(backend: &str) -> JsonSql {
    if backend == "postgres" {
        JsonSql {
            remove: "profile - $2",
            has: "profile ? $2",
            unique_value: "lower(profile ->> $2)",
            unique_present: "jsonb_typeof(profile -> $2) IN ('string', 'number') \
                             AND profile ->> $2 <> ''",
        }
    } else {
        JsonSql {
            remove: "json_remove(profile, $2)",
            has: "json_type(profile, $2) IS NOT NULL",
            unique_value: "lower(CAST(json_extract(profile, $2) AS TEXT))",
            unique_present: "json_type(profile, $2) IN ('text', 'integer', 'real') \
                             AND json_extract(profile, $2) <> ''",
        }
    }
}

/// Profiles of users carry a version that every write moves on.
pub(crate) fn version_bump(table: &str) -> &'static str {
    if table == "users" {
        ", version = version + 1"
    } else {
        ""
    }
}

/// How `$2` names property `name` on `backend`.
pub(crate) fn key_param(backend: &str, name: &str) -> String {
    if backend == "postgres" {
        name.to_owned()
    } else {
        format!("$.\"{name}\"")
    }
}

macro_rules! impl_profile_schema_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::ProfileSchemaStore for $store {
            async fn profile_schema(
                &self,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::ProfileSchemaRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, document, created, last_updated, version \
                     FROM profile_schemas WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.$read)
                .await?)
            }

            async fn save_profile_schema(
                &self,
                schema: &$crate::ProfileSchemaRecord,
                change: &$crate::SchemaChange,
            ) -> $crate::StoreResult<bool> {
                use $crate::profile_schema_sql::{json_sql, key_param, version_bump, Owner};
                let owner = Owner::of(&schema.id).ok_or_else(|| {
                    $crate::StoreError::Corrupt(format!("schema id {}", schema.id))
                })?;
                let backend = $crate::Store::backend(self);
                let sql = json_sql(backend);
                let mut tx = self.$write.begin().await?;
                // On PostgreSQL, writers of the schema's profiles wait for this save while it
                // backfills unique values or strips removed ones, so none slips between the
                // backfill and the new declarations (SQLite has one writer anyway).
                if backend == "postgres"
                    && (!change.added_unique.is_empty() || !change.removed.is_empty())
                {
                    for (table, _, _) in owner.tables() {
                        sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let document = sqlx::types::Json(&schema.document);
                let written = if schema.version == 0 {
                    sqlx::query(
                        "INSERT INTO profile_schemas (id, document, created, last_updated, \
                         version) VALUES ($1, $2, $3, $4, 1) ON CONFLICT DO NOTHING",
                    )
                    .bind(&schema.id)
                    .bind(document)
                    .bind(schema.created)
                    .bind(schema.last_updated)
                    .execute(&mut *tx)
                    .await?
                } else {
                    sqlx::query(
                        "UPDATE profile_schemas SET document = $2, last_updated = $3, \
                         version = version + 1 WHERE id = $1 AND version = $4",
                    )
                    .bind(&schema.id)
                    .bind(document)
                    .bind(schema.last_updated)
                    .bind(schema.version)
                    .execute(&mut *tx)
                    .await?
                };
                if written.rows_affected() == 0 {
                    return Ok(false);
                }
                // The unique declarations first: the triggers of the profile writes below
                // read them.
                if let Some((scope, key)) = owner.unique_key() {
                    sqlx::query(
                        "DELETE FROM unique_attributes WHERE scope = $1 AND owner_key = $2",
                    )
                    .bind(scope)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                    for name in &change.unique {
                        sqlx::query(
                            "INSERT INTO unique_attributes (scope, owner_key, name) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(scope)
                        .bind(key)
                        .bind(name)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                for (table, condition, param) in owner.tables() {
                    for name in &change.removed {
                        if table == "users" {
                            // Rules may have read the value: its users are evaluated again.
                            let q = format!(
                                "INSERT INTO group_rule_queue (user_id, version, queued_at) \
                                 SELECT id, 1, $3 FROM users WHERE {condition} AND {has} \
                                 AND EXISTS (SELECT 1 FROM group_rules WHERE status = 'ACTIVE') \
                                 ON CONFLICT (user_id) DO UPDATE \
                                 SET version = group_rule_queue.version + 1",
                                has = sql.has,
                            );
                            sqlx::query(&q)
                                .bind(param)
                                .bind(key_param(backend, name))
                                .bind(schema.last_updated)
                                .execute(&mut *tx)
                                .await?;
                        }
                        let q = format!(
                            "UPDATE {table} SET profile = {remove}{bump} \
                             WHERE {condition} AND {has}",
                            remove = sql.remove,
                            bump = version_bump(table),
                            has = sql.has,
                        );
                        sqlx::query(&q)
                            .bind(param)
                            .bind(key_param(backend, name))
                            .execute(&mut *tx)
                            .await?;
                    }
                    let Some((scope, _)) = owner.unique_key() else {
                        continue;
                    };
                    for name in change.removed.iter().chain(&change.dropped_unique) {
                        let q = format!(
                            "DELETE FROM unique_values WHERE scope = $2 AND name = $3 \
                             AND owner_id IN (SELECT id FROM {table} WHERE {condition})"
                        );
                        sqlx::query(&q)
                            .bind(param)
                            .bind(scope)
                            .bind(name)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for name in &change.added_unique {
                        let q = format!(
                            "INSERT INTO unique_values (scope, name, value, owner_id) \
                             SELECT $3, $4, {value}, id FROM {table} \
                             WHERE {condition} AND {present}",
                            value = sql.unique_value,
                            present = sql.unique_present,
                        );
                        sqlx::query(&q)
                            .bind(param)
                            .bind(key_param(backend, name))
                            .bind(scope)
                            .bind(name)
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::StoreError::from_write)?;
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn unique_value_owner(
                &self,
                scope: &str,
                name: &str,
                value: &str,
            ) -> $crate::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT owner_id FROM unique_values \
                     WHERE scope = $1 AND name = $2 AND value = lower($3)",
                )
                .bind(scope)
                .bind(name)
                .bind(value)
                .fetch_optional(&self.$write)
                .await?)
            }
        }
    };
}
pub(crate) use impl_profile_schema_store;
