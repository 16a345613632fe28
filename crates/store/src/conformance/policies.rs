//! Conformance: policies and rules keep dense priorities with the default last, defaults are
//! created once under concurrent start-ups, zones round-trip, and lockout counters are
//! atomic across callers.

use serde_json::json;

use super::{event, events_of, user};
use crate::{NetworkZoneRecord, PolicyRecord, PolicyRuleRecord, Store};

fn policy(kind: &str, name: &str, priority: i64, system: bool) -> PolicyRecord {
    PolicyRecord {
        id: model::ids::new_id(model::ids::Kind::Policy),
        policy_type: kind.into(),
        name: name.into(),
        description: None,
        priority,
        status: "ACTIVE".into(),
        system,
        conditions: json!({}),
        settings: json!({}),
        created: 1,
        last_updated: 1,
    }
}

fn rule(policy_id: &str, name: &str, priority: i64, system: bool) -> PolicyRuleRecord {
    PolicyRuleRecord {
        id: model::ids::new_id(model::ids::Kind::PolicyRule),
        policy_id: policy_id.into(),
        rule_type: "PASSWORD".into(),
        name: name.into(),
        priority,
        status: "ACTIVE".into(),
        system,
        conditions: json!({}),
        actions: json!({ "passwordChange": { "access": "ALLOW" } }),
        created: 1,
        last_updated: 1,
    }
}

async fn names(store: &dyn Store, kind: &str) -> Vec<(String, i64)> {
    store
        .list_policies(kind, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.priority))
        .collect()
}

/// Priorities stay 1..=n with the default last, through inserts, moves and deletes.
pub async fn priorities_shift_and_the_default_stays_last(store: &dyn Store) {
    let kind = "CONFORMANCE_PRIORITY";
    let default = policy(kind, "default", 0, true);
    let default_rule = rule(&default.id, "default rule", 0, true);
    let created = store
        .ensure_default_policy(
            &default,
            std::slice::from_ref(&default_rule),
            &[event("policy.lifecycle.create", 1)],
        )
        .await
        .unwrap();
    assert!(created, "first ensure creates the default");
    assert!(
        !store
            .ensure_default_policy(&policy(kind, "again", 0, true), &[], &[event("x", 1)])
            .await
            .unwrap(),
        "second ensure creates nothing"
    );
    let a = store
        .insert_policy(
            &policy(kind, "a", 0, false),
            &[],
            &event("policy.lifecycle.create", 2),
        )
        .await
        .unwrap();
    assert_eq!(a.priority, 1);
    let b = store
        .insert_policy(
            &policy(kind, "b", 1, false),
            &[],
            &event("policy.lifecycle.create", 3),
        )
        .await
        .unwrap();
    assert_eq!(b.priority, 1, "inserting at 1 takes 1");
    let c = store
        .insert_policy(
            &policy(kind, "c", 99, false),
            &[],
            &event("policy.lifecycle.create", 4),
        )
        .await
        .unwrap();
    assert_eq!(c.priority, 3, "past the end lands before the default");
    assert_eq!(
        names(store, kind).await,
        [
            ("b".into(), 1),
            ("a".into(), 2),
            ("c".into(), 3),
            ("default".into(), 4)
        ]
    );
    let moved = store
        .update_policy(
            &PolicyRecord {
                priority: 1,
                ..c.clone()
            },
            &event("policy.lifecycle.update", 5),
        )
        .await
        .unwrap();
    assert_eq!(moved.priority, 1);
    assert_eq!(
        names(store, kind).await,
        [
            ("c".into(), 1),
            ("b".into(), 2),
            ("a".into(), 3),
            ("default".into(), 4)
        ]
    );
    assert!(store
        .delete_policy(&b.id, &event("policy.lifecycle.delete", 6))
        .await
        .unwrap());
    assert!(!store
        .delete_policy(&b.id, &event("policy.lifecycle.delete", 6))
        .await
        .unwrap());
    assert_eq!(
        names(store, kind).await,
        [("c".into(), 1), ("a".into(), 2), ("default".into(), 3)]
    );
    // Status filter.
    store
        .update_policy(
            &PolicyRecord {
                status: "INACTIVE".into(),
                priority: 2,
                ..a.clone()
            },
            &event("policy.lifecycle.deactivate", 7),
        )
        .await
        .unwrap();
    let inactive = store.list_policies(kind, Some("INACTIVE")).await.unwrap();
    assert_eq!(inactive.len(), 1);
    assert_eq!(inactive[0].id, a.id);

    // Rules of the default policy: new rules go before the default rule.
    let r1 = store
        .insert_policy_rule(
            &rule(&default.id, "r1", 0, false),
            &event("policy.rule.add", 8),
        )
        .await
        .unwrap();
    assert_eq!(r1.priority, 1);
    let r2 = store
        .insert_policy_rule(
            &rule(&default.id, "r2", 1, false),
            &event("policy.rule.add", 9),
        )
        .await
        .unwrap();
    assert_eq!(r2.priority, 1);
    let rules: Vec<(String, i64)> = store
        .list_policy_rules(&default.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.priority))
        .collect();
    assert_eq!(
        rules,
        [
            ("r2".into(), 1),
            ("r1".into(), 2),
            ("default rule".into(), 3)
        ]
    );
    assert_eq!(store.rules_of_type(kind).await.unwrap().len(), 3);
    let fetched = store
        .policy_rule(&default.id, &r1.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.actions, r1.actions);
    assert!(
        store.policy_rule(&c.id, &r1.id).await.unwrap().is_none(),
        "rule ids are per policy"
    );
    assert!(store
        .delete_policy_rule(&default.id, &r2.id, &event("policy.rule.delete", 10))
        .await
        .unwrap());
    let after: Vec<i64> = store
        .list_policy_rules(&default.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.priority)
        .collect();
    assert_eq!(after, [1, 2]);
    // Deleting a policy takes its rules with it.
    let gone = store
        .insert_policy(
            &policy(kind, "gone", 0, false),
            &[],
            &event("policy.lifecycle.create", 11),
        )
        .await
        .unwrap();
    store
        .insert_policy_rule(
            &rule(&gone.id, "g1", 0, false),
            &event("policy.rule.add", 12),
        )
        .await
        .unwrap();
    store
        .delete_policy(&gone.id, &event("policy.lifecycle.delete", 13))
        .await
        .unwrap();
    assert!(store.list_policy_rules(&gone.id).await.unwrap().is_empty());
    assert_eq!(events_of(store, "policy.rule.add").await.len(), 3);
}

