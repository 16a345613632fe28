//! The functions a group rule may call (okta-expression-language: "String functions", "Array
//! functions", "Group functions"), their arities, and the ones refused with a reason.
//!
//! Null handling follows the Apache Commons conventions Okta's string functions mirror: a
//! null input yields null for transformations, `false` for tests, 0 for `String.len`; a null
//! part reads as empty in `String.append`, `String.join` and `Arrays.toCsvString`. Numbers and
//! Booleans given where a string is expected read as their text. Lengths and indexes count
//! Unicode characters (Java counts UTF-16 units; they differ only outside the BMP).

use super::eval::{equals, EvalError, Value};
use super::parser::Ty;
use super::EvalContext;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Function {
    StringAppend,
    StringJoin,
    StringLen,
    StringRemoveSpaces,
    StringStringContains,
    StringStartsWith,
    StringEndsWith,
    StringStringSwitch,
    StringSubstring,
    StringSubstringAfter,
    StringSubstringBefore,
    StringToUpperCase,
    StringToLowerCase,
    ArraysContains,
    ArraysIsEmpty,
    ArraysSize,
    ArraysToCsvString,
    ArraysGet,
    ArraysAdd,
    ArraysRemove,
    ArraysClear,
    ArraysFlatten,
    IsMemberOfGroup,
    IsMemberOfAnyGroup,
    IsMemberOfGroupName,
    IsMemberOfGroupNameStartsWith,
    IsMemberOfGroupNameContains,
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    Exactly(usize),
    AtLeast(usize),
    /// `String.stringSwitch`: input, default, then key/value pairs.
    SwitchPairs,
}

impl Function {
    pub(super) const ALL: [Self; 27] = [
        Self::StringAppend,
        Self::StringJoin,
        Self::StringLen,
        Self::StringRemoveSpaces,
        Self::StringStringContains,
        Self::StringStartsWith,
        Self::StringEndsWith,
        Self::StringStringSwitch,
        Self::StringSubstring,
        Self::StringSubstringAfter,
        Self::StringSubstringBefore,
        Self::StringToUpperCase,
        Self::StringToLowerCase,
        Self::ArraysContains,
        Self::ArraysIsEmpty,
        Self::ArraysSize,
        Self::ArraysToCsvString,
        Self::ArraysGet,
        Self::ArraysAdd,
        Self::ArraysRemove,
        Self::ArraysClear,
        Self::ArraysFlatten,
        Self::IsMemberOfGroup,
        Self::IsMemberOfAnyGroup,
        Self::IsMemberOfGroupName,
        Self::IsMemberOfGroupNameStartsWith,
        Self::IsMemberOfGroupNameContains,
    ];

