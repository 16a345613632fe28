//! A test org's reset point: `restore` brings back every row as `snapshot` saw it, and only
//! those, with the derived tables (unique values) rebuilt so taken keys are free again.

use super::{event, group, user};
use crate::Store;

pub async fn restore_brings_back_the_snapshot_and_only_it(store: &dyn Store) {
    let kept = user("snap-kept@example.com", 1);
    let team = group("snap-team", "OKTA_GROUP", 1);
    store
        .insert_group(&team, &event("group.lifecycle.create", 1))
        .await
        .unwrap();
    store
        .insert_user(
            &kept,
            std::slice::from_ref(&team.id),
            &event("user.lifecycle.create", 1),
        )
        .await
        .unwrap();
    store.snapshot().await.expect("snapshot");

    // After the snapshot: one user goes, another comes, the group goes.
    let later = user("snap-later@example.com", 2);
    store
        .insert_user(&later, &[], &event("user.lifecycle.create", 2))
        .await
        .unwrap();
    assert!(store
        .delete_user(&kept.id, &event("user.lifecycle.delete.completed", 2))
        .await
        .unwrap());
    assert!(store
        .delete_group(&team.id, &event("group.lifecycle.delete", 2))
        .await
        .unwrap());

    assert!(store.restore().await.expect("restore"), "a snapshot exists");
    let back = store.user_by_id(&kept.id).await.unwrap();
    assert_eq!(
        back.map(|u| u.id),
        Some(kept.id.clone()),
        "restore: the deleted user is back"
    );
    assert!(
        store.user_by_id(&later.id).await.unwrap().is_none(),
        "restore: the user made after the snapshot is gone"
    );
    assert!(
        store.group_by_id(&team.id).await.unwrap().is_some(),
        "restore: the deleted group is back"
    );
    assert!(
        !store
            .add_group_member(
                &team.id,
                &kept.id,
                3,
                &event("group.user_membership.add", 3)
            )
            .await
            .unwrap_or(true),
        "restore: memberships are back"
    );
    // The later user's login is free again: its unique value went with it.
    store
        .insert_user(&later, &[], &event("user.lifecycle.create", 4))
        .await
        .expect("restore: a login taken after the snapshot is free");
    // A second restore gives the same org again.
    assert!(store.restore().await.unwrap());
    assert!(store.user_by_id(&later.id).await.unwrap().is_none());
    // A second snapshot replaces the first.
    store
        .insert_user(&later, &[], &event("user.lifecycle.create", 5))
        .await
        .unwrap();
    store.snapshot().await.unwrap();
    store
        .delete_user(&later.id, &event("user.lifecycle.delete.completed", 6))
        .await
        .unwrap();
    assert!(store.restore().await.unwrap());
    assert!(store.user_by_id(&later.id).await.unwrap().is_some());
    // The System Log empties on demand.
    assert!(store.clear_system_log().await.unwrap() > 0);
    let left = store
        .list_events(&crate::EventQuery {
            since: None,
            until: None,
            filter: None,
            keywords: Vec::new(),
            order: crate::EventOrder::Polling,
            after: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(left.is_empty(), "clear_system_log: no event left");
}
