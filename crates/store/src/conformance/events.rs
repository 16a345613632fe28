//! The System Log: polling sees every event exactly once under concurrent writes; bounded and
//! descending pages, filters and keywords select the right events.

use serde_json::json;
use std::collections::HashSet;

use super::user;
use crate::{EventOrder, EventQuery, EventRecord, Store, StoredEvent};

fn event_for(kind: &str, now: i64, target: &str, words: &str) -> EventRecord {
    let id = model::ids::random_base62(22);
    EventRecord {
        id: id.clone(),
        published: now,
        event_type: kind.into(),
        body: json!({
            "uuid": id,
            "eventType": kind,
            "severity": "INFO",
            "displayMessage": words,
            "actor": {"id": "00uactor", "type": "User"},
            "outcome": {"result": if kind.ends_with("fail") { "FAILURE" } else { "SUCCESS" }},
            "target": [{"id": target, "type": "User"}],
        }),
    }
}

async fn page(store: &dyn Store, query: &EventQuery) -> (Vec<StoredEvent>, bool) {
    let mut rows = store.list_events(query).await.expect("list events");
    let more = rows.len() > query.limit as usize;
    rows.truncate(query.limit as usize);
    (rows, more)
}

pub async fn polling_sees_each_event_once_under_concurrent_writes(store: &dyn Store) {
    // Start the cursor at the current end of the log.
    let mut after = None;
    loop {
        let (rows, more) = page(
            store,
            &EventQuery {
                after: after.clone(),
                limit: 200,
                ..Default::default()
            },
        )
        .await;
        if let Some(last) = rows.last() {
            after = Some(last.page_key(EventOrder::Polling));
        }
        if !more {
            break;
        }
    }
    let writers = 24;
    let mut written = HashSet::new();
    let inserts: Vec<_> = (0..writers)
        .map(|i| {
            let u = user(&format!("poll{i}@example.com"), 40_000 + i);
            let ev = event_for("conformance.poll", 40_000 + i, &u.id, "poll");
            written.insert(ev.id.clone());
            (u, ev)
        })
        .collect();
    let writes =
        futures::future::join_all(inserts.iter().map(|(u, ev)| store.insert_user(u, &[], ev)));
    let reads = async {
        let mut seen = Vec::new();
        let mut cursor = after.clone();
        for _ in 0..200 {
            let (rows, _) = page(
                store,
                &EventQuery {
                    after: cursor.clone(),
                    limit: 5,
                    ..Default::default()
                },
            )
            .await;
            if let Some(last) = rows.last() {
                cursor = Some(last.page_key(EventOrder::Polling));
            }
            seen.extend(rows.into_iter().map(|e| e.id));
            tokio::task::yield_now().await;
        }
        (seen, cursor)
    };
    let (results, (mut seen, mut cursor)) = tokio::join!(writes, reads);
    assert!(results.iter().all(Result::is_ok));
    // Drain what is left after the writers finished.
    loop {
        let (rows, more) = page(
            store,
            &EventQuery {
                after: cursor.clone(),
                limit: 7,
                ..Default::default()
            },
        )
        .await;
        if let Some(last) = rows.last() {
            cursor = Some(last.page_key(EventOrder::Polling));
        }
        let empty = rows.is_empty();
        seen.extend(rows.into_iter().map(|e| e.id));
        if !more && empty {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "polling: no event twice");
    for id in &written {
        assert!(
            unique.contains(id),
            "polling: every committed event is seen"
        );
    }
}

pub async fn bounded_pages_filters_and_keywords(store: &dyn Store) {
    let base = 50_000;
    for i in 0..9 {
        let kind = if i % 3 == 0 {
            "conformance.bounded.fail"
        } else {
            "conformance.bounded"
        };
        let ev = event_for(
            kind,
            base + i,
            &format!("00utarget{}", i % 2),
            &format!("word{i} shared-Token"),
        );
        let u = user(&format!("bounded{i}@example.com"), base + i);
        store.insert_user(&u, &[], &ev).await.expect("insert");
    }
    let window = |order| EventQuery {
        since: Some(base),
        until: Some(base + 9),
        order,
        limit: 4,
        ..Default::default()
    };
    let walk = |order| async move {
        let mut all = Vec::new();
        let mut q = window(order);
        loop {
            let (rows, more) = page(store, &q).await;
            q.after = rows.last().map(|e| e.page_key(order));
            all.extend(rows.into_iter().map(|e| e.published));
            if !more {
                break;
            }
        }
        all
    };
    assert_eq!(
        walk(EventOrder::Ascending).await,
        (base..base + 9).collect::<Vec<_>>(),
        "bounded: ascending by published"
    );
    assert_eq!(
        walk(EventOrder::Descending).await,
        (base..base + 9).rev().collect::<Vec<_>>(),
        "bounded: descending by published"
    );

    let filtered = |expr: &str| EventQuery {
        since: Some(base),
        until: Some(base + 9),
        order: EventOrder::Ascending,
        filter: Some(model::expr::logs::parse_filter(expr).expect("filter")),
        limit: 50,
        ..Default::default()
    };
    let count = |q: EventQuery| async move { page(store, &q).await.0.len() };
    assert_eq!(
        count(filtered("eventType eq \"conformance.bounded.fail\"")).await,
        3,
        "filter: eventType eq"
    );
    assert_eq!(
        count(filtered("outcome.result eq \"FAILURE\"")).await,
        3,
        "filter: outcome.result"
    );
    assert_eq!(
        count(filtered("target.id eq \"00utarget1\"")).await,
        4,
        "filter: any target"
    );
    assert_eq!(
        count(filtered(
            "eventType sw \"conformance.bounded\" and not (target.id eq \"00utarget1\")"
        ))
        .await,
        5,
        "filter: and/not"
    );
    assert_eq!(
        count(filtered("eventType ne \"conformance.bounded\"")).await,
        3,
        "filter: ne"
    );
    let with_words = |words: &[&str]| EventQuery {
        since: Some(base),
        until: Some(base + 9),
        order: EventOrder::Ascending,
        keywords: words.iter().map(|w| w.to_string()).collect(),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(count(with_words(&["word4"])).await, 1, "q: one word");
    assert_eq!(
        count(with_words(&["SHARED"])).await,
        9,
        "q: a hyphenated part, any case"
    );
    assert_eq!(
        count(with_words(&["shared-token", "word2"])).await,
        1,
        "q: all words must match"
    );
    assert_eq!(count(with_words(&["wor"])).await, 0, "q: whole words only");
}

pub async fn retention_purges_only_dispatched_old_events(store: &dyn Store) {
    while store.dispatch_events(1, 500).await.expect("dispatch") > 0 {}
    let old = EventRecord {
        published: 5,
        ..event_for("conformance.old", 5, "00uold", "ancient")
    };
    let u = user("retention@example.com", 5);
    store.insert_user(&u, &[], &old).await.expect("insert");
    let bounded = |kind: &str| EventQuery {
        since: Some(0),
        until: Some(10),
        order: EventOrder::Ascending,
        filter: Some(
            model::expr::logs::parse_filter(&format!("eventType eq \"{kind}\"")).expect("filter"),
        ),
        limit: 10,
        ..Default::default()
    };
    store.purge_events(100).await.expect("purge");
    assert_eq!(
        store
            .list_events(&bounded("conformance.old"))
            .await
            .expect("list")
            .len(),
        1,
        "retention: events hooks have not seen stay"
    );
    while store.dispatch_events(1, 500).await.expect("dispatch") > 0 {}
    assert!(store.purge_events(100).await.expect("purge") >= 1);
    assert!(
        store
            .list_events(&bounded("conformance.old"))
            .await
            .expect("list")
            .is_empty(),
        "retention: old dispatched events go"
    );
    assert!(
        !store
            .list_events(&EventQuery {
                limit: 5,
                ..Default::default()
            })
            .await
            .expect("list")
            .is_empty(),
        "retention: newer events stay"
    );
}
