//! Per-resource rules for Okta's `filter` and `search` expressions (core-okta-api.md, "Filter":
//! "each object defines what attributes and operators are supported"), and the typed tree the
//! store compiles to SQL.
//!
//! A resource describes itself as data: a [`Rules`] value per query parameter, listing its
//! [`FieldSpec`]s (path, where the value lives, its kind, the operators allowed, how strings
//! compare) and optionally a wildcard for `profile.<name>`. [`resolve`] checks a parsed
//! [`Expr`] against those rules and yields a [`Resolved`] tree in which every attribute is
//! known, every value has the right type (dates are [`Timestamp`]s) and every string
//! comparison says whether case matters. Users, groups and apps share this code and differ
//! only in their tables.

use super::parser::{Expr, Literal, Op};
use super::Number;
use crate::error::DomainError;
use crate::time::Timestamp;

/// Whether string comparisons ignore case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

/// The kind of value an attribute holds, which decides the literals it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string (ids, logins, names).
    Text,
    /// A string from a closed set, e.g. a user's status; `eq`/`ne` values must be members.
    Enum(&'static [&'static str]),
    /// An Okta Date: the literal is an ISO-8601 string and comparison is chronological.
    Date,
    /// A profile property of any JSON type: string, number, boolean, or an array of those
    /// (an array matches when any element does).
    Json,
}

/// Where the store keeps an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Outside the JSON profile, under the attribute's Okta path (the store maps the path to
    /// a column). Also used for profile properties the store indexes, such as `profile.login`.
    Own,
    /// Inside the JSON profile, under the path's part after `profile.`.
    Profile,
}

/// One attribute an expression may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The path as written in expressions, e.g. `lastUpdated` or `profile.login`.
    pub path: &'static str,
    pub storage: Storage,
    pub kind: FieldKind,
    /// Operators allowed with a value.
    pub ops: &'static [Op],
    /// Whether `pr` is allowed.
    pub present: bool,
    pub case: Case,
}

/// The rule for any `profile.<name>` not listed among the fields: names are letters, digits
/// and `_`, values are JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileWildcard {
    pub ops: &'static [Op],
    pub present: bool,
    pub case: Case,
}

/// What one query parameter of one resource accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The query parameter, as messages name it: `filter` or `search`.
    pub param: &'static str,
    pub fields: &'static [FieldSpec],
    pub profile: Option<ProfileWildcard>,
    pub allow_not: bool,
}

/// An attribute after resolution: where the store finds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// Stored outside the profile; the store maps this Okta path to its column.
    Named(&'static str),
    /// A property of the JSON profile, by name (without `profile.`).
    Profile(String),
}

/// A comparison value after resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(Timestamp),
}

/// An expression the store can compile: attributes known, values typed.
///
/// Invariants: `And`/`Or` hold at least two operands; `Compare` never pairs a substring or
/// ordering operator with a boolean, nor a substring operator with a number or date.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    And(Vec<Resolved>),
    Or(Vec<Resolved>),
    Not(Box<Resolved>),
    Compare {
        attribute: Attribute,
        op: Op,
        value: Value,
        case: Case,
    },
    Present {
        attribute: Attribute,
    },
}

/// `sortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

/// A resolved `sortBy`/`sortOrder` pair. Rows with equal sort values are ordered by id, in
/// the same direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub attribute: Attribute,
    pub kind: FieldKind,
    pub order: SortOrder,
}

fn invalid(cause: String) -> DomainError {
    DomainError::InvalidSearch { cause }
}

/// The operator keyword list, for messages.
fn op_list(ops: &[Op], present: bool) -> String {
    let mut words: Vec<&str> = ops.iter().map(|op| op.keyword()).collect();
    if present {
        words.push("pr");
    }
    words.join(", ")
}

