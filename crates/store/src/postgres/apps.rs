//! Apps, their keys, logos and assignments in PostgreSQL (apps.md, "Application operations",
//! "Application user operations", "Application group operations", "Application key store
//! operations"). The SQL shared with PostgreSQL is built in `app_sql`; the reads that make up
//! one answer run in one REPEATABLE READ transaction, so an answer reflects one snapshot of
//! the memberships even while they change. Ids order bytewise (`COLLATE "C"`), as users do.

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::types::Json;

use super::users::USER_COLUMNS;
use super::{filter::PostgresDialect, insert_event, PgStore};
use crate::app_sql::{self, ViaRow, APP_COLUMNS, APP_GROUP_COLUMNS, APP_KEY_COLUMNS};
use crate::filter_sql::SqlValue;
use crate::{
    AppGroupRecord, AppKeyRecord, AppLogoRecord, AppQuery, AppRecord, AppStore, AppUserQuery,
    AppUserRecord, AppUserRow, EventRecord, StoreError, StoreResult, UserRecord,
};

type Args = sqlx::postgres::PgArguments;

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, Args>,
    params: Vec<SqlValue>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, Args> {
    for p in params {
        q = match p {
            SqlValue::Text(s) => q.bind(s),
            SqlValue::Int(i) => q.bind(i),
            SqlValue::Float(f) => q.bind(f),
            SqlValue::Bool(b) => q.bind(b),
        };
    }
    q
}

async fn insert_key(conn: &mut sqlx::PgConnection, key: &AppKeyRecord) -> StoreResult<()> {
    crate::app_sql::insert_app_key!(conn, key);
    Ok(())
}

/// The rows and groups of `pairs` (app id, user) read inside `conn`'s transaction.
async fn assignments_for_app(
    conn: &mut sqlx::PgConnection,
    app_id: &str,
    users: Vec<UserRecord>,
) -> StoreResult<Vec<AppUserRecord>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows_sql = app_sql::app_user_rows_sql(users.len());
    let mut rows_q = sqlx::query_as::<_, AppUserRow>(&rows_sql).bind(app_id);
    for u in &users {
        rows_q = rows_q.bind(&u.id);
    }
    let rows = rows_q.fetch_all(&mut *conn).await?;
    let via_sql = app_sql::app_user_via_sql(users.len());
    let mut via_q = sqlx::query_as::<_, ViaRow>(&via_sql).bind(app_id);
    for u in &users {
        via_q = via_q.bind(&u.id);
    }
    let via = via_q.fetch_all(&mut *conn).await?;
    let pairs = users.into_iter().map(|u| (app_id.to_owned(), u)).collect();
    Ok(app_sql::assemble(pairs, rows, via))
}

/// A read-only transaction whose statements all see one snapshot.
async fn snapshot(pool: &sqlx::PgPool) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

