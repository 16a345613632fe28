//! The OAuth store (authorization servers, signing keys, codes, issued tokens), written once
//! for both backends: `$n` parameters, `RETURNING`, `ON CONFLICT` and JSON bound through
//! `sqlx::types::Json` read alike on SQLite and PostgreSQL. `impl_oauth_store!` expands it
//! for a store type given its write and read pools; the expansion site's `insert_event`
//! writes System Log rows in the same transaction.
//!
//! Invariants:
//! - a code is spent by one conditional `UPDATE` (`used_at IS NULL`): of two concurrent
//!   redemptions exactly one gets it, the other sees a replay;
//! - a server has at most one ACTIVE key (a partial unique index), so nodes that start
//!   together and each make a first key keep one of them;
//! - a refresh token is first rotated by one conditional `UPDATE` (`rotated_at IS NULL`), so
//!   the reuse window starts at the first exchange whatever the concurrency;
//! - revocations stamp `revoked_at` and never delete, so introspection answers `active:
//!   false` for a revoked token until it expires.

pub(crate) const SERVER_COLUMNS: &str = "id, name, status, created, last_updated, body, version";
pub(crate) const KEY_COLUMNS: &str =
    "server_id, kid, status, created, expires_at, e, n, private_key_sealed";
pub(crate) const CODE_COLUMNS: &str =
    "code_hash, grant_id, server_id, client_id, user_id, body, created, expires_at, used_at";
pub(crate) const TOKEN_COLUMNS: &str = "id, kind, token_hash, grant_id, server_id, client_id, \
     user_id, scopes, body, created, expires_at, idle_expires_at, rotated_at, revoked_at";
pub(crate) const INSERT_TOKEN: &str = "INSERT INTO oauth_tokens (id, kind, token_hash, \
     grant_id, server_id, client_id, user_id, scopes, body, created, expires_at, \
     idle_expires_at, rotated_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
     $10, $11, $12, $13, $14)";

pub(crate) const INSERT_KEY: &str = "INSERT INTO auth_server_keys (server_id, kid, status, \
     created, expires_at, e, n, private_key_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Binds a key's columns in `INSERT_KEY` order, with `status`.
macro_rules! bind_key {
    ($query:expr, $k:expr, $status:expr) => {
        $query
            .bind(&$k.server_id)
            .bind(&$k.kid)
            .bind($status)
            .bind($k.created)
            .bind($k.expires_at)
            .bind(&$k.e)
            .bind(&$k.n)
            .bind(&$k.private_key_sealed)
    };
}
pub(crate) use bind_key;

/// The WHERE clause of live refresh tokens matching a filter (`$1` is now), with its text
/// parameters in order from `$2`.
pub(crate) fn refresh_where(filter: &crate::RefreshTokenFilter) -> (String, Vec<String>) {
    let mut clause = String::from(
        "kind = 'refresh_token' AND revoked_at IS NULL AND expires_at > $1 \
         AND idle_expires_at > $1",
    );
    let mut params = Vec::new();
    for (column, value) in [
        ("server_id", &filter.server_id),
        ("client_id", &filter.client_id),
        ("user_id", &filter.user_id),
        ("id", &filter.id),
    ] {
        if let Some(v) = value {
            params.push(v.clone());
            clause.push_str(&format!(" AND {column} = ${}", params.len() + 1));
        }
    }
    (clause, params)
}

/// Binds a token's columns in `INSERT_TOKEN` order.
macro_rules! bind_token {
    ($query:expr, $t:expr) => {
        $query
            .bind(&$t.id)
            .bind(&$t.kind)
            .bind(&$t.token_hash)
            .bind(&$t.grant_id)
            .bind(&$t.server_id)
            .bind(&$t.client_id)
            .bind(&$t.user_id)
            .bind(sqlx::types::Json(&$t.scopes))
            .bind(sqlx::types::Json(&$t.body))
            .bind($t.created)
            .bind($t.expires_at)
            .bind($t.idle_expires_at)
            .bind($t.rotated_at)
            .bind($t.revoked_at)
    };
}
pub(crate) use bind_token;

