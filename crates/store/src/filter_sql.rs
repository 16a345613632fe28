//! Compiles resolved `filter`/`search`/`q` expressions and `sortBy`/`sortOrder` of the list
//! endpoints (users.md, "List Users"; core-okta-api.md, "Filter") into SQL for one dialect.
//!
//! Invariants:
//! - User text never enters SQL text: every value, pattern and profile property name is a
//!   `$n` parameter (both backends accept `$n`), numbered from the caller's [`Params`], so the
//!   caller can append its own keyset and limit parameters.
//! - Every condition is two-valued (never SQL NULL), so `not` means "does not match": an
//!   absent attribute does not match `eq`/`gt`/… and does match their negation.
//! - Case-insensitive comparison folds ASCII letters only, identically in SQLite (`lower`) and
//!   PostgreSQL (`lower` under the "C" collation), and `str::to_ascii_lowercase` reproduces it.
//!   Folded columns are the exception: `login_lower` holds
//!   `model::users::profile::login_lower` (case and Latin diacritics folded), and values
//!   compared with it are folded by that same function.
//! - Text orders bytewise (code-point order) on both backends, so a page boundary means the
//!   same thing everywhere.
//! - A profile property that holds an array matches when any element matches; strings match
//!   strings, numbers match numbers (numerically), booleans match booleans.
//!
//! Sorting: `ORDER BY key, id` in one direction, and [`SortSql::after`] builds the keyset
//! predicate `(key, id) > (last key, last id)` (`<` when descending). Absent dates sort as
//! -1 (before every real date); profile properties sort by their string value ('' when absent
//! or not a string), case-insensitively.

use model::expr::{Attribute, Case, Op, Resolved, Sort, SortOrder, Value};
use serde_json::Value as Json;

use crate::records::{GroupRecord, UserRecord};

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// The parameters of one statement, numbered `$first`, `$first + 1`, ….
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    first: usize,
    values: Vec<SqlValue>,
    /// Profile attributes known to hold one string wherever set (see
    /// `UserQuery::text_attributes`).
    text_attributes: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Self::starting_at(1)
    }
}

impl Params {
    /// Parameters numbered from `first` (1 for a statement with no earlier parameters).
    pub fn starting_at(first: usize) -> Self {
        Self {
            first: first.max(1),
            values: Vec::new(),
            text_attributes: Vec::new(),
        }
    }

    /// Compiles with `names` known to hold one string wherever set: an `eq` on one of them
    /// also compares the attribute as a plain value, which its search index answers.
    pub fn with_text_attributes(mut self, names: &[String]) -> Self {
        self.text_attributes = names.to_vec();
        self
    }

    fn is_text_attribute(&self, name: &str) -> bool {
        self.text_attributes.iter().any(|n| n == name)
            && crate::profile_index_sql::indexable_name(name)
    }

    /// Adds a value and returns its placeholder.
    pub fn push(&mut self, value: SqlValue) -> String {
        let placeholder = format!("${}", self.next_index());
        self.values.push(value);
        placeholder
    }

    /// The number the next pushed parameter gets.
    pub fn next_index(&self) -> usize {
        self.first + self.values.len()
    }

    pub fn values(&self) -> &[SqlValue] {
        &self.values
    }

    /// The values, to bind in order.
    pub fn into_values(self) -> Vec<SqlValue> {
        self.values
    }
}

/// How a column holds an attribute.
#[derive(Debug, Clone, Copy)]
pub enum ColumnKind {
    /// Text as the client wrote it.
    Text,
    /// Text the store keeps folded by this function (e.g. `login_lower`); values are folded
    /// the same way before comparison, so it always compares case-insensitively.
    Folded(fn(&str) -> String),
    /// Epoch milliseconds (an Okta Date).
    Millis,
}

/// Where one attribute (by its Okta path) lives.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub attribute: &'static str,
    /// The column as SQL names it (qualify it when the statement joins tables).
    pub sql: &'static str,
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// The columns of one resource's table.
#[derive(Debug, Clone, Copy)]
pub struct TableMap {
    /// The id column, which breaks ties in every order.
    pub id: &'static str,
    /// The JSON profile column.
    pub profile: &'static str,
    pub columns: &'static [Column],
}

