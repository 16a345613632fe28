//! Policies (`/api/v1/policies`, the Policy tag of the spec; policy.md, "Policy API
//! operations" and "Rules operations"): list by type, create, get (`expand=rules`), replace,
//! delete, activate, deactivate; and each policy's rules: list, create, get, replace, delete,
//! activate, deactivate.
//!
//! OKTA_SIGN_ON, PASSWORD and MFA_ENROLL are implemented (`model::policy`); the spec's other
//! types list as empty and are refused on create. Default policies and rules (`system`)
//! cannot be deleted or deactivated (403 E0000006, the error the spec lists for those
//! operations), a default policy's priority is read-only and a default rule cannot be
//! replaced (400 E0000001). Priorities shift in the store's transaction.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{PolicyRecord, PolicyRuleRecord, StoreError};

use crate::api::users::flag;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::policy::{self as dto, PolicyRequest, PolicyRuleRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};
use model::policy::{self, Level, PolicyType, Status, TypeLookup};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list).post(create))
        .route(
            "/policies/{policy_id}",
            get(get_one).put(replace).delete(delete_policy),
        )
        .route("/policies/{policy_id}/clone", post(clone_policy))
        .route("/policies/{policy_id}/app", get(list_policy_apps))
        .route(
            "/policies/{policy_id}/mappings",
            get(list_mappings).post(map_resource),
        )
        .route(
            "/policies/{policy_id}/mappings/{mapping_id}",
            get(get_mapping).delete(delete_mapping),
        )
        .route("/policies/{policy_id}/lifecycle/activate", post(activate))
        .route(
            "/policies/{policy_id}/lifecycle/deactivate",
            post(deactivate),
        )
        .route(
            "/policies/{policy_id}/rules",
            get(list_rules).post(create_rule),
        )
        .route(
            "/policies/{policy_id}/rules/{rule_id}",
            get(get_rule).put(replace_rule).delete(delete_rule),
        )
        .route(
            "/policies/{policy_id}/rules/{rule_id}/lifecycle/activate",
            post(activate_rule),
        )
        .route(
            "/policies/{policy_id}/rules/{rule_id}/lifecycle/deactivate",
            post(deactivate_rule),
        )
}

fn policy_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (Policy)"))
}

fn rule_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (PolicyRule)"))
}

/// A policy by id; unknown → 404 E0000007.
async fn find_policy(app: &AppState, id: &str) -> ApiResult<PolicyRecord> {
    let found = if model::ids::looks_like(Kind::Policy, id) {
        app.store.policy_by_id(id).await?
    } else {
        None
    };
    found.ok_or_else(|| policy_not_found(id))
}

async fn find_rule(app: &AppState, policy_id: &str, rule_id: &str) -> ApiResult<PolicyRuleRecord> {
    let found = if model::ids::looks_like(Kind::PolicyRule, rule_id) {
        app.store.policy_rule(policy_id, rule_id).await?
    } else {
        None
    };
    found.ok_or_else(|| rule_not_found(rule_id))
}

fn supported_type(policy: &PolicyRecord) -> ApiResult<PolicyType> {
    PolicyType::parse(&policy.policy_type).ok_or(ApiError::Internal)
}

fn policy_target(p: &PolicyRecord) -> Value {
    json!({ "id": p.id, "type": "PolicyEntity", "alternateId": "unknown", "displayName": p.name,
            "detailEntry": { "policyType": p.policy_type } })
}

fn rule_target(r: &PolicyRuleRecord) -> Value {
    json!({ "id": r.id, "type": "PolicyRule", "alternateId": "unknown", "displayName": r.name })
}

fn policy_event(
    kind: &str,
    display: &str,
    admin: &AdminToken,
    p: &PolicyRecord,
    now: i64,
) -> store::EventRecord {
    events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![policy_target(p)],
        now,
    )
}

fn rule_event(
    kind: &str,
    display: &str,
    admin: &AdminToken,
    p: &PolicyRecord,
    r: &PolicyRuleRecord,
    now: i64,
) -> store::EventRecord {
    events::event(
        kind,
        display,
        &Actor::token(admin),
        vec![rule_target(r), policy_target(p)],
        now,
    )
}