/// Concurrent inserts into one list never produce duplicate priorities.
pub async fn concurrent_inserts_keep_priorities_dense(store: &dyn Store) {
    let kind = "CONFORMANCE_RACE";
    let default = policy(kind, "default", 0, true);
    store
        .ensure_default_policy(&default, &[], &[event("policy.lifecycle.create", 1)])
        .await
        .unwrap();
    let inserts = (0..8).map(|i| {
        let p = policy(kind, &format!("p{i}"), 1, false);
        async move {
            store
                .insert_policy(&p, &[], &event("policy.lifecycle.create", 2))
                .await
                .unwrap()
        }
    });
    futures::future::join_all(inserts).await;
    let priorities: Vec<i64> = names(store, kind).await.iter().map(|(_, p)| *p).collect();
    assert_eq!(priorities, (1..=9).collect::<Vec<_>>());
    assert_eq!(names(store, kind).await.last().unwrap().0, "default");
    // Concurrent default creation: exactly one wins.
    let kind = "CONFORMANCE_DEFAULT_RACE";
    let tries = (0..4).map(|_| async move {
        let d = policy(kind, "default", 0, true);
        store
            .ensure_default_policy(&d, &[], &[event("policy.lifecycle.create", 1)])
            .await
            .unwrap()
    });
    let won = futures::future::join_all(tries).await;
    assert_eq!(won.iter().filter(|w| **w).count(), 1);
    assert_eq!(store.list_policies(kind, None).await.unwrap().len(), 1);
}

/// Zones round-trip; default zones are created once.
pub async fn zones_round_trip(store: &dyn Store) {
    let zone = |name: &str, system: bool| NetworkZoneRecord {
        id: model::ids::new_id(model::ids::Kind::NetworkZone),
        zone_type: "IP".into(),
        name: name.into(),
        status: "ACTIVE".into(),
        usage: "POLICY".into(),
        system,
        gateways: json!([{ "type": "CIDR", "value": "10.0.0.0/8" }]),
        proxies: json!([]),
        created: 1,
        last_updated: 1,
    };
    let legacy = zone("LegacyIpZone", true);
    assert!(store
        .ensure_default_zone(&legacy, &event("zone.create", 1))
        .await
        .unwrap());
    assert!(!store
        .ensure_default_zone(&zone("LegacyIpZone", true), &event("zone.create", 1))
        .await
        .unwrap());
    let office = zone("Office", false);
    store
        .insert_zone(&office, &event("zone.create", 2))
        .await
        .unwrap();
    let mut changed = office.clone();
    changed.status = "INACTIVE".into();
    changed.gateways = json!([{ "type": "RANGE", "value": "1.1.1.1-1.1.1.9" }]);
    store
        .update_zone(&changed, &event("zone.update", 3))
        .await
        .unwrap();
    assert_eq!(
        store.zone_by_id(&office.id).await.unwrap().unwrap(),
        changed
    );
    assert!(store.list_zones().await.unwrap().len() >= 2);
    assert!(store
        .delete_zone(&office.id, &event("zone.delete", 4))
        .await
        .unwrap());
    assert!(store.zone_by_id(&office.id).await.unwrap().is_none());
    let missing = zone("Missing", false);
    assert!(matches!(
        store.update_zone(&missing, &event("zone.update", 5)).await,
        Err(crate::StoreError::NotFound)
    ));
}

