//! The syntax tree of a group-rule expression and its recursive-descent parser, with SpEL's
//! precedence (okta-expression-language, "Conditional expressions"), loosest first:
//!
//! ```text
//! expression := or ("?" expression ":" expression | "?:" expression)?
//! or         := and (("||" | OR) and)*
//! and        := relational (("&&" | AND) relational)*
//! relational := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | eq | ne | lt | le | gt | ge) sum)?
//! sum        := unary (("+" | "-") unary)*
//! unary      := ("!" | NOT | "-") unary | primary
//! primary    := literal | "(" expression ")" | "{" list "}" | user-reference | call
//! ```
//!
//! Invariants: `And`/`Or` hold at least two operands and a chain is one node; nesting is
//! bounded by [`MAX_DEPTH`], so every recursive walk of the tree is bounded too; the group ids
//! of `isMemberOfGroup`, `isMemberOfAnyGroup` and `user.isMemberOf` are literals, so
//! [`super::Expression::referenced_group_ids`] is complete.

use super::eval::Value;
use super::functions::{self, Function};
use super::lexer::{tokenize, Tok, Token};
use super::{InternalProperty, MAX_DEPTH, MAX_SOURCE_CHARS};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Literal(Value),
    /// An inline list `{a, b}`.
    List(Vec<Node>),
    /// `user.<property>`: a profile property.
    Attribute(String),
    /// `user.getInternalProperty("…")`.
    Internal(InternalProperty),
    Not(Box<Node>),
    Negate(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Compare(CmpOp, Box<Node>, Box<Node>),
    /// A left-to-right chain of `+` and `-`.
    Sum(Box<Node>, Vec<(SumOp, Node)>),
    /// `condition ? then : otherwise`
    Conditional(Box<Node>, Box<Node>, Box<Node>),
    /// `value ?: fallback`
    Elvis(Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
    /// A membership test whose criteria are fixed at parse time.
    MemberOf(GroupMatch),
}

/// Which groups a membership test looks for.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum GroupMatch {
    /// Member of any of these group ids.
    Ids(Vec<String>),
    /// Member of a group whose name equals (or starts with) any of these.
    Names {
        names: Vec<String>,
        starts_with: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SumOp {
    Plus,
    Minus,
}

/// What a node is known to yield before any user is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    Bool,
    Num,
    Str,
    List,
    Null,
    /// Depends on the user (a profile property, `Arrays.get`, …).
    Any,
}

impl Ty {
    fn may_be_bool(self) -> bool {
        matches!(self, Self::Bool | Self::Any)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Bool => "a Boolean",
            Self::Num => "a number",
            Self::Str => "a string",
            Self::List => "a list",
            Self::Null => "null",
            Self::Any => "a value",
        }
    }

    fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Int(_) | Value::Num(_) => Self::Num,
            Value::Str(_) => Self::Str,
            Value::List(_) => Self::List,
        }
    }

    fn join(self, other: Self) -> Self {
        if self == other {
            self
        } else {
            Self::Any
        }
    }
}

impl Node {
    /// Every node, parents before children, in source order; iterative, so any depth is safe.
    pub(super) fn walk(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            out.push(node);
            let mut children = node.children();
            children.reverse();
            stack.extend(children);
        }
        out
    }

    fn children(&self) -> Vec<&Node> {
        match self {
            Self::Literal(_) | Self::Attribute(_) | Self::Internal(_) | Self::MemberOf(_) => {
                Vec::new()
            }
            Self::List(items) | Self::And(items) | Self::Or(items) | Self::Call(_, items) => {
                items.iter().collect()
            }
            Self::Not(operand) | Self::Negate(operand) => vec![operand.as_ref()],
            Self::Compare(_, left, right) | Self::Elvis(left, right) => {
                vec![left.as_ref(), right.as_ref()]
            }
            Self::Sum(first, rest) => std::iter::once(first.as_ref())
                .chain(rest.iter().map(|(_, node)| node))
                .collect(),
            Self::Conditional(condition, then, otherwise) => {
                vec![condition.as_ref(), then.as_ref(), otherwise.as_ref()]
            }
        }
    }
}

