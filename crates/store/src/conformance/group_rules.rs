//! Group rules: CRUD and unique names, search and keyset pages, INVALID after a named group
//! is deleted, assignments only for ACTIVE rules (in batches, each new one with its event),
//! and delete with removals taking only the memberships the rule made.
//!
//! The suite shares one store, so every check names its rows with its own prefix.

use serde_json::json;
use std::collections::HashSet;

use super::{event, group, user};
use crate::{GroupRuleQuery, GroupRuleRecord, PageKey, RuleAssignment, Store, StoreError};

fn rule(name: &str, groups: &[&str], referenced: &[&str], now: i64) -> GroupRuleRecord {
    GroupRuleRecord {
        id: model::ids::new_id(model::ids::Kind::PolicyRule),
        name: name.into(),
        status: "INACTIVE".into(),
        created: now,
        last_updated: now,
        expression: "user.department == \"x\"".into(),
        expression_type: "urn:okta:expression:1.0".into(),
        excluded_user_ids: vec!["00uexcluded".into()],
        excluded_group_ids: Vec::new(),
        group_ids: groups.iter().map(|s| (*s).to_owned()).collect(),
        referenced_group_ids: referenced.iter().map(|s| (*s).to_owned()).collect(),
        all_groups_valid: true,
    }
}

fn assignment(rule_id: &str, group_id: &str, user_id: &str, now: i64) -> RuleAssignment {
    RuleAssignment {
        rule_id: rule_id.into(),
        group_id: group_id.into(),
        user_id: user_id.into(),
        event: event("group.user_membership.add", now),
    }
}

async fn new_group(store: &dyn Store, name: &str, now: i64) -> String {
    let g = group(name, "OKTA_GROUP", now);
    store
        .insert_group(&g, &event("group.lifecycle.create", now))
        .await
        .expect("insert group");
    g.id
}

async fn new_user(store: &dyn Store, login: &str, now: i64) -> String {
    let u = user(login, now);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", now))
        .await
        .expect("insert user");
    u.id
}

/// How many events of a type the log holds (polling pages of 500).
async fn count_events(store: &dyn Store, kind: &str) -> usize {
    let mut count = 0;
    let mut after = None;
    loop {
        let query = crate::EventQuery {
            after: after.clone(),
            limit: 500,
            ..Default::default()
        };
        let page = store.list_events(&query).await.expect("list events");
        let taken: Vec<_> = page.iter().take(500).collect();
        count += taken.iter().filter(|e| e.event_type == kind).count();
        if page.len() <= 500 {
            return count;
        }
        after = taken.last().map(|e| e.page_key(crate::EventOrder::Polling));
    }
}

async fn member_ids(store: &dyn Store, group_id: &str) -> HashSet<String> {
    store
        .list_group_members(group_id, None, 10_000)
        .await
        .expect("members")
        .into_iter()
        .map(|u| u.id)
        .collect()
}

