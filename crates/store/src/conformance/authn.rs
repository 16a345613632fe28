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

fn message(id: &str, due: i64) -> crate::OutboxMessage {
    crate::OutboxMessage {
        id: id.into(),
        channel: "EMAIL".into(),
        user_id: None,
        payload: format!("sealed-{id}"),
        created: due,
        expires_at: due + 60_000,
        attempts: 0,
        next_attempt_at: due,
        locked_until: None,
        last_error: None,
    }
}

/// Outbox messages commit with the transaction that sends them (and not when it fails); of
/// concurrent claimers exactly one gets each due message until its lease ends; a retry waits
/// for its time; a finished message is gone.
pub async fn outbox_messages_are_claimed_once(store: &dyn Store) {
    use crate::MessageOutcome;
    let t = AuthnTransactionRecord {
        id: "txnOutbox".into(),
        state_token_hash: None,
        recovery_token_hash: Some("rec-outbox".into()),
        user_id: None,
        status: "RECOVERY_CHALLENGE".into(),
        data: json!({}),
        expires_at: 0,
        recovery_expires_at: 5_000,
        version: 0,
        created: 10,
    };
    store
        .insert_authn_with_messages(&t, &[event("x.outbox", 10)], &[message("m1", 100)])
        .await
        .unwrap();
    // A failing insert (the same transaction id) leaves no message behind.
    assert!(store
        .insert_authn_with_messages(&t, &[], &[message("m-lost", 100)])
        .await
        .is_err());
    let more: Vec<_> = (2..=20)
        .map(|i| message(&format!("m{i}"), 100 + i))
        .collect();
    store.enqueue_messages(&more).await.unwrap();
    assert_eq!(store.pending_messages().await.unwrap(), 20);
    assert!(
        store
            .claim_messages(50, 1_000, 100)
            .await
            .unwrap()
            .is_empty(),
        "nothing is due before its time"
    );
    let claims = (0..8).map(|_| store.claim_messages(1_000, 10_000, 5));
    let mut got: Vec<String> = futures::future::join_all(claims)
        .await
        .into_iter()
        .flat_map(|r| r.unwrap())
        .map(|m| m.id)
        .collect();
    got.sort();
    let mut unique = got.clone();
    unique.dedup();
    assert_eq!(got, unique, "outbox: a message goes to one claimer");
    assert_eq!(got.len(), 20, "outbox: every due message is claimed");
    assert!(
        store
            .claim_messages(5_000, 10_000, 100)
            .await
            .unwrap()
            .is_empty(),
        "outbox: a live lease holds"
    );
    store
        .finish_message(
            "m1",
            &MessageOutcome::Retry {
                next_attempt_at: 30_000,
                error: "refused".into(),
            },
        )
        .await
        .unwrap();
    for m in &got {
        if m != "m1" {
            store
                .finish_message(m, &MessageOutcome::Done)
                .await
                .unwrap();
        }
    }
    assert_eq!(store.pending_messages().await.unwrap(), 1);
    assert!(store
        .claim_messages(20_000, 10_000, 10)
        .await
        .unwrap()
        .is_empty());
    let again = store.claim_messages(30_000, 10_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("refused"));
    assert_eq!(again[0].payload, "sealed-m1");
    store
        .finish_message("m1", &MessageOutcome::Done)
        .await
        .unwrap();
    assert_eq!(store.pending_messages().await.unwrap(), 0);
}

/// A message with nowhere to go moves to the mailbox: out of the outbox, listed newest first
/// (in arrival order when times tie), by recipient without regard to case, and purged by age.
pub async fn kept_mail_moves_out_of_the_outbox(store: &dyn Store) {
    use crate::MessageOutcome;
    let ids = ["k1", "k2", "k3"];
    let batch: Vec<_> = ids.iter().map(|id| message(id, 100)).collect();
    store.enqueue_messages(&batch).await.unwrap();
    let before = store.pending_messages().await.unwrap();
    for (id, to) in ids
        .iter()
        .zip(["a@example.com", "B@example.com", "a@example.com"])
    {
        store
            .finish_message(
                id,
                &MessageOutcome::Keep {
                    recipient: to.into(),
                    subject: format!("subject {id}"),
                    kept_at: 500,
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(store.pending_messages().await.unwrap(), before - 3);
    let all = store.kept_mail(None, 10).await.unwrap();
    let order: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        order,
        ["k3", "k2", "k1"],
        "newest first, arrival order on ties"
    );
    assert_eq!(all[0].payload, "sealed-k3");
    assert_eq!(all[0].subject, "subject k3");
    let to_a = store.kept_mail(Some("A@EXAMPLE.com"), 10).await.unwrap();
    assert_eq!(to_a.len(), 2);
    assert_eq!(store.kept_mail(None, 1).await.unwrap().len(), 1);
    assert_eq!(store.purge_kept_mail(400).await.unwrap(), 0);
    assert_eq!(store.purge_kept_mail(501).await.unwrap(), 3);
    assert!(store.kept_mail(None, 10).await.unwrap().is_empty());
}
