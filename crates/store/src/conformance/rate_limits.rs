//! Rate-limit counters: concurrent adds from several nodes sum exactly, per key over the
//! slots asked for, with the oldest slot; slots before the start go.

use crate::{RateDelta, RateTotal, Store};

fn delta(key: &str, slot: i64, count: i64) -> RateDelta {
    RateDelta {
        key: key.into(),
        slot,
        count,
    }
}

fn total(key: &str, count: i64, oldest_slot: i64) -> RateTotal {
    RateTotal {
        key: key.into(),
        count,
        oldest_slot,
    }
}

async fn totals(store: &dyn Store, since: i64, deltas: &[RateDelta]) -> Vec<RateTotal> {
    let mut t = store.add_rate_counts(since, deltas).await.expect("counts");
    t.sort_by(|a, b| a.key.cmp(&b.key));
    t
}

pub async fn windows_sum_across_callers(store: &dyn Store) {
    let base = 1_000_000_000;
    let adds = (0..20).map(|i| {
        let deltas = vec![
            delta("users", base + (i % 3) * 1_000, 3),
            delta(&format!("b{}", i % 2), base + 5_000, 1),
        ];
        async move { store.add_rate_counts(base, &deltas).await }
    });
    for r in futures::future::join_all(adds).await {
        r.expect("add counts");
    }
    assert_eq!(
        totals(store, base, &[]).await,
        vec![
            total("b0", 10, base + 5_000),
            total("b1", 10, base + 5_000),
            total("users", 60, base)
        ],
        "rate limits: concurrent adds sum exactly across slots"
    );
    // Counting from a later slot leaves the earlier ones out, and drops them.
    assert_eq!(
        totals(store, base + 2_000, &[delta("users", base + 60_000, 1)]).await,
        vec![
            total("b0", 10, base + 5_000),
            total("b1", 10, base + 5_000),
            total("users", 19, base + 2_000)
        ],
        "rate limits: slots before the start do not count"
    );
    assert_eq!(
        totals(store, base, &[]).await,
        vec![
            total("b0", 10, base + 5_000),
            total("b1", 10, base + 5_000),
            total("users", 19, base + 2_000)
        ],
        "rate limits: dropped slots are gone"
    );
    assert!(
        totals(store, base + 120_000, &[]).await.is_empty(),
        "rate limits: everything older than the start goes"
    );
}
