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

pub async fn custom_roles_sets_and_bindings(store: &dyn Store) {
    use crate::{BindingMemberRecord, IamRoleRecord, ResourceRecord, ResourceSetRecord};
    let ev = || event("iam.role.create", 20);
    let mut u = user("custom-u@example.com", 20);
    u.status = "ACTIVE".into();
    store.insert_user(&u, &[], &ev()).await.unwrap();
    let g = group("custom admins", "OKTA_GROUP", 20);
    store.insert_group(&g, &ev()).await.unwrap();
    store
        .add_group_member(&g.id, &u.id, 21, &ev())
        .await
        .unwrap();

    let role = IamRoleRecord {
        id: "cr0conformance000001".into(),
        label: "Conformance Role".into(),
        description: "d".into(),
        created: 22,
        last_updated: 22,
    };
    assert!(store
        .insert_iam_role(&role, &["okta.users.read".into()], &ev())
        .await
        .unwrap());
    let mut twin = role.clone();
    twin.id = "cr0conformance000002".into();
    twin.label = "conformance role".into();
    assert!(
        !store.insert_iam_role(&twin, &[], &ev()).await.unwrap(),
        "custom roles: labels unique ignoring case"
    );
    assert_eq!(
        store
            .iam_role("CONFORMANCE ROLE")
            .await
            .unwrap()
            .map(|r| r.id),
        Some(role.id.clone()),
        "custom roles: found by label ignoring case"
    );
    assert!(!store
        .add_iam_permission(&role.id, "okta.users.read", 23, &ev())
        .await
        .unwrap());
    assert!(store
        .add_iam_permission(&role.id, "okta.groups.read", 23, &ev())
        .await
        .unwrap());

    let set = ResourceSetRecord {
        id: "iamconformance000001".into(),
        label: "Conformance Set".into(),
        description: "d".into(),
        created: 24,
        last_updated: 24,
    };
    let resource = |id: &str, orn: &str| ResourceRecord {
        id: id.into(),
        set_id: set.id.clone(),
        orn: orn.into(),
        created: 24,
        last_updated: 24,
    };
    assert!(store
        .insert_resource_set(
            &set,
            &[resource("ire1", "orn:okta:directory:o:users")],
            &ev()
        )
        .await
        .unwrap());
    // The same ORN twice is kept once.
    store
        .add_resources(
            &[
                resource("ire2", "orn:okta:directory:o:users"),
                resource("ire3", "orn:okta:directory:o:groups"),
            ],
            &ev(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.resources(&set.id).await.unwrap().len(),
        2,
        "custom roles: ORNs once per set"
    );

    // A member through a group gives the role to the group's users.
    let member = |id: &str, kind: &str, principal: &str| BindingMemberRecord {
        id: id.into(),
        set_id: set.id.clone(),
        role_id: role.id.clone(),
        principal_type: kind.into(),
        principal_id: principal.into(),
        created: 25,
        last_updated: 25,
    };
    assert!(store
        .insert_binding(
            &set.id,
            &role.id,
            &[member("irb1", "GROUP", &g.id)],
            25,
            &ev()
        )
        .await
        .unwrap());
    assert!(
        !store
            .insert_binding(&set.id, &role.id, &[], 25, &ev())
            .await
            .unwrap(),
        "custom roles: a set binds a role once"
    );
    let grants = store.custom_grants("USER", &u.id).await.unwrap();
    assert_eq!(grants.len(), 1, "custom roles: held through a group");
    let mut permissions = grants[0].permissions.clone();
    permissions.sort();
    assert_eq!(permissions, ["okta.groups.read", "okta.users.read"]);
    assert_eq!(grants[0].resources.len(), 2);
    store
        .add_binding_members(
            &[member("irb2", "USER", &u.id), member("irb3", "USER", &u.id)],
            &ev(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .binding_members(&set.id, &role.id)
            .await
            .unwrap()
            .len(),
        2,
        "custom roles: a binding holds a principal once"
    );
    assert!(store.remove_binding_member("irb2", &ev()).await.unwrap());
    assert!(!store.remove_binding_member("irb2", &ev()).await.unwrap());

    // Assignments at once: one binding is made, each principal is held once.
    let role2 = IamRoleRecord {
        id: "cr0conformance000003".into(),
        label: "Conformance Role 2".into(),
        ..role.clone()
    };
    store.insert_iam_role(&role2, &[], &ev()).await.unwrap();
    let racing = |id: &str, principal: &str| BindingMemberRecord {
        role_id: role2.id.clone(),
        ..member(id, "USER", principal)
    };
    let (a1, a2, a3) = (
        racing("irb5", &u.id),
        racing("irb6", &u.id),
        racing("irb7", "00uother0000000000000"),
    );
    let (e1, e2, e3) = (ev(), ev(), ev());
    let results = futures::future::join_all([
        store.bind_member(&a1, &e1),
        store.bind_member(&a2, &e2),
        store.bind_member(&a3, &e3),
    ])
    .await;
    let won: Vec<bool> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        won.iter().filter(|w| **w).count(),
        2,
        "custom roles: a principal is bound once under concurrent assignments ({won:?})"
    );
    assert!(won[2], "custom roles: another principal is bound alongside");
    assert_eq!(
        store
            .bindings(&set.id)
            .await
            .unwrap()
            .iter()
            .filter(|r| **r == role2.id)
            .count(),
        1
    );
    assert_eq!(
        store
            .binding_members(&set.id, &role2.id)
            .await
            .unwrap()
            .len(),
        2
    );

    // A deleted group's memberships in bindings go with it.
    let g2 = group("custom short-lived", "OKTA_GROUP", 26);
    store.insert_group(&g2, &ev()).await.unwrap();
    store
        .add_binding_members(&[member("irb4", "GROUP", &g2.id)], &ev())
        .await
        .unwrap();
    store.delete_group(&g2.id, &ev()).await.unwrap();
    assert!(
        store
            .binding_members_of("GROUP", &g2.id)
            .await
            .unwrap()
            .is_empty(),
        "custom roles: a deleted group leaves its bindings"
    );

    // Deleting a role takes its bindings and members; deleting the set takes the rest.
    assert!(store.delete_iam_role(&role.id, &ev()).await.unwrap());
    assert_eq!(
        store.bindings(&set.id).await.unwrap(),
        std::slice::from_ref(&role2.id)
    );
    let left = store.custom_grants("USER", &u.id).await.unwrap();
    assert!(
        left.iter().all(|g| g.member.role_id == role2.id),
        "{left:?}"
    );
    assert!(store.delete_resource_set(&set.id, &ev()).await.unwrap());
    assert!(store.bindings(&set.id).await.unwrap().is_empty());
    assert!(store.custom_grants("USER", &u.id).await.unwrap().is_empty());
    assert!(store.resource_set(&set.id).await.unwrap().is_none());
}