    /// The name as written in an expression.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::StringAppend => "String.append",
            Self::StringJoin => "String.join",
            Self::StringLen => "String.len",
            Self::StringRemoveSpaces => "String.removeSpaces",
            Self::StringStringContains => "String.stringContains",
            Self::StringStartsWith => "String.startsWith",
            Self::StringEndsWith => "String.endsWith",
            Self::StringStringSwitch => "String.stringSwitch",
            Self::StringSubstring => "String.substring",
            Self::StringSubstringAfter => "String.substringAfter",
            Self::StringSubstringBefore => "String.substringBefore",
            Self::StringToUpperCase => "String.toUpperCase",
            Self::StringToLowerCase => "String.toLowerCase",
            Self::ArraysContains => "Arrays.contains",
            Self::ArraysIsEmpty => "Arrays.isEmpty",
            Self::ArraysSize => "Arrays.size",
            Self::ArraysToCsvString => "Arrays.toCsvString",
            Self::ArraysGet => "Arrays.get",
            Self::ArraysAdd => "Arrays.add",
            Self::ArraysRemove => "Arrays.remove",
            Self::ArraysClear => "Arrays.clear",
            Self::ArraysFlatten => "Arrays.flatten",
            Self::IsMemberOfGroup => "isMemberOfGroup",
            Self::IsMemberOfAnyGroup => "isMemberOfAnyGroup",
            Self::IsMemberOfGroupName => "isMemberOfGroupName",
            Self::IsMemberOfGroupNameStartsWith => "isMemberOfGroupNameStartsWith",
            Self::IsMemberOfGroupNameContains => "isMemberOfGroupNameContains",
        }
    }

    fn arity(self) -> Arity {
        match self {
            Self::StringLen
            | Self::StringRemoveSpaces
            | Self::StringToUpperCase
            | Self::StringToLowerCase
            | Self::ArraysIsEmpty
            | Self::ArraysSize
            | Self::ArraysToCsvString
            | Self::ArraysClear
            | Self::IsMemberOfGroup
            | Self::IsMemberOfGroupName
            | Self::IsMemberOfGroupNameStartsWith
            | Self::IsMemberOfGroupNameContains => Arity::Exactly(1),
            Self::StringAppend
            | Self::StringStringContains
            | Self::StringStartsWith
            | Self::StringEndsWith
            | Self::StringSubstringAfter
            | Self::StringSubstringBefore
            | Self::ArraysContains
            | Self::ArraysGet
            | Self::ArraysAdd
            | Self::ArraysRemove => Arity::Exactly(2),
            Self::StringSubstring => Arity::Exactly(3),
            Self::StringJoin | Self::ArraysFlatten | Self::IsMemberOfAnyGroup => Arity::AtLeast(1),
            Self::StringStringSwitch => Arity::SwitchPairs,
        }
    }

    /// What the function yields, for the parse-time type check.
    pub(super) fn returns(self) -> Ty {
        match self {
            Self::StringStringContains
            | Self::StringStartsWith
            | Self::StringEndsWith
            | Self::ArraysContains
            | Self::ArraysIsEmpty
            | Self::IsMemberOfGroup
            | Self::IsMemberOfAnyGroup
            | Self::IsMemberOfGroupName
            | Self::IsMemberOfGroupNameStartsWith
            | Self::IsMemberOfGroupNameContains => Ty::Bool,
            Self::StringLen | Self::ArraysSize => Ty::Num,
            Self::StringAppend
            | Self::StringJoin
            | Self::StringRemoveSpaces
            | Self::StringSubstring
            | Self::StringSubstringAfter
            | Self::StringSubstringBefore
            | Self::StringToUpperCase
            | Self::StringToLowerCase
            | Self::ArraysToCsvString => Ty::Str,
            Self::ArraysAdd | Self::ArraysRemove | Self::ArraysClear | Self::ArraysFlatten => {
                Ty::List
            }
            Self::ArraysGet | Self::StringStringSwitch => Ty::Any,
        }
    }

    /// Refuses a call with the wrong number of arguments.
    pub(super) fn check_arity(self, given: usize) -> Result<(), String> {
        let name = self.name();
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.arity() {
            Arity::Exactly(n) if given != n => {
                Err(format!("{name} takes {n} {}, not {given}", plural(n)))
            }
            Arity::AtLeast(n) if given < n => Err(format!(
                "{name} takes at least {n} {}, not {given}",
                plural(n)
            )),
            Arity::SwitchPairs if given < 2 || !given.is_multiple_of(2) => Err(format!(
                "{name} takes an input, a default and key/value pairs, not {given} {}",
                plural(given)
            )),
            Arity::Exactly(_) | Arity::AtLeast(_) | Arity::SwitchPairs => Ok(()),
        }
    }
}

/// The function called `name`, or the cause naming why it cannot be used.
pub(super) fn lookup(name: &str) -> Result<Function, String> {
    Function::ALL
        .into_iter()
        .find(|function| function.name() == name)
        .ok_or_else(|| refusal_or_unknown(name))
}

/// Why `name` cannot be called in a group rule: a documented restriction, a Latchkey gap, or
/// an unknown name.
pub(super) fn refusal_or_unknown(name: &str) -> String {
    let namespace = name.split_once('.').map(|(namespace, _)| namespace);
    match (namespace, name) {
        (Some("Convert" | "Time" | "Iso3166Convert"), _) => format!(
            "{name} is not allowed in group rules, which take only String, Arrays and user \
             expressions"
        ),
        (Some("Groups"), _) | (_, "getFilteredGroups") => {
            format!("{name} works only in group claims, not in group rules")
        }
        (_, "isMemberOfGroupNameRegex" | "String.replace" | "String.replaceFirst") => format!(
            "{name} is not supported by Latchkey, which does not evaluate regular expressions"
        ),
        (
            _,
            "hasDirectoryUser"
            | "hasWorkdayUser"
            | "findDirectoryUser"
            | "findWorkdayUser"
            | "getManagerUser"
            | "getManagerAppUser"
            | "getAssistantUser"
            | "getAssistantAppUser",
        ) => format!("{name} is not available in group rules"),
        (_, "toUpperCase" | "toLowerCase" | "substring" | "substringBefore" | "substringAfter") => {
            format!("{name} is deprecated and not available in group rules; use String.{name}")
        }
        (_, "user.getGroups" | "user.getLinkedObject") => {
            format!("{name} is not supported by Latchkey in group rules")
        }
        _ => format!("Unknown function {name}"),
    }
}

