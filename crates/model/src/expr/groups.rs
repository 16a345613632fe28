//! The `filter`, `search`, `sortBy`/`sortOrder` and `q` parameters of List Groups (groups.md,
//! "List Groups", "Filters", "List Groups with Search"; listGroups in the management OpenAPI),
//! and the `search` of List Group Owners (listGroupOwners).
//!
//! - `filter`: `id` and `type` with `eq`; `lastUpdated` and `lastMembershipUpdated` with `eq`,
//!   `gt`, `ge`, `lt`, `le`; `and`/`or` but no `not`. Values compare exactly.
//! - `search`: the top-level `id`, `type`, `created`, `lastUpdated`, `lastMembershipUpdated`,
//!   `source.id` (the app an `APP_GROUP` came from) and any `profile.<name>`. Strings take `eq`
//!   and `sw`, and `co` only on `profile.name` and `profile.description`; dates take `eq` and
//!   the ordering operators; every attribute takes `pr`; `and`/`or`/`not`. String values
//!   compare case-insensitively except ids, which are case-sensitive identifiers.
//! - `sortBy`: any one attribute `search` accepts; `sortOrder` is `asc` (default) or `desc`.
//! - `q`: a case-insensitive prefix of `profile.name`, ordered by name so exact matches come
//!   first (a name is a prefix of every longer name that starts with it).
//! - owners `search`: `type` (`USER` or `GROUP`) and `id`, with `eq`, `and`/`or`.

use super::parser::Op;
use super::resolve::{
    resolve, resolve_sort, Attribute, Case, FieldKind, FieldSpec, ProfileWildcard, Resolved, Rules,
    Sort, SortOrder, Storage, Value,
};
use crate::error::DomainError;
use Case::{Insensitive, Sensitive};
use FieldKind::{Date, Enum, Json, Text};
use Storage::{Own, Profile};

/// Every group type, as Okta spells it.
pub const TYPES: &[&str] = &["OKTA_GROUP", "APP_GROUP", "BUILT_IN"];

/// Every group owner type, as Okta spells it (`GroupOwnerType`).
pub const OWNER_TYPES: &[&str] = &["USER", "GROUP"];

const EQ: &[Op] = &[Op::Eq];
const ORDERING: &[Op] = &[Op::Eq, Op::Gt, Op::Ge, Op::Lt, Op::Le];
const SEARCH_TEXT: &[Op] = &[Op::Eq, Op::Sw];
const SEARCH_CONTAINS: &[Op] = &[Op::Eq, Op::Sw, Op::Co];

const fn field(
    path: &'static str,
    storage: Storage,
    kind: FieldKind,
    ops: &'static [Op],
    present: bool,
    case: Case,
) -> FieldSpec {
    FieldSpec {
        path,
        storage,
        kind,
        ops,
        present,
        case,
    }
}

/// The rules of `filter=`.
pub const FILTER: Rules = Rules {
    param: "filter",
    fields: &[
        field("id", Own, Text, EQ, false, Sensitive),
        field("type", Own, Enum(TYPES), EQ, false, Sensitive),
        field("lastUpdated", Own, Date, ORDERING, false, Sensitive),
        field(
            "lastMembershipUpdated",
            Own,
            Date,
            ORDERING,
            false,
            Sensitive,
        ),
    ],
    profile: None,
    allow_not: false,
};

/// The rules of `search=` (and of `sortBy`).
pub const SEARCH: Rules = Rules {
    param: "search",
    fields: &[
        field("id", Own, Text, SEARCH_TEXT, true, Sensitive),
        field("type", Own, Enum(TYPES), SEARCH_TEXT, true, Insensitive),
        field("created", Own, Date, ORDERING, true, Sensitive),
        field("lastUpdated", Own, Date, ORDERING, true, Sensitive),
        field(
            "lastMembershipUpdated",
            Own,
            Date,
            ORDERING,
            true,
            Sensitive,
        ),
        field("source.id", Own, Text, SEARCH_TEXT, true, Sensitive),
        field(
            "profile.name",
            Own,
            Text,
            SEARCH_CONTAINS,
            true,
            Insensitive,
        ),
        field(
            "profile.description",
            Profile,
            Json,
            SEARCH_CONTAINS,
            true,
            Insensitive,
        ),
    ],
    profile: Some(ProfileWildcard {
        ops: SEARCH_TEXT,
        present: true,
        case: Insensitive,
    }),
    allow_not: true,
};

