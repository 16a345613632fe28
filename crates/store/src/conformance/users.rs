//! Users: CRUD, uniqueness, races, atomicity, optimistic concurrency, keyset pages, filters.

use serde_json::json;
use std::collections::HashSet;

use super::{event, events_of, group, user};
use crate::{page_key_for, GroupStore, Store, StoreError, UserFilter, UserQuery};

pub async fn crud_round_trip(store: &dyn Store) {
    let mut u = user("Round.Trip@Example.com", 1_000);
    u.profile.insert("tags".into(), json!(["a", "b"]));
    u.password_hash = Some("phc".into());
    u.secrets.activation_token_hash = Some("act".into());
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", 1_000))
        .await
        .expect("insert");
    let got = store
        .user_by_id(&u.id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got, u, "users: a stored user reads back field for field");
    let by_login = store
        .user_by_login("round.trip@example.com")
        .await
        .expect("by login");
    assert_eq!(
        by_login.map(|x| x.id),
        Some(u.id.clone()),
        "users: login look-up ignores case"
    );

    let mut changed = got.clone();
    changed.status = "ACTIVE".into();
    changed.profile.insert("title".into(), json!("Boss"));
    changed.last_updated = 2_000;
    let saved = store
        .update_user(&changed, &event("user.account.update_profile", 2_000))
        .await
        .expect("update");
    assert_eq!(saved.version, 1, "users: update increments the version");
    let again = store
        .user_by_id(&u.id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(again.profile["title"], "Boss");
    assert_eq!(again.version, 1);

    assert!(store
        .delete_user(&u.id, &event("user.lifecycle.delete.initiated", 3_000))
        .await
        .expect("delete"));
    assert!(
        store.user_by_id(&u.id).await.expect("get").is_none(),
        "users: deleted is gone"
    );
    assert!(!store
        .delete_user(&u.id, &event("x", 3_000))
        .await
        .expect("delete twice"));
    let missing = store.update_user(&changed, &event("x", 4_000)).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound)),
        "users: update of a deleted user is NotFound"
    );
}

pub async fn logins_unique_ignoring_case(store: &dyn Store) {
    let a = user("unique@example.com", 1);
    store
        .insert_user(&a, &[], &event("user.lifecycle.create", 1))
        .await
        .expect("first");
    let b = user("UNIQUE@example.com", 2);
    let err = store
        .insert_user(&b, &[], &event("user.lifecycle.create", 2))
        .await;
    assert!(
        matches!(err, Err(StoreError::Duplicate { field: "login" })),
        "users: duplicate login maps to field login: {err:?}"
    );
    // Renaming another user onto a taken login is refused too.
    let c = user("other@example.com", 3);
    store
        .insert_user(&c, &[], &event("user.lifecycle.create", 3))
        .await
        .expect("third");
    let mut renamed = c.clone();
    renamed
        .profile
        .insert("login".into(), json!("Unique@Example.com"));
    let err = store.update_user(&renamed, &event("x", 4)).await;
    assert!(
        matches!(err, Err(StoreError::Duplicate { field: "login" })),
        "users: rename onto taken login: {err:?}"
    );
}

pub async fn same_login_race_has_one_winner(store: &dyn Store) {
    let attempts: Vec<_> = (0..16)
        .map(|i| {
            user(
                if i % 2 == 0 {
                    "race@example.com"
                } else {
                    "Race@Example.com"
                },
                10 + i,
            )
        })
        .collect();
    let evs: Vec<_> = (0..16)
        .map(|i| event("user.lifecycle.create", 10 + i))
        .collect();
    let futs = attempts
        .iter()
        .zip(evs.iter())
        .map(|(u, e)| store.insert_user(u, &[], e));
    let results = futures::future::join_all(futs).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        wins, 1,
        "users: exactly one of 16 concurrent creates of one login wins"
    );
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(r, Err(StoreError::Duplicate { field: "login" })),
            "users: losers see Duplicate: {r:?}"
        );
    }
}

pub async fn failed_write_leaves_no_event(store: &dyn Store) {
    let before = events_of(store, "conformance.atomicity").await.len();
    let dup = user("unique@example.com", 50);
    let r = store
        .insert_user(&dup, &[], &event("conformance.atomicity", 50))
        .await;
    assert!(r.is_err());
    let after = events_of(store, "conformance.atomicity").await.len();
    assert_eq!(before, after, "atomicity: a refused change writes no event");
    let ok = user("atomic@example.com", 51);
    store
        .insert_user(&ok, &[], &event("conformance.atomicity", 51))
        .await
        .expect("insert");
    assert_eq!(
        events_of(store, "conformance.atomicity").await.len(),
        after + 1,
        "atomicity: an accepted change writes its event"
    );
}

