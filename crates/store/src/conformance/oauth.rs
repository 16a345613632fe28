//! OAuth state the authorization servers keep: device authorizations.

use serde_json::{json, Map};

use super::event;
use crate::{DeviceCodeRecord, Store};

fn device(hash: &str, user_code: &str, expires_at: i64) -> DeviceCodeRecord {
    DeviceCodeRecord {
        device_hash: hash.into(),
        user_code: user_code.into(),
        server_id: "aus1".into(),
        client_id: "0oa1".into(),
        scopes: vec!["openid".into()],
        status: "PENDING".into(),
        user_id: None,
        body: Map::new(),
        created: 100,
        expires_at,
        last_poll: 0,
    }
}

/// A device authorization is found by its user code while pending and unexpired, decided
/// once, and an approval is taken by exactly one of concurrent polls; user codes are unique.
pub async fn device_codes_are_decided_once_and_redeemed_once(store: &dyn Store) {
    store
        .insert_device_code(&device("dh1", "BCDFGHJK", 10_000), &event("x.device", 100))
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_device_code(&device("dh2", "BCDFGHJK", 10_000), &event("x.device", 100))
            .await,
        Err(crate::StoreError::Duplicate { .. })
    ));
    assert!(store
        .pending_device_code("BCDFGHJK", 200)
        .await
        .unwrap()
        .is_some());
    assert!(
        store
            .pending_device_code("BCDFGHJK", 10_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    let polled = store.poll_device_code("dh1", 300).await.unwrap().unwrap();
    assert_eq!((polled.status.as_str(), polled.last_poll), ("PENDING", 0));
    let polled = store.poll_device_code("dh1", 400).await.unwrap().unwrap();
    assert_eq!(polled.last_poll, 300, "a poll answers the state before it");
    let mut body = Map::new();
    body.insert("auth_time".into(), json!(7));
    assert!(store
        .decide_device_code(
            "BCDFGHJK",
            true,
            "00u1",
            &body,
            500,
            &event("x.approve", 500)
        )
        .await
        .unwrap());
    assert!(
        !store
            .decide_device_code(
                "BCDFGHJK",
                false,
                "00u1",
                &Map::new(),
                501,
                &event("x.deny", 501)
            )
            .await
            .unwrap(),
        "decided once"
    );
    assert!(store
        .pending_device_code("BCDFGHJK", 600)
        .await
        .unwrap()
        .is_none());
    let polls = (0..6).map(|i| store.poll_device_code("dh1", 700 + i));
    let approved: Vec<DeviceCodeRecord> = futures::future::join_all(polls)
        .await
        .into_iter()
        .filter_map(|r| r.unwrap())
        .filter(|r| r.status == "APPROVED")
        .collect();
    assert_eq!(approved.len(), 1, "exactly one poll takes the approval");
    assert_eq!(approved[0].user_id.as_deref(), Some("00u1"));
    assert_eq!(approved[0].body.get("auth_time"), Some(&json!(7)));
    let after = store.poll_device_code("dh1", 800).await.unwrap().unwrap();
    assert_eq!(after.status, "REDEEMED");
    assert!(store
        .poll_device_code("unknown", 800)
        .await
        .unwrap()
        .is_none());
}
