//! One page of users as SQL: the narrowing (`q`, `filter`, `search`), the order (by id, or
//! by `sortBy` then id) and the keyset condition after the cursor, for either dialect.

use model::expr::SortOrder;
use serde_json::Value;

use crate::filter_sql::{
    compile_filter, compile_sort, user_sort_key, Params, SortSql, SqlDialect, SqlValue, USERS,
};
use crate::{PageKey, StoreError, StoreResult, UserFilter, UserQuery, UserRecord};

/// The SELECT for `query` and its parameters (`$1`...). Reads `limit + 1` rows so the caller
/// knows whether a next page exists.
pub(crate) fn user_page_sql(
    dialect: &dyn SqlDialect,
    columns: &str,
    query: &UserQuery,
) -> StoreResult<(String, Vec<SqlValue>)> {
    let mut params = Params::default();
    let mut conditions = Vec::new();
    let prefix;
    let expr = match &query.filter {
        UserFilter::All => None,
        UserFilter::Prefix(q) => {
            prefix = model::expr::users::find(q);
            Some(&prefix)
        }
        UserFilter::Expr(e) => Some(e),
    };
    if let Some(expr) = expr {
        conditions.push(
            compile_filter(dialect, &USERS, expr, &mut params)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
    }
    let sort = match &query.sort {
        Some(sort) => compile_sort(dialect, &USERS, sort, &mut params)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        None => SortSql::by_id(dialect, &USERS, SortOrder::Ascending),
    };
    if let Some(after) = &query.after {
        conditions.push(
            sort.after(&after.key, &after.id, &mut params)
                .ok_or(StoreError::InvalidCursor)?,
        );
    }
    let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {columns} FROM users{filter} ORDER BY {} LIMIT {limit}",
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
