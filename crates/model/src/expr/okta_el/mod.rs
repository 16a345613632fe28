//! The Okta Expression Language as group rules use it (groups.md, "Group rule operations" and
//! "Rule object": `conditions.expression.value` with `type` `urn:okta:expression:1.0`, an
//! expression that must yield a Boolean).
//!
//! Group rules take the classic, function-prefixed dialect (`String.stringContains(user.email,
//! "@x")`), not the Identity Engine's method chaining, and Okta limits rule conditions to `user`
//! attributes and the `String`, `Arrays` and group-membership functions. This module parses
//! that subset into a syntax tree ([`parse`]) and evaluates it for one user ([`Expression::evaluate`]).
//!
//! # Accepted
//!
//! - Literals: `'single'` or `"double"` quoted strings (a quote is escaped by doubling it, as
//!   in SpEL, which Okta's language is built on; a backslash is an ordinary character, so
//!   `"\"` is one backslash), integers, decimals, `true`, `false`, `null` (keywords in any case),
//!   inline lists `{1, 'a'}`.
//! - `user.<property>`: a property of the user's profile (a missing one reads as `null`), and
//!   `user.getInternalProperty("id" | "status")` for the two top-level user properties Okta lets
//!   rules read (`user.status` is an ordinary profile lookup, as in Okta).
//! - Operators, loosest first: `c ? a : b` and `a ?: b` (null or empty → `b`); `||` / `OR`;
//!   `&&` / `AND`; `==` `!=` `<` `<=` `>` `>=` (also `eq ne lt le gt ge`), not chainable;
//!   `+` (string concatenation when either side is a string, else addition) and `-`;
//!   prefix `!` / `NOT` and `-`; parentheses. Word operators are case-insensitive.
//! - Functions: `String.` `append`, `join`, `len`, `removeSpaces`, `stringContains`,
//!   `startsWith`, `endsWith`, `stringSwitch`, `substring`, `substringBefore`,
//!   `substringAfter`, `toUpperCase`, `toLowerCase`; `Arrays.` `contains`, `isEmpty`, `size`,
//!   `toCsvString`, `get`, `add`, `remove`, `clear`, `flatten`; `isMemberOfGroup`,
//!   `isMemberOfAnyGroup` (id literals), `isMemberOfGroupName`,
//!   `isMemberOfGroupNameStartsWith`, `isMemberOfGroupNameContains`; and
//!   `user.isMemberOf({'group.id': …})` or `user.isMemberOf({'group.profile.name': …,
//!   'operator': 'EXACT' | 'STARTS_WITH'})`. Names are case-sensitive; a wrong argument count
//!   is a validation error.
//!
//! # Semantics
//!
//! - Strings compare case-sensitively, numbers numerically (`1 == 1.0`), lists element-wise.
//! - `==` between different types is `false` (`!=` is `true`); `null == null` is `true`.
//! - `<`, `<=`, `>`, `>=` compare two numbers or two strings; any other pair, `null` included,
//!   is `false`. (SpEL would order `null` below everything; a rule never matches on a missing
//!   attribute here, which is the conservative reading for granting group membership.)
//! - `!`, `&&`, `||` and the `?` condition need Booleans; anything else is an [`EvalError`].
//!   So is a result that is not a Boolean (`user.isContractor` on a user without it): the
//!   caller treats an error as "the rule does not match this user".
//!
//! # Refused (a validation error at parse time)
//!
//! `Convert.*`, `Time.*` and `Iso3166Convert.*` (Okta does not allow them in rule conditions),
//! `Groups.*` and `getFilteredGroups` (group claims only), anything that needs a regular
//! expression (`isMemberOfGroupNameRegex`, `matches`, `String.replace*`), app, org, IdP or
//! session references, nested paths (`user.profile.x`), method calls on values, `[]` indexing,
//! `*` `/` `%`, assignment, `user.isMemberOf` criteria other than id or name, and expressions
//! longer than [`MAX_SOURCE_CHARS`] or nested deeper than [`MAX_DEPTH`].
//!
//! Every parse failure is one [`DomainError::Validation`] (E0000001) whose summary is
//! `conditions.expression.value`.

mod eval;
mod functions;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::error::DomainError;

pub use eval::EvalError;

