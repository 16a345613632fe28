//! Who may do what: every `/api/v1` management call is checked against the caller's
//! administrator roles (`model::roles`) and their targets.
//!
//! - A route needs one permission: the scope the Management API specification names for it
//!   (`oauth::management`'s table), refined for the user, group and app operations that
//!   Okta's roles tell apart ([`REFINED`]: unlocking a user is not deleting one). A route in
//!   neither table is refused to everyone but super administrators; [`ANY_ADMIN`] lists the
//!   few that any administrator may call (the Authn API for trusted apps, revoking one's own
//!   token).
//! - A role limited by targets (groups, or apps) allows its user and group permissions only
//!   on the users who belong to a target group and on the target groups, its app
//!   permissions only on the target apps. The three lists (`GET /users`, `/groups`, `/apps`)
//!   answer with what the targets cover ([`Access::Limited`]); creating a user, group or app
//!   needs the role without targets.
//! - A refusal is Okta's 403 E0000006.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use axum::http::Method;
use model::roles::{self, Resource, TargetKind};
use store::{CustomGrant, RoleGrant};

use crate::state::AppState;
use crate::wire::ApiError;

/// The permission a route needs, for routes whose scope is coarser than Okta's roles
/// (`METHOD /api/v1/path` with parameters written `{}`).
pub const REFINED: &[(&str, &str)] = &[
    // A service app's roles (outside /api/v1, so not in the scope table).
    ("GET /oauth2/v1/clients/{}/roles", "okta.roles.read"),
    ("POST /oauth2/v1/clients/{}/roles", "okta.roles.manage"),
    ("GET /oauth2/v1/clients/{}/roles/{}", "okta.roles.read"),
    ("DELETE /oauth2/v1/clients/{}/roles/{}", "okta.roles.manage"),
    (
        "GET /oauth2/v1/clients/{}/roles/{}/targets/groups",
        "okta.roles.read",
    ),
    (
        "PUT /oauth2/v1/clients/{}/roles/{}/targets/groups/{}",
        "okta.roles.manage",
    ),
    (
        "DELETE /oauth2/v1/clients/{}/roles/{}/targets/groups/{}",
        "okta.roles.manage",
    ),
    (
        "GET /oauth2/v1/clients/{}/roles/{}/targets/catalog/apps",
        "okta.roles.read",
    ),
    (
        "PUT /oauth2/v1/clients/{}/roles/{}/targets/catalog/apps/{}",
        "okta.roles.manage",
    ),
    (
        "DELETE /oauth2/v1/clients/{}/roles/{}/targets/catalog/apps/{}",
        "okta.roles.manage",
    ),
    (
        "PUT /oauth2/v1/clients/{}/roles/{}/targets/catalog/apps/{}/{}",
        "okta.roles.manage",
    ),
    (
        "DELETE /oauth2/v1/clients/{}/roles/{}/targets/catalog/apps/{}/{}",
        "okta.roles.manage",
    ),
    ("POST /api/v1/users", "okta.users.create"),
    ("POST /api/v1/users/{}", "okta.users.userprofile.manage"),
    ("PUT /api/v1/users/{}", "okta.users.userprofile.manage"),
    ("DELETE /api/v1/users/{}", "okta.users.lifecycle.delete"),
    (
        "POST /api/v1/users/{}/lifecycle/activate",
        "okta.users.lifecycle.activate",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/reactivate",
        "okta.users.lifecycle.activate",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/deactivate",
        "okta.users.lifecycle.deactivate",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/suspend",
        "okta.users.lifecycle.suspend",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/unsuspend",
        "okta.users.lifecycle.unsuspend",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/unlock",
        "okta.users.lifecycle.unlock",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/reset_password",
        "okta.users.credentials.resetPassword",
    ),
    (
        "POST /api/v1/users/{}/credentials/forgot_password",
        "okta.users.credentials.resetPassword",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/expire_password",
        "okta.users.credentials.expirePassword",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/expire_password_with_temp_password",
        "okta.users.credentials.expirePassword",
    ),
    (
        "POST /api/v1/users/{}/lifecycle/reset_factors",
        "okta.users.credentials.resetFactors",
    ),
    (
        "DELETE /api/v1/users/{}/factors/{}",
        "okta.users.credentials.resetFactors",
    ),
    (
        "DELETE /api/v1/users/{}/sessions",
        "okta.users.lifecycle.clearSessions",
    ),
    ("GET /api/v1/users/{}/factors/questions", "okta.users.read"),
    ("POST /api/v1/groups", "okta.groups.create"),
    (
        "PUT /api/v1/groups/{}/users/{}",
        "okta.groups.members.manage",
    ),
    (
        "DELETE /api/v1/groups/{}/users/{}",
        "okta.groups.members.manage",
    ),
    ("POST /api/v1/apps", "okta.apps.create"),
    (
        "PUT /api/v1/apps/{}/users/{}",
        "okta.apps.assignment.manage",
    ),
    ("POST /api/v1/apps/{}/users", "okta.apps.assignment.manage"),
    (
        "POST /api/v1/apps/{}/users/{}",
        "okta.apps.assignment.manage",
    ),
    (
        "DELETE /api/v1/apps/{}/users/{}",
        "okta.apps.assignment.manage",
    ),
    (
        "PUT /api/v1/apps/{}/groups/{}",
        "okta.apps.assignment.manage",
    ),
    (
        "DELETE /api/v1/apps/{}/groups/{}",
        "okta.apps.assignment.manage",
    ),
    ("PUT /api/v1/sessions/{}", "okta.sessions.manage"),
];

