//! The Apps API's reads as SQL for either dialect (apps.md, "List applications", "List users
//! assigned to application"), and the assembly of effective app assignments.
//!
//! - Apps page in creation order, then id (bytewise), after a `(created, id)` cursor.
//!   `filter` attributes map to columns, except `user.id` and `group.id`, which become
//!   subqueries over the assignments: `user.id` selects apps the user has directly or through
//!   any assigned group it is a member of.
//! - An app's users are the union of its direct rows and the members of its assigned groups,
//!   paged by user id. Their stored rows and the groups they have the app through are read
//!   for the whole page in two more queries (no per-user queries), then assembled.
//! - `impl_app_store!` writes the store once for both backends (apps, keys, logos and
//!   assignments; apps.md "Application operations" and the user, group and key store
//!   operations). The reads that make up one answer run in the backend's `snapshot`
//!   transaction, so an answer reflects one state of the memberships even while they change.

use std::collections::HashMap;

use model::expr::{Attribute, Op, Resolved, Value as ExprValue};
use serde_json::{Map, Value};

use crate::filter_sql::{
    compile_filter, like_pattern, Column, ColumnKind, FilterSqlError, Params, SqlDialect, SqlValue,
    TableMap,
};
use crate::{
    AppQuery, AppUserQuery, AppUserRecord, AppUserRow, AppUserVia, StoreError, StoreResult,
    UserRecord,
};

pub(crate) const APP_COLUMNS: &str = "id, name, label, status, sign_on_mode, created, \
    last_updated, definition, signing_kid, client_id, client_secret_sealed, \
    shared_password_sealed, access_policy_id, logo_id";

/// Inserts one key credential on `conn` (inside the caller's transaction); the same text on
/// both backends, used by generate, clone and a published certificate signing request.
macro_rules! insert_app_key {
    ($conn:expr, $key:expr) => {
        sqlx::query(
            "INSERT INTO app_keys (app_id, kid, created, expires_at, e, n, x5c, x5t_s256, \
             private_key_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&$key.app_id)
        .bind(&$key.kid)
        .bind($key.created)
        .bind($key.expires_at)
        .bind(&$key.e)
        .bind(&$key.n)
        .bind(&$key.x5c)
        .bind(&$key.x5t_s256)
        .bind(&$key.private_key_sealed)
        .execute(&mut *$conn)
        .await
        .map_err($crate::StoreError::from_write)?
    };
}
pub(crate) use insert_app_key;

pub(crate) const APP_KEY_COLUMNS: &str =
    "app_id, kid, created, expires_at, e, n, x5c, x5t_s256, private_key_sealed";

pub(crate) const APP_USER_COLUMNS: &str = "app_id, user_id, direct, created, last_updated, \
    status_changed, password_changed, user_name, password_sealed, profile";

pub(crate) const APP_GROUP_COLUMNS: &str =
    "app_id, group_id, priority, created, last_updated, profile";

const fn text_column(attribute: &'static str, sql: &'static str, nullable: bool) -> Column {
    Column {
        attribute,
        sql,
        kind: ColumnKind::Text,
        nullable,
    }
}

/// The `apps` table of both backends, for `filter` and `q`.
pub const APPS: TableMap = TableMap {
    id: "id",
    profile: "definition",
    columns: &[
        text_column("id", "id", false),
        text_column("status", "status", false),
        text_column("name", "name", false),
        text_column("label", "label", false),
        text_column("credentials.signing.kid", "signing_kid", true),
        // Not a public filter (model::expr::apps does not accept it): the server's own
        // "apps mapped to a policy" read.
        text_column("accessPolicy.id", "access_policy_id", true),
    ],
};

/// The condition for an apps `filter`/`q` expression.
fn app_filter(
    dialect: &dyn SqlDialect,
    expr: &Resolved,
    params: &mut Params,
) -> Result<String, FilterSqlError> {
    let join = |items: &[Resolved], joiner: &str, params: &mut Params| {
        items
            .iter()
            .map(|item| app_filter(dialect, item, params))
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| format!("({})", parts.join(joiner)))
    };
    match expr {
        Resolved::And(items) => join(items, " AND ", params),
        Resolved::Or(items) => join(items, " OR ", params),
        Resolved::Not(inner) => Ok(format!("(NOT {})", app_filter(dialect, inner, params)?)),
        Resolved::Compare {
            attribute: Attribute::Named("user.id"),
            op: Op::Eq,
            value: ExprValue::Text(user),
            ..
        } => {
            let p = params.push(SqlValue::Text(user.clone()));
            Ok(format!(
                "(id IN (SELECT au.app_id FROM app_users au WHERE au.user_id = {p} AND au.direct \
                 UNION SELECT ag.app_id FROM app_groups ag \
                 JOIN group_members m ON m.group_id = ag.group_id WHERE m.user_id = {p}))"
            ))
        }
        Resolved::Compare {
            attribute: Attribute::Named("group.id"),
            op: Op::Eq,
            value: ExprValue::Text(group),
            ..
        } => {
            let p = params.push(SqlValue::Text(group.clone()));
            Ok(format!(
                "(id IN (SELECT ag.app_id FROM app_groups ag WHERE ag.group_id = {p}))"
            ))
        }
        other => compile_filter(dialect, &APPS, other, params),
    }
}

