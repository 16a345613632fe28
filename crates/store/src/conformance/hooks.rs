//! Event hooks: every committed event becomes exactly one delivery per subscribed hook, even
//! with dispatchers on several nodes; deliveries go out in order per hook; a lease that runs
//! out (a node died mid-delivery) lets another node take over; retries and give-ups.

use serde_json::json;

use super::event;
use crate::{DeliveryOutcome, EventHookRecord, Store};

fn hook(id: &str, items: &[&str], from_seq: i64) -> EventHookRecord {
    EventHookRecord {
        id: id.into(),
        name: format!("hook {id}"),
        status: "ACTIVE".into(),
        verification_status: "VERIFIED".into(),
        events: json!({"type": "EVENT_TYPE", "items": items, "filter": null}),
        channel: json!({"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://hooks.test/x"}}),
        auth_value_sealed: None,
        from_seq,
        created: 1,
        last_updated: 1,
    }
}

async fn drain_dispatch(store: &dyn Store, now: i64) {
    while store.dispatch_events(now, 50).await.expect("dispatch") > 0 {}
}

pub async fn deliveries_exactly_once_in_order_with_leases(store: &dyn Store) {
    // Anything logged before the hooks exist is not theirs.
    drain_dispatch(store, 1).await;
    let start = store.max_event_seq().await.expect("max seq");
    store
        .insert_hook(
            &hook("whoA", &["conf.hook.a"], start),
            &event("event_hook.created", 1),
        )
        .await
        .expect("hook a");
    store
        .insert_hook(
            &hook("whoB", &["conf.hook.a", "conf.hook.b"], start),
            &event("event_hook.created", 1),
        )
        .await
        .expect("hook b");
    let mut unverified = hook("whoC", &["conf.hook.a"], start);
    unverified.verification_status = "UNVERIFIED".into();
    store
        .insert_hook(&unverified, &event("event_hook.created", 1))
        .await
        .expect("hook c");

    // Events from concurrent writers; dispatchers racing.
    let writes = (0..10).map(|i| {
        let kind = if i % 2 == 0 {
            "conf.hook.a"
        } else {
            "conf.hook.b"
        };
        let u = super::user(&format!("hooked{i}@example.com"), 60_000 + i);
        let ev = event(kind, 60_000 + i);
        async move { store.insert_user(&u, &[], &ev).await }
    });
    let dispatchers = (0..4).map(|_| drain_dispatch(store, 100));
    let (results, _) = tokio::join!(
        futures::future::join_all(writes),
        futures::future::join_all(dispatchers)
    );
    assert!(results.iter().all(Result::is_ok));
    drain_dispatch(store, 100).await;

    let a = store.hook_deliveries("whoA").await.expect("a");
    let b = store.hook_deliveries("whoB").await.expect("b");
    assert_eq!(a.len(), 5, "hooks: one delivery per subscribed event (a)");
    assert_eq!(b.len(), 10, "hooks: one delivery per subscribed event (b)");
    assert!(
        store.hook_deliveries("whoC").await.expect("c").is_empty(),
        "hooks: unverified hooks get nothing"
    );
    let seqs: Vec<i64> = b.iter().map(|d| d.event_seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        seqs, sorted,
        "hooks: deliveries follow commit order, no duplicates"
    );

    // Only the head of each hook is claimable, and only once while the lease lives.
    let claimed = store.claim_deliveries(200, 1_000, 10).await.expect("claim");
    assert_eq!(claimed.len(), 2, "hooks: one head per hook");
    assert!(
        store
            .claim_deliveries(300, 1_000, 10)
            .await
            .expect("claim")
            .is_empty(),
        "hooks: leased heads are not claimed twice"
    );
    let head_b = claimed
        .iter()
        .find(|d| d.hook_id == "whoB")
        .expect("b head")
        .clone();
    assert_eq!(head_b.id, b[0].id);
    // The node holding hook A's head "dies"; after the lease another node takes it over.
    let head_a = claimed
        .iter()
        .find(|d| d.hook_id == "whoA")
        .expect("a head")
        .clone();
    store
        .finish_delivery(head_b.id, &DeliveryOutcome::Delivered, 400)
        .await
        .expect("delivered");
    let next = store.claim_deliveries(500, 1_000, 10).await.expect("claim");
    assert_eq!(
        next.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![b[1].id],
        "hooks: B moves on, A is still leased"
    );
    let taken_over = store
        .claim_deliveries(1_300, 1_000, 10)
        .await
        .expect("claim");
    assert!(
        taken_over.iter().any(|d| d.id == head_a.id),
        "hooks: an expired lease is taken over"
    );
    // Retry later, then give up: the hook moves on.
    store
        .finish_delivery(
            head_a.id,
            &DeliveryOutcome::Retry {
                next_attempt_at: 5_000,
                error: "503".into(),
            },
            1_400,
        )
        .await
        .expect("retry");
    assert!(
        store
            .claim_deliveries(2_500, 1_000, 10)
            .await
            .expect("claim")
            .iter()
            .all(|d| d.hook_id != "whoA"),
        "hooks: a retry waits for its time, and blocks its hook"
    );
    let again = store
        .claim_deliveries(5_000, 1_000, 10)
        .await
        .expect("claim");
    let retried = again.iter().find(|d| d.hook_id == "whoA").expect("retried");
    assert_eq!((retried.id, retried.attempts), (head_a.id, 1));
    store
        .finish_delivery(
            head_a.id,
            &DeliveryOutcome::GiveUp {
                error: "gone".into(),
            },
            5_100,
        )
        .await
        .expect("give up");
    let after = store
        .claim_deliveries(10_000, 1_000, 10)
        .await
        .expect("claim");
    assert_eq!(
        after.iter().find(|d| d.hook_id == "whoA").map(|d| d.id),
        Some(a[1].id),
        "hooks: after giving up the next event goes"
    );
    let final_a = store.hook_deliveries("whoA").await.expect("a");
    assert_eq!(final_a[0].status, "FAILED");
    assert_eq!(final_a[0].attempts, 2);

    // Deleting a hook removes its outbox.
    assert!(store
        .delete_hook("whoC", &event("event_hook.deleted", 20_000))
        .await
        .expect("delete"));
    assert!(store.hook_by_id("whoC").await.expect("get").is_none());
}
