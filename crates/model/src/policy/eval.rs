//! Policy evaluation (policy.md, "Policy evaluation"): the policies of one type are tried in
//! priority order; the first ACTIVE one whose conditions all hold is considered, and within
//! it the first ACTIVE rule (by priority) whose conditions all hold is applied. A policy with
//! no matching rule is passed over, so a policy without rules never applies.
//!
//! Pure: the caller supplies the user's groups and the network zones the client address
//! falls in (see `crate::zones`).

use super::{Conditions, Policy, Rule, Status, ALL_ZONES};

/// How the user is authenticating (AuthContext condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// Any sign-in, the API's own password operations included.
    Any,
    LdapInterface,
}

/// Who is asking, from where.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub group_ids: &'a [String],
    /// The ACTIVE zones that contain the client address.
    pub zone_ids: &'a [String],
    pub auth_type: AuthType,
    /// The user's credential provider type (`OKTA`, `ACTIVE_DIRECTORY`, ...).
    pub provider: &'a str,
}

fn zone_listed(list: Option<&Vec<String>>, zones: &[String]) -> bool {
    list.into_iter().flatten().any(|z| {
        if z == ALL_ZONES {
            !zones.is_empty()
        } else {
            zones.contains(z)
        }
    })
}

/// True when every condition holds for `subject`.
pub fn conditions_hold(conditions: &Conditions, subject: &Subject<'_>) -> bool {
    if let Some(people) = &conditions.people {
        let me = [subject.user_id.to_owned()];
        if people.users.as_ref().is_some_and(|u| !u.matches(&me)) {
            return false;
        }
        if people
            .groups
            .as_ref()
            .is_some_and(|g| !g.matches(subject.group_ids))
        {
            return false;
        }
    }
    if let Some(network) = &conditions.network {
        if network.connection == "ZONE" {
            let has_include = network.include.as_ref().is_some_and(|l| !l.is_empty());
            if has_include && !zone_listed(network.include.as_ref(), subject.zone_ids) {
                return false;
            }
            if zone_listed(network.exclude.as_ref(), subject.zone_ids) {
                return false;
            }
        }
    }
    if let Some(context) = &conditions.auth_context {
        if context.auth_type == "LDAP_INTERFACE" && subject.auth_type != AuthType::LdapInterface {
            return false;
        }
    }
    if let Some(provider) = &conditions.auth_provider {
        let user_provider = match subject.provider {
            // Imported hashes and federated users still have their password in Okta.
            "IMPORT" | "FEDERATION" | "SOCIAL" => "OKTA",
            other => other,
        };
        if provider.provider != "ANY" && provider.provider != user_provider {
            return false;
        }
    }
    true
}

/// The policy and rule that apply: `policies` of one type and `rules` of those policies, in
/// any order.
pub fn evaluate<'p>(
    policies: &'p [Policy],
    rules: &'p [Rule],
    subject: &Subject<'_>,
) -> Option<(&'p Policy, &'p Rule)> {
    let mut ordered: Vec<&Policy> = policies
        .iter()
        .filter(|p| p.status == Status::Active)
        .collect();
    ordered.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
    ordered
        .into_iter()
        .filter(|p| conditions_hold(&p.conditions, subject))
        .find_map(|policy| {
            let mut own: Vec<&Rule> = rules
                .iter()
                .filter(|r| r.policy_id == policy.id && r.status == Status::Active)
                .collect();
            own.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
            own.into_iter()
                .find(|r| conditions_hold(&r.conditions, subject))
                .map(|rule| (policy, rule))
        })
}