/// Calls `function` on evaluated arguments; the parser has checked the count.
pub(super) fn call(
    function: Function,
    args: Vec<Value>,
    ctx: &dyn EvalContext,
) -> Result<Value, EvalError> {
    let name = function.name();
    let mut args = args.into_iter();
    let mut next = || args.next().unwrap_or(Value::Null);
    let value = match function {
        Function::StringAppend => {
            let head = text_or_empty(next(), name)?;
            Value::Str(head + &text_or_empty(next(), name)?)
        }
        Function::StringJoin => {
            let separator = text_or_empty(next(), name)?;
            let parts = args
                .map(|part| text_or_empty(part, name))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Str(parts.join(&separator))
        }
        Function::StringLen => {
            let length = text(next(), name)?.map_or(0, |s| s.chars().count());
            Value::Int(i64::try_from(length).unwrap_or(i64::MAX))
        }
        Function::StringRemoveSpaces => optional(
            text(next(), name)?.map(|s| s.chars().filter(|c| !c.is_whitespace()).collect()),
        ),
        Function::StringStringContains => test(next(), next(), name, |s, part| s.contains(part))?,
        Function::StringStartsWith => test(next(), next(), name, |s, part| s.starts_with(part))?,
        Function::StringEndsWith => test(next(), next(), name, |s, part| s.ends_with(part))?,
        Function::StringStringSwitch => {
            let input = text(next(), name)?;
            let default = next();
            while let (Some(key), Some(result)) = (args.next(), args.next()) {
                if let (Some(input), Some(key)) = (&input, text(key, name)?) {
                    if input.contains(&key) {
                        return Ok(result);
                    }
                }
            }
            default
        }
        Function::StringSubstring => {
            let input = text(next(), name)?;
            let start = index(next(), name)?;
            let end = index(next(), name)?;
            match (input, start, end) {
                (Some(input), Some(start), Some(end)) => Value::Str(substring(&input, start, end)),
                _ => Value::Null,
            }
        }
        Function::StringSubstringBefore => {
            let input = text(next(), name)?;
            let separator = text(next(), name)?;
            match (input, separator) {
                (None, _) => Value::Null,
                (Some(input), None) => Value::Str(input),
                (Some(input), Some(separator)) => Value::Str(
                    input
                        .split_once(separator.as_str())
                        .map_or(input.clone(), |(before, _)| before.to_owned()),
                ),
            }
        }
        Function::StringSubstringAfter => {
            let input = text(next(), name)?;
            let separator = text(next(), name)?;
            match (input, separator) {
                (None, _) => Value::Null,
                (Some(_), None) => Value::Str(String::new()),
                (Some(input), Some(separator)) => Value::Str(
                    input
                        .split_once(separator.as_str())
                        .map_or(String::new(), |(_, after)| after.to_owned()),
                ),
            }
        }
        Function::StringToUpperCase => optional(text(next(), name)?.map(|s| s.to_uppercase())),
        Function::StringToLowerCase => optional(text(next(), name)?.map(|s| s.to_lowercase())),
        Function::ArraysContains => {
            let items = list(next());
            let wanted = next();
            Value::Bool(items.iter().any(|item| equals(item, &wanted)))
        }
        Function::ArraysIsEmpty => Value::Bool(list(next()).is_empty()),
        Function::ArraysSize => Value::Int(i64::try_from(list(next()).len()).unwrap_or(i64::MAX)),
        Function::ArraysToCsvString => {
            let parts = list(next())
                .into_iter()
                .map(|item| text_or_empty(item, name))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Str(parts.join(","))
        }
        Function::ArraysGet => {
            let items = list(next());
            match index(next(), name)?.and_then(|at| usize::try_from(at).ok()) {
                Some(at) => items.into_iter().nth(at).unwrap_or(Value::Null),
                None => Value::Null,
            }
        }
        Function::ArraysAdd => {
            let mut items = list(next());
            items.push(next());
            Value::List(items)
        }
        Function::ArraysRemove => {
            let mut items = list(next());
            let unwanted = next();
            if let Some(at) = items.iter().position(|item| equals(item, &unwanted)) {
                items.remove(at);
            }
            Value::List(items)
        }
        Function::ArraysClear => Value::List(Vec::new()),
        Function::ArraysFlatten => {
            let mut flat = Vec::new();
            for arg in args {
                flatten_into(arg, &mut flat);
            }
            Value::List(flat)
        }
        Function::IsMemberOfGroup | Function::IsMemberOfAnyGroup => {
            let mut member = false;
            for id in args.by_ref() {
                if let Some(id) = text(id, name)? {
                    member = member || ctx.is_member_of(&id);
                }
            }
            Value::Bool(member)
        }
        Function::IsMemberOfGroupName => group_name(next(), ctx, name, |group, n| group == n)?,
        Function::IsMemberOfGroupNameStartsWith => {
            group_name(next(), ctx, name, |group, n| group.starts_with(n))?
        }
        Function::IsMemberOfGroupNameContains => {
            group_name(next(), ctx, name, |group, n| group.contains(n))?
        }
    };
    Ok(value)
}

