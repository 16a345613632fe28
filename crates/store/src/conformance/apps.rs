//! Apps: CRUD with events, unique client ids, keys shared by clones, status writes, keyset
//! pages and filters (status, name, q, signing kid, user.id, group.id), direct and group
//! assignments with their union, consistency under concurrent membership changes, and
//! cascades when an app, user or group goes.
//!
//! The suite shares one store, so every check names its apps with its own prefix and
//! narrows lists to its own rows.

use serde_json::{json, Map};
use std::collections::HashSet;

use super::{event, events_of, group, user};
use crate::{
    AppKeyRecord, AppLogoRecord, AppQuery, AppRecord, AppUserQuery, AppUserRow, PageKey, Store,
    StoreError,
};
use model::expr::apps as rules;

fn app(name: &str, label: &str, created: i64) -> AppRecord {
    let mut definition = Map::new();
    definition.insert(
        "settings".into(),
        json!({ "app": { "url": "https://example.com" } }),
    );
    AppRecord {
        id: model::ids::new_id(model::ids::Kind::App),
        name: name.into(),
        label: label.into(),
        status: "ACTIVE".into(),
        sign_on_mode: "BOOKMARK".into(),
        created,
        last_updated: created,
        definition,
        signing_kid: None,
        client_id: None,
        client_secret_sealed: None,
        shared_password_sealed: None,
        access_policy_id: None,
        logo_id: None,
    }
}

fn key(app_id: &str, kid: &str, created: i64) -> AppKeyRecord {
    AppKeyRecord {
        app_id: app_id.into(),
        kid: kid.into(),
        created,
        expires_at: created + 1_000,
        e: "AQAB".into(),
        n: "bW9kdWx1cw".into(),
        x5c: "Y2VydA==".into(),
        x5t_s256: "dGh1bWI".into(),
        private_key_sealed: "v1:sealed".into(),
    }
}

fn direct(app_id: &str, user_id: &str, at: i64) -> AppUserRow {
    AppUserRow {
        app_id: app_id.into(),
        user_id: user_id.into(),
        direct: true,
        created: at,
        last_updated: at,
        status_changed: at,
        password_changed: None,
        user_name: None,
        password_sealed: None,
        profile: Map::new(),
    }
}

async fn insert(store: &dyn Store, a: &AppRecord) {
    store
        .insert_app(a, &[], &[event("application.lifecycle.create", a.created)])
        .await
        .expect("insert app");
}

async fn new_user(store: &dyn Store, login: &str, at: i64) -> String {
    let u = user(login, at);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", at))
        .await
        .expect("insert user");
    u.id
}

async fn new_group(store: &dyn Store, name: &str, at: i64) -> String {
    let g = group(name, "OKTA_GROUP", at);
    store
        .insert_group(&g, &event("group.lifecycle.create", at))
        .await
        .expect("insert group");
    g.id
}

async fn app_user_ids(store: &dyn Store, app_id: &str) -> HashSet<String> {
    let page = store
        .list_app_users(&AppUserQuery {
            app_id: app_id.into(),
            q: None,
            after: None,
            limit: 10_000,
        })
        .await
        .expect("list app users");
    page.into_iter().map(|r| r.user.id).collect()
}

async fn all_apps(store: &dyn Store, filter: model::expr::Resolved) -> Vec<String> {
    let page = store
        .list_apps(&AppQuery {
            filter: Some(filter),
            after: None,
            limit: 10_000,
        })
        .await
        .expect("list apps");
    page.into_iter().map(|a| a.id).collect()
}