/// Parses and type-checks a source; the error is the cause text.
pub(super) fn parse(source: &str) -> Result<Node, String> {
    parse_as(source, false)
}

/// Parses a token claim's value: any type, and the `appuser.<property>` and
/// `app.<property>` namespaces besides `user.<property>` (authorization-servers.md, Claim
/// object).
pub(super) fn parse_value(source: &str) -> Result<Node, String> {
    parse_as(source, true)
}

fn parse_as(source: &str, value: bool) -> Result<Node, String> {
    let length = source.chars().count();
    if length > MAX_SOURCE_CHARS {
        return Err(format!(
            "The expression is {length} characters long; at most {MAX_SOURCE_CHARS} are allowed"
        ));
    }
    let tokens = tokenize(source)?;
    if tokens.is_empty() {
        return Err("The expression is empty".to_owned());
    }
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
        end: length,
        namespaces: value,
    };
    let root = parser.expression()?;
    if let Some(extra) = tokens.get(parser.at) {
        return Err(format!(
            "Unexpected token {} at position {}",
            extra.tok.describe(),
            extra.pos
        ));
    }
    let ty = check(&root)?;
    if !value && !ty.may_be_bool() {
        return Err(format!(
            "The expression must evaluate to a Boolean, not {}",
            ty.describe()
        ));
    }
    Ok(root)
}

/// The static type of a node, refusing operands that can never be what an operator needs.
fn check(node: &Node) -> Result<Ty, String> {
    let ty = match node {
        Node::Literal(value) => Ty::of(value),
        Node::List(items) => {
            for item in items {
                check(item)?;
            }
            Ty::List
        }
        Node::Attribute(_) => Ty::Any,
        Node::Internal(_) => Ty::Str,
        Node::Not(operand) => {
            check_bool(operand, "'!'")?;
            Ty::Bool
        }
        Node::Negate(operand) => {
            let ty = check(operand)?;
            if !matches!(ty, Ty::Num | Ty::Any) {
                return Err(format!("'-' needs a number, not {}", ty.describe()));
            }
            Ty::Num
        }
        Node::And(operands) => {
            for operand in operands {
                check_bool(operand, "'&&'")?;
            }
            Ty::Bool
        }
        Node::Or(operands) => {
            for operand in operands {
                check_bool(operand, "'||'")?;
            }
            Ty::Bool
        }
        Node::Compare(_, left, right) => {
            check(left)?;
            check(right)?;
            Ty::Bool
        }
        Node::Sum(first, rest) => {
            let mut ty = check(first)?;
            for (op, operand) in rest {
                let next = check(operand)?;
                ty = match op {
                    SumOp::Plus if ty == Ty::Str || next == Ty::Str => Ty::Str,
                    SumOp::Plus | SumOp::Minus if ty == Ty::Num && next == Ty::Num => Ty::Num,
                    SumOp::Plus | SumOp::Minus => Ty::Any,
                };
            }
            ty
        }
        Node::Conditional(condition, then, otherwise) => {
            check_bool(condition, "The condition of '?'")?;
            check(then)?.join(check(otherwise)?)
        }
        Node::Elvis(value, fallback) => check(value)?.join(check(fallback)?),
        Node::Call(function, args) => {
            for arg in args {
                check(arg)?;
            }
            function.returns()
        }
        Node::MemberOf(_) => Ty::Bool,
    };
    Ok(ty)
}

fn check_bool(node: &Node, operation: &str) -> Result<(), String> {
    let ty = check(node)?;
    if ty.may_be_bool() {
        Ok(())
    } else {
        Err(format!(
            "{operation} needs a Boolean, not {}",
            ty.describe()
        ))
    }
}

/// Namespaces of the classic function syntax (`String.len(…)`).
fn is_namespace(name: &str) -> bool {
    matches!(
        name,
        "String" | "Arrays" | "Convert" | "Time" | "Iso3166Convert" | "Groups"
    )
}

/// Words that are operators or literals wherever they stand, never names.
fn is_reserved(word: &str) -> bool {
    [
        "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "matches",
    ]
    .iter()
    .any(|reserved| word.eq_ignore_ascii_case(reserved))
}

