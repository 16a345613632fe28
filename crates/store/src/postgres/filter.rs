//! The PostgreSQL side of `filter`/`search`/`q`/`sortBy` compilation (users.md, "List Users";
//! see `crate::filter_sql` for the rules both backends share).
//!
//! Profiles are JSONB. A profile property is turned into a set of elements with
//! `jsonb_array_elements` over the array itself, or over a one-element array wrapping a scalar,
//! so "any element matches" is one `EXISTS`; numbers and booleans compare as JSONB values
//! (numerically for numbers), which never raises a cast error on mixed data. Text is folded
//! and ordered under the "C" collation, whatever the database's default: `lower()` then
//! folds ASCII letters only, as SQLite's does, and ordering is bytewise.

use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, Postgres};
use sqlx::Type;

use crate::filter_sql::{Params, SqlDialect, SqlValue};

/// PostgreSQL ≥ 12.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl SqlDialect for PostgresDialect {
    fn json_key(&self, name: &str) -> SqlValue {
        SqlValue::Text(name.to_owned())
    }

    fn any_element(&self, json_column: &str, key: &str, condition: &str) -> String {
        let value = format!("{json_column} -> {key}");
        format!(
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof({value}) \
             WHEN 'array' THEN {value} WHEN 'object' THEN '[]'::jsonb \
             ELSE jsonb_build_array({value}) END) AS elem(v) WHERE {condition})"
        )
    }

    fn element_is_string(&self) -> &'static str {
        "jsonb_typeof(elem.v) = 'string'"
    }

    fn element_text(&self) -> &'static str {
        "(elem.v #>> '{}')"
    }

    /// Numbers bind as text and become `numeric`: exact for integers and decimals alike, and
    /// one parameter type whatever the literal (see the trait method).
    fn element_number_compare(&self, sql_op: &str, value: SqlValue, params: &mut Params) -> String {
        let text = match value {
            SqlValue::Int(n) => n.to_string(),
            SqlValue::Float(n) => n.to_string(),
            SqlValue::Text(n) => n,
            SqlValue::Bool(b) => b.to_string(),
        };
        let param = params.push(SqlValue::Text(text));
        format!("jsonb_typeof(elem.v) = 'number' AND elem.v {sql_op} to_jsonb(({param})::numeric)")
    }

    fn element_bool_equals(&self, param: &str) -> String {
        format!("elem.v = to_jsonb({param})")
    }

    fn element_is_present(&self) -> &'static str {
        "jsonb_typeof(elem.v) <> 'null' AND elem.v <> '\"\"'::jsonb"
    }

    fn json_string_or_empty(&self, json_column: &str, key: &str) -> String {
        format!(
            "(CASE WHEN jsonb_typeof({json_column} -> {key}) = 'string' \
             THEN {json_column} ->> {key} ELSE '' END)"
        )
    }

    fn lower(&self, expr: &str) -> String {
        format!("lower(({expr}) COLLATE \"C\")")
    }

    fn bytewise(&self, expr: &str) -> String {
        format!("({expr}) COLLATE \"C\"")
    }

    fn bytes_collation(&self) -> &'static str {
        " COLLATE \"C\""
    }

    fn greatest(&self) -> &'static str {
        "GREATEST"
    }

    fn for_update(&self) -> &'static str {
        " FOR UPDATE"
    }

    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }

    fn write_lock_user(&self) -> Option<&'static str> {
        None
    }

    fn json_text(&self, column: &str, field: &str) -> String {
        format!("({column}->>'{field}')")
    }

    fn json_is_string(&self, column: &str, field: &str) -> String {
        format!("jsonb_typeof({column}->'{field}') = 'string'")
    }

    /// An index whose concurrent build failed stays behind, not valid: it is not listed.
    fn profile_indexes_sql(&self) -> &'static str {
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'users' \
         AND pg_table_is_visible(t.oid) AND i.indisvalid \
         AND c.relname LIKE 'users\\_profile\\_%\\_idx' ESCAPE '\\'"
    }

    /// Built without blocking writes (and outside any transaction).
    fn create_index(&self) -> &'static str {
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS"
    }

    fn drop_index(&self) -> &'static str {
        "DROP INDEX CONCURRENTLY IF EXISTS"
    }
}

/// Lets a [`SqlValue`] be bound directly: `query.bind(value)`; each variant declares its own
/// parameter type (text, int8, float8, bool).
impl Type<Postgres> for SqlValue {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(_ty: &PgTypeInfo) -> bool {
        true
    }
}