/// Routes any administrator may call (and every Authn API route, `/api/v1/authn...`,
/// where a token only marks the caller as a trusted app).
pub const ANY_ADMIN: &[&str] = &["DELETE /api/v1/api-tokens/current"];

/// The administrator roles the specification names for some operations (its
/// `x-okta-iam-admin-roles` extension), by `METHOD /api/v1/path{}`.
static SPEC_ROLES: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let parsed: serde_json::Value =
        serde_json::from_str(include_str!("iam_admin_roles.json")).unwrap_or_default();
    parsed
        .get("operations")
        .and_then(serde_json::Value::as_object)
        .map(|ops| {
            ops.iter()
                .map(|(op, roles)| {
                    let roles = roles
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(serde_json::Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (op.clone(), roles)
                })
                .collect()
        })
        .unwrap_or_default()
});

/// Whether the specification reserves the operation to super administrators.
pub fn super_admin_only(key: &str) -> bool {
    SPEC_ROLES
        .get(key)
        .is_some_and(|roles| roles.iter().all(|r| r == "SUPER_ADMIN"))
}

/// The three lists that a role limited by targets may read, narrowed to what it covers.
const LISTS: &[&str] = &[
    "GET /api/v1/users",
    "GET /api/v1/groups",
    "GET /api/v1/apps",
];

static REFINED_MAP: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| REFINED.iter().copied().collect());

/// What a route needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// One of these permissions.
    Permission(Vec<String>),
    /// Any administrator.
    AnyAdmin,
    /// Nothing names it: super administrators only.
    Unlisted,
}

/// `METHOD /api/v1/path{}` for a method and a matched route path.
pub fn route_key(method: &Method, matched: &str) -> String {
    format!(
        "{} {}",
        method.as_str(),
        crate::oauth::management::normalize(matched)
    )
}

/// The permission a route needs.
pub fn need(method: &Method, matched: &str) -> Need {
    let key = route_key(method, matched);
    if super_admin_only(&key) {
        return Need::Unlisted;
    }
    if let Some(p) = REFINED_MAP.get(key.as_str()) {
        return Need::Permission(vec![(*p).to_owned()]);
    }
    if ANY_ADMIN.contains(&key.as_str())
        || key
            .split(' ')
            .nth(1)
            .is_some_and(|p| p.starts_with("/api/v1/authn"))
    {
        return Need::AnyAdmin;
    }
    match crate::oauth::management::required_scopes(method, matched) {
        Some(scopes) if !scopes.is_empty() => Need::Permission(scopes.to_vec()),
        _ => Need::Unlisted,
    }
}

/// The roles of a caller: the API token's owner, read with the token.
#[derive(Debug, Clone, Default)]
pub struct CallerRoles {
    pub user_id: String,
    /// Whether the owner can act (`model::roles::can_administer`): a deactivated or
    /// suspended user's token does not work.
    pub active: bool,
    pub grants: Vec<RoleGrant>,
    /// Custom roles over resource sets.
    pub custom: Vec<CustomGrant>,
}

