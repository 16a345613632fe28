//! The two migration sets build one schema: after every migration of each dialect, SQLite and
//! PostgreSQL have the same tables, columns (with their nullability), primary keys, unique
//! constraints and indexes (name, table, columns, unique, partial). Column types may differ
//! (TEXT and JSONB, INTEGER and BIGINT): each dialect spells a type its own way.
//!
//! Needs PostgreSQL on `LATCHKEY_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); a database of its own is created and dropped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use latchkey_store as store;
use sqlx::Connection;
use std::collections::BTreeSet;

/// One fact of a schema, as a line that reads the same for both dialects.
type Schema = BTreeSet<String>;

/// Indexes only PostgreSQL needs, each for a reason of its own. Lists order ids bytewise
/// (`COLLATE "C"`), which SQLite's primary keys and unique indexes do already, and a GIN index
/// serves JSONB containment, which SQLite has no index for.
const POSTGRES_ONLY: &[&str] = &[
    "index app_groups_page_idx on app_groups(app_id,group_id)",
    "index app_users_page_idx on app_users(app_id,user_id)",
    "index group_members_group_bytes_idx on group_members(group_id,user_id)",
    "index group_owners_page_idx on group_owners(group_id,owner_id)",
    "index groups_id_bytes_idx on groups(id)",
    "index groups_name_bytes_idx on groups(name_lower,id)",
    "index users_profile_gin on users(profile)",
];

/// An index key part that is an expression rather than a column.
const EXPRESSION: &str = "<expr>";

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let mut out = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in &tables {
        out.insert(format!("table {table}"));
        let columns: Vec<(String, bool, i64)> =
            sqlx::query_as("SELECT name, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        let mut key: Vec<(i64, &str)> = Vec::new();
        for (name, not_null, pk) in &columns {
            // A primary key column is never null, whether or not it says so.
            let nullability = if *not_null || *pk > 0 {
                "not null"
            } else {
                "null"
            };
            out.insert(format!("column {table}.{name} {nullability}"));
            if *pk > 0 {
                key.push((*pk, name));
            }
        }
        if !key.is_empty() {
            key.sort_unstable();
            let names: Vec<&str> = key.iter().map(|(_, n)| *n).collect();
            out.insert(format!("primary key {table}({})", names.join(",")));
        }
        let indexes: Vec<(String, bool, String, bool)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        for (name, unique, origin, partial) in indexes {
            let parts: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let parts: Vec<String> = parts
                .into_iter()
                .map(|p| p.unwrap_or_else(|| EXPRESSION.to_owned()))
                .collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    out.insert(format!("unique {table}({})", parts.join(",")));
                }
                _ => {
                    out.insert(index_line(&name, table, &parts, unique, partial));
                }
            }
        }
    }
    out
}

async fn postgres_schema(conn: &mut sqlx::PgConnection) -> Schema {
    let mut out = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for table in tables {
        out.insert(format!("table {table}"));
    }
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, column, nullable) in columns {
        let nullability = if nullable == "YES" {
            "null"
        } else {
            "not null"
        };
        out.insert(format!("column {table}.{column} {nullability}"));
    }
    let constraints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, c.contype::text, \
           (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
            FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND c.contype IN ('p', 'u') \
         AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, kind, columns) in constraints {
        let kind = if kind == "p" { "primary key" } else { "unique" };
        out.insert(format!("{kind} {table}({columns})"));
    }
    let indexes: Vec<(String, String, bool, bool, String)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, ix.indisunique, ix.indpred IS NOT NULL, \
           (SELECT string_agg(CASE WHEN k.attnum = 0 THEN $1 ELSE a.attname::text END, ',' \
                              ORDER BY k.ord) \
            FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)",
    )
    .bind(EXPRESSION)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (name, table, unique, partial, parts) in indexes {
        let parts: Vec<String> = parts.split(',').map(str::to_owned).collect();
        out.insert(index_line(&name, &table, &parts, unique, partial));
    }
    out
}

fn index_line(name: &str, table: &str, parts: &[String], unique: bool, partial: bool) -> String {
    format!(
        "index {name} on {table}({}){}{}",
        parts.join(","),
        if unique { " unique" } else { "" },
        if partial { " partial" } else { "" }
    )
}

#[tokio::test]
async fn both_dialects_migrate_to_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("schema.db").display());
    let sqlite = store::sqlite::SqliteStore::connect(&url).await.unwrap();
    drop(sqlite);
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let lite = sqlite_schema(&pool).await;
    pool.close().await;

    let base = std::env::var("LATCHKEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "latchkey_schema_{}",
        model::ids::random_base62(10).to_lowercase()
    );
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("PostgreSQL must be running for this test");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let pg_url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let pg = {
        let store = store::postgres::PgStore::connect(&pg_url).await.unwrap();
        let mut conn = sqlx::PgConnection::connect(&pg_url).await.unwrap();
        let schema = postgres_schema(&mut conn).await;
        conn.close().await.unwrap();
        drop(store);
        schema
    };
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();

    assert!(
        lite.iter().filter(|l| l.starts_with("table ")).count() > 30,
        "the SQLite schema was not read: {lite:?}"
    );
    let only_sqlite: Vec<&String> = lite.difference(&pg).collect();
    let only_postgres: Vec<&String> = pg
        .difference(&lite)
        .filter(|line| !POSTGRES_ONLY.contains(&line.as_str()))
        .collect();
    for line in POSTGRES_ONLY {
        assert!(
            pg.contains(*line) && !lite.contains(*line),
            "{line} is listed as PostgreSQL's own but is not (any more): update POSTGRES_ONLY"
        );
    }
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migrations disagree.\nonly in SQLite:\n  {}\nonly in PostgreSQL:\n  {}",
        only_sqlite
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        only_postgres
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}
