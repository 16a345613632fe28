//! Search indexes on single-string profile attributes of users, written once for both
//! backends. An index is named `users_profile_<attribute>_idx` (quoted, so PostgreSQL keeps
//! the attribute's case) and keys `lower(<attribute as text>)` then the id as the dialect
//! orders ids, which is exactly what `filter_sql` compiles a case-insensitive `eq` on a
//! text attribute into, so the planner reads one index range in page order.
//!
//! Attribute names are letters, digits and `_` (checked here before any SQL is built): they
//! go into the index name and expression, which cannot be parameters.

/// The prefix and suffix of a profile index's name.
pub(crate) const PREFIX: &str = "users_profile_";
pub(crate) const SUFFIX: &str = "_idx";

/// True for a name that may become part of SQL text: a letter, then letters, digits and `_`,
/// at most 48 characters (index names stay under PostgreSQL's 63).
pub fn indexable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 48
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The index's key: the expression `filter_sql` compares, then the id.
pub(crate) fn key_sql(dialect: &dyn crate::filter_sql::SqlDialect, attribute: &str) -> String {
    format!(
        "({}), ({})",
        dialect.lower(&dialect.json_text("profile", attribute)),
        dialect.bytewise("id")
    )
}

macro_rules! impl_profile_index_store {
    ($store:ty, $write:ident, $read:ident, $dialect:expr) => {
        #[async_trait::async_trait]
        impl $crate::ProfileIndexStore for $store {
            async fn profile_indexes(&self) -> $crate::StoreResult<Vec<String>> {
                use $crate::filter_sql::SqlDialect as _;
                let names: Vec<String> = sqlx::query_scalar($dialect.profile_indexes_sql())
                    .fetch_all(&self.$read)
                    .await?;
                Ok(names
                    .into_iter()
                    .filter_map(|n| {
                        n.strip_prefix($crate::profile_index_sql::PREFIX)
                            .and_then(|n| n.strip_suffix($crate::profile_index_sql::SUFFIX))
                            .map(str::to_owned)
                    })
                    .filter(|n| $crate::profile_index_sql::indexable_name(n))
                    .collect())
            }

            async fn create_profile_index(&self, attribute: &str) -> $crate::StoreResult<()> {
                use $crate::filter_sql::SqlDialect as _;
                if !$crate::profile_index_sql::indexable_name(attribute) {
                    return Err($crate::StoreError::Corrupt(format!(
                        "{attribute:?} cannot name an index"
                    )));
                }
                let name = format!(
                    "\"{}{attribute}{}\"",
                    $crate::profile_index_sql::PREFIX,
                    $crate::profile_index_sql::SUFFIX
                );
                // A build that failed half-way (PostgreSQL keeps it, unusable) goes first.
                // DDL goes as a simple query: PostgreSQL refuses a concurrent build in a
                // prepared statement's implicit transaction.
                sqlx::raw_sql(&format!("{} {name}", $dialect.drop_index()))
                    .execute(&self.$write)
                    .await?;
                let sql = format!(
                    "{} {name} ON users ({})",
                    $dialect.create_index(),
                    $crate::profile_index_sql::key_sql(&$dialect, attribute)
                );
                sqlx::raw_sql(&sql).execute(&self.$write).await?;
                Ok(())
            }

            async fn holds_only_text(&self, attribute: &str) -> $crate::StoreResult<bool> {
                use $crate::filter_sql::SqlDialect as _;
                if !$crate::profile_index_sql::indexable_name(attribute) {
                    return Ok(false);
                }
                let sql = format!(
                    "SELECT NOT EXISTS (SELECT 1 FROM users WHERE {} IS NOT NULL AND NOT ({}))",
                    $dialect.json_text("profile", attribute),
                    $dialect.json_is_string("profile", attribute)
                );
                Ok(sqlx::query_scalar(&sql).fetch_one(&self.$read).await?)
            }

            async fn drop_profile_index(&self, attribute: &str) -> $crate::StoreResult<()> {
                use $crate::filter_sql::SqlDialect as _;
                if !$crate::profile_index_sql::indexable_name(attribute) {
                    return Ok(());
                }
                let sql = format!(
                    "{} \"{}{attribute}{}\"",
                    $dialect.drop_index(),
                    $crate::profile_index_sql::PREFIX,
                    $crate::profile_index_sql::SUFFIX
                );
                sqlx::raw_sql(&sql).execute(&self.$write).await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_profile_index_store;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use crate::{ProfileIndexStore, UserFilter, UserQuery};
    use sqlx::Connection;

    fn search(attribute: &str) -> UserQuery {
        UserQuery {
            filter: UserFilter::Expr(
                model::expr::users::parse_search(&format!("profile.{attribute} eq \"x\"")).unwrap(),
            ),
            sort: None,
            after: None,
            limit: 200,
            text_attributes: vec![attribute.to_owned()],
            member_of: None,
        }
    }

    #[test]
    fn only_plain_names_are_indexable() {
        assert!(super::indexable_name("costCenter"));
        assert!(super::indexable_name("team_2"));
        assert!(!super::indexable_name("2team"));
        assert!(!super::indexable_name("a'b"));
        assert!(!super::indexable_name("a\"b"));
        assert!(!super::indexable_name(""));
        assert!(!super::indexable_name(&"a".repeat(49)));
    }

    /// The planner reads the attribute's index for a search page: the compiled comparison
    /// and the index key are the same expression.
    #[tokio::test]
    async fn sqlite_plans_a_search_on_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = crate::sqlite::SqliteStore::connect(&url).await.unwrap();
        store.create_profile_index("team").await.unwrap();
        let (sql, params) = crate::page_sql::user_page_sql(
            &crate::sqlite::filter::SqliteDialect,
            crate::user_sql::USER_COLUMNS,
            &search("team"),
        )
        .unwrap();
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
        for p in params {
            q = q.bind(p);
        }
        let plan: Vec<String> = q
            .fetch_all(&store.read)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.3)
            .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("users_profile_team_idx")),
            "plan: {plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "the index gives the page order, no sort: {plan:?}"
        );
    }

    #[tokio::test]
    async fn postgres_plans_a_search_on_the_index() {
        let base = std::env::var("LATCHKEY_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!(
            "latchkey_plan_{}",
            model::ids::random_base62(10).to_lowercase()
        );
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .expect("PostgreSQL must be running for this test");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        let plan = {
            let store = crate::postgres::PgStore::connect(&url).await.unwrap();
            store.create_profile_index("team").await.unwrap();
            let (sql, params) = crate::page_sql::user_page_sql(
                &crate::postgres::filter::PostgresDialect,
                crate::user_sql::USER_COLUMNS,
                &search("team"),
            )
            .unwrap();
            let mut tx = store.pool.begin().await.unwrap();
            // An empty table is cheaper to scan: ask for the plan an org of users gets.
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let explain = format!("EXPLAIN {sql}");
            let mut q = sqlx::query_scalar::<_, String>(&explain);
            for p in params {
                q = q.bind(p);
            }
            let plan: Vec<String> = q.fetch_all(&mut *tx).await.unwrap();
            tx.rollback().await.unwrap();
            store.pool.close().await;
            plan
        };
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("users_profile_team_idx")),
            "plan: {plan:?}"
        );
        assert!(
            !plan
                .iter()
                .any(|step| step.trim_start().starts_with("Sort")),
            "the index gives the page order, no sort: {plan:?}"
        );
    }
}