/// One page of apps: `SELECT ... ORDER BY created, id LIMIT limit + 1`.
pub(crate) fn app_page_sql(
    dialect: &dyn SqlDialect,
    query: &AppQuery,
) -> StoreResult<(String, Vec<SqlValue>)> {
    let mut params = Params::default();
    let mut conditions = Vec::new();
    if let Some(expr) = &query.filter {
        conditions.push(
            app_filter(dialect, expr, &mut params)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
    }
    let id = dialect.bytewise("id");
    if let Some(after) = &query.after {
        let created = after.key_i64().ok_or(StoreError::InvalidCursor)?;
        let c = params.push(SqlValue::Int(created));
        let i = params.push(SqlValue::Text(after.id.clone()));
        conditions.push(format!("(created > {c} OR (created = {c} AND {id} > {i}))"));
    }
    let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    Ok((
        format!(
            "SELECT {APP_COLUMNS} FROM apps{filter} ORDER BY created ASC, {id} ASC LIMIT {limit}"
        ),
        params.into_values(),
    ))
}

/// `columns` (a comma-separated list) qualified with `alias`.
pub(crate) fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids of an app's effectively assigned users (`$1` is the app id).
const EFFECTIVE_USERS: &str =
    "SELECT au.user_id FROM app_users au WHERE au.app_id = $1 AND au.direct \
     UNION SELECT m.user_id FROM app_groups ag JOIN group_members m ON m.group_id = ag.group_id \
     WHERE ag.app_id = $1";

/// One page of an app's users (the `users` rows), by user id.
pub(crate) fn app_users_page_sql(
    dialect: &dyn SqlDialect,
    user_columns: &str,
    query: &AppUserQuery,
) -> (String, Vec<SqlValue>) {
    let mut params = Params::default();
    params.push(SqlValue::Text(query.app_id.clone()));
    let id = dialect.bytewise("u.id");
    let mut conditions = vec![format!("u.id IN ({EFFECTIVE_USERS})")];
    if let Some(after) = &query.after {
        let p = params.push(SqlValue::Text(after.clone()));
        conditions.push(format!("{id} > {p}"));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let lower = q.to_ascii_lowercase();
        let user_name = dialect.lower(
            "COALESCE((SELECT au2.user_name FROM app_users au2 \
             WHERE au2.app_id = $1 AND au2.user_id = u.id), '')",
        );
        let mut parts = vec![
            dialect.substring_match(
                &user_name,
                Op::Sw,
                &lower,
                model::expr::Case::Insensitive,
                &mut params,
            ),
            dialect.substring_match(
                "u.login_lower",
                Op::Sw,
                &model::users::profile::login_lower(q),
                model::expr::Case::Sensitive,
                &mut params,
            ),
        ];
        for property in ["firstName", "lastName", "email"] {
            let key = params.push(dialect.json_key(property));
            let subject = dialect.lower(&dialect.json_string_or_empty("u.profile", &key));
            parts.push(dialect.substring_match(
                &subject,
                Op::Sw,
                &lower,
                model::expr::Case::Insensitive,
                &mut params,
            ));
        }
        conditions.push(format!("({})", parts.join(" OR ")));
    }
    let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
    (
        format!(
            "SELECT {} FROM users u WHERE {} ORDER BY {id} ASC LIMIT {limit}",
            qualified(user_columns, "u"),
            conditions.join(" AND ")
        ),
        params.into_values(),
    )
}

/// `($first, $first+1, ...)` for `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// The stored rows of one app for `user_ids` (`$1` app id, then the ids).
pub(crate) fn app_user_rows_sql(n: usize) -> String {
    format!(
        "SELECT {APP_USER_COLUMNS} FROM app_users WHERE app_id = $1 AND user_id IN {}",
        placeholders(2, n)
    )
}

/// The groups through which `user_ids` have one app (`$1` app id, then the ids).
pub(crate) fn app_user_via_sql(n: usize) -> String {
    format!(
        "SELECT ag.app_id, m.user_id, ag.group_id, ag.priority, ag.profile, \
         ag.created AS assigned, m.created AS joined \
         FROM app_groups ag JOIN group_members m ON m.group_id = ag.group_id \
         WHERE ag.app_id = $1 AND m.user_id IN {}",
        placeholders(2, n)
    )
}

/// One user's stored rows for `app_ids` (`$1` user id, then the ids).
pub(crate) fn user_app_rows_sql(n: usize) -> String {
    format!(
        "SELECT {APP_USER_COLUMNS} FROM app_users WHERE user_id = $1 AND app_id IN {}",
        placeholders(2, n)
    )
}

/// The groups through which one user has `app_ids` (`$1` user id, then the ids).
pub(crate) fn user_app_via_sql(n: usize) -> String {
    format!(
        "SELECT ag.app_id, m.user_id, ag.group_id, ag.priority, ag.profile, \
         ag.created AS assigned, m.created AS joined \
         FROM app_groups ag JOIN group_members m ON m.group_id = ag.group_id \
         WHERE m.user_id = $1 AND ag.app_id IN {}",
        placeholders(2, n)
    )
}

/// One group through which a user has an app, as read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ViaRow {
    pub app_id: String,
    pub user_id: String,
    pub group_id: String,
    pub priority: i64,
    #[sqlx(json)]
    pub profile: Map<String, Value>,
    pub assigned: i64,
    pub joined: i64,
}

