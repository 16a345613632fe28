//! The `filter`, `search`, `sortBy`/`sortOrder` and `q` parameters of List Users
//! (users.md, "List Users with a filter", "List Users with search", "Find Users").
//!
//! - `filter`: `status`, `lastUpdated`, `id`, `profile.login`, `profile.email`,
//!   `profile.firstName`, `profile.lastName` and `type.id`; only `eq`, plus `gt`/`ge`/`lt`/`le`
//!   on `lastUpdated`; `and`/`or` but no `not`. Values compare exactly, except the login,
//!   which Okta treats case-insensitively everywhere.
//! - `search`: `id`, `status`, `created`, `activated`, `statusChanged`, `lastUpdated`,
//!   `type.id` and any `profile.<name>`; `eq`, `sw`, ordering operators and `pr`, `co` only on
//!   `profile.firstName`/`lastName`/`email`/`login` (listUsers in the management OpenAPI);
//!   never `ne`; `and`/`or`/`not`. Strings compare case-insensitively, except ids, which are
//!   case-sensitive identifiers (an id differing only in case is another user). An array
//!   property matches when any element does.
//! - `sortBy`: any one attribute `search` accepts; `sortOrder` is `asc` (default) or `desc`.
//! - `q`: a case-insensitive prefix of first name, last name or email, and never a
//!   `DEPROVISIONED` user.

use super::parser::Op;
use super::resolve::{
    resolve, resolve_sort, Attribute, Case, FieldKind, FieldSpec, ProfileWildcard, Resolved, Rules,
    Sort, Storage, Value,
};
use crate::error::DomainError;
use Case::{Insensitive, Sensitive};
use FieldKind::{Date, Enum, Json, Text};
use Storage::{Own, Profile};

/// Every user status, as Okta spells it.
pub const STATUSES: &[&str] = &[
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
];

const EQ: &[Op] = &[Op::Eq];
const ORDERING: &[Op] = &[Op::Eq, Op::Gt, Op::Ge, Op::Lt, Op::Le];
const SEARCH_TEXT: &[Op] = &[Op::Eq, Op::Sw, Op::Gt, Op::Ge, Op::Lt, Op::Le];
const SEARCH_NAME: &[Op] = &[Op::Eq, Op::Sw, Op::Co, Op::Gt, Op::Ge, Op::Lt, Op::Le];

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
        field("status", Own, Enum(STATUSES), EQ, false, Sensitive),
        field("lastUpdated", Own, Date, ORDERING, false, Sensitive),
        field("id", Own, Text, EQ, false, Sensitive),
        field("profile.login", Own, Text, EQ, false, Insensitive),
        field("profile.email", Profile, Text, EQ, false, Sensitive),
        field("profile.firstName", Profile, Text, EQ, false, Sensitive),
        field("profile.lastName", Profile, Text, EQ, false, Sensitive),
        field("type.id", Own, Text, EQ, false, Sensitive),
    ],
    profile: None,
    allow_not: false,
};

