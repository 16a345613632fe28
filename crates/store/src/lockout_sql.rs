//! The password-attempt counters of the lockout policy, written once for both backends (plain
//! columns, `CASE`, upserts with a `WHERE` and `RETURNING`, which SQLite and PostgreSQL spell
//! alike). `impl_lockout_store!` expands it for a store type given its writing pool; the
//! expansion site's `insert_event` writes a finished attempt's events in its transaction.
//!
//! Invariants:
//! - a password is verified only under a reservation: `reserve` grants one while
//!   `failures + pending < max_attempts` (no limit when `max_attempts <= 0`) and the user is
//!   not locked, in one conditional statement, so concurrent sign-ins on any number of nodes
//!   never verify more than `max_attempts` passwords between unlocks;
//! - `finish` turns a reservation into a failure (locking at `max_attempts`) or a success
//!   (the failure count starts over unless another attempt locked the user meanwhile);
//! - reservations older than the caller's `stale_before` (a node that died mid-attempt) no
//!   longer hold a slot.

/// Grants a reservation: `$1` user, `$2` now, `$3` max attempts, `$4` stale-before.
pub(crate) const RESERVE: &str = "INSERT INTO login_attempts (user_id, failures, last_failure, \
     locked_at, pending, pending_at) VALUES ($1, 0, 0, NULL, 1, $2) \
     ON CONFLICT (user_id) DO UPDATE SET \
     pending = CASE WHEN login_attempts.pending_at < $4 THEN 1 \
     ELSE login_attempts.pending + 1 END, pending_at = $2 \
     WHERE login_attempts.locked_at IS NULL AND ($3 <= 0 OR login_attempts.failures + \
     CASE WHEN login_attempts.pending_at < $4 THEN 0 ELSE login_attempts.pending END < $3) \
     RETURNING failures, last_failure, locked_at";

/// A reservation that failed: `$1` user, `$2` now, `$3` max attempts. A row cleared in the
/// meantime (an unlock) starts over at one failure.
pub(crate) const FAILED: &str = "INSERT INTO login_attempts (user_id, failures, last_failure, \
     locked_at, pending, pending_at) \
     VALUES ($1, 1, $2, CASE WHEN $3 > 0 AND 1 >= $3 THEN $2 ELSE NULL END, 0, 0) \
     ON CONFLICT (user_id) DO UPDATE SET \
     failures = login_attempts.failures + 1, last_failure = $2, \
     pending = CASE WHEN login_attempts.pending > 0 THEN login_attempts.pending - 1 ELSE 0 END, \
     locked_at = COALESCE(login_attempts.locked_at, \
     CASE WHEN $3 > 0 AND login_attempts.failures + 1 >= $3 THEN $2 ELSE NULL END) \
     RETURNING failures, last_failure, locked_at";

/// A reservation that succeeded: `$1` user. The count starts over, unless the user was locked
/// while this attempt ran.
pub(crate) const SUCCEEDED: &str = "UPDATE login_attempts SET \
     failures = CASE WHEN locked_at IS NULL THEN 0 ELSE failures END, \
     pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END \
     WHERE user_id = $1 RETURNING failures, last_failure, locked_at";

pub(crate) const READ: &str =
    "SELECT failures, last_failure, locked_at FROM login_attempts WHERE user_id = $1";

macro_rules! impl_lockout_store {
    ($store:ty, $write:ident) => {
        #[async_trait::async_trait]
        impl $crate::LockoutStore for $store {
            async fn reserve_login_attempt(
                &self,
                user_id: &str,
                now: i64,
                max_attempts: i64,
                stale_before: i64,
            ) -> $crate::StoreResult<$crate::AttemptReservation> {
                let granted: Option<$crate::LoginFailuresRecord> =
                    sqlx::query_as($crate::lockout_sql::RESERVE)
                        .bind(user_id)
                        .bind(now)
                        .bind(max_attempts)
                        .bind(stale_before)
                        .fetch_optional(&self.$write)
                        .await
                        .map_err($crate::StoreError::from_write)?;
                if let Some(row) = granted {
                    return Ok($crate::AttemptReservation::Granted(row));
                }
                let row = sqlx::query_as($crate::lockout_sql::READ)
                    .bind(user_id)
                    .fetch_optional(&self.$write)
                    .await?;
                Ok($crate::AttemptReservation::Refused(row))
            }

            async fn finish_login_attempt(
                &self,
                user_id: &str,
                now: i64,
                max_attempts: i64,
                matched: bool,
                events: &[$crate::EventRecord],
            ) -> $crate::StoreResult<$crate::LoginFailuresRecord> {
                let mut tx = self.$write.begin().await?;
                let counter = if matched {
                    let row: Option<$crate::LoginFailuresRecord> =
                        sqlx::query_as($crate::lockout_sql::SUCCEEDED)
                            .bind(user_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    row.unwrap_or($crate::LoginFailuresRecord {
                        failures: 0,
                        last_failure: 0,
                        locked_at: None,
                    })
                } else {
                    sqlx::query_as($crate::lockout_sql::FAILED)
                        .bind(user_id)
                        .bind(now)
                        .bind(max_attempts)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err($crate::StoreError::from_write)?
                };
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(counter)
            }

            async fn login_failures(
                &self,
                user_id: &str,
            ) -> $crate::StoreResult<Option<$crate::LoginFailuresRecord>> {
                Ok(sqlx::query_as($crate::lockout_sql::READ)
                    .bind(user_id)
                    .fetch_optional(&self.$write)
                    .await?)
            }

            async fn clear_login_failures(&self, user_id: &str) -> $crate::StoreResult<()> {
                sqlx::query("DELETE FROM login_attempts WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.$write)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_lockout_store;
