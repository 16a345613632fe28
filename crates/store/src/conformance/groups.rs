//! Groups: CRUD and name uniqueness, membership idempotency and `lastMembershipUpdated`,
//! concurrent membership changes, keyset pages of groups and members, filters, search, `q`,
//! member counts and owners.
//!
//! The suite shares one store, so every check names its groups with its own prefix and
//! narrows lists to its own rows.

use serde_json::json;
use std::collections::HashSet;

use super::{event, events_of, group, user};
use crate::{
    group_page_key_for, GroupOwnerQuery, GroupOwnerRecord, GroupQuery, GroupRecord, GroupStore,
    PageKey, Store, StoreError,
};
use model::expr::groups as rules;
use model::time::Timestamp;

async fn insert(store: &dyn Store, g: &GroupRecord) {
    store
        .insert_group(g, &event("group.lifecycle.create", g.created))
        .await
        .expect("insert group");
}

async fn get(store: &dyn Store, id: &str) -> GroupRecord {
    GroupStore::group_by_id(store, id)
        .await
        .expect("get group")
        .expect("group present")
}

async fn new_user(store: &dyn Store, login: &str, at: i64) -> String {
    let u = user(login, at);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", at))
        .await
        .expect("insert user");
    u.id
}

async fn members(store: &dyn Store, group_id: &str) -> Vec<String> {
    store
        .list_group_members(group_id, None, 10_000)
        .await
        .expect("members")
        .into_iter()
        .map(|u| u.id)
        .collect()
}

pub async fn crud_and_unique_names(store: &dyn Store) {
    let mut g = group("Conf-CRUD West", "OKTA_GROUP", 1_040_000);
    g.profile.insert("description".into(), json!("All West"));
    g.profile.insert("costCenter".into(), json!(42));
    g.profile.insert("tags".into(), json!(["a", "b"]));
    insert(store, &g).await;
    assert_eq!(
        get(store, &g.id).await,
        g,
        "groups: a stored group reads back field for field"
    );

    let twin = group("conf-crud WEST", "OKTA_GROUP", 1_040_001);
    let err = store
        .insert_group(&twin, &event("conformance.group.dup", 1_040_001))
        .await;
    assert!(
        matches!(err, Err(StoreError::Duplicate { field: "name" })),
        "groups: a taken name (ignoring case) is Duplicate name: {err:?}"
    );
    assert!(
        events_of(store, "conformance.group.dup").await.is_empty(),
        "groups: a refused create writes no event"
    );
    let mut imported = group("Conf-CRUD West", "APP_GROUP", 1_040_002);
    imported.source_id = Some("0oaconformance".into());
    insert(store, &imported).await;
    assert_eq!(
        get(store, &imported.id).await.source_id.as_deref(),
        Some("0oaconformance"),
        "groups: app groups may share a name and keep their source"
    );

    let mut changed = g.clone();
    changed.profile = serde_json::from_value(json!({"name": "Conf-CRUD East"})).expect("map");
    changed.last_updated = 1_041_000;
    store
        .update_group(&changed, &event("group.profile.update", 1_041_000))
        .await
        .expect("update");
    let read = get(store, &g.id).await;
    assert_eq!(
        read.profile, changed.profile,
        "groups: PUT replaces the profile"
    );
    assert_eq!(read.last_updated, 1_041_000, "groups: lastUpdated moves");
    assert_eq!(read.last_membership_updated, 1_040_000);

    let other = group("Conf-CRUD North", "OKTA_GROUP", 1_041_001);
    insert(store, &other).await;
    let mut renamed = other.clone();
    renamed
        .profile
        .insert("name".into(), json!("CONF-CRUD EAST"));
    let err = store
        .update_group(&renamed, &event("conformance.group.dup", 1_041_002))
        .await;
    assert!(
        matches!(err, Err(StoreError::Duplicate { field: "name" })),
        "groups: renaming onto a taken name is Duplicate name: {err:?}"
    );
    assert_eq!(get(store, &other.id).await.profile, other.profile);

    assert!(store
        .delete_group(&g.id, &event("group.lifecycle.delete", 1_042_000))
        .await
        .expect("delete"));
    assert!(GroupStore::group_by_id(store, &g.id)
        .await
        .expect("get")
        .is_none());
    assert!(
        !store
            .delete_group(&g.id, &event("group.lifecycle.delete", 1_042_001))
            .await
            .expect("delete twice"),
        "groups: deleting a missing group is false"
    );
    let missing = store
        .update_group(&changed, &event("group.profile.update", 1_042_002))
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound)),
        "groups: updating a deleted group is NotFound: {missing:?}"
    );
    // The freed name can be taken again.
    insert(store, &group("Conf-CRUD East", "OKTA_GROUP", 1_042_003)).await;
}

