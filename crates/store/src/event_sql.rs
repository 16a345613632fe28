//! One page of the System Log as SQL, for either dialect: the time bounds, the filter, the
//! keywords, the order and the keyset condition after the cursor.

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