pub async fn stale_version_is_a_conflict(store: &dyn Store) {
    let u = user("versioned@example.com", 60);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", 60))
        .await
        .expect("insert");
    let first = store
        .update_user(&u, &event("x", 61))
        .await
        .expect("first update");
    assert_eq!(first.version, 1);
    let stale = store.update_user(&u, &event("x", 62)).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict)),
        "users: a stale version is a Conflict: {stale:?}"
    );
}

/// Concurrent `modify_user` calls on one user all land (each sets its own attribute), none
/// is refused, the version moves once per change, and each change wrote its event; a change
/// that keeps the user writes nothing; an unknown id is None.
pub async fn concurrent_changes_all_land(store: &dyn Store) {
    let u = user("many.writers@example.com", 70);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", 70))
        .await
        .expect("insert");
    let writers = (0..20).map(|i| {
        let id = u.id.clone();
        async move {
            store
                .modify_user(&id, &mut |user| {
                    user.profile.insert(format!("attr{i}"), json!(i));
                    crate::UserChange::Write(vec![event("conformance.modify", 71)])
                })
                .await
        }
    });
    for result in futures::future::join_all(writers).await {
        assert!(
            matches!(result, Ok(Some(_))),
            "users: a concurrent change is never refused: {result:?}"
        );
    }
    let stored = store.user_by_id(&u.id).await.expect("read").expect("user");
    for i in 0..20 {
        assert_eq!(
            stored.profile.get(&format!("attr{i}")),
            Some(&json!(i)),
            "users: change {i} was lost"
        );
    }
    assert_eq!(stored.version, 20, "one version per change");
    assert_eq!(events_of(store, "conformance.modify").await.len(), 20);
    let kept = store
        .modify_user(&u.id, &mut |user| {
            user.profile.insert("ignored".into(), json!(true));
            crate::UserChange::Keep
        })
        .await
        .expect("keep")
        .expect("user");
    assert!(kept.profile.contains_key("ignored"), "the user as edited");
    let again = store.user_by_id(&u.id).await.expect("read").expect("user");
    assert!(
        !again.profile.contains_key("ignored"),
        "Keep writes nothing"
    );
    assert_eq!(again.version, 20);
    // A change on a stale copy lands on the user as it stands, keeping what others wrote.
    let seen_late = store
        .modify_seen_user(&u, &mut |user| {
            user.profile.insert("late".into(), json!(true));
            crate::UserChange::Write(vec![event("conformance.modify", 72)])
        })
        .await
        .expect("stale copy")
        .expect("user");
    assert_eq!(seen_late.version, 21);
    assert_eq!(
        seen_late.profile.get("attr7"),
        Some(&json!(7)),
        "nothing lost"
    );
    // A current copy is written as it is.
    let current = store
        .modify_seen_user(&seen_late, &mut |user| {
            user.profile.insert("current".into(), json!(1));
            crate::UserChange::Write(Vec::new())
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.version, 22);
    let stored = store.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!(stored.profile.get("current"), Some(&json!(1)));
    assert_eq!(stored.profile.get("late"), Some(&json!(true)));
    let missing = store
        .modify_user("00unothere0000000000", &mut |_| crate::UserChange::Keep)
        .await
        .expect("no error");
    assert!(missing.is_none());
}

pub async fn keyset_pages_visit_every_row_once_under_inserts(store: &dyn Store) {
    let mut expected = HashSet::new();
    for i in 0..53 {
        // Several users share a created timestamp, so the id must break ties.
        let u = user(&format!("page{i:03}@example.com"), 10_000 + (i / 4));
        store
            .insert_user(&u, &[], &event("user.lifecycle.create", 10_000))
            .await
            .expect("seed");
        expected.insert(u.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut extra = 0;
    loop {
        let q = UserQuery {
            filter: UserFilter::All,
            sort: None,
            after: after.clone(),
            limit: 7,
            text_attributes: Vec::new(),
            member_of: None,
        };
        let mut page = store.list_users(&q).await.expect("page");
        let more = page.len() > 7;
        page.truncate(7);
        after = page.last().map(|u| page_key_for(u, None));
        seen.extend(page.into_iter().map(|u| u.id));
        // Concurrent inserts between pages, before and after the cursor.
        let late = user(&format!("late{extra}@example.com"), 10_000 + extra);
        store
            .insert_user(&late, &[], &event("user.lifecycle.create", 10_000))
            .await
            .expect("late insert");
        extra += 1;
        if !more {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "keyset: no row twice");
    for id in &expected {
        assert!(
            unique.contains(id),
            "keyset: every row present before the scan is visited"
        );
    }
}

pub async fn prefix_and_expressions_select_the_right_rows(store: &dyn Store) {
    let people = [
        ("zed.alpha@corp.test", "Zed", "Alpha", "Eng"),
        ("zoe.beta@corp.test", "Zoe", "Beta", "Sales"),
        ("amy.zed@corp.test", "Amy", "Zedd", "eng"),
    ];
    for (i, (login, first, last, dept)) in people.iter().enumerate() {
        let mut u = user(login, 20_000 + i as i64);
        u.profile.insert("firstName".into(), json!(first));
        u.profile.insert("lastName".into(), json!(last));
        u.profile.insert("department".into(), json!(dept));
        store
            .insert_user(&u, &[], &event("user.lifecycle.create", 20_000))
            .await
            .expect("seed");
    }
    let logins = |rows: Vec<crate::UserRecord>| {
        let mut v: Vec<String> = rows
            .into_iter()
            .map(|u| u.login_lower())
            .filter(|l| l.ends_with("@corp.test"))
            .collect();
        v.sort();
        v
    };
    let q = UserQuery {
        filter: UserFilter::Prefix("ZE".into()),
        sort: None,
        after: None,
        limit: 50,
        text_attributes: Vec::new(),
        member_of: None,
    };
    assert_eq!(
        logins(store.list_users(&q).await.expect("q")),
        vec!["amy.zed@corp.test", "zed.alpha@corp.test"],
        "q: prefix of firstName, lastName or email, ignoring case"
    );
    let expr = model::expr::users::parse_search("profile.department eq \"ENG\"").expect("parse");
    let q = UserQuery {
        filter: UserFilter::Expr(expr),
        sort: None,
        after: None,
        limit: 50,
        text_attributes: Vec::new(),
        member_of: None,
    };
    assert_eq!(
        logins(store.list_users(&q).await.expect("search")),
        vec!["amy.zed@corp.test", "zed.alpha@corp.test"],
        "search: eq ignores case"
    );
    let expr = model::expr::users::parse_filter("profile.firstName eq \"Zoe\"").expect("parse");
    let q = UserQuery {
        filter: UserFilter::Expr(expr),
        sort: None,
        after: None,
        limit: 50,
        text_attributes: Vec::new(),
        member_of: None,
    };
    assert_eq!(
        logins(store.list_users(&q).await.expect("filter")),
        vec!["zoe.beta@corp.test"],
        "filter: eq"
    );
}

pub async fn memberships_follow_users(store: &dyn Store) {
    let g = group("Engineers", "OKTA_GROUP", 30_000);
    store
        .insert_group(&g, &event("group.lifecycle.create", 30_000))
        .await
        .expect("group");
    let everyone = store
        .everyone_group()
        .await
        .expect("everyone")
        .expect("present");
    let u = user("member@example.com", 30_001);
    store
        .insert_user(
            &u,
            &[g.id.clone(), everyone.id.clone(), g.id.clone()],
            &event("user.lifecycle.create", 30_001),
        )
        .await
        .expect("insert with groups");
    let groups = store.user_groups(&u.id).await.expect("groups");
    let ids: HashSet<_> = groups.iter().map(|g| g.id.clone()).collect();
    assert_eq!(
        ids,
        HashSet::from([g.id.clone(), everyone.id.clone()]),
        "memberships: written with the user, once each"
    );
    let g_after = GroupStore::group_by_id(store, &g.id)
        .await
        .expect("group")
        .expect("present");
    assert_eq!(
        g_after.last_membership_updated, 30_001,
        "memberships: lastMembershipUpdated moves"
    );
    store
        .delete_user(&u.id, &event("x", 30_002))
        .await
        .expect("delete");
    assert!(
        store.user_groups(&u.id).await.expect("groups").is_empty(),
        "memberships: go with the user"
    );
}

/// Bulk import: a batch commits its new users with their memberships and events; a login that
/// is taken (stored or earlier in the batch) is skipped, with nothing of it written.
pub async fn import_skips_taken_logins(store: &dyn Store) {
    use crate::NewUser;
    let g = group("Imported", "OKTA_GROUP", 40_000);
    store
        .insert_group(&g, &event("group.lifecycle.create", 40_000))
        .await
        .expect("group");
    let existing = user("import.taken@example.com", 40_001);
    store
        .insert_user(&existing, &[], &event("user.lifecycle.create", 40_001))
        .await
        .expect("existing");
    let new = |login: &str, at: i64, kind: &str| NewUser {
        user: user(login, at),
        group_ids: vec![g.id.clone()],
        events: vec![event(kind, at)],
    };
    let batch = vec![
        new("import.one@example.com", 40_002, "import.test.one"),
        new("IMPORT.TAKEN@example.com", 40_003, "import.test.taken"),
        new("import.two@example.com", 40_004, "import.test.two"),
        new("Import.One@Example.com", 40_005, "import.test.again"),
    ];
    let inserted = store.import_users(&batch).await.expect("import");
    assert_eq!(
        inserted,
        vec![true, false, true, false],
        "import: taken logins (stored or earlier in the batch) are skipped"
    );
    for (new, expected) in batch.iter().zip(&inserted) {
        let stored = store.user_by_id(&new.user.id).await.expect("get");
        assert_eq!(
            stored.is_some(),
            *expected,
            "import: only inserted users exist"
        );
        let groups = store.user_groups(&new.user.id).await.expect("groups");
        assert_eq!(
            groups.len(),
            usize::from(*expected),
            "import: memberships follow"
        );
    }
    for (kind, count) in [
        ("import.test.one", 1),
        ("import.test.two", 1),
        ("import.test.taken", 0),
        ("import.test.again", 0),
    ] {
        assert_eq!(
            events_of(store, kind).await.len(),
            count,
            "import: events only for inserted users ({kind})"
        );
    }
    let g_after = GroupStore::group_by_id(store, &g.id)
        .await
        .expect("group")
        .expect("present");
    assert_eq!(
        g_after.last_membership_updated, 40_004,
        "import: lastMembershipUpdated moves to the newest membership"
    );
    let again = store.import_users(&batch[..1]).await.expect("re-run");
    assert_eq!(again, vec![false], "import: a re-run skips what exists");
}

/// A search index on a text attribute is created, listed and dropped by name, and a search
/// compiled for a text attribute finds the same users with the index as without it: case
/// ignored, arrays and other types of other users left alone, page order kept.
pub async fn profile_indexes_answer_searches_alike(store: &dyn Store) {
    let people = [
        ("pi.one@idx.test", json!("North")),
        ("pi.two@idx.test", json!("north")),
        ("pi.three@idx.test", json!("South")),
        ("pi.four@idx.test", json!(7)),
    ];
    for (i, (login, region)) in people.iter().enumerate() {
        let mut u = user(login, 40_000 + i as i64);
        u.profile.insert("region".into(), region.clone());
        store
            .insert_user(&u, &[], &event("user.lifecycle.create", 40_000))
            .await
            .expect("seed");
    }
    assert!(
        store
            .create_profile_index("region; DROP TABLE users")
            .await
            .is_err(),
        "profile index: a name that is not letters, digits and _ is refused"
    );
    let search = |text: Vec<String>| UserQuery {
        filter: UserFilter::Expr(
            model::expr::users::parse_search("profile.region eq \"NORTH\"").expect("parse"),
        ),
        sort: None,
        after: None,
        limit: 50,
        text_attributes: text,
        member_of: None,
    };
    let ids = |rows: Vec<crate::UserRecord>| rows.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let scanned = ids(store.list_users(&search(Vec::new())).await.expect("scan"));
    assert_eq!(
        scanned.len(),
        2,
        "profile index: the scan finds both Norths"
    );
    let compiled = ids(store
        .list_users(&search(vec!["region".into()]))
        .await
        .expect("plain"));
    assert_eq!(
        compiled, scanned,
        "profile index: the plain compare before the index"
    );
    assert!(
        !store.holds_only_text("region").await.expect("types"),
        "profile index: a number among the values is seen"
    );
    assert!(
        store.holds_only_text("nowhere").await.expect("types"),
        "profile index: an attribute nobody holds holds only text"
    );
    store.create_profile_index("region").await.expect("create");
    store
        .create_profile_index("region")
        .await
        .expect("create again");
    assert!(
        store
            .profile_indexes()
            .await
            .expect("list")
            .contains(&"region".to_owned()),
        "profile index: listed once built"
    );
    let indexed = ids(store
        .list_users(&search(vec!["region".into()]))
        .await
        .expect("indexed"));
    assert_eq!(
        indexed, scanned,
        "profile index: the same users in the same order"
    );
    store.drop_profile_index("region").await.expect("drop");
    assert!(
        !store
            .profile_indexes()
            .await
            .expect("list")
            .contains(&"region".to_owned()),
        "profile index: gone once dropped"
    );
}
