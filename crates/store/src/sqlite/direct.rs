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
use crate::{EventRecord, StoreError, StoreResult, UserRecord};

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

/// The file of a `sqlite://` URL; None for an in-memory database.
fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

impl DirectReader {
    /// A reader on the file of a `sqlite://` URL; None for an in-memory database.
    pub(crate) fn for_url(url: &str) -> Option<Self> {
        Some(Self {
            path: file_of(url)?,
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

/// A user creation as one transaction on a read-write connection of its own, run on a
/// blocking-pool thread: sqlx would pass each of its statements to its connection thread and
/// back, and under load the single writer spent most of each creation waiting for those
/// hops (perf: task switches and futex wake-ups above SQLite itself). The caller's hold on
/// sqlx's one writer connection lasts until the transaction ends, so SQLite still sees one
/// writer at a time. The statements are the shared texts of `user_sql`, `rule_queue_sql`
/// and `event_sql`.
#[derive(Debug, Clone)]
pub(crate) struct DirectWriter {
    path: PathBuf,
    conn: Arc<Mutex<Option<Connection>>>,
}

impl DirectWriter {
    /// A writer on the file of a `sqlite://` URL; None for an in-memory database.
    pub(crate) fn for_url(url: &str) -> Option<Self> {
        Some(Self {
            path: file_of(url)?,
            conn: Arc::default(),
        })
    }

    /// Inserts `user`, its memberships of `group_ids` and `events`, as the sqlx path does.
    pub(crate) async fn insert_user(
        &self,
        hold: &sqlx::SqlitePool,
        user: UserRecord,
        group_ids: Vec<String>,
        events: Vec<EventRecord>,
    ) -> StoreResult<()> {
        let held = hold.acquire().await?;
        let writer = self.clone();
        tokio::task::spawn_blocking(move || {
            let done = writer.transaction(|tx| write_user(tx, &user, &group_ids, &events));
            drop(held);
            done
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("a write thread failed: {e}")))?
    }

    fn transaction(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> StoreResult<()> {
        let mut slot = self
            .conn
            .lock()
            .map_err(|_| StoreError::Corrupt("the direct writer is poisoned".into()))?;
        if slot.is_none() {
            let conn = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            // As sqlx's connections are set up (see `SqliteStore::connect`).
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA journal_size_limit = 67108864;",
            )?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(StoreError::Corrupt("no direct writer connection".into()));
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(write_error)?;
        f(&tx).map_err(write_error)?;
        tx.commit().map_err(write_error)?;
        Ok(())
    }
}

/// Binds `values` to `$1`, `$2`, … by name (a statement may name them in any order).
fn bind_all(
    statement: &mut rusqlite::CachedStatement<'_>,
    values: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    for (i, value) in values.iter().enumerate() {
        if let Some(index) = statement.parameter_index(&format!("${}", i + 1))? {
            statement.raw_bind_parameter(index, value)?;
        }
    }
    Ok(())
}

fn json_text<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn write_user(
    tx: &rusqlite::Transaction<'_>,
    user: &UserRecord,
    group_ids: &[String],
    events: &[EventRecord],
) -> rusqlite::Result<()> {
    let profile = json_text(&user.profile)?;
    let secrets = json_text(&user.secrets)?;
    let login_lower = user.login_lower();
    let mut insert = tx.prepare_cached(crate::user_sql::INSERT_USER)?;
    bind_all(
        &mut insert,
        &[
            &user.id,
            &user.status,
            &user.transitioning_to_status,
            &user.created,
            &user.activated,
            &user.status_changed,
            &user.last_login,
            &user.last_updated,
            &user.password_changed,
            &user.type_id,
            &login_lower,
            &profile,
            &user.password_hash,
            &user.recovery_question,
            &user.recovery_answer_hash,
            &user.provider_type,
            &user.provider_name,
            &secrets,
        ],
    )?;
    insert.raw_execute()?;
    let mut enqueue = tx.prepare_cached(crate::rule_queue_sql::ENQUEUE)?;
    bind_all(&mut enqueue, &[&user.id, &user.created])?;
    enqueue.raw_execute()?;
    let mut sorted: Vec<&String> = group_ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    if !sorted.is_empty() {
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&user.created];
        values.extend(sorted.iter().map(|id| *id as &dyn rusqlite::ToSql));
        let touch = crate::user_sql::touch_new_member_groups_sql(
            &super::filter::SqliteDialect,
            sorted.len(),
        );
        let mut statement = tx.prepare_cached(&touch)?;
        bind_all(&mut statement, &values)?;
        statement.raw_execute()?;
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&user.id, &user.created];
        values.extend(sorted.iter().map(|id| *id as &dyn rusqlite::ToSql));
        let members = crate::user_sql::insert_new_memberships_sql(sorted.len());
        let mut statement = tx.prepare_cached(&members)?;
        bind_all(&mut statement, &values)?;
        statement.raw_execute()?;
    }
    if !events.is_empty() {
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let (attrs, keywords) = crate::event_index::index(&event.body);
            rows.push((json_text(&event.body)?, json_text(&attrs)?, keywords));
        }
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(events.len() * 6);
        for (event, (body, attrs, keywords)) in events.iter().zip(&rows) {
            values.extend([
                &event.id as &dyn rusqlite::ToSql,
                &event.published,
                &event.event_type,
                body,
                attrs,
                keywords,
            ]);
        }
        let sql = crate::event_sql::insert_events_sql(events.len());
        let mut statement = tx.prepare_cached(&sql)?;
        bind_all(&mut statement, &values)?;
        statement.raw_execute()?;
    }
    Ok(())
}

/// A refused write as `StoreError::from_write` maps sqlx's: a unique violation names its
/// field, a missing row it refers to is NotFound.
fn write_error(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(e, message) = &err {
        let text = message.as_deref().unwrap_or_default();
        match e.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                let field = if text.contains("unique_values") {
                    "unique"
                } else if text.contains("login") {
                    "login"
                } else if text.contains("group_members") {
                    "membership"
                } else {
                    "id"
                };
                return StoreError::Duplicate { field };
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::NotFound,
            _ => {}
        }
    }
    StoreError::Direct(err)
}
