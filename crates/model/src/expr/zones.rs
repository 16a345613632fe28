//! The `filter` of List Network Zones (zones.md, "List Zones with a filter"): `id` and
//! `usage` with `eq`, joined by `and`/`or` and grouped with parentheses, e.g.
//! `(id eq "nzo1" or id eq "nzo2") and usage eq "POLICY"`. An org has few zones, so the list
//! is filtered where it is read, with [`matches`].

use super::parser::Op;
use super::resolve::{resolve, Attribute, Case, FieldKind, FieldSpec, Resolved, Rules, Storage};
use crate::error::DomainError;

/// `usage` values.
pub const USAGES: &[&str] = &["POLICY", "BLOCKLIST"];

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
        field("id", FieldKind::Text),
        field("usage", FieldKind::Enum(USAGES)),
    ],
    profile: None,
    allow_not: false,
};

/// Parses and checks a `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

/// Whether a zone with this `id` and `usage` passes the filter.
pub fn matches(filter: &Resolved, id: &str, usage: &str) -> bool {
    match filter {
        Resolved::And(items) => items.iter().all(|f| matches(f, id, usage)),
        Resolved::Or(items) => items.iter().any(|f| matches(f, id, usage)),
        Resolved::Not(inner) => !matches(inner, id, usage),
        Resolved::Compare {
            attribute, value, ..
        } => {
            let actual = match attribute {
                Attribute::Named("id") => id,
                Attribute::Named("usage") => usage,
                _ => return false,
            };
            matches!(value, super::Value::Text(v) if v == actual)
        }
        Resolved::Present { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_filter_selects_by_id_and_usage() {
        let f = parse_filter(r#"(id eq "nzo1" or id eq "nzo2") and usage eq "POLICY""#).unwrap();
        assert!(matches(&f, "nzo1", "POLICY"));
        assert!(matches(&f, "nzo2", "POLICY"));
        assert!(!matches(&f, "nzo2", "BLOCKLIST"));
        assert!(!matches(&f, "nzo3", "POLICY"));
        let f = parse_filter(r#"usage eq "BLOCKLIST""#).unwrap();
        assert!(matches(&f, "nzo3", "BLOCKLIST"));
        assert!(!matches(&f, "nzo3", "POLICY"));
    }

    #[test]
    fn other_attributes_operators_and_values_are_refused() {
        for bad in [
            r#"name eq "x""#,
            r#"usage eq "OTHER""#,
            r#"id sw "nzo""#,
            r#"not (id eq "x")"#,
            "id pr",
        ] {
            assert!(
                matches!(parse_filter(bad), Err(DomainError::InvalidSearch { .. })),
                "{bad}"
            );
        }
    }
}
