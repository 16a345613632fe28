//! One page of the System Log as SQL, for either dialect: the time bounds, the filter, the
//! keywords, the order and the keyset condition after the cursor.
//! `impl_event_store!` reads and prunes the log for either backend.

use crate::event_index::{keyword_pattern, LOGS};
use crate::filter_sql::{compile_filter, Params, SqlDialect, SqlValue};
use crate::{EventOrder, EventQuery, StoreError, StoreResult};

/// Both backends commit events in `seq` order (one SQLite writer; a transaction-scoped
/// advisory lock around the last insert on PostgreSQL), so polling is a `seq` scan.
pub(crate) fn event_page_sql(
    dialect: &dyn SqlDialect,
    query: &EventQuery,
) -> StoreResult<(String, Vec<SqlValue>)> {
    let mut params = Params::default();
    let mut conditions = Vec::new();
    if let Some(since) = query.since {
        conditions.push(format!(
            "published >= {}",
            params.push(SqlValue::Int(since))
        ));
    }
    if let Some(until) = query.until {
        conditions.push(format!("published < {}", params.push(SqlValue::Int(until))));
    }
    if let Some(filter) = &query.filter {
        conditions.push(
            compile_filter(dialect, &LOGS, filter, &mut params)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
    }
    for keyword in &query.keywords {
        let pattern = params.push(SqlValue::Text(keyword_pattern(keyword)));
        conditions.push(format!("keywords LIKE {pattern} ESCAPE '\\'"));
    }
    let after = match &query.after {
        Some(key) => Some((
            key.key.as_i64().ok_or(StoreError::InvalidCursor)?,
            key.id
                .parse::<i64>()
                .map_err(|_| StoreError::InvalidCursor)?,
        )),
        None => None,
    };
    let order = match query.order {
        EventOrder::Polling => {
            if let Some((_, seq)) = after {
                conditions.push(format!("seq > {}", params.push(SqlValue::Int(seq))));
            }
            "seq ASC".to_owned()
        }
        EventOrder::Ascending | EventOrder::Descending => {
            let descending = query.order == EventOrder::Descending;
            if let Some((published, seq)) = after {
                let p = params.push(SqlValue::Int(published));
                let s = params.push(SqlValue::Int(seq));
                let op = if descending { "<" } else { ">" };
                conditions.push(format!("(published, seq) {op} ({p}, {s})"));
            }
            if descending {
                "published DESC, seq DESC".to_owned()
            } else {
                "published ASC, seq ASC".to_owned()
            }
        }
    };
    let limit = params.push(SqlValue::Int(i64::from(query.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT seq, id, published, event_type, body FROM log_events{filter} \
         ORDER BY {order} LIMIT {limit}"
    );
    Ok((sql, params.into_values()))
}

/// Appends `n` events: six parameters each (id, published, event_type, body, attrs, keywords).
pub(crate) fn insert_events_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let p = i * 6;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            )
        })
        .collect();
    format!(
        "INSERT INTO log_events (id, published, event_type, body, attrs, keywords) VALUES {}",
        rows.join(", ")
    )
}

/// Stamps a backend module with the store's System Log reads and pruning.
macro_rules! impl_event_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        use async_trait::async_trait;

        use super::$store;
        use crate::event_sql::event_page_sql;
        use crate::{EventQuery, EventStore, StoreResult, StoredEvent};

        #[async_trait]
        impl EventStore for $store {
            async fn list_events(&self, query: &EventQuery) -> StoreResult<Vec<StoredEvent>> {
                let (sql, params) = event_page_sql(&$dialect, query)?;
                let mut q = sqlx::query_as::<_, StoredEvent>(&sql);
                for p in params {
                    q = q.bind(p);
                }
                Ok(q.fetch_all(&self.$read).await?)
            }

            async fn purge_events(&self, before: i64) -> StoreResult<u64> {
                let done = sqlx::query(
                    "DELETE FROM log_events WHERE published < $1 \
                     AND seq <= (SELECT cursor FROM hook_dispatch WHERE id = 1)",
                )
                .bind(before)
                .execute(&self.$write)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(crate) use impl_event_store;

/// Stamps a backend module with `insert_event(conn, event)`, which appends an event inside the
/// caller's transaction. Callers write events last, just before commit, and the backend's
/// `lock_event_order` makes event transactions take their `seq` and commit one after another,
/// so `seq` order is commit order and a poller never finds an event behind its cursor.
macro_rules! insert_event_fn {
    ($db:ty) => {
        pub(crate) async fn insert_event(
            conn: &mut <$db as sqlx::Database>::Connection,
            event: &crate::EventRecord,
        ) -> crate::StoreResult<()> {
            lock_event_order(&mut *conn).await?;
            let (attrs, keywords) = crate::event_index::index(&event.body);
            sqlx::query(
                "INSERT INTO log_events (id, published, event_type, body, attrs, keywords) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&event.id)
            .bind(event.published)
            .bind(&event.event_type)
            .bind(sqlx::types::Json(&event.body))
            .bind(sqlx::types::Json(&attrs))
            .bind(keywords)
            .execute(conn)
            .await
            .map_err(crate::StoreError::from_write)?;
            Ok(())
        }

        /// Appends `events` in one statement (see `insert_event`).
        pub(crate) async fn insert_events(
            conn: &mut <$db as sqlx::Database>::Connection,
            events: &[crate::EventRecord],
        ) -> crate::StoreResult<()> {
            match events {
                [] => return Ok(()),
                [one] => return insert_event(conn, one).await,
                _ => {}
            }
            lock_event_order(&mut *conn).await?;
            let indexed: Vec<_> = events
                .iter()
                .map(|event| (event, crate::event_index::index(&event.body)))
                .collect();
            let sql = crate::event_sql::insert_events_sql(indexed.len());
            let mut insert = sqlx::query(&sql);
            for (event, (attrs, keywords)) in &indexed {
                insert = insert
                    .bind(&event.id)
                    .bind(event.published)
                    .bind(&event.event_type)
                    .bind(sqlx::types::Json(&event.body))
                    .bind(sqlx::types::Json(attrs))
                    .bind(keywords);
            }
            insert
                .execute(conn)
                .await
                .map_err(crate::StoreError::from_write)?;
            Ok(())
        }
    };
}
pub(crate) use insert_event_fn;