pub async fn membership_is_idempotent_and_moves_last_membership_updated(store: &dyn Store) {
    let g = group("Conf-Members", "OKTA_GROUP", 1_050_000);
    insert(store, &g).await;
    let u1 = new_user(store, "conf.member1@example.com", 1_050_000).await;
    let u2 = new_user(store, "conf.member2@example.com", 1_050_000).await;
    let adds = |t| event("conformance.member.add", t);
    let removes = |t| event("conformance.member.remove", t);

    assert!(store
        .add_group_member(&g.id, &u1, 1_050_100, &adds(1_050_100))
        .await
        .expect("add"));
    assert_eq!(get(store, &g.id).await.last_membership_updated, 1_050_100);
    assert_eq!(
        get(store, &g.id).await.last_updated,
        1_050_000,
        "profile untouched"
    );
    assert!(
        !store
            .add_group_member(&g.id, &u1, 1_050_200, &adds(1_050_200))
            .await
            .expect("add again"),
        "membership: adding a member twice changes nothing"
    );
    assert_eq!(
        get(store, &g.id).await.last_membership_updated,
        1_050_100,
        "membership: a no-op add leaves lastMembershipUpdated"
    );
    assert_eq!(
        events_of(store, "conformance.member.add").await.len(),
        1,
        "membership: a no-op add writes no event"
    );
    let groups: HashSet<_> = store
        .user_groups(&u1)
        .await
        .expect("user groups")
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert!(
        groups.contains(&g.id),
        "membership: the user's groups show the group"
    );

    // A late clock never moves lastMembershipUpdated backwards.
    assert!(store
        .add_group_member(&g.id, &u2, 1_050_050, &adds(1_050_050))
        .await
        .expect("add u2"));
    assert_eq!(get(store, &g.id).await.last_membership_updated, 1_050_100);
    assert_eq!(members(store, &g.id).await.len(), 2);

    assert!(store
        .remove_group_member(&g.id, &u1, 1_050_300, &removes(1_050_300))
        .await
        .expect("remove"));
    assert_eq!(get(store, &g.id).await.last_membership_updated, 1_050_300);
    assert!(
        !store
            .remove_group_member(&g.id, &u1, 1_050_400, &removes(1_050_400))
            .await
            .expect("remove again"),
        "membership: removing a non-member changes nothing"
    );
    assert_eq!(get(store, &g.id).await.last_membership_updated, 1_050_300);
    assert_eq!(events_of(store, "conformance.member.remove").await.len(), 1);
    assert!(!store
        .user_groups(&u1)
        .await
        .expect("user groups")
        .iter()
        .any(|x| x.id == g.id));

    let missing_group = store
        .add_group_member("00gmissingmissingmis", &u1, 1_050_500, &adds(1_050_500))
        .await;
    assert!(
        matches!(missing_group, Err(StoreError::NotFound)),
        "membership: a missing group is NotFound: {missing_group:?}"
    );
    let missing_user = store
        .add_group_member(&g.id, "00umissingmissingmis", 1_050_500, &adds(1_050_500))
        .await;
    assert!(
        matches!(missing_user, Err(StoreError::NotFound)),
        "membership: a missing user is NotFound: {missing_user:?}"
    );
    assert_eq!(
        get(store, &g.id).await.last_membership_updated,
        1_050_300,
        "membership: a refused add writes nothing"
    );

    // Deleting a member is a membership change of its groups.
    store
        .delete_user(&u2, &event("user.lifecycle.delete.initiated", 1_050_600))
        .await
        .expect("delete user");
    assert!(members(store, &g.id).await.is_empty());
    assert_eq!(
        get(store, &g.id).await.last_membership_updated,
        1_050_600,
        "membership: deleting a member moves lastMembershipUpdated"
    );
}

