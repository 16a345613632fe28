//! Authn transactions: lookups by state and recovery token, versioned steps of which one
//! wins, deletion by version, and purging of expired ones.

use serde_json::json;

use super::{event, user};
use crate::{AuthnTransactionRecord, Store};

pub async fn steps_are_versioned_and_tokens_unique(store: &dyn Store) {
    let ann = user("authn.ann@example.com", 1);
    store
        .insert_user(&ann, &[], &event("user.lifecycle.create", 1))
        .await
        .unwrap();
    let t = AuthnTransactionRecord {
        id: "txnA".into(),
        state_token_hash: Some("state-a".into()),
        recovery_token_hash: None,
        user_id: Some(ann.id.clone()),
        status: "MFA_REQUIRED".into(),
        data: json!({ "factorId": "ost1" }),
        expires_at: 1_000,
        recovery_expires_at: 0,
        version: 0,
        created: 10,
    };
    store.insert_authn(&t, &[]).await.unwrap();
    assert_eq!(
        store.authn_by_state_token("state-a").await.unwrap(),
        Some(t.clone()),
        "authn: read back by state token"
    );
    assert_eq!(store.authn_by_state_token("state-b").await.unwrap(), None);
    let mut dup = t.clone();
    dup.id = "txnB".into();
    assert!(
        store.insert_authn(&dup, &[]).await.is_err(),
        "authn: a state token names one transaction"
    );

    // A recovery waiting for its token has no state token.
    let r = AuthnTransactionRecord {
        id: "txnR".into(),
        state_token_hash: None,
        recovery_token_hash: Some("rec-1".into()),
        user_id: None,
        status: "RECOVERY_CHALLENGE".into(),
        data: json!({ "recoveryType": "PASSWORD" }),
        expires_at: 0,
        recovery_expires_at: 5_000,
        version: 0,
        created: 10,
    };
    store.insert_authn(&r, &[]).await.unwrap();
    assert_eq!(
        store.authn_by_recovery_token("rec-1").await.unwrap(),
        Some(r.clone())
    );

    // Racing steps from one read: exactly one wins, and its event is written.
    let racers: Vec<_> = (0..5)
        .map(|i| {
            let mut next = t.clone();
            next.status = "SUCCESS".into();
            next.data = json!({ "step": i });
            next
        })
        .collect();
    let results =
        futures::future::join_all(racers.iter().map(|n| store.update_authn(n, &[]))).await;
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(true))).count(),
        1,
        "authn: one of several racing steps wins"
    );
    let stored = store
        .authn_by_state_token("state-a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
    assert!(
        !store.delete_authn("txnA", 0, &[]).await.unwrap(),
        "authn: a stale delete is refused"
    );
    assert!(store
        .delete_authn("txnA", 1, &[event("user.authentication.cancel", 20)])
        .await
        .unwrap());
    assert_eq!(store.authn_by_state_token("state-a").await.unwrap(), None);

    assert_eq!(
        store.purge_authn(4_000).await.unwrap(),
        0,
        "recovery token still live"
    );
    assert_eq!(store.purge_authn(6_000).await.unwrap(), 1);
    assert_eq!(store.authn_by_recovery_token("rec-1").await.unwrap(), None);
}
