//! Read-modify-write of one user without lost updates, written once for both backends.
//! `impl_user_change_store!` expands it for a store type given its writing pool, the column
//! list and the dialect, which names the statement (if any) that takes the user's write lock
//! before the read and the suffix that locks the row as it is read.
//!
//! Invariants:
//! - the change is applied to the user as it stands under the row's write lock, so two
//!   concurrent changes of one user both land, one after the other (last writer wins per
//!   field it sets), and nobody gets a conflict;
//! - the change and its events commit together, or not at all;
//! - a change of status, type or profile queues the user for group-rule evaluation in the
//!   same transaction.

/// Writes every mutable column; `$1` is the id. No version check: the row is locked.
pub(crate) const UPDATE_ALL: &str = "UPDATE users SET status = $2, \
     transitioning_to_status = $3, activated = $4, status_changed = $5, last_login = $6, \
     last_updated = $7, password_changed = $8, type_id = $9, login_lower = $10, profile = $11, \
     password_hash = $12, recovery_question = $13, recovery_answer_hash = $14, \
     provider_type = $15, provider_name = $16, secrets = $17, version = version + 1 \
     WHERE id = $1";

/// [`UPDATE_ALL`] for a user as the caller saw it: only if it is still version `$18`.
pub(crate) const UPDATE_ALL_SEEN: &str = "UPDATE users SET status = $2, \
     transitioning_to_status = $3, activated = $4, status_changed = $5, last_login = $6, \
     last_updated = $7, password_changed = $8, type_id = $9, login_lower = $10, profile = $11, \
     password_hash = $12, recovery_question = $13, recovery_answer_hash = $14, \
     provider_type = $15, provider_name = $16, secrets = $17, version = version + 1 \
     WHERE id = $1 AND version = $18";