pub async fn crud_keys_and_unique_client_ids(store: &dyn Store) {
    let mut a = app("conf_app_crud", "Conf CRUD", 2_000_000);
    a.signing_kid = Some("kid-crud-1".into());
    store
        .insert_app(
            &a,
            &[key(&a.id, "kid-crud-1", a.created)],
            &[event("application.lifecycle.create", a.created)],
        )
        .await
        .expect("insert app");
    assert_eq!(store.app_by_id(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        events_of(store, "application.lifecycle.create").await.len(),
        1
    );

    let mut changed = a.clone();
    changed.label = "Conf CRUD 2".into();
    changed.status = "INACTIVE".into();
    changed.last_updated = a.created + 5;
    changed
        .definition
        .insert("profile".into(), json!({ "k": "v" }));
    changed.access_policy_id = Some("rst1234567890123456A".into());
    store
        .update_app(
            &changed,
            &[event("application.lifecycle.update", a.created + 5)],
        )
        .await
        .expect("update app");
    assert_eq!(store.app_by_id(&a.id).await.unwrap(), Some(changed.clone()));
    let mut ghost = changed.clone();
    ghost.id = model::ids::new_id(model::ids::Kind::App);
    assert!(matches!(
        store
            .update_app(&ghost, &[event("conformance.app.ghost", 1)])
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(events_of(store, "conformance.app.ghost").await.is_empty());

    // Client ids are unique; a failed insert writes nothing.
    let mut o1 = app("oidc_client", "Conf OIDC 1", 2_000_010);
    o1.client_id = Some("conf-client-id".into());
    insert(store, &o1).await;
    let mut o2 = app("oidc_client", "Conf OIDC 2", 2_000_011);
    o2.client_id = Some("conf-client-id".into());
    let dup = store
        .insert_app(&o2, &[], &[event("conformance.app.dup", 2_000_011)])
        .await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { field: "client_id" })),
        "{dup:?}"
    );
    assert!(store.app_by_id(&o2.id).await.unwrap().is_none());
    assert!(events_of(store, "conformance.app.dup").await.is_empty());

    // Keys: listed oldest first; a clone shares the kid; a kid twice in one app is refused.
    store
        .insert_app_key(
            &key(&a.id, "kid-crud-2", a.created + 10),
            &event("conformance.key", 1),
        )
        .await
        .expect("second key");
    let kids: Vec<_> = store
        .app_keys(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, vec!["kid-crud-1", "kid-crud-2"]);
    store
        .insert_app_key(
            &key(&o1.id, "kid-crud-1", a.created),
            &event("conformance.key", 2),
        )
        .await
        .expect("clone");
    assert!(store.app_key(&o1.id, "kid-crud-1").await.unwrap().is_some());
    let again = store
        .insert_app_key(
            &key(&o1.id, "kid-crud-1", a.created),
            &event("conformance.key", 3),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { field: "kid" })),
        "{again:?}"
    );
    let orphan = store
        .insert_app_key(
            &key("0oaNoSuchApp00000000", "k", 1),
            &event("conformance.key", 4),
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound)), "{orphan:?}");

    // Logos: the newest replaces the previous one.
    let logo = |id: &str| AppLogoRecord {
        id: id.into(),
        app_id: a.id.clone(),
        content_type: "image/png".into(),
        bytes: vec![0x89, b'P', b'N', b'G'],
        created: 3,
    };
    store
        .put_app_logo(&logo("fs0conflogo1"), &event("conformance.logo", 1))
        .await
        .unwrap();
    store
        .put_app_logo(&logo("fs0conflogo2"), &event("conformance.logo", 2))
        .await
        .unwrap();
    assert!(store.app_logo("fs0conflogo1").await.unwrap().is_none());
    assert_eq!(
        store.app_logo("fs0conflogo2").await.unwrap(),
        Some(logo("fs0conflogo2"))
    );
    assert_eq!(
        store
            .app_by_id(&a.id)
            .await
            .unwrap()
            .unwrap()
            .logo_id
            .as_deref(),
        Some("fs0conflogo2")
    );

    // Delete takes keys and logo along.
    assert!(store
        .delete_app(&a.id, &event("application.lifecycle.delete", 9))
        .await
        .unwrap());
    assert!(!store
        .delete_app(&a.id, &event("application.lifecycle.delete", 9))
        .await
        .unwrap());
    assert!(store.app_by_id(&a.id).await.unwrap().is_none());
    assert!(store.app_keys(&a.id).await.unwrap().is_empty());
    assert!(store.app_logo("fs0conflogo2").await.unwrap().is_none());
    assert_eq!(
        events_of(store, "application.lifecycle.delete").await.len(),
        1
    );
}

