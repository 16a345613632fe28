//! One page of users or groups as SQL: the narrowing (`q`, `filter`, `search`), the order (by
//! id, or by `sortBy` then id) and the keyset condition after the cursor, for either dialect.

use model::expr::SortOrder;
use serde_json::Value;

use crate::filter_sql::{
    compile_filter, compile_sort, group_sort_key, user_sort_key, Params, SortSql, SqlDialect,
    SqlValue, TableMap, GROUPS, USERS,
};
use crate::{
    GroupQuery, GroupRecord, PageKey, StoreError, StoreResult, UserFilter, UserQuery, UserRecord,
};

/// The SELECT for `query` and its parameters (`$1`...). Reads `limit + 1` rows so the caller
/// knows whether a next page exists.
pub(crate) fn user_page_sql(
    dialect: &dyn SqlDialect,
    columns: &str,
    query: &UserQuery,
) -> StoreResult<(String, Vec<SqlValue>)> {
    let prefix;
    let expr = match &query.filter {
        UserFilter::All => None,
        UserFilter::Prefix(q) => {
            prefix = model::expr::users::find(q);
            Some(&prefix)
        }
        UserFilter::Expr(e) => Some(e),
    };
    let from = match &query.member_of {
        None => format!("{columns} FROM users"),
        Some(groups) => format!("{columns} FROM {} users", members_of(groups)),
    };
    page_sql(
        dialect,
        &USERS,
        &from,
        Page {
            expr,
            sort: query.sort.as_ref(),
            after: query.after.as_ref(),
            limit: query.limit,
            text_attributes: &query.text_attributes,
        },
    )
}

/// The users who belong to one of `groups`, as a table. Group ids are written into the SQL
/// text, so only ids of the group id shape are kept (anything else names no group).
fn members_of(groups: &[String]) -> String {
    let ids: Vec<String> = groups
        .iter()
        .filter(|g| model::ids::looks_like(model::ids::Kind::Group, g))
        .map(|g| format!("'{g}'"))
        .collect();
    if ids.is_empty() {
        return "(SELECT * FROM users WHERE 1 = 0)".into();
    }
    format!(
        "(SELECT * FROM users WHERE id IN \
         (SELECT user_id FROM group_members WHERE group_id IN ({})))",
        ids.join(", ")
    )
}

/// One page of groups (List Groups), like [`user_page_sql`].
/// The groups as every read sees them. Creating a user does not write the Everyone group's
/// row (every creation would queue on that one row's lock), so Everyone's
/// `last_membership_updated` is the newer of its stored value (which removals still move) and
/// the newest user's creation; the `(created, id)` index answers that at once. Filters and
/// sorts on `lastMembershipUpdated` see the same value.
pub(crate) const GROUPS_READ: &str = "(SELECT g.id, g.type, g.created, g.last_updated, \
     CASE WHEN g.type = 'BUILT_IN' AND g.name_lower = 'everyone' \
     AND e.newest > g.last_membership_updated THEN e.newest \
     ELSE g.last_membership_updated END AS last_membership_updated, \
     g.profile, g.source_id, g.name_lower \
     FROM groups g CROSS JOIN (SELECT COALESCE(MAX(created), 0) AS newest FROM users) e)";

/// The user's group ids and Everyone's (see `UserStore::policy_group_ids`).
pub(crate) const POLICY_GROUP_IDS: &str = "SELECT group_id FROM group_members WHERE user_id = $1 \
     UNION SELECT id FROM groups WHERE type = 'BUILT_IN' AND name_lower = 'everyone'";

pub(crate) fn group_page_sql(
    dialect: &dyn SqlDialect,
    columns: &str,
    query: &GroupQuery,
) -> StoreResult<(String, Vec<SqlValue>)> {
    page_sql(
        dialect,
        &GROUPS,
        &format!("{columns} FROM {GROUPS_READ} groups"),
        Page {
            expr: query.filter.as_ref(),
            sort: query.sort.as_ref(),
            after: query.after.as_ref(),
            limit: query.limit,
            text_attributes: &[],
        },
    )
}

/// What one keyset page asks for.
struct Page<'a> {
    expr: Option<&'a model::expr::Resolved>,
    sort: Option<&'a model::expr::Sort>,
    after: Option<&'a PageKey>,
    limit: u32,
    text_attributes: &'a [String],
}

/// `SELECT {select} [WHERE narrowing AND keyset] ORDER BY key, id LIMIT limit + 1` over the
/// table `table` maps.
fn page_sql(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    select: &str,
    page: Page<'_>,
) -> StoreResult<(String, Vec<SqlValue>)> {
    let mut params = Params::default().with_text_attributes(page.text_attributes);
    let mut conditions = Vec::new();
    if let Some(expr) = page.expr {
        conditions.push(
            compile_filter(dialect, table, expr, &mut params)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
    }
    let sort = match page.sort {
        Some(sort) => compile_sort(dialect, table, sort, &mut params)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        None => SortSql::by_id(dialect, table, SortOrder::Ascending),
    };
    if let Some(after) = page.after {
        conditions.push(
            sort.after(&after.key, &after.id, &mut params)
                .ok_or(StoreError::InvalidCursor)?,
        );
    }
    let limit = params.push(SqlValue::Int(i64::from(page.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {select}{filter} ORDER BY {} LIMIT {limit}",
        sort.order_by()
    );
    Ok((sql, params.into_values()))
}

/// The cursor for the page that ends with `user` under `sort` (None: by id).
pub fn page_key_for(user: &UserRecord, sort: Option<&model::expr::Sort>) -> PageKey {
    PageKey {
        key: sort.map_or(Value::Null, |s| user_sort_key(s, user)),
        id: user.id.clone(),
    }
}

/// The cursor for the page that ends with `group` under `sort` (None: by id).
pub fn group_page_key_for(group: &GroupRecord, sort: Option<&model::expr::Sort>) -> PageKey {
    PageKey {
        key: sort.map_or(Value::Null, |s| group_sort_key(s, group)),
        id: group.id.clone(),
    }
}