macro_rules! impl_user_change_store {
    ($store:ty, $write:ident, $columns:expr, $dialect:expr) => {
        /// The change of `modify_user` inside the caller's transaction. With `seen` (the user
        /// as the caller read it) nothing is read: the write goes only if the user is still
        /// that version, else `StoreError::Conflict` (the caller rolls back and takes the
        /// locked path).
        async fn modify_in(
            tx: &mut sqlx::Transaction<'_, <$store as $crate::StoreDb>::Db>,
            id: &str,
            seen: Option<&$crate::UserRecord>,
            change: &mut (dyn for<'u> FnMut(&'u mut $crate::UserRecord) -> $crate::UserChange
                      + Send),
        ) -> $crate::StoreResult<Option<$crate::UserRecord>> {
            let mut user = match seen {
                Some(seen) => seen.clone(),
                None => {
                    let lock_first = $crate::filter_sql::SqlDialect::write_lock_user(&$dialect);
                    if let Some(sql) = lock_first {
                        sqlx::query(sql).bind(id).execute(&mut **tx).await?;
                    }
                    let sql = format!(
                        "SELECT {} FROM users WHERE id = $1{}",
                        $columns,
                        $crate::filter_sql::SqlDialect::for_update(&$dialect)
                    );
                    let found: Option<$crate::UserRecord> = sqlx::query_as(&sql)
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    match found {
                        Some(user) => user,
                        None => return Ok(None),
                    }
                }
            };
            let before = (
                user.status.clone(),
                user.type_id.clone(),
                user.profile.clone(),
            );
            let events = match change(&mut user) {
                $crate::UserChange::Keep => return Ok(Some(user)),
                $crate::UserChange::Write(events) => events,
            };
            user.id = id.to_owned();
            let sql = if seen.is_some() {
                $crate::user_change_sql::UPDATE_ALL_SEEN
            } else {
                $crate::user_change_sql::UPDATE_ALL
            };
            let done = sqlx::query(sql)
                .bind(&user.id)
                .bind(&user.status)
                .bind(&user.transitioning_to_status)
                .bind(user.activated)
                .bind(user.status_changed)
                .bind(user.last_login)
                .bind(user.last_updated)
                .bind(user.password_changed)
                .bind(&user.type_id)
                .bind(user.login_lower())
                .bind(sqlx::types::Json(&user.profile))
                .bind(&user.password_hash)
                .bind(&user.recovery_question)
                .bind(&user.recovery_answer_hash)
                .bind(&user.provider_type)
                .bind(&user.provider_name)
                .bind(sqlx::types::Json(&user.secrets))
                .bind(user.version)
                .execute(&mut **tx)
                .await
                .map_err($crate::StoreError::from_write)?;
            if done.rows_affected() == 0 {
                return Err(if seen.is_some() {
                    $crate::StoreError::Conflict
                } else {
                    $crate::StoreError::NotFound
                });
            }
            if (&user.status, &user.type_id, &user.profile) != (&before.0, &before.1, &before.2) {
                $crate::rule_queue_sql::enqueue_rule_evaluation!(*tx, id, user.last_updated);
            }
            for event in &events {
                insert_event(&mut **tx, event).await?;
            }
            user.version += 1;
            Ok(Some(user))
        }

        #[async_trait::async_trait]
        impl $crate::UserChangeStore for $store {
            async fn modify_user(
                &self,
                id: &str,
                change: &mut (dyn for<'u> FnMut(&'u mut $crate::UserRecord) -> $crate::UserChange
                          + Send),
            ) -> $crate::StoreResult<Option<$crate::UserRecord>> {
                let mut tx = self.$write.begin().await?;
                let user = modify_in(&mut tx, id, None, change).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn modify_seen_user(
                &self,
                seen: &$crate::UserRecord,
                change: &mut (dyn for<'u> FnMut(&'u mut $crate::UserRecord) -> $crate::UserChange
                          + Send),
            ) -> $crate::StoreResult<Option<$crate::UserRecord>> {
                let mut tx = self.$write.begin().await?;
                match modify_in(&mut tx, &seen.id, Some(seen), change).await {
                    Ok(user) => {
                        tx.commit().await?;
                        Ok(user)
                    }
                    Err($crate::StoreError::Conflict) => {
                        drop(tx);
                        self.modify_user(&seen.id, change).await
                    }
                    Err(err) => Err(err),
                }
            }

            async fn sign_in_succeeded(
                &self,
                seen: &$crate::UserRecord,
                change: &mut (dyn for<'u> FnMut(&'u mut $crate::UserRecord) -> $crate::UserChange
                          + Send),
            ) -> $crate::StoreResult<($crate::LoginFailuresRecord, Option<$crate::UserRecord>)>
            {
                let mut first = true;
                loop {
                    let attempt = sign_in_once(&self.$write, seen, first, change).await;
                    match attempt {
                        Err($crate::StoreError::Conflict) if first => first = false,
                        other => return other,
                    }
                }
            }
        }

        /// One try of `sign_in_succeeded`: on the user as seen (`optimistic`), or locked.
        async fn sign_in_once(
            pool: &sqlx::Pool<<$store as $crate::StoreDb>::Db>,
            seen: &$crate::UserRecord,
            optimistic: bool,
            change: &mut (dyn for<'u> FnMut(&'u mut $crate::UserRecord) -> $crate::UserChange
                      + Send),
        ) -> $crate::StoreResult<($crate::LoginFailuresRecord, Option<$crate::UserRecord>)> {
            let id = seen.id.as_str();
            {
                let mut tx = pool.begin().await?;
                let counter: Option<$crate::LoginFailuresRecord> =
                    sqlx::query_as($crate::lockout_sql::SUCCEEDED)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let counter = counter.unwrap_or($crate::LoginFailuresRecord {
                    failures: 0,
                    last_failure: 0,
                    locked_at: None,
                });
                let user = if counter.locked_at.is_some() {
                    None
                } else {
                    modify_in(&mut tx, id, optimistic.then_some(seen), change).await?
                };
                tx.commit().await?;
                Ok((counter, user))
            }
        }
    };
}
pub(crate) use impl_user_change_store;
