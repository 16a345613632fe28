//! `Group` as rendered (groups.md, "Group object"; the `Group` schema), with its `_embedded`
//! expansions, the request body of Add/Replace Group, and `GroupOwner` (the GroupOwner tag).
//!
//! `_links` carries `logo`, `users` and `apps` as the reference's examples do, plus `source`
//! for a group imported from an app; no `self` (the examples have none, and without it the Node
//! SDK never serves a group from its cache).

use model::groups::GroupType;
use model::time::Timestamp;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{GroupOwnerRecord, GroupRecord};

use crate::state::AppState;

/// The body of Add Group and Replace Group: a profile (`OktaUserGroupProfile`). Other fields
/// (clients send `type`) are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddGroupRequest {
    pub profile: Option<Map<String, Value>>,
}

/// The body of Assign a Group Owner (`AssignGroupOwnerRequestBody`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignGroupOwnerRequestBody {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub owner_type: Option<String>,
}

/// What `expand` asked for (listGroups: `stats` and/or `app`, comma-separated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expand {
    pub stats: bool,
    pub app: bool,
}

impl Expand {
    /// Unknown values are ignored, as Okta ignores them.
    pub fn parse(text: Option<&str>) -> Self {
        let mut expand = Self::default();
        for item in text.unwrap_or_default().split(',').map(str::trim) {
            if item.eq_ignore_ascii_case("stats") {
                expand.stats = true;
            } else if item.eq_ignore_ascii_case("app") {
                expand.app = true;
            }
        }
        expand
    }
}

/// A group as every endpoint renders it without `expand`.
pub fn render(group: &GroupRecord, app: &AppState) -> Value {
    render_expanded(group, app, None)
}

/// What `expand=stats` tells of a group: its members, and whether it holds an admin role.
/// Apps and group push mappings are not counted here yet (0).
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupStats {
    pub users: i64,
    pub admin: bool,
}

/// A group with `_embedded.stats` when `stats` is given (`expand=stats`).
/// `_embedded.app` (`expand=app`) describes the source app of an app group; no app can be a
/// source yet, so it is never present.
pub fn render_expanded(group: &GroupRecord, app: &AppState, stats: Option<GroupStats>) -> Value {
    let group_type = GroupType::parse(&group.group_type);
    let object_class = group_type.unwrap_or(GroupType::OktaGroup).object_class();
    let href = app.links.api(&format!("groups/{}", group.id));
    let logo = |size: &str| {
        json!({
            "name": size,
            "href": app.links.page(&format!("img/logos/groups/okta-{size}.png")),
            "type": "image/png",
        })
    };
    let mut links = Map::new();
    links.insert("logo".into(), json!([logo("medium"), logo("large")]));
    let mut out = Map::new();
    out.insert("id".into(), json!(group.id));
    out.insert("created".into(), json!(Timestamp(group.created).to_iso()));
    out.insert(
        "lastUpdated".into(),
        json!(Timestamp(group.last_updated).to_iso()),
    );
    out.insert(
        "lastMembershipUpdated".into(),
        json!(Timestamp(group.last_membership_updated).to_iso()),
    );
    out.insert("objectClass".into(), json!([object_class]));
    out.insert("type".into(), json!(group.group_type));
    out.insert("profile".into(), Value::Object(group.profile.clone()));
    if let Some(source) = &group.source_id {
        out.insert("source".into(), json!({ "id": source }));
        links.insert(
            "source".into(),
            json!({ "href": app.links.api(&format!("apps/{source}")) }),
        );
    }
    links.insert("users".into(), json!({ "href": format!("{href}/users") }));
    links.insert("apps".into(), json!({ "href": format!("{href}/apps") }));
    if let Some(stats) = stats {
        // Okta sends `hasAdminPrivilege`; the spec (and both SDKs' models) spell it
        // `hasAdminPrivlege`. Both are sent so either reader finds it.
        out.insert(
            "_embedded".into(),
            json!({
                "stats": {
                    "usersCount": stats.users,
                    "appsCount": 0,
                    "groupPushMappingsCount": 0,
                    "hasAdminPrivilege": stats.admin,
                    "hasAdminPrivlege": stats.admin,
                }
            }),
        );
    }
    out.insert("_links".into(), Value::Object(links));
    Value::Object(out)
}

/// A group owner (`GroupOwner`). Owners come from the Okta directory, so they are always
/// resolved and have no origin app.
pub fn render_owner(owner: &GroupOwnerRecord) -> Value {
    json!({
        "id": owner.owner_id,
        "type": owner.owner_type,
        "resolved": true,
        "originId": Value::Null,
        "originType": "OKTA_DIRECTORY",
        "displayName": owner.display_name,
        "lastUpdated": Timestamp(owner.last_updated).to_iso(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_reads_stats_and_app() {
        assert_eq!(Expand::parse(None), Expand::default());
        assert_eq!(
            Expand::parse(Some("stats")),
            Expand {
                stats: true,
                app: false
            }
        );
        assert_eq!(
            Expand::parse(Some("app, STATS")),
            Expand {
                stats: true,
                app: true
            }
        );
        assert_eq!(Expand::parse(Some("users")), Expand::default());
    }
}