impl CallerRoles {
    /// Reads the roles of `user_id`.
    pub async fn load(app: &AppState, user_id: &str) -> Result<Self, ApiError> {
        let Some(user) = app.store.user_by_id(user_id).await? else {
            return Ok(Self::default());
        };
        let grants = app.store.role_grants_for_user(user_id).await?;
        let custom = app.store.custom_grants("USER", user_id).await?;
        Ok(Self {
            user_id: user.id,
            active: roles::can_administer(&user.status),
            grants,
            custom,
        })
    }

    /// Reads the roles of a service app (its OAuth client id); the app is ACTIVE (its
    /// tokens are refused otherwise).
    pub async fn load_client(app: &AppState, client_id: &str) -> Result<Self, ApiError> {
        let assignments = app.store.role_assignments("CLIENT", client_id).await?;
        let mut grants = Vec::with_capacity(assignments.len());
        for assignment in assignments {
            let targets = app.store.role_targets(&assignment.id).await?;
            grants.push(RoleGrant {
                assignment,
                targets,
            });
        }
        let custom = app.store.custom_grants("CLIENT", client_id).await?;
        Ok(Self {
            user_id: client_id.to_owned(),
            active: true,
            grants,
            custom,
        })
    }

    /// Whether the token may be used at all: an owner who can act, holding a role.
    pub fn usable(&self) -> bool {
        self.active && !(self.grants.is_empty() && self.custom.is_empty())
    }

    /// Whether the caller holds SUPER_ADMIN.
    pub fn is_super_admin(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.assignment.role_type == "SUPER_ADMIN")
    }
}

/// Refuses to deactivate or suspend the org's last super administrator who can act: nobody
/// could administer the org afterwards.
pub async fn keep_a_super_admin(app: &AppState, user: &store::UserRecord) -> Result<(), ApiError> {
    if !roles::can_administer(&user.status) {
        return Ok(());
    }
    let holds = app
        .store
        .role_grants_for_user(&user.id)
        .await?
        .iter()
        .any(|g| g.assignment.role_type == "SUPER_ADMIN");
    if holds && app.store.count_super_admins().await? <= 1 {
        return Err(ApiError::invalid(
            "status",
            "This user is the org's last super administrator: assign SUPER_ADMIN to another \
             user first.",
        ));
    }
    Ok(())
}

/// What a caller may see of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Access {
    #[default]
    All,
    /// Only what these targets cover.
    Limited(Limit),
}

/// The union of the targets of a caller's roles for one permission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limit {
    /// Groups the caller may act on.
    pub groups: BTreeSet<String>,
    /// Groups whose members the caller may act on.
    pub member_groups: BTreeSet<String>,
    pub app_ids: BTreeSet<String>,
    pub app_names: BTreeSet<String>,
}

/// What a resource set covers, read from its resources' ORNs
/// (`orn:okta:directory:{org}:users`, `...:groups[:{id}[:contained_resources]]`,
/// `orn:okta:idp:{org}:apps[:{appName}[:{appId}]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceScope {
    pub all_users: bool,
    pub all_groups: bool,
    pub all_apps: bool,
    pub groups: BTreeSet<String>,
    pub member_groups: BTreeSet<String>,
    pub app_names: BTreeSet<String>,
    pub app_ids: BTreeSet<String>,
    /// Authorization servers (all, or some: one server is not told from another here).
    pub authorization_servers: bool,
}

impl ResourceScope {
    pub fn of(orns: &[String]) -> Self {
        let mut scope = Self::default();
        for orn in orns {
            let parts: Vec<&str> = orn.split(':').collect();
            match parts.get(4..).unwrap_or_default() {
                ["users"] => scope.all_users = true,
                ["groups"] => scope.all_groups = true,
                ["groups", id] => {
                    scope.groups.insert((*id).to_owned());
                }
                ["groups", id, "contained_resources"] => {
                    scope.member_groups.insert((*id).to_owned());
                }
                ["apps"] => scope.all_apps = true,
                ["apps", name] => {
                    scope.app_names.insert((*name).to_owned());
                }
                ["apps", _, id] => {
                    scope.app_ids.insert((*id).to_owned());
                }
                ["authorization_servers"] | ["authorization_servers", _] => {
                    scope.authorization_servers = true;
                }
                _ => {}
            }
        }
        scope
    }
}

