//! `GroupRule` as rendered and the request bodies of Create and Replace Group rule
//! (groups.md, "Rule object"; the `GroupRule` and `CreateGroupRuleRequest` schemas).
//!
//! The rule is rendered with `conditions.people` always present (empty lists when nothing is
//! excluded), `allGroupsValid` (false once a named group has been deleted, as Okta's responses
//! carry it), and `_embedded.groupIdToGroupNameMap` only when `expand=groupIdToGroupNameMap`.
//! The reference's examples have no `_links`, so none are rendered.

use model::time::Timestamp;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::GroupRuleRecord;

/// The body of Create (`CreateGroupRuleRequest`) and Replace (`GroupRule`) Group rule. Read-only
/// fields a client echoes back (`id`, `status`, `created`, …) are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRuleRequest {
    #[serde(rename = "type")]
    pub rule_type: Option<String>,
    pub name: Option<String>,
    pub conditions: Option<GroupRuleConditions>,
    pub actions: Option<GroupRuleAction>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupRuleConditions {
    pub expression: Option<GroupRuleExpression>,
    pub people: Option<GroupRulePeopleCondition>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupRuleExpression {
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub expression_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupRulePeopleCondition {
    pub users: Option<Exclusions>,
    pub groups: Option<Exclusions>,
}

/// `GroupRuleUserCondition` / `GroupRuleGroupCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Exclusions {
    pub exclude: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRuleAction {
    pub assign_user_to_groups: Option<GroupRuleGroupAssignment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRuleGroupAssignment {
    pub group_ids: Option<Vec<String>>,
}

impl GroupRuleRequest {
    fn expression(&self) -> Option<&GroupRuleExpression> {
        self.conditions.as_ref()?.expression.as_ref()
    }

    pub fn expression_value(&self) -> Option<&str> {
        self.expression()?.value.as_deref()
    }

    pub fn expression_type(&self) -> Option<&str> {
        self.expression()?.expression_type.as_deref()
    }

    fn people(&self) -> Option<&GroupRulePeopleCondition> {
        self.conditions.as_ref()?.people.as_ref()
    }

    pub fn excluded_user_ids(&self) -> &[String] {
        self.people()
            .and_then(|p| p.users.as_ref())
            .and_then(|u| u.exclude.as_deref())
            .unwrap_or_default()
    }

    pub fn excluded_group_ids(&self) -> &[String] {
        self.people()
            .and_then(|p| p.groups.as_ref())
            .and_then(|g| g.exclude.as_deref())
            .unwrap_or_default()
    }

    /// `actions.assignUserToGroups.groupIds`; None when `actions` is absent.
    pub fn group_ids(&self) -> Option<&[String]> {
        self.actions
            .as_ref()?
            .assign_user_to_groups
            .as_ref()?
            .group_ids
            .as_deref()
    }
}

/// A rule; `names` (group id → name) adds `_embedded.groupIdToGroupNameMap`.
pub fn render(rule: &GroupRuleRecord, names: Option<&[(String, String)]>) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(model::groups::rules::RULE_TYPE));
    out.insert("id".into(), json!(rule.id));
    out.insert("status".into(), json!(rule.status));
    out.insert("name".into(), json!(rule.name));
    out.insert("created".into(), json!(Timestamp(rule.created).to_iso()));
    out.insert(
        "lastUpdated".into(),
        json!(Timestamp(rule.last_updated).to_iso()),
    );
    out.insert(
        "conditions".into(),
        json!({
            "people": {
                "users": { "exclude": rule.excluded_user_ids },
                "groups": { "exclude": rule.excluded_group_ids },
            },
            "expression": { "value": rule.expression, "type": rule.expression_type },
        }),
    );
    out.insert(
        "actions".into(),
        json!({ "assignUserToGroups": { "groupIds": rule.group_ids } }),
    );
    out.insert("allGroupsValid".into(), json!(rule.all_groups_valid));
    if let Some(names) = names {
        let map: Map<String, Value> = names
            .iter()
            .map(|(id, name)| (id.clone(), json!(name)))
            .collect();
        out.insert("_embedded".into(), json!({ "groupIdToGroupNameMap": map }));
    }
    Value::Object(out)
}
