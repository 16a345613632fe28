//! Okta's standard administrator roles (roles.md, "Standard roles"), written once as a table:
//! each role's type, label, the permissions it holds and the kind of targets that may limit
//! it. Permissions use Okta's names (`okta.users.read`, `okta.users.lifecycle.unlock`, ...);
//! a route needs one permission (`latchkey-server`'s `authz` module maps routes to them).
//!
//! A held permission covers a needed one when they are equal, when the held one is `*`, or
//! when the held one is `okta.X.manage` and the needed one starts with `okta.X.` (so
//! `okta.users.manage` covers `okta.users.read` and `okta.users.lifecycle.unlock`). A role's
//! `denies` are taken out of what its grants cover.

/// What may limit a role to part of the org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The role always applies to the whole org.
    None,
    /// Groups: the role applies to the groups and to their members.
    Groups,
    /// Apps: catalog apps (every instance) or app instances.
    Apps,
}

/// One standard role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardRole {
    /// The role `type` of the API (`SUPER_ADMIN`, ...).
    pub role_type: &'static str,
    /// The `label` Okta shows for an assignment of it.
    pub label: &'static str,
    pub grants: &'static [&'static str],
    pub denies: &'static [&'static str],
    pub targets: TargetKind,
}

/// Everything a user admin may do to users (the Group Administrator of Okta's console).
const USER_ADMIN: &[&str] = &[
    "okta.users.manage",
    "okta.groups.read",
    "okta.groups.members.manage",
    "okta.userTypes.read",
    "okta.authenticators.read",
];

/// Every read permission of the management API.
const READS: &[&str] = &[
    "okta.users.read",
    "okta.groups.read",
    "okta.apps.read",
    "okta.appGrants.read",
    "okta.apiTokens.read",
    "okta.authenticators.read",
    "okta.authorizationServers.read",
    "okta.eventHooks.read",
    "okta.inlineHooks.read",
    "okta.linkedObjects.read",
    "okta.logs.read",
    "okta.networkZones.read",
    "okta.orgs.read",
    "okta.policies.read",
    "okta.profileMappings.read",
    "okta.roles.read",
    "okta.schemas.read",
    "okta.sessions.read",
    "okta.trustedOrigins.read",
    "okta.userTypes.read",
];

/// The standard roles, in the order Okta's reference lists them.
pub const STANDARD_ROLES: &[StandardRole] = &[
    StandardRole {
        role_type: "SUPER_ADMIN",
        label: "Super Administrator",
        grants: &["*"],
        denies: &[],
        targets: TargetKind::None,
    },
    StandardRole {
        role_type: "ORG_ADMIN",
        label: "Organizational Administrator",
        grants: &["*"],
        // Granting administrator roles stays with super administrators.
        denies: &["okta.roles.manage"],
        targets: TargetKind::None,
    },
    StandardRole {
        role_type: "APP_ADMIN",
        label: "Application Administrator",
        grants: &[
            "okta.apps.manage",
            "okta.appGrants.manage",
            "okta.users.read",
            "okta.groups.read",
            "okta.profileMappings.manage",
            "okta.trustedOrigins.read",
            "okta.schemas.manage",
            "okta.linkedObjects.manage",
        ],
        denies: &[],
        targets: TargetKind::Apps,
    },
    StandardRole {
        role_type: "USER_ADMIN",
        label: "Group Administrator",
        grants: USER_ADMIN,
        denies: &[],
        targets: TargetKind::Groups,
    },
    StandardRole {
        role_type: "HELP_DESK_ADMIN",
        label: "Help Desk Administrator",
        grants: &[
            "okta.users.read",
            "okta.groups.read",
            "okta.users.credentials.resetPassword",
            "okta.users.credentials.expirePassword",
            "okta.users.credentials.resetFactors",
            "okta.users.lifecycle.unlock",
            "okta.users.lifecycle.clearSessions",
        ],
        denies: &[],
        targets: TargetKind::Groups,
    },
    StandardRole {
        role_type: "GROUP_MEMBERSHIP_ADMIN",
        label: "Group Membership Administrator",
        grants: &[
            "okta.users.read",
            "okta.groups.read",
            "okta.groups.members.manage",
        ],
        denies: &[],
        targets: TargetKind::Groups,
    },
    StandardRole {
        role_type: "READ_ONLY_ADMIN",
        label: "Read-only Administrator",
        grants: READS,
        denies: &[],
        targets: TargetKind::None,
    },
    StandardRole {
        role_type: "REPORT_ADMIN",
        label: "Report Administrator",
        grants: &["okta.logs.read"],
        denies: &[],
        targets: TargetKind::None,
    },
    StandardRole {
        role_type: "API_ACCESS_MANAGEMENT_ADMIN",
        label: "API Access Management Administrator",
        grants: &[
            "okta.authorizationServers.manage",
            "okta.apps.read",
            "okta.appGrants.manage",
            "okta.trustedOrigins.read",
            "okta.users.read",
            "okta.groups.read",
            "okta.schemas.manage",
            "okta.linkedObjects.manage",
        ],
        denies: &[],
        targets: TargetKind::None,
    },
];