/// The ORN of a resource given as an ORN or as an API URL of this org, checked against the
/// kinds a resource set may hold here; None when it names nothing this server knows.
pub fn resource_orn(org_id: &str, api_base: &str, given: &str) -> Option<String> {
    let directory = format!("orn:okta:directory:{org_id}:");
    let idp = format!("orn:okta:idp:{org_id}:");
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if let Some(rest) = given.strip_prefix(&directory) {
        let parts: Vec<&str> = rest.split(':').collect();
        return match parts.as_slice() {
            ["users"] | ["groups"] => Some(given.to_owned()),
            ["groups", id] | ["groups", id, "contained_resources"] if plain(id) => {
                Some(given.to_owned())
            }
            _ => None,
        };
    }
    if let Some(rest) = given.strip_prefix(&idp) {
        let parts: Vec<&str> = rest.split(':').collect();
        return match parts.as_slice() {
            ["apps"] | ["authorization_servers"] => Some(given.to_owned()),
            ["apps", name] if plain(name) => Some(given.to_owned()),
            ["apps", name, id] if plain(name) && plain(id) => Some(given.to_owned()),
            ["authorization_servers", id] if plain(id) => Some(given.to_owned()),
            _ => None,
        };
    }
    let path = given.strip_prefix(api_base)?;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["users"] => Some(format!("{directory}users")),
        ["groups"] => Some(format!("{directory}groups")),
        ["groups", id] if plain(id) => Some(format!("{directory}groups:{id}")),
        ["groups", id, "users"] if plain(id) => {
            Some(format!("{directory}groups:{id}:contained_resources"))
        }
        ["apps"] => Some(format!("{idp}apps")),
        ["authorizationServers"] => Some(format!("{idp}authorization_servers")),
        ["authorizationServers", id] if plain(id) => {
            Some(format!("{idp}authorization_servers:{id}"))
        }
        _ => None,
    }
}

/// The ids a request path names, by the collection they follow.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PathIds {
    pub user: Option<String>,
    pub group: Option<String>,
    pub app: Option<String>,
}

