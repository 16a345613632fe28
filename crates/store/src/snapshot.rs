//! A test org's reset point: every table's rows copied aside (`snapshot`) and copied back
//! (`restore`) in one transaction, so a suite returns to its seed in milliseconds instead of
//! replaying it.
//!
//! The copy follows the catalog, not a list kept here: every table the migrations made
//! except sqlx's bookkeeping and `unique_values`, which triggers rebuild from the users and
//! groups put back. Rows go back parents first (foreign keys read from the catalog), so no
//! constraint is switched off. SQLite keeps the copies as `snapshot__<table>` tables in the
//! database; PostgreSQL in the `latchkey_snapshot` schema.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::StoreResult;

/// The table that triggers keep in step with users and groups: emptied, never copied.
const DERIVED: &str = "unique_values";
/// SQLite's prefix of copied tables.
const SQLITE_PREFIX: &str = "snapshot__";
/// PostgreSQL's schema of copied tables.
const PG_SCHEMA: &str = "latchkey_snapshot";

/// `tables` ordered so that every table comes after those its foreign keys name.
fn parents_first(tables: &[String], edges: &[(String, String)]) -> Vec<String> {
    let known: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in edges {
        if child != parent && known.contains(parent.as_str()) {
            if let Some(set) = parents.get_mut(child.as_str()) {
                set.insert(parent.as_str());
            }
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(tables.len());
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while placed.len() < tables.len() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(t, ps)| !placed.contains(*t) && ps.iter().all(|p| placed.contains(p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            // A cycle: the rest in name order (no migration makes one).
            for t in tables {
                if placed.insert(t.as_str()) {
                    out.push(t.clone());
                }
            }
            break;
        }
        for t in ready {
            placed.insert(t);
            out.push(t.to_owned());
        }
    }
    out
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl SqliteStore {
    async fn tables(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
             AND name NOT LIKE 'snapshot\\_\\_%' ESCAPE '\\' ORDER BY name",
        )
        .fetch_all(&self.write)
        .await?;
        let tables: Vec<String> = rows
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|t| t != DERIVED)
            .collect();
        let mut edges = Vec::new();
        for t in &tables {
            let parents = sqlx::query("SELECT \"table\" FROM pragma_foreign_key_list(?)")
                .bind(t)
                .fetch_all(&self.write)
                .await?;
            edges.extend(parents.iter().map(|r| (t.clone(), r.get::<String, _>(0))));
        }
        Ok(parents_first(&tables, &edges))
    }

    async fn columns(&self, table: &str) -> StoreResult<String> {
        let rows = sqlx::query("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0")
            .bind(table)
            .fetch_all(&self.write)
            .await?;
        Ok(rows
            .iter()
            .map(|r| quoted(&r.get::<String, _>(0)))
            .collect::<Vec<_>>()
            .join(", "))
    }

    pub(crate) async fn snapshot_tables(&self) -> StoreResult<()> {
        let tables = self.tables().await?;
        let mut tx = self.write.begin().await?;
        for t in &tables {
            let copy = quoted(&format!("{SQLITE_PREFIX}{t}"));
            sqlx::query(&format!("DROP TABLE IF EXISTS {copy}"))
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!(
                "CREATE TABLE {copy} AS SELECT * FROM {}",
                quoted(t)
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn restore_tables(&self) -> StoreResult<bool> {
        let tables = self.tables().await?;
        let copied: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'snapshot\\_\\_%' ESCAPE '\\'",
        )
        .fetch_one(&self.write)
        .await?;
        if copied == 0 {
            return Ok(false);
        }
        let mut columns = Vec::with_capacity(tables.len());
        for t in &tables {
            columns.push(self.columns(t).await?);
        }
        let mut tx = self.write.begin().await?;
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        for t in tables.iter().rev() {
            sqlx::query(&format!("DELETE FROM {}", quoted(t)))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(&format!("DELETE FROM {DERIVED}"))
            .execute(&mut *tx)
            .await?;
        for (t, cols) in tables.iter().zip(&columns) {
            let copy = format!("{SQLITE_PREFIX}{t}");
            let exists: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            )
            .bind(&copy)
            .fetch_one(&mut *tx)
            .await?;
            if exists == 1 {
                sqlx::query(&format!(
                    "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
                    quoted(t),
                    quoted(&copy)
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

impl PgStore {
    async fn tables(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename NOT LIKE '\\_sqlx%' ORDER BY tablename",
        )
        .fetch_all(&self.pool)
        .await?;
        let tables: Vec<String> = rows
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|t| t != DERIVED)
            .collect();
        let edges: Vec<(String, String)> = sqlx::query(
            "SELECT c.relname::text, p.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
             WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
        Ok(parents_first(&tables, &edges))
    }

    pub(crate) async fn snapshot_tables(&self) -> StoreResult<()> {
        let tables = self.tables().await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("CREATE SCHEMA {PG_SCHEMA}"))
            .execute(&mut *tx)
            .await?;
        for t in &tables {
            sqlx::query(&format!(
                "CREATE TABLE {PG_SCHEMA}.{q} AS SELECT * FROM {q}",
                q = quoted(t)
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn restore_tables(&self) -> StoreResult<bool> {
        let copied: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = $1")
                .bind(PG_SCHEMA)
                .fetch_all(&self.pool)
                .await?;
        if copied.is_empty() {
            return Ok(false);
        }
        let tables = self.tables().await?;
        let mut tx = self.pool.begin().await?;
        let all: Vec<String> = tables
            .iter()
            .map(|t| quoted(t))
            .chain(std::iter::once(quoted(DERIVED)))
            .collect();
        sqlx::query(&format!("TRUNCATE {}", all.join(", ")))
            .execute(&mut *tx)
            .await?;
        for t in tables.iter().filter(|t| copied.contains(t)) {
            let cols: Vec<String> = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            )
            .bind(t)
            .fetch_all(&mut *tx)
            .await?;
            let cols = cols
                .iter()
                .map(|c| quoted(c))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(&format!(
                "INSERT INTO {q} ({cols}) SELECT {cols} FROM {PG_SCHEMA}.{q}",
                q = quoted(t)
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::parents_first;

    #[test]
    fn parents_come_first() {
        let tables: Vec<String> = ["c", "b", "a"].iter().map(|s| s.to_string()).collect();
        let edges = vec![
            ("c".to_string(), "b".to_string()),
            ("b".to_string(), "a".to_string()),
            ("b".to_string(), "b".to_string()),
        ];
        assert_eq!(parents_first(&tables, &edges), ["a", "b", "c"]);
    }
}
