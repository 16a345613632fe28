//! The `filter` of List Trusted Origins (listTrustedOrigins in the management OpenAPI;
//! trusted-origins.md, "List Trusted Origins with a filter").
//!
//! - `filter`: `name`, `origin`, `status` and `type` (the type of any of the origin's scopes),
//!   each with `eq` only, joined by `and`/`or`; no `not`, no `pr`. `name` compares exactly;
//!   `origin` compares by origin key (`crate::trusted_origins::origin_key`), so
//!   `https://App.example.com:443` finds `https://app.example.com`; `status` and `type` take
//!   their enum values.
//! - `q` is not an expression: the store matches it as a case-insensitive prefix of the name
//!   or of the origin.

use super::parser::Op;
use super::resolve::{resolve, Case, FieldKind, FieldSpec, Resolved, Rules, Storage};
use crate::error::DomainError;

/// `status` values (`LifecycleStatus`).
pub const STATUSES: &[&str] = &["ACTIVE", "INACTIVE"];
/// Scope `type` values (`TrustedOriginScopeType`).
pub const SCOPE_TYPES: &[&str] = &["CORS", "REDIRECT", "IFRAME_EMBED"];

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
        field("name", FieldKind::Text),
        field("origin", FieldKind::Text),
        field("status", FieldKind::Enum(STATUSES)),
        field("type", FieldKind::Enum(SCOPE_TYPES)),
    ],
    profile: None,
    allow_not: false,
};

/// Parses and checks a `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Attribute, Value};

    fn cause(input: &str) -> String {
        match parse_filter(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn documented_attributes_resolve() {
        let r = parse_filter(r#"(name eq "Example" or type eq "CORS") and status eq "ACTIVE""#)
            .unwrap();
        let Resolved::And(items) = r else {
            panic!("and expected")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(
            parse_filter(r#"origin eq "https://x.example.com""#).unwrap(),
            Resolved::Compare {
                attribute: Attribute::Named("origin"),
                op: Op::Eq,
                value: Value::Text("https://x.example.com".into()),
                case: Case::Sensitive,
            }
        );
    }

    #[test]
    fn other_shapes_are_e0000031() {
        assert!(cause(r#"id eq "tos1""#).contains("'id' is not supported"));
        assert!(cause(r#"name sw "Ex""#).contains("Operator 'sw'"));
        assert!(cause(r#"not (status eq "ACTIVE")"#).contains("'not'"));
        assert!(cause(r#"type eq "WEB""#).contains("not a valid value"));
        assert!(cause(r#"status eq "active""#).contains("not a valid value"));
        assert!(cause("name pr").contains("'pr'"));
    }
}