/// A profile property name Okta accepts: letters, digits and `_`.
fn is_property_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The rule for `path` as a field spec, and where its value lives.
fn lookup(rules: &Rules, path: &str) -> Result<(FieldSpec, Attribute), DomainError> {
    if let Some(spec) = rules.fields.iter().find(|f| f.path == path) {
        let attribute = match spec.storage {
            Storage::Own => Attribute::Named(spec.path),
            Storage::Profile => Attribute::Profile(
                spec.path
                    .strip_prefix("profile.")
                    .unwrap_or(spec.path)
                    .to_owned(),
            ),
        };
        return Ok((*spec, attribute));
    }
    if let (Some(wildcard), Some(name)) = (rules.profile, path.strip_prefix("profile.")) {
        if is_property_name(name) {
            let spec = FieldSpec {
                path: "profile.*",
                storage: Storage::Profile,
                kind: FieldKind::Json,
                ops: wildcard.ops,
                present: wildcard.present,
                case: wildcard.case,
            };
            return Ok((spec, Attribute::Profile(name.to_owned())));
        }
    }
    Err(invalid(format!(
        "Attribute '{path}' is not supported in {}",
        rules.param
    )))
}

/// Checks `expr` against `rules` and types its values.
pub fn resolve(expr: &Expr, rules: &Rules) -> Result<Resolved, DomainError> {
    match expr {
        Expr::And(items) => Ok(Resolved::And(resolve_all(items, rules)?)),
        Expr::Or(items) => Ok(Resolved::Or(resolve_all(items, rules)?)),
        Expr::Not(inner) => {
            if !rules.allow_not {
                return Err(invalid(format!(
                    "The 'not' operator is not supported in {}",
                    rules.param
                )));
            }
            Ok(Resolved::Not(Box::new(resolve(inner, rules)?)))
        }
        Expr::Present { path } => {
            let (spec, attribute) = lookup(rules, path)?;
            if !spec.present {
                return Err(invalid(format!(
                    "Operator 'pr' is not supported for '{path}' in {} (supported: {})",
                    rules.param,
                    op_list(spec.ops, false)
                )));
            }
            Ok(Resolved::Present { attribute })
        }
        Expr::Compare { path, op, value } => {
            let (spec, attribute) = lookup(rules, path)?;
            if !spec.ops.contains(op) {
                let hint = if *op == Op::Ne && rules.allow_not {
                    "; combine 'lt' and 'gt' with 'or', or use 'not'"
                } else if *op == Op::Ne {
                    "; combine 'lt' and 'gt' with 'or'"
                } else {
                    ""
                };
                return Err(invalid(format!(
                    "Operator '{}' is not supported for '{path}' in {} (supported: {}){hint}",
                    op.keyword(),
                    rules.param,
                    op_list(spec.ops, spec.present)
                )));
            }
            let (value, case) = typed_value(path, *op, value, &spec, rules)?;
            Ok(Resolved::Compare {
                attribute,
                op: *op,
                value,
                case,
            })
        }
    }
}

fn resolve_all(items: &[Expr], rules: &Rules) -> Result<Vec<Resolved>, DomainError> {
    items.iter().map(|item| resolve(item, rules)).collect()
}

/// The literal as a value of the attribute's kind, and the case rule for the comparison.
fn typed_value(
    path: &str,
    op: Op,
    literal: &Literal,
    spec: &FieldSpec,
    rules: &Rules,
) -> Result<(Value, Case), DomainError> {
    if *literal == Literal::Null {
        return Err(invalid(format!(
            "'{path}' cannot be compared with null; use '{path} pr' to test for a value"
        )));
    }
    match spec.kind {
        FieldKind::Text => Ok((Value::Text(string_literal(path, literal)?), spec.case)),
        FieldKind::Enum(members) => {
            let text = string_literal(path, literal)?;
            if !matches!(op, Op::Eq | Op::Ne) {
                return Ok((Value::Text(text), spec.case));
            }
            let member = members.iter().find(|m| match spec.case {
                Case::Sensitive => **m == text,
                Case::Insensitive => m.eq_ignore_ascii_case(&text),
            });
            match member {
                // The canonical spelling compares exactly, whatever the mode's case rule.
                Some(m) => Ok((Value::Text((*m).to_owned()), Case::Sensitive)),
                None => Err(invalid(format!(
                    "'{text}' is not a valid value for '{path}' in {} (expected one of: {})",
                    rules.param,
                    members.join(", ")
                ))),
            }
        }
        FieldKind::Date => match literal {
            Literal::String(s) => Timestamp::parse_iso(s)
                .map(|t| (Value::Date(t), spec.case))
                .ok_or(DomainError::InvalidDate),
            _ => Err(invalid(format!(
                "'{path}' takes a date in double quotes, such as \"2013-06-01T00:00:00.000Z\""
            ))),
        },
        FieldKind::Json => match literal {
            Literal::String(s) => Ok((Value::Text(s.clone()), spec.case)),
            Literal::Number(n) if !op.is_substring() => Ok((
                match n {
                    Number::Int(i) => Value::Int(*i),
                    Number::Float(f) => Value::Float(*f),
                },
                spec.case,
            )),
            Literal::Bool(b) if matches!(op, Op::Eq | Op::Ne) => Ok((Value::Bool(*b), spec.case)),
            _ => Err(invalid(format!(
                "Operator '{}' on '{path}' needs a {} value",
                op.keyword(),
                if op.is_substring() {
                    "string"
                } else {
                    "string or number"
                }
            ))),
        },
    }
}