/// `priority` as sent: a positive integer, or absent (0 = last).
fn parse_priority(value: Option<&Value>) -> ApiResult<i64> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v.as_i64().filter(|p| *p >= 1).ok_or_else(|| {
            ApiError::invalid(
                "priority",
                "priority: The value must be a positive integer.",
            )
        }),
    }
}

fn parse_status(value: Option<&str>, default: Status) -> ApiResult<Status> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => Status::parse(s).ok_or_else(|| {
            ApiError::invalid("status", "status: The value must be ACTIVE or INACTIVE.")
        }),
    }
}

/// The zones a network condition names must exist.
async fn check_zones(app: &AppState, conditions: &policy::Conditions) -> ApiResult<()> {
    for zone in policy::referenced_zones(conditions) {
        let found = if model::ids::looks_like(Kind::NetworkZone, &zone) {
            app.store.zone_by_id(&zone).await?
        } else {
            None
        };
        if found.is_none() {
            return Err(ApiError::invalid(
                "conditions.network",
                format!("conditions.network: Network zone {zone} not found."),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct ListParams {
    #[serde(rename = "type")]
    policy_type: Option<String>,
    status: Option<String>,
    expand: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

fn expands_rules(expand: Option<&str>) -> bool {
    expand.is_some_and(|e| e.split(',').any(|x| x.trim() == "rules"))
}

/// Lists the policies of a type by priority (`status` narrows, `expand=rules` embeds rules).
/// Lists the policies of a type in priority order, by `status` and `q` (a case-insensitive
/// name prefix). An org has few policies of a type, so they are read whole and paged here:
/// `limit` (at most 200) with an `after` cursor of (priority, id); without `limit`, all.
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let kind = params.policy_type.unwrap_or_default();
    if kind.is_empty() {
        return Err(ApiError::invalid(
            "type",
            "type: The field cannot be left blank",
        ));
    }
    match PolicyType::lookup(&kind) {
        TypeLookup::Supported(_) => {}
        TypeLookup::Unsupported => return Ok(Json(json!([])).into_response()),
        TypeLookup::Unknown => {
            return Err(ApiError::invalid(
                "type",
                format!("type: {kind} is not a policy type."),
            ))
        }
    }
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_status(Some(s), Status::Active)?.as_str()),
    };
    let page = crate::wire::page::PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        200,
        200,
    )?;
    let paged = params
        .limit
        .as_deref()
        .is_some_and(|l| !l.trim().is_empty());
    let q = params
        .q
        .as_deref()
        .map(str::to_lowercase)
        .unwrap_or_default();
    let mut policies: Vec<PolicyRecord> = app
        .store
        .list_policies(&kind, status)
        .await?
        .into_iter()
        .filter(|p| p.name.to_lowercase().starts_with(&q))
        .filter(|p| {
            page.after.as_ref().is_none_or(|a| {
                let key = a.key.as_i64().unwrap_or(i64::MIN);
                (p.priority, p.id.as_str()) > (key, a.id.as_str())
            })
        })
        .collect();
    let mut next = None;
    if paged && policies.len() > page.limit as usize {
        policies.truncate(page.limit as usize);
        next = policies.last().map(|p| {
            store::PageKey {
                key: json!(p.priority),
                id: p.id.clone(),
            }
            .encode()
        });
    }
    let body: Vec<Value> = if expands_rules(params.expand.as_deref()) {
        let rules = app.store.rules_of_type(&kind).await?;
        policies
            .iter()
            .map(|p| {
                let own: Vec<PolicyRuleRecord> = rules
                    .iter()
                    .filter(|r| r.policy_id == p.id)
                    .cloned()
                    .collect();
                dto::render_policy(p, &app.links, Some(&own))
            })
            .collect()
    } else {
        policies
            .iter()
            .map(|p| dto::render_policy(p, &app.links, None))
            .collect()
    };
    let mut echo = vec![("type", kind.clone())];
    for (k, v) in [
        ("status", &params.status),
        ("q", &params.q),
        ("expand", &params.expand),
        ("limit", &params.limit),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            echo.push((k, v.clone()));
        }
    }
    let mut headers = axum::http::HeaderMap::new();
    crate::wire::page::link_headers(
        &mut headers,
        &app.links.api("policies"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(Value::Array(body))).into_response())
}

#[derive(Debug, Deserialize)]
struct CreateParams {
    activate: Option<String>,
}

/// Creates a policy at its priority (default: last before the default policy).
async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<CreateParams>,
    Json(body): Json<PolicyRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let kind = body.policy_type.clone().unwrap_or_default();
    let policy_type = match PolicyType::lookup(&kind) {
        TypeLookup::Supported(t) => t,
        TypeLookup::Unsupported => {
            return Err(ApiError::invalid(
                "type",
                format!(
                    "type: Policies of type {kind} belong to Okta Identity Engine; this server is \
                     a Classic org (OKTA_SIGN_ON, PASSWORD, MFA_ENROLL)."
                ),
            ))
        }
        TypeLookup::Unknown if kind.is_empty() => {
            return Err(ApiError::invalid(
                "type",
                "type: The field cannot be left blank",
            ))
        }
        TypeLookup::Unknown => {
            return Err(ApiError::invalid(
                "type",
                format!("type: {kind} is not a policy type."),
            ))
        }
    };
    let name = policy::validate_name(body.name.as_deref())?;
    let conditions =
        policy::validate_conditions(policy_type, Level::Policy, body.conditions.as_ref())?;
    check_zones(&app, &conditions).await?;
    let settings = policy::validate_settings(policy_type, body.settings.as_ref())?;
    let default_status = if flag(params.activate.as_deref(), true) {
        Status::Active
    } else {
        Status::Inactive
    };
    let status = parse_status(body.status.as_deref(), default_status)?;
    let record = PolicyRecord {
        id: new_id(Kind::Policy),
        policy_type: policy_type.as_str().into(),
        name,
        description: body.description.filter(|d| !d.is_empty()),
        priority: parse_priority(body.priority.as_ref())?,
        status: status.as_str().into(),
        system: false,
        conditions: conditions.to_value(),
        settings,
        created: now,
        last_updated: now,
    };
    let event = policy_event(
        "policy.lifecycle.create",
        "Create policy",
        &admin,
        &record,
        now,
    );
    let saved = app.store.insert_policy(&record, &[], &event).await?;
    Ok(Json(dto::render_policy(&saved, &app.links, None)))
}