impl Encode<'_, Postgres> for SqlValue {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            Self::Text(s) => <String as Encode<Postgres>>::encode_by_ref(s, buf),
            Self::Int(i) => <i64 as Encode<Postgres>>::encode_by_ref(i, buf),
            Self::Float(f) => <f64 as Encode<Postgres>>::encode_by_ref(f, buf),
            Self::Bool(b) => <bool as Encode<Postgres>>::encode_by_ref(b, buf),
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(match self {
            Self::Text(_) => <String as Type<Postgres>>::type_info(),
            Self::Int(_) => <i64 as Type<Postgres>>::type_info(),
            Self::Float(_) => <f64 as Type<Postgres>>::type_info(),
            Self::Bool(_) => <bool as Type<Postgres>>::type_info(),
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
    use sqlx::{Connection, PgConnection, Row};

    #[test]
    fn compiles_profile_search() {
        let mut params = Params::default();
        let sql = compile_filter(
            &PostgresDialect,
            &USERS,
            &users::parse_search("profile.nums gt 7").unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(
            sql,
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(profile -> $2) \
             WHEN 'array' THEN profile -> $2 WHEN 'object' THEN '[]'::jsonb \
             ELSE jsonb_build_array(profile -> $2) END) AS elem(v) \
             WHERE jsonb_typeof(elem.v) = 'number' AND elem.v > to_jsonb(($1)::numeric))"
        );
        assert_eq!(
            params.into_values(),
            vec![
                SqlValue::Text("7".to_owned()),
                SqlValue::Text("nums".to_owned())
            ]
        );
    }

    #[test]
    fn compiles_case_insensitive_text_under_c_collation() {
        let mut params = Params::default();
        let sql = compile_filter(
            &PostgresDialect,
            &USERS,
            &users::parse_search(r#"status gt "ACTIVE""#).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(sql, "((lower((status) COLLATE \"C\")) COLLATE \"C\" > $1)");
        let sort = compile_sort(
            &PostgresDialect,
            &USERS,
            &users::parse_sort("lastUpdated", Some("desc")).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(
            sort.order_by(),
            "last_updated DESC, (id) COLLATE \"C\" DESC"
        );
    }

    /// The test database: `LATCHKEY_TEST_PG_URL`, by default the local trust-auth server.
    fn database_url() -> String {
        std::env::var("LATCHKEY_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }

    // A temporary table lives only in this connection's session: it shadows any real `users`
    // table, cannot collide with concurrent tests, and is gone when the connection closes.
    const CREATE: &str = "CREATE TEMPORARY TABLE users (id TEXT PRIMARY KEY, \
        status TEXT NOT NULL, created BIGINT NOT NULL, activated BIGINT, status_changed BIGINT, \
        last_login BIGINT, last_updated BIGINT NOT NULL, password_changed BIGINT, \
        type_id TEXT NOT NULL, login_lower TEXT NOT NULL UNIQUE, profile JSONB NOT NULL)";

    struct Db(PgConnection);

    fn bind_all<'q>(
        mut query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
        params: Vec<SqlValue>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
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
        let url = database_url();
        let mut conn = PgConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
        sqlx::query(CREATE).execute(&mut conn).await.unwrap();
        let insert_sql = fixtures::INSERT.replace("$11)", "$11::jsonb)");
        for user in fixtures::seed_rows() {
            let mut insert = sqlx::query(&insert_sql);
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

    async fn drop_table(mut db: Db) {
        sqlx::query("DROP TABLE pg_temp.users")
            .execute(&mut db.0)
            .await
            .unwrap();
        db.0.close().await.unwrap();
    }

    #[tokio::test]
    async fn expressions_return_the_expected_users_in_order() {
        let mut db = seeded().await;
        fixtures::check_all(&PostgresDialect, &mut db).await;
        drop_table(db).await;
    }

    #[tokio::test]
    async fn parameters_may_start_after_the_callers_own() {
        let mut db = seeded().await;
        let mut params = Params::starting_at(2);
        let condition = compile_filter(
            &PostgresDialect,
            &USERS,
            &users::parse_search(r#"profile.lastName eq "smith""#).unwrap(),
            &mut params,
        )
        .unwrap();
        let sql = format!("SELECT id FROM users WHERE id > $1 AND {condition} ORDER BY id");
        let mut values = vec![SqlValue::Text("00u03".to_owned())];
        values.extend(params.into_values());
        assert_eq!(db.ids(&sql, values).await, vec!["00u08".to_owned()]);
        drop_table(db).await;
    }

    #[tokio::test]
    async fn case_sensitive_substrings_use_like() {
        let mut db = seeded().await;
        for (value, expected) in [
            ("Eng", vec!["00u01", "00u04", "00u05"]),
            ("eng", vec!["00u02"]),
        ] {
            let expr = model::expr::Resolved::Compare {
                attribute: model::expr::Attribute::Profile("department".to_owned()),
                op: model::expr::Op::Sw,
                value: model::expr::Value::Text(value.to_owned()),
                case: model::expr::Case::Sensitive,
            };
            let mut params = Params::default();
            let condition = compile_filter(&PostgresDialect, &USERS, &expr, &mut params).unwrap();
            let sql = format!("SELECT id FROM users WHERE {condition} ORDER BY id");
            assert_eq!(db.ids(&sql, params.into_values()).await, expected);
        }
        drop_table(db).await;
    }
}