const fn column(
    attribute: &'static str,
    sql: &'static str,
    kind: ColumnKind,
    nullable: bool,
) -> Column {
    Column {
        attribute,
        sql,
        kind,
        nullable,
    }
}

/// The `users` table of both backends.
pub const USERS: TableMap = TableMap {
    id: "id",
    profile: "profile",
    columns: &[
        column("id", "id", ColumnKind::Text, false),
        column("status", "status", ColumnKind::Text, false),
        column("type.id", "type_id", ColumnKind::Text, false),
        column(
            "profile.login",
            "login_lower",
            ColumnKind::Folded(model::users::profile::login_lower),
            false,
        ),
        column("created", "created", ColumnKind::Millis, false),
        column("activated", "activated", ColumnKind::Millis, true),
        column("statusChanged", "status_changed", ColumnKind::Millis, true),
        column("lastUpdated", "last_updated", ColumnKind::Millis, false),
        column("lastLogin", "last_login", ColumnKind::Millis, true),
        column(
            "passwordChanged",
            "password_changed",
            ColumnKind::Millis,
            true,
        ),
    ],
};

/// The `groups` table of both backends (groups.md, "List Groups").
pub const GROUPS: TableMap = TableMap {
    id: "id",
    profile: "profile",
    columns: &[
        column("id", "id", ColumnKind::Text, false),
        column("type", "type", ColumnKind::Text, false),
        column("created", "created", ColumnKind::Millis, false),
        column("lastUpdated", "last_updated", ColumnKind::Millis, false),
        column(
            "lastMembershipUpdated",
            "last_membership_updated",
            ColumnKind::Millis,
            false,
        ),
        column("source.id", "source_id", ColumnKind::Text, true),
        column(
            "profile.name",
            "name_lower",
            ColumnKind::Folded(model::groups::group::name_lower),
            false,
        ),
    ],
};

/// The `group_owners` table of both backends, for the owners list's `search`.
pub const GROUP_OWNERS: TableMap = TableMap {
    id: "owner_id",
    profile: "NULL",
    columns: &[
        column("id", "owner_id", ColumnKind::Text, false),
        column("type", "owner_type", ColumnKind::Text, false),
    ],
};

/// Why an expression could not be compiled: the model and the table map disagree (a bug,
/// not a client error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterSqlError {
    #[error("attribute {0} has no column in the table map")]
    UnmappedAttribute(String),
    #[error("{0} cannot be compared with this value")]
    ValueMismatch(String),
}

/// What differs between SQLite and PostgreSQL. Arguments named `key` are placeholders of a
/// [`SqlDialect::json_key`] parameter; the element accessors refer to the row alias that
/// [`SqlDialect::any_element`] introduces.
pub trait SqlDialect: Send + Sync {
    /// The parameter value that addresses profile property `name`.
    fn json_key(&self, name: &str) -> SqlValue;

    /// True when some element of the property satisfies `condition`: the property itself when
    /// it is a scalar, each item when it is an array, nothing when it is absent or an object.
    fn any_element(&self, json_column: &str, key: &str, condition: &str) -> String;

    /// The element is a JSON string.
    fn element_is_string(&self) -> &'static str;

    /// The element's string value (valid when it is a string).
    fn element_text(&self) -> &'static str;

    /// The element is a number and compares with `value` (an `Int` or a `Float`) by `sql_op`
    /// (`=`, `>`, …). The dialect binds the value: the SQL text must not depend on which of
    /// the two it is unless the parameter type follows it, since PostgreSQL fixes parameter
    /// types when a statement is first prepared and sqlx caches statements by text.
    fn element_number_compare(&self, sql_op: &str, value: SqlValue, params: &mut Params) -> String;

    /// The element is the boolean `param`.
    fn element_bool_equals(&self, param: &str) -> String;

    /// The element has a value: neither null nor the empty string.
    fn element_is_present(&self) -> &'static str;

    /// The property's string value, or '' when it is absent or not a string.
    fn json_string_or_empty(&self, json_column: &str, key: &str) -> String;

    /// `expr` with ASCII letters lower-cased (and, for ordering, compared bytewise).
    fn lower(&self, expr: &str) -> String;

    /// `expr` compared and ordered bytewise.
    fn bytewise(&self, expr: &str) -> String;

    /// What follows an id column in a keyset condition or `ORDER BY` so ids compare bytewise
    /// (nothing where text already does).
    fn bytes_collation(&self) -> &'static str;

