//! The embedded SQLite backend: one file in the data folder, WAL journal, a single writer
//! connection (SQLite allows one writer at a time; queuing in the pool beats SQLITE_BUSY) and
//! a pool of readers.

mod apps;
mod direct;
mod event_hooks;
mod events;
pub mod filter;
mod group_rules;
mod groups;
mod inline_hooks;
mod org;
mod policies;
mod tokens;
mod trusted_origins;
mod users;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

use crate::{Store, StoreError, StoreResult};

/// SQLite store: `write` has exactly one connection, `read` several.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
    /// User reads without sqlx's connection threads (None for an in-memory database).
    pub(crate) direct: Option<direct::DirectReader>,
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
}

/// Appends an event inside the caller's transaction.
pub(crate) async fn insert_event(
    conn: &mut sqlx::SqliteConnection,
    event: &crate::EventRecord,
) -> StoreResult<()> {
    let (attrs, keywords) = crate::event_index::index(&event.body);
    sqlx::query(
        "INSERT INTO log_events (id, published, event_type, body, attrs, keywords) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&event.id)
    .bind(event.published)
    .bind(&event.event_type)
    .bind(sqlx::types::Json(&event.body))
    .bind(sqlx::types::Json(&attrs))
    .bind(keywords)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

crate::factor_sql::impl_factor_store!(SqliteStore, write, read);
crate::user_change_sql::impl_user_change_store!(
    SqliteStore,
    write,
    users::USER_COLUMNS,
    Some("UPDATE users SET version = version WHERE id = $1"),
    ""
);
crate::rate_limit_sql::impl_rate_limit_store!(SqliteStore, write);
crate::outbox_sql::impl_outbox_store!(SqliteStore, write, "");
crate::authenticator_sql::impl_authenticator_store!(SqliteStore, write, read);
crate::user_type_sql::impl_user_type_store!(SqliteStore, write, read);
crate::profile_schema_sql::impl_profile_schema_store!(SqliteStore, write, read);
crate::linked_object_sql::impl_linked_object_store!(SqliteStore, write, read);
crate::app_csr_sql::impl_app_csr_store!(SqliteStore, write, read);
crate::oauth_sql::impl_oauth_store!(SqliteStore, write, read);
crate::lockout_sql::impl_lockout_store!(SqliteStore, write);
crate::session_sql::impl_session_store!(SqliteStore, write, read);
crate::authn_sql::impl_authn_store!(
    SqliteStore,
    write,
    read,
    "json_extract(secrets, '$.activationTokenHash')",
    "json_extract(secrets, '$.resetTokenHash')",
    users::USER_COLUMNS
);
