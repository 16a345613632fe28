//! The syntax tree of Okta's filter/search expressions (core-okta-api.md, "Filter" and
//! "Operators") and its recursive-descent parser.
//!
//! Grammar, loosest binding first (attribute operators bind tightest, then `not`, `and`, `or`;
//! parentheses group):
//!
//! ```text
//! or    := and ("or" and)*
//! and   := unary ("and" unary)*
//! unary := "not" unary | "(" or ")" | PATH "pr" | PATH OP VALUE
//! ```
//!
//! Operator and logical keywords are case-insensitive; attribute paths are kept as written
//! (they are case-sensitive). The tree says nothing about which attributes exist: each
//! resource's rules check that afterwards (see [`super::resolve`]).
//!
//! Invariants: `And`/`Or` hold at least two operands, a chain `a and b and c` is one node,
//! and nesting depth and condition count are bounded, so walking the tree recursively cannot
//! exhaust the stack and the compiled SQL stays small.

use std::fmt;

use super::lexer::{quote, tokenize, Number, Token, TokenKind};
use crate::error::DomainError;

/// Deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 32;
/// Most attribute conditions accepted in one expression.
pub const MAX_CONDITIONS: usize = 200;

/// An attribute operator that takes a value (`pr` has none and is [`Expr::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Sw,
    Co,
    Ew,
}

impl Op {
    /// The keyword as Okta documents it.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
            Self::Sw => "sw",
            Self::Co => "co",
            Self::Ew => "ew",
        }
    }

    fn from_keyword(word: &str) -> Option<Self> {
        [
            Self::Eq,
            Self::Ne,
            Self::Gt,
            Self::Ge,
            Self::Lt,
            Self::Le,
            Self::Sw,
            Self::Co,
            Self::Ew,
        ]
        .into_iter()
        .find(|op| op.keyword().eq_ignore_ascii_case(word))
    }

    /// True for the ordering operators gt, ge, lt, le.
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    /// True for the substring operators sw, co, ew.
    pub fn is_substring(self) -> bool {
        matches!(self, Self::Sw | Self::Co | Self::Ew)
    }
}

/// A literal on the right of an attribute operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Number(Number),
    Bool(bool),
    Null,
}

/// A parsed expression, before any resource's rules are applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        path: String,
        op: Op,
        value: Literal,
    },
    Present {
        path: String,
    },
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(&quote(s)),
            Self::Number(Number::Int(n)) => write!(f, "{n}"),
            Self::Number(Number::Float(n)) => write!(f, "{n}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Null => f.write_str("null"),
        }
    }
}

/// A canonical rendering with every `and`/`or`/`not` group parenthesised, so tests (and logs)
/// show exactly how precedence was applied.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::And(items) | Self::Or(items) => {
                let joiner = if matches!(self, Self::And(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(joiner)?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            Self::Not(inner) => write!(f, "not {inner}"),
            Self::Compare { path, op, value } => write!(f, "{path} {} {value}", op.keyword()),
            Self::Present { path } => write!(f, "{path} pr"),
        }
    }
}

/// Parses an expression. Errors are [`DomainError::InvalidSearch`] whose cause names the
/// problem and its 0-based character position.
pub fn parse(input: &str) -> Result<Expr, DomainError> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err(syntax("The expression is empty".to_owned()));
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        conditions: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(Token {
            kind: TokenKind::Close,
            pos,
        }) => Err(syntax(format!("Unmatched ')' at position {pos}"))),
        Some(token) => Err(syntax(format!(
            "Expected 'and' or 'or' at position {}, found {}",
            token.pos,
            token.kind.describe()
        ))),
    }
}

fn syntax(cause: String) -> DomainError {
    DomainError::InvalidSearch { cause }
}

