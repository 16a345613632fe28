//! Group rules as pure domain rules (groups.md, "Group rule operations" and "Rule object";
//! the GroupRule tag of the Management OpenAPI spec).
//!
//! - [`validate`]: the body of Create and Replace Group rule, checked field by field into a
//!   [`Draft`] with the expression parsed (`crate::expr::okta_el`). Every refusal is 400
//!   E0000001 naming the field.
//! - [`transition`]: which lifecycle operation each status allows. A rule is created INACTIVE;
//!   only an INACTIVE rule can be replaced; an INVALID rule (one of its groups was deleted) can
//!   only be read or deleted.
//! - [`check_target`]: a rule assigns users only to Okta groups, never to the built-in
//!   Everyone group or to groups imported from apps.
//! - [`applies_to_status`] and [`matches`]: who a rule adds.
//!
//! Nothing here touches storage or the clock.

use crate::error::DomainError;
use crate::expr::okta_el::{self, EvalContext, Expression};
use crate::groups::GroupType;

/// The only rule type (`type`).
pub const RULE_TYPE: &str = "group_rule";
/// The only expression type (`conditions.expression.type`).
pub const EXPRESSION_TYPE: &str = "urn:okta:expression:1.0";
/// Longest rule name (the spec's `maxLength`).
pub const MAX_NAME_CHARS: usize = 50;

/// A rule's status (`GroupRuleStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStatus {
    Active,
    Inactive,
    /// A target or referenced group was deleted.
    Invalid,
}

impl RuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
            Self::Invalid => "INVALID",
        }
    }

    /// A stored status; anything unknown reads as INVALID, which allows nothing but delete.
    pub fn parse(text: &str) -> Self {
        match text {
            "ACTIVE" => Self::Active,
            "INACTIVE" => Self::Inactive,
            _ => Self::Invalid,
        }
    }
}

/// What is asked of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOp {
    Replace,
    Activate,
    Deactivate,
    Delete,
}

/// What an allowed operation does to the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The rule moves to (or stays in) this status and is written.
    To(RuleStatus),
    /// Already there: answer success, write nothing.
    Unchanged,
    /// The rule goes.
    Gone,
}

/// The lifecycle table. Refusals are 400 E0000001 on `status`.
pub fn transition(status: RuleStatus, op: RuleOp) -> Result<Next, DomainError> {
    use RuleOp::*;
    use RuleStatus::*;
    match (status, op) {
        (Inactive, Replace) => Ok(Next::To(Inactive)),
        (Active, Replace) => Err(refused(
            "Only an INACTIVE rule can be changed; deactivate it first",
        )),
        (Invalid, Replace) => Err(refused(
            "An INVALID rule cannot be changed; one of its groups no longer exists",
        )),
        (Inactive, Activate) => Ok(Next::To(Active)),
        (Active, Activate) | (Inactive, Deactivate) => Ok(Next::Unchanged),
        (Invalid, Activate) => Err(refused(
            "An INVALID rule cannot be activated; one of its groups no longer exists",
        )),
        (Active, Deactivate) => Ok(Next::To(Inactive)),
        (Invalid, Deactivate) => Err(refused(
            "An INVALID rule cannot be deactivated; one of its groups no longer exists",
        )),
        (_, Delete) => Ok(Next::Gone),
    }
}

fn refused(why: &str) -> DomainError {
    DomainError::invalid("status", format!("status: {why}"))
}

/// The fields of a rule body as sent (`CreateGroupRuleRequest` / `GroupRule`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInput<'a> {
    pub rule_type: Option<&'a str>,
    pub name: Option<&'a str>,
    pub expression_value: Option<&'a str>,
    pub expression_type: Option<&'a str>,
    pub excluded_user_ids: &'a [String],
    pub excluded_group_ids: &'a [String],
    pub group_ids: &'a [String],
}

/// A checked rule body.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub name: String,
    pub expression: Expression,
    pub excluded_user_ids: Vec<String>,
    pub excluded_group_ids: Vec<String>,
    /// Targets, in order, without repeats.
    pub group_ids: Vec<String>,
}

impl Draft {
    /// Groups the expression names by id (checked to exist by the caller).
    pub fn referenced_group_ids(&self) -> Vec<String> {
        self.expression.referenced_group_ids()
    }
}

