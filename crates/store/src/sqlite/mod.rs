//! The embedded SQLite backend: one file in the data folder, WAL journal, a single writer
//! connection (SQLite allows one writer at a time; queuing in the pool beats SQLITE_BUSY) and
//! a pool of readers.

mod direct;
pub mod filter;

pub(crate) use direct::DirectReader;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

use crate::{Store, StoreResult};

/// SQLite store: `write` has exactly one connection, `read` several.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
    /// User reads without sqlx's connection threads (None for an in-memory database).
    pub(crate) direct: Option<direct::DirectReader>,
    /// User creations without sqlx's connection threads (None for an in-memory database).
    pub(crate) direct_writer: Option<direct::DirectWriter>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a plain path) and
    /// applies the migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // After a checkpoint starts the WAL over, its file shrinks back to 64 MiB.
            .pragma("journal_size_limit", "67108864");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get().max(2) * 2);
        let read = SqlitePoolOptions::new()
            .max_connections(u32::try_from(readers).unwrap_or(4))
            .connect_with(options.read_only(true))
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&write).await?;
        Ok(Self {
            write,
            read,
            direct: direct::DirectReader::for_url(&url),
            direct_writer: direct::DirectWriter::for_url(&url),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn snapshot(&self) -> StoreResult<()> {
        self.snapshot_tables().await
    }

    async fn restore(&self) -> StoreResult<bool> {
        self.restore_tables().await
    }

    async fn clear_system_log(&self) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM log_events")
            .execute(&self.write)
            .await?
            .rows_affected())
    }
}

impl SqliteStore {
    /// The reader of users that bypasses sqlx's connection threads (None in memory).
    pub(crate) fn direct(&self) -> Option<&direct::DirectReader> {
        self.direct.as_ref()
    }
}

crate::stamp::stamp_store!(
    SqliteStore,
    sqlx::Sqlite,
    write,
    read,
    crate::sqlite::filter::SqliteDialect
);

/// Nothing to take: the single writer connection runs one write transaction at a time.
pub(crate) async fn lock(_conn: &mut sqlx::SqliteConnection, _key: &str) -> StoreResult<()> {
    Ok(())
}

/// Nothing to take: the single writer commits in `seq` order.
pub(crate) async fn lock_event_order(_conn: &mut sqlx::SqliteConnection) -> StoreResult<()> {
    Ok(())
}

/// A read transaction: in WAL mode its statements all read the state of its first read.
pub(crate) async fn snapshot(
    pool: &SqlitePool,
) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
    Ok(pool.begin().await?)
}

/// One process owns the file, so nobody else caches its tokens.
pub(crate) async fn token_changed(
    _conn: &mut sqlx::SqliteConnection,
    _id: &str,
) -> StoreResult<()> {
    Ok(())
}

/// No feed: one process owns the file and sees its own token changes.
pub(crate) async fn token_feed(
    _pool: &SqlitePool,
) -> StoreResult<Option<Box<dyn crate::ChangeFeed>>> {
    Ok(None)
}

/// Creates a user through the direct writer, in one hop (None in memory: the sqlx path).
pub(crate) async fn insert_user_at_once(
    store: &SqliteStore,
    user: &crate::UserRecord,
    group_ids: &[String],
    events: &[crate::EventRecord],
) -> Option<StoreResult<()>> {
    let writer = store.direct_writer.as_ref()?;
    Some(
        writer
            .insert_user(
                &store.write,
                user.clone(),
                group_ids.to_vec(),
                events.to_vec(),
            )
            .await,
    )
}

/// Nothing to refresh: SQLite plans without statistics unless ANALYZE ran, and this store
/// never runs it, so plans do not change with an import.
pub(crate) async fn after_import_all(_write: &SqlitePool) -> StoreResult<()> {
    Ok(())
}

/// A long import beside a busy server may never meet the quiet instant the automatic
/// (passive) checkpoint needs to start the WAL over, and the WAL would grow by the whole
/// import. After each batch, checkpoint and wait (busy timeout) for the readers of older
/// frames to finish, so the WAL restarts; a refusal (busy) is tried next batch.
pub(crate) async fn after_import(write: &SqlitePool) -> StoreResult<()> {
    sqlx::query("PRAGMA wal_checkpoint(RESTART)")
        .execute(write)
        .await?;
    Ok(())
}
