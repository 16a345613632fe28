//! Rate-limit windows: concurrent adds from several nodes sum exactly; old windows go.

use crate::Store;

pub async fn windows_sum_across_callers(store: &dyn Store) {
    let window = 60_000 * 1_000;
    let adds = (0..20).map(|i| {
        let deltas = vec![("users".to_owned(), 3), (format!("b{}", i % 2), 1)];
        async move { store.add_rate_counts(window, &deltas).await }
    });
    for r in futures::future::join_all(adds).await {
        r.expect("add counts");
    }
    let mut totals = store
        .add_rate_counts(window, &[])
        .await
        .expect("read totals");
    totals.sort();
    assert_eq!(
        totals,
        vec![
            ("b0".to_owned(), 10),
            ("b1".to_owned(), 10),
            ("users".to_owned(), 60)
        ],
        "rate limits: concurrent adds sum exactly"
    );
    let next = store
        .add_rate_counts(window + 120_000, &[("users".to_owned(), 1)])
        .await
        .expect("later window");
    assert_eq!(
        next,
        vec![("users".to_owned(), 1)],
        "rate limits: a new window starts at zero"
    );
    let old = store
        .add_rate_counts(window, &[])
        .await
        .expect("old window");
    assert!(
        old.is_empty(),
        "rate limits: windows two minutes old are dropped"
    );
}
