//! Where policies meet the rest of the server (policy.md, "Default Policies", "Policy
//! evaluation"; zones.md, "Default zones"): the default policies, rules and zones every org
//! has, created at start-up when missing (idempotent, safe when several nodes start at
//! once), and the PASSWORD policy that applies to a user, evaluated from the store.

use serde_json::{json, Value};
use std::net::IpAddr;
use store::{NetworkZoneRecord, PolicyRecord, PolicyRuleRecord, Store, UserRecord};

use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::ApiResult;
use model::ids::{new_id, Kind};
use model::policy::eval::{evaluate, AuthType, Subject};
use model::policy::password::Settings;
use model::policy::{self, Conditions, PolicyType, Status};
use model::zones::{AddressEntry, IpZone};

/// The two IP zones every org has: LegacyIpZone (the org's gateway IPs and trusted proxies,
/// empty at first) and BlockedIpZone (usage BLOCKLIST), both system zones.
pub const DEFAULT_ZONES: [(&str, &str); 2] =
    [("LegacyIpZone", "POLICY"), ("BlockedIpZone", "BLOCKLIST")];

/// Creates whatever default policy, rule or zone is missing. Run at every start.
pub async fn ensure_defaults(store: &dyn Store, now: i64) -> anyhow::Result<()> {
    let everyone = store
        .everyone_group()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the Everyone group is missing"))?;
    let system = Actor::system();
    for policy_type in PolicyType::ALL {
        let d = policy::default_policy(policy_type, &everyone.id);
        let record = PolicyRecord {
            id: new_id(Kind::Policy),
            policy_type: policy_type.as_str().into(),
            name: d.name.into(),
            description: Some(d.description.into()),
            priority: 1,
            status: Status::Active.as_str().into(),
            system: true,
            conditions: d.conditions.to_value(),
            settings: d.settings,
            created: now,
            last_updated: now,
        };
        let rule = PolicyRuleRecord {
            id: new_id(Kind::PolicyRule),
            policy_id: record.id.clone(),
            rule_type: policy_type.rule_type().into(),
            name: d.rule_name.into(),
            priority: 1,
            status: Status::Active.as_str().into(),
            system: true,
            conditions: d.rule_conditions.to_value(),
            actions: d.rule_actions,
            created: now,
            last_updated: now,
        };
        let target = json!({ "id": record.id, "type": "PolicyEntity", "alternateId": "unknown", "displayName": record.name });
        let evs = vec![
            events::event(
                "policy.lifecycle.create",
                "Create policy",
                &system,
                vec![target.clone()],
                now,
            ),
            events::event(
                "policy.rule.add",
                "Add policy rule",
                &system,
                vec![
                    json!({ "id": rule.id, "type": "PolicyRule", "alternateId": "unknown", "displayName": rule.name }),
                    target,
                ],
                now,
            ),
        ];
        store.ensure_default_policy(&record, &[rule], &evs).await?;
    }
    for (name, usage) in DEFAULT_ZONES {
        let zone = NetworkZoneRecord {
            id: new_id(Kind::NetworkZone),
            zone_type: "IP".into(),
            name: name.into(),
            status: Status::Active.as_str().into(),
            usage: usage.into(),
            system: true,
            gateways: json!([]),
            proxies: json!([]),
            created: now,
            last_updated: now,
        };
        let event = events::event(
            "zone.create",
            "Create network zone",
            &system,
            vec![
                json!({ "id": zone.id, "type": "Zone", "alternateId": "unknown", "displayName": name }),
            ],
            now,
        );
        store.ensure_default_zone(&zone, &event).await?;
    }
    let authenticators: Vec<store::AuthenticatorRecord> = model::authenticators::CATALOG
        .iter()
        .map(|spec| store::AuthenticatorRecord {
            id: new_id(Kind::Authenticator),
            key: spec.key.into(),
            authenticator_type: spec.kind.into(),
            name: spec.name.into(),
            status: Status::Active.as_str().into(),
            settings: model::authenticators::default_settings(spec.key).to_string(),
            inactive_methods: String::new(),
            created: now,
            last_updated: now,
        })
        .collect();
    store.ensure_authenticators(&authenticators).await?;
    Ok(())
}

