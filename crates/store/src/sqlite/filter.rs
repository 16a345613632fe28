//! The SQLite side of `filter`/`search`/`q`/`sortBy` compilation (users.md, "List Users";
//! see `crate::filter_sql` for the rules both backends share).
//!
//! Profiles are JSON text. A profile property is reached with `json_each(profile, '$."name"')`,
//! which yields the property itself when it is a scalar and its items when it is an array,
//! so "any element matches" is one `EXISTS`. `lower()` folds ASCII letters only and text
//! compares bytewise (the BINARY collation). `LIKE` ignores ASCII case in SQLite, so
//! case-sensitive substring matches use `GLOB` instead.

use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::sqlite::{Sqlite, SqliteArgumentValue, SqliteTypeInfo};
use sqlx::Type;

use crate::filter_sql::{Params, SqlDialect, SqlValue};
use model::expr::{Case, Op};

/// SQLite ≥ 3.38 (the bundled library).
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

/// A `GLOB` pattern for `value` under `op`, with `*`, `?` and `[` made literal.
fn glob_pattern(op: Op, value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '*' => escaped.push_str("[*]"),
            '?' => escaped.push_str("[?]"),
            '[' => escaped.push_str("[[]"),
            other => escaped.push(other),
        }
    }
    match op {
        Op::Sw => format!("{escaped}*"),
        Op::Ew => format!("*{escaped}"),
        _ => format!("*{escaped}*"),
    }
}

impl SqlDialect for SqliteDialect {
    fn json_key(&self, name: &str) -> SqlValue {
        SqlValue::Text(format!("$.\"{name}\""))
    }

    fn any_element(&self, json_column: &str, key: &str, condition: &str) -> String {
        format!(
            "EXISTS (SELECT 1 FROM json_each({json_column}, {key}) AS elem \
             WHERE json_type({json_column}, {key}) <> 'object' AND {condition})"
        )
    }

    fn element_is_string(&self) -> &'static str {
        "elem.type = 'text'"
    }

    fn element_text(&self) -> &'static str {
        "elem.value"
    }

    /// SQLite types each bound value itself, so integers and reals bind natively.
    fn element_number_compare(&self, sql_op: &str, value: SqlValue, params: &mut Params) -> String {
        let param = params.push(value);
        format!("elem.type IN ('integer', 'real') AND elem.value {sql_op} {param}")
    }

    fn element_bool_equals(&self, param: &str) -> String {
        format!("elem.type IN ('true', 'false') AND (elem.type = 'true') = {param}")
    }

    fn element_is_present(&self) -> &'static str {
        "elem.type <> 'null' AND NOT (elem.type = 'text' AND elem.value = '')"
    }

    fn json_string_or_empty(&self, json_column: &str, key: &str) -> String {
        format!(
            "(CASE WHEN json_type({json_column}, {key}) = 'text' \
             THEN json_extract({json_column}, {key}) ELSE '' END)"
        )
    }

    fn lower(&self, expr: &str) -> String {
        format!("lower({expr})")
    }

    fn bytewise(&self, expr: &str) -> String {
        expr.to_owned()
    }

    fn bytes_collation(&self) -> &'static str {
        ""
    }

    fn greatest(&self) -> &'static str {
        "max"
    }

    /// The single writer connection serialises every write transaction already.
    fn for_update(&self) -> &'static str {
        ""
    }

    fn skip_locked(&self) -> &'static str {
        ""
    }

    /// A no-op write makes the transaction a writer before it reads.
    fn write_lock_user(&self) -> Option<&'static str> {
        Some("UPDATE users SET version = version WHERE id = $1")
    }

    fn json_text(&self, column: &str, field: &str) -> String {
        format!("json_extract({column}, '$.{field}')")
    }

    fn json_is_string(&self, column: &str, field: &str) -> String {
        format!("json_type({column}, '$.{field}') = 'text'")
    }

    fn profile_indexes_sql(&self) -> &'static str {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' \
         AND name LIKE 'users\\_profile\\_%\\_idx' ESCAPE '\\'"
    }

    fn create_index(&self) -> &'static str {
        "CREATE INDEX IF NOT EXISTS"
    }

    fn drop_index(&self) -> &'static str {
        "DROP INDEX IF EXISTS"
    }

    fn substring_match(
        &self,
        subject: &str,
        op: Op,
        value: &str,
        case: Case,
        params: &mut Params,
    ) -> String {
        match case {
            Case::Insensitive => {
                let pattern =
                    params.push(SqlValue::Text(crate::filter_sql::like_pattern(op, value)));
                format!("{subject} LIKE {pattern} ESCAPE '\\'")
            }
            Case::Sensitive => {
                let pattern = params.push(SqlValue::Text(glob_pattern(op, value)));
                format!("{subject} GLOB {pattern}")
            }
        }
    }
}

/// Lets a [`SqlValue`] be bound directly: `query.bind(value)`.
impl Type<Sqlite> for SqlValue {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(_ty: &SqliteTypeInfo) -> bool {
        true
    }
}

