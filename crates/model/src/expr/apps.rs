//! The `filter` and `q` parameters of List Applications (apps.md, "List applications",
//! "Filters"; `listApplications` in the Management OpenAPI spec).
//!
//! - `filter`: `status`, `name`, `id`, `credentials.signing.kid` (the spec) and `user.id`,
//!   `group.id` (the classic reference's "List applications assigned to a user / group");
//!   only `eq`; `and`/`or` but no `not`. Values compare exactly. `settings.slo.enabled`, which
//!   the spec also lists, is not supported here and says so (E0000031).
//! - `q`: a case-insensitive prefix of `name` or `label` (see [`find`]).

use super::parser::Op;
use super::resolve::{
    resolve, Attribute, Case, FieldKind, FieldSpec, Resolved, Rules, Storage, Value,
};
use crate::error::DomainError;

/// The app statuses a filter may name.
pub const STATUSES: &[&str] = &["ACTIVE", "INACTIVE"];

const EQ: &[Op] = &[Op::Eq];

const fn field(path: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        path,
        storage: Storage::Own,
        kind,
        ops: EQ,
        present: false,
        case: Case::Sensitive,
    }
}

/// The rules of `filter=`.
pub const FILTER: Rules = Rules {
    param: "filter",
    fields: &[
        field("status", FieldKind::Enum(STATUSES)),
        field("name", FieldKind::Text),
        field("id", FieldKind::Text),
        field("credentials.signing.kid", FieldKind::Text),
        field("user.id", FieldKind::Text),
        field("group.id", FieldKind::Text),
    ],
    profile: None,
    allow_not: false,
};

/// Parses and checks a `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

/// The expression `q=` stands for: `name` or `label` starts with `q`, ignoring case.
pub fn find(q: &str) -> Resolved {
    let starts_with = |name: &'static str| Resolved::Compare {
        attribute: Attribute::Named(name),
        op: Op::Sw,
        value: Value::Text(q.to_owned()),
        case: Case::Insensitive,
    };
    Resolved::Or(vec![starts_with("name"), starts_with("label")])
}

/// The expression that selects the apps assigned to `user_id` (directly or through a group).
pub fn assigned_to_user(user_id: &str) -> Resolved {
    Resolved::Compare {
        attribute: Attribute::Named("user.id"),
        op: Op::Eq,
        value: Value::Text(user_id.to_owned()),
        case: Case::Sensitive,
    }
}

/// The expression that selects the apps assigned to `group_id`.
pub fn assigned_to_group(group_id: &str) -> Resolved {
    Resolved::Compare {
        attribute: Attribute::Named("group.id"),
        op: Op::Eq,
        value: Value::Text(group_id.to_owned()),
        case: Case::Sensitive,
    }
}

/// The expression for the custom-app names starting with `prefix` (to number a new one).
pub fn named_like(prefix: &str) -> Resolved {
    Resolved::Compare {
        attribute: Attribute::Named("name"),
        op: Op::Sw,
        value: Value::Text(prefix.to_owned()),
        case: Case::Sensitive,
    }
}

/// The user id a filter selects by (`user.id eq "..."` alone or within `and`), which
/// `expand=user/{id}` must match.
pub fn filtered_user(expr: &Resolved) -> Option<&str> {
    match expr {
        Resolved::Compare {
            attribute: Attribute::Named("user.id"),
            op: Op::Eq,
            value: Value::Text(id),
            ..
        } => Some(id),
        Resolved::And(items) => items.iter().find_map(filtered_user),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(input: &str) -> String {
        match parse_filter(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn supported_filters() {
        for f in [
            r#"status eq "ACTIVE""#,
            r#"name eq "bookmark""#,
            r#"user.id eq "00u1""#,
            r#"group.id eq "00g1""#,
            r#"credentials.signing.kid eq "k""#,
            r#"id eq "0oa1""#,
            r#"status eq "INACTIVE" and name eq "bookmark""#,
        ] {
            assert!(parse_filter(f).is_ok(), "{f}");
        }
        assert_eq!(
            filtered_user(&parse_filter(r#"user.id eq "00u1" and status eq "ACTIVE""#).unwrap()),
            Some("00u1")
        );
    }

    #[test]
    fn unsupported_filters() {
        assert!(cause(r#"status eq "DELETED""#).contains("not a valid value"));
        assert!(cause(r#"name sw "b""#).contains("Operator 'sw'"));
        assert!(cause(r#"settings.slo.enabled eq true"#).contains("not supported"));
        assert!(cause(r#"not (name eq "b")"#).contains("'not'"));
    }
}
