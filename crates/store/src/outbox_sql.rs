//! The message outbox, written once for both backends: messages to users are written in the
//! transaction of the change that needs them and delivered afterwards by a worker on any
//! node. `impl_outbox_store!` expands it for a store type given its writing pool and the
//! clause that lets concurrent claimers pass over rows another is claiming (PostgreSQL's
//! `FOR UPDATE SKIP LOCKED`; SQLite has one writer and needs none).
//!
//! Invariants:
//! - a message exists once its transaction commits, and not before (a crash loses none);
//! - of concurrent claimers (any node), exactly one gets a due message, until its lease ends;
//! - a delivered or abandoned message is deleted.

pub(crate) const COLUMNS: &str = "id, channel, user_id, payload, created, expires_at, attempts, \
     next_attempt_at, locked_until, last_error";

pub(crate) const INSERT: &str = "INSERT INTO outbox_messages (id, channel, user_id, payload, \
     created, expires_at, attempts, next_attempt_at, locked_until, last_error) \
     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, NULL, NULL)";

/// Inserts `messages` on `conn` (inside the caller's transaction).
macro_rules! insert_messages {
    ($conn:expr, $messages:expr) => {
        for m in $messages {
            sqlx::query($crate::outbox_sql::INSERT)
                .bind(&m.id)
                .bind(&m.channel)
                .bind(&m.user_id)
                .bind(&m.payload)
                .bind(m.created)
                .bind(m.expires_at)
                .bind(m.next_attempt_at)
                .execute(&mut *$conn)
                .await
                .map_err($crate::StoreError::from_write)?;
        }
    };
}
pub(crate) use insert_messages;

macro_rules! impl_outbox_store {
    ($store:ty, $write:ident, $dialect:expr) => {
        #[async_trait::async_trait]
        impl $crate::OutboxStore for $store {
            async fn enqueue_messages(
                &self,
                messages: &[$crate::OutboxMessage],
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                $crate::outbox_sql::insert_messages!(tx, messages);
                tx.commit().await?;
                Ok(())
            }

            async fn claim_messages(
                &self,
                now: i64,
                lease_ms: i64,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::OutboxMessage>> {
                let sql = format!(
                    "UPDATE outbox_messages SET locked_until = $2 WHERE id IN \
                     (SELECT id FROM outbox_messages WHERE next_attempt_at <= $1 \
                      AND (locked_until IS NULL OR locked_until < $1) \
                      ORDER BY next_attempt_at LIMIT $3{}) \
                     AND (locked_until IS NULL OR locked_until < $1) RETURNING {}",
                    $crate::filter_sql::SqlDialect::skip_locked(&$dialect),
                    $crate::outbox_sql::COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(now)
                    .bind(now + lease_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.$write)
                    .await?)
            }

            async fn finish_message(
                &self,
                id: &str,
                outcome: &$crate::MessageOutcome,
            ) -> $crate::StoreResult<()> {
                match outcome {
                    $crate::MessageOutcome::Done => {
                        sqlx::query("DELETE FROM outbox_messages WHERE id = $1")
                            .bind(id)
                            .execute(&self.$write)
                            .await?;
                    }
                    $crate::MessageOutcome::Retry {
                        next_attempt_at,
                        error,
                    } => {
                        sqlx::query(
                            "UPDATE outbox_messages SET attempts = attempts + 1, \
                             next_attempt_at = $2, last_error = $3, locked_until = NULL \
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(*next_attempt_at)
                        .bind(error)
                        .execute(&self.$write)
                        .await?;
                    }
                    $crate::MessageOutcome::Keep {
                        recipient,
                        subject,
                        kept_at,
                    } => {
                        let mut tx = self.$write.begin().await?;
                        sqlx::query(
                            "INSERT INTO kept_mail (id, user_id, recipient, subject, payload, \
                             kept_at) SELECT id, user_id, $2, $3, payload, $4 \
                             FROM outbox_messages WHERE id = $1",
                        )
                        .bind(id)
                        .bind(recipient)
                        .bind(subject)
                        .bind(*kept_at)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM outbox_messages WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                    }
                }
                Ok(())
            }

            async fn purge_kept_mail(&self, before: i64) -> $crate::StoreResult<u64> {
                Ok(sqlx::query("DELETE FROM kept_mail WHERE kept_at < $1")
                    .bind(before)
                    .execute(&self.$write)
                    .await?
                    .rows_affected())
            }

            async fn kept_mail(
                &self,
                recipient: Option<&str>,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::KeptMailRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, user_id, recipient, subject, payload, kept_at FROM kept_mail \
                     WHERE (CAST($1 AS TEXT) IS NULL OR lower(recipient) = lower(CAST($1 AS TEXT))) \
                     ORDER BY seq DESC LIMIT $2",
                )
                .bind(recipient)
                .bind(i64::from(limit))
                .fetch_all(&self.$write)
                .await?)
            }

            async fn pending_messages(&self) -> $crate::StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_messages")
                    .fetch_one(&self.$write)
                    .await?;
                Ok(n)
            }
        }
    };
}
pub(crate) use impl_outbox_store;