macro_rules! impl_oauth_store {
    ($store:ty, $write:ident, $read:ident) => {
        #[async_trait::async_trait]
        impl $crate::OAuthStore for $store {
            async fn app_by_client_id(
                &self,
                client_id: &str,
            ) -> $crate::StoreResult<Option<$crate::AppRecord>> {
                let sql = format!(
                    "SELECT {} FROM apps WHERE client_id = $1",
                    $crate::app_sql::APP_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(client_id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn ensure_auth_server(
                &self,
                s: &$crate::AuthServerRecord,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO auth_servers (id, name, name_lower, status, created, \
                     last_updated, body, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&s.id)
                .bind(&s.name)
                .bind(s.name.to_lowercase())
                .bind(&s.status)
                .bind(s.created)
                .bind(s.last_updated)
                .bind(sqlx::types::Json(&s.body))
                .bind(s.version)
                .execute(&self.$write)
                .await
                .map_err($crate::StoreError::from_write)?;
                Ok(())
            }

            async fn auth_server(
                &self,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::AuthServerRecord>> {
                let sql = format!(
                    "SELECT {} FROM auth_servers WHERE id = $1",
                    $crate::oauth_sql::SERVER_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn auth_server_keys(
                &self,
                server_id: &str,
            ) -> $crate::StoreResult<Vec<$crate::AuthServerKeyRecord>> {
                let sql = format!(
                    "SELECT {} FROM auth_server_keys WHERE server_id = $1 \
                     ORDER BY created DESC, kid",
                    $crate::oauth_sql::KEY_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(server_id)
                    .fetch_all(&self.$write)
                    .await?)
            }

            async fn list_auth_servers(
                &self,
            ) -> $crate::StoreResult<Vec<$crate::AuthServerRecord>> {
                let sql = format!(
                    "SELECT {} FROM auth_servers ORDER BY created, id",
                    $crate::oauth_sql::SERVER_COLUMNS
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn insert_auth_server(
                &self,
                s: &$crate::AuthServerRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO auth_servers (id, name, name_lower, status, created, \
                     last_updated, body, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&s.id)
                .bind(&s.name)
                .bind(s.name.to_lowercase())
                .bind(&s.status)
                .bind(s.created)
                .bind(s.last_updated)
                .bind(sqlx::types::Json(&s.body))
                .bind(s.version)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_auth_server(
                &self,
                s: &$crate::AuthServerRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE auth_servers SET name = $2, name_lower = $3, status = $4, \
                     last_updated = $5, body = $6, version = version + 1 \
                     WHERE id = $1 AND version = $7",
                )
                .bind(&s.id)
                .bind(&s.name)
                .bind(s.name.to_lowercase())
                .bind(&s.status)
                .bind(s.last_updated)
                .bind(sqlx::types::Json(&s.body))
                .bind(s.version)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_auth_server(
                &self,
                id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM auth_servers WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM auth_server_keys WHERE server_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn add_first_auth_server_keys(
                &self,
                active: &$crate::AuthServerKeyRecord,
                next: &$crate::AuthServerKeyRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = $crate::oauth_sql::bind_key!(
                    sqlx::query(&format!(
                        "{} ON CONFLICT DO NOTHING",
                        $crate::oauth_sql::INSERT_KEY
                    )),
                    active,
                    "ACTIVE"
                )
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                $crate::oauth_sql::bind_key!(
                    sqlx::query($crate::oauth_sql::INSERT_KEY),
                    next,
                    "NEXT"
                )
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                tx.commit().await?;
                Ok(true)
            }

            async fn rotate_auth_server_keys(
                &self,
                server_id: &str,
                active_kid: &str,
                next: &$crate::AuthServerKeyRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let retired = sqlx::query(
                    "UPDATE auth_server_keys SET status = 'RETIRING' \
                     WHERE server_id = $1 AND kid = $2 AND status = 'ACTIVE'",
                )
                .bind(server_id)
                .bind(active_kid)
                .execute(&mut *tx)
                .await?;
                if retired.rows_affected() == 0 {
                    return Ok(false);
                }
                for sql in [
                    "DELETE FROM auth_server_keys WHERE server_id = $1 AND status = 'EXPIRED'",
                    "UPDATE auth_server_keys SET status = 'EXPIRED' \
                     WHERE server_id = $1 AND status = 'RETIRING'",
                ] {
                    sqlx::query(sql).bind(server_id).execute(&mut *tx).await?;
                }
                // The promoted key's `created` becomes when it started signing (the
                // server's `lastRotated`, and where the next AUTO rotation counts from).
                sqlx::query(
                    "UPDATE auth_server_keys SET status = 'ACTIVE', created = $2 \
                     WHERE server_id = $1 AND status = 'NEXT'",
                )
                .bind(server_id)
                .bind(next.created)
                .execute(&mut *tx)
                .await?;
                $crate::oauth_sql::bind_key!(
                    sqlx::query($crate::oauth_sql::INSERT_KEY),
                    next,
                    "NEXT"
                )
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn insert_oauth_code(
                &self,
                c: &$crate::OAuthCodeRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM oauth_codes WHERE expires_at <= $1")
                    .bind(c.created)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO oauth_codes (code_hash, grant_id, server_id, client_id, \
                     user_id, body, created, expires_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&c.code_hash)
                .bind(&c.grant_id)
                .bind(&c.server_id)
                .bind(&c.client_id)
                .bind(&c.user_id)
                .bind(sqlx::types::Json(&c.body))
                .bind(c.created)
                .bind(c.expires_at)
                .bind(c.used_at)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn redeem_oauth_code(
                &self,
                code_hash: &str,
                now: i64,
            ) -> $crate::StoreResult<$crate::CodeRedemption> {
                let cols = $crate::oauth_sql::CODE_COLUMNS;
                let spend = format!(
                    "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 \
                     AND expires_at > $2 AND used_at IS NULL RETURNING {cols}"
                );
                let spent: Option<$crate::OAuthCodeRecord> = sqlx::query_as(&spend)
                    .bind(code_hash)
                    .bind(now)
                    .fetch_optional(&self.$write)
                    .await?;
                if let Some(code) = spent {
                    return Ok($crate::CodeRedemption::Redeemed(code));
                }
                let seen = format!(
                    "SELECT {cols} FROM oauth_codes WHERE code_hash = $1 AND expires_at > $2"
                );
                let found: Option<$crate::OAuthCodeRecord> = sqlx::query_as(&seen)
                    .bind(code_hash)
                    .bind(now)
                    .fetch_optional(&self.$write)
                    .await?;
                Ok(match found {
                    Some(code) if code.used_at.is_some() => $crate::CodeRedemption::Replayed(code),
                    _ => $crate::CodeRedemption::Missing,
                })
            }

            async fn insert_oauth_tokens(
                &self,
                tokens: &[$crate::OAuthTokenRecord],
                events: &[$crate::EventRecord],
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                for t in tokens {
                    $crate::oauth_sql::bind_token!(sqlx::query($crate::oauth_sql::INSERT_TOKEN), t)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::StoreError::from_write)?;
                }
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn oauth_token(
                &self,
                id: &str,
            ) -> $crate::StoreResult<Option<$crate::OAuthTokenRecord>> {
                let sql = format!(
                    "SELECT {} FROM oauth_tokens WHERE id = $1",
                    $crate::oauth_sql::TOKEN_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$write)
                    .await?)
            }

            async fn refresh_token_by_hash(
                &self,
                hash: &str,
            ) -> $crate::StoreResult<Option<$crate::OAuthTokenRecord>> {
                let sql = format!(
                    "SELECT {} FROM oauth_tokens WHERE token_hash = $1",
                    $crate::oauth_sql::TOKEN_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(hash)
                    .fetch_optional(&self.$write)
                    .await?)
            }

            async fn use_refresh_token(
                &self,
                id: &str,
                now: i64,
                rotate: bool,
                idle_expires_at: i64,
            ) -> $crate::StoreResult<Option<$crate::RefreshUse>> {
                if !rotate {
                    let done = sqlx::query(
                        "UPDATE oauth_tokens SET idle_expires_at = $2 \
                         WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(idle_expires_at)
                    .execute(&self.$write)
                    .await?;
                    return Ok((done.rows_affected() == 1).then_some($crate::RefreshUse {
                        rotated_at: None,
                        first_rotation: false,
                    }));
                }
                let first = sqlx::query(
                    "UPDATE oauth_tokens SET rotated_at = $2 \
                     WHERE id = $1 AND revoked_at IS NULL AND rotated_at IS NULL",
                )
                .bind(id)
                .bind(now)
                .execute(&self.$write)
                .await?;
                if first.rows_affected() == 1 {
                    return Ok(Some($crate::RefreshUse {
                        rotated_at: Some(now),
                        first_rotation: true,
                    }));
                }
                let row: Option<(Option<i64>, Option<i64>)> =
                    sqlx::query_as("SELECT rotated_at, revoked_at FROM oauth_tokens WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.$write)
                        .await?;
                Ok(match row {
                    Some((rotated_at, None)) => Some($crate::RefreshUse {
                        rotated_at,
                        first_rotation: false,
                    }),
                    _ => None,
                })
            }

            async fn revoke_oauth_grant(
                &self,
                grant_id: &str,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<u64> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE oauth_tokens SET revoked_at = $2 \
                     WHERE grant_id = $1 AND revoked_at IS NULL",
                )
                .bind(grant_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn revoke_oauth_token(
                &self,
                t: &$crate::OAuthTokenRecord,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let sql = format!(
                    "{} ON CONFLICT (id) DO UPDATE SET revoked_at = $15 \
                     WHERE oauth_tokens.revoked_at IS NULL",
                    $crate::oauth_sql::INSERT_TOKEN
                );
                let done = $crate::oauth_sql::bind_token!(sqlx::query(&sql), t)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_user_oauth_tokens(
                &self,
                user_id: &str,
                now: i64,
            ) -> $crate::StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE oauth_tokens SET revoked_at = $2 \
                     WHERE user_id = $1 AND revoked_at IS NULL",
                )
                .bind(user_id)
                .bind(now)
                .execute(&self.$write)
                .await?;
                Ok(done.rows_affected())
            }

            async fn refresh_tokens(
                &self,
                filter: &$crate::RefreshTokenFilter,
                now: i64,
            ) -> $crate::StoreResult<Vec<$crate::OAuthTokenRecord>> {
                let (mut clause, params) = $crate::oauth_sql::refresh_where(filter);
                let mut after = None;
                if let Some(key) = &filter.after {
                    let created = key.key_i64().ok_or($crate::StoreError::InvalidCursor)?;
                    clause.push_str(&format!(
                        " AND (created, id) > (${}, ${})",
                        params.len() + 2,
                        params.len() + 3
                    ));
                    after = Some((created, key.id.clone()));
                }
                let sql = format!(
                    "SELECT {} FROM oauth_tokens WHERE {clause} ORDER BY created, id LIMIT {}",
                    $crate::oauth_sql::TOKEN_COLUMNS,
                    i64::from(filter.limit) + 1
                );
                let mut query = sqlx::query_as(&sql).bind(now);
                for p in &params {
                    query = query.bind(p);
                }
                if let Some((created, id)) = after {
                    query = query.bind(created).bind(id);
                }
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn refresh_token_clients(
                &self,
                filter: &$crate::RefreshTokenFilter,
                now: i64,
            ) -> $crate::StoreResult<Vec<String>> {
                let (clause, params) = $crate::oauth_sql::refresh_where(filter);
                let sql = format!(
                    "SELECT DISTINCT client_id FROM oauth_tokens WHERE {clause} ORDER BY client_id"
                );
                let mut query = sqlx::query_scalar(&sql).bind(now);
                for p in &params {
                    query = query.bind(p);
                }
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn revoke_refresh_tokens(
                &self,
                filter: &$crate::RefreshTokenFilter,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<u64> {
                let (clause, params) = $crate::oauth_sql::refresh_where(filter);
                let sql = format!(
                    "UPDATE oauth_tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
                     AND grant_id IN (SELECT grant_id FROM oauth_tokens WHERE {clause})"
                );
                let mut tx = self.$write.begin().await?;
                let mut query = sqlx::query(&sql).bind(now);
                for p in &params {
                    query = query.bind(p);
                }
                let done = query.execute(&mut *tx).await?;
                if done.rows_affected() > 0 {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn app_grants(
                &self,
                app_id: &str,
            ) -> $crate::StoreResult<Vec<$crate::AppGrantRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, app_id, scope_id, issuer, created, created_by, last_updated \
                     FROM app_grants WHERE app_id = $1 ORDER BY created, id",
                )
                .bind(app_id)
                .fetch_all(&self.$read)
                .await?)
            }

            async fn insert_app_grant(
                &self,
                g: &$crate::AppGrantRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO app_grants (id, app_id, scope_id, issuer, created, created_by, \
                     last_updated) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&g.id)
                .bind(&g.app_id)
                .bind(&g.scope_id)
                .bind(&g.issuer)
                .bind(g.created)
                .bind(&g.created_by)
                .bind(g.last_updated)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_app_grant(
                &self,
                app_id: &str,
                id: &str,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM app_grants WHERE app_id = $1 AND id = $2")
                    .bind(app_id)
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

            async fn insert_device_code(
                &self,
                d: &$crate::DeviceCodeRecord,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM oauth_device_codes WHERE expires_at <= $1")
                    .bind(d.created)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO oauth_device_codes (device_hash, user_code, server_id, \
                     client_id, scopes, status, user_id, body, created, expires_at, last_poll) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&d.device_hash)
                .bind(&d.user_code)
                .bind(&d.server_id)
                .bind(&d.client_id)
                .bind(sqlx::types::Json(&d.scopes))
                .bind(&d.status)
                .bind(&d.user_id)
                .bind(sqlx::types::Json(&d.body))
                .bind(d.created)
                .bind(d.expires_at)
                .bind(d.last_poll)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::from_write)?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn pending_device_code(
                &self,
                user_code: &str,
                now: i64,
            ) -> $crate::StoreResult<Option<$crate::DeviceCodeRecord>> {
                Ok(sqlx::query_as(
                    "SELECT device_hash, user_code, server_id, client_id, scopes, status, \
                     user_id, body, created, expires_at, last_poll FROM oauth_device_codes \
                     WHERE user_code = $1 AND status = 'PENDING' AND expires_at > $2",
                )
                .bind(user_code)
                .bind(now)
                .fetch_optional(&self.$write)
                .await?)
            }

            async fn decide_device_code(
                &self,
                user_code: &str,
                approve: bool,
                user_id: &str,
                body: &serde_json::Map<String, serde_json::Value>,
                now: i64,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE oauth_device_codes SET status = $2, user_id = $3, body = $4 \
                     WHERE user_code = $1 AND status = 'PENDING' AND expires_at > $5",
                )
                .bind(user_code)
                .bind(if approve { "APPROVED" } else { "DENIED" })
                .bind(user_id)
                .bind(sqlx::types::Json(body))
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

            async fn poll_device_code(
                &self,
                device_hash: &str,
                now: i64,
            ) -> $crate::StoreResult<Option<$crate::DeviceCodeRecord>> {
                const COLUMNS: &str = "device_hash, user_code, server_id, client_id, scopes, \
                     status, user_id, body, created, expires_at, last_poll";
                let mut tx = self.$write.begin().await?;
                // Exactly one poll takes an approved authorization.
                let taken: Option<$crate::DeviceCodeRecord> = sqlx::query_as(&format!(
                    "UPDATE oauth_device_codes SET status = 'REDEEMED', last_poll = $2 \
                     WHERE device_hash = $1 AND status = 'APPROVED' RETURNING {COLUMNS}"
                ))
                .bind(device_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(mut taken) = taken {
                    tx.commit().await?;
                    taken.status = "APPROVED".into();
                    return Ok(Some(taken));
                }
                let before: Option<$crate::DeviceCodeRecord> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM oauth_device_codes WHERE device_hash = $1"
                ))
                .bind(device_hash)
                .fetch_optional(&mut *tx)
                .await?;
                if before.is_some() {
                    sqlx::query("UPDATE oauth_device_codes SET last_poll = $2 WHERE device_hash = $1")
                        .bind(device_hash)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(before)
            }

            async fn user_grants(
                &self,
                user_id: &str,
                client_id: Option<&str>,
            ) -> $crate::StoreResult<Vec<$crate::UserGrantRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, user_id, client_id, server_id, scope_id, scope_name, source, \
                     created, last_updated FROM user_grants WHERE user_id = $1 \
                     AND (CAST($2 AS TEXT) IS NULL OR client_id = CAST($2 AS TEXT)) \
                     ORDER BY created, id",
                )
                .bind(user_id)
                .bind(client_id)
                .fetch_all(&self.$read)
                .await?)
            }

            async fn insert_user_grants(
                &self,
                grants: &[$crate::UserGrantRecord],
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                for g in grants {
                    sqlx::query(
                        "INSERT INTO user_grants (id, user_id, client_id, server_id, scope_id, \
                         scope_name, source, created, last_updated) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (user_id, client_id, server_id, scope_name) DO NOTHING",
                    )
                    .bind(&g.id)
                    .bind(&g.user_id)
                    .bind(&g.client_id)
                    .bind(&g.server_id)
                    .bind(&g.scope_id)
                    .bind(&g.scope_name)
                    .bind(&g.source)
                    .bind(g.created)
                    .bind(g.last_updated)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::from_write)?;
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_user_grants(
                &self,
                user_id: &str,
                client_id: Option<&str>,
                id: Option<&str>,
                event: &$crate::EventRecord,
            ) -> $crate::StoreResult<u64> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "DELETE FROM user_grants WHERE user_id = $1 \
                     AND (CAST($2 AS TEXT) IS NULL OR client_id = CAST($2 AS TEXT)) \
                     AND (CAST($3 AS TEXT) IS NULL OR id = CAST($3 AS TEXT))",
                )
                .bind(user_id)
                .bind(client_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() > 0 {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn claim_assertion_jti(
                &self,
                jti_key: &str,
                expires_at: i64,
                now: i64,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM oauth_assertion_jtis WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query(
                    "INSERT INTO oauth_assertion_jtis (jti_key, expires_at) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(jti_key)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use impl_oauth_store;
