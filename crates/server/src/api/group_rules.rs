//! Group rules (`/api/v1/groups/rules`, the GroupRule tag; groups.md, "Group rule operations"
//! and "Rule object"): create, get, list (`search`, keyset pages, `expand`), replace, delete
//! (`removeUsers`), activate, deactivate — and the evaluation that puts users into groups.
//!
//! Evaluation is synchronous: when a call returns, its memberships are in place.
//! - Activating a rule scans every user in keyset pages (memberships of a page in one query),
//!   evaluates the rule, and writes the status change, the new memberships (multi-row batches)
//!   and their events in one store transaction.
//! - Creating a user, changing a profile (POST/PUT) and adding or removing a member call
//!   [`apply_rules_to_user`] right after the change, which adds the user to the target groups
//!   of every ACTIVE rule that now matches, in its own transaction with its own events.
//! - Each membership a rule makes is recorded against the rule; it stays when the rule is
//!   deactivated, and `removeUsers=true` on delete removes exactly those still present.
//! - Rules do not chain: a membership a rule makes does not trigger other rules.
//! - A rule never puts back a user who was just removed from one of its groups by hand (the
//!   removal skips that group); a later profile change evaluates it again.
//! - Users who are STAGED, PROVISIONED or DEPROVISIONED are not added
//!   (`model::groups::rules::applies_to_status`).
//!
//! Events: the reference names none for rule changes; these use `group.rule.create`,
//! `.update`, `.delete`, `.activate` and `.deactivate` with the rule as a `GroupRule` target.
//! Memberships a rule makes or removes are `group.user_membership.add` / `.remove`, by the
//! system actor, with the rule's id and name in `debugContext.debugData`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use store::{GroupRecord, GroupRuleQuery, GroupRuleRecord, PageKey, RuleAssignment, UserRecord};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::group_rule::{self as dto, GroupRuleRequest};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::expr::okta_el::{self, EvalContext, Expression, InternalProperty};
use model::groups::rules::{self as domain, Next, RuleInput, RuleOp, RuleStatus};
use model::groups::GroupType;
use model::ids::{new_id, Kind};

/// List Group rules: 50 a page by default, at most 200 (groups.md and the spec).
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
/// Users read per page while activating a rule.
const SCAN_PAGE: u32 = 200;
/// The only `expand` value (`queryExpandGroupIdToGroupNameMap`).
const EXPAND_NAMES: &str = "groupIdToGroupNameMap";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/rules", get(list).post(create))
        .route(
            "/groups/rules/{rule_id}",
            get(get_one).put(replace).delete(delete_rule),
        )
        .route("/groups/rules/{rule_id}/lifecycle/activate", post(activate))
        .route(
            "/groups/rules/{rule_id}/lifecycle/deactivate",
            post(deactivate),
        )
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (GroupRule)"))
}

/// Group rule ids share the `0pr` prefix with policy rules, as in Okta.
async fn find(app: &AppState, id: &str) -> ApiResult<GroupRuleRecord> {
    if !model::ids::looks_like(Kind::PolicyRule, id) {
        return Err(not_found(id));
    }
    app.store
        .group_rule_by_id(id)
        .await?
        .ok_or_else(|| not_found(id))
}

fn rule_target(rule: &GroupRuleRecord) -> Value {
    json!({
        "id": rule.id,
        "type": "GroupRule",
        "alternateId": rule.name,
        "displayName": rule.name,
    })
}

fn rule_event(
    op: &str,
    display: &str,
    admin: &AdminToken,
    rule: &GroupRuleRecord,
    now: i64,
) -> store::EventRecord {
    events::event(
        &format!("group.rule.{op}"),
        display,
        &Actor::token(admin),
        vec![rule_target(rule)],
        now,
    )
}

/// A membership change a rule makes, logged by the system with the rule in the debug data.
fn membership_event(
    add: bool,
    rule: &GroupRuleRecord,
    user: &Value,
    group: &Value,
    now: i64,
) -> store::EventRecord {
    let (kind, display) = if add {
        ("add", "Add user to group membership")
    } else {
        ("remove", "Remove user from group membership")
    };
    let mut event = events::event(
        &format!("group.user_membership.{kind}"),
        display,
        &Actor::system(),
        vec![user.clone(), group.clone()],
        now,
    );
    if let Some(data) = event
        .body
        .get_mut("debugContext")
        .and_then(|d| d.get_mut("debugData"))
        .and_then(Value::as_object_mut)
    {
        data.insert("triggeredByGroupRuleId".into(), json!(rule.id));
        data.insert("triggeredByGroupRuleName".into(), json!(rule.name));
    }
    event
}