/// Reads the user, group and app ids of a path by its route template.
pub fn path_ids(matched: &str, path: &str) -> PathIds {
    let mut ids = PathIds::default();
    // Either may be relative to /api/v1 (a nested router sees the path without it).
    let relative = |p: &str| p.strip_prefix("/api/v1").unwrap_or(p).to_owned();
    let (matched, path) = (relative(matched), relative(path));
    let template: Vec<&str> = matched.trim_start_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, pair) in template.windows(2).enumerate() {
        let [collection, seg] = pair else { continue };
        if !seg.starts_with('{') {
            continue;
        }
        let Some(value) = actual.get(i + 1) else {
            continue;
        };
        let value = percent_decode(value);
        let slot = match *collection {
            "users" => &mut ids.user,
            "groups" => &mut ids.group,
            "apps" => &mut ids.app,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    ids
}

fn percent_decode(s: &str) -> String {
    urlencoding::decode(s)
        .map(|d| d.into_owned())
        .unwrap_or_else(|_| s.to_owned())
}

/// Decides a call: `Ok(Access)` when the caller may make it, 403 E0000006 when not.
pub async fn authorize(
    app: &AppState,
    roles: &CallerRoles,
    method: &Method,
    matched: &str,
    path: &str,
) -> Result<Access, ApiError> {
    // A super administrator may do everything: no table to read.
    if roles.is_super_admin() {
        return Ok(Access::All);
    }
    let permissions = match need(method, matched) {
        Need::AnyAdmin => return Ok(Access::All),
        Need::Unlisted => return Err(ApiError::AccessDenied),
        Need::Permission(p) => p,
    };
    let mut limit = Limit::default();
    let mut limited = false;
    for permission in &permissions {
        let resource = roles::resource_of(permission);
        for grant in &roles.grants {
            let Some(role) = roles::standard_role(&grant.assignment.role_type) else {
                continue;
            };
            if !role.allows(permission) {
                continue;
            }
            let applies = match role.targets {
                TargetKind::Groups => matches!(resource, Resource::Users | Resource::Groups),
                TargetKind::Apps => resource == Resource::Apps,
                TargetKind::None => false,
            };
            if !applies || grant.targets.is_empty() {
                return Ok(Access::All);
            }
            limited = true;
            for t in &grant.targets {
                match t.kind.as_str() {
                    "GROUP" => {
                        limit.groups.insert(t.target.clone());
                        limit.member_groups.insert(t.target.clone());
                    }
                    "APP" => {
                        limit.app_ids.insert(t.target.clone());
                    }
                    _ => {
                        limit.app_names.insert(t.target.clone());
                    }
                }
            }
        }
    }
    for permission in &permissions {
        let resource = roles::resource_of(permission);
        for grant in &roles.custom {
            if !grant
                .permissions
                .iter()
                .any(|held| roles::custom_permission_covers(held, permission))
            {
                continue;
            }
            let scope = ResourceScope::of(&grant.resources);
            match resource {
                Resource::Users if scope.all_users => return Ok(Access::All),
                Resource::Users if !scope.member_groups.is_empty() => {
                    limited = true;
                    limit.member_groups.extend(scope.member_groups);
                }
                Resource::Groups if scope.all_groups => return Ok(Access::All),
                Resource::Groups if !scope.groups.is_empty() => {
                    limited = true;
                    limit.groups.extend(scope.groups);
                }
                Resource::Apps if scope.all_apps => return Ok(Access::All),
                Resource::Apps if !(scope.app_ids.is_empty() && scope.app_names.is_empty()) => {
                    limited = true;
                    limit.app_ids.extend(scope.app_ids);
                    limit.app_names.extend(scope.app_names);
                }
                // The other permissions a custom role holds are the authorization servers'.
                Resource::Other if scope.authorization_servers => return Ok(Access::All),
                _ => {}
            }
        }
    }
    if !limited {
        return Err(ApiError::AccessDenied);
    }
    // Every role that allows the call is limited: the call must name something it covers.
    let resource = permissions
        .first()
        .map(|p| roles::resource_of(p))
        .unwrap_or(Resource::Other);
    let ids = path_ids(matched, path);
    let covered = match resource {
        Resource::Groups => match &ids.group {
            Some(group) => limit.groups.contains(group),
            None => return list_or_refuse(method, matched, limit),
        },
        Resource::Users => match &ids.user {
            Some(user) => user_covered(app, roles, user, &limit).await?,
            None => return list_or_refuse(method, matched, limit),
        },
        Resource::Apps => match &ids.app {
            Some(id) => app_covered(app, id, &limit).await?,
            None => return list_or_refuse(method, matched, limit),
        },
        Resource::Other => false,
    };
    if covered {
        Ok(Access::All)
    } else {
        Err(ApiError::AccessDenied)
    }
}

fn list_or_refuse(method: &Method, matched: &str, limit: Limit) -> Result<Access, ApiError> {
    let key = route_key(method, matched);
    if LISTS.contains(&key.as_str()) {
        Ok(Access::Limited(limit))
    } else {
        Err(ApiError::AccessDenied)
    }
}

async fn user_covered(
    app: &AppState,
    roles: &CallerRoles,
    id_or_login: &str,
    limit: &Limit,
) -> Result<bool, ApiError> {
    let id = if id_or_login == "me" {
        roles.user_id.clone()
    } else if model::ids::looks_like(model::ids::Kind::User, id_or_login) {
        id_or_login.to_owned()
    } else {
        match app
            .store
            .user_by_login(&model::users::profile::login_lower(id_or_login))
            .await?
        {
            Some(user) => user.id,
            None => return Ok(false),
        }
    };
    let groups: Vec<String> = limit.member_groups.iter().cloned().collect();
    Ok(app.store.user_in_any_group(&id, &groups).await?)
}

async fn app_covered(app: &AppState, id: &str, limit: &Limit) -> Result<bool, ApiError> {
    if limit.app_ids.contains(id) {
        return Ok(true);
    }
    if limit.app_names.is_empty() {
        return Ok(false);
    }
    Ok(app
        .store
        .app_by_id(id)
        .await?
        .is_some_and(|a| limit.app_names.contains(&a.name)))
}

/// A `filter` matching any of `ids` or `names` (`id eq "..." or name eq "..."`), matching
/// nothing when both are empty. Only ids and names of plain characters are kept.
pub fn any_id_filter(ids: &BTreeSet<String>, names: &[&String]) -> String {
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let mut parts: Vec<String> = ids
        .iter()
        .filter(|id| plain(id))
        .map(|id| format!("id eq \"{id}\""))
        .collect();
    parts.extend(
        names
            .iter()
            .filter(|n| plain(n))
            .map(|n| format!("name eq \"{n}\"")),
    );
    if parts.is_empty() {
        return "id eq \"-\"".into();
    }
    parts.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_follow_the_template() {
        let ids = path_ids(
            "/groups/{groupId}/users/{userId}",
            "/api/v1/groups/00g1/users/00u2",
        );
        assert_eq!(ids.group.as_deref(), Some("00g1"));
        assert_eq!(ids.user.as_deref(), Some("00u2"));
        assert_eq!(ids.app, None);
        let ids = path_ids("/api/v1/apps/{appId}", "/api/v1/apps/0oa1");
        assert_eq!(ids.app.as_deref(), Some("0oa1"));
        let ids = path_ids("/api/v1/users/{id}", "/users/a%40b.com");
        assert_eq!(ids.user.as_deref(), Some("a@b.com"));
    }

    /// The role table against the specification: every role it names for an operation
    /// holds the operation's permission, and what it reserves to super administrators is
    /// refused to every other role.
    #[test]
    fn the_role_table_agrees_with_the_specification() {
        assert!(SPEC_ROLES.len() > 10, "{}", SPEC_ROLES.len());
        let mut checked = 0;
        for (op, named) in SPEC_ROLES.iter() {
            let (method, path) = op.split_once(' ').unwrap();
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let need = need(&method, path);
            for role in model::roles::STANDARD_ROLES {
                let allowed = match &need {
                    Need::Permission(p) => p.iter().any(|p| role.allows(p)),
                    Need::AnyAdmin => true,
                    Need::Unlisted => role.role_type == "SUPER_ADMIN",
                };
                if named.iter().any(|n| n == role.role_type) {
                    assert!(allowed, "{} may {op} (spec)", role.role_type);
                    checked += 1;
                }
                if super_admin_only(op) && role.role_type != "SUPER_ADMIN" {
                    assert!(!allowed, "{op} is for super administrators only");
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn resource_sets_read_from_orns_and_urls() {
        let base = "https://o.example/api/v1";
        let orn = |given: &str| resource_orn("00o1", base, given);
        assert_eq!(
            orn(&format!("{base}/users")).as_deref(),
            Some("orn:okta:directory:00o1:users")
        );
        assert_eq!(
            orn(&format!("{base}/groups/00g1/users")).as_deref(),
            Some("orn:okta:directory:00o1:groups:00g1:contained_resources")
        );
        assert_eq!(
            orn("orn:okta:idp:00o1:apps:bookmark:0oa1").as_deref(),
            Some("orn:okta:idp:00o1:apps:bookmark:0oa1")
        );
        // Another org, another host, a kind this server does not hold, a bad id.
        for bad in [
            "orn:okta:directory:00o2:users",
            "https://elsewhere.example/api/v1/users",
            "orn:okta:directory:00o1:devices",
            "orn:okta:directory:00o1:groups:a'b",
        ] {
            assert_eq!(orn(bad), None, "{bad}");
        }
        let scope = ResourceScope::of(&[
            "orn:okta:directory:00o1:groups:00g1".into(),
            "orn:okta:directory:00o1:groups:00g2:contained_resources".into(),
            "orn:okta:idp:00o1:apps:bookmark".into(),
            "orn:okta:idp:00o1:authorization_servers:aus1".into(),
        ]);
        assert!(!scope.all_users && !scope.all_groups && !scope.all_apps);
        assert!(scope.groups.contains("00g1") && scope.member_groups.contains("00g2"));
        assert!(scope.app_names.contains("bookmark") && scope.authorization_servers);
    }

    #[test]
    fn refined_routes_and_scoped_routes() {
        assert_eq!(
            need(&Method::POST, "/api/v1/users/{id}/lifecycle/unlock"),
            Need::Permission(vec!["okta.users.lifecycle.unlock".into()])
        );
        assert_eq!(
            need(&Method::GET, "/api/v1/users/{id}"),
            Need::Permission(vec!["okta.users.read".into()])
        );
        assert_eq!(need(&Method::POST, "/api/v1/authn"), Need::AnyAdmin);
        assert_eq!(need(&Method::GET, "/api/v1/nothing"), Need::Unlisted);
    }
}