pub async fn crud_names_pages_and_invalidation(store: &dyn Store) {
    let now = 1_700_000_000_000;
    let target = new_group(store, "gr-crud-target", now).await;
    let referenced = new_group(store, "gr-crud-referenced", now).await;
    let mut r = rule("GR-crud One", &[&target], &[&referenced], now);
    store
        .insert_group_rule(&r, &event("group.rule.create", now))
        .await
        .expect("insert rule");
    assert_eq!(
        store.group_rule_by_id(&r.id).await.expect("get"),
        Some(r.clone()),
        "a rule reads back as written"
    );
    let dup = rule("gr-CRUD one", &[&target], &[], now);
    match store
        .insert_group_rule(&dup, &event("group.rule.create", now))
        .await
    {
        Err(StoreError::Duplicate { field: "name" }) => {}
        other => panic!("rule names are unique ignoring case: {other:?}"),
    }
    r.name = "GR-crud Renamed".into();
    r.last_updated = now + 1;
    assert!(store
        .update_group_rule(&r, &event("group.rule.update", now + 1))
        .await
        .expect("update"));
    assert_eq!(
        store.group_rule_by_id(&r.id).await.expect("get"),
        Some(r.clone())
    );
    let mut ghost = r.clone();
    ghost.id = model::ids::new_id(model::ids::Kind::PolicyRule);
    ghost.name = "GR-crud ghost".into();
    assert!(
        !store
            .update_group_rule(&ghost, &event("group.rule.update", now))
            .await
            .expect("update ghost"),
        "updating a missing rule is false"
    );

    let mut ids = vec![r.id.clone()];
    for i in 0..4 {
        let x = rule(&format!("GR-crud page {i}"), &[&target], &[], now + 10 + i);
        store
            .insert_group_rule(&x, &event("group.rule.create", now))
            .await
            .expect("insert");
        ids.push(x.id);
    }
    let mut seen = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let query = GroupRuleQuery {
            search: Some("gr-crud".into()),
            after: after.clone(),
            limit: 2,
        };
        let page = store.list_group_rules(&query).await.expect("list");
        let more = page.len() > 2;
        seen.extend(page.iter().take(2).map(|x| x.id.clone()));
        if !more {
            break;
        }
        let last = &page[1];
        after = Some(PageKey {
            key: json!(last.created),
            id: last.id.clone(),
        });
    }
    assert_eq!(
        seen, ids,
        "keyset pages visit every rule once, oldest first"
    );
    let pages = GroupRuleQuery {
        search: Some("GR-CRUD PAGE".into()),
        after: None,
        limit: 50,
    };
    assert_eq!(
        store.list_group_rules(&pages).await.expect("search").len(),
        4
    );
    let inside = GroupRuleQuery {
        search: Some("CRUD PAGE 3".into()),
        after: None,
        limit: 50,
    };
    let found = store.list_group_rules(&inside).await.expect("search");
    assert_eq!(
        found.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
        ["GR-crud page 3"],
        "search matches anywhere in the name, ignoring case"
    );
    let like = GroupRuleQuery {
        search: Some("gr-crud%".into()),
        after: None,
        limit: 50,
    };
    assert!(
        store
            .list_group_rules(&like)
            .await
            .expect("search")
            .is_empty(),
        "search text is literal"
    );

    assert!(store
        .delete_group(&referenced, &event("group.lifecycle.delete", now + 5))
        .await
        .expect("delete group"));
    let got = store
        .group_rule_by_id(&r.id)
        .await
        .expect("get")
        .expect("rule");
    assert_eq!(
        got.status, "INVALID",
        "deleting a named group invalidates the rule"
    );
    assert!(!got.all_groups_valid);
    let other = store
        .group_rule_by_id(&ids[1])
        .await
        .expect("get")
        .expect("rule");
    assert_eq!(
        other.status, "INACTIVE",
        "rules that do not name it are untouched"
    );

    assert!(store
        .delete_group_rule(&r.id, None, now, &event("group.rule.delete", now))
        .await
        .expect("delete"));
    assert!(!store
        .delete_group_rule(&r.id, None, now, &event("group.rule.delete", now))
        .await
        .expect("delete again"));
    assert_eq!(store.group_rule_by_id(&r.id).await.expect("get"), None);
}