    /// The function that returns the larger of its arguments.
    fn greatest(&self) -> &'static str;

    /// What follows a `SELECT` of a row the transaction goes on to rewrite, so a writer on
    /// another node waits for it (nothing where one writer is the rule).
    fn for_update(&self) -> &'static str;

    /// What follows a `SELECT` of rows a worker claims, so workers on other nodes pass over
    /// them instead of waiting.
    fn skip_locked(&self) -> &'static str;

    /// A statement that takes the write lock on user `$1` before the user is read, where a
    /// locking read (`for_update`) does not exist.
    fn write_lock_user(&self) -> Option<&'static str>;

    /// Text field `field` of JSON column `column` (the expression its index is built on).
    fn json_text(&self, column: &str, field: &str) -> String;

    /// Field `field` of JSON column `column` is a string.
    fn json_is_string(&self, column: &str, field: &str) -> String;

    /// The names of the built, usable indexes named `users_profile_*_idx` on `users`.
    fn profile_indexes_sql(&self) -> &'static str;

    /// How an index is created when it does not exist yet (followed by its name).
    fn create_index(&self) -> &'static str;

    /// How an index is dropped if it exists (followed by its name).
    fn drop_index(&self) -> &'static str;

    /// `subject` starts with (`sw`), contains (`co`) or ends with (`ew`) `value`. `subject` is
    /// already folded when `case` is insensitive, and `value` is folded to match. The default
    /// is `LIKE` with `%`, `_` and `\` escaped.
    fn substring_match(
        &self,
        subject: &str,
        op: Op,
        value: &str,
        case: Case,
        params: &mut Params,
    ) -> String {
        let _ = case;
        let pattern = params.push(SqlValue::Text(like_pattern(op, value)));
        format!("{subject} LIKE {pattern} ESCAPE '\\'")
    }
}

/// A `LIKE` pattern for `value` under `op`, with `\`, `%` and `_` escaped by `\`.
pub fn like_pattern(op: Op, value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    match op {
        Op::Sw => format!("{escaped}%"),
        Op::Ew => format!("%{escaped}"),
        _ => format!("%{escaped}%"),
    }
}

fn sql_operator(op: Op) -> &'static str {
    match op {
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Ne => "<>",
        _ => "=",
    }
}

fn column_for<'t>(table: &'t TableMap, attribute: &str) -> Result<&'t Column, FilterSqlError> {
    table
        .columns
        .iter()
        .find(|c| c.attribute == attribute)
        .ok_or_else(|| FilterSqlError::UnmappedAttribute(attribute.to_owned()))
}

/// The WHERE condition for `expr`; its values are appended to `params`.
pub fn compile_filter(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    expr: &Resolved,
    params: &mut Params,
) -> Result<String, FilterSqlError> {
    match expr {
        Resolved::And(items) => join(dialect, table, items, " AND ", params),
        Resolved::Or(items) => join(dialect, table, items, " OR ", params),
        Resolved::Not(inner) => Ok(format!(
            "(NOT {})",
            compile_filter(dialect, table, inner, params)?
        )),
        Resolved::Present { attribute } => present(dialect, table, attribute, params),
        Resolved::Compare {
            attribute,
            op: Op::Ne,
            value,
            case,
        } => {
            let equal = compare(dialect, table, attribute, Op::Eq, value, *case, params)?;
            Ok(format!("(NOT {equal})"))
        }
        Resolved::Compare {
            attribute,
            op,
            value,
            case,
        } => compare(dialect, table, attribute, *op, value, *case, params),
    }
}

fn join(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    items: &[Resolved],
    joiner: &str,
    params: &mut Params,
) -> Result<String, FilterSqlError> {
    let parts = items
        .iter()
        .map(|item| compile_filter(dialect, table, item, params))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("({})", parts.join(joiner)))
}

fn present(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    attribute: &Attribute,
    params: &mut Params,
) -> Result<String, FilterSqlError> {
    match attribute {
        Attribute::Named(name) => {
            let column = column_for(table, name)?;
            let c = column.sql;
            Ok(match (column.kind, column.nullable) {
                (ColumnKind::Millis, _) => format!("({c} IS NOT NULL)"),
                (_, true) => format!("({c} IS NOT NULL AND {c} <> '')"),
                (_, false) => format!("({c} <> '')"),
            })
        }
        Attribute::Profile(name) => {
            let key = params.push(dialect.json_key(name));
            Ok(dialect.any_element(table.profile, &key, dialect.element_is_present()))
        }
    }
}