/// Checks the body and its groups: targets must be Okta groups, groups the expression names
/// must exist.
async fn checked(
    app: &AppState,
    body: &GroupRuleRequest,
) -> ApiResult<(domain::Draft, Vec<String>)> {
    let draft = domain::validate(&RuleInput {
        rule_type: body.rule_type.as_deref(),
        name: body.name.as_deref(),
        expression_value: body.expression_value(),
        expression_type: body.expression_type(),
        excluded_user_ids: body.excluded_user_ids(),
        excluded_group_ids: body.excluded_group_ids(),
        group_ids: body.group_ids().unwrap_or_default(),
    })?;
    let referenced = draft.referenced_group_ids();
    let wanted: Vec<String> = draft
        .group_ids
        .iter()
        .chain(referenced.iter())
        .cloned()
        .collect();
    let found: HashMap<String, GroupType> = app
        .store
        .groups_by_ids(&wanted)
        .await?
        .iter()
        .map(|g| (g.id.clone(), crate::api::groups::group_type(g)))
        .collect();
    for id in &draft.group_ids {
        domain::check_target(id, found.get(id).copied())?;
    }
    if let Some(missing) = referenced.iter().find(|id| !found.contains_key(*id)) {
        return Err(domain::missing_referenced_group(missing).into());
    }
    Ok((draft, referenced))
}

/// Creates a rule, INACTIVE (createGroupRule).
async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Json(body): Json<GroupRuleRequest>,
) -> ApiResult<Json<Value>> {
    let (draft, referenced) = checked(&app, &body).await?;
    let now = app.clock.now().millis();
    let rule = GroupRuleRecord {
        id: new_id(Kind::PolicyRule),
        name: draft.name,
        status: RuleStatus::Inactive.as_str().into(),
        created: now,
        last_updated: now,
        expression: draft.expression.source().to_owned(),
        expression_type: domain::EXPRESSION_TYPE.into(),
        excluded_user_ids: draft.excluded_user_ids,
        excluded_group_ids: draft.excluded_group_ids,
        group_ids: draft.group_ids,
        referenced_group_ids: referenced,
        all_groups_valid: true,
    };
    let event = rule_event("create", "Create group rule", &admin, &rule, now);
    app.store.insert_group_rule(&rule, &event).await?;
    Ok(Json(dto::render(&rule, None)))
}

/// Replaces an INACTIVE rule's name, expression and exclusions (replaceGroupRule). Its
/// actions cannot change, and its status only through the lifecycle operations.
async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(rule_id): Path<String>,
    Json(body): Json<GroupRuleRequest>,
) -> ApiResult<Json<Value>> {
    let mut rule = find(&app, &rule_id).await?;
    domain::transition(RuleStatus::parse(&rule.status), RuleOp::Replace)?;
    let (draft, referenced) = checked(&app, &body).await?;
    let same: HashSet<&String> = rule.group_ids.iter().collect();
    if draft.group_ids.len() != rule.group_ids.len()
        || draft.group_ids.iter().any(|id| !same.contains(id))
    {
        return Err(ApiError::invalid(
            "actions",
            "actions.assignUserToGroups.groupIds: The groups a rule assigns cannot be changed",
        ));
    }
    let now = app.clock.now().millis();
    rule.name = draft.name;
    rule.expression = draft.expression.source().to_owned();
    rule.excluded_user_ids = draft.excluded_user_ids;
    rule.excluded_group_ids = draft.excluded_group_ids;
    rule.referenced_group_ids = referenced;
    rule.last_updated = now;
    let event = rule_event("update", "Update group rule", &admin, &rule, now);
    if !app.store.update_group_rule(&rule, &event).await? {
        return Err(not_found(&rule.id));
    }
    Ok(Json(dto::render(&rule, None)))
}

#[derive(Debug, Deserialize)]
struct GetParams {
    expand: Option<String>,
}

fn wants_names(expand: Option<&str>) -> bool {
    expand
        .unwrap_or_default()
        .split(',')
        .any(|e| e.trim() == EXPAND_NAMES)
}