pub async fn assignments_follow_status_and_removals_take_only_rule_made(store: &dyn Store) {
    let now = 1_700_000_100_000;
    let target = new_group(store, "gr-assign-target", now).await;
    let manual = new_user(store, "gr-manual@example.com", now).await;
    assert!(store
        .add_group_member(
            &target,
            &manual,
            now,
            &event("group.user_membership.add", now)
        )
        .await
        .expect("manual add"));
    let mut users = Vec::new();
    for i in 0..450 {
        users.push(new_user(store, &format!("gr-assign-{i}@example.com"), now).await);
    }
    let r = rule("GR-assign", &[&target], &[], now);
    store
        .insert_group_rule(&r, &event("group.rule.create", now))
        .await
        .expect("insert rule");
    let adds_before = count_events(store, "group.user_membership.add").await;

    let inactive = store
        .apply_group_rule_assignments(&[assignment(&r.id, &target, &users[0], now)], now)
        .await
        .expect("apply");
    assert_eq!(inactive, 0, "an INACTIVE rule assigns nobody");

    let mut batch: Vec<RuleAssignment> = users
        .iter()
        .map(|u| assignment(&r.id, &target, u, now + 1))
        .collect();
    batch.push(assignment(&r.id, &target, &manual, now + 1));
    batch.push(assignment(&r.id, &target, &users[0], now + 1));
    assert!(
        !store
            .set_group_rule_status(&r.id, "ACTIVE", "INACTIVE", now + 1, &event("x", now), &[])
            .await
            .expect("wrong from"),
        "a status change from the wrong status writes nothing"
    );
    assert!(store
        .set_group_rule_status(
            &r.id,
            "INACTIVE",
            "ACTIVE",
            now + 1,
            &event("group.rule.activate", now + 1),
            &batch,
        )
        .await
        .expect("activate"));
    let mut want: HashSet<String> = users.iter().cloned().collect();
    want.insert(manual.clone());
    assert_eq!(member_ids(store, &target).await, want);
    let adds = count_events(store, "group.user_membership.add").await - adds_before;
    assert_eq!(
        adds,
        users.len(),
        "one event per new membership, none for existing ones"
    );
    let made = store.group_rule_memberships(&r.id).await.expect("made");
    assert_eq!(
        made.len(),
        users.len(),
        "the manual membership is not the rule's"
    );
    assert_eq!(
        store
            .group_by_id(&target)
            .await
            .expect("g")
            .expect("g")
            .last_membership_updated,
        now + 1
    );

    // A membership removed by hand is no longer the rule's.
    assert!(store
        .remove_group_member(
            &target,
            &users[1],
            now + 2,
            &event("group.user_membership.remove", now + 2)
        )
        .await
        .expect("remove"));
    assert_eq!(
        store
            .group_rule_memberships(&r.id)
            .await
            .expect("made")
            .len(),
        users.len() - 1
    );

    assert!(store
        .set_group_rule_status(
            &r.id,
            "ACTIVE",
            "INACTIVE",
            now + 3,
            &event("group.rule.deactivate", now + 3),
            &[]
        )
        .await
        .expect("deactivate"));
    assert_eq!(
        store
            .apply_group_rule_assignments(
                &[assignment(&r.id, &target, &users[1], now + 3)],
                now + 3
            )
            .await
            .expect("apply"),
        0,
        "a deactivated rule assigns nobody"
    );
    assert_eq!(
        member_ids(store, &target).await.len(),
        want.len() - 1,
        "deactivating keeps memberships"
    );

    let removals: Vec<RuleAssignment> = made
        .iter()
        .map(|(g, u)| RuleAssignment {
            rule_id: r.id.clone(),
            group_id: g.clone(),
            user_id: u.clone(),
            event: event("group.user_membership.remove", now + 4),
        })
        .collect();
    let removes_before = count_events(store, "group.user_membership.remove").await;
    assert!(store
        .delete_group_rule(
            &r.id,
            Some(&removals),
            now + 4,
            &event("group.rule.delete", now + 4)
        )
        .await
        .expect("delete"));
    assert_eq!(
        member_ids(store, &target).await,
        HashSet::from([manual]),
        "removeUsers takes only the memberships the rule made"
    );
    let removes = count_events(store, "group.user_membership.remove").await - removes_before;
    assert_eq!(
        removes,
        users.len() - 1,
        "an event per membership actually removed"
    );
}

