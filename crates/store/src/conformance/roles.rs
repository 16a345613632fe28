//! Administrator roles: one assignment per principal and role, roles through groups, targets
//! that replace each other and keep at least one, the last super administrator, and
//! assignments that go with their user or group.

use super::{event, group, user};
use crate::{
    RoleAssignmentRecord, RoleInsert, RoleRemoval, RoleTargetRecord, Store, TargetRemoval,
};

fn role(
    principal_type: &str,
    principal_id: &str,
    role_type: &str,
    now: i64,
) -> RoleAssignmentRecord {
    RoleAssignmentRecord {
        id: model::ids::new_id(model::ids::Kind::RoleAssignment),
        principal_type: principal_type.into(),
        principal_id: principal_id.into(),
        role_type: role_type.into(),
        status: "ACTIVE".into(),
        created: now,
        last_updated: now,
    }
}

fn target(assignment: &str, kind: &str, target: &str, app_name: &str) -> RoleTargetRecord {
    RoleTargetRecord {
        assignment_id: assignment.into(),
        kind: kind.into(),
        target: target.into(),
        app_name: app_name.into(),
        created: 10,
    }
}

pub async fn assignments_targets_and_the_last_super_admin(store: &dyn Store) {
    let ev = || event("user.account.privilege.grant", 10);
    let mut a = user("roles-a@example.com", 1);
    a.status = "ACTIVE".into();
    let mut b = user("roles-b@example.com", 2);
    b.status = "ACTIVE".into();
    for u in [&a, &b] {
        store.insert_user(u, &[], &ev()).await.unwrap();
    }
    let g = group("roles admins", "OKTA_GROUP", 3);
    store.insert_group(&g, &ev()).await.unwrap();

    // One assignment per principal and role type.
    let help = role("USER", &a.id, "HELP_DESK_ADMIN", 5);
    assert_eq!(
        store
            .insert_role_assignment(&help, &[], &ev())
            .await
            .unwrap(),
        RoleInsert::Inserted,
        "roles: first assignment"
    );
    let again = role("USER", &a.id, "HELP_DESK_ADMIN", 6);
    assert_eq!(
        store
            .insert_role_assignment(&again, &[], &ev())
            .await
            .unwrap(),
        RoleInsert::Exists,
        "roles: a principal holds a role once"
    );
    let through_group = role("GROUP", &g.id, "READ_ONLY_ADMIN", 7);
    store
        .insert_role_assignment(&through_group, &[], &ev())
        .await
        .unwrap();
    let only_a = store.role_grants_for_user(&a.id).await.unwrap();
    assert_eq!(only_a.len(), 1, "roles: a user's own roles before joining");
    store
        .add_group_member(&g.id, &a.id, 8, &ev())
        .await
        .unwrap();
    let grants = store.role_grants_for_user(&a.id).await.unwrap();
    let types: Vec<&str> = grants
        .iter()
        .map(|g| g.assignment.role_type.as_str())
        .collect();
    assert_eq!(
        types,
        ["HELP_DESK_ADMIN", "READ_ONLY_ADMIN"],
        "roles: a member holds its group's roles, oldest first"
    );
    assert!(store
        .user_in_any_group(&a.id, std::slice::from_ref(&g.id))
        .await
        .unwrap());
    assert!(!store
        .user_in_any_group(&b.id, std::slice::from_ref(&g.id))
        .await
        .unwrap());

    // Users holding a role, themselves or through a group, in id order.
    let listed = store.users_with_roles(None, 100).await.unwrap();
    assert!(
        listed.contains(&a.id),
        "roles: holders include a member of a role group"
    );
    assert!(
        !listed.contains(&b.id),
        "roles: holders leave out users without roles"
    );
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "roles: holders in id order");
    let after = store.users_with_roles(Some(&a.id), 100).await.unwrap();
    assert!(
        after.iter().all(|id| id > &a.id),
        "roles: holders after a cursor"
    );

    // Targets: added once, a catalog app and its instances replace each other, the last stays.
    assert!(store
        .add_role_target(&target(&help.id, "GROUP", &g.id, ""), None, &ev())
        .await
        .unwrap());
    assert!(!store
        .add_role_target(&target(&help.id, "GROUP", &g.id, ""), None, &ev())
        .await
        .unwrap());
    let apps = role("USER", &a.id, "APP_ADMIN", 9);
    store
        .insert_role_assignment(&apps, &[], &ev())
        .await
        .unwrap();
    for (kind, t, replaces) in [
        ("APP", "0oa1", Some("APP_NAME")),
        ("APP", "0oa2", Some("APP_NAME")),
        ("APP_NAME", "bookmark", Some("APP")),
    ] {
        store
            .add_role_target(&target(&apps.id, kind, t, "bookmark"), replaces, &ev())
            .await
            .unwrap();
    }
    let left = store.role_targets(&apps.id).await.unwrap();
    assert_eq!(
        left.len(),
        1,
        "roles: a catalog target replaces its instances"
    );
    assert_eq!(left[0].kind, "APP_NAME");
    assert_eq!(
        store
            .remove_role_target(&apps.id, "APP_NAME", "bookmark", &ev())
            .await
            .unwrap(),
        TargetRemoval::LastTarget,
        "roles: the last target stays"
    );
    assert_eq!(store.role_targets(&apps.id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .remove_role_target(&apps.id, "APP", "0oa9", &ev())
            .await
            .unwrap(),
        TargetRemoval::NotFound
    );

    // The last ACTIVE super administrator stays; with a second one, the first may go.
    assert!(store.count_role_assignments().await.unwrap() >= 3);
    let super_a = role("USER", &a.id, "SUPER_ADMIN", 11);
    store
        .insert_role_assignment(&super_a, &[], &ev())
        .await
        .unwrap();
    let removal = store
        .delete_role_assignment("USER", &a.id, &super_a.id, &ev())
        .await
        .unwrap();
    // The store's bootstrap grants no role (the server does), so `a` is the only one.
    assert_eq!(
        removal,
        RoleRemoval::LastSuperAdmin,
        "roles: the last super admin stays"
    );
    let super_b = role("USER", &b.id, "SUPER_ADMIN", 12);
    store
        .insert_role_assignment(&super_b, &[], &ev())
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_role_assignment("USER", &a.id, &super_a.id, &ev())
            .await
            .unwrap(),
        RoleRemoval::Removed,
        "roles: a super admin goes while another remains"
    );
    assert_eq!(
        store
            .delete_role_assignment("USER", &a.id, &super_a.id, &ev())
            .await
            .unwrap(),
        RoleRemoval::NotFound
    );

    // Assignments go with their group and their user; targets with their assignment.
    store.delete_group(&g.id, &ev()).await.unwrap();
    assert!(store
        .role_assignments("GROUP", &g.id)
        .await
        .unwrap()
        .is_empty());
    let mut gone = user("roles-c@example.com", 13);
    gone.status = "DEPROVISIONED".into();
    store.insert_user(&gone, &[], &ev()).await.unwrap();
    let gone_role = role("USER", &gone.id, "USER_ADMIN", 14);
    store
        .insert_role_assignment(
            &gone_role,
            &[target(&gone_role.id, "GROUP", "00gx", "")],
            &ev(),
        )
        .await
        .unwrap();
    store.delete_user(&gone.id, &ev()).await.unwrap();
    assert!(store
        .role_assignments("USER", &gone.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store.role_targets(&gone_role.id).await.unwrap().is_empty());
}
