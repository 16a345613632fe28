//! Okta's filter and search expression language (core-okta-api.md, "Filter" and "Operators";
//! users.md, "List Users"): `filter=` and `search=` parse into a syntax tree here, each
//! resource's rules turn that tree into a typed [`Resolved`] tree, and the store compiles the
//! resolved tree to SQL (`store::filter_sql`).
//!
//! - [`parse`]: text → [`Expr`] (syntax only; any attribute path is accepted).
//! - [`resolve()`]: [`Expr`] + a resource's [`Rules`] → [`Resolved`] (attributes, operators and
//!   value types checked; dates converted).
//! - [`users`]: the List Users rules and entry points (`parse_filter`, `parse_search`,
//!   `parse_sort`, `find` for `q`).
//! - [`groups`]: the same for List Groups, and the owners list's `search`.
//!
//! Every error is a [`crate::error::DomainError`]: `InvalidSearch` (E0000031) with a cause a
//! person can act on, or `InvalidDate` (E0000030) for a date value that is not ISO-8601.

pub mod apps;
pub mod groups;
mod lexer;
pub mod logs;
pub mod okta_el;
mod parser;
pub mod resolve;
pub mod trusted_origins;
pub mod users;
pub mod zones;

pub use lexer::Number;
pub use parser::{parse, Expr, Literal, Op, MAX_CONDITIONS, MAX_DEPTH};
pub use resolve::{
    resolve, resolve_sort, Attribute, Case, FieldKind, FieldSpec, ProfileWildcard, Resolved, Rules,
    Sort, SortOrder, Storage, Value,
};
