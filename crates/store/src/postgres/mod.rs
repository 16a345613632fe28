//! The PostgreSQL backend, for teams that outgrow one machine: stateless Latchkey nodes share
//! one database, so every answer is the same whichever node gives it.

mod apps;
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
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

use crate::{Store, StoreError, StoreResult};

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
}

/// The advisory lock that orders event commits (an arbitrary constant, per database).
pub(crate) const EVENT_ORDER_LOCK: i64 = 0x4c4b_4556_4e54;

/// Appends an event inside the caller's transaction; callers write events last, just before
/// commit. The transaction-scoped advisory lock makes event transactions take their `seq`
/// and commit one after another, so `seq` order is commit order and a poller never finds an
/// event appearing behind its cursor.
pub(crate) async fn insert_event(
    conn: &mut sqlx::PgConnection,
    event: &crate::EventRecord,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(EVENT_ORDER_LOCK)
        .execute(&mut *conn)
        .await?;
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

crate::factor_sql::impl_factor_store!(PgStore, pool, pool);
crate::user_change_sql::impl_user_change_store!(
    PgStore,
    pool,
    users::USER_COLUMNS,
    None,
    " FOR UPDATE"
);
crate::rate_limit_sql::impl_rate_limit_store!(PgStore, pool);
crate::outbox_sql::impl_outbox_store!(PgStore, pool, " FOR UPDATE SKIP LOCKED");
crate::authenticator_sql::impl_authenticator_store!(PgStore, pool, pool);
crate::user_type_sql::impl_user_type_store!(PgStore, pool, pool);
crate::profile_schema_sql::impl_profile_schema_store!(PgStore, pool, pool);
crate::linked_object_sql::impl_linked_object_store!(PgStore, pool, pool);
crate::app_csr_sql::impl_app_csr_store!(PgStore, pool, pool);
crate::oauth_sql::impl_oauth_store!(PgStore, pool, pool);
crate::lockout_sql::impl_lockout_store!(PgStore, pool);
crate::session_sql::impl_session_store!(PgStore, pool, pool);
crate::authn_sql::impl_authn_store!(
    PgStore,
    pool,
    pool,
    "(secrets->>'activationTokenHash')",
    "(secrets->>'resetTokenHash')",
    users::USER_COLUMNS
);