pub async fn pages_and_filters_select_the_right_apps(store: &dyn Store) {
    let mut ids = Vec::new();
    for i in 0..7 {
        // Pairs share a creation time, so ties are broken by id.
        let mut a = app(
            if i % 2 == 0 {
                "conf_pages_even"
            } else {
                "conf_pages_odd"
            },
            &format!("ConfPages Label {i}"),
            2_100_000 + i / 2,
        );
        if i == 3 {
            a.status = "INACTIVE".into();
            a.signing_kid = Some("conf-pages-kid".into());
        }
        insert(store, &a).await;
        ids.push(a.id);
    }
    let mine: HashSet<_> = ids.iter().cloned().collect();
    let mut seen = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let page = store
            .list_apps(&AppQuery {
                filter: Some(rules::find("confpages")),
                after: after.clone(),
                limit: 3,
            })
            .await
            .expect("page");
        let more = page.len() > 3;
        let page: Vec<_> = page.into_iter().take(3).collect();
        after = page.last().map(|a| PageKey {
            key: json!(a.created),
            id: a.id.clone(),
        });
        seen.extend(page.into_iter().map(|a| a.id));
        if !more {
            break;
        }
    }
    assert_eq!(seen.len(), 7, "pages: every app once");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), mine);
    let bad = store
        .list_apps(&AppQuery {
            filter: None,
            after: Some(PageKey {
                key: json!("text"),
                id: "x".into(),
            }),
            limit: 3,
        })
        .await;
    assert!(matches!(bad, Err(StoreError::InvalidCursor)));

    let parse = |f: &str| rules::parse_filter(f).expect("filter");
    let inactive: Vec<_> = all_apps(
        store,
        parse(r#"status eq "INACTIVE" and name eq "conf_pages_odd""#),
    )
    .await;
    assert_eq!(inactive, vec![ids[3].clone()]);
    assert_eq!(
        all_apps(store, parse(r#"name eq "conf_pages_even""#))
            .await
            .len(),
        4
    );
    assert_eq!(
        all_apps(
            store,
            parse(r#"credentials.signing.kid eq "conf-pages-kid""#)
        )
        .await,
        vec![ids[3].clone()]
    );
    assert_eq!(
        all_apps(store, rules::find("CONFPAGES label 6")).await,
        vec![ids[6].clone()],
        "q ignores case on the label"
    );
    assert_eq!(
        all_apps(store, rules::find("conf_pages_o")).await.len(),
        3,
        "q matches the name"
    );
    assert!(
        all_apps(store, rules::find("%")).await.is_empty(),
        "q escapes LIKE"
    );
}

pub async fn assignments_direct_and_through_groups(store: &dyn Store) {
    let a = app("conf_assign", "Conf Assign", 2_200_000);
    insert(store, &a).await;
    let other = app("conf_assign_other", "Conf Assign Other", 2_200_001);
    insert(store, &other).await;
    let alice = new_user(store, "conf.assign.alice@example.com", 2_200_000).await;
    let bob = new_user(store, "conf.assign.bob@example.com", 2_200_000).await;
    let carol = new_user(store, "conf.assign.carol@example.com", 2_200_000).await;
    let g = new_group(store, "Conf-Assign", 2_200_000).await;
    let g2 = new_group(store, "Conf-Assign Second", 2_200_000).await;

    // Direct.
    store
        .put_app_user(
            &direct(&a.id, &alice, 2_200_010),
            &event("application.user_membership.add", 1),
        )
        .await
        .unwrap();
    let missing = store
        .put_app_user(
            &direct(&a.id, "00uNoSuchUser0000000", 2_200_010),
            &event("conformance.assign.missing", 1),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    assert!(events_of(store, "conformance.assign.missing")
        .await
        .is_empty());

    // Through a group: members now and later, and priorities.
    store
        .add_group_member(&g, &bob, 2_200_020, &event("group.user_membership.add", 1))
        .await
        .unwrap();
    let first = store
        .assign_app_group(
            &a.id,
            &g,
            None,
            None,
            2_200_030,
            &event("group.application_assignment.add", 1),
        )
        .await
        .unwrap();
    assert_eq!(first.priority, 0);
    let mut profile = Map::new();
    profile.insert("role".into(), json!("dev"));
    let second = store
        .assign_app_group(
            &a.id,
            &g2,
            None,
            Some(&profile),
            2_200_031,
            &event("group.application_assignment.add", 2),
        )
        .await
        .unwrap();
    assert_eq!(
        (second.priority, second.profile.clone()),
        (1, profile.clone())
    );
    let kept = store
        .assign_app_group(
            &a.id,
            &g2,
            Some(7),
            None,
            2_200_032,
            &event("group.application_assignment.add", 3),
        )
        .await
        .unwrap();
    assert_eq!(
        (kept.priority, kept.profile, kept.created),
        (7, profile, second.created)
    );
    assert_eq!(
        app_user_ids(store, &a.id).await,
        [alice.clone(), bob.clone()]
            .into_iter()
            .collect::<HashSet<_>>()
    );
    store
        .add_group_member(
            &g,
            &carol,
            2_200_040,
            &event("group.user_membership.add", 2),
        )
        .await
        .unwrap();
    store
        .add_group_member(
            &g2,
            &carol,
            2_200_041,
            &event("group.user_membership.add", 3),
        )
        .await
        .unwrap();
    let c = store
        .app_user(&a.id, &carol)
        .await
        .unwrap()
        .expect("carol through groups");
    assert!(!c.direct());
    assert_eq!(
        c.via.iter().map(|v| v.group_id.clone()).collect::<Vec<_>>(),
        vec![g.clone(), g2.clone()]
    );
    assert_eq!(
        c.created(),
        2_200_040,
        "since the earliest group membership"
    );
    let al = store
        .app_user(&a.id, &alice)
        .await
        .unwrap()
        .expect("alice direct");
    assert!(al.direct() && al.via.is_empty());
    assert!(store.app_user(&other.id, &alice).await.unwrap().is_none());

    // Lists from the user's and the group's side agree.
    assert_eq!(
        all_apps(store, rules::assigned_to_user(&carol)).await,
        vec![a.id.clone()]
    );
    assert_eq!(
        all_apps(store, rules::assigned_to_group(&g2)).await,
        vec![a.id.clone()]
    );
    let both = store
        .user_app_assignments(&carol, &[a.id.clone(), other.id.clone()])
        .await
        .unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].app_id, a.id);

    // A member who is also direct stays when the group goes; direct rows survive unassigning.
    store
        .put_app_user(
            &direct(&a.id, &bob, 2_200_050),
            &event("application.user_membership.add", 2),
        )
        .await
        .unwrap();
    assert!(store
        .delete_app_group(&a.id, &g, &event("group.application_assignment.remove", 1))
        .await
        .unwrap());
    assert!(!store
        .delete_app_group(&a.id, &g, &event("group.application_assignment.remove", 1))
        .await
        .unwrap());
    assert_eq!(
        app_user_ids(store, &a.id).await,
        [alice.clone(), bob.clone(), carol.clone()]
            .into_iter()
            .collect::<HashSet<_>>(),
        "carol still has the app through the second group"
    );
    store
        .remove_group_member(
            &g2,
            &carol,
            2_200_060,
            &event("group.user_membership.remove", 1),
        )
        .await
        .unwrap();
    assert!(store.app_user(&a.id, &carol).await.unwrap().is_none());

    // Cascades: a deleted user or group takes its assignments along.
    store
        .delete_user(&bob, &event("user.lifecycle.delete.initiated", 1))
        .await
        .unwrap();
    assert_eq!(
        app_user_ids(store, &a.id).await,
        [alice.clone()].into_iter().collect::<HashSet<_>>()
    );
    store
        .delete_group(&g2, &event("group.lifecycle.delete", 1))
        .await
        .unwrap();
    assert!(store.app_group(&a.id, &g2).await.unwrap().is_none());
    assert!(store
        .delete_app_user(
            &a.id,
            &alice,
            &event("application.user_membership.remove", 1)
        )
        .await
        .unwrap());
    assert!(app_user_ids(store, &a.id).await.is_empty());
}

pub async fn app_user_pages_and_q(store: &dyn Store) {
    let a = app("conf_app_users", "Conf App Users", 2_300_000);
    insert(store, &a).await;
    let g = new_group(store, "Conf-AppUsers", 2_300_000).await;
    store
        .assign_app_group(
            &a.id,
            &g,
            None,
            None,
            2_300_000,
            &event("group.application_assignment.add", 9),
        )
        .await
        .unwrap();
    let mut ids = HashSet::new();
    for i in 0..9 {
        let u = new_user(store, &format!("conf.appusers{i}@example.com"), 2_300_000).await;
        if i % 2 == 0 {
            let mut row = direct(&a.id, &u, 2_300_001);
            if i == 4 {
                row.user_name = Some("Zed-Special".into());
            }
            store
                .put_app_user(&row, &event("application.user_membership.add", 9))
                .await
                .unwrap();
        } else {
            store
                .add_group_member(&g, &u, 2_300_002, &event("group.user_membership.add", 9))
                .await
                .unwrap();
        }
        ids.insert(u);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_app_users(&AppUserQuery {
                app_id: a.id.clone(),
                q: None,
                after: after.clone(),
                limit: 4,
            })
            .await
            .unwrap();
        let more = page.len() > 4;
        let page: Vec<_> = page.into_iter().take(4).collect();
        after = page.last().map(|r| r.user.id.clone());
        seen.extend(page.into_iter().map(|r| r.user.id));
        if !more {
            break;
        }
    }
    assert_eq!(seen.len(), 9);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), ids);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "app users come in id order");
    let q = |text: &str| AppUserQuery {
        app_id: a.id.clone(),
        q: Some(text.into()),
        after: None,
        limit: 100,
    };
    assert_eq!(
        store.list_app_users(&q("zed-")).await.unwrap().len(),
        1,
        "q on the app username"
    );
    assert_eq!(
        store
            .list_app_users(&q("CONF.APPUSERS3"))
            .await
            .unwrap()
            .len(),
        1,
        "q on the email"
    );
    assert_eq!(
        store.list_app_users(&q("test")).await.unwrap().len(),
        9,
        "q on the first name"
    );
    assert!(store.list_app_users(&q("nobody")).await.unwrap().is_empty());
}

