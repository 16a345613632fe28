//! Evaluation of a parsed group-rule expression for one user (okta-expression-language,
//! "Conditional expressions": a rule condition must yield a Boolean).
//!
//! Values are SpEL's, narrowed to what a profile holds: null, Boolean, integer, decimal,
//! string and list. A profile value that is a JSON object reads as null (Okta profiles hold
//! none). Evaluation short-circuits `&&`, `||` and the conditional, like SpEL.

use std::cmp::Ordering;

use super::functions;
use super::parser::{CmpOp, GroupMatch, Node, SumOp};
use super::EvalContext;

/// Why an expression could not decide for a user. Group rule processing treats it as "no
/// match"; it never means the rule itself is malformed (that is caught by [`super::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The whole expression yielded something other than a Boolean, e.g. `user.isContractor`
    /// for a user without that property (null).
    #[error("the expression evaluated to {found}, not a Boolean")]
    NotBoolean { found: &'static str },
    /// An operator or function got a value it cannot work with.
    #[error("{operation} needs {expected}, not {found}")]
    TypeMismatch {
        operation: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    /// Integer arithmetic left the 64-bit range.
    #[error("{operation} overflowed the integer range")]
    Overflow { operation: &'static str },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    List(Vec<Value>),
}

impl Value {
    /// A profile value as the language sees it.
    pub(super) fn from_json(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null | serde_json::Value::Object(_) => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Self::Int)
                .or_else(|| n.as_f64().map(Self::Num))
                .unwrap_or(Self::Null),
            serde_json::Value::String(s) => Self::Str(s),
            serde_json::Value::Array(items) => {
                Self::List(items.into_iter().map(Self::from_json).collect())
            }
        }
    }

    /// How messages name the value's type.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a Boolean",
            Self::Int(_) | Self::Num(_) => "a number",
            Self::Str(_) => "a string",
            Self::List(_) => "a list",
        }
    }

    /// The text of a scalar as Java would print it (`null`, `true`, `42`, `1.5`, `2.0`); a list
    /// prints its elements in brackets.
    pub(super) fn to_text(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Int(n) => n.to_string(),
            Self::Num(n) if n.fract() == 0.0 && n.abs() < 1.0e7 => format!("{n:.1}"),
            Self::Num(n) => n.to_string(),
            Self::Str(s) => s.clone(),
            Self::List(items) => {
                let parts: Vec<String> = items.iter().map(Self::to_text).collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Self::Int(n) => Some(*n as f64),
            Self::Num(n) => Some(*n),
            _ => None,
        }
    }
}

/// The value of an expression for the user behind `ctx`, as JSON.
pub(super) fn value(root: &Node, ctx: &dyn EvalContext) -> Result<serde_json::Value, EvalError> {
    Ok(eval(root, ctx)?.into_json())
}

impl Value {
    fn into_json(self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Bool(b) => serde_json::Value::Bool(b),
            Self::Int(n) => serde_json::Value::from(n),
            Self::Num(n) => serde_json::Number::from_f64(n)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Self::Str(s) => serde_json::Value::String(s),
            Self::List(items) => {
                serde_json::Value::Array(items.into_iter().map(Self::into_json).collect())
            }
        }
    }
}

/// The rule's verdict for the user behind `ctx`.
pub(super) fn evaluate(root: &Node, ctx: &dyn EvalContext) -> Result<bool, EvalError> {
    match eval(root, ctx)? {
        Value::Bool(verdict) => Ok(verdict),
        other => Err(EvalError::NotBoolean {
            found: other.kind(),
        }),
    }
}