fn is_keyword(token: Option<&Token>, keyword: &str) -> bool {
    matches!(token, Some(Token { kind: TokenKind::Word(w), .. }) if w.eq_ignore_ascii_case(keyword))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    conditions: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        if token.is_some() {
            self.at += 1;
        }
        token
    }

    /// "at position N, found X" or "at end of input", for messages about what comes next.
    fn where_next(&self) -> String {
        match self.peek() {
            Some(token) => format!("at position {}, found {}", token.pos, token.kind.describe()),
            None => "at end of input".to_owned(),
        }
    }

    fn or(&mut self) -> Result<Expr, DomainError> {
        let mut items = vec![self.and()?];
        while is_keyword(self.peek(), "or") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(chain(items, Expr::Or))
    }

    fn and(&mut self) -> Result<Expr, DomainError> {
        let mut items = vec![self.unary()?];
        while is_keyword(self.peek(), "and") {
            self.at += 1;
            items.push(self.unary()?);
        }
        Ok(chain(items, Expr::And))
    }

    fn descend(&mut self, pos: usize) -> Result<(), DomainError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax(format!(
                "The expression nests deeper than {MAX_DEPTH} levels at position {pos}"
            )));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, DomainError> {
        let Some(token) = self.peek().cloned() else {
            return Err(syntax(format!(
                "Expected an attribute name {}",
                self.where_next()
            )));
        };
        if is_keyword(Some(&token), "not") {
            self.at += 1;
            self.descend(token.pos)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        match token.kind {
            TokenKind::Open => {
                self.at += 1;
                self.descend(token.pos)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token {
                        kind: TokenKind::Close,
                        ..
                    }) => Ok(inner),
                    None => Err(syntax(format!(
                        "Missing ')' to close '(' at position {}",
                        token.pos
                    ))),
                    Some(other) => Err(syntax(format!(
                        "Expected ')' to close '(' at position {}, found {} at position {}",
                        token.pos,
                        other.kind.describe(),
                        other.pos
                    ))),
                }
            }
            TokenKind::Word(ref path)
                if !["and", "or"].iter().any(|k| k.eq_ignore_ascii_case(path)) =>
            {
                self.at += 1;
                self.condition(path.clone())
            }
            _ => Err(syntax(format!(
                "Expected an attribute name {}",
                self.where_next()
            ))),
        }
    }

    /// The operator and value after an attribute path.
    fn condition(&mut self, path: String) -> Result<Expr, DomainError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(syntax(format!(
                "The expression has more than {MAX_CONDITIONS} conditions"
            )));
        }
        let op = match self.next() {
            Some(Token {
                kind: TokenKind::Word(word),
                pos,
            }) => {
                if word.eq_ignore_ascii_case("pr") {
                    return Ok(Expr::Present { path });
                }
                Op::from_keyword(&word)
                    .ok_or_else(|| syntax(format!("Unknown operator '{word}' at position {pos}")))?
            }
            Some(other) => {
                return Err(syntax(format!(
                    "Expected an operator after '{path}' at position {}, found {}",
                    other.pos,
                    other.kind.describe()
                )))
            }
            None => {
                return Err(syntax(format!(
                    "Expected an operator after '{path}' at end of input"
                )))
            }
        };
        let after = format!("Expected a value after '{}'", op.keyword());
        let value = match self.next() {
            Some(Token {
                kind: TokenKind::Str(s),
                ..
            }) => Literal::String(s),
            Some(Token {
                kind: TokenKind::Number(n),
                ..
            }) => Literal::Number(n),
            Some(Token {
                kind: TokenKind::Word(word),
                pos,
            }) => match word.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => {
                    return Err(syntax(format!(
                    "{after} at position {pos}, found '{word}' (strings must be in double quotes)"
                )))
                }
            },
            Some(other) => {
                return Err(syntax(format!(
                    "{after} at position {}, found {}",
                    other.pos,
                    other.kind.describe()
                )))
            }
            None => return Err(syntax(format!("{after} at end of input"))),
        };
        Ok(Expr::Compare { path, op, value })
    }
}