/// A comparison with `op` other than `ne`.
fn compare(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    attribute: &Attribute,
    op: Op,
    value: &Value,
    case: Case,
    params: &mut Params,
) -> Result<String, FilterSqlError> {
    let mismatch = || FilterSqlError::ValueMismatch(format!("{attribute:?} {}", op.keyword()));
    match attribute {
        Attribute::Named(name) => {
            let column = column_for(table, name)?;
            let c = column.sql;
            let condition = match (column.kind, value) {
                (ColumnKind::Millis, Value::Date(t)) if !op.is_substring() => {
                    let p = params.push(SqlValue::Int(t.millis()));
                    format!("{c} {} {p}", sql_operator(op))
                }
                (ColumnKind::Millis, Value::Int(ms)) if !op.is_substring() => {
                    let p = params.push(SqlValue::Int(*ms));
                    format!("{c} {} {p}", sql_operator(op))
                }
                (ColumnKind::Text, Value::Text(text)) => {
                    text_condition(dialect, c, op, text, case, params)
                }
                (ColumnKind::Folded(fold), Value::Text(text)) => {
                    text_condition(dialect, c, op, &fold(text), Case::Sensitive, params)
                }
                _ => return Err(mismatch()),
            };
            Ok(if column.nullable {
                format!("({c} IS NOT NULL AND {condition})")
            } else {
                format!("({condition})")
            })
        }
        Attribute::Profile(name) => {
            // A text attribute compares as a plain value first: the same rows (it never holds
            // an array), and the index on `lower(value), id` can find them.
            let plain = match value {
                Value::Text(text) if op == Op::Eq && params.is_text_attribute(name) => {
                    let subject = dialect.json_text(table.profile, name);
                    Some(text_condition(dialect, &subject, op, text, case, params))
                }
                _ => None,
            };
            let condition = match value {
                Value::Text(text) => {
                    let matches =
                        text_condition(dialect, dialect.element_text(), op, text, case, params);
                    format!("{} AND {matches}", dialect.element_is_string())
                }
                Value::Int(n) if !op.is_substring() => {
                    dialect.element_number_compare(sql_operator(op), SqlValue::Int(*n), params)
                }
                Value::Float(n) if !op.is_substring() => {
                    dialect.element_number_compare(sql_operator(op), SqlValue::Float(*n), params)
                }
                Value::Bool(b) if op == Op::Eq => {
                    let p = params.push(SqlValue::Bool(*b));
                    dialect.element_bool_equals(&p)
                }
                _ => return Err(mismatch()),
            };
            let key = params.push(dialect.json_key(name));
            let any = dialect.any_element(table.profile, &key, &condition);
            Ok(match plain {
                Some(plain) => format!("({plain} AND {any})"),
                None => any,
            })
        }
    }
}

/// `subject op value` for text, honouring `case`.
fn text_condition(
    dialect: &dyn SqlDialect,
    subject: &str,
    op: Op,
    value: &str,
    case: Case,
    params: &mut Params,
) -> String {
    let (subject, value) = match case {
        Case::Sensitive => (subject.to_owned(), value.to_owned()),
        Case::Insensitive => (dialect.lower(subject), value.to_ascii_lowercase()),
    };
    if op.is_substring() {
        return dialect.substring_match(&subject, op, &value, case, params);
    }
    let p = params.push(SqlValue::Text(value));
    if op.is_ordering() {
        format!("{} {} {p}", dialect.bytewise(&subject), sql_operator(op))
    } else {
        format!("{subject} {} {p}", sql_operator(op))
    }
}

/// The type of a sort key, as the cursor carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A JSON string in the cursor; bound as text.
    Text,
    /// A JSON integer in the cursor (epoch milliseconds); bound as an integer.
    Int,
}

/// A compiled order: `ORDER BY key, id` (one direction) and its keyset predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortSql {
    /// None when ordering by id alone.
    key: Option<(String, KeyKind)>,
    id: String,
    descending: bool,
}

