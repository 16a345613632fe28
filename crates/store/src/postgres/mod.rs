//! The PostgreSQL backend, for teams that outgrow one machine: stateless Latchkey nodes share
//! one database, so every answer is the same whichever node gives it.

pub mod filter;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

use crate::{Store, StoreResult};

/// PostgreSQL store over one connection pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and applies the migrations (serialised by sqlx's advisory lock, so
    /// nodes starting together migrate once).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn snapshot(&self) -> StoreResult<()> {
        self.snapshot_tables().await
    }

    async fn restore(&self) -> StoreResult<bool> {
        self.restore_tables().await
    }

    async fn clear_system_log(&self) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM log_events")
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

impl PgStore {
    /// PostgreSQL reads users through its pool: there is no direct reader.
    pub(crate) fn direct(&self) -> Option<&crate::sqlite::DirectReader> {
        None
    }
}

crate::stamp::stamp_store!(
    PgStore,
    sqlx::Postgres,
    pool,
    pool,
    crate::postgres::filter::PostgresDialect
);

/// The advisory lock that orders event commits (an arbitrary constant, per database).
const EVENT_ORDER_LOCK: i64 = 0x4c4b_4556_4e54;

/// Takes the transaction-scoped advisory lock on `key`: transactions on one key (a priority
/// list, the org bootstrap) run one after another across nodes, each reading what the one
/// before committed.
pub(crate) async fn lock(conn: &mut sqlx::PgConnection, key: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Event transactions take their `seq` and commit one after another, under a transaction-
/// scoped advisory lock taken just before the first event is written.
pub(crate) async fn lock_event_order(conn: &mut sqlx::PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(EVENT_ORDER_LOCK)
        .execute(conn)
        .await?;
    Ok(())
}

/// A read-only transaction whose statements all see one snapshot.
pub(crate) async fn snapshot(
    pool: &PgPool,
) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The notification channel of token changes; the payload is the token id.
const TOKEN_CHANNEL: &str = "latchkey_api_tokens";

/// Tells every listening node, when the transaction commits, that a token changed.
pub(crate) async fn token_changed(conn: &mut sqlx::PgConnection, id: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(TOKEN_CHANNEL)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Token changes through LISTEN on a connection of its own.
pub(crate) async fn token_feed(pool: &PgPool) -> StoreResult<Option<Box<dyn crate::ChangeFeed>>> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(TOKEN_CHANNEL).await?;
    Ok(Some(Box::new(TokenFeed { listener })))
}

struct TokenFeed {
    listener: sqlx::postgres::PgListener,
}

#[async_trait]
impl crate::ChangeFeed for TokenFeed {
    async fn next(&mut self) -> StoreResult<Option<String>> {
        Ok(self
            .listener
            .try_recv()
            .await?
            .map(|n| n.payload().to_owned()))
    }
}

/// A creation is one transaction on the pool (PostgreSQL connections need no thread hops).
pub(crate) async fn insert_user_at_once(
    _store: &PgStore,
    _user: &crate::UserRecord,
    _group_ids: &[String],
    _events: &[crate::EventRecord],
) -> Option<StoreResult<()>> {
    None
}

/// Brings the statistics of the tables an import grows up to date.
pub(crate) async fn after_import_all(pool: &PgPool) -> StoreResult<()> {
    sqlx::raw_sql("ANALYZE users, group_members, log_events")
        .execute(pool)
        .await?;
    Ok(())
}

/// Nothing to tidy after an import.
pub(crate) async fn after_import(_pool: &PgPool) -> StoreResult<()> {
    Ok(())
}