/// Checks a rule body. The first failing field is reported.
pub fn validate(input: &RuleInput<'_>) -> Result<Draft, DomainError> {
    if let Some(t) = input.rule_type.filter(|t| *t != RULE_TYPE) {
        return Err(DomainError::invalid(
            "type",
            format!("type: '{t}' is not a rule type; the only one is '{RULE_TYPE}'"),
        ));
    }
    let name = input.name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(blank("name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::invalid(
            "name",
            format!("name: The name may have at most {MAX_NAME_CHARS} characters"),
        ));
    }
    let value = input.expression_value.unwrap_or_default();
    if value.trim().is_empty() {
        return Err(blank("conditions.expression.value"));
    }
    match input.expression_type {
        Some(EXPRESSION_TYPE) => {}
        None | Some("") => return Err(blank("conditions.expression.type")),
        Some(other) => {
            return Err(DomainError::invalid(
                "conditions.expression.type",
                format!(
                    "conditions.expression.type: '{other}' is not supported; use \
                     '{EXPRESSION_TYPE}'"
                ),
            ))
        }
    }
    let expression = okta_el::parse(value)?;
    let group_ids = distinct(input.group_ids);
    if group_ids.is_empty() {
        return Err(blank("actions.assignUserToGroups.groupIds"));
    }
    Ok(Draft {
        name: name.to_owned(),
        expression,
        excluded_user_ids: distinct(input.excluded_user_ids),
        excluded_group_ids: distinct(input.excluded_group_ids),
        group_ids,
    })
}

fn blank(field: &str) -> DomainError {
    DomainError::invalid(field, format!("{field}: The field cannot be left blank"))
}

fn distinct(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    out
}

/// A target group as found: `None` when it does not exist.
pub fn check_target(id: &str, found: Option<GroupType>) -> Result<(), DomainError> {
    const FIELD: &str = "actions.assignUserToGroups.groupIds";
    match found {
        Some(GroupType::OktaGroup) => Ok(()),
        Some(_) => Err(DomainError::invalid(
            FIELD,
            format!("{FIELD}: Group {id} is not an Okta group; rules assign users only to OKTA_GROUP groups"),
        )),
        None => Err(DomainError::invalid(
            FIELD,
            format!("{FIELD}: Group {id} does not exist"),
        )),
    }
}

/// A group the expression names by id that does not exist.
pub fn missing_referenced_group(id: &str) -> DomainError {
    const FIELD: &str = "conditions.expression.value";
    DomainError::invalid(FIELD, format!("{FIELD}: Group {id} does not exist"))
}

/// Whether rules add a user in this status. Okta does not move users who are pending
/// (STAGED, PROVISIONED) or deactivated (DEPROVISIONED) into rule groups.
pub fn applies_to_status(status: &str) -> bool {
    !matches!(status, "STAGED" | "PROVISIONED" | "DEPROVISIONED")
}