/// The address entries (CIDR or range) of a zone's `gateways` or `proxies`.
pub fn entries(value: &Value) -> Vec<AddressEntry> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The ACTIVE zones the current request's client address is in.
pub async fn client_zones(app: &AppState) -> ApiResult<Vec<String>> {
    let ip: Option<IpAddr> = events::REQUEST
        .try_with(|r| r.ip_address.clone())
        .ok()
        .flatten()
        .and_then(|s| s.parse().ok());
    let Some(ip) = ip else {
        return Ok(Vec::new());
    };
    let zones: Vec<IpZone> = app
        .store
        .list_zones()
        .await?
        .iter()
        .map(|z| IpZone {
            id: z.id.clone(),
            active: z.status == "ACTIVE",
            gateways: entries(&z.gateways),
        })
        .collect();
    Ok(model::zones::zones_containing(&zones, ip))
}

/// The policy of `policy_type` that applies to `user`, a member of its stored groups plus
/// `extra_groups` (a user being created is not stored yet), with the rule of it that
/// applies; `None` when none applies (every matching one deactivated).
pub async fn policy_for(
    app: &AppState,
    user: &UserRecord,
    policy_type: PolicyType,
    extra_groups: &[String],
) -> ApiResult<Option<(PolicyRecord, PolicyRuleRecord)>> {
    let kind = policy_type.as_str();
    let policies = app.store.list_policies(kind, None).await?;
    let rules = app.store.rules_of_type(kind).await?;
    // The user's groups and Everyone (every user is in it, one not stored yet included).
    let mut group_ids: Vec<String> = app.store.policy_group_ids(&user.id).await?;
    group_ids.extend(extra_groups.iter().cloned());
    let zone_ids = client_zones(app).await?;
    let as_policy = |p: &PolicyRecord| policy::Policy {
        id: p.id.clone(),
        policy_type,
        status: Status::parse(&p.status).unwrap_or(Status::Inactive),
        priority: p.priority,
        conditions: Conditions::from_stored(&p.conditions),
    };
    let model_policies: Vec<policy::Policy> = policies.iter().map(as_policy).collect();
    let model_rules: Vec<policy::Rule> = rules
        .iter()
        .map(|r| policy::Rule {
            id: r.id.clone(),
            policy_id: r.policy_id.clone(),
            status: Status::parse(&r.status).unwrap_or(Status::Inactive),
            priority: r.priority,
            conditions: Conditions::from_stored(&r.conditions),
        })
        .collect();
    let subject = Subject {
        user_id: &user.id,
        group_ids: &group_ids,
        zone_ids: &zone_ids,
        auth_type: AuthType::Any,
        provider: &user.provider_type,
    };
    let chosen = evaluate(&model_policies, &model_rules, &subject)
        .map(|(p, r)| (p.id.clone(), r.id.clone()));
    Ok(chosen.and_then(|(pid, rid)| {
        let policy = policies.into_iter().find(|p| p.id == pid)?;
        let rule = rules.into_iter().find(|r| r.id == rid)?;
        Some((policy, rule))
    }))
}

/// The PASSWORD policy settings that apply to `user` (see [`policy_for`]); the org default
/// settings when no policy applies.
pub async fn password_settings_for(
    app: &AppState,
    user: &UserRecord,
    extra_groups: &[String],
) -> ApiResult<Settings> {
    Ok(
        match policy_for(app, user, PolicyType::Password, extra_groups).await? {
            Some((p, _)) => Settings::from_stored(&p.settings),
            None => Settings::org_default(),
        },
    )
}

/// The MFA_ENROLL policy settings that apply to `user`: which factors it may enroll. When no
/// policy applies, the default policy's settings. The factors of the org's INACTIVE
/// authenticators and of the methods turned off are taken out (not enabled, whatever the
/// policy says).
pub async fn mfa_enroll_settings_for(app: &AppState, user: &UserRecord) -> ApiResult<Value> {
    use model::policy::mfa_enroll;
    let mut settings = match policy_for(app, user, PolicyType::MfaEnroll, &[]).await? {
        Some((p, _)) => p.settings,
        None => mfa_enroll::default_settings(),
    };
    if settings.get("factors").is_none() {
        // Stored with authenticators only, which offered every supported factor.
        crate::wire::json::put(
            &mut settings,
            "factors",
            mfa_enroll::default_settings()
                .get("factors")
                .cloned()
                .unwrap_or_default(),
        );
    }
    let disabled = crate::api::authenticators::disabled_factor_keys(app).await?;
    if let Some(factors) = settings.get_mut("factors").and_then(Value::as_object_mut) {
        for key in disabled {
            factors.remove(key);
        }
    }
    Ok(settings)
}