/// The permissions a custom role may hold (roles.md, "Permission types"; the ones this server
/// can act on: users, groups, apps, authorization servers).
pub const CUSTOM_PERMISSIONS: &[&str] = &[
    "okta.users.manage",
    "okta.users.create",
    "okta.users.read",
    "okta.users.credentials.manage",
    "okta.users.credentials.resetFactors",
    "okta.users.credentials.resetPassword",
    "okta.users.credentials.expirePassword",
    "okta.users.userprofile.manage",
    "okta.users.lifecycle.manage",
    "okta.users.lifecycle.activate",
    "okta.users.lifecycle.deactivate",
    "okta.users.lifecycle.suspend",
    "okta.users.lifecycle.unsuspend",
    "okta.users.lifecycle.delete",
    "okta.users.lifecycle.unlock",
    "okta.users.lifecycle.clearSessions",
    "okta.users.groupMembership.manage",
    "okta.users.appAssignment.manage",
    "okta.groups.manage",
    "okta.groups.create",
    "okta.groups.members.manage",
    "okta.groups.read",
    "okta.groups.appAssignment.manage",
    "okta.apps.read",
    "okta.apps.manage",
    "okta.apps.assignment.manage",
    "okta.authzServers.read",
    "okta.authzServers.manage",
];

/// What a custom role's permission means for the route permissions (the management API's
/// names, mostly its OAuth scopes): Okta names authorization servers `authzServers` in custom
/// roles and `authorizationServers` in scopes.
pub fn custom_permission_covers(held: &str, needed: &str) -> bool {
    let held = held.replace("okta.authzServers.", "okta.authorizationServers.");
    covers(&held, needed)
}

/// The user statuses in which an administrator can act (and their API tokens work): an
/// activated account that is neither deactivated nor suspended (Okta: "tokens are valid only
/// if the user who created them is active"; a locked-out user or one whose password expired
/// is still active).
pub const ADMIN_STATUSES: &[&str] = &["ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED"];

/// Whether a user in `status` can act as an administrator.
pub fn can_administer(status: &str) -> bool {
    ADMIN_STATUSES.contains(&status)
}

/// The standard role of a `type`.
pub fn standard_role(role_type: &str) -> Option<&'static StandardRole> {
    STANDARD_ROLES.iter().find(|r| r.role_type == role_type)
}

/// Whether holding `held` covers needing `needed` (see the module's doc).
pub fn covers(held: &str, needed: &str) -> bool {
    held == "*"
        || held == needed
        || held.strip_suffix(".manage").is_some_and(|base| {
            needed
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('.'))
        })
}

impl StandardRole {
    /// Whether the role holds `permission`.
    pub fn allows(&self, permission: &str) -> bool {
        self.grants.iter().any(|g| covers(g, permission)) && !self.denies.contains(&permission)
    }
}

/// The resource a permission acts on, which tells whether a role's targets limit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Users,
    Groups,
    Apps,
    Other,
}

pub fn resource_of(permission: &str) -> Resource {
    if permission.starts_with("okta.users.") {
        Resource::Users
    } else if permission.starts_with("okta.groups.") {
        Resource::Groups
    } else if permission.starts_with("okta.apps.") {
        Resource::Apps
    } else {
        Resource::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_covers_read_and_finer_permissions_of_the_same_resource_only() {
        assert!(covers("okta.users.manage", "okta.users.read"));
        assert!(covers("okta.users.manage", "okta.users.lifecycle.unlock"));
        assert!(!covers("okta.users.manage", "okta.usersX.read"));
        assert!(!covers("okta.users.read", "okta.users.manage"));
        assert!(!covers("okta.groups.manage", "okta.users.read"));
        assert!(covers("*", "okta.roles.manage"));
    }

    #[test]
    fn every_role_type_is_listed_once() {
        for (i, role) in STANDARD_ROLES.iter().enumerate() {
            assert!(
                STANDARD_ROLES[i + 1..]
                    .iter()
                    .all(|r| r.role_type != role.role_type),
                "{}",
                role.role_type
            );
            assert_eq!(standard_role(role.role_type), Some(role));
        }
    }

    #[test]
    fn denies_take_precedence() {
        let org = standard_role("ORG_ADMIN").expect("ORG_ADMIN");
        assert!(org.allows("okta.users.manage"));
        assert!(!org.allows("okta.roles.manage"));
        assert!(org.allows("okta.roles.read"));
        let help = standard_role("HELP_DESK_ADMIN").expect("HELP_DESK_ADMIN");
        assert!(help.allows("okta.users.lifecycle.unlock"));
        assert!(!help.allows("okta.users.lifecycle.delete"));
    }
}