/// Whether the rule adds this user: not excluded, and the expression is true. An evaluation
/// error is no match.
pub fn matches(
    expression: &Expression,
    excluded_user_ids: &[String],
    user_id: &str,
    ctx: &dyn EvalContext,
) -> bool {
    !excluded_user_ids.iter().any(|id| id == user_id) && expression.evaluate(ctx).unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::expr::okta_el::MapContext;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn input<'a>(groups: &'a [String]) -> RuleInput<'a> {
        RuleInput {
            rule_type: Some(RULE_TYPE),
            name: Some("Engineers"),
            expression_value: Some("user.department == \"Eng\""),
            expression_type: Some(EXPRESSION_TYPE),
            excluded_user_ids: &[],
            excluded_group_ids: &[],
            group_ids: groups,
        }
    }

    fn summary(e: DomainError) -> String {
        match e {
            DomainError::Validation { summary, .. } => summary,
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn every_cell_of_the_lifecycle_table() {
        use Next::*;
        use RuleOp::*;
        use RuleStatus::*;
        let cells = [
            (Inactive, Replace, Some(To(Inactive))),
            (Active, Replace, None),
            (Invalid, Replace, None),
            (Inactive, Activate, Some(To(Active))),
            (Active, Activate, Some(Unchanged)),
            (Invalid, Activate, None),
            (Active, Deactivate, Some(To(Inactive))),
            (Inactive, Deactivate, Some(Unchanged)),
            (Invalid, Deactivate, None),
            (Active, Delete, Some(Gone)),
            (Inactive, Delete, Some(Gone)),
            (Invalid, Delete, Some(Gone)),
        ];
        for (status, op, want) in cells {
            match (transition(status, op), want) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "{status:?} {op:?}"),
                (Err(e), None) => assert_eq!(summary(e), "status"),
                (got, want) => panic!("{status:?} {op:?}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            RuleStatus::Active,
            RuleStatus::Inactive,
            RuleStatus::Invalid,
        ] {
            assert_eq!(RuleStatus::parse(s.as_str()), s);
        }
        assert_eq!(RuleStatus::parse("bogus"), RuleStatus::Invalid);
    }

    #[test]
    fn a_good_body_becomes_a_draft_without_repeats() {
        let groups = ids(&["00g1", " 00g2 ", "00g1", ""]);
        let excluded = ids(&["00u1", "00u1"]);
        let mut body = input(&groups);
        body.excluded_user_ids = &excluded;
        body.name = Some("  Engineers ");
        let draft = validate(&body).unwrap();
        assert_eq!(draft.name, "Engineers");
        assert_eq!(draft.group_ids, ids(&["00g1", "00g2"]));
        assert_eq!(draft.excluded_user_ids, ids(&["00u1"]));
    }

    #[test]
    fn each_bad_field_is_named() {
        let groups = ids(&["00g1"]);
        let none: Vec<String> = Vec::new();
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        let cases: Vec<(RuleInput<'_>, &str)> = vec![
            (
                RuleInput {
                    rule_type: Some("other"),
                    ..input(&groups)
                },
                "type",
            ),
            (
                RuleInput {
                    name: None,
                    ..input(&groups)
                },
                "name",
            ),
            (
                RuleInput {
                    name: Some("  "),
                    ..input(&groups)
                },
                "name",
            ),
            (
                RuleInput {
                    name: Some(&long),
                    ..input(&groups)
                },
                "name",
            ),
            (
                RuleInput {
                    expression_value: None,
                    ..input(&groups)
                },
                "conditions.expression.value",
            ),
            (
                RuleInput {
                    expression_value: Some("user.a =="),
                    ..input(&groups)
                },
                "conditions.expression.value",
            ),
            (
                RuleInput {
                    expression_type: None,
                    ..input(&groups)
                },
                "conditions.expression.type",
            ),
            (
                RuleInput {
                    expression_type: Some("urn:other"),
                    ..input(&groups)
                },
                "conditions.expression.type",
            ),
            (input(&none), "actions.assignUserToGroups.groupIds"),
        ];
        for (body, field) in cases {
            assert_eq!(summary(validate(&body).unwrap_err()), field, "{body:?}");
        }
        let fifty = "y".repeat(MAX_NAME_CHARS);
        assert!(validate(&RuleInput {
            name: Some(&fifty),
            ..input(&groups)
        })
        .is_ok());
        assert!(validate(&RuleInput {
            rule_type: None,
            ..input(&groups)
        })
        .is_ok());
    }

    #[test]
    fn only_okta_groups_are_targets() {
        assert!(check_target("00g1", Some(GroupType::OktaGroup)).is_ok());
        for found in [Some(GroupType::BuiltIn), Some(GroupType::AppGroup), None] {
            let e = check_target("00g1", found).unwrap_err();
            assert_eq!(summary(e), "actions.assignUserToGroups.groupIds");
        }
    }

    #[test]
    fn pending_and_deactivated_users_are_left_alone() {
        for s in ["STAGED", "PROVISIONED", "DEPROVISIONED"] {
            assert!(!applies_to_status(s), "{s}");
        }
        for s in [
            "ACTIVE",
            "RECOVERY",
            "PASSWORD_EXPIRED",
            "LOCKED_OUT",
            "SUSPENDED",
        ] {
            assert!(applies_to_status(s), "{s}");
        }
    }

    #[test]
    fn exclusions_and_errors_are_no_match() {
        let expr = okta_el::parse("user.department == \"Eng\"").unwrap();
        let mut ctx = MapContext::default();
        ctx.profile.insert("department".into(), "Eng".into());
        assert!(matches(&expr, &[], "00u1", &ctx));
        assert!(!matches(&expr, &ids(&["00u1"]), "00u1", &ctx));
        let not_bool = okta_el::parse("user.department").unwrap();
        assert!(!matches(&not_bool, &[], "00u1", &ctx));
    }
}
