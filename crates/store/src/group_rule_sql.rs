//! Group rules and the memberships they make (groups.md, "Group rule operations";
//! the GroupRule tag).
//!
//! A batch of rule assignments is one transaction: memberships are inserted many rows per
//! statement, only for rules still ACTIVE inside the transaction; each membership that is new
//! is recorded against its rule, moves its group's `last_membership_updated`, and gets its
//! event, all events written last.

macro_rules! impl_group_rule_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;
        use std::collections::{HashMap, HashSet};

        use super::groups::GROUP_COLUMNS;
        use super::users::USER_COLUMNS;
        use super::{$store, insert_event};
        use crate::{
            EventRecord, GroupRecord, GroupRuleQuery, GroupRuleRecord, GroupRuleStore,
            MembershipRow, RuleAssignment, StoreError, StoreResult, UserRecord,
        };

        type Db = $db;
        type Conn = <$db as sqlx::Database>::Connection;

        const RULE_COLUMNS: &str = "id, name, status, created, last_updated, expression, \
            expression_type, excluded_user_ids, excluded_group_ids, group_ids, referenced_group_ids, \
            all_groups_valid";

        /// Rows per multi-row statement (3 or 4 parameters each, far below either backend's limit).
        const BATCH: usize = 200;

        /// A unique violation on the name index is the API's `name`; others pass through.
        fn rule_write_error(err: sqlx::Error) -> StoreError {
            if let sqlx::Error::Database(db) = &err {
                if db.is_unique_violation() {
                    return StoreError::Duplicate { field: "name" };
                }
            }
            StoreError::from_write(err)
        }

        fn placeholders(from: usize, count: usize) -> String {
            (from..from + count)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        }

        /// The LIKE pattern for names containing `text` anywhere, ignoring case (`search` of List
        /// Group rules matches as Okta's does, not only at the start), with `\`, `%` and `_` escaped.
        fn like_contains(text: &str) -> String {
            let mut out = String::from("%");
            for c in text.to_lowercase().chars() {
                if matches!(c, '\\' | '%' | '_') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('%');
            out
        }

        /// The rule's named groups (targets first), without repeats.
        fn named_groups(rule: &GroupRuleRecord) -> Vec<&String> {
            let mut seen = HashSet::new();
            rule.group_ids
                .iter()
                .chain(rule.referenced_group_ids.iter())
                .filter(|id| seen.insert(id.as_str()))
                .collect()
        }

        async fn write_named_groups(conn: &mut Conn, rule: &GroupRuleRecord) -> StoreResult<()> {
            sqlx::query("DELETE FROM group_rule_groups WHERE rule_id = $1")
                .bind(&rule.id)
                .execute(&mut *conn)
                .await?;
            for chunk in named_groups(rule).chunks(BATCH) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("($1, ${})", i + 2))
                    .collect();
                let sql = format!(
                    "INSERT INTO group_rule_groups (rule_id, group_id) VALUES {}",
                    values.join(", ")
                );
                let mut q = sqlx::query(&sql).bind(&rule.id);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// Writes the memberships of `assignments` whose rule is ACTIVE in this transaction and
        /// returns the events of those that were new (to be inserted last by the caller).
        async fn write_assignments<'a>(
            conn: &mut Conn,
            assignments: &'a [RuleAssignment],
            now: i64,
        ) -> StoreResult<Vec<&'a EventRecord>> {
            if assignments.is_empty() {
                return Ok(Vec::new());
            }
            let rule_ids: Vec<&str> = {
                let mut seen = HashSet::new();
                assignments
                    .iter()
                    .map(|a| a.rule_id.as_str())
                    .filter(|id| seen.insert(*id))
                    .collect()
            };
            let mut active: HashSet<String> = HashSet::new();
            for chunk in rule_ids.chunks(BATCH) {
                let sql = format!(
                    "SELECT id FROM group_rules WHERE status = 'ACTIVE' AND id IN ({})",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_scalar::<Db, String>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                active.extend(q.fetch_all(&mut *conn).await?);
            }
            let mut seen = HashSet::new();
            let wanted: Vec<&RuleAssignment> = assignments
                .iter()
                .filter(|a| active.contains(&a.rule_id))
                .filter(|a| seen.insert((a.group_id.as_str(), a.user_id.as_str())))
                .collect();
            let mut added: Vec<&RuleAssignment> = Vec::new();
            for chunk in wanted.chunks(BATCH) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO group_members (group_id, user_id, created) VALUES {} \
                     ON CONFLICT DO NOTHING RETURNING group_id, user_id",
                    values.join(", ")
                );
                let mut q = sqlx::query_as::<Db, (String, String)>(&sql);
                for a in chunk {
                    q = q.bind(&a.group_id).bind(&a.user_id).bind(now);
                }
                let new: HashSet<(String, String)> = q
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(StoreError::from_write)?
                    .into_iter()
                    .collect();
                added.extend(
                    chunk
                        .iter()
                        .filter(|a| new.contains(&(a.group_id.clone(), a.user_id.clone()))),
                );
            }
            for chunk in added.chunks(BATCH) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        format!(
                            "(${}, ${}, ${}, ${})",
                            i * 4 + 1,
                            i * 4 + 2,
                            i * 4 + 3,
                            i * 4 + 4
                        )
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO group_rule_members (rule_id, group_id, user_id, created) VALUES {}",
                    values.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for a in chunk {
                    q = q
                        .bind(&a.rule_id)
                        .bind(&a.group_id)
                        .bind(&a.user_id)
                        .bind(now);
                }
                q.execute(&mut *conn).await?;
            }
            let groups: Vec<&str> = {
                let mut seen = HashSet::new();
                added
                    .iter()
                    .map(|a| a.group_id.as_str())
                    .filter(|id| seen.insert(*id))
                    .collect()
            };
            touch_groups(conn, &groups, now).await?;
            Ok(added.into_iter().map(|a| &a.event).collect())
        }

        /// Moves `last_membership_updated` of `groups` to `now` (never backwards).
        async fn touch_groups(conn: &mut Conn, groups: &[&str], now: i64) -> StoreResult<()> {
            let greatest = $dialect.greatest();
            for chunk in groups.chunks(BATCH) {
                let sql = format!(
                    "UPDATE groups SET last_membership_updated = \
                     {greatest}(last_membership_updated, $1) WHERE id IN ({})",
                    placeholders(2, chunk.len())
                );
                let mut q = sqlx::query(&sql).bind(now);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *conn).await?;
            }
            Ok(())
        }

        crate::rule_queue_sql::impl_rule_evaluation!($dialect.for_update());

        #[async_trait]
        impl GroupRuleStore for $store {
            async fn insert_group_rule(
                &self,
                rule: &GroupRuleRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO group_rules (id, name, name_lower, status, created, last_updated, \
                     expression, expression_type, excluded_user_ids, excluded_group_ids, group_ids, \
                     referenced_group_ids, all_groups_valid) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(&rule.id)
                .bind(&rule.name)
                .bind(rule.name.to_lowercase())
                .bind(&rule.status)
                .bind(rule.created)
                .bind(rule.last_updated)
                .bind(&rule.expression)
                .bind(&rule.expression_type)
                .bind(Json(&rule.excluded_user_ids))
                .bind(Json(&rule.excluded_group_ids))
                .bind(Json(&rule.group_ids))
                .bind(Json(&rule.referenced_group_ids))
                .bind(rule.all_groups_valid)
                .execute(&mut *tx)
                .await
                .map_err(rule_write_error)?;
                write_named_groups(&mut tx, rule).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn group_rule_by_id(&self, id: &str) -> StoreResult<Option<GroupRuleRecord>> {
                let sql = format!("SELECT {RULE_COLUMNS} FROM group_rules WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn update_group_rule(
                &self,
                rule: &GroupRuleRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE group_rules SET name = $2, name_lower = $3, status = $4, last_updated = $5, \
                     expression = $6, expression_type = $7, excluded_user_ids = $8, \
                     excluded_group_ids = $9, group_ids = $10, referenced_group_ids = $11, \
                     all_groups_valid = $12 WHERE id = $1",
                )
                .bind(&rule.id)
                .bind(&rule.name)
                .bind(rule.name.to_lowercase())
                .bind(&rule.status)
                .bind(rule.last_updated)
                .bind(&rule.expression)
                .bind(&rule.expression_type)
                .bind(Json(&rule.excluded_user_ids))
                .bind(Json(&rule.excluded_group_ids))
                .bind(Json(&rule.group_ids))
                .bind(Json(&rule.referenced_group_ids))
                .bind(rule.all_groups_valid)
                .execute(&mut *tx)
                .await
                .map_err(rule_write_error)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                write_named_groups(&mut tx, rule).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn set_group_rule_status(
                &self,
                id: &str,
                from: &str,
                to: &str,
                now: i64,
                event: &EventRecord,
                assignments: &[RuleAssignment],
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE group_rules SET status = $3, last_updated = $4 WHERE id = $1 AND status = $2",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let events = write_assignments(&mut tx, assignments, now).await?;
                insert_event(&mut tx, event).await?;
                for e in events {
                    insert_event(&mut tx, e).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_group_rule(
                &self,
                id: &str,
                removals: Option<&[RuleAssignment]>,
                now: i64,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let mut removed: Vec<(String, String)> = Vec::new();
                if removals.is_some() {
                    removed = sqlx::query_as::<Db, (String, String)>(
                        "DELETE FROM group_members WHERE (group_id, user_id) IN \
                         (SELECT group_id, user_id FROM group_rule_members WHERE rule_id = $1) \
                         RETURNING group_id, user_id",
                    )
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut seen = HashSet::new();
                    let groups: Vec<&str> = removed
                        .iter()
                        .map(|(g, _)| g.as_str())
                        .filter(|g| seen.insert(*g))
                        .collect();
                    touch_groups(&mut tx, &groups, now).await?;
                }
                let done = sqlx::query("DELETE FROM group_rules WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                let by_pair: HashMap<(&str, &str), &EventRecord> = removals
                    .unwrap_or_default()
                    .iter()
                    .map(|r| ((r.group_id.as_str(), r.user_id.as_str()), &r.event))
                    .collect();
                for (g, u) in &removed {
                    if let Some(e) = by_pair.get(&(g.as_str(), u.as_str())) {
                        insert_event(&mut tx, e).await?;
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn list_group_rules(
                &self,
                query: &GroupRuleQuery,
            ) -> StoreResult<Vec<GroupRuleRecord>> {
                let bytes = $dialect.bytes_collation();
                let mut conditions: Vec<String> = Vec::new();
                let mut next = 1;
                if query.search.is_some() {
                    conditions.push(format!("name_lower LIKE ${next} ESCAPE '\\'"));
                    next += 1;
                }
                let after = match &query.after {
                    Some(key) => Some((
                        key.key.as_i64().ok_or(StoreError::InvalidCursor)?,
                        key.id.clone(),
                    )),
                    None => None,
                };
                if after.is_some() {
                    conditions.push(format!(
                        "(created > ${a} OR (created = ${a} AND id{bytes} > ${b}))",
                        a = next,
                        b = next + 1
                    ));
                    next += 2;
                }
                let filter = if conditions.is_empty() {
                    String::new()
                } else {
                    format!("WHERE {}", conditions.join(" AND "))
                };
                let sql = format!(
                    "SELECT {RULE_COLUMNS} FROM group_rules {filter} \
                     ORDER BY created, id{bytes} LIMIT ${next}"
                );
                let mut q = sqlx::query_as::<Db, GroupRuleRecord>(&sql);
                if let Some(search) = &query.search {
                    q = q.bind(like_contains(search));
                }
                if let Some((created, id)) = after {
                    q = q.bind(created).bind(id);
                }
                Ok(q.bind(i64::from(query.limit) + 1)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn active_group_rules(&self) -> StoreResult<Vec<GroupRuleRecord>> {
                let bytes = $dialect.bytes_collation();
                let sql = format!(
                    "SELECT {RULE_COLUMNS} FROM group_rules WHERE status = 'ACTIVE' \
                     ORDER BY created, id{bytes}"
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn apply_group_rule_assignments(
                &self,
                assignments: &[RuleAssignment],
                now: i64,
            ) -> StoreResult<usize> {
                if assignments.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.$write.begin().await?;
                let events = write_assignments(&mut tx, assignments, now).await?;
                let count = events.len();
                for e in events {
                    insert_event(&mut tx, e).await?;
                }
                tx.commit().await?;
                Ok(count)
            }

            async fn group_rule_memberships(
                &self,
                rule_id: &str,
            ) -> StoreResult<Vec<(String, String)>> {
                let bytes = $dialect.bytes_collation();
                let sql = format!(
                    "SELECT group_id, user_id FROM group_rule_members WHERE rule_id = $1 \
                     ORDER BY group_id{bytes}, user_id{bytes}"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(rule_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn groups_by_ids(&self, ids: &[String]) -> StoreResult<Vec<GroupRecord>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(BATCH) {
                    let sql = format!(
                        "SELECT {GROUP_COLUMNS} FROM {} groups WHERE id IN ({})",
                        crate::page_sql::GROUPS_READ,
                        placeholders(1, chunk.len())
                    );
                    let mut q = sqlx::query_as::<Db, GroupRecord>(&sql);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    out.extend(q.fetch_all(&self.$read).await?);
                }
                Ok(out)
            }

            async fn users_after(
                &self,
                after: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<UserRecord>> {
                let bytes = $dialect.bytes_collation();
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE id{bytes} > $1 ORDER BY id{bytes} LIMIT $2"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(after.unwrap_or_default())
                    .bind(i64::from(limit))
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn rule_memberships_of_user(
                &self,
                user_id: &str,
            ) -> StoreResult<Vec<(String, String)>> {
                Ok(sqlx::query_as::<Db, (String, String)>(
                    "SELECT rule_id, group_id FROM group_rule_members WHERE user_id = $1 \
                     ORDER BY rule_id, group_id",
                )
                .bind(user_id)
                .fetch_all(&self.$read)
                .await?)
            }

            async fn remove_rule_memberships(
                &self,
                removals: &[RuleAssignment],
                now: i64,
            ) -> StoreResult<usize> {
                if removals.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.$write.begin().await?;
                let events = remove_made(&mut tx, removals, now).await?;
                let count = events.len();
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(count)
            }

            async fn evaluate_rules_for_user(
                &self,
                user_id: &str,
                now: i64,
                evaluate: &mut (dyn for<'a> FnMut(
                    &'a UserRecord,
                    &'a [MembershipRow],
                    &'a [(String, String)],
                ) -> crate::RuleChanges
                          + Send),
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let found = evaluate_user(&mut tx, user_id, now, evaluate).await?;
                tx.commit().await?;
                Ok(found)
            }

            async fn queued_rule_users(&self, before: i64, limit: u32) -> StoreResult<Vec<String>> {
                let mut conn = self.$write.acquire().await?;
                queued_users(&mut conn, before, limit).await
            }

            async fn memberships_of(&self, user_ids: &[String]) -> StoreResult<Vec<MembershipRow>> {
                let mut out = Vec::new();
                for chunk in user_ids.chunks(BATCH) {
                    let sql = format!(
                        "SELECT m.user_id, m.group_id, coalesce(g.profile ->> 'name', '') AS group_name \
                         FROM group_members m JOIN groups g ON g.id = m.group_id \
                         WHERE m.user_id IN ({})",
                        placeholders(1, chunk.len())
                    );
                    let mut q = sqlx::query_as::<Db, MembershipRow>(&sql);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    out.extend(q.fetch_all(&self.$read).await?);
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use impl_group_rule_store;
