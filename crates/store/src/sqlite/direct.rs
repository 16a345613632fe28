//! User reads straight through SQLite's C library (rusqlite) instead of sqlx's connection
//! threads.
//!
//! sqlx runs each SQLite connection on its own thread and passes every command and every row
//! over a channel: a point look-up costs two thread switches, a page of 200 users about 200
//! wake-ups, and on a small machine those switches were most of the cost of `GET
//! /api/v1/users/{id}` (perf: the scheduler's task switch and wake-up at the top of the
//! profile). Here a point look-up runs on the calling thread (a few microseconds on an indexed
//! key), and a page of users runs on a blocking-pool thread, one hop there and back.
//!
//! The connections are read-only, opened on the same file; in WAL mode each statement reads
//! the last committed state, as sqlx's readers do.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::filter_sql::SqlValue;
use crate::{StoreError, StoreResult, UserRecord};

/// Idle connections kept for reuse.
const KEPT: usize = 8;
/// Pages read at once on blocking threads (more wait): bounds the threads and connections a
/// burst of list calls holds.
const PAGE_READERS: usize = 4;

/// Read-only connections on the store's file, taken one per read and given back.
#[derive(Debug, Clone)]
pub(crate) struct DirectReader {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    page_readers: Arc<tokio::sync::Semaphore>,
}

impl DirectReader {
    /// A reader on the file of a `sqlite://` URL; None for an in-memory database.
    pub(crate) fn for_url(url: &str) -> Option<Self> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.contains(":memory:") {
            return None;
        }
        Some(Self {
            path: PathBuf::from(path),
            idle: Arc::default(),
            page_readers: Arc::new(tokio::sync::Semaphore::new(PAGE_READERS)),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match taken {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                conn
            }
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEPT {
                idle.push(conn);
            }
        }
        Ok(out?)
    }

    /// The users `sql` selects (its columns those of `USER_COLUMNS`, its parameters `$1`,
    /// `$2`, ...), on the calling thread: for look-ups by a unique key.
    pub(crate) fn users_here(
        &self,
        sql: &str,
        params: &[SqlValue],
    ) -> StoreResult<Vec<UserRecord>> {
        self.with(|conn| {
            let mut statement = conn.prepare_cached(sql)?;
            for (i, value) in params.iter().enumerate() {
                let name = format!("${}", i + 1);
                let Some(index) = statement.parameter_index(&name)? else {
                    continue;
                };
                match value {
                    SqlValue::Text(s) => statement.raw_bind_parameter(index, s)?,
                    SqlValue::Int(n) => statement.raw_bind_parameter(index, n)?,
                    SqlValue::Float(f) => statement.raw_bind_parameter(index, f)?,
                    SqlValue::Bool(b) => statement.raw_bind_parameter(index, b)?,
                }
            }
            let mut rows = statement.raw_query();
            let mut users = Vec::new();
            while let Some(row) = rows.next()? {
                users.push(user_from_row(row)?);
            }
            Ok(users)
        })
    }

    /// [`DirectReader::users_here`] on a blocking-pool thread: for pages and scans.
    pub(crate) async fn users(
        &self,
        sql: String,
        params: Vec<SqlValue>,
    ) -> StoreResult<Vec<UserRecord>> {
        let reader = self.clone();
        let permit = Arc::clone(&self.page_readers)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Corrupt("the page readers are closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let users = reader.users_here(&sql, &params);
            drop(permit);
            users
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("a read thread failed: {e}")))?
    }
}

/// A row of `USER_COLUMNS`, in their order.
fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        status: row.get(1)?,
        transitioning_to_status: row.get(2)?,
        created: row.get(3)?,
        activated: row.get(4)?,
        status_changed: row.get(5)?,
        last_login: row.get(6)?,
        last_updated: row.get(7)?,
        password_changed: row.get(8)?,
        type_id: row.get(9)?,
        profile: json(row, 10)?,
        password_hash: row.get(11)?,
        recovery_question: row.get(12)?,
        recovery_answer_hash: row.get(13)?,
        provider_type: row.get(14)?,
        provider_name: row.get(15)?,
        secrets: json(row, 16)?,
        version: row.get(17)?,
    })
}

fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let bytes = match row.get_ref(index)? {
        ValueRef::Text(b) | ValueRef::Blob(b) => b,
        other => {
            return Err(rusqlite::Error::InvalidColumnType(
                index,
                "JSON".into(),
                other.data_type(),
            ))
        }
    };
    serde_json::from_slice(bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}