fn collapse(mut operands: Vec<Node>, build: fn(Vec<Node>) -> Node) -> Node {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    build(operands)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    depth: usize,
    /// Character length of the source, the position reported at the end of input.
    end: usize,
    /// Whether `appuser.x` and `app.x` read (as the attributes `appuser.x`, `app.x`).
    namespaces: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.at + ahead).map(|token| &token.tok)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |token| token.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let tok = self.peek().cloned();
        if tok.is_some() {
            self.at += 1;
        }
        tok
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// The message for the current token (or the end) not being what the grammar needs.
    fn unexpected(&self, expected: &str) -> String {
        match self.tokens.get(self.at) {
            Some(token) => format!(
                "Unexpected token {} at position {}; expected {expected}",
                token.tok.describe(),
                token.pos
            ),
            None => format!(
                "Unexpected end of expression at position {}; expected {expected}",
                self.end
            ),
        }
    }

    fn expect(&mut self, tok: &Tok, expected: &str) -> Result<(), String> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Runs `inner` one nesting level deeper, refusing input nested beyond [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "The expression nests deeper than {MAX_DEPTH} levels at position {}",
                self.pos()
            ));
        }
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn expression(&mut self) -> Result<Node, String> {
        self.nested(|p| {
            let condition = p.or()?;
            if p.eat(&Tok::Question) {
                let then = p.expression()?;
                p.expect(&Tok::Colon, "':' in a conditional expression")?;
                let otherwise = p.expression()?;
                return Ok(Node::Conditional(
                    Box::new(condition),
                    Box::new(then),
                    Box::new(otherwise),
                ));
            }
            if p.eat(&Tok::Elvis) {
                let fallback = p.expression()?;
                return Ok(Node::Elvis(Box::new(condition), Box::new(fallback)));
            }
            Ok(condition)
        })
    }

    fn or(&mut self) -> Result<Node, String> {
        let mut operands = vec![self.and()?];
        while self.eat(&Tok::OrOr) || self.eat_word("or") {
            operands.push(self.and()?);
        }
        Ok(collapse(operands, Node::Or))
    }

    fn and(&mut self) -> Result<Node, String> {
        let mut operands = vec![self.relational()?];
        while self.eat(&Tok::AndAnd) || self.eat_word("and") {
            operands.push(self.relational()?);
        }
        Ok(collapse(operands, Node::And))
    }

    fn relational(&mut self) -> Result<Node, String> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some(Tok::EqEq) => CmpOp::Eq,
            Some(Tok::NotEq) => CmpOp::Ne,
            Some(Tok::Lt) => CmpOp::Lt,
            Some(Tok::Le) => CmpOp::Le,
            Some(Tok::Gt) => CmpOp::Gt,
            Some(Tok::Ge) => CmpOp::Ge,
            Some(Tok::Ident(word)) => match word.to_ascii_lowercase().as_str() {
                "eq" => CmpOp::Eq,
                "ne" => CmpOp::Ne,
                "lt" => CmpOp::Lt,
                "le" => CmpOp::Le,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "matches" => {
                    return Err(format!(
                        "The 'matches' operator at position {} is not supported: Latchkey \
                         does not evaluate regular expressions",
                        self.pos()
                    ))
                }
                _ => return Ok(left),
            },
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.sum()?;
        Ok(Node::Compare(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Node, String> {
        let first = self.unary()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => SumOp::Plus,
                Some(Tok::Minus) => SumOp::Minus,
                Some(Tok::Arithmetic(c)) => {
                    return Err(format!(
                        "The '{c}' operator at position {} is not supported in group rules",
                        self.pos()
                    ))
                }
                _ => break,
            };
            self.at += 1;
            rest.push((op, self.unary()?));
        }
        if rest.is_empty() {
            Ok(first)
        } else {
            Ok(Node::Sum(Box::new(first), rest))
        }
    }

    fn unary(&mut self) -> Result<Node, String> {
        if self.eat(&Tok::Bang) || self.eat_word("not") {
            let operand = self.nested(Self::unary)?;
            return Ok(Node::Not(Box::new(operand)));
        }
        if self.eat(&Tok::Minus) {
            let operand = self.nested(Self::unary)?;
            return Ok(match operand {
                Node::Literal(Value::Int(n)) => match n.checked_neg() {
                    Some(negated) => Node::Literal(Value::Int(negated)),
                    None => Node::Negate(Box::new(Node::Literal(Value::Int(n)))),
                },
                Node::Literal(Value::Num(n)) => Node::Literal(Value::Num(-n)),
                other => Node::Negate(Box::new(other)),
            });
        }
        let node = self.primary()?;
        match self.peek() {
            Some(Tok::Dot) => Err(format!(
                "Properties and methods of values (at position {}) are not supported; use the \
                 String.* and Arrays.* functions",
                self.pos()
            )),
            Some(Tok::LBracket) => Err(format!(
                "Indexing with '[' at position {} is not supported; use Arrays.get",
                self.pos()
            )),
            _ => Ok(node),
        }
    }

    fn primary(&mut self) -> Result<Node, String> {
        let pos = self.pos();
        let Some(tok) = self.bump() else {
            return Err(self.unexpected("a value"));
        };
        match tok {
            Tok::Str(text) => Ok(Node::Literal(Value::Str(text))),
            Tok::Int(n) => Ok(Node::Literal(Value::Int(n))),
            Tok::Dec(n) => Ok(Node::Literal(Value::Num(n))),
            Tok::LParen => {
                let inner = self.expression()?;
                self.expect(&Tok::RParen, &format!("')' to close '(' at position {pos}"))?;
                Ok(inner)
            }
            Tok::LBrace => self.list(pos),
            Tok::Ident(name) => self.named(name, pos),
            other => Err(format!(
                "Unexpected token {} at position {pos}; expected a value",
                other.describe()
            )),
        }
    }

    /// An inline list; the `{` at `pos` is consumed.
    fn list(&mut self, pos: usize) -> Result<Node, String> {
        self.nested(|p| {
            let mut items = Vec::new();
            if p.eat(&Tok::RBrace) {
                return Ok(Node::List(items));
            }
            loop {
                items.push(p.expression()?);
                if !p.eat(&Tok::Comma) {
                    p.expect(
                        &Tok::RBrace,
                        &format!("',' or '}}' to close '{{' at position {pos}"),
                    )?;
                    return Ok(Node::List(items));
                }
            }
        })
    }

    /// A keyword literal, a `user` reference or a function call; the name is consumed.
    fn named(&mut self, name: String, pos: usize) -> Result<Node, String> {
        if name.eq_ignore_ascii_case("true") {
            return Ok(Node::Literal(Value::Bool(true)));
        }
        if name.eq_ignore_ascii_case("false") {
            return Ok(Node::Literal(Value::Bool(false)));
        }
        if name.eq_ignore_ascii_case("null") {
            return Ok(Node::Literal(Value::Null));
        }
        if is_reserved(&name) {
            return Err(format!(
                "Unexpected token '{name}' at position {pos}; expected a value"
            ));
        }
        if name == "user" {
            return self.user(pos);
        }
        if self.peek() == Some(&Tok::LParen) {
            return self.call(name, pos);
        }
        if self.peek() == Some(&Tok::Dot) {
            if let Some(Tok::Ident(member)) = self.peek_at(1) {
                let qualified = format!("{name}.{member}");
                if self.peek_at(2) == Some(&Tok::LParen) {
                    self.at += 2;
                    return self.call(qualified, pos);
                }
                if self.namespaces && matches!(name.as_str(), "appuser" | "app") {
                    self.at += 2;
                    return Ok(Node::Attribute(qualified));
                }
                if is_namespace(&name) {
                    return Err(format!(
                        "{qualified} at position {pos} is a function and needs arguments"
                    ));
                }
                return Err(format!(
                    "Invalid property {qualified} at position {pos}: group rule expressions \
                     read only user properties (user.<property>)"
                ));
            }
        }
        Err(format!(
            "Unknown identifier '{name}' at position {pos}: profile properties are written \
             user.{name}"
        ))
    }

    /// `user.<property>` or `user.<method>(…)`; `user` at `pos` is consumed.
    fn user(&mut self, pos: usize) -> Result<Node, String> {
        if !self.eat(&Tok::Dot) {
            return Err(format!(
                "'user' at position {pos} must be followed by .<property>"
            ));
        }
        let Some(Tok::Ident(member)) = self.peek().cloned() else {
            return Err(self.unexpected("a property name after 'user.'"));
        };
        self.at += 1;
        if self.peek() == Some(&Tok::LParen) {
            return match member.as_str() {
                "isMemberOf" => self.is_member_of(pos),
                "getInternalProperty" => self.internal_property(pos),
                _ => Err(format!(
                    "{} at position {pos}",
                    functions::refusal_or_unknown(&format!("user.{member}"))
                )),
            };
        }
        if self.peek() == Some(&Tok::Dot) {
            let mut path = member;
            while self.eat(&Tok::Dot) {
                match self.bump() {
                    Some(Tok::Ident(part)) => {
                        path.push('.');
                        path.push_str(&part);
                    }
                    _ => break,
                }
            }
            if self.peek() == Some(&Tok::LParen) {
                return Err(format!(
                    "Methods of values (user.{path} at position {pos}) are not supported; use \
                     the String.* and Arrays.* functions"
                ));
            }
            return Err(format!(
                "Invalid property user.{path} at position {pos}: group rules read profile \
                 properties as user.<property>"
            ));
        }
        Ok(Node::Attribute(member))
    }

    /// `(arg, …)`; returns the arguments.
    fn arguments(&mut self, name: &str) -> Result<Vec<Node>, String> {
        self.expect(&Tok::LParen, &format!("'(' after {name}"))?;
        self.nested(|p| {
            let mut args = Vec::new();
            if p.eat(&Tok::RParen) {
                return Ok(args);
            }
            loop {
                args.push(p.expression()?);
                if !p.eat(&Tok::Comma) {
                    p.expect(
                        &Tok::RParen,
                        &format!("',' or ')' in the arguments of {name}"),
                    )?;
                    return Ok(args);
                }
            }
        })
    }

    /// A function call; the (possibly qualified) name at `pos` is consumed, `(` is next.
    fn call(&mut self, name: String, pos: usize) -> Result<Node, String> {
        let function =
            functions::lookup(&name).map_err(|cause| format!("{cause} at position {pos}"))?;
        let args = self.arguments(&name)?;
        function
            .check_arity(args.len())
            .map_err(|cause| format!("{cause} at position {pos}"))?;
        match function {
            Function::IsMemberOfGroup | Function::IsMemberOfAnyGroup => {
                let mut ids = Vec::with_capacity(args.len());
                for arg in args {
                    match arg {
                        Node::Literal(Value::Str(id)) if !id.trim().is_empty() => ids.push(id),
                        _ => {
                            return Err(format!(
                                "{name} at position {pos} takes group ids as quoted strings"
                            ))
                        }
                    }
                }
                Ok(Node::MemberOf(GroupMatch::Ids(ids)))
            }
            _ => Ok(Node::Call(function, args)),
        }
    }

    /// `user.getInternalProperty("id" | "status")`; `(` is next.
    fn internal_property(&mut self, pos: usize) -> Result<Node, String> {
        let args = self.arguments("user.getInternalProperty")?;
        match args.as_slice() {
            [Node::Literal(Value::Str(name))] if name == "id" => {
                Ok(Node::Internal(InternalProperty::Id))
            }
            [Node::Literal(Value::Str(name))] if name == "status" => {
                Ok(Node::Internal(InternalProperty::Status))
            }
            _ => Err(format!(
                "user.getInternalProperty at position {pos} takes one quoted name, \"id\" or \
                 \"status\""
            )),
        }
    }

    /// `user.isMemberOf({'group.id': …})` or `({'group.profile.name': …, 'operator': …})`;
    /// `(` is next.
    fn is_member_of(&mut self, pos: usize) -> Result<Node, String> {
        const NAME: &str = "user.isMemberOf";
        self.expect(&Tok::LParen, &format!("'(' after {NAME}"))?;
        self.expect(&Tok::LBrace, "a criteria map such as {'group.id': '00g…'}")?;
        let mut ids: Option<Vec<String>> = None;
        let mut names: Option<Vec<String>> = None;
        let mut starts_with: Option<bool> = None;
        loop {
            let key_pos = self.pos();
            let Some(Tok::Str(key)) = self.bump() else {
                return Err(format!(
                    "{NAME} at position {pos} expects a quoted criterion name at position {key_pos}"
                ));
            };
            self.expect(&Tok::Colon, &format!("':' after '{key}'"))?;
            let values = self.criterion_values(&key)?;
            let duplicate = || format!("{NAME} at position {pos} names '{key}' twice");
            match key.as_str() {
                "group.id" if ids.is_none() => ids = Some(values),
                "group.profile.name" if names.is_none() => names = Some(values),
                "operator" if starts_with.is_none() => {
                    starts_with = Some(match values.as_slice() {
                        [op] if op == "EXACT" => false,
                        [op] if op == "STARTS_WITH" => true,
                        _ => {
                            return Err(format!(
                                "{NAME} at position {pos}: 'operator' is 'EXACT' or 'STARTS_WITH'"
                            ))
                        }
                    })
                }
                "group.id" | "group.profile.name" | "operator" => return Err(duplicate()),
                "group.type" | "group.source.id" => {
                    return Err(format!(
                        "{NAME} at position {pos}: the '{key}' criterion is not supported by \
                         Latchkey; use 'group.id' or 'group.profile.name'"
                    ))
                }
                _ => {
                    return Err(format!(
                        "{NAME} at position {pos}: unknown criterion '{key}'"
                    ))
                }
            }
            if !self.eat(&Tok::Comma) {
                self.expect(
                    &Tok::RBrace,
                    &format!("',' or '}}' in the criteria of {NAME}"),
                )?;
                break;
            }
        }
        if self.peek() == Some(&Tok::Comma) {
            return Err(format!(
                "{NAME} at position {pos}: several criteria maps are not supported by Latchkey"
            ));
        }
        self.expect(&Tok::RParen, &format!("')' to close {NAME}"))?;
        match (ids, names, starts_with) {
            (Some(ids), None, None) => Ok(Node::MemberOf(GroupMatch::Ids(ids))),
            (None, Some(names), starts_with) => Ok(Node::MemberOf(GroupMatch::Names {
                names,
                starts_with: starts_with.unwrap_or(false),
            })),
            (Some(_), None, Some(_)) => Err(format!(
                "{NAME} at position {pos}: 'operator' applies only to 'group.profile.name'"
            )),
            (Some(_), Some(_), _) => Err(format!(
                "{NAME} at position {pos}: combining 'group.id' and 'group.profile.name' is not \
                 supported by Latchkey"
            )),
            (None, None, _) => Err(format!(
                "{NAME} at position {pos} needs 'group.id' or 'group.profile.name'"
            )),
        }
    }

    /// A criterion's value: one quoted string or `{…}` of quoted strings, none blank.
    fn criterion_values(&mut self, key: &str) -> Result<Vec<String>, String> {
        let pos = self.pos();
        let invalid = || {
            format!(
                "The value of '{key}' at position {pos} must be a quoted string or a list of \
                 them, none blank"
            )
        };
        match self.bump() {
            Some(Tok::Str(value)) if !value.trim().is_empty() => Ok(vec![value]),
            Some(Tok::LBrace) => {
                let mut values = Vec::new();
                loop {
                    match self.bump() {
                        Some(Tok::Str(value)) if !value.trim().is_empty() => values.push(value),
                        _ => return Err(invalid()),
                    }
                    if !self.eat(&Tok::Comma) {
                        self.expect(
                            &Tok::RBrace,
                            &format!("',' or '}}' in the value of '{key}'"),
                        )?;
                        return Ok(values);
                    }
                }
            }
            _ => Err(invalid()),
        }
    }
}
