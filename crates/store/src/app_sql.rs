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
    one_user: Option<&str>,
) -> (String, Vec<SqlValue>) {
    let mut params = Params::default();
    params.push(SqlValue::Text(query.app_id.clone()));
    let id = dialect.bytewise("u.id");
    let mut conditions = vec![format!("u.id IN ({EFFECTIVE_USERS})")];
    if let Some(user) = one_user {
        let p = params.push(SqlValue::Text(user.to_owned()));
        conditions.push(format!("u.id = {p}"));
    }
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
fn placeholders(first: usize, n: usize) -> String {
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