#[async_trait]
impl AppStore for PgStore {
    async fn insert_app(
        &self,
        app: &AppRecord,
        keys: &[AppKeyRecord],
        events: &[EventRecord],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO apps (id, name, label, status, sign_on_mode, created, last_updated, \
             definition, signing_kid, client_id, client_secret_sealed, shared_password_sealed, \
             access_policy_id, logo_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&app.id)
        .bind(&app.name)
        .bind(&app.label)
        .bind(&app.status)
        .bind(&app.sign_on_mode)
        .bind(app.created)
        .bind(app.last_updated)
        .bind(Json(&app.definition))
        .bind(&app.signing_kid)
        .bind(&app.client_id)
        .bind(&app.client_secret_sealed)
        .bind(&app.shared_password_sealed)
        .bind(&app.access_policy_id)
        .bind(&app.logo_id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        for key in keys {
            insert_key(&mut tx, key).await?;
        }
        for event in events {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn app_by_id(&self, id: &str) -> StoreResult<Option<AppRecord>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn update_app(&self, app: &AppRecord, events: &[EventRecord]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE apps SET label = $2, status = $3, last_updated = $4, definition = $5, \
             signing_kid = $6, client_secret_sealed = $7, shared_password_sealed = $8, \
             access_policy_id = $9, logo_id = $10 WHERE id = $1",
        )
        .bind(&app.id)
        .bind(&app.label)
        .bind(&app.status)
        .bind(app.last_updated)
        .bind(Json(&app.definition))
        .bind(&app.signing_kid)
        .bind(&app.client_secret_sealed)
        .bind(&app.shared_password_sealed)
        .bind(&app.access_policy_id)
        .bind(&app.logo_id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        for event in events {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_app(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM apps WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn list_apps(&self, query: &AppQuery) -> StoreResult<Vec<AppRecord>> {
        let (sql, params) = app_sql::app_page_sql(&PostgresDialect, query)?;
        Ok(bind_all(sqlx::query_as::<_, AppRecord>(&sql), params)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn insert_app_key(&self, key: &AppKeyRecord, event: &EventRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_key(&mut tx, key).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn app_keys(&self, app_id: &str) -> StoreResult<Vec<AppKeyRecord>> {
        let sql =
            format!("SELECT {APP_KEY_COLUMNS} FROM app_keys WHERE app_id = $1 ORDER BY created, kid COLLATE \"C\"");
        Ok(sqlx::query_as(&sql)
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn app_key(&self, app_id: &str, kid: &str) -> StoreResult<Option<AppKeyRecord>> {
        let sql = format!("SELECT {APP_KEY_COLUMNS} FROM app_keys WHERE app_id = $1 AND kid = $2");
        Ok(sqlx::query_as(&sql)
            .bind(app_id)
            .bind(kid)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn put_app_user(&self, row: &AppUserRow, event: &EventRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO app_users (app_id, user_id, direct, created, last_updated, \
             status_changed, password_changed, user_name, password_sealed, profile) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (app_id, user_id) DO UPDATE SET direct = excluded.direct, \
             created = excluded.created, last_updated = excluded.last_updated, \
             status_changed = excluded.status_changed, \
             password_changed = excluded.password_changed, user_name = excluded.user_name, \
             password_sealed = excluded.password_sealed, profile = excluded.profile",
        )
        .bind(&row.app_id)
        .bind(&row.user_id)
        .bind(row.direct)
        .bind(row.created)
        .bind(row.last_updated)
        .bind(row.status_changed)
        .bind(row.password_changed)
        .bind(&row.user_name)
        .bind(&row.password_sealed)
        .bind(Json(&row.profile))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_app_user(
        &self,
        app_id: &str,
        user_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM app_users WHERE app_id = $1 AND user_id = $2")
            .bind(app_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn app_user(&self, app_id: &str, user_id: &str) -> StoreResult<Option<AppUserRecord>> {
        let query = AppUserQuery {
            app_id: app_id.to_owned(),
            q: None,
            after: None,
            limit: 1,
        };
        let (sql, params) =
            app_sql::app_users_page_sql(&PostgresDialect, USER_COLUMNS, &query, Some(user_id));
        let mut tx = snapshot(&self.pool).await?;
        let users = bind_all(sqlx::query_as::<_, UserRecord>(&sql), params)
            .fetch_all(&mut *tx)
            .await?;
        let found = assignments_for_app(&mut tx, app_id, users).await?;
        tx.commit().await?;
        Ok(found.into_iter().next())
    }

    async fn list_app_users(&self, query: &AppUserQuery) -> StoreResult<Vec<AppUserRecord>> {
        let (sql, params) =
            app_sql::app_users_page_sql(&PostgresDialect, USER_COLUMNS, query, None);
        let mut tx = snapshot(&self.pool).await?;
        let users = bind_all(sqlx::query_as::<_, UserRecord>(&sql), params)
            .fetch_all(&mut *tx)
            .await?;
        let found = assignments_for_app(&mut tx, &query.app_id, users).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn user_app_assignments(
        &self,
        user_id: &str,
        app_ids: &[String],
    ) -> StoreResult<Vec<AppUserRecord>> {
        if app_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = snapshot(&self.pool).await?;
        let user_sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let Some(user) = sqlx::query_as::<_, UserRecord>(&user_sql)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Vec::new());
        };
        let rows_sql = app_sql::user_app_rows_sql(app_ids.len());
        let mut rows_q = sqlx::query_as::<_, AppUserRow>(&rows_sql).bind(user_id);
        for id in app_ids {
            rows_q = rows_q.bind(id);
        }
        let rows = rows_q.fetch_all(&mut *tx).await?;
        let via_sql = app_sql::user_app_via_sql(app_ids.len());
        let mut via_q = sqlx::query_as::<_, ViaRow>(&via_sql).bind(user_id);
        for id in app_ids {
            via_q = via_q.bind(id);
        }
        let via = via_q.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let pairs = app_ids
            .iter()
            .map(|id| (id.clone(), user.clone()))
            .collect();
        Ok(app_sql::assemble(pairs, rows, via))
    }

    async fn assign_app_group(
        &self,
        app_id: &str,
        group_id: &str,
        priority: Option<i64>,
        profile: Option<&Map<String, Value>>,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<AppGroupRecord> {
        let mut tx = self.pool.begin().await?;
        let select = format!(
            "SELECT {APP_GROUP_COLUMNS} FROM app_groups WHERE app_id = $1 AND group_id = $2"
        );
        let existing: Option<AppGroupRecord> = sqlx::query_as(&select)
            .bind(app_id)
            .bind(group_id)
            .fetch_optional(&mut *tx)
            .await?;
        let next: (Option<i64>,) =
            sqlx::query_as("SELECT MAX(priority) FROM app_groups WHERE app_id = $1")
                .bind(app_id)
                .fetch_one(&mut *tx)
                .await?;
        let row = AppGroupRecord {
            app_id: app_id.to_owned(),
            group_id: group_id.to_owned(),
            priority: priority
                .or(existing.as_ref().map(|e| e.priority))
                .unwrap_or_else(|| next.0.map_or(0, |p| p + 1)),
            created: existing.as_ref().map_or(now, |e| e.created),
            last_updated: now,
            profile: profile
                .cloned()
                .or_else(|| existing.as_ref().map(|e| e.profile.clone()))
                .unwrap_or_default(),
        };
        sqlx::query(
            "INSERT INTO app_groups (app_id, group_id, priority, created, last_updated, profile) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_id, group_id) DO UPDATE SET \
             priority = excluded.priority, last_updated = excluded.last_updated, \
             profile = excluded.profile",
        )
        .bind(&row.app_id)
        .bind(&row.group_id)
        .bind(row.priority)
        .bind(row.created)
        .bind(row.last_updated)
        .bind(Json(&row.profile))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn app_group(&self, app_id: &str, group_id: &str) -> StoreResult<Option<AppGroupRecord>> {
        let sql = format!(
            "SELECT {APP_GROUP_COLUMNS} FROM app_groups WHERE app_id = $1 AND group_id = $2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(app_id)
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn list_app_groups(
        &self,
        app_id: &str,
        q: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppGroupRecord>> {
        let columns = app_sql::qualified(APP_GROUP_COLUMNS, "ag");
        let sql = format!(
            "SELECT {columns} FROM app_groups ag JOIN groups g ON g.id = ag.group_id \
             WHERE ag.app_id = $1 AND ag.group_id COLLATE \"C\" > $2 \
             AND g.name_lower LIKE $3 ESCAPE '\\' \
             ORDER BY ag.group_id COLLATE \"C\" LIMIT $4"
        );
        Ok(sqlx::query_as(&sql)
            .bind(app_id)
            .bind(after.unwrap_or_default())
            .bind(app_sql::group_name_pattern(q.unwrap_or_default()))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn delete_app_group(
        &self,
        app_id: &str,
        group_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM app_groups WHERE app_id = $1 AND group_id = $2")
            .bind(app_id)
            .bind(group_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn put_app_logo(&self, logo: &AppLogoRecord, event: &EventRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query("UPDATE apps SET logo_id = $2 WHERE id = $1")
            .bind(&logo.app_id)
            .bind(&logo.id)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM app_logos WHERE app_id = $1")
            .bind(&logo.app_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO app_logos (id, app_id, content_type, bytes, created) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&logo.id)
        .bind(&logo.app_id)
        .bind(&logo.content_type)
        .bind(&logo.bytes)
        .bind(logo.created)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn app_logo(&self, id: &str) -> StoreResult<Option<AppLogoRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, app_id, content_type, bytes, created FROM app_logos WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