/// Effective assignments from what the three reads returned, one per (app, user) that is
/// assigned, in the order of `pairs`.
pub(crate) fn assemble(
    pairs: Vec<(String, UserRecord)>,
    rows: Vec<AppUserRow>,
    via: Vec<ViaRow>,
) -> Vec<AppUserRecord> {
    let mut rows: HashMap<(String, String), AppUserRow> = rows
        .into_iter()
        .map(|r| ((r.app_id.clone(), r.user_id.clone()), r))
        .collect();
    let mut groups: HashMap<(String, String), Vec<AppUserVia>> = HashMap::new();
    for v in via {
        groups
            .entry((v.app_id, v.user_id))
            .or_default()
            .push(AppUserVia {
                group_id: v.group_id,
                priority: v.priority,
                profile: v.profile,
                since: v.assigned.max(v.joined),
            });
    }
    pairs
        .into_iter()
        .filter_map(|(app_id, user)| {
            let key = (app_id.clone(), user.id.clone());
            let mut via = groups.remove(&key).unwrap_or_default();
            via.sort_by(|a, b| {
                a.priority
                    .cmp(&b.priority)
                    .then_with(|| a.group_id.cmp(&b.group_id))
            });
            let record = AppUserRecord {
                app_id,
                user,
                row: rows.remove(&key),
                via,
            };
            record.assigned().then_some(record)
        })
        .collect()
}

/// The `LIKE` pattern for a group name prefix (`q` of the app's groups), lower-cased.
pub(crate) fn group_name_pattern(q: &str) -> String {
    like_pattern(Op::Sw, &model::groups::group::name_lower(q))
}

