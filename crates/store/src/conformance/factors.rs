//! Factors: round trip, one factor per type and provider, versioned updates that let one
//! of two racing verifications win, deletion one by one, per user, and with the user.

use serde_json::json;

use super::{event, events_of, user};
use crate::{FactorRecord, Store, StoreError};

fn factor(id: &str, user_id: &str, factor_type: &str, provider: &str) -> FactorRecord {
    FactorRecord {
        id: id.into(),
        user_id: user_id.into(),
        factor_type: factor_type.into(),
        provider: provider.into(),
        status: "PENDING_ACTIVATION".into(),
        profile: json!({ "credentialId": "ann@example.com" }),
        secret_sealed: Some("v1:seed".into()),
        challenge_sealed: None,
        challenge_expires: 0,
        last_sent: 0,
        last_step: 0,
        attempts: 0,
        attempts_since: 0,
        version: 0,
        created: 10,
        last_updated: 10,
    }
}

pub async fn crud_uniqueness_and_versions(store: &dyn Store) {
    let ann = user("factor.ann@example.com", 1);
    let bob = user("factor.bob@example.com", 1);
    for u in [&ann, &bob] {
        store
            .insert_user(u, &[], &event("user.lifecycle.create", 1))
            .await
            .unwrap();
    }
    let totp = factor("ostA", &ann.id, "token:software:totp", "OKTA");
    store
        .insert_factor(&totp, &event("user.mfa.factor.update", 10))
        .await
        .unwrap();
    assert_eq!(
        store.factor_by_id(&ann.id, "ostA").await.unwrap(),
        Some(totp.clone()),
        "factors: read back field for field"
    );
    assert_eq!(
        store.factor_by_id(&bob.id, "ostA").await.unwrap(),
        None,
        "factors: another user's factor is not found"
    );
    let again = factor("ostB", &ann.id, "token:software:totp", "OKTA");
    assert!(
        matches!(
            store
                .insert_factor(&again, &event("user.mfa.factor.update", 11))
                .await,
            Err(StoreError::Duplicate {
                field: "factorType"
            })
        ),
        "factors: one per type and provider"
    );
    let google = factor("uftA", &ann.id, "token:software:totp", "GOOGLE");
    store
        .insert_factor(&google, &event("user.mfa.factor.update", 12))
        .await
        .unwrap();
    store
        .insert_factor(
            &factor("ostC", &bob.id, "token:software:totp", "OKTA"),
            &event("user.mfa.factor.update", 12),
        )
        .await
        .unwrap();
    let ids: Vec<String> = store
        .list_factors(&ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(
        ids,
        ["ostA", "uftA"],
        "factors: a user's list, oldest first"
    );

    // Two verifications read version 0; the first update wins, the second writes nothing.
    let mut first = totp.clone();
    first.status = "ACTIVE".into();
    first.last_step = 7;
    first.last_updated = 20;
    let mut second = totp.clone();
    second.last_step = 7;
    second.attempts = 3;
    assert!(store
        .update_factor(&first, &[event("user.mfa.factor.activate", 20)])
        .await
        .unwrap());
    assert!(
        !store
            .update_factor(&second, &[event("factor.stale", 21)])
            .await
            .unwrap(),
        "factors: a stale version is refused"
    );
    assert!(
        events_of(store, "factor.stale").await.is_empty(),
        "factors: a refused update writes no event"
    );
    let stored = store.factor_by_id(&ann.id, "ostA").await.unwrap().unwrap();
    assert_eq!(
        (
            stored.status.as_str(),
            stored.last_step,
            stored.attempts,
            stored.version
        ),
        ("ACTIVE", 7, 0, 1),
        "factors: the winning update is stored and the version bumped"
    );

    // Racing updates from one read: exactly one wins.
    let racers: Vec<_> = (0..6)
        .map(|i| {
            let mut f = stored.clone();
            f.last_step = 100 + i;
            f
        })
        .collect();
    let results =
        futures::future::join_all(racers.iter().map(|f| store.update_factor(f, &[]))).await;
    let wins = results.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(wins, 1, "factors: one of several racing updates wins");

    assert!(store
        .delete_factor(&ann.id, "uftA", &event("user.mfa.factor.deactivate", 30))
        .await
        .unwrap());
    assert!(
        !store
            .delete_factor(&ann.id, "uftA", &event("user.mfa.factor.deactivate", 31))
            .await
            .unwrap(),
        "factors: deleting twice finds nothing"
    );
    assert_eq!(
        store
            .delete_user_factors(&ann.id, &event("user.mfa.factor.reset_all", 32))
            .await
            .unwrap(),
        1
    );
    assert!(store.list_factors(&ann.id).await.unwrap().is_empty());
    assert_eq!(store.list_factors(&bob.id).await.unwrap().len(), 1);
    assert!(store
        .delete_user(&bob.id, &event("user.lifecycle.delete.completed", 33))
        .await
        .unwrap());
    assert_eq!(
        store.factor_by_id(&bob.id, "ostC").await.unwrap(),
        None,
        "factors: deleted with their user"
    );
}