/// One operand stays itself; several become one n-ary node.
fn chain(mut items: Vec<Expr>, node: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    node(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(input: &str) -> String {
        parse(input).unwrap().to_string()
    }

    fn cause(input: &str) -> String {
        match parse(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected a syntax error for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_comparison() {
        assert_eq!(
            parse(r#"profile.department eq "Engineering""#).unwrap(),
            Expr::Compare {
                path: "profile.department".to_owned(),
                op: Op::Eq,
                value: Literal::String("Engineering".to_owned()),
            }
        );
    }

    #[test]
    fn parses_every_operator_case_insensitively() {
        for (word, op) in [
            ("eq", Op::Eq),
            ("NE", Op::Ne),
            ("Gt", Op::Gt),
            ("ge", Op::Ge),
            ("lT", Op::Lt),
            ("le", Op::Le),
            ("SW", Op::Sw),
            ("co", Op::Co),
            ("ew", Op::Ew),
        ] {
            let parsed = parse(&format!("a {word} 1")).unwrap();
            assert_eq!(
                parsed,
                Expr::Compare {
                    path: "a".to_owned(),
                    op,
                    value: Literal::Number(Number::Int(1)),
                }
            );
        }
        assert_eq!(
            parse("profile.x PR").unwrap(),
            Expr::Present {
                path: "profile.x".to_owned()
            }
        );
    }

    #[test]
    fn parses_literals() {
        assert_eq!(shown("a eq true"), "a eq true");
        assert_eq!(shown("a eq FALSE"), "a eq false");
        assert_eq!(shown("a eq null"), "a eq null");
        assert_eq!(shown("a eq -3"), "a eq -3");
        assert_eq!(shown("a eq 8.88"), "a eq 8.88");
        assert_eq!(
            parse(r#"profile.lastName eq "bob\"smith""#).unwrap(),
            Expr::Compare {
                path: "profile.lastName".to_owned(),
                op: Op::Eq,
                value: Literal::String("bob\"smith".to_owned()),
            }
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            shown("a eq 1 or b eq 2 and c eq 3"),
            "(a eq 1 or (b eq 2 and c eq 3))"
        );
        assert_eq!(
            shown("a eq 1 and b eq 2 or c eq 3"),
            "((a eq 1 and b eq 2) or c eq 3)"
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(shown("not a eq 1 and b eq 2"), "(not a eq 1 and b eq 2)");
        assert_eq!(shown("NOT (a eq 1 or b eq 2)"), "not (a eq 1 or b eq 2)");
        assert_eq!(shown("not not a pr"), "not not a pr");
    }

    #[test]
    fn parentheses_group() {
        assert_eq!(
            shown("(a eq 1 or b eq 2) and c eq 3"),
            "((a eq 1 or b eq 2) and c eq 3)"
        );
        assert_eq!(shown("((a eq 1))"), "a eq 1");
    }

    #[test]
    fn chains_are_one_node() {
        let parsed = parse("a eq 1 and b eq 2 And c eq 3").unwrap();
        assert!(matches!(parsed, Expr::And(ref items) if items.len() == 3));
        let parsed = parse("a eq 1 or b eq 2 OR c eq 3").unwrap();
        assert!(matches!(parsed, Expr::Or(ref items) if items.len() == 3));
    }

    #[test]
    fn okta_examples_parse() {
        assert_eq!(
            shown(
                r#"profile.department eq "Engineering" and (created lt "2014-01-01T00:00:00.000Z" or status eq "ACTIVE")"#
            ),
            r#"(profile.department eq "Engineering" and (created lt "2014-01-01T00:00:00.000Z" or status eq "ACTIVE"))"#
        );
        assert_eq!(
            shown(
                r#"lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")"#
            ),
            r#"(lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY"))"#
        );
    }

    #[test]
    fn error_paths() {
        assert_eq!(cause(""), "The expression is empty");
        assert_eq!(cause("   "), "The expression is empty");
        assert_eq!(
            cause(r#"status eq "ACTIVE")"#),
            "Unmatched ')' at position 18"
        );
        assert_eq!(
            cause(r#"(status eq "ACTIVE" or status eq "STAGED"))"#),
            "Unmatched ')' at position 42"
        );
        assert_eq!(
            cause(r#"(status eq "ACTIVE""#),
            "Missing ')' to close '(' at position 0"
        );
        assert_eq!(
            cause(r#"(a eq 1 b eq 2)"#),
            "Expected ')' to close '(' at position 0, found 'b' at position 8"
        );
        assert_eq!(
            cause(r#"status eq "ACTIVE" status eq "STAGED""#),
            "Expected 'and' or 'or' at position 19, found 'status'"
        );
        assert_eq!(
            cause(r#"status eq "ACTIVE" "x""#),
            "Expected 'and' or 'or' at position 19, found string \"x\""
        );
        assert_eq!(
            cause(r#"status is "ACTIVE""#),
            "Unknown operator 'is' at position 7"
        );
        assert_eq!(
            cause(r#"status "ACTIVE""#),
            "Expected an operator after 'status' at position 7, found string \"ACTIVE\""
        );
        assert_eq!(
            cause("status"),
            "Expected an operator after 'status' at end of input"
        );
        assert_eq!(
            cause("status eq"),
            "Expected a value after 'eq' at end of input"
        );
        assert_eq!(
            cause("status eq ACTIVE"),
            "Expected a value after 'eq' at position 10, found 'ACTIVE' (strings must be in double quotes)"
        );
        assert_eq!(
            cause("status eq )"),
            "Expected a value after 'eq' at position 10, found ')'"
        );
        assert_eq!(
            cause(r#"status eq "A" and"#),
            "Expected an attribute name at end of input"
        );
        assert_eq!(
            cause(r#"and status eq "A""#),
            "Expected an attribute name at position 0, found 'and'"
        );
        assert_eq!(
            cause(r#"status eq "A" or or a pr"#),
            "Expected an attribute name at position 17, found 'or'"
        );
        assert_eq!(
            cause("()"),
            "Expected an attribute name at position 1, found ')'"
        );
        assert_eq!(
            cause(")"),
            "Expected an attribute name at position 0, found ')'"
        );
        assert_eq!(
            cause(r#""x" eq "y""#),
            "Expected an attribute name at position 0, found string \"x\""
        );
        assert_eq!(cause("not"), "Expected an attribute name at end of input");
        assert_eq!(
            cause("a pr b"),
            "Expected 'and' or 'or' at position 5, found 'b'"
        );
    }

    #[test]
    fn bounds_depth_and_size() {
        let deep = format!("{}a pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&deep).is_ok());
        let too_deep = format!(
            "{}a pr{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            cause(&too_deep),
            format!("The expression nests deeper than {MAX_DEPTH} levels at position {MAX_DEPTH}")
        );
        let nots = format!("{}a pr", "not ".repeat(MAX_DEPTH + 1));
        assert!(cause(&nots).starts_with("The expression nests deeper"));
        let wide = vec!["a pr"; MAX_CONDITIONS].join(" or ");
        assert!(parse(&wide).is_ok());
        let too_wide = vec!["a pr"; MAX_CONDITIONS + 1].join(" or ");
        assert_eq!(
            cause(&too_wide),
            format!("The expression has more than {MAX_CONDITIONS} conditions")
        );
    }
}