impl SortSql {
    /// Order by id alone (lists without `sortBy`, or pages of a `filter`).
    pub fn by_id(dialect: &dyn SqlDialect, table: &TableMap, order: SortOrder) -> Self {
        Self {
            key: None,
            id: dialect.bytewise(table.id),
            descending: order == SortOrder::Descending,
        }
    }

    /// The sort key expression (to SELECT it, e.g. to check a cursor), if any.
    pub fn key_sql(&self) -> Option<&str> {
        self.key.as_ref().map(|(sql, _)| sql.as_str())
    }

    pub fn key_kind(&self) -> Option<KeyKind> {
        self.key.as_ref().map(|(_, kind)| *kind)
    }

    /// The ORDER BY list, without the keywords.
    pub fn order_by(&self) -> String {
        let direction = if self.descending { "DESC" } else { "ASC" };
        match &self.key {
            Some((key, _)) => format!("{key} {direction}, {} {direction}", self.id),
            None => format!("{} {direction}", self.id),
        }
    }

    /// The condition "after the row with sort value `key` and id `id`". None when `key` does
    /// not have this order's type (a cursor from another query: the caller answers E0000029).
    pub fn after(&self, key: &Json, id: &str, params: &mut Params) -> Option<String> {
        let operator = if self.descending { "<" } else { ">" };
        match &self.key {
            None => {
                let id_param = params.push(SqlValue::Text(id.to_owned()));
                Some(format!("({} {operator} {id_param})", self.id))
            }
            Some((sql, kind)) => {
                let value = match kind {
                    KeyKind::Text => SqlValue::Text(key.as_str()?.to_owned()),
                    KeyKind::Int => SqlValue::Int(key.as_i64()?),
                };
                let key_param = params.push(value);
                let id_param = params.push(SqlValue::Text(id.to_owned()));
                Some(format!(
                    "(({sql}, {}) {operator} ({key_param}, {id_param}))",
                    self.id
                ))
            }
        }
    }
}

/// Compiles a resolved `sortBy`/`sortOrder`; the profile key (if any) is appended to `params`.
pub fn compile_sort(
    dialect: &dyn SqlDialect,
    table: &TableMap,
    sort: &Sort,
    params: &mut Params,
) -> Result<SortSql, FilterSqlError> {
    let key = match &sort.attribute {
        Attribute::Named(name) => {
            let column = column_for(table, name)?;
            let c = column.sql;
            match (column.kind, column.nullable) {
                (ColumnKind::Millis, false) => (c.to_owned(), KeyKind::Int),
                (ColumnKind::Millis, true) => (format!("COALESCE({c}, -1)"), KeyKind::Int),
                (ColumnKind::Text, false) => (dialect.lower(c), KeyKind::Text),
                (ColumnKind::Text, true) => {
                    (dialect.lower(&format!("COALESCE({c}, '')")), KeyKind::Text)
                }
                (ColumnKind::Folded(_), false) => (dialect.bytewise(c), KeyKind::Text),
                (ColumnKind::Folded(_), true) => (
                    dialect.bytewise(&format!("COALESCE({c}, '')")),
                    KeyKind::Text,
                ),
            }
        }
        Attribute::Profile(name) => {
            let key = params.push(dialect.json_key(name));
            let text = dialect.json_string_or_empty(table.profile, &key);
            (dialect.lower(&text), KeyKind::Text)
        }
    };
    Ok(SortSql {
        key: Some(key),
        id: dialect.bytewise(table.id),
        descending: sort.order == SortOrder::Descending,
    })
}

/// The sort value of `user` under `sort`, exactly as the SQL key computes it, for the `after`
/// cursor of the page that ends with this user.
pub fn user_sort_key(sort: &Sort, user: &UserRecord) -> Json {
    let millis = |v: Option<i64>| Json::from(v.unwrap_or(-1));
    match &sort.attribute {
        Attribute::Named("id") => Json::from(user.id.to_ascii_lowercase()),
        Attribute::Named("status") => Json::from(user.status.to_ascii_lowercase()),
        Attribute::Named("type.id") => Json::from(user.type_id.to_ascii_lowercase()),
        Attribute::Named("profile.login") => Json::from(user.login_lower()),
        Attribute::Named("created") => Json::from(user.created),
        Attribute::Named("lastUpdated") => Json::from(user.last_updated),
        Attribute::Named("activated") => millis(user.activated),
        Attribute::Named("statusChanged") => millis(user.status_changed),
        Attribute::Named("lastLogin") => millis(user.last_login),
        Attribute::Named("passwordChanged") => millis(user.password_changed),
        Attribute::Named(_) => Json::Null,
        Attribute::Profile(name) => Json::from(
            user.profile
                .get(name)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase(),
        ),
    }
}