/// Longest expression accepted, in characters. Okta publishes no limit for rule expressions;
/// this bound keeps hostile input cheap to reject.
pub const MAX_SOURCE_CHARS: usize = 1024;
/// Deepest nesting of parentheses, prefix operators, function arguments, lists and
/// conditional branches accepted, so parsing and evaluation cannot exhaust the stack.
pub const MAX_DEPTH: usize = 32;

/// The request field every parse error names.
const FIELD: &str = "conditions.expression.value";

/// A parsed group-rule condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: parser::Node,
    source: String,
}

/// A top-level user property that `user.getInternalProperty(...)` may read in a group rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InternalProperty {
    /// The user's id (`00u…`).
    Id,
    /// The user's status as Okta spells it (`ACTIVE`, `SUSPENDED`, …).
    Status,
}

impl InternalProperty {
    /// The name as written in the expression.
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Status => "status",
        }
    }
}

/// What an expression may read about the user it is evaluated for.
pub trait EvalContext {
    /// The user's profile property `name` (`department`, `login`, …), if set.
    fn attribute(&self, name: &str) -> Option<serde_json::Value>;
    /// Whether the user is a member of the group with this id.
    fn is_member_of(&self, group_id: &str) -> bool;
    /// The names of the user's groups, for the name-matching membership functions.
    fn group_names(&self) -> Vec<String>;
    /// A top-level user property read through `user.getInternalProperty`; `None` reads as null.
    fn internal_property(&self, _property: InternalProperty) -> Option<String> {
        None
    }
}

/// An [`EvalContext`] held in memory: a profile, the user's group ids and group names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapContext {
    pub profile: serde_json::Map<String, serde_json::Value>,
    pub group_ids: Vec<String>,
    pub group_names: Vec<String>,
}

impl EvalContext for MapContext {
    fn attribute(&self, name: &str) -> Option<serde_json::Value> {
        self.profile.get(name).cloned()
    }

    fn is_member_of(&self, group_id: &str) -> bool {
        self.group_ids.iter().any(|id| id == group_id)
    }

    fn group_names(&self) -> Vec<String> {
        self.group_names.clone()
    }
}

/// Parses a group rule's `conditions.expression.value`.
///
/// Errors are [`DomainError::Validation`] with summary `conditions.expression.value` and one
/// cause naming what is wrong and, for syntax errors, the 0-based character position.
pub fn parse(source: &str) -> Result<Expression, DomainError> {
    parser::parse(source)
        .map(|root| Expression {
            root,
            source: source.to_owned(),
        })
        .map_err(|detail| DomainError::Validation {
            summary: FIELD.to_owned(),
            causes: vec![format!("{FIELD}: {detail}")],
        })
}

/// Parses a token claim's `value` (an expression of any type, which may read `user.*`,
/// `appuser.*` and `app.*`). Errors are [`DomainError::Validation`] on `value`.
pub fn parse_value(source: &str) -> Result<Expression, DomainError> {
    parser::parse_value(source)
        .map(|root| Expression {
            root,
            source: source.to_owned(),
        })
        .map_err(|detail| DomainError::Validation {
            summary: "value".to_owned(),
            causes: vec![format!("value: {detail}")],
        })
}

impl Expression {
    /// The value for the user behind `ctx` (a token claim's value).
    pub fn value(&self, ctx: &dyn EvalContext) -> Result<serde_json::Value, EvalError> {
        eval::value(&self.root, ctx)
    }

    /// Whether the rule matches the user behind `ctx`. An error (a non-Boolean result or
    /// operand, an overflow) means the rule cannot decide; callers treat it as no match.
    pub fn evaluate(&self, ctx: &dyn EvalContext) -> Result<bool, EvalError> {
        eval::evaluate(&self.root, ctx)
    }

    /// Group ids named by `isMemberOfGroup`, `isMemberOfAnyGroup` and
    /// `user.isMemberOf({'group.id': …})`, in order of appearance, without repeats: the server
    /// checks they exist and marks the rule INVALID when one is deleted.
    pub fn referenced_group_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for node in self.root.walk() {
            if let parser::Node::MemberOf(parser::GroupMatch::Ids(named)) = node {
                for id in named {
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
            }
        }
        ids
    }

    /// Profile properties read as `user.<property>`, in order of appearance, without repeats,
    /// for checking against the user schema.
    pub fn referenced_attributes(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for node in self.root.walk() {
            if let parser::Node::Attribute(name) = node {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// The expression as it was written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}
