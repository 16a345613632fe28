//! The session store, written once for both backends: its statements use only `$n`
//! parameters, plain columns, `CASE` and `RETURNING`, and JSON bound through
//! `sqlx::types::Json`, which SQLite (TEXT) and PostgreSQL (JSONB) read alike.
//! `impl_session_store!` expands it for a store type given the pool it writes through and the
//! pool it reads from; the expansion site's `insert_event` writes the System Log rows in the
//! same transaction.
//!
//! Invariants:
//! - a token is redeemed by deleting its row (`DELETE ... RETURNING`): of two concurrent
//!   takes, the second finds no row, so a token starts at most one session;
//! - a session is live while `now < idle_expires_at`, and `idle_expires_at` never passes a
//!   non-zero `max_expires_at` (a refresh clamps it in the same statement);
//! - every write that changes a session commits together with its event, or not at all.

pub(crate) const TOKEN_COLUMNS: &str = "token_hash, user_id, amr, mfa_active, \
     password_verified, factor_verified, created, expires_at";

pub(crate) const INSERT_TOKEN: &str = "INSERT INTO session_tokens (token_hash, user_id, amr, \
     mfa_active, password_verified, factor_verified, created, expires_at) VALUES ($1, $2, $3, \
     $4, $5, $6, $7, $8)";

pub(crate) const COLUMNS: &str = "id, user_id, login, status, amr, idp_id, idp_type, \
     mfa_active, created, last_password_verification, last_factor_verification, idle_ms, \
     idle_expires_at, max_expires_at, persistent_cookie, cookie_hash, version";

pub(crate) const INSERT: &str = "INSERT INTO sessions (id, user_id, login, status, amr, \
     idp_id, idp_type, mfa_active, created, last_password_verification, \
     last_factor_verification, idle_ms, idle_expires_at, max_expires_at, persistent_cookie, \
     cookie_hash, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
     $14, $15, $16, $17)";

/// Live at `$2`: the idle expiry has not passed (nor the maximum, which bounds it anyway).
pub(crate) const LIVE: &str =
    "idle_expires_at > $2 AND (max_expires_at = 0 OR max_expires_at > $2)";

/// The idle expiry a refresh at `$2` sets: `$2 + idle_ms`, clamped to a non-zero maximum.
pub(crate) const REFRESHED_EXPIRY: &str = "CASE WHEN max_expires_at > 0 AND \
     $2 + idle_ms > max_expires_at THEN max_expires_at ELSE $2 + idle_ms END";

macro_rules! impl_session_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::SessionStore for $store {
            async fn insert_session_token(
                &self,
                t: &$crate::SessionTokenRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM session_tokens WHERE expires_at <= $1")
                    .bind(t.created)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query($crate::session_sql::INSERT_TOKEN)
                    .bind(&t.token_hash)
                    .bind(&t.user_id)
                    .bind(sqlx::types::Json(&t.amr))
                    .bind(t.mfa_active)
                    .bind(t.password_verified)
                    .bind(t.factor_verified)
                    .bind(t.created)
                    .bind(t.expires_at)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_session_token(
                &self,
                token_hash: &str,
                now: i64,
            ) -> $crate::StoreResult<Option<$crate::SessionTokenRecord>> {
                let sql = format!(
                    "DELETE FROM session_tokens WHERE token_hash = $1 AND expires_at > $2 \
                     RETURNING {}",
                    $crate::session_sql::TOKEN_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.$write)
                    .await?)
            }

            async fn insert_session(
                &self,
                s: &$crate::SessionRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND idle_expires_at <= $2")
                    .bind(&s.user_id)
                    .bind(s.created)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query($crate::session_sql::INSERT)
                    .bind(&s.id)
                    .bind(&s.user_id)
                    .bind(&s.login)
                    .bind(&s.status)
                    .bind(sqlx::types::Json(&s.amr))
                    .bind(&s.idp_id)
                    .bind(&s.idp_type)
                    .bind(s.mfa_active)
                    .bind(s.created)
                    .bind(s.last_password_verification)
                    .bind(s.last_factor_verification)
                    .bind(s.idle_ms)
                    .bind(s.idle_expires_at)
                    .bind(s.max_expires_at)
                    .bind(s.persistent_cookie)
                    .bind(&s.cookie_hash)
                    .bind(s.version)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_by_id(
                &self,
                id: &str,
                now: i64,
            ) -> $crate::StoreResult<Option<$crate::SessionRecord>> {
                let sql = format!(
                    "SELECT {} FROM sessions WHERE id = $1 AND {}",
                    $crate::session_sql::COLUMNS,
                    $crate::session_sql::LIVE
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .bind(now)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn session_by_cookie(
                &self,
                cookie_hash: &str,
                now: i64,
            ) -> $crate::StoreResult<Option<$crate::SessionRecord>> {
                let sql = format!(
                    "SELECT {} FROM sessions WHERE cookie_hash = $1 AND {}",
                    $crate::session_sql::COLUMNS,
                    $crate::session_sql::LIVE
                );
                Ok(sqlx::query_as(&sql)
                    .bind(cookie_hash)
                    .bind(now)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn refresh_session(
                &self,
                id: &str,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<Option<$crate::SessionRecord>> {
                let sql = format!(
                    "UPDATE sessions SET idle_expires_at = {}, version = version + 1 \
                     WHERE id = $1 AND {} RETURNING {}",
                    $crate::session_sql::REFRESHED_EXPIRY,
                    $crate::session_sql::LIVE,
                    $crate::session_sql::COLUMNS
                );
                let mut tx = self.$write.begin().await?;
                let saved: Option<$crate::SessionRecord> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(saved) = saved else {
                    return Ok(None);
                };
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(Some(saved))
            }

            async fn delete_session(
                &self,
                id: &str,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let sql = format!(
                    "DELETE FROM sessions WHERE id = $1 AND {}",
                    $crate::session_sql::LIVE
                );
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(&sql)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_user_sessions(
                &self,
                user_id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<u64> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM session_tokens WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn purge_sessions(&self, now: i64) -> $crate::StoreResult<u64> {
                let mut tx = self.$write.begin().await?;
                let sessions = sqlx::query("DELETE FROM sessions WHERE idle_expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let tokens = sqlx::query("DELETE FROM session_tokens WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(sessions.rows_affected() + tokens.rows_affected())
            }
        }
    };
}

pub(crate) use impl_session_store;