/// The rules of `search=` (and of `sortBy`).
pub const SEARCH: Rules = Rules {
    param: "search",
    fields: &[
        field("id", Own, Text, SEARCH_TEXT, true, Sensitive),
        field(
            "status",
            Own,
            Enum(STATUSES),
            SEARCH_TEXT,
            true,
            Insensitive,
        ),
        field("created", Own, Date, ORDERING, true, Sensitive),
        field("activated", Own, Date, ORDERING, true, Sensitive),
        field("statusChanged", Own, Date, ORDERING, true, Sensitive),
        field("lastUpdated", Own, Date, ORDERING, true, Sensitive),
        field("type.id", Own, Text, SEARCH_TEXT, true, Sensitive),
        field("profile.login", Own, Text, SEARCH_NAME, true, Insensitive),
        field(
            "profile.firstName",
            Profile,
            Json,
            SEARCH_NAME,
            true,
            Insensitive,
        ),
        field(
            "profile.lastName",
            Profile,
            Json,
            SEARCH_NAME,
            true,
            Insensitive,
        ),
        field(
            "profile.email",
            Profile,
            Json,
            SEARCH_NAME,
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

/// Parses and checks a `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

/// Parses and checks a `search=` expression.
pub fn parse_search(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &SEARCH)
}

/// Resolves `sortBy` and `sortOrder`. Okta ignores `sortOrder` without `sortBy`, so the
/// caller only calls this when `sortBy` is present.
pub fn parse_sort(sort_by: &str, sort_order: Option<&str>) -> Result<Sort, DomainError> {
    resolve_sort(&SEARCH, sort_by, sort_order)
}

/// The expression `q=` stands for: first name, last name or email starts with `q` (ignoring
/// case), and the user is not `DEPROVISIONED`.
pub fn find(q: &str) -> Resolved {
    let starts_with = |name: &str| Resolved::Compare {
        attribute: Attribute::Profile(name.to_owned()),
        op: Op::Sw,
        value: Value::Text(q.to_owned()),
        case: Insensitive,
    };
    Resolved::And(vec![
        Resolved::Or(vec![
            starts_with("firstName"),
            starts_with("lastName"),
            starts_with("email"),
        ]),
        Resolved::Not(Box::new(Resolved::Compare {
            attribute: Attribute::Named("status"),
            op: Op::Eq,
            value: Value::Text("DEPROVISIONED".to_owned()),
            case: Sensitive,
        })),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::resolve::SortOrder;
    use super::*;
    use crate::time::Timestamp;

    fn filter_cause(input: &str) -> String {
        match parse_filter(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch for {input:?}, got {other:?}"),
        }
    }

    fn search_cause(input: &str) -> String {
        match parse_search(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch for {input:?}, got {other:?}"),
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

    fn profile(name: &str) -> Attribute {
        Attribute::Profile(name.to_owned())
    }

    #[test]
    fn filter_accepts_okta_examples() {
        for status in STATUSES {
            assert_eq!(
                parse_filter(&format!("status eq \"{status}\"")).unwrap(),
                compare(Attribute::Named("status"), Op::Eq, text(status), Sensitive)
            );
        }
        assert_eq!(
            parse_filter(
                r#"lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")"#
            )
            .unwrap(),
            Resolved::And(vec![
                compare(
                    Attribute::Named("lastUpdated"),
                    Op::Gt,
                    Value::Date(Timestamp(1_370_044_800_000)),
                    Sensitive
                ),
                Resolved::Or(vec![
                    compare(Attribute::Named("status"), Op::Eq, text("LOCKED_OUT"), Sensitive),
                    compare(Attribute::Named("status"), Op::Eq, text("RECOVERY"), Sensitive),
                ]),
            ])
        );
        for op in ["eq", "gt", "ge", "lt", "le"] {
            assert!(
                parse_filter(&format!(r#"lastUpdated {op} "2013-06-01T00:00:00.000Z""#)).is_ok()
            );
        }
        assert_eq!(
            parse_filter(r#"id eq "00u1ero7vZFVEIYLWPBN""#).unwrap(),
            compare(
                Attribute::Named("id"),
                Op::Eq,
                text("00u1ero7vZFVEIYLWPBN"),
                Sensitive
            )
        );
        assert_eq!(
            parse_filter(r#"profile.login eq "Login@Example.com""#).unwrap(),
            compare(
                Attribute::Named("profile.login"),
                Op::Eq,
                text("Login@Example.com"),
                Insensitive
            )
        );
        for name in ["email", "firstName", "lastName"] {
            assert_eq!(
                parse_filter(&format!(r#"profile.{name} eq "X""#)).unwrap(),
                compare(profile(name), Op::Eq, text("X"), Sensitive)
            );
        }
        assert_eq!(
            parse_filter(r#"type.id eq "otyfnjfba4ye7pgjB0g4""#).unwrap(),
            compare(
                Attribute::Named("type.id"),
                Op::Eq,
                text("otyfnjfba4ye7pgjB0g4"),
                Sensitive
            )
        );
    }

    #[test]
    fn filter_rejections() {
        assert_eq!(
            filter_cause(r#"not status eq "ACTIVE""#),
            "The 'not' operator is not supported in filter"
        );
        assert_eq!(
            filter_cause(r#"status gt "ACTIVE""#),
            "Operator 'gt' is not supported for 'status' in filter (supported: eq)"
        );
        assert_eq!(
            filter_cause(r#"status ne "ACTIVE""#),
            "Operator 'ne' is not supported for 'status' in filter (supported: eq); combine 'lt' and 'gt' with 'or'"
        );
        assert_eq!(
            filter_cause(r#"profile.firstName sw "J""#),
            "Operator 'sw' is not supported for 'profile.firstName' in filter (supported: eq)"
        );
        assert_eq!(
            filter_cause("profile.email pr"),
            "Operator 'pr' is not supported for 'profile.email' in filter (supported: eq)"
        );
        assert_eq!(
            filter_cause(r#"profile.department eq "Engineering""#),
            "Attribute 'profile.department' is not supported in filter"
        );
        assert_eq!(
            filter_cause(r#"created gt "2013-06-01T00:00:00.000Z""#),
            "Attribute 'created' is not supported in filter"
        );
        assert_eq!(
            filter_cause(r#"Status eq "ACTIVE""#),
            "Attribute 'Status' is not supported in filter"
        );
        // Filter values are case-sensitive, so a lower-case status is not a status.
        assert_eq!(
            filter_cause(r#"status eq "active""#),
            "'active' is not a valid value for 'status' in filter (expected one of: STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED)"
        );
        assert_eq!(
            filter_cause("profile.email eq 5"),
            "'profile.email' takes a string value in double quotes"
        );
        assert_eq!(
            parse_filter(r#"lastUpdated gt "06/01/2013""#),
            Err(DomainError::InvalidDate)
        );
        // Syntax errors come through unchanged.
        assert_eq!(
            filter_cause(r#"status eq "ACTIVE" or"#),
            "Expected an attribute name at end of input"
        );
    }

    #[test]
    fn search_accepts_okta_examples() {
        assert_eq!(
            parse_search(r#"profile.department eq "Engineering" and (created lt "2014-01-01T00:00:00.000Z" or status eq "ACTIVE")"#).unwrap(),
            Resolved::And(vec![
                compare(profile("department"), Op::Eq, text("Engineering"), Insensitive),
                Resolved::Or(vec![
                    compare(
                        Attribute::Named("created"),
                        Op::Lt,
                        Value::Date(Timestamp(1_388_534_400_000)),
                        Sensitive
                    ),
                    compare(Attribute::Named("status"), Op::Eq, text("ACTIVE"), Sensitive),
                ]),
            ])
        );
        assert_eq!(
            parse_search(r#"(status lt "STAGED" or status gt "STAGED")"#).unwrap(),
            Resolved::Or(vec![
                compare(
                    Attribute::Named("status"),
                    Op::Lt,
                    text("STAGED"),
                    Insensitive
                ),
                compare(
                    Attribute::Named("status"),
                    Op::Gt,
                    text("STAGED"),
                    Insensitive
                ),
            ])
        );
        assert_eq!(
            parse_search(r#"profile.arrayAttr eq "arrayAttrVal1""#).unwrap(),
            compare(
                profile("arrayAttr"),
                Op::Eq,
                text("arrayAttrVal1"),
                Insensitive
            )
        );
        assert!(parse_search(r#"profile.mobilePhone sw "555" and status eq "ACTIVE""#).is_ok());
        assert!(parse_search(r#"type.id eq "otyfnjfba4ye7pgjB0g4""#).is_ok());
    }

    #[test]
    fn search_values() {
        // Statuses match ignoring case and are stored canonically.
        assert_eq!(
            parse_search(r#"status eq "locked_out""#).unwrap(),
            compare(
                Attribute::Named("status"),
                Op::Eq,
                text("LOCKED_OUT"),
                Sensitive
            )
        );
        assert_eq!(
            parse_search("profile.intAttr ge 99").unwrap(),
            compare(profile("intAttr"), Op::Ge, Value::Int(99), Insensitive)
        );
        assert_eq!(
            parse_search("profile.numAttr lt 8.88").unwrap(),
            compare(profile("numAttr"), Op::Lt, Value::Float(8.88), Insensitive)
        );
        assert_eq!(
            parse_search("profile.boolAttr eq true").unwrap(),
            compare(profile("boolAttr"), Op::Eq, Value::Bool(true), Insensitive)
        );
        assert_eq!(
            parse_search("not activated pr").unwrap(),
            Resolved::Not(Box::new(Resolved::Present {
                attribute: Attribute::Named("activated")
            }))
        );
        assert_eq!(
            parse_search(r#"profile.login co "brock""#).unwrap(),
            compare(
                Attribute::Named("profile.login"),
                Op::Co,
                text("brock"),
                Insensitive
            )
        );
        for name in ["firstName", "lastName", "email"] {
            assert!(parse_search(&format!(r#"profile.{name} co "x""#)).is_ok());
        }
        for date in ["created", "activated", "statusChanged", "lastUpdated"] {
            assert_eq!(
                parse_search(&format!(r#"{date} ge "2013-01-01T12:00:00.000-07:00""#)).unwrap(),
                compare(
                    Attribute::Named(date),
                    Op::Ge,
                    Value::Date(Timestamp(1_357_066_800_000)),
                    Sensitive
                )
            );
        }
        assert_eq!(
            parse_search(r#"id sw "00u""#).unwrap(),
            compare(Attribute::Named("id"), Op::Sw, text("00u"), Sensitive)
        );
    }

    #[test]
    fn search_rejections() {
        assert_eq!(
            search_cause(r#"status ne "STAGED""#),
            "Operator 'ne' is not supported for 'status' in search (supported: eq, sw, gt, ge, lt, le, pr); combine 'lt' and 'gt' with 'or', or use 'not'"
        );
        assert_eq!(
            search_cause(r#"profile.department ne "x""#),
            "Operator 'ne' is not supported for 'profile.department' in search (supported: eq, sw, gt, ge, lt, le, pr); combine 'lt' and 'gt' with 'or', or use 'not'"
        );
        assert_eq!(
            search_cause(r#"profile.department co "ng""#),
            "Operator 'co' is not supported for 'profile.department' in search (supported: eq, sw, gt, ge, lt, le, pr)"
        );
        assert_eq!(
            search_cause(r#"profile.department ew "ng""#),
            "Operator 'ew' is not supported for 'profile.department' in search (supported: eq, sw, gt, ge, lt, le, pr)"
        );
        assert_eq!(
            search_cause(r#"created sw "2013""#),
            "Operator 'sw' is not supported for 'created' in search (supported: eq, gt, ge, lt, le, pr)"
        );
        assert_eq!(
            search_cause(r#"lastLogin gt "2013-01-01T00:00:00.000Z""#),
            "Attribute 'lastLogin' is not supported in search"
        );
        assert_eq!(
            search_cause(r#"profile.address.city eq "x""#),
            "Attribute 'profile.address.city' is not supported in search"
        );
        assert_eq!(
            search_cause(r#"department eq "x""#),
            "Attribute 'department' is not supported in search"
        );
        assert_eq!(
            search_cause(r#"status eq "GONE""#),
            "'GONE' is not a valid value for 'status' in search (expected one of: STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED)"
        );
        assert_eq!(
            search_cause("profile.age sw 4"),
            "Operator 'sw' on 'profile.age' needs a string value"
        );
        assert_eq!(
            search_cause("profile.admin gt false"),
            "Operator 'gt' on 'profile.admin' needs a string or number value"
        );
        assert_eq!(
            parse_search(r#"created lt "2014-13-01T00:00:00.000Z""#),
            Err(DomainError::InvalidDate)
        );
        assert_eq!(
            search_cause("created lt 2014"),
            "'created' takes a date in double quotes, such as \"2013-06-01T00:00:00.000Z\""
        );
    }

    #[test]
    fn sort() {
        assert_eq!(
            parse_sort("profile.lastName", None).unwrap(),
            Sort {
                attribute: profile("lastName"),
                kind: Json,
                order: SortOrder::Ascending
            }
        );
        assert_eq!(
            parse_sort("lastUpdated", Some("desc")).unwrap(),
            Sort {
                attribute: Attribute::Named("lastUpdated"),
                kind: Date,
                order: SortOrder::Descending
            }
        );
        assert_eq!(
            parse_sort("profile.login", Some("ASC")).unwrap().attribute,
            Attribute::Named("profile.login")
        );
        assert!(matches!(
            parse_sort("lastLogin", None),
            Err(DomainError::InvalidSearch { .. })
        ));
        assert!(matches!(
            parse_sort("profile.lastName", Some("descending")),
            Err(DomainError::InvalidSearch { .. })
        ));
    }

    #[test]
    fn q_is_a_prefix_search_without_deprovisioned_users() {
        let Resolved::And(parts) = find("Jo") else {
            panic!("q is a conjunction")
        };
        assert_eq!(
            parts[0],
            Resolved::Or(vec![
                compare(profile("firstName"), Op::Sw, text("Jo"), Insensitive),
                compare(profile("lastName"), Op::Sw, text("Jo"), Insensitive),
                compare(profile("email"), Op::Sw, text("Jo"), Insensitive),
            ])
        );
        assert_eq!(
            parts[1],
            Resolved::Not(Box::new(compare(
                Attribute::Named("status"),
                Op::Eq,
                text("DEPROVISIONED"),
                Sensitive
            )))
        );
    }
}