/// The rules of the owners list's `search=`.
pub const OWNER_SEARCH: Rules = Rules {
    param: "search",
    fields: &[
        field("type", Own, Enum(OWNER_TYPES), EQ, false, Sensitive),
        field("id", Own, Text, EQ, false, Sensitive),
    ],
    profile: None,
    allow_not: false,
};

/// Parses and checks a `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

/// Parses and checks a `search=` expression.
pub fn parse_search(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &SEARCH)
}

/// Parses and checks the owners list's `search=` expression.
pub fn parse_owner_search(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &OWNER_SEARCH)
}

/// Resolves `sortBy` and `sortOrder`; the caller only calls this when `sortBy` is present
/// (Okta ignores `sortOrder` alone).
pub fn parse_sort(sort_by: &str, sort_order: Option<&str>) -> Result<Sort, DomainError> {
    resolve_sort(&SEARCH, sort_by, sort_order)
}

/// The expression `q=` stands for: the name starts with `q`, ignoring case.
pub fn find(q: &str) -> Resolved {
    Resolved::Compare {
        attribute: Attribute::Named("profile.name"),
        op: Op::Sw,
        value: Value::Text(q.to_owned()),
        case: Insensitive,
    }
}

/// The order of a `q=` answer: by name, so an exact match comes before longer names.
pub fn find_sort() -> Sort {
    Sort {
        attribute: Attribute::Named("profile.name"),
        kind: Text,
        order: SortOrder::Ascending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn cause(result: Result<Resolved, DomainError>) -> String {
        match result {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch, got {other:?}"),
        }
    }

    fn compare(attribute: Attribute, op: Op, value: Value, case: Case) -> Resolved {
        Resolved::Compare {
            attribute,
            op,
            value,
            case,
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn filter_accepts_the_reference_examples() {
        for t in TYPES {
            assert_eq!(
                parse_filter(&format!("type eq \"{t}\"")).unwrap(),
                compare(Attribute::Named("type"), Op::Eq, text(t), Sensitive)
            );
        }
        assert_eq!(
            parse_filter(r#"id eq "00g1emaKYZTWRYYRRTSK""#).unwrap(),
            compare(
                Attribute::Named("id"),
                Op::Eq,
                text("00g1emaKYZTWRYYRRTSK"),
                Sensitive
            )
        );
        for attribute in ["lastUpdated", "lastMembershipUpdated"] {
            for op in ["eq", "gt", "ge", "lt", "le"] {
                assert!(
                    parse_filter(&format!(r#"{attribute} {op} "2015-11-11T00:00:00.000Z""#))
                        .is_ok(),
                    "{attribute} {op}"
                );
            }
        }
        assert_eq!(
            parse_filter(
                r#"type eq "OKTA_GROUP" and (lastUpdated gt "2015-11-11T00:00:00.000Z" or lastMembershipUpdated gt "2015-11-11T00:00:00.000Z")"#
            )
            .unwrap(),
            Resolved::And(vec![
                compare(Attribute::Named("type"), Op::Eq, text("OKTA_GROUP"), Sensitive),
                Resolved::Or(vec![
                    compare(
                        Attribute::Named("lastUpdated"),
                        Op::Gt,
                        Value::Date(Timestamp(1_447_200_000_000)),
                        Sensitive
                    ),
                    compare(
                        Attribute::Named("lastMembershipUpdated"),
                        Op::Gt,
                        Value::Date(Timestamp(1_447_200_000_000)),
                        Sensitive
                    ),
                ]),
            ])
        );
    }

    #[test]
    fn filter_rejections() {
        assert_eq!(
            cause(parse_filter(r#"profile.name eq "West""#)),
            "Attribute 'profile.name' is not supported in filter"
        );
        assert_eq!(
            cause(parse_filter(r#"created gt "2015-11-11T00:00:00.000Z""#)),
            "Attribute 'created' is not supported in filter"
        );
        assert_eq!(
            cause(parse_filter(r#"type sw "OKTA""#)),
            "Operator 'sw' is not supported for 'type' in filter (supported: eq)"
        );
        assert_eq!(
            cause(parse_filter(r#"not type eq "OKTA_GROUP""#)),
            "The 'not' operator is not supported in filter"
        );
        assert_eq!(
            cause(parse_filter(r#"type eq "okta_group""#)),
            "'okta_group' is not a valid value for 'type' in filter (expected one of: OKTA_GROUP, APP_GROUP, BUILT_IN)"
        );
        assert_eq!(
            parse_filter(r#"lastUpdated gt "11/11/2015""#),
            Err(DomainError::InvalidDate)
        );
    }

    #[test]
    fn search_accepts_the_reference_examples() {
        assert_eq!(
            parse_search(r#"type eq "app_group""#).unwrap(),
            compare(
                Attribute::Named("type"),
                Op::Eq,
                text("APP_GROUP"),
                Sensitive
            )
        );
        assert_eq!(
            parse_search(r#"profile.name eq "West Coast Users""#).unwrap(),
            compare(
                Attribute::Named("profile.name"),
                Op::Eq,
                text("West Coast Users"),
                Insensitive
            )
        );
        assert_eq!(
            parse_search(r#"profile.samAccountName sw "West Coast""#).unwrap(),
            compare(
                Attribute::Profile("samAccountName".into()),
                Op::Sw,
                text("West Coast"),
                Insensitive
            )
        );
        assert_eq!(
            parse_search(r#"profile.description co "rockies""#).unwrap(),
            compare(
                Attribute::Profile("description".into()),
                Op::Co,
                text("rockies"),
                Insensitive
            )
        );
        for input in [
            r#"source.id eq "0oa2v0el0gP90aqjJ0g7""#,
            r#"type eq "APP_GROUP" and (created lt "2014-01-01T00:00:00.000Z" and source.id eq "0oa2v0el0gP90aqjJ0g7")"#,
            r#"profile.name sw "West Coast" or profile.samAccountName eq "West Coast Users" or source.id eq "0oa2v0el0gP90aqjJ0g7""#,
            r#"lastUpdated gt "2015-10-01T00:00:00.000Z" or lastMembershipUpdated gt "2015-10-01T00:00:00.000Z""#,
            r#"id eq "00gak46y5hydV6NdM0g4""#,
            r#"not profile.description pr"#,
        ] {
            assert!(parse_search(input).is_ok(), "{input}");
        }
    }

    #[test]
    fn search_rejections() {
        assert_eq!(
            cause(parse_search(r#"profile.samAccountName co "West""#)),
            "Operator 'co' is not supported for 'profile.samAccountName' in search (supported: eq, sw, pr)"
        );
        assert_eq!(
            cause(parse_search(r#"profile.name gt "M""#)),
            "Operator 'gt' is not supported for 'profile.name' in search (supported: eq, sw, co, pr)"
        );
        assert_eq!(
            cause(parse_search(r#"objectClass eq "okta:user_group""#)),
            "Attribute 'objectClass' is not supported in search"
        );
        assert_eq!(
            cause(parse_search(r#"type eq "TEAM""#)),
            "'TEAM' is not a valid value for 'type' in search (expected one of: OKTA_GROUP, APP_GROUP, BUILT_IN)"
        );
    }

    #[test]
    fn sort_and_q() {
        let sort = parse_sort("profile.name", Some("DESC")).unwrap();
        assert_eq!(sort.attribute, Attribute::Named("profile.name"));
        assert_eq!(sort.order, SortOrder::Descending);
        assert_eq!(
            parse_sort("lastMembershipUpdated", None).unwrap().kind,
            Date
        );
        assert!(parse_sort("objectClass", None).is_err());
        assert_eq!(
            find("West"),
            compare(
                Attribute::Named("profile.name"),
                Op::Sw,
                text("West"),
                Insensitive
            )
        );
        assert_eq!(find_sort().order, SortOrder::Ascending);
    }

    #[test]
    fn owner_search() {
        assert_eq!(
            parse_owner_search(r#"type eq "USER""#).unwrap(),
            compare(Attribute::Named("type"), Op::Eq, text("USER"), Sensitive)
        );
        assert!(parse_owner_search(r#"type eq "USER" or type eq "GROUP""#).is_ok());
        assert_eq!(
            cause(parse_owner_search(r#"type eq "APP""#)),
            "'APP' is not a valid value for 'type' in search (expected one of: USER, GROUP)"
        );
        assert!(parse_owner_search(r#"displayName eq "x""#).is_err());
    }
}