/// Clones a policy with its rules: a new, INACTIVE policy named "Copy of <name>", placed just
/// after the original so that activating it is a deliberate choice. Nothing of the copy is a
/// system default, so it may be edited and deleted freely.
async fn clone_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let source = find_policy(&app, &policy_id).await?;
    let rules = app.store.list_policy_rules(&source.id).await?;
    let id = new_id(Kind::Policy);
    let name: String = format!("Copy of {}", source.name)
        .chars()
        .take(255)
        .collect();
    let record = PolicyRecord {
        id: id.clone(),
        name,
        priority: source.priority + 1,
        status: Status::Inactive.as_str().into(),
        system: false,
        created: now,
        last_updated: now,
        ..source.clone()
    };
    let copies: Vec<PolicyRuleRecord> = rules
        .iter()
        .map(|r| PolicyRuleRecord {
            id: new_id(Kind::PolicyRule),
            policy_id: id.clone(),
            system: false,
            created: now,
            last_updated: now,
            ..r.clone()
        })
        .collect();
    let event = policy_event(
        "policy.lifecycle.create",
        "Create policy",
        &admin,
        &record,
        now,
    );
    let saved = app.store.insert_policy(&record, &copies, &event).await?;
    Ok(Json(dto::render_policy(&saved, &app.links, None)))
}

/// The apps whose sign-on policy is `policy_id` (`PUT /apps/{id}/policies/{policyId}`),
/// oldest first, read in keyset pages.
async fn mapped_apps(app: &AppState, policy_id: &str) -> ApiResult<Vec<store::AppRecord>> {
    let filter = model::expr::Resolved::Compare {
        attribute: model::expr::Attribute::Named("accessPolicy.id"),
        op: model::expr::Op::Eq,
        value: model::expr::Value::Text(policy_id.to_owned()),
        case: model::expr::Case::Sensitive,
    };
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .list_apps(&store::AppQuery {
                filter: Some(filter.clone()),
                after: after.clone(),
                limit: 200,
            })
            .await?;
        let more = page.len() > 200;
        out.extend(page.into_iter().take(200));
        if !more {
            return Ok(out);
        }
        after = out.last().map(|a| store::PageKey {
            key: json!(a.created),
            id: a.id.clone(),
        });
    }
}