pub async fn concurrent_membership_changes_stay_consistent(store: &dyn Store) {
    let g = group("Conf-Concurrent", "OKTA_GROUP", 1_060_000);
    insert(store, &g).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(new_user(store, &format!("conf.conc{i}@example.com"), 1_060_000).await);
    }
    // Two adds per user at once: exactly one of each pair adds.
    let evs: Vec<_> = (0..24)
        .map(|i| event("conformance.conc.add", 1_060_001 + i))
        .collect();
    let adds = ids
        .iter()
        .chain(ids.iter())
        .zip(evs.iter())
        .map(|(u, e)| store.add_group_member(&g.id, u, e.published, e));
    let results = futures::future::join_all(adds).await;
    let added = results
        .iter()
        .map(|r| r.as_ref().expect("concurrent add"))
        .filter(|added| **added)
        .count();
    assert_eq!(added, 12, "membership: each of 12 users is added once");
    assert_eq!(members(store, &g.id).await.len(), 12);
    assert_eq!(events_of(store, "conformance.conc.add").await.len(), 12);

    // Adds and removes of the same users interleaved: the final state agrees with what each
    // call reported.
    let evs: Vec<_> = (0..48)
        .map(|i| event("conformance.conc.mix", 1_061_000 + i))
        .collect();
    let group_id = g.id.as_str();
    let mixed = evs.iter().enumerate().map(|(i, e)| {
        let u = &ids[i % 12];
        async move {
            let outcome = if (i / 12) % 2 == 0 {
                store.remove_group_member(group_id, u, e.published, e).await
            } else {
                store.add_group_member(group_id, u, e.published, e).await
            };
            (
                i % 12,
                (i / 12) % 2 == 0,
                outcome.expect("concurrent change"),
            )
        }
    });
    let outcomes = futures::future::join_all(mixed).await;
    let now_members: HashSet<_> = members(store, &g.id).await.into_iter().collect();
    for (index, id) in ids.iter().enumerate() {
        let removed = outcomes
            .iter()
            .filter(|(i, remove, done)| *i == index && *remove && *done)
            .count() as i64;
        let added = outcomes
            .iter()
            .filter(|(i, remove, done)| *i == index && !*remove && *done)
            .count() as i64;
        let expected = 1 + added - removed;
        assert!(
            expected == 0 || expected == 1,
            "membership: reported changes alternate for {id}: +{added} -{removed}"
        );
        assert_eq!(
            now_members.contains(id),
            expected == 1,
            "membership: final state matches the reported changes for {id}"
        );
    }
    let changed = outcomes.iter().filter(|(_, _, done)| *done).count();
    assert_eq!(
        events_of(store, "conformance.conc.mix").await.len(),
        changed,
        "membership: one event per reported change"
    );
}

