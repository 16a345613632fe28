//! Bulk import of users (`UserStore::import_users`) for either backend: multi-row INSERTs in
//! one transaction, a few statements per batch instead of several per user.
//!
//! `INSERT ... ON CONFLICT DO NOTHING RETURNING id` tells which users went in: a user whose
//! login (or id) is taken, by a stored user or one earlier in the batch, returns nothing, and
//! its memberships and events are left out.

/// Users per INSERT (19 parameters each; SQLite allows 32,766 per statement).
pub(crate) const USERS_PER_STATEMENT: usize = 500;
/// Memberships per INSERT (3 parameters each).
pub(crate) const MEMBERS_PER_STATEMENT: usize = 2000;
/// Events per INSERT (6 parameters each).
pub(crate) const EVENTS_PER_STATEMENT: usize = 1000;

/// `import_users(pool, batch)` for a backend, which its `UserStore::import_users` calls: `$db`
/// the sqlx database. The events take the backend's commit-order lock first.
macro_rules! import_users_fn {
    ($db:ty) => {
        pub(crate) async fn import_users(
            pool: &sqlx::Pool<$db>,
            batch: &[crate::NewUser],
        ) -> crate::StoreResult<Vec<bool>> {
            use crate::import_sql::{
                EVENTS_PER_STATEMENT, MEMBERS_PER_STATEMENT, USERS_PER_STATEMENT,
            };
            use sqlx::types::Json;
            use sqlx::QueryBuilder;

            let mut tx = pool.begin().await?;
            let mut taken_by_batch = std::collections::HashSet::new();
            for chunk in batch.chunks(USERS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<$db>::new(
                    "INSERT INTO users (id, status, transitioning_to_status, created, activated, \
                     status_changed, last_login, last_updated, password_changed, type_id, \
                     login_lower, profile, password_hash, recovery_question, \
                     recovery_answer_hash, provider_type, provider_name, secrets, version) ",
                );
                insert.push_values(chunk, |mut row, new| {
                    let u = &new.user;
                    row.push_bind(&u.id)
                        .push_bind(&u.status)
                        .push_bind(&u.transitioning_to_status)
                        .push_bind(u.created)
                        .push_bind(u.activated)
                        .push_bind(u.status_changed)
                        .push_bind(u.last_login)
                        .push_bind(u.last_updated)
                        .push_bind(u.password_changed)
                        .push_bind(&u.type_id)
                        .push_bind(u.login_lower())
                        .push_bind(Json(&u.profile))
                        .push_bind(&u.password_hash)
                        .push_bind(&u.recovery_question)
                        .push_bind(&u.recovery_answer_hash)
                        .push_bind(&u.provider_type)
                        .push_bind(&u.provider_name)
                        .push_bind(Json(&u.secrets))
                        .push_bind(0_i64);
                });
                insert.push(" ON CONFLICT DO NOTHING RETURNING id");
                let ids: Vec<String> = insert
                    .build_query_scalar()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(crate::StoreError::from_write)?;
                taken_by_batch.extend(ids);
            }
            let inserted: Vec<bool> = batch
                .iter()
                .map(|new| taken_by_batch.contains(&new.user.id))
                .collect();
            let created: Vec<&crate::NewUser> = batch
                .iter()
                .zip(&inserted)
                .filter_map(|(new, done)| done.then_some(new))
                .collect();

            let mut touched: std::collections::BTreeMap<&str, i64> = Default::default();
            let members: Vec<(&str, &str, i64)> = created
                .iter()
                .flat_map(|new| {
                    new.group_ids
                        .iter()
                        .map(move |g| (g.as_str(), new.user.id.as_str(), new.user.created))
                })
                .collect();
            for (group_id, _, at) in &members {
                let newest = touched.entry(group_id).or_default();
                *newest = (*newest).max(*at);
            }
            for chunk in members.chunks(MEMBERS_PER_STATEMENT) {
                let mut insert =
                    QueryBuilder::<$db>::new("INSERT INTO group_members (group_id, user_id, created) ");
                insert.push_values(chunk, |mut row, (group_id, user_id, at)| {
                    row.push_bind(*group_id).push_bind(*user_id).push_bind(*at);
                });
                insert.push(" ON CONFLICT DO NOTHING");
                insert
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::StoreError::from_write)?;
            }
            for new in &created {
                crate::rule_queue_sql::enqueue_rule_evaluation!(tx, &new.user.id, new.user.created);
            }
            // Group rows in id order, as single creates lock them.
            for (group_id, at) in touched {
                sqlx::query(
                    "UPDATE groups SET last_membership_updated = $1 \
                     WHERE id = $2 AND last_membership_updated < $1 \
                     AND NOT (type = 'BUILT_IN' AND name_lower = 'everyone')",
                )
                .bind(at)
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
            }

            let events: Vec<(&crate::EventRecord, (serde_json::Value, String))> = created
                .iter()
                .flat_map(|new| new.events.iter())
                .map(|event| (event, crate::event_index::index(&event.body)))
                .collect();
            if !events.is_empty() {
                super::lock_event_order(&mut tx).await?;
            }
            for chunk in events.chunks(EVENTS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<$db>::new(
                    "INSERT INTO log_events (id, published, event_type, body, attrs, keywords) ",
                );
                insert.push_values(chunk, |mut row, (event, (attrs, keywords))| {
                    row.push_bind(&event.id)
                        .push_bind(event.published)
                        .push_bind(&event.event_type)
                        .push_bind(Json(&event.body))
                        .push_bind(Json(attrs))
                        .push_bind(keywords);
                });
                insert
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::StoreError::from_write)?;
            }
            tx.commit().await?;
            Ok(inserted)
        }
    };
}
pub(crate) use import_users_fn;