/// The names of the groups each rule names (targets and referenced), in one query.
async fn group_names(
    app: &AppState,
    rules: &[GroupRuleRecord],
) -> ApiResult<HashMap<String, String>> {
    let mut ids: Vec<String> = Vec::new();
    for rule in rules {
        for id in rule
            .group_ids
            .iter()
            .chain(rule.referenced_group_ids.iter())
        {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    Ok(app
        .store
        .groups_by_ids(&ids)
        .await?
        .iter()
        .map(|g| (g.id.clone(), group_name(g)))
        .collect())
}

fn group_name(group: &GroupRecord) -> String {
    group
        .profile
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn render_with_names(rule: &GroupRuleRecord, names: &HashMap<String, String>) -> Value {
    let mut seen = HashSet::new();
    let pairs: Vec<(String, String)> = rule
        .group_ids
        .iter()
        .chain(rule.referenced_group_ids.iter())
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| names.get(id).map(|n| (id.clone(), n.clone())))
        .collect();
    dto::render(rule, Some(&pairs))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(rule_id): Path<String>,
    Query(params): Query<GetParams>,
) -> ApiResult<Json<Value>> {
    let rule = find(&app, &rule_id).await?;
    if wants_names(params.expand.as_deref()) {
        let names = group_names(&app, std::slice::from_ref(&rule)).await?;
        return Ok(Json(render_with_names(&rule, &names)));
    }
    Ok(Json(dto::render(&rule, None)))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    limit: Option<String>,
    after: Option<String>,
    search: Option<String>,
    expand: Option<String>,
}

/// Lists rules oldest first; `search` keeps those whose name contains it (ignoring case).
async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    let query = GroupRuleQuery {
        search: params
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        after: page.after.clone(),
        limit: page.limit,
    };
    let mut rows = app.store.list_group_rules(&query).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|r| {
        PageKey {
            key: json!(r.created),
            id: r.id.clone(),
        }
        .encode()
    });
    let body: Vec<Value> = if wants_names(params.expand.as_deref()) {
        let names = group_names(&app, &rows).await?;
        rows.iter().map(|r| render_with_names(r, &names)).collect()
    } else {
        rows.iter().map(|r| dto::render(r, None)).collect()
    };
    let mut echo = Vec::new();
    for (name, value) in [
        ("search", &params.search),
        ("expand", &params.expand),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("groups/rules"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
struct DeleteParams {
    #[serde(rename = "removeUsers")]
    remove_users: Option<String>,
}

/// Deletes a rule (202); with `removeUsers=true` the memberships it made go too.
async fn delete_rule(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(rule_id): Path<String>,
    Query(params): Query<DeleteParams>,
) -> ApiResult<StatusCode> {
    let rule = find(&app, &rule_id).await?;
    domain::transition(RuleStatus::parse(&rule.status), RuleOp::Delete)?;
    let remove = match params.remove_users.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(ApiError::invalid(
                "removeUsers",
                format!("removeUsers: '{v}' is not a boolean"),
            ))
        }
    };
    let now = app.clock.now().millis();
    let removals = if remove {
        Some(removal_events(&app, &rule, now).await?)
    } else {
        None
    };
    let event = rule_event("delete", "Delete group rule", &admin, &rule, now);
    if !app
        .store
        .delete_group_rule(&rule.id, removals.as_deref(), now, &event)
        .await?
    {
        return Err(not_found(&rule.id));
    }
    Ok(StatusCode::ACCEPTED)
}

/// One remove event for each membership the rule made.
async fn removal_events(
    app: &AppState,
    rule: &GroupRuleRecord,
    now: i64,
) -> ApiResult<Vec<RuleAssignment>> {
    let pairs = app.store.group_rule_memberships(&rule.id).await?;
    let group_ids: Vec<String> = pairs
        .iter()
        .map(|(g, _)| g.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let groups: HashMap<String, Value> = app
        .store
        .groups_by_ids(&group_ids)
        .await?
        .iter()
        .map(|g| (g.id.clone(), events::group_target(g)))
        .collect();
    let mut out = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(SCAN_PAGE as usize) {
        let user_ids: Vec<String> = chunk.iter().map(|(_, u)| u.clone()).collect();
        let users = users_by_ids(app, &user_ids).await?;
        for (g, u) in chunk {
            if let (Some(group), Some(user)) = (groups.get(g), users.get(u)) {
                out.push(RuleAssignment {
                    rule_id: rule.id.clone(),
                    group_id: g.clone(),
                    user_id: u.clone(),
                    event: membership_event(false, rule, &events::user_target(user), group, now),
                });
            }
        }
    }
    Ok(out)
}

/// Users by id in one query (`id eq ... or id eq ...`), for the removals of one rule delete.
async fn users_by_ids(app: &AppState, ids: &[String]) -> ApiResult<HashMap<String, UserRecord>> {
    use model::expr::{Attribute, Case, Op, Resolved, Value as ExprValue};
    let mut terms: Vec<Resolved> = ids
        .iter()
        .map(|id| Resolved::Compare {
            attribute: Attribute::Named("id"),
            op: Op::Eq,
            value: ExprValue::Text(id.clone()),
            case: Case::Sensitive,
        })
        .collect();
    let filter = match terms.len() {
        0 => return Ok(HashMap::new()),
        1 => terms.remove(0),
        _ => Resolved::Or(terms),
    };
    let users = app
        .store
        .list_users(&store::UserQuery {
            filter: store::UserFilter::Expr(filter),
            sort: None,
            after: None,
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            text_attributes: Vec::new(),
            member_of: None,
        })
        .await?;
    Ok(users.into_iter().map(|u| (u.id.clone(), u)).collect())
}

/// Activates a rule (204) and adds every matching user to its groups before answering.
async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(rule_id): Path<String>,
) -> ApiResult<StatusCode> {
    let rule = find(&app, &rule_id).await?;
    if domain::transition(RuleStatus::parse(&rule.status), RuleOp::Activate)? == Next::Unchanged {
        return Ok(StatusCode::NO_CONTENT);
    }
    let expression = okta_el::parse(&rule.expression)?;
    let now = app.clock.now().millis();
    let assignments = scan(&app, &rule, &expression, now).await?;
    let event = rule_event("activate", "Activate group rule", &admin, &rule, now);
    let done = app
        .store
        .set_group_rule_status(
            &rule.id,
            RuleStatus::Inactive.as_str(),
            RuleStatus::Active.as_str(),
            now,
            &event,
            &assignments,
        )
        .await?;
    if !done {
        // Changed meanwhile: answer from what it is now.
        let now_rule = find(&app, &rule.id).await?;
        domain::transition(RuleStatus::parse(&now_rule.status), RuleOp::Activate)?;
        return Ok(StatusCode::NO_CONTENT);
    }
    // Users the rule made members while it had another condition, and that it no longer
    // matches, leave those groups: each is evaluated as after a change of their own.
    let matched: HashSet<&str> = assignments.iter().map(|a| a.user_id.as_str()).collect();
    let earlier: std::collections::BTreeSet<String> = app
        .store
        .group_rule_memberships(&rule.id)
        .await?
        .into_iter()
        .map(|(_, user_id)| user_id)
        .filter(|u| !matched.contains(u.as_str()))
        .collect();
    if !earlier.is_empty() {
        let rules = app.store.active_group_rules().await?;
        let users: Vec<&str> = earlier.iter().map(String::as_str).collect();
        evaluate_users(&app, &rules, &users, None).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Deactivates a rule (204); the memberships it made stay.
async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(rule_id): Path<String>,
) -> ApiResult<StatusCode> {
    let rule = find(&app, &rule_id).await?;
    if domain::transition(RuleStatus::parse(&rule.status), RuleOp::Deactivate)? == Next::Unchanged {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = app.clock.now().millis();
    let event = rule_event("deactivate", "Deactivate group rule", &admin, &rule, now);
    let done = app
        .store
        .set_group_rule_status(
            &rule.id,
            RuleStatus::Active.as_str(),
            RuleStatus::Inactive.as_str(),
            now,
            &event,
            &[],
        )
        .await?;
    if !done {
        let now_rule = find(&app, &rule.id).await?;
        domain::transition(RuleStatus::parse(&now_rule.status), RuleOp::Deactivate)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What a rule expression reads about one user.
struct UserContext<'a> {
    user: &'a UserRecord,
    groups: &'a [(String, String)],
}

impl EvalContext for UserContext<'_> {
    fn attribute(&self, name: &str) -> Option<Value> {
        self.user.profile.get(name).cloned()
    }

    fn is_member_of(&self, group_id: &str) -> bool {
        self.groups.iter().any(|(id, _)| id == group_id)
    }

    fn group_names(&self) -> Vec<String> {
        self.groups.iter().map(|(_, n)| n.clone()).collect()
    }

    fn internal_property(&self, property: InternalProperty) -> Option<String> {
        Some(match property {
            InternalProperty::Id => self.user.id.clone(),
            InternalProperty::Status => self.user.status.clone(),
        })
    }
}

/// Memberships of `users` as (group id, group name) per user id, in one query.
async fn memberships(
    app: &AppState,
    users: &[&UserRecord],
) -> ApiResult<HashMap<String, Vec<(String, String)>>> {
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for row in app.store.memberships_of(&ids).await? {
        out.entry(row.user_id)
            .or_default()
            .push((row.group_id, row.group_name));
    }
    Ok(out)
}

/// The rule's targets that exist, as event targets.
async fn target_groups(app: &AppState, ids: &[String]) -> ApiResult<HashMap<String, Value>> {
    Ok(app
        .store
        .groups_by_ids(ids)
        .await?
        .iter()
        .map(|g| (g.id.clone(), events::group_target(g)))
        .collect())
}

/// Every membership activating `rule` makes: users in keyset pages, memberships per page in
/// one query.
async fn scan(
    app: &AppState,
    rule: &GroupRuleRecord,
    expression: &Expression,
    now: i64,
) -> ApiResult<Vec<RuleAssignment>> {
    let targets = target_groups(app, &rule.group_ids).await?;
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app.store.users_after(after.as_deref(), SCAN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        let users: Vec<&UserRecord> = page
            .iter()
            .filter(|u| domain::applies_to_status(&u.status))
            .collect();
        let groups = memberships(app, &users).await?;
        for user in users {
            let held = groups.get(&user.id).map(Vec::as_slice).unwrap_or_default();
            out.extend(assignments_for(
                rule, expression, user, held, &targets, None, now,
            ));
        }
        if page.len() < SCAN_PAGE as usize {
            break;
        }
    }
    Ok(out)
}

/// The memberships `rule` adds for one user (none when it does not match).
fn assignments_for(
    rule: &GroupRuleRecord,
    expression: &Expression,
    user: &UserRecord,
    held: &[(String, String)],
    targets: &HashMap<String, Value>,
    skip_group: Option<&str>,
    now: i64,
) -> Vec<RuleAssignment> {
    let ctx = UserContext { user, groups: held };
    if !domain::matches(expression, &rule.excluded_user_ids, &user.id, &ctx) {
        return Vec::new();
    }
    let user_target = events::user_target(user);
    rule.group_ids
        .iter()
        .filter(|g| Some(g.as_str()) != skip_group)
        .filter(|g| !held.iter().any(|(id, _)| id == *g))
        .filter_map(|g| {
            targets.get(g).map(|group| RuleAssignment {
                rule_id: rule.id.clone(),
                group_id: g.clone(),
                user_id: user.id.clone(),
                event: membership_event(true, rule, &user_target, group, now),
            })
        })
        .collect()
}

/// Brings the user's rule memberships in line with every ACTIVE rule; called right after a
/// user is created, its profile or status changes, or its memberships change (the change
/// queued the user in its own transaction, so a crash before this runs loses nothing: the
/// background evaluation picks it up). `skip_group` is a group the user was just removed from
/// by hand, which no rule puts it back into here.
///
/// The evaluation reads the user and its memberships under the user's row lock and writes in
/// the same transaction (`GroupRuleStore::evaluate_rules_for_user`), so concurrent changes of
/// one user are evaluated one after the other, each on what the last one left.
pub async fn apply_rules_to_user(
    app: &AppState,
    user_id: &str,
    skip_group: Option<&str>,
) -> ApiResult<()> {
    evaluate_user(app, user_id, skip_group, false).await
}

/// [`apply_rules_to_user`]; with no ACTIVE rule there is nothing to evaluate, unless the user
/// is `queued` (an entry left from when a rule was active, which the evaluation clears).
async fn evaluate_user(
    app: &AppState,
    user_id: &str,
    skip_group: Option<&str>,
    queued: bool,
) -> ApiResult<()> {
    let rules = app.store.active_group_rules().await?;
    if rules.is_empty() && !queued {
        // A change queues nobody while no rule is ACTIVE.
        return Ok(());
    }
    evaluate_users(app, &rules, &[user_id], skip_group).await
}

/// Evaluates `users` against the ACTIVE `rules`, each in its own transaction under its row
/// lock; the rules' expressions and target groups are read once for all of them.
async fn evaluate_users(
    app: &AppState,
    rules: &[GroupRuleRecord],
    users: &[&str],
    skip_group: Option<&str>,
) -> ApiResult<()> {
    // A stored expression always parsed once; one that no longer does matches nobody.
    let parsed: Vec<(&GroupRuleRecord, Expression)> = rules
        .iter()
        .filter_map(|r| okta_el::parse(&r.expression).ok().map(|e| (r, e)))
        .collect();
    let target_ids: Vec<String> = rules
        .iter()
        .flat_map(|r| r.group_ids.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let targets = if target_ids.is_empty() {
        HashMap::new()
    } else {
        target_groups(app, &target_ids).await?
    };
    for user_id in users {
        let now = app.clock.now().millis();
        app.store
            .evaluate_rules_for_user(user_id, now, &mut |user, memberships, made| {
                rule_changes(&parsed, &targets, user, memberships, made, skip_group, now)
            })
            .await?;
    }
    Ok(())
}

/// What the ACTIVE rules (`parsed`) want of one user, given its memberships and the
/// (rule id, group id) pairs rules made: the memberships to add, and those rule-made ones to
/// remove because no ACTIVE rule that matches still targets their group (memberships of
/// deactivated rules stay).
fn rule_changes(
    parsed: &[(&GroupRuleRecord, Expression)],
    targets: &HashMap<String, Value>,
    user: &UserRecord,
    memberships: &[store::MembershipRow],
    made: &[(String, String)],
    skip_group: Option<&str>,
    now: i64,
) -> store::RuleChanges {
    let mut changes = store::RuleChanges::default();
    if parsed.is_empty() || !domain::applies_to_status(&user.status) {
        return changes;
    }
    let held: Vec<(String, String)> = memberships
        .iter()
        .map(|m| (m.group_id.clone(), m.group_name.clone()))
        .collect();
    for (rule, expression) in parsed {
        changes.add.extend(assignments_for(
            rule, expression, user, &held, targets, skip_group, now,
        ));
    }
    if made.is_empty() {
        return changes;
    }
    let ctx = UserContext {
        user,
        groups: &held,
    };
    let mut wanted: HashSet<&str> = HashSet::new();
    let mut matching: HashSet<&str> = HashSet::new();
    for (rule, expression) in parsed {
        if domain::matches(expression, &rule.excluded_user_ids, &user.id, &ctx) {
            matching.insert(rule.id.as_str());
            wanted.extend(rule.group_ids.iter().map(String::as_str));
        }
    }
    let user_target = events::user_target(user);
    changes.remove = made
        .iter()
        .filter_map(|(rule_id, group_id)| {
            let (rule, _) = parsed.iter().find(|(r, _)| &r.id == rule_id)?;
            if matching.contains(rule_id.as_str()) || wanted.contains(group_id.as_str()) {
                return None;
            }
            let group = targets.get(group_id)?;
            Some(RuleAssignment {
                rule_id: rule_id.clone(),
                group_id: group_id.clone(),
                user_id: user.id.clone(),
                event: membership_event(false, rule, &user_target, group, now),
            })
        })
        .collect();
    changes
}

/// Evaluates the users a change queued but nobody evaluated (a crash between the change and
/// its evaluation, or a change that raced one), every few seconds and at once at start.
pub fn spawn_queue_worker(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match drain_queue(&app).await {
                Ok(n) if n >= 200 => continue,
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "group rule queue"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    })
}

/// One round of the queue: users queued more than a second ago (a request evaluates its own
/// change right away); answers how many it evaluated.
pub async fn drain_queue(app: &AppState) -> ApiResult<usize> {
    let before = app.clock.now().millis() - 1_000;
    let users = app.store.queued_rule_users(before, 200).await?;
    for user_id in &users {
        evaluate_user(app, user_id, None, true).await?;
    }
    Ok(users.len())
}