/// `GET /policies/{id}/app` (listPolicyApps): the apps mapped to a policy.
async fn list_policy_apps(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    let apps = mapped_apps(&app, &p.id).await?;
    Ok(Json(Value::Array(
        apps.iter()
            .map(|a| {
                crate::wire::dto::app::render(a, &app, crate::wire::dto::app::AppExtras::default())
            })
            .collect(),
    )))
}

/// A policy mapping (PolicyMapping): the mapped app's id is the mapping's id.
fn mapping(app: &AppState, policy_id: &str, app_id: &str) -> Value {
    json!({
        "id": app_id,
        "_links": {
            "self": { "href": app.links.api(&format!("policies/{policy_id}/mappings/{app_id}")) },
            "application": { "href": app.links.api(&format!("apps/{app_id}")) },
            "policy": { "href": app.links.api(&format!("policies/{policy_id}")) },
        }
    })
}

async fn list_mappings(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    let apps = mapped_apps(&app, &p.id).await?;
    Ok(Json(Value::Array(
        apps.iter().map(|a| mapping(&app, &p.id, &a.id)).collect(),
    )))
}

async fn get_mapping(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((policy_id, mapping_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    app.store
        .app_by_id(&mapping_id)
        .await?
        .filter(|a| a.access_policy_id.as_deref() == Some(p.id.as_str()))
        .map(|a| Json(mapping(&app, &p.id, &a.id)))
        .ok_or_else(|| {
            ApiError::not_found(format!("Resource not found: {mapping_id} (PolicyMapping)"))
        })
}

/// Mapping a resource is how Identity Engine maps an app sign-in (ACCESS_POLICY) policy to a
/// device signal collection policy; neither type exists here, so every request is refused.
/// Apps are mapped with `PUT /apps/{id}/policies/{policyId}`.
async fn map_resource(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<Json<Value>> {
    find_policy(&app, &policy_id).await?;
    Err(ApiError::invalid(
        "resourceType",
        "resourceType: Only an ACCESS_POLICY can be mapped, and this server has no ACCESS_POLICY policies",
    ))
}

/// Removes the mapping: the app no longer names this policy.
async fn delete_mapping(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((policy_id, mapping_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let p = find_policy(&app, &policy_id).await?;
    let mut record = app
        .store
        .app_by_id(&mapping_id)
        .await?
        .filter(|a| a.access_policy_id.as_deref() == Some(p.id.as_str()))
        .ok_or_else(|| {
            ApiError::not_found(format!("Resource not found: {mapping_id} (PolicyMapping)"))
        })?;
    let now = app.clock.now().millis();
    record.access_policy_id = None;
    record.last_updated = now;
    let event = events::event(
        "application.lifecycle.update",
        "Update application",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    app.store.update_app(&record, &[event]).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct GetParams {
    expand: Option<String>,
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(policy_id): Path<String>,
    Query(params): Query<GetParams>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    let rules = if expands_rules(params.expand.as_deref()) {
        Some(app.store.list_policy_rules(&p.id).await?)
    } else {
        None
    };
    Ok(Json(dto::render_policy(&p, &app.links, rules.as_deref())))
}

/// Replaces a policy. The type cannot change; a default policy keeps its priority and stays
/// active.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
    Json(body): Json<PolicyRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let current = find_policy(&app, &policy_id).await?;
    let policy_type = supported_type(&current)?;
    if body
        .policy_type
        .as_deref()
        .is_some_and(|t| !t.is_empty() && t != current.policy_type)
    {
        return Err(ApiError::invalid(
            "type",
            "type: The policy type cannot be changed.",
        ));
    }
    let name = policy::validate_name(body.name.as_deref())?;
    let conditions =
        policy::validate_conditions(policy_type, Level::Policy, body.conditions.as_ref())?;
    check_zones(&app, &conditions).await?;
    let settings = match policy_type {
        PolicyType::Password => policy::password::validate_settings_over(
            policy::password::Settings::from_stored(&current.settings),
            body.settings.as_ref(),
        )?,
        PolicyType::MfaEnroll => policy::mfa_enroll::validate_settings_over(
            Some(&current.settings),
            body.settings.as_ref(),
        )?,
        other => policy::validate_settings(other, body.settings.as_ref())?,
    };
    let current_status = Status::parse(&current.status).unwrap_or(Status::Active);
    let status = parse_status(body.status.as_deref(), current_status)?;
    let mut priority = parse_priority(body.priority.as_ref())?;
    if current.system {
        if priority != 0 && priority != current.priority {
            return Err(ApiError::invalid(
                "priority",
                "priority: Cannot modify the priority attribute because it is read-only.",
            ));
        }
        if status != Status::Active {
            return Err(ApiError::AccessDenied);
        }
        priority = current.priority;
    } else if priority == 0 {
        priority = current.priority;
    }
    let record = PolicyRecord {
        name,
        description: body.description.filter(|d| !d.is_empty()),
        priority,
        status: status.as_str().into(),
        conditions: conditions.to_value(),
        settings,
        last_updated: now,
        ..current
    };
    let event = policy_event(
        "policy.lifecycle.update",
        "Update policy",
        &admin,
        &record,
        now,
    );
    let saved = app
        .store
        .update_policy(&record, &event)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => policy_not_found(&policy_id),
            other => other.into(),
        })?;
    Ok(Json(dto::render_policy(&saved, &app.links, None)))
}

async fn delete_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let p = find_policy(&app, &policy_id).await?;
    if p.system {
        return Err(ApiError::AccessDenied);
    }
    let event = policy_event("policy.lifecycle.delete", "Delete policy", &admin, &p, now);
    if !app.store.delete_policy(&p.id, &event).await? {
        return Err(policy_not_found(&p.id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_policy_status(
    app: &AppState,
    admin: &AdminToken,
    policy_id: &str,
    status: Status,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let p = find_policy(app, policy_id).await?;
    if p.system && status == Status::Inactive {
        return Err(ApiError::AccessDenied);
    }
    if p.status == status.as_str() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let (kind, display) = match status {
        Status::Active => ("policy.lifecycle.activate", "Activate policy"),
        Status::Inactive => ("policy.lifecycle.deactivate", "Deactivate policy"),
    };
    let record = PolicyRecord {
        status: status.as_str().into(),
        last_updated: now,
        ..p
    };
    let event = policy_event(kind, display, admin, &record, now);
    app.store.update_policy(&record, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<StatusCode> {
    set_policy_status(&app, &admin, &policy_id, Status::Active).await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<StatusCode> {
    set_policy_status(&app, &admin, &policy_id, Status::Inactive).await
}

async fn list_rules(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(policy_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    let rules = app.store.list_policy_rules(&p.id).await?;
    Ok(Json(Value::Array(
        rules
            .iter()
            .map(|r| dto::render_rule(r, &app.links))
            .collect(),
    )))
}

/// A validated rule body for `policy`.
async fn rule_from(
    app: &AppState,
    policy: &PolicyRecord,
    body: PolicyRuleRequest,
) -> ApiResult<(String, policy::Conditions, Value, i64, Option<Status>)> {
    let policy_type = supported_type(policy)?;
    if body
        .rule_type
        .as_deref()
        .is_some_and(|t| !t.is_empty() && t != policy_type.rule_type())
    {
        return Err(ApiError::invalid(
            "type",
            format!(
                "type: Rules of a {} policy have type {}.",
                policy_type.as_str(),
                policy_type.rule_type()
            ),
        ));
    }
    let name = policy::validate_name(body.name.as_deref())?;
    let conditions =
        policy::validate_conditions(policy_type, Level::Rule, body.conditions.as_ref())?;
    check_zones(app, &conditions).await?;
    let actions = policy::validate_actions(policy_type, body.actions.as_ref())?;
    let priority = parse_priority(body.priority.as_ref())?;
    let status = match body.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_status(Some(s), Status::Active)?),
    };
    Ok((name, conditions, actions, priority, status))
}

async fn create_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(policy_id): Path<String>,
    Query(params): Query<CreateParams>,
    Json(body): Json<PolicyRuleRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let p = find_policy(&app, &policy_id).await?;
    let (name, conditions, actions, priority, status) = rule_from(&app, &p, body).await?;
    let default_status = if flag(params.activate.as_deref(), true) {
        Status::Active
    } else {
        Status::Inactive
    };
    let record = PolicyRuleRecord {
        id: new_id(Kind::PolicyRule),
        policy_id: p.id.clone(),
        rule_type: supported_type(&p)?.rule_type().into(),
        name,
        priority,
        status: status.unwrap_or(default_status).as_str().into(),
        system: false,
        conditions: conditions.to_value(),
        actions,
        created: now,
        last_updated: now,
    };
    let event = rule_event(
        "policy.rule.add",
        "Add policy rule",
        &admin,
        &p,
        &record,
        now,
    );
    let saved = app
        .store
        .insert_policy_rule(&record, &event)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => policy_not_found(&policy_id),
            other => other.into(),
        })?;
    Ok(Json(dto::render_rule(&saved, &app.links)))
}

async fn get_rule(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let p = find_policy(&app, &policy_id).await?;
    let r = find_rule(&app, &p.id, &rule_id).await?;
    Ok(Json(dto::render_rule(&r, &app.links)))
}

/// Replaces a rule; the default rule cannot be changed (Classic Engine).
async fn replace_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((policy_id, rule_id)): Path<(String, String)>,
    Json(body): Json<PolicyRuleRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let p = find_policy(&app, &policy_id).await?;
    let current = find_rule(&app, &p.id, &rule_id).await?;
    if current.system {
        return Err(ApiError::invalid(
            "rule",
            "rule: The default rule cannot be modified.",
        ));
    }
    let (name, conditions, actions, priority, status) = rule_from(&app, &p, body).await?;
    let status = status
        .map(Status::as_str)
        .unwrap_or(current.status.as_str())
        .to_owned();
    let record = PolicyRuleRecord {
        name,
        priority: if priority == 0 {
            current.priority
        } else {
            priority
        },
        status,
        conditions: conditions.to_value(),
        actions,
        last_updated: now,
        ..current
    };
    let event = rule_event(
        "policy.rule.update",
        "Update policy rule",
        &admin,
        &p,
        &record,
        now,
    );
    let saved = app
        .store
        .update_policy_rule(&record, &event)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => rule_not_found(&rule_id),
            other => other.into(),
        })?;
    Ok(Json(dto::render_rule(&saved, &app.links)))
}

async fn delete_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let p = find_policy(&app, &policy_id).await?;
    let r = find_rule(&app, &p.id, &rule_id).await?;
    if r.system {
        return Err(ApiError::AccessDenied);
    }
    let event = rule_event(
        "policy.rule.delete",
        "Delete policy rule",
        &admin,
        &p,
        &r,
        now,
    );
    if !app.store.delete_policy_rule(&p.id, &r.id, &event).await? {
        return Err(rule_not_found(&rule_id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_rule_status(
    app: &AppState,
    admin: &AdminToken,
    policy_id: &str,
    rule_id: &str,
    status: Status,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let p = find_policy(app, policy_id).await?;
    let r = find_rule(app, &p.id, rule_id).await?;
    if r.system && status == Status::Inactive {
        return Err(ApiError::AccessDenied);
    }
    if r.status == status.as_str() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let (kind, display) = match status {
        Status::Active => ("policy.rule.activate", "Activate policy rule"),
        Status::Inactive => ("policy.rule.deactivate", "Deactivate policy rule"),
    };
    let record = PolicyRuleRecord {
        status: status.as_str().into(),
        last_updated: now,
        ..r
    };
    let event = rule_event(kind, display, admin, &p, &record, now);
    app.store.update_policy_rule(&record, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn activate_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    set_rule_status(&app, &admin, &policy_id, &rule_id, Status::Active).await
}

async fn deactivate_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    set_rule_status(&app, &admin, &policy_id, &rule_id, Status::Inactive).await
}