pub async fn assignments_stay_consistent_under_concurrent_membership_changes(store: &dyn Store) {
    let a = app("conf_app_conc", "Conf App Concurrent", 2_400_000);
    insert(store, &a).await;
    let g = new_group(store, "Conf-AppConcurrent", 2_400_000).await;
    store
        .assign_app_group(
            &a.id,
            &g,
            None,
            None,
            2_400_000,
            &event("group.application_assignment.add", 8),
        )
        .await
        .unwrap();
    let mut users = Vec::new();
    for i in 0..10 {
        users.push(new_user(store, &format!("conf.appconc{i}@example.com"), 2_400_000).await);
    }
    // Members join and leave while the app's users are read: every read is the direct set
    // (empty) united with some snapshot of the members, and the final read is exact.
    let evs: Vec<_> = (0..40)
        .map(|i| event("conformance.appconc", 2_400_100 + i))
        .collect();
    let changes = evs.iter().enumerate().map(|(i, e)| {
        let u = users[i % 10].clone();
        let g = g.clone();
        async move {
            if (i / 10) % 2 == 0 {
                store
                    .add_group_member(&g, &u, e.published, e)
                    .await
                    .map(|_| ())
            } else {
                store
                    .remove_group_member(&g, &u, e.published, e)
                    .await
                    .map(|_| ())
            }
        }
    });
    let reads = (0..10).map(|_| async {
        let page = store
            .list_app_users(&AppUserQuery {
                app_id: a.id.clone(),
                q: None,
                after: None,
                limit: 100,
            })
            .await
            .expect("read while changing");
        for r in &page {
            assert!(
                !r.via.is_empty(),
                "a listed group user has the group it came through"
            );
            assert!(r.assigned());
        }
        page.len()
    });
    let (changed, counts) = futures::future::join(
        futures::future::join_all(changes),
        futures::future::join_all(reads),
    )
    .await;
    for c in changed {
        c.expect("concurrent membership change");
    }
    assert!(counts.iter().all(|n| *n <= 10));
    let members: HashSet<_> = store
        .list_group_members(&g, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(
        app_user_ids(store, &a.id).await,
        members,
        "app users = group members"
    );
    for u in &users {
        let has = store.app_user(&a.id, u).await.unwrap().is_some();
        assert_eq!(has, members.contains(u));
        let apps = all_apps(store, rules::assigned_to_user(u)).await;
        assert_eq!(
            apps.contains(&a.id),
            has,
            "user.id filter agrees with the app's users"
        );
    }
}