/// The sort value of `group` under `sort`, exactly as the SQL key computes it, for the `after`
/// cursor of the page that ends with this group.
pub fn group_sort_key(sort: &Sort, group: &GroupRecord) -> Json {
    match &sort.attribute {
        Attribute::Named("id") => Json::from(group.id.to_ascii_lowercase()),
        Attribute::Named("type") => Json::from(group.group_type.to_ascii_lowercase()),
        Attribute::Named("source.id") => Json::from(
            group
                .source_id
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        ),
        Attribute::Named("profile.name") => Json::from(group.name_lower()),
        Attribute::Named("created") => Json::from(group.created),
        Attribute::Named("lastUpdated") => Json::from(group.last_updated),
        Attribute::Named("lastMembershipUpdated") => Json::from(group.last_membership_updated),
        Attribute::Named(_) => Json::Null,
        Attribute::Profile(name) => Json::from(
            group
                .profile
                .get(name)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::expr::users;

    /// A dialect that makes the generic structure easy to read in assertions.
    struct Plain;

    impl SqlDialect for Plain {
        fn json_key(&self, name: &str) -> SqlValue {
            SqlValue::Text(name.to_owned())
        }
        fn any_element(&self, json_column: &str, key: &str, condition: &str) -> String {
            format!("ANY({json_column}[{key}]: {condition})")
        }
        fn element_is_string(&self) -> &'static str {
            "is_str(e)"
        }
        fn element_text(&self) -> &'static str {
            "e"
        }
        fn element_number_compare(
            &self,
            sql_op: &str,
            value: SqlValue,
            params: &mut Params,
        ) -> String {
            let param = params.push(value);
            format!("is_num(e) AND e {sql_op} {param}")
        }
        fn element_bool_equals(&self, param: &str) -> String {
            format!("e IS {param}")
        }
        fn element_is_present(&self) -> &'static str {
            "has(e)"
        }
        fn json_string_or_empty(&self, json_column: &str, key: &str) -> String {
            format!("str({json_column}[{key}])")
        }
        fn lower(&self, expr: &str) -> String {
            format!("lower({expr})")
        }
        fn bytewise(&self, expr: &str) -> String {
            format!("bytes({expr})")
        }
        fn bytes_collation(&self) -> &'static str {
            ""
        }
        fn greatest(&self) -> &'static str {
            "max"
        }
        fn for_update(&self) -> &'static str {
            ""
        }
        fn skip_locked(&self) -> &'static str {
            ""
        }
        fn write_lock_user(&self) -> Option<&'static str> {
            None
        }
        fn json_text(&self, column: &str, field: &str) -> String {
            format!("{column}.{field}")
        }
        fn json_is_string(&self, column: &str, field: &str) -> String {
            format!("is_str({column}.{field})")
        }
        fn profile_indexes_sql(&self) -> &'static str {
            ""
        }
        fn create_index(&self) -> &'static str {
            "CREATE INDEX"
        }
        fn drop_index(&self) -> &'static str {
            "DROP INDEX"
        }
    }

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.to_owned())
    }

    fn filter(input: &str) -> (String, Vec<SqlValue>) {
        let mut params = Params::default();
        let sql = compile_filter(
            &Plain,
            &USERS,
            &users::parse_filter(input).unwrap(),
            &mut params,
        )
        .unwrap();
        (sql, params.into_values())
    }

    fn search(input: &str) -> (String, Vec<SqlValue>) {
        let mut params = Params::default();
        let sql = compile_filter(
            &Plain,
            &USERS,
            &users::parse_search(input).unwrap(),
            &mut params,
        )
        .unwrap();
        (sql, params.into_values())
    }

    #[test]
    fn params_number_from_the_start_index() {
        let mut params = Params::starting_at(3);
        assert_eq!(params.push(SqlValue::Int(1)), "$3");
        assert_eq!(params.push(SqlValue::Bool(true)), "$4");
        assert_eq!(params.next_index(), 5);
        assert_eq!(params.values(), &[SqlValue::Int(1), SqlValue::Bool(true)]);
        assert_eq!(Params::starting_at(0).next_index(), 1);
        assert_eq!(Params::default().next_index(), 1);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(Op::Sw, "a%b_c\\d"), "a\\%b\\_c\\\\d%");
        assert_eq!(like_pattern(Op::Co, "x"), "%x%");
        assert_eq!(like_pattern(Op::Ew, "x"), "%x");
    }

    #[test]
    fn filter_on_columns() {
        assert_eq!(
            filter(r#"status eq "ACTIVE" or status eq "STAGED""#),
            (
                "((status = $1) OR (status = $2))".to_owned(),
                vec![text("ACTIVE"), text("STAGED")]
            )
        );
        assert_eq!(
            filter(r#"lastUpdated gt "1970-01-01T00:00:01.000Z" and id eq "00u1""#),
            (
                "((last_updated > $1) AND (id = $2))".to_owned(),
                vec![SqlValue::Int(1000), text("00u1")]
            )
        );
        // The login is compared through its folded column, folded as the store folds it.
        assert_eq!(
            filter(r#"profile.login eq "Ärna@Example.com""#),
            (
                "(login_lower = $1)".to_owned(),
                vec![text("arna@example.com")]
            )
        );
        assert_eq!(
            filter(r#"profile.email eq "A@x.io""#),
            (
                "ANY(profile[$2]: is_str(e) AND e = $1)".to_owned(),
                vec![text("A@x.io"), text("email")]
            )
        );
    }

    #[test]
    fn search_on_columns() {
        assert_eq!(
            search(r#"status lt "STAGED""#),
            (
                "(bytes(lower(status)) < $1)".to_owned(),
                vec![text("staged")]
            )
        );
        // Nullable columns never yield NULL, so `not` includes users without the date.
        assert_eq!(
            search(r#"not activated le "1970-01-01T00:00:00.000Z""#),
            (
                "(NOT (activated IS NOT NULL AND activated <= $1))".to_owned(),
                vec![SqlValue::Int(0)]
            )
        );
        assert_eq!(
            search("activated pr and type.id pr"),
            (
                "((activated IS NOT NULL) AND (type_id <> ''))".to_owned(),
                vec![]
            )
        );
        assert_eq!(
            search(r#"id sw "00u""#),
            ("(id LIKE $1 ESCAPE '\\')".to_owned(), vec![text("00u%")])
        );
        assert_eq!(
            search(r#"profile.login co "O_K""#),
            (
                "(login_lower LIKE $1 ESCAPE '\\')".to_owned(),
                vec![text("%o\\_k%")]
            )
        );
    }

    #[test]
    fn search_on_profile() {
        assert_eq!(
            search(r#"profile.department sw "Eng%""#),
            (
                "ANY(profile[$2]: is_str(e) AND lower(e) LIKE $1 ESCAPE '\\')".to_owned(),
                vec![text("eng\\%%"), text("department")]
            )
        );
        assert_eq!(
            search("profile.age ge 30"),
            (
                "ANY(profile[$2]: is_num(e) AND e >= $1)".to_owned(),
                vec![SqlValue::Int(30), text("age")]
            )
        );
        assert_eq!(
            search("profile.score lt 8.5"),
            (
                "ANY(profile[$2]: is_num(e) AND e < $1)".to_owned(),
                vec![SqlValue::Float(8.5), text("score")]
            )
        );
        assert_eq!(
            search("profile.admin eq true"),
            (
                "ANY(profile[$2]: e IS $1)".to_owned(),
                vec![SqlValue::Bool(true), text("admin")]
            )
        );
        assert_eq!(
            search("profile.tags pr"),
            ("ANY(profile[$1]: has(e))".to_owned(), vec![text("tags")])
        );
        assert_eq!(
            search(r#"profile.a gt "M""#),
            (
                "ANY(profile[$2]: is_str(e) AND bytes(lower(e)) > $1)".to_owned(),
                vec![text("m"), text("a")]
            )
        );
    }

    #[test]
    fn q_compiles_to_prefixes_without_deprovisioned() {
        let mut params = Params::starting_at(1);
        let sql = compile_filter(&Plain, &USERS, &users::find("Jo"), &mut params).unwrap();
        assert_eq!(
            sql,
            "((ANY(profile[$2]: is_str(e) AND lower(e) LIKE $1 ESCAPE '\\') \
             OR ANY(profile[$4]: is_str(e) AND lower(e) LIKE $3 ESCAPE '\\') \
             OR ANY(profile[$6]: is_str(e) AND lower(e) LIKE $5 ESCAPE '\\')) \
             AND (NOT (status = $7)))"
        );
        assert_eq!(params.values()[6], text("DEPROVISIONED"));
    }

    #[test]
    fn ne_is_the_negation_of_eq() {
        let expr = Resolved::Compare {
            attribute: Attribute::Named("activated"),
            op: Op::Ne,
            value: Value::Int(5),
            case: Case::Sensitive,
        };
        let mut params = Params::default();
        assert_eq!(
            compile_filter(&Plain, &USERS, &expr, &mut params).unwrap(),
            "(NOT (activated IS NOT NULL AND activated = $1))"
        );
    }

    #[test]
    fn mismatches_are_errors() {
        let unmapped = Resolved::Present {
            attribute: Attribute::Named("nickname"),
        };
        assert_eq!(
            compile_filter(&Plain, &USERS, &unmapped, &mut Params::default()),
            Err(FilterSqlError::UnmappedAttribute("nickname".to_owned()))
        );
        let wrong_type = Resolved::Compare {
            attribute: Attribute::Named("created"),
            op: Op::Sw,
            value: Value::Text("2013".to_owned()),
            case: Case::Sensitive,
        };
        assert!(matches!(
            compile_filter(&Plain, &USERS, &wrong_type, &mut Params::default()),
            Err(FilterSqlError::ValueMismatch(_))
        ));
        let bool_order = Resolved::Compare {
            attribute: Attribute::Profile("x".to_owned()),
            op: Op::Gt,
            value: Value::Bool(true),
            case: Case::Sensitive,
        };
        assert!(matches!(
            compile_filter(&Plain, &USERS, &bool_order, &mut Params::default()),
            Err(FilterSqlError::ValueMismatch(_))
        ));
    }

    #[test]
    fn sorts_and_keysets() {
        let mut params = Params::starting_at(4);
        let sort = compile_sort(
            &Plain,
            &USERS,
            &users::parse_sort("profile.lastName", Some("desc")).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(sort.key_sql(), Some("lower(str(profile[$4]))"));
        assert_eq!(sort.key_kind(), Some(KeyKind::Text));
        assert_eq!(
            sort.order_by(),
            "lower(str(profile[$4])) DESC, bytes(id) DESC"
        );
        assert_eq!(
            sort.after(&Json::from("smith"), "00u9", &mut params),
            Some("((lower(str(profile[$4])), bytes(id)) < ($5, $6))".to_owned())
        );
        assert_eq!(sort.after(&Json::from(12), "00u9", &mut params), None);
        assert_eq!(
            params.into_values(),
            vec![text("lastName"), text("smith"), text("00u9")]
        );

        let mut params = Params::default();
        let sort = compile_sort(
            &Plain,
            &USERS,
            &users::parse_sort("activated", None).unwrap(),
            &mut params,
        )
        .unwrap();
        assert_eq!(
            sort.order_by(),
            "COALESCE(activated, -1) ASC, bytes(id) ASC"
        );
        assert_eq!(
            sort.after(&Json::from(7), "00u9", &mut params),
            Some("((COALESCE(activated, -1), bytes(id)) > ($1, $2))".to_owned())
        );
        assert_eq!(sort.after(&Json::from("7"), "00u9", &mut params), None);

        let sort = compile_sort(
            &Plain,
            &USERS,
            &users::parse_sort("status", None).unwrap(),
            &mut Params::default(),
        )
        .unwrap();
        assert_eq!(sort.order_by(), "lower(status) ASC, bytes(id) ASC");

        let by_id = SortSql::by_id(&Plain, &USERS, SortOrder::Ascending);
        assert_eq!(by_id.key_sql(), None);
        assert_eq!(by_id.order_by(), "bytes(id) ASC");
        let mut params = Params::default();
        assert_eq!(
            by_id.after(&Json::Null, "00u9", &mut params),
            Some("(bytes(id) > $1)".to_owned())
        );
    }
}

/// Seeded users and expressions with their expected results, run for real by each dialect's
/// tests against its database.
#[cfg(test)]
pub(crate) mod fixtures;