macro_rules! impl_app_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use serde_json::{Map, Value};
        use sqlx::types::Json;

        use super::users::USER_COLUMNS;
        use super::{$store, insert_event};
        use crate::app_sql::{self, ViaRow, APP_COLUMNS, APP_GROUP_COLUMNS, APP_KEY_COLUMNS};
        use crate::filter_sql::SqlValue;
        use crate::{
            AppGroupRecord, AppKeyRecord, AppLogoRecord, AppQuery, AppRecord, AppStore,
            AppUserQuery, AppUserRecord, AppUserRow, EventRecord, StoreError, StoreResult,
            UserRecord,
        };

        type Args<'q> = <$db as sqlx::Database>::Arguments<'q>;

        fn bind_all<'q, O>(
            mut q: sqlx::query::QueryAs<'q, $db, O, Args<'q>>,
            params: Vec<SqlValue>,
        ) -> sqlx::query::QueryAs<'q, $db, O, Args<'q>> {
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

        async fn insert_key(
            conn: &mut <$db as sqlx::Database>::Connection,
            key: &AppKeyRecord,
        ) -> StoreResult<()> {
            crate::app_sql::insert_app_key!(conn, key);
            Ok(())
        }

        /// The rows and groups of `pairs` (app id, user) read inside `conn`'s transaction.
        async fn assignments_for_app(
            conn: &mut <$db as sqlx::Database>::Connection,
            app_id: &str,
            users: Vec<UserRecord>,
        ) -> StoreResult<Vec<AppUserRecord>> {
            if users.is_empty() {
                return Ok(Vec::new());
            }
            let rows_sql = app_sql::app_user_rows_sql(users.len());
            let mut rows_q = sqlx::query_as::<_, AppUserRow>(&rows_sql).bind(app_id);
            for u in &users {
                rows_q = rows_q.bind(&u.id);
            }
            let rows = rows_q.fetch_all(&mut *conn).await?;
            let via_sql = app_sql::app_user_via_sql(users.len());
            let mut via_q = sqlx::query_as::<_, ViaRow>(&via_sql).bind(app_id);
            for u in &users {
                via_q = via_q.bind(&u.id);
            }
            let via = via_q.fetch_all(&mut *conn).await?;
            let pairs = users.into_iter().map(|u| (app_id.to_owned(), u)).collect();
            Ok(app_sql::assemble(pairs, rows, via))
        }

        #[async_trait]
        impl AppStore for $store {
            async fn insert_app(
                &self,
                app: &AppRecord,
                keys: &[AppKeyRecord],
                events: &[EventRecord],
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO apps (id, name, label, status, sign_on_mode, created, last_updated, \
                     definition, signing_kid, client_id, client_secret_sealed, shared_password_sealed, \
                     access_policy_id, logo_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(&app.id)
                .bind(&app.name)
                .bind(&app.label)
                .bind(&app.status)
                .bind(&app.sign_on_mode)
                .bind(app.created)
                .bind(app.last_updated)
                .bind(Json(&app.definition))
                .bind(&app.signing_kid)
                .bind(&app.client_id)
                .bind(&app.client_secret_sealed)
                .bind(&app.shared_password_sealed)
                .bind(&app.access_policy_id)
                .bind(&app.logo_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                for key in keys {
                    insert_key(&mut tx, key).await?;
                }
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn app_by_id(&self, id: &str) -> StoreResult<Option<AppRecord>> {
                let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_app(&self, app: &AppRecord, events: &[EventRecord]) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE apps SET label = $2, status = $3, last_updated = $4, definition = $5, \
                     signing_kid = $6, client_secret_sealed = $7, shared_password_sealed = $8, \
                     access_policy_id = $9, logo_id = $10 WHERE id = $1",
                )
                .bind(&app.id)
                .bind(&app.label)
                .bind(&app.status)
                .bind(app.last_updated)
                .bind(Json(&app.definition))
                .bind(&app.signing_kid)
                .bind(&app.client_secret_sealed)
                .bind(&app.shared_password_sealed)
                .bind(&app.access_policy_id)
                .bind(&app.logo_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn delete_app(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM apps WHERE id = $1")
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

            async fn list_apps(&self, query: &AppQuery) -> StoreResult<Vec<AppRecord>> {
                let (sql, params) = app_sql::app_page_sql(&$dialect, query)?;
                Ok(bind_all(sqlx::query_as::<_, AppRecord>(&sql), params)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn insert_app_key(
                &self,
                key: &AppKeyRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                insert_key(&mut tx, key).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn app_keys(&self, app_id: &str) -> StoreResult<Vec<AppKeyRecord>> {
                let sql = format!(
                    "SELECT {APP_KEY_COLUMNS} FROM app_keys WHERE app_id = $1 ORDER BY created, kid{}",
                    $dialect.bytes_collation()
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn app_key(&self, app_id: &str, kid: &str) -> StoreResult<Option<AppKeyRecord>> {
                let sql = format!(
                    "SELECT {APP_KEY_COLUMNS} FROM app_keys WHERE app_id = $1 AND kid = $2"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .bind(kid)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn put_app_user(&self, row: &AppUserRow, event: &EventRecord) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO app_users (app_id, user_id, direct, created, last_updated, \
                     status_changed, password_changed, user_name, password_sealed, profile) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (app_id, user_id) DO UPDATE SET direct = excluded.direct, \
                     created = excluded.created, last_updated = excluded.last_updated, \
                     status_changed = excluded.status_changed, \
                     password_changed = excluded.password_changed, user_name = excluded.user_name, \
                     password_sealed = excluded.password_sealed, profile = excluded.profile",
                )
                .bind(&row.app_id)
                .bind(&row.user_id)
                .bind(row.direct)
                .bind(row.created)
                .bind(row.last_updated)
                .bind(row.status_changed)
                .bind(row.password_changed)
                .bind(&row.user_name)
                .bind(&row.password_sealed)
                .bind(Json(&row.profile))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_app_user(
                &self,
                app_id: &str,
                user_id: &str,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM app_users WHERE app_id = $1 AND user_id = $2")
                    .bind(app_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn app_user(
                &self,
                app_id: &str,
                user_id: &str,
            ) -> StoreResult<Option<AppUserRecord>> {
                // From the user's side: its rows and groups, by index, however many users
                // the app has (an app assigned to Everyone has them all).
                Ok(self
                    .user_app_assignments(user_id, &[app_id.to_owned()])
                    .await?
                    .into_iter()
                    .next())
            }

            async fn list_app_users(
                &self,
                query: &AppUserQuery,
            ) -> StoreResult<Vec<AppUserRecord>> {
                let (sql, params) =
                    app_sql::app_users_page_sql(&$dialect, USER_COLUMNS, query);
                let mut tx = super::snapshot(&self.$read).await?;
                let users = bind_all(sqlx::query_as::<_, UserRecord>(&sql), params)
                    .fetch_all(&mut *tx)
                    .await?;
                let found = assignments_for_app(&mut tx, &query.app_id, users).await?;
                tx.commit().await?;
                Ok(found)
            }

            async fn user_app_assignments(
                &self,
                user_id: &str,
                app_ids: &[String],
            ) -> StoreResult<Vec<AppUserRecord>> {
                if app_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = super::snapshot(&self.$read).await?;
                let user_sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                let Some(user) = sqlx::query_as::<_, UserRecord>(&user_sql)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    return Ok(Vec::new());
                };
                let rows_sql = app_sql::user_app_rows_sql(app_ids.len());
                let mut rows_q = sqlx::query_as::<_, AppUserRow>(&rows_sql).bind(user_id);
                for id in app_ids {
                    rows_q = rows_q.bind(id);
                }
                let rows = rows_q.fetch_all(&mut *tx).await?;
                let via_sql = app_sql::user_app_via_sql(app_ids.len());
                let mut via_q = sqlx::query_as::<_, ViaRow>(&via_sql).bind(user_id);
                for id in app_ids {
                    via_q = via_q.bind(id);
                }
                let via = via_q.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                let pairs = app_ids
                    .iter()
                    .map(|id| (id.clone(), user.clone()))
                    .collect();
                Ok(app_sql::assemble(pairs, rows, via))
            }

            async fn assign_app_group(
                &self,
                app_id: &str,
                group_id: &str,
                priority: Option<i64>,
                profile: Option<&Map<String, Value>>,
                now: i64,
                event: &EventRecord,
            ) -> StoreResult<AppGroupRecord> {
                let mut tx = self.$write.begin().await?;
                let select = format!(
                    "SELECT {APP_GROUP_COLUMNS} FROM app_groups WHERE app_id = $1 AND group_id = $2"
                );
                let existing: Option<AppGroupRecord> = sqlx::query_as(&select)
                    .bind(app_id)
                    .bind(group_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let next: (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(priority) FROM app_groups WHERE app_id = $1")
                        .bind(app_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let row = AppGroupRecord {
                    app_id: app_id.to_owned(),
                    group_id: group_id.to_owned(),
                    priority: priority
                        .or(existing.as_ref().map(|e| e.priority))
                        .unwrap_or_else(|| next.0.map_or(0, |p| p + 1)),
                    created: existing.as_ref().map_or(now, |e| e.created),
                    last_updated: now,
                    profile: profile
                        .cloned()
                        .or_else(|| existing.as_ref().map(|e| e.profile.clone()))
                        .unwrap_or_default(),
                };
                sqlx::query(
                    "INSERT INTO app_groups (app_id, group_id, priority, created, last_updated, profile) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_id, group_id) DO UPDATE SET \
                     priority = excluded.priority, last_updated = excluded.last_updated, \
                     profile = excluded.profile",
                )
                .bind(&row.app_id)
                .bind(&row.group_id)
                .bind(row.priority)
                .bind(row.created)
                .bind(row.last_updated)
                .bind(Json(&row.profile))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(row)
            }

            async fn app_group(
                &self,
                app_id: &str,
                group_id: &str,
            ) -> StoreResult<Option<AppGroupRecord>> {
                let sql = format!(
                    "SELECT {APP_GROUP_COLUMNS} FROM app_groups WHERE app_id = $1 AND group_id = $2"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .bind(group_id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_app_groups(
                &self,
                app_id: &str,
                q: Option<&str>,
                after: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<AppGroupRecord>> {
                let columns = app_sql::qualified(APP_GROUP_COLUMNS, "ag");
                let sql = format!(
                    "SELECT {columns} FROM app_groups ag JOIN groups g ON g.id = ag.group_id \
                     WHERE ag.app_id = $1 AND ag.group_id{bytes} > $2 \
                     AND g.name_lower LIKE $3 ESCAPE '\\' ORDER BY ag.group_id{bytes} LIMIT $4",
                    bytes = $dialect.bytes_collation()
                );
                Ok(sqlx::query_as(&sql)
                    .bind(app_id)
                    .bind(after.unwrap_or_default())
                    .bind(app_sql::group_name_pattern(q.unwrap_or_default()))
                    .bind(i64::from(limit) + 1)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn delete_app_group(
                &self,
                app_id: &str,
                group_id: &str,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done =
                    sqlx::query("DELETE FROM app_groups WHERE app_id = $1 AND group_id = $2")
                        .bind(app_id)
                        .bind(group_id)
                        .execute(&mut *tx)
                        .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn put_app_logo(
                &self,
                logo: &AppLogoRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                let moved = sqlx::query("UPDATE apps SET logo_id = $2 WHERE id = $1")
                    .bind(&logo.app_id)
                    .bind(&logo.id)
                    .execute(&mut *tx)
                    .await?;
                if moved.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM app_logos WHERE app_id = $1")
                    .bind(&logo.app_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO app_logos (id, app_id, content_type, bytes, created) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&logo.id)
                .bind(&logo.app_id)
                .bind(&logo.content_type)
                .bind(&logo.bytes)
                .bind(logo.created)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn app_logo(&self, id: &str) -> StoreResult<Option<AppLogoRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, app_id, content_type, bytes, created FROM app_logos WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.$read)
                .await?)
            }
        }
    };
}
pub(crate) use impl_app_store;
