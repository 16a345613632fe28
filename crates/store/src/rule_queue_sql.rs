//! The group-rule evaluation queue, written once for both backends (plain columns, an
//! `INSERT ... SELECT ... WHERE` upsert). A change that can change what the ACTIVE rules say
//! of a user queues the user in its own transaction (`enqueue_rule_evaluation!`); the
//! evaluation (`GroupRuleStore::evaluate_rules_for_user`) removes the entry version it read.
//!
//! Invariants:
//! - with no ACTIVE rule nothing is queued (the queue costs nothing then);
//! - a change made while an evaluation runs bumps the entry's version, so the evaluation
//!   leaves the entry and the change is evaluated again: no change is lost.

/// Queues `$1` at `$2` when any rule is ACTIVE; an entry already there gets a new version.
pub(crate) const ENQUEUE: &str = "INSERT INTO group_rule_queue (user_id, version, queued_at) \
     SELECT $1, 1, $2 WHERE EXISTS (SELECT 1 FROM group_rules WHERE status = 'ACTIVE') \
     ON CONFLICT (user_id) DO UPDATE SET version = group_rule_queue.version + 1";

/// The entry of `$1` as the evaluation reads it.
pub(crate) const READ: &str = "SELECT version FROM group_rule_queue WHERE user_id = $1";

/// Removes the entry of `$1` if it is still version `$2`.
pub(crate) const DONE: &str = "DELETE FROM group_rule_queue WHERE user_id = $1 AND version = $2";

/// Queues a user for rule evaluation inside the caller's transaction.
macro_rules! enqueue_rule_evaluation {
    ($conn:expr, $user_id:expr, $now:expr) => {
        sqlx::query($crate::rule_queue_sql::ENQUEUE)
            .bind($user_id)
            .bind($now)
            .execute(&mut *$conn)
            .await?;
    };
}
pub(crate) use enqueue_rule_evaluation;

/// `evaluate_rules_for_user`, `queued_rule_users` and the removal of rule-made memberships
/// for a backend's group-rule module, where `write_assignments`, `touch_groups`, `Conn`,
/// `USER_COLUMNS` and `insert_event` are in scope; `$lock` locks the user's row as it is read.
macro_rules! impl_rule_evaluation {
    ($lock:expr) => {
        /// Removes each membership of `removals` that its rule made (one no rule made stays)
        /// and returns the events of those that went (to be inserted last by the caller).
        async fn remove_made<'a>(
            conn: &mut Conn,
            removals: &'a [crate::RuleAssignment],
            now: i64,
        ) -> crate::StoreResult<Vec<&'a crate::EventRecord>> {
            let mut removed = Vec::new();
            for removal in removals {
                let done = sqlx::query(
                    "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 AND EXISTS \
                     (SELECT 1 FROM group_rule_members m WHERE m.rule_id = $3 \
                     AND m.group_id = $4 AND m.user_id = $5)",
                )
                .bind(&removal.group_id)
                .bind(&removal.user_id)
                .bind(&removal.rule_id)
                .bind(&removal.group_id)
                .bind(&removal.user_id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() > 0 {
                    removed.push(removal);
                }
            }
            let mut seen = std::collections::HashSet::new();
            let groups: Vec<&str> = removed
                .iter()
                .map(|r| r.group_id.as_str())
                .filter(|g| seen.insert(*g))
                .collect();
            touch_groups(conn, &groups, now).await?;
            Ok(removed.into_iter().map(|r| &r.event).collect())
        }

        /// See `GroupRuleStore::evaluate_rules_for_user`.
        pub(crate) async fn evaluate_user(
            conn: &mut Conn,
            user_id: &str,
            now: i64,
            evaluate: &mut (dyn for<'a> FnMut(
                &'a crate::UserRecord,
                &'a [crate::MembershipRow],
                &'a [(String, String)],
            ) -> crate::RuleChanges
                      + Send),
        ) -> crate::StoreResult<bool> {
            let queued: Option<i64> = sqlx::query_scalar(crate::rule_queue_sql::READ)
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{}", $lock);
            let user: Option<crate::UserRecord> =
                sqlx::query_as(&sql).bind(user_id).fetch_optional(&mut *conn).await?;
            let Some(user) = user else {
                dequeue(&mut *conn, user_id, queued).await?;
                return Ok(false);
            };
            let memberships: Vec<crate::MembershipRow> = sqlx::query_as(
                "SELECT m.user_id, m.group_id, coalesce(g.profile ->> 'name', '') AS group_name \
                 FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1",
            )
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
            let made: Vec<(String, String)> = sqlx::query_as(
                "SELECT rule_id, group_id FROM group_rule_members WHERE user_id = $1 \
                 ORDER BY rule_id, group_id",
            )
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
            let changes = evaluate(&user, &memberships, &made);
            let added = write_assignments(&mut *conn, &changes.add, now).await?;
            let removed = remove_made(&mut *conn, &changes.remove, now).await?;
            dequeue(&mut *conn, user_id, queued).await?;
            for event in added.into_iter().chain(removed) {
                insert_event(&mut *conn, event).await?;
            }
            Ok(true)
        }

        /// Takes the user off the queue if its entry is still the version read.
        async fn dequeue(
            conn: &mut Conn,
            user_id: &str,
            version: Option<i64>,
        ) -> crate::StoreResult<()> {
            if let Some(v) = version {
                sqlx::query(crate::rule_queue_sql::DONE)
                    .bind(user_id)
                    .bind(v)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// See `GroupRuleStore::queued_rule_users`.
        pub(crate) async fn queued_users(
            conn: &mut Conn,
            before: i64,
            limit: u32,
        ) -> crate::StoreResult<Vec<String>> {
            Ok(sqlx::query_scalar(
                "SELECT user_id FROM group_rule_queue WHERE queued_at < $1 \
                 ORDER BY queued_at LIMIT $2",
            )
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?)
        }
    };
}
pub(crate) use impl_rule_evaluation;