/// Changes that can change what the rules say of a user queue it in their own transaction
/// (creation, a profile change, a membership change; not a sign-in's last-login); the
/// evaluation reads the user and its memberships, writes what it decides with events, and
/// takes the user off the queue.
pub async fn changes_queue_users_and_evaluation_takes_them_off(store: &dyn Store) {
    use crate::{RuleChanges, UserChange};
    let target = new_group(store, "queue target", 900).await;
    let other = new_group(store, "queue other", 900).await;
    let r = rule("queue rule", &[&target], &[], 900);
    store
        .insert_group_rule(&r, &event("group.rule.create", 900))
        .await
        .unwrap();
    assert!(store
        .set_group_rule_status(&r.id, "INACTIVE", "ACTIVE", 901, &event("x", 901), &[])
        .await
        .unwrap());
    let queued = |id: String| async move {
        store
            .queued_rule_users(i64::MAX, 10_000)
            .await
            .unwrap()
            .contains(&id)
    };
    let uid = new_user(store, "queue.user@example.com", 902).await;
    assert!(queued(uid.clone()).await, "a new user is queued");

    let mut seen = None;
    let found = store
        .evaluate_rules_for_user(&uid, 903, &mut |user, memberships, made| {
            seen = Some((user.id.clone(), memberships.len(), made.len()));
            RuleChanges {
                add: vec![assignment(&r.id, &target, &user.id, 903)],
                remove: Vec::new(),
            }
        })
        .await
        .unwrap();
    assert!(found);
    assert_eq!(seen, Some((uid.clone(), 0, 0)));
    assert!(
        !queued(uid.clone()).await,
        "evaluated users leave the queue"
    );
    let made = store.rule_memberships_of_user(&uid).await.unwrap();
    assert_eq!(made, vec![(r.id.clone(), target.clone())]);

    // A sign-in's last-login is no reason; a profile change and a membership change are.
    store
        .modify_user(&uid, &mut |u| {
            u.last_login = Some(904);
            UserChange::Write(Vec::new())
        })
        .await
        .unwrap();
    assert!(
        !queued(uid.clone()).await,
        "last login alone queues nothing"
    );
    store
        .modify_user(&uid, &mut |u| {
            u.profile.insert("department".into(), json!("x"));
            UserChange::Write(Vec::new())
        })
        .await
        .unwrap();
    assert!(
        queued(uid.clone()).await,
        "a profile change queues the user"
    );
    store
        .evaluate_rules_for_user(&uid, 905, &mut |_, memberships, made| {
            assert_eq!(memberships.len(), 1);
            assert_eq!(memberships[0].group_name, "queue target");
            assert_eq!(made.len(), 1);
            RuleChanges::default()
        })
        .await
        .unwrap();
    assert!(store
        .add_group_member(&other, &uid, 906, &event("group.user_membership.add", 906))
        .await
        .unwrap());
    assert!(
        queued(uid.clone()).await,
        "a membership change queues the user"
    );

    // Removals take the rule-made membership, with its event.
    let removed_before = count_events(store, "group.user_membership.remove").await;
    store
        .evaluate_rules_for_user(&uid, 907, &mut |user, _, _| RuleChanges {
            add: Vec::new(),
            remove: vec![
                RuleAssignment {
                    event: event("group.user_membership.remove", 907),
                    ..assignment(&r.id, &target, &user.id, 907)
                },
                // Not rule-made: stays.
                RuleAssignment {
                    event: event("group.user_membership.remove", 907),
                    ..assignment(&r.id, &other, &user.id, 907)
                },
            ],
        })
        .await
        .unwrap();
    assert!(store
        .rule_memberships_of_user(&uid)
        .await
        .unwrap()
        .is_empty());
    let groups: HashSet<String> = store
        .user_groups(&uid)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(groups, HashSet::from([other.clone()]));
    assert_eq!(
        count_events(store, "group.user_membership.remove").await,
        removed_before + 1
    );
    assert!(!store
        .evaluate_rules_for_user("00unosuchuser0000000", 908, &mut |_, _, _| {
            RuleChanges::default()
        })
        .await
        .unwrap());
    assert!(store
        .set_group_rule_status(&r.id, "ACTIVE", "INACTIVE", 909, &event("x", 909), &[])
        .await
        .unwrap());
}