fn eval(node: &Node, ctx: &dyn EvalContext) -> Result<Value, EvalError> {
    let value = match node {
        Node::Literal(value) => value.clone(),
        Node::List(items) => Value::List(
            items
                .iter()
                .map(|item| eval(item, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Node::Attribute(name) => ctx.attribute(name).map_or(Value::Null, Value::from_json),
        Node::Internal(property) => ctx
            .internal_property(*property)
            .map_or(Value::Null, Value::Str),
        Node::Not(operand) => Value::Bool(!boolean(eval(operand, ctx)?, "'!'")?),
        Node::Negate(operand) => negate(eval(operand, ctx)?)?,
        Node::And(operands) => {
            for operand in operands {
                if !boolean(eval(operand, ctx)?, "'&&'")? {
                    return Ok(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        Node::Or(operands) => {
            for operand in operands {
                if boolean(eval(operand, ctx)?, "'||'")? {
                    return Ok(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        Node::Compare(op, left, right) => {
            Value::Bool(compare(*op, &eval(left, ctx)?, &eval(right, ctx)?))
        }
        Node::Sum(first, rest) => {
            let mut total = eval(first, ctx)?;
            for (op, operand) in rest {
                let operand = eval(operand, ctx)?;
                total = match op {
                    SumOp::Plus => plus(total, operand)?,
                    SumOp::Minus => minus(total, operand)?,
                };
            }
            total
        }
        Node::Conditional(condition, then, otherwise) => {
            if boolean(eval(condition, ctx)?, "The condition of '?'")? {
                eval(then, ctx)?
            } else {
                eval(otherwise, ctx)?
            }
        }
        Node::Elvis(value, fallback) => match eval(value, ctx)? {
            Value::Null => eval(fallback, ctx)?,
            Value::Str(s) if s.is_empty() => eval(fallback, ctx)?,
            present => present,
        },
        Node::Call(function, args) => {
            let values = args
                .iter()
                .map(|arg| eval(arg, ctx))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(*function, values, ctx)?
        }
        Node::MemberOf(criteria) => Value::Bool(is_member(criteria, ctx)),
    };
    Ok(value)
}

fn boolean(value: Value, operation: &'static str) -> Result<bool, EvalError> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(EvalError::TypeMismatch {
            operation,
            expected: "a Boolean",
            found: other.kind(),
        }),
    }
}

fn is_member(criteria: &GroupMatch, ctx: &dyn EvalContext) -> bool {
    match criteria {
        GroupMatch::Ids(ids) => ids.iter().any(|id| ctx.is_member_of(id)),
        GroupMatch::Names { names, starts_with } => ctx.group_names().iter().any(|group| {
            names.iter().any(|name| {
                if *starts_with {
                    group.starts_with(name.as_str())
                } else {
                    group == name
                }
            })
        }),
    }
}

/// `==` as SpEL has it: numbers numerically, strings case-sensitively, lists element-wise,
/// `null` equal only to `null`, any other mix unequal.
pub(super) fn equals(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equals(x, y))
        }
        _ => matches!((left.number(), right.number()), (Some(a), Some(b)) if a == b),
    }
}

fn compare(op: CmpOp, left: &Value, right: &Value) -> bool {
    let order = match (left, right) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        _ => match (left.number(), right.number()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
    };
    match op {
        CmpOp::Eq => equals(left, right),
        CmpOp::Ne => !equals(left, right),
        CmpOp::Lt => order == Some(Ordering::Less),
        CmpOp::Le => matches!(order, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order == Some(Ordering::Greater),
        CmpOp::Ge => matches!(order, Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// `+`: concatenation when either side is a string (null reads `null`, as in SpEL), else
/// numeric addition.
fn plus(left: Value, right: Value) -> Result<Value, EvalError> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => a
            .checked_add(b)
            .map(Value::Int)
            .ok_or(EvalError::Overflow { operation: "'+'" }),
        (left @ Value::Str(_), right) | (left, right @ Value::Str(_)) => {
            for side in [&left, &right] {
                if let Value::List(_) = side {
                    return Err(EvalError::TypeMismatch {
                        operation: "'+'",
                        expected: "a string or a single value",
                        found: "a list",
                    });
                }
            }
            Ok(Value::Str(left.to_text() + &right.to_text()))
        }
        (left, right) => arithmetic(&left, &right, "'+'", |a, b| a + b),
    }
}

fn minus(left: Value, right: Value) -> Result<Value, EvalError> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => a
            .checked_sub(b)
            .map(Value::Int)
            .ok_or(EvalError::Overflow { operation: "'-'" }),
        (left, right) => arithmetic(&left, &right, "'-'", |a, b| a - b),
    }
}

fn arithmetic(
    left: &Value,
    right: &Value,
    operation: &'static str,
    apply: fn(f64, f64) -> f64,
) -> Result<Value, EvalError> {
    match (left.number(), right.number()) {
        (Some(a), Some(b)) => Ok(Value::Num(apply(a, b))),
        (None, _) => Err(mismatch(operation, left)),
        (Some(_), None) => Err(mismatch(operation, right)),
    }
}

fn mismatch(operation: &'static str, found: &Value) -> EvalError {
    EvalError::TypeMismatch {
        operation,
        expected: "numbers",
        found: found.kind(),
    }
}

fn negate(value: Value) -> Result<Value, EvalError> {
    match value {
        Value::Int(n) => n
            .checked_neg()
            .map(Value::Int)
            .ok_or(EvalError::Overflow { operation: "'-'" }),
        Value::Num(n) => Ok(Value::Num(-n)),
        other => Err(mismatch("'-'", &other)),
    }
}
