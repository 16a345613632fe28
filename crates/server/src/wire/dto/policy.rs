//! The Policy, PolicyRule and NetworkZone objects on the wire (policy.md, "Policy object",
//! "Rules object", "Links object"; zones.md, "Zone object"), and the request bodies of their
//! create and replace operations (`Policy`, `PolicyRule`, `IPNetworkZone` in the spec).
//!
//! `_links` follow the reference: `self` with the methods allowed (a default policy or rule
//! cannot be deleted, a default rule cannot be replaced), `activate` or `deactivate` by
//! status, and `rules` on policies.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{NetworkZoneRecord, PolicyRecord, PolicyRuleRecord};

use crate::wire::links::{LinkSet, Links};
use model::time::Timestamp;

/// Create / replace Policy body. Unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct PolicyRequest {
    #[serde(rename = "type")]
    pub policy_type: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Value>,
    pub status: Option<String>,
    pub conditions: Option<Value>,
    pub settings: Option<Value>,
}

/// Create / replace PolicyRule body.
#[derive(Debug, Default, Deserialize)]
pub struct PolicyRuleRequest {
    #[serde(rename = "type")]
    pub rule_type: Option<String>,
    pub name: Option<String>,
    pub priority: Option<Value>,
    pub status: Option<String>,
    pub conditions: Option<Value>,
    pub actions: Option<Value>,
}

/// Create / replace IP zone body.
#[derive(Debug, Default, Deserialize)]
pub struct NetworkZoneRequest {
    #[serde(rename = "type")]
    pub zone_type: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub usage: Option<String>,
    pub gateways: Option<Value>,
    pub proxies: Option<Value>,
}

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

/// Empty conditions render as `null`, as Okta's do.
fn conditions_value(conditions: &Value) -> Value {
    match conditions {
        Value::Object(m) if m.is_empty() => Value::Null,
        other => other.clone(),
    }
}

fn lifecycle(links: LinkSet, status: &str, base: &str) -> LinkSet {
    if status == "ACTIVE" {
        links.add_hints(
            "deactivate",
            format!("{base}/lifecycle/deactivate"),
            &["POST"],
        )
    } else {
        links.add_hints("activate", format!("{base}/lifecycle/activate"), &["POST"])
    }
}

/// A policy, with its rules under `_embedded.rules` when given (`expand=rules`).
pub fn render_policy(p: &PolicyRecord, links: &Links, rules: Option<&[PolicyRuleRecord]>) -> Value {
    let base = links.api(&format!("policies/{}", p.id));
    let allow: &[&str] = if p.system {
        &["GET", "PUT"]
    } else {
        &["GET", "PUT", "DELETE"]
    };
    let set = LinkSet::new().add_hints("self", base.clone(), allow);
    let set = lifecycle(set, &p.status, &base).add_hints(
        "rules",
        format!("{base}/rules"),
        &["GET", "POST"],
    );
    let mut out = Map::new();
    out.insert("id".into(), json!(p.id));
    out.insert("status".into(), json!(p.status));
    out.insert("name".into(), json!(p.name));
    out.insert("description".into(), json!(p.description));
    out.insert("priority".into(), json!(p.priority));
    out.insert("system".into(), json!(p.system));
    out.insert("conditions".into(), conditions_value(&p.conditions));
    out.insert("created".into(), json!(iso(p.created)));
    out.insert("lastUpdated".into(), json!(iso(p.last_updated)));
    if p.settings.as_object().is_some_and(|m| !m.is_empty()) {
        out.insert("settings".into(), p.settings.clone());
    }
    if let Some(rules) = rules {
        let rendered: Vec<Value> = rules.iter().map(|r| render_rule(r, links)).collect();
        out.insert("_embedded".into(), json!({ "rules": rendered }));
    }
    out.insert("_links".into(), set.into_value());
    out.insert("type".into(), json!(p.policy_type));
    Value::Object(out)
}

/// A rule.
pub fn render_rule(r: &PolicyRuleRecord, links: &Links) -> Value {
    let base = links.api(&format!("policies/{}/rules/{}", r.policy_id, r.id));
    let allow: &[&str] = if r.system {
        &["GET"]
    } else {
        &["GET", "PUT", "DELETE"]
    };
    let set = lifecycle(
        LinkSet::new().add_hints("self", base.clone(), allow),
        &r.status,
        &base,
    );
    json!({
        "id": r.id,
        "status": r.status,
        "name": r.name,
        "priority": r.priority,
        "created": iso(r.created),
        "lastUpdated": iso(r.last_updated),
        "system": r.system,
        "conditions": conditions_value(&r.conditions),
        "actions": r.actions,
        "_links": set.into_value(),
        "type": r.rule_type,
    })
}

/// An IP zone.
pub fn render_zone(z: &NetworkZoneRecord, links: &Links) -> Value {
    let base = links.api(&format!("zones/{}", z.id));
    let allow: &[&str] = if z.system {
        &["GET", "PUT"]
    } else {
        &["GET", "PUT", "DELETE"]
    };
    let set = lifecycle(
        LinkSet::new().add_hints("self", base.clone(), allow),
        &z.status,
        &base,
    );
    let list = |v: &Value| match v {
        Value::Array(a) if a.is_empty() => Value::Null,
        other => other.clone(),
    };
    json!({
        "type": z.zone_type,
        "id": z.id,
        "name": z.name,
        "status": z.status,
        "usage": z.usage,
        "created": iso(z.created),
        "lastUpdated": iso(z.last_updated),
        "system": z.system,
        "gateways": list(&z.gateways),
        "proxies": list(&z.proxies),
        "_links": set.into_value(),
    })
}