fn optional(text: Option<String>) -> Value {
    text.map_or(Value::Null, Value::Str)
}

/// A value read as a string: `None` for null; numbers and Booleans as their text.
fn text(value: Value, operation: &'static str) -> Result<Option<String>, EvalError> {
    match value {
        Value::Null => Ok(None),
        Value::List(_) => Err(EvalError::TypeMismatch {
            operation,
            expected: "a string",
            found: "a list",
        }),
        scalar => Ok(Some(scalar.to_text())),
    }
}

fn text_or_empty(value: Value, operation: &'static str) -> Result<String, EvalError> {
    Ok(text(value, operation)?.unwrap_or_default())
}

/// A string test that is `false` when either side is null.
fn test(
    input: Value,
    part: Value,
    operation: &'static str,
    predicate: fn(&str, &str) -> bool,
) -> Result<Value, EvalError> {
    let matched = match (text(input, operation)?, text(part, operation)?) {
        (Some(input), Some(part)) => predicate(&input, &part),
        _ => false,
    };
    Ok(Value::Bool(matched))
}

/// An integer argument: `None` for null; a decimal only if it has no fraction.
fn index(value: Value, operation: &'static str) -> Result<Option<i64>, EvalError> {
    match value {
        Value::Null => Ok(None),
        Value::Int(n) => Ok(Some(n)),
        Value::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Some(n as i64)),
        other => Err(EvalError::TypeMismatch {
            operation,
            expected: "an integer",
            found: other.kind(),
        }),
    }
}

/// Characters `start..end`, both clamped to the string; empty when `start >= end`.
fn substring(input: &str, start: i64, end: i64) -> String {
    let length = i64::try_from(input.chars().count()).unwrap_or(i64::MAX);
    let start = start.clamp(0, length);
    let end = end.clamp(0, length);
    let skip = usize::try_from(start).unwrap_or(usize::MAX);
    let take = usize::try_from(end.saturating_sub(start)).unwrap_or(0);
    input.chars().skip(skip).take(take).collect()
}

/// A value read as a list: null is empty, a single value is a list of one.
fn list(value: Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::List(items) => items,
        single => vec![single],
    }
}

fn flatten_into(value: Value, flat: &mut Vec<Value>) {
    match value {
        Value::List(items) => {
            for item in items {
                flatten_into(item, flat);
            }
        }
        single => flat.push(single),
    }
}

fn group_name(
    name: Value,
    ctx: &dyn EvalContext,
    operation: &'static str,
    matches: fn(&str, &str) -> bool,
) -> Result<Value, EvalError> {
    let Some(name) = text(name, operation)? else {
        return Ok(Value::Bool(false));
    };
    let member = ctx.group_names().iter().any(|group| matches(group, &name));
    Ok(Value::Bool(member))
}