impl<'q> Encode<'q, Sqlite> for SqlValue {
    fn encode(self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        match self {
            Self::Text(s) => <String as Encode<'q, Sqlite>>::encode(s, buf),
            Self::Int(i) => <i64 as Encode<'q, Sqlite>>::encode(i, buf),
            Self::Float(f) => <f64 as Encode<'q, Sqlite>>::encode(f, buf),
            Self::Bool(b) => <bool as Encode<'q, Sqlite>>::encode(b, buf),
        }
    }

    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <Self as Encode<'q, Sqlite>>::encode(self.clone(), buf)
    }

    fn produces(&self) -> Option<SqliteTypeInfo> {
        Some(match self {
            Self::Text(_) => <String as Type<Sqlite>>::type_info(),
            Self::Int(_) => <i64 as Type<Sqlite>>::type_info(),
            Self::Float(_) => <f64 as Type<Sqlite>>::type_info(),
            Self::Bool(_) => <bool as Type<Sqlite>>::type_info(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter_sql::fixtures::{self, Fetch};
    use crate::filter_sql::{compile_filter, compile_sort, KeyKind, USERS};
    use model::expr::users;
    use serde_json::Value as Json;
    use sqlx::{Connection, Row, SqliteConnection};

    #[test]
    fn glob_patterns_make_wildcards_literal() {
        assert_eq!(glob_pattern(Op::Sw, "a*b?c[d]"), "a[*]b[?]c[[]d]*");
        assert_eq!(glob_pattern(Op::Co, "x"), "*x*");
        assert_eq!(glob_pattern(Op::Ew, "x"), "*x");
    }

    #[test]
    fn compiles_profile_search() {
        let mut params = Params::default();
        let sql = compile_filter(
            &SqliteDialect,
            &USERS,
            &users::parse_search(r#"profile.department sw "Eng""#).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(
            sql,
            "EXISTS (SELECT 1 FROM json_each(profile, $2) AS elem \
             WHERE json_type(profile, $2) <> 'object' AND elem.type = 'text' \
             AND lower(elem.value) LIKE $1 ESCAPE '\\')"
        );
        assert_eq!(
            params.into_values(),
            vec![
                SqlValue::Text("eng%".to_owned()),
                SqlValue::Text("$.\"department\"".to_owned())
            ]
        );
    }

    #[test]
    fn compiles_sort() {
        let mut params = Params::starting_at(3);
        let sort = compile_sort(
            &SqliteDialect,
            &USERS,
            &users::parse_sort("profile.lastName", None).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(
            sort.order_by(),
            "lower((CASE WHEN json_type(profile, $3) = 'text' \
             THEN json_extract(profile, $3) ELSE '' END)) ASC, id ASC"
        );
    }

    const CREATE: &str = "CREATE TABLE users (id TEXT PRIMARY KEY, status TEXT NOT NULL, \
        created INTEGER NOT NULL, activated INTEGER, status_changed INTEGER, \
        last_login INTEGER, last_updated INTEGER NOT NULL, password_changed INTEGER, \
        type_id TEXT NOT NULL, login_lower TEXT NOT NULL UNIQUE, profile TEXT NOT NULL)";

    struct Db(SqliteConnection);

    fn bind_all<'q>(
        mut query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        params: Vec<SqlValue>,
    ) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        for value in params {
            query = query.bind(value);
        }
        query
    }

    impl Fetch for Db {
        async fn ids(&mut self, sql: &str, params: Vec<SqlValue>) -> Vec<String> {
            bind_all(sqlx::query(sql), params)
                .fetch_all(&mut self.0)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|row| row.get::<String, _>("id"))
                .collect()
        }

        async fn keys(
            &mut self,
            sql: &str,
            params: Vec<SqlValue>,
            kind: KeyKind,
        ) -> Vec<(String, Json)> {
            bind_all(sqlx::query(sql), params)
                .fetch_all(&mut self.0)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|row| {
                    let key = match kind {
                        KeyKind::Text => Json::from(row.get::<String, _>("k")),
                        KeyKind::Int => Json::from(row.get::<i64, _>("k")),
                    };
                    (row.get::<String, _>("id"), key)
                })
                .collect()
        }
    }

    async fn seeded() -> Db {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query(CREATE).execute(&mut conn).await.unwrap();
        for user in fixtures::seed_rows() {
            let mut insert = sqlx::query(fixtures::INSERT);
            for value in fixtures::insert_values(&user) {
                insert = match value {
                    Some(value) => insert.bind(value),
                    None => insert.bind(None::<i64>),
                };
            }
            insert.execute(&mut conn).await.unwrap();
        }
        Db(conn)
    }

    #[tokio::test]
    async fn expressions_return_the_expected_users_in_order() {
        let mut db = seeded().await;
        fixtures::check_all(&SqliteDialect, &mut db).await;
    }

    #[tokio::test]
    async fn parameters_may_start_after_the_callers_own() {
        let mut db = seeded().await;
        let mut params = Params::starting_at(2);
        let condition = compile_filter(
            &SqliteDialect,
            &USERS,
            &users::parse_search(r#"profile.lastName eq "smith""#).unwrap(),
            &mut params,
        )
        .unwrap();
        let sql = format!("SELECT id FROM users WHERE id > $1 AND {condition} ORDER BY id");
        let mut values = vec![SqlValue::Text("00u03".to_owned())];
        values.extend(params.into_values());
        assert_eq!(db.ids(&sql, values).await, vec!["00u08".to_owned()]);
    }

    #[tokio::test]
    async fn case_sensitive_substrings_use_glob() {
        let mut db = seeded().await;
        for (value, expected) in [
            ("Eng", vec!["00u01", "00u04", "00u05"]),
            ("eng", vec!["00u02"]),
        ] {
            let expr = model::expr::Resolved::Compare {
                attribute: model::expr::Attribute::Profile("department".to_owned()),
                op: Op::Sw,
                value: model::expr::Value::Text(value.to_owned()),
                case: Case::Sensitive,
            };
            let mut params = Params::default();
            let condition = compile_filter(&SqliteDialect, &USERS, &expr, &mut params).unwrap();
            let sql = format!("SELECT id FROM users WHERE {condition} ORDER BY id");
            assert_eq!(db.ids(&sql, params.into_values()).await, expected);
        }
    }
}
