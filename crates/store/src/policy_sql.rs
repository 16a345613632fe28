//! Policies, their rules, network zones and lockout counters (policy.md, zones.md;
//! the Policy and NetworkZone tags).
//!
//! Priorities are rewritten inside the write transaction after the backend's `lock` on the
//! list (policy type or policy id), so two writers moving rows of one list take turns and
//! each reads the order the other committed.
//!
//! Written once for both backends; a backend's module stamps it with its store type, sqlx
//! database, write and read pools and [`crate::filter_sql::SqlDialect`].

macro_rules! impl_policy_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;
        use sqlx::types::Json;

        use super::{$store, insert_event};
        use crate::{
            EventRecord, NetworkZoneRecord, PolicyRecord, PolicyRuleRecord, PolicyStore,
            StoreError, StoreResult, ZoneStore,
        };
        use model::policy::priority::{place, Slot};

        const POLICY_COLUMNS: &str = "id, type, name, description, priority, status, system, \
            conditions, settings, created, last_updated";
        const RULE_COLUMNS: &str =
            "id, policy_id, type, name, priority, status, system, conditions, \
            actions, created, last_updated";
        const ZONE_COLUMNS: &str =
            "id, type, name, status, usage, system, gateways, proxies, created, last_updated";

        /// Which priority list a row belongs to.
        #[derive(Clone, Copy)]
        enum Scope<'a> {
            /// The policies of one type.
            Policies(&'a str),
            /// The rules of one policy.
            Rules(&'a str),
        }

        /// Places `moving` at `wanted` within its list and rewrites the priorities that changed.
        async fn reorder(
            conn: &mut <$db as sqlx::Database>::Connection,
            scope: Scope<'_>,
            moving: Option<&str>,
            wanted: i64,
        ) -> StoreResult<i64> {
            let (table, column, key) = match scope {
                Scope::Policies(t) => ("policies", "type", t),
                Scope::Rules(p) => ("policy_rules", "policy_id", p),
            };
            super::lock(&mut *conn, &format!("{table}:{key}")).await?;
            let sql =
                format!("SELECT id, system FROM {table} WHERE {column} = $1 ORDER BY priority, id");
            let rows: Vec<(String, bool)> =
                sqlx::query_as(&sql).bind(key).fetch_all(&mut *conn).await?;
            let slots: Vec<Slot> = rows
                .into_iter()
                .map(|(id, system)| Slot { id, system })
                .collect();
            let placed = place(&slots, moving, (wanted > 0).then_some(wanted));
            let update =
                format!("UPDATE {table} SET priority = $2 WHERE id = $1 AND priority <> $2");
            let mut mine = 0;
            for (id, priority) in &placed {
                sqlx::query(&update)
                    .bind(id)
                    .bind(priority)
                    .execute(&mut *conn)
                    .await?;
                if Some(id.as_str()) == moving {
                    mine = *priority;
                }
            }
            Ok(mine)
        }

        async fn insert_policy_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            p: &PolicyRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO policies (id, type, name, description, priority, status, system, \
                 conditions, settings, created, last_updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&p.id)
            .bind(&p.policy_type)
            .bind(&p.name)
            .bind(&p.description)
            .bind(i64::MAX)
            .bind(&p.status)
            .bind(p.system)
            .bind(Json(&p.conditions))
            .bind(Json(&p.settings))
            .bind(p.created)
            .bind(p.last_updated)
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        async fn insert_rule_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            r: &PolicyRuleRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO policy_rules (id, policy_id, type, name, priority, status, system, \
                 conditions, actions, created, last_updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&r.id)
            .bind(&r.policy_id)
            .bind(&r.rule_type)
            .bind(&r.name)
            .bind(i64::MAX)
            .bind(&r.status)
            .bind(r.system)
            .bind(Json(&r.conditions))
            .bind(Json(&r.actions))
            .bind(r.created)
            .bind(r.last_updated)
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        async fn insert_zone_row(
            conn: &mut <$db as sqlx::Database>::Connection,
            z: &NetworkZoneRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO network_zones (id, type, name, name_lower, status, usage, system, \
                 gateways, proxies, created, last_updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&z.id)
            .bind(&z.zone_type)
            .bind(&z.name)
            .bind(z.name.to_lowercase())
            .bind(&z.status)
            .bind(&z.usage)
            .bind(z.system)
            .bind(Json(&z.gateways))
            .bind(Json(&z.proxies))
            .bind(z.created)
            .bind(z.last_updated)
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
            Ok(())
        }

        #[async_trait]
        impl PolicyStore for $store {
            async fn policy_by_id(&self, id: &str) -> StoreResult<Option<PolicyRecord>> {
                let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_policies(
                &self,
                policy_type: &str,
                status: Option<&str>,
            ) -> StoreResult<Vec<PolicyRecord>> {
                let sql = format!(
                    "SELECT {POLICY_COLUMNS} FROM policies WHERE type = $1 \
                     AND (CAST($2 AS TEXT) IS NULL OR status = $2) ORDER BY priority, id"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(policy_type)
                    .bind(status)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn insert_policy(
                &self,
                policy: &PolicyRecord,
                rules: &[PolicyRuleRecord],
                event: &EventRecord,
            ) -> StoreResult<PolicyRecord> {
                let mut tx = self.$write.begin().await?;
                insert_policy_row(&mut tx, policy).await?;
                let priority = reorder(
                    &mut tx,
                    Scope::Policies(&policy.policy_type),
                    Some(&policy.id),
                    policy.priority,
                )
                .await?;
                for rule in rules {
                    insert_rule_row(&mut tx, rule).await?;
                    reorder(
                        &mut tx,
                        Scope::Rules(&policy.id),
                        Some(&rule.id),
                        rule.priority,
                    )
                    .await?;
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(PolicyRecord {
                    priority,
                    ..policy.clone()
                })
            }

            async fn ensure_default_policy(
                &self,
                policy: &PolicyRecord,
                rules: &[PolicyRuleRecord],
                events: &[EventRecord],
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let existing: Option<(String,)> =
                    sqlx::query_as("SELECT id FROM policies WHERE type = $1 AND system = $2")
                        .bind(&policy.policy_type)
                        .bind(true)
                        .fetch_optional(&mut *tx)
                        .await?;
                if existing.is_some() {
                    return Ok(false);
                }
                match insert_policy_row(&mut tx, policy).await {
                    Err(StoreError::Duplicate { .. }) => return Ok(false),
                    other => other?,
                }
                reorder(&mut tx, Scope::Policies(&policy.policy_type), None, 0).await?;
                for rule in rules {
                    insert_rule_row(&mut tx, rule).await?;
                    reorder(
                        &mut tx,
                        Scope::Rules(&policy.id),
                        Some(&rule.id),
                        rule.priority,
                    )
                    .await?;
                }
                for event in events {
                    insert_event(&mut tx, event).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn update_policy(
                &self,
                policy: &PolicyRecord,
                event: &EventRecord,
            ) -> StoreResult<PolicyRecord> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE policies SET name = $2, description = $3, status = $4, conditions = $5, \
                     settings = $6, last_updated = $7 WHERE id = $1",
                )
                .bind(&policy.id)
                .bind(&policy.name)
                .bind(&policy.description)
                .bind(&policy.status)
                .bind(Json(&policy.conditions))
                .bind(Json(&policy.settings))
                .bind(policy.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let priority = reorder(
                    &mut tx,
                    Scope::Policies(&policy.policy_type),
                    Some(&policy.id),
                    policy.priority,
                )
                .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(PolicyRecord {
                    priority,
                    ..policy.clone()
                })
            }

            async fn delete_policy(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let kind: Option<(String,)> =
                    sqlx::query_as("SELECT type FROM policies WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((kind,)) = kind else {
                    return Ok(false);
                };
                sqlx::query("DELETE FROM policies WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                reorder(&mut tx, Scope::Policies(&kind), None, 0).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn list_policy_rules(
                &self,
                policy_id: &str,
            ) -> StoreResult<Vec<PolicyRuleRecord>> {
                let sql = format!(
                    "SELECT {RULE_COLUMNS} FROM policy_rules WHERE policy_id = $1 ORDER BY priority, id"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(policy_id)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn rules_of_type(&self, policy_type: &str) -> StoreResult<Vec<PolicyRuleRecord>> {
                let sql = format!(
                    "SELECT {RULE_COLUMNS} FROM policy_rules WHERE policy_id IN \
                     (SELECT id FROM policies WHERE type = $1) ORDER BY policy_id, priority, id"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(policy_type)
                    .fetch_all(&self.$read)
                    .await?)
            }

            async fn policy_rule(
                &self,
                policy_id: &str,
                rule_id: &str,
            ) -> StoreResult<Option<PolicyRuleRecord>> {
                let sql = format!(
                    "SELECT {RULE_COLUMNS} FROM policy_rules WHERE policy_id = $1 AND id = $2"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(policy_id)
                    .bind(rule_id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn insert_policy_rule(
                &self,
                rule: &PolicyRuleRecord,
                event: &EventRecord,
            ) -> StoreResult<PolicyRuleRecord> {
                let mut tx = self.$write.begin().await?;
                insert_rule_row(&mut tx, rule).await?;
                let priority = reorder(
                    &mut tx,
                    Scope::Rules(&rule.policy_id),
                    Some(&rule.id),
                    rule.priority,
                )
                .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(PolicyRuleRecord {
                    priority,
                    ..rule.clone()
                })
            }

            async fn update_policy_rule(
                &self,
                rule: &PolicyRuleRecord,
                event: &EventRecord,
            ) -> StoreResult<PolicyRuleRecord> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE policy_rules SET name = $3, status = $4, conditions = $5, actions = $6, \
                     last_updated = $7 WHERE policy_id = $1 AND id = $2",
                )
                .bind(&rule.policy_id)
                .bind(&rule.id)
                .bind(&rule.name)
                .bind(&rule.status)
                .bind(Json(&rule.conditions))
                .bind(Json(&rule.actions))
                .bind(rule.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let priority = reorder(
                    &mut tx,
                    Scope::Rules(&rule.policy_id),
                    Some(&rule.id),
                    rule.priority,
                )
                .await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(PolicyRuleRecord {
                    priority,
                    ..rule.clone()
                })
            }

            async fn delete_policy_rule(
                &self,
                policy_id: &str,
                rule_id: &str,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM policy_rules WHERE policy_id = $1 AND id = $2")
                    .bind(policy_id)
                    .bind(rule_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                reorder(&mut tx, Scope::Rules(policy_id), None, 0).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }
        }

        #[async_trait]
        impl ZoneStore for $store {
            async fn zone_by_id(&self, id: &str) -> StoreResult<Option<NetworkZoneRecord>> {
                let sql = format!("SELECT {ZONE_COLUMNS} FROM network_zones WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn list_zones(&self) -> StoreResult<Vec<NetworkZoneRecord>> {
                let sql = format!(
                    "SELECT {ZONE_COLUMNS} FROM network_zones ORDER BY created, id{}",
                    $dialect.bytes_collation()
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.$read).await?)
            }

            async fn insert_zone(
                &self,
                zone: &NetworkZoneRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                insert_zone_row(&mut tx, zone).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn ensure_default_zone(
                &self,
                zone: &NetworkZoneRecord,
                event: &EventRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let existing: Option<(String,)> = sqlx::query_as(
                    "SELECT id FROM network_zones WHERE name_lower = $1 AND system = $2",
                )
                .bind(zone.name.to_lowercase())
                .bind(true)
                .fetch_optional(&mut *tx)
                .await?;
                if existing.is_some() {
                    return Ok(false);
                }
                match insert_zone_row(&mut tx, zone).await {
                    Err(StoreError::Duplicate { .. }) => return Ok(false),
                    other => other?,
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn update_zone(
                &self,
                zone: &NetworkZoneRecord,
                event: &EventRecord,
            ) -> StoreResult<()> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query(
                    "UPDATE network_zones SET name = $2, name_lower = $3, status = $4, usage = $5, \
                     gateways = $6, proxies = $7, last_updated = $8 WHERE id = $1",
                )
                .bind(&zone.id)
                .bind(&zone.name)
                .bind(zone.name.to_lowercase())
                .bind(&zone.status)
                .bind(&zone.usage)
                .bind(Json(&zone.gateways))
                .bind(Json(&zone.proxies))
                .bind(zone.last_updated)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_zone(&self, id: &str, event: &EventRecord) -> StoreResult<bool> {
                let mut tx = self.$write.begin().await?;
                let done = sqlx::query("DELETE FROM network_zones WHERE id = $1")
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
        }
    };
}
pub(crate) use impl_policy_store;