fn string_literal(path: &str, literal: &Literal) -> Result<String, DomainError> {
    match literal {
        Literal::String(s) => Ok(s.clone()),
        _ => Err(invalid(format!(
            "'{path}' takes a string value in double quotes"
        ))),
    }
}

/// Resolves `sortBy` (any attribute `rules` can search, compared by its value) and
/// `sortOrder` (`asc` or `desc`, any case; ascending when absent).
pub fn resolve_sort(
    rules: &Rules,
    sort_by: &str,
    sort_order: Option<&str>,
) -> Result<Sort, DomainError> {
    let (spec, attribute) = lookup(rules, sort_by).map_err(|_| {
        invalid(format!(
            "sortBy '{sort_by}' is not supported; it must name one attribute that {} supports",
            rules.param
        ))
    })?;
    let order = match sort_order {
        None => SortOrder::Ascending,
        Some(o) if o.eq_ignore_ascii_case("asc") => SortOrder::Ascending,
        Some(o) if o.eq_ignore_ascii_case("desc") => SortOrder::Descending,
        Some(other) => {
            return Err(invalid(format!(
                "sortOrder '{other}' is not supported; use 'asc' or 'desc'"
            )))
        }
    };
    Ok(Sort {
        attribute,
        kind: spec.kind,
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    // A made-up resource, to show the machinery is not tied to users.
    const COLORS: &[&str] = &["RED", "GREEN"];
    const RULES: Rules = Rules {
        param: "filter",
        fields: &[
            FieldSpec {
                path: "color",
                storage: Storage::Own,
                kind: FieldKind::Enum(COLORS),
                ops: &[Op::Eq, Op::Ne, Op::Lt],
                present: false,
                case: Case::Insensitive,
            },
            FieldSpec {
                path: "made",
                storage: Storage::Own,
                kind: FieldKind::Date,
                ops: &[Op::Eq, Op::Gt],
                present: true,
                case: Case::Sensitive,
            },
            FieldSpec {
                path: "profile.name",
                storage: Storage::Profile,
                kind: FieldKind::Json,
                ops: &[Op::Eq, Op::Sw],
                present: true,
                case: Case::Sensitive,
            },
        ],
        profile: Some(ProfileWildcard {
            ops: &[Op::Eq, Op::Gt, Op::Co],
            present: true,
            case: Case::Insensitive,
        }),
        allow_not: false,
    };

    fn run(input: &str) -> Result<Resolved, DomainError> {
        resolve(&parse(input).unwrap(), &RULES)
    }

    fn cause(input: &str) -> String {
        match run(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected InvalidSearch for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn enum_values_are_canonicalised_and_compared_exactly() {
        assert_eq!(
            run(r#"color eq "green""#).unwrap(),
            Resolved::Compare {
                attribute: Attribute::Named("color"),
                op: Op::Eq,
                value: Value::Text("GREEN".to_owned()),
                case: Case::Sensitive,
            }
        );
        // Ordering operators take any string, under the field's case rule.
        assert_eq!(
            run(r#"color lt "m""#).unwrap(),
            Resolved::Compare {
                attribute: Attribute::Named("color"),
                op: Op::Lt,
                value: Value::Text("m".to_owned()),
                case: Case::Insensitive,
            }
        );
        assert_eq!(
            cause(r#"color eq "BLUE""#),
            "'BLUE' is not a valid value for 'color' in filter (expected one of: RED, GREEN)"
        );
    }

    #[test]
    fn dates_become_timestamps() {
        assert_eq!(
            run(r#"made gt "1970-01-01T00:00:01.000Z""#).unwrap(),
            Resolved::Compare {
                attribute: Attribute::Named("made"),
                op: Op::Gt,
                value: Value::Date(Timestamp(1000)),
                case: Case::Sensitive,
            }
        );
        assert_eq!(run(r#"made gt "yesterday""#), Err(DomainError::InvalidDate));
        assert_eq!(
            cause("made gt 5"),
            "'made' takes a date in double quotes, such as \"2013-06-01T00:00:00.000Z\""
        );
    }

    #[test]
    fn profile_fields_and_wildcard() {
        assert_eq!(
            run(r#"profile.name sw "Al""#).unwrap(),
            Resolved::Compare {
                attribute: Attribute::Profile("name".to_owned()),
                op: Op::Sw,
                value: Value::Text("Al".to_owned()),
                case: Case::Sensitive,
            }
        );
        assert_eq!(
            run("profile.size gt 2.5").unwrap(),
            Resolved::Compare {
                attribute: Attribute::Profile("size".to_owned()),
                op: Op::Gt,
                value: Value::Float(2.5),
                case: Case::Insensitive,
            }
        );
        assert_eq!(
            run("profile.size pr").unwrap(),
            Resolved::Present {
                attribute: Attribute::Profile("size".to_owned())
            }
        );
        // The explicit field wins over the wildcard: `co` is not listed for it.
        assert_eq!(
            cause(r#"profile.name co "l""#),
            "Operator 'co' is not supported for 'profile.name' in filter (supported: eq, sw, pr)"
        );
    }

    #[test]
    fn rejections() {
        assert_eq!(
            cause(r#"shape eq "x""#),
            "Attribute 'shape' is not supported in filter"
        );
        assert_eq!(
            cause(r#"Color eq "RED""#),
            "Attribute 'Color' is not supported in filter"
        );
        assert_eq!(
            cause(r#"profile.a.b eq "x""#),
            "Attribute 'profile.a.b' is not supported in filter"
        );
        assert_eq!(
            cause(r#"not color eq "RED""#),
            "The 'not' operator is not supported in filter"
        );
        assert_eq!(
            cause("color pr"),
            "Operator 'pr' is not supported for 'color' in filter (supported: eq, ne, lt)"
        );
        assert_eq!(
            cause(r#"made ne "1970-01-01T00:00:01.000Z""#),
            "Operator 'ne' is not supported for 'made' in filter (supported: eq, gt, pr); combine 'lt' and 'gt' with 'or'"
        );
        assert_eq!(
            cause("color eq 1"),
            "'color' takes a string value in double quotes"
        );
        assert_eq!(
            cause("profile.x co 1"),
            "Operator 'co' on 'profile.x' needs a string value"
        );
        assert_eq!(
            cause("profile.x gt true"),
            "Operator 'gt' on 'profile.x' needs a string or number value"
        );
        assert_eq!(
            cause("profile.x eq null"),
            "'profile.x' cannot be compared with null; use 'profile.x pr' to test for a value"
        );
    }

    #[test]
    fn sort() {
        assert_eq!(
            resolve_sort(&RULES, "made", None).unwrap(),
            Sort {
                attribute: Attribute::Named("made"),
                kind: FieldKind::Date,
                order: SortOrder::Ascending
            }
        );
        assert_eq!(
            resolve_sort(&RULES, "profile.anything", Some("DESC")).unwrap(),
            Sort {
                attribute: Attribute::Profile("anything".to_owned()),
                kind: FieldKind::Json,
                order: SortOrder::Descending
            }
        );
        assert_eq!(
            resolve_sort(&RULES, "shape", None),
            Err(DomainError::InvalidSearch {
                cause: "sortBy 'shape' is not supported; it must name one attribute that filter supports"
                    .to_owned()
            })
        );
        assert_eq!(
            resolve_sort(&RULES, "made", Some("up")),
            Err(DomainError::InvalidSearch {
                cause: "sortOrder 'up' is not supported; use 'asc' or 'desc'".to_owned()
            })
        );
    }
}