pub async fn member_pages_visit_every_member_once(store: &dyn Store) {
    let g = group("Conf-Member-Pages", "OKTA_GROUP", 1_070_000);
    insert(store, &g).await;
    let mut expected = HashSet::new();
    for i in 0..31 {
        let u = new_user(store, &format!("conf.pages{i:02}@example.com"), 1_070_000).await;
        store
            .add_group_member(
                &g.id,
                &u,
                1_070_001,
                &event("conformance.pages.add", 1_070_001),
            )
            .await
            .expect("add");
        expected.insert(u);
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut step = 0;
    loop {
        let mut page = store
            .list_group_members(&g.id, after.as_deref(), 4)
            .await
            .expect("page");
        let more = page.len() > 4;
        page.truncate(4);
        let ids: Vec<String> = page.into_iter().map(|u| u.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "member pages: in id order");
        after = ids.last().cloned();
        seen.extend(ids);
        // A new member between pages, before or after the cursor.
        let late = new_user(store, &format!("conf.late{step}@example.com"), 1_070_002).await;
        store
            .add_group_member(
                &g.id,
                &late,
                1_070_003,
                &event("conformance.pages.add", 1_070_003),
            )
            .await
            .expect("late add");
        step += 1;
        if !more {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "member pages: no member twice");
    assert!(
        expected.is_subset(&unique),
        "member pages: every member present before the scan is visited"
    );
    let counts = store
        .group_member_counts(&[g.id.clone(), "00gmissingmissingmis".into()])
        .await
        .expect("counts");
    assert_eq!(
        counts,
        vec![(g.id.clone(), (31 + step) as i64)],
        "counts: one row per group with members"
    );
    assert!(store
        .group_member_counts(&[])
        .await
        .expect("none")
        .is_empty());
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

async fn ids_of(store: &dyn Store, query: GroupQuery) -> Vec<String> {
    store
        .list_groups(&query)
        .await
        .expect("list groups")
        .into_iter()
        .map(|g| g.id)
        .collect()
}

fn query(filter: model::expr::Resolved) -> GroupQuery {
    GroupQuery {
        filter: Some(filter),
        sort: None,
        after: None,
        limit: 100,
    }
}

pub async fn filters_search_and_q_select_the_right_groups(store: &dyn Store) {
    // Far-future timestamps keep these groups apart from every other check's.
    let base = 9_000_000_000_000;
    let mut a = group("Conf-Filter Alpha", "OKTA_GROUP", base);
    a.profile
        .insert("description".into(), json!("Rocky Mountains"));
    a.last_updated = base + 10;
    a.last_membership_updated = base + 30;
    let mut b = group("Conf-Filter Beta", "APP_GROUP", base + 1);
    b.source_id = Some("0oaFilterSource".into());
    b.profile
        .insert("samAccountName".into(), json!("West Coast Users"));
    b.last_updated = base + 20;
    b.last_membership_updated = base + 20;
    let mut c = group("conf-filter alpha two", "OKTA_GROUP", base + 2);
    c.last_updated = base + 30;
    c.last_membership_updated = base + 10;
    for g in [&a, &b, &c] {
        insert(store, g).await;
    }
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let window = format!(r#"lastUpdated ge "{}""#, iso(base));

    let f = rules::parse_filter(&format!(r#"{window} and type eq "APP_GROUP""#)).expect("f");
    assert_eq!(
        ids_of(store, query(f)).await,
        vec![b.id.clone()],
        "filter: type"
    );
    let f = rules::parse_filter(&format!(r#"lastUpdated gt "{}""#, iso(base + 10))).expect("f");
    assert_eq!(
        sorted(ids_of(store, query(f)).await),
        sorted(vec![b.id.clone(), c.id.clone()]),
        "filter: lastUpdated gt"
    );
    let f = rules::parse_filter(&format!(
        r#"{window} and (lastMembershipUpdated lt "{}" or id eq "{}")"#,
        iso(base + 20),
        a.id
    ))
    .expect("f");
    assert_eq!(
        sorted(ids_of(store, query(f)).await),
        sorted(vec![a.id.clone(), c.id.clone()]),
        "filter: lastMembershipUpdated lt, or, id eq"
    );

    let s = rules::parse_search(r#"profile.description co "MOUNTAIN""#).expect("s");
    assert_eq!(
        ids_of(store, query(s)).await,
        vec![a.id.clone()],
        "search: co ignores case"
    );
    let s = rules::parse_search(
        r#"source.id eq "0oaFilterSource" or profile.samAccountName sw "west coast""#,
    )
    .expect("s");
    assert_eq!(
        ids_of(store, query(s)).await,
        vec![b.id.clone()],
        "search: source.id, sw"
    );
    let s = rules::parse_search(r#"profile.name eq "CONF-FILTER ALPHA""#).expect("s");
    assert_eq!(
        ids_of(store, query(s)).await,
        vec![a.id.clone()],
        "search: name eq ignores case"
    );

    // sortBy lastUpdated descending inside the window.
    let s = rules::parse_search(&format!(r#"created ge "{}""#, iso(base))).expect("s");
    let by_updated = GroupQuery {
        sort: Some(rules::parse_sort("lastUpdated", Some("desc")).expect("sort")),
        ..query(s)
    };
    assert_eq!(
        ids_of(store, by_updated).await,
        vec![c.id.clone(), b.id.clone(), a.id.clone()],
        "search: sortBy lastUpdated desc"
    );

    // q: a name prefix ignoring case, exact match first.
    let q = GroupQuery {
        sort: Some(rules::find_sort()),
        ..query(rules::find("CONF-FILTER ALPHA"))
    };
    assert_eq!(
        ids_of(store, q).await,
        vec![a.id.clone(), c.id.clone()],
        "q: prefix of the name, exact match first"
    );
}

pub async fn group_pages_visit_every_group_once(store: &dyn Store) {
    let mut expected = Vec::new();
    for i in 0..23 {
        // Names out of id order, so the two orders differ.
        let g = group(
            &format!("Conf-Page {:02}", (i * 7) % 23),
            "OKTA_GROUP",
            1_080_000 + i,
        );
        insert(store, &g).await;
        expected.push(g.id);
    }
    let expected: HashSet<_> = expected.into_iter().collect();
    for sort in [None, Some(rules::find_sort())] {
        let mut seen = Vec::new();
        let mut after: Option<PageKey> = None;
        let mut names = Vec::new();
        loop {
            let q = GroupQuery {
                filter: Some(rules::find("conf-page ")),
                sort: sort.clone(),
                after: after.clone(),
                limit: 5,
            };
            let mut page = store.list_groups(&q).await.expect("page");
            let more = page.len() > 5;
            page.truncate(5);
            after = page.last().map(|g| group_page_key_for(g, sort.as_ref()));
            names.extend(page.iter().map(GroupRecord::name_lower));
            seen.extend(page.into_iter().map(|g| g.id));
            if !more {
                break;
            }
        }
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "group pages: no group twice");
        assert_eq!(unique, expected, "group pages: every group once ({sort:?})");
        if sort.is_some() {
            let mut ordered = names.clone();
            ordered.sort();
            assert_eq!(names, ordered, "group pages: name order holds across pages");
        } else {
            let mut ordered = seen.clone();
            ordered.sort();
            assert_eq!(seen, ordered, "group pages: id order holds across pages");
        }
    }
    let bad = GroupQuery {
        filter: None,
        sort: Some(rules::find_sort()),
        after: Some(PageKey {
            key: json!(5),
            id: "00g".into(),
        }),
        limit: 5,
    };
    assert!(
        matches!(
            store.list_groups(&bad).await,
            Err(StoreError::InvalidCursor)
        ),
        "group pages: a cursor of another order is InvalidCursor"
    );
}

fn owner(group_id: &str, owner_id: &str, owner_type: &str, at: i64) -> GroupOwnerRecord {
    GroupOwnerRecord {
        group_id: group_id.into(),
        owner_id: owner_id.into(),
        owner_type: owner_type.into(),
        last_updated: at,
        display_name: String::new(),
    }
}

async fn owners(store: &dyn Store, group_id: &str, filter: Option<&str>) -> Vec<GroupOwnerRecord> {
    store
        .list_group_owners(&GroupOwnerQuery {
            group_id: group_id.into(),
            filter: filter.map(|f| rules::parse_owner_search(f).expect("owner search")),
            after: None,
            limit: 100,
        })
        .await
        .expect("owners")
}

pub async fn owners_are_users_or_groups(store: &dyn Store) {
    let g = group("Conf-Owned", "OKTA_GROUP", 1_090_000);
    let owning = group("Conf-Owning", "OKTA_GROUP", 1_090_000);
    insert(store, &g).await;
    insert(store, &owning).await;
    let u = new_user(store, "conf.owner@example.com", 1_090_000).await;
    async fn add(store: &dyn Store, o: &GroupOwnerRecord) -> Result<bool, StoreError> {
        let e = event("conformance.owner.add", o.last_updated);
        store.insert_group_owner(o, &e).await
    }
    assert!(add(store, &owner(&g.id, &u, "USER", 1_090_001))
        .await
        .expect("user owner"));
    assert!(add(store, &owner(&g.id, &owning.id, "GROUP", 1_090_002))
        .await
        .expect("group owner"));
    assert!(
        !add(store, &owner(&g.id, &u, "USER", 1_090_003))
            .await
            .expect("again"),
        "owners: assigning an owner twice changes nothing"
    );
    assert_eq!(events_of(store, "conformance.owner.add").await.len(), 2);

    let all = owners(store, &g.id, None).await;
    let mut expected = vec![
        GroupOwnerRecord {
            display_name: "Test User".into(),
            ..owner(&g.id, &u, "USER", 1_090_001)
        },
        GroupOwnerRecord {
            display_name: "Conf-Owning".into(),
            ..owner(&g.id, &owning.id, "GROUP", 1_090_002)
        },
    ];
    expected.sort_by(|x, y| x.owner_id.cmp(&y.owner_id));
    assert_eq!(all, expected, "owners: both kinds, by id, with their names");
    let users_only = owners(store, &g.id, Some(r#"type eq "USER""#)).await;
    assert_eq!(users_only.len(), 1, "owners: search by type");
    assert_eq!(users_only[0].owner_id, u);
    let first = store
        .list_group_owners(&GroupOwnerQuery {
            group_id: g.id.clone(),
            filter: None,
            after: None,
            limit: 1,
        })
        .await
        .expect("page");
    assert_eq!(first.len(), 2, "owners: limit + 1 rows tell of a next page");
    let second = store
        .list_group_owners(&GroupOwnerQuery {
            group_id: g.id.clone(),
            filter: None,
            after: Some(PageKey {
                key: serde_json::Value::Null,
                id: expected[0].owner_id.clone(),
            }),
            limit: 1,
        })
        .await
        .expect("page");
    assert_eq!(
        second,
        expected[1..].to_vec(),
        "owners: keyset after the cursor"
    );

    let missing = add(
        store,
        &owner(&g.id, "00umissingmissingmis", "USER", 1_090_004),
    )
    .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound)),
        "owners: a missing user is NotFound: {missing:?}"
    );
    let missing = add(store, &owner("00gmissingmissingmis", &u, "USER", 1_090_004)).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));

    assert!(store
        .delete_group_owner(&g.id, &u, &event("conformance.owner.remove", 1_090_005))
        .await
        .expect("remove"));
    assert!(!store
        .delete_group_owner(&g.id, &u, &event("conformance.owner.remove", 1_090_006))
        .await
        .expect("remove again"));
    assert_eq!(events_of(store, "conformance.owner.remove").await.len(), 1);

    // Owners go with whatever they name.
    assert!(add(store, &owner(&g.id, &u, "USER", 1_090_007))
        .await
        .expect("again"));
    store
        .delete_user(&u, &event("user.lifecycle.delete.initiated", 1_090_008))
        .await
        .expect("delete user");
    store
        .delete_group(&owning.id, &event("group.lifecycle.delete", 1_090_009))
        .await
        .expect("delete owning group");
    assert!(
        owners(store, &g.id, None).await.is_empty(),
        "owners: deleted users and groups are no longer owners"
    );
}

/// Creating a user does not write the Everyone group's row, yet every read of Everyone (by
/// id, as the built-in group, in lists and filters, among a user's groups) shows the newest
/// member's join as its `lastMembershipUpdated`.
pub async fn everyone_follows_new_users_without_a_hot_row(store: &dyn Store) {
    let Some(everyone) = store.everyone_group().await.expect("everyone") else {
        return;
    };
    let joined = 9_000_000_000_000;
    let u = user("everyone.newest@example.com", joined);
    store
        .insert_user(
            &u,
            std::slice::from_ref(&everyone.id),
            &event("user.lifecycle.create", joined),
        )
        .await
        .expect("insert");
    let read = store.everyone_group().await.unwrap().unwrap();
    assert_eq!(
        read.last_membership_updated, joined,
        "Everyone: the newest join"
    );
    let by_id = store.group_by_id(&everyone.id).await.unwrap().unwrap();
    assert_eq!(by_id.last_membership_updated, joined);
    let mine = store.user_groups(&u.id).await.unwrap();
    assert_eq!(
        mine.iter()
            .find(|g| g.id == everyone.id)
            .map(|g| g.last_membership_updated),
        Some(joined)
    );
    let expr = model::expr::groups::parse_filter(&format!(
        "lastMembershipUpdated gt \"{}\"",
        model::time::Timestamp(joined - 1).to_iso()
    ))
    .expect("filter");
    let page = store
        .list_groups(&crate::GroupQuery {
            filter: Some(expr),
            sort: None,
            after: None,
            limit: 50,
        })
        .await
        .expect("list");
    assert!(
        page.iter().any(|g| g.id == everyone.id),
        "Everyone: filters see the newest join"
    );
}