/// Reservations bound the passwords verified: of a burst of concurrent attempts, only
/// `max_attempts` are granted while they run; failures lock at the limit, once; a success
/// starts the count over; stale reservations free their slot; clearing resets.
pub async fn lockout_reservations_bound_verifications(store: &dyn Store) {
    use crate::AttemptReservation::{Granted, Refused};
    let u = user("lockout.counter@example.com", 1);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", 1))
        .await
        .unwrap();
    assert!(store.login_failures(&u.id).await.unwrap().is_none());
    let burst = (0..30).map(|_| store.reserve_login_attempt(&u.id, 100, 10, 0));
    let answers: Vec<_> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let granted = answers.iter().filter(|a| matches!(a, Granted(_))).count();
    assert_eq!(granted, 10, "exactly max_attempts slots of a burst of 30");
    for a in &answers {
        if let Refused(row) = a {
            let row = row.expect("a refusal reports the counter");
            assert_eq!((row.failures, row.locked_at), (0, None), "busy, not locked");
        }
    }
    // The ten fail concurrently: the count reaches ten and locks exactly once.
    let fails = (0..10).map(|i| store.finish_login_attempt(&u.id, 200 + i, 10, false, &[]));
    let after: Vec<_> = futures::future::join_all(fails)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut counts: Vec<i64> = after.iter().map(|r| r.failures).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>(), "each failure once");
    let tenth = after.iter().find(|r| r.failures == 10).unwrap();
    let locked_at = tenth.locked_at.expect("locked at the tenth failure");
    assert_eq!(locked_at, tenth.last_failure);
    match store
        .reserve_login_attempt(&u.id, 300, 10, 0)
        .await
        .unwrap()
    {
        Refused(Some(row)) => assert_eq!(row.locked_at, Some(locked_at)),
        other => panic!("a locked user gets no slot: {other:?}"),
    }
    store.clear_login_failures(&u.id).await.unwrap();
    assert!(store.login_failures(&u.id).await.unwrap().is_none());

    // Two failures, then a success: the count starts over.
    for t in [400, 401] {
        assert!(matches!(
            store.reserve_login_attempt(&u.id, t, 3, 0).await.unwrap(),
            Granted(_)
        ));
        store
            .finish_login_attempt(&u.id, t, 3, false, &[])
            .await
            .unwrap();
    }
    assert!(matches!(
        store.reserve_login_attempt(&u.id, 402, 3, 0).await.unwrap(),
        Granted(row) if row.failures == 2
    ));
    let ok = store
        .finish_login_attempt(&u.id, 403, 3, true, &[])
        .await
        .unwrap();
    assert_eq!((ok.failures, ok.locked_at), (0, None));

    // A slot held by a node that died frees once the reservation is stale.
    for _ in 0..3 {
        store.reserve_login_attempt(&u.id, 500, 3, 0).await.unwrap();
    }
    assert!(matches!(
        store.reserve_login_attempt(&u.id, 501, 3, 0).await.unwrap(),
        Refused(Some(_))
    ));
    assert!(matches!(
        store
            .reserve_login_attempt(&u.id, 90_000, 3, 60_000)
            .await
            .unwrap(),
        Granted(_)
    ));

    // A success while another attempt locked the user does not unlock it.
    store.clear_login_failures(&u.id).await.unwrap();
    store.reserve_login_attempt(&u.id, 600, 1, 0).await.unwrap();
    let locked = store
        .finish_login_attempt(&u.id, 601, 1, false, &[])
        .await
        .unwrap();
    assert_eq!(locked.locked_at, Some(601));
    let late = store
        .finish_login_attempt(&u.id, 602, 1, true, &[])
        .await
        .unwrap();
    assert_eq!(late.locked_at, Some(601), "still locked");

    // No limit: always granted, never locked; unknown ids need no user row.
    for i in 0..3 {
        assert!(matches!(
            store
                .reserve_login_attempt("unknown-user", i, 0, 0)
                .await
                .unwrap(),
            Granted(_)
        ));
        let r = store
            .finish_login_attempt("unknown-user", i, 0, false, &[])
            .await
            .unwrap();
        assert_eq!(r.locked_at, None);
    }
    // Deleting the user removes its counter.
    store
        .delete_user(&u.id, &event("user.lifecycle.delete.initiated", 700))
        .await
        .unwrap();
    assert!(store.login_failures(&u.id).await.unwrap().is_none());
}
