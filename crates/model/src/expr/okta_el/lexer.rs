//! Tokens of the group-rule expression subset (okta-expression-language, "Constants and
//! operators"): quoted strings, numbers, identifiers, punctuation and operators.
//!
//! Strings follow SpEL, which Okta's language is built on: `'…'` or `"…"`, the delimiting
//! quote escaped by doubling it, a backslash kept as written (Okta's own examples write
//! `"\"` for one backslash). Positions are 0-based character offsets into the source.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Int(i64),
    Dec(f64),
    /// A name: `user`, a property, a function part, or a word operator / keyword.
    Ident(String),
    Dot,
    Comma,
    Colon,
    Question,
    /// `?:`
    Elvis,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    EqEq,
    NotEq,
    Gt,
    Ge,
    Lt,
    Le,
    AndAnd,
    OrOr,
    Bang,
    Plus,
    Minus,
    /// `*`, `/` or `%`: recognised only to refuse them with a clear message.
    Arithmetic(char),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    /// Character offset of the token's first character.
    pub pos: usize,
}

impl Tok {
    /// How an error message names the token.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Str(s) => format!("string '{s}'"),
            Self::Int(n) => format!("number {n}"),
            Self::Dec(n) => format!("number {n}"),
            Self::Ident(name) => format!("'{name}'"),
            Self::Arithmetic(c) => format!("'{c}'"),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Self::Dot => ".",
            Self::Comma => ",",
            Self::Colon => ":",
            Self::Question => "?",
            Self::Elvis => "?:",
            Self::LParen => "(",
            Self::RParen => ")",
            Self::LBrace => "{",
            Self::RBrace => "}",
            Self::LBracket => "[",
            Self::RBracket => "]",
            Self::EqEq => "==",
            Self::NotEq => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::AndAnd => "&&",
            Self::OrOr => "||",
            Self::Bang => "!",
            Self::Plus => "+",
            Self::Minus => "-",
            Self::Str(_) | Self::Int(_) | Self::Dec(_) | Self::Ident(_) | Self::Arithmetic(_) => "",
        }
    }
}

/// Splits the source into tokens; the error is the cause text.
pub(super) fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        at: 0,
    };
    let mut tokens = Vec::new();
    while let Some(c) = lexer.peek(0) {
        let pos = lexer.at;
        if c.is_whitespace() {
            lexer.at += 1;
            continue;
        }
        let tok = match c {
            '\'' | '"' => Tok::Str(lexer.string(c)?),
            c if c.is_ascii_digit() => lexer.number()?,
            c if c.is_alphabetic() || c == '_' || c == '$' => Tok::Ident(lexer.ident()),
            _ => lexer.punctuation(c)?,
        };
        tokens.push(Token { tok, pos });
    }
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// A quoted string; the opening quote is at `self.at`.
    fn string(&mut self, quote: char) -> Result<String, String> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek(0) {
                None => return Err(format!("Unterminated string starting at position {start}")),
                Some(c) if c == quote => {
                    if self.peek(1) == Some(quote) {
                        text.push(quote);
                        self.at += 2;
                    } else {
                        self.at += 1;
                        return Ok(text);
                    }
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// Digits, optionally `.` and more digits.
    fn number(&mut self) -> Result<Tok, String> {
        let start = self.at;
        let mut text = String::new();
        while let Some(c) = self.peek(0).filter(char::is_ascii_digit) {
            text.push(c);
            self.at += 1;
        }
        let fraction =
            self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit());
        if !fraction {
            return text
                .parse::<i64>()
                .map(Tok::Int)
                .map_err(|_| format!("Number {text} at position {start} is too large"));
        }
        text.push('.');
        self.at += 1;
        while let Some(c) = self.peek(0).filter(char::is_ascii_digit) {
            text.push(c);
            self.at += 1;
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Dec(n)),
            _ => Err(format!("Number {text} at position {start} is too large")),
        }
    }

    fn ident(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self
            .peek(0)
            .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        {
            text.push(c);
            self.at += 1;
        }
        text
    }

    fn punctuation(&mut self, c: char) -> Result<Tok, String> {
        let pos = self.at;
        let next = self.peek(1);
        let (tok, width) = match (c, next) {
            ('=', Some('=')) => (Tok::EqEq, 2),
            ('!', Some('=')) => (Tok::NotEq, 2),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('&', Some('&')) => (Tok::AndAnd, 2),
            ('|', Some('|')) => (Tok::OrOr, 2),
            ('?', Some(':')) => (Tok::Elvis, 2),
            ('=', _) => {
                return Err(format!(
                    "Assignment '=' at position {pos} is not allowed; compare with '=='"
                ))
            }
            ('&' | '|', _) => {
                return Err(format!(
                    "Unexpected '{c}' at position {pos}; use '{c}{c}' for a logical operator"
                ))
            }
            ('!', _) => (Tok::Bang, 1),
            ('>', _) => (Tok::Gt, 1),
            ('<', _) => (Tok::Lt, 1),
            ('?', _) => (Tok::Question, 1),
            ('.', _) => (Tok::Dot, 1),
            (',', _) => (Tok::Comma, 1),
            (':', _) => (Tok::Colon, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('{', _) => (Tok::LBrace, 1),
            ('}', _) => (Tok::RBrace, 1),
            ('[', _) => (Tok::LBracket, 1),
            (']', _) => (Tok::RBracket, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('*' | '/' | '%', _) => (Tok::Arithmetic(c), 1),
            _ => return Err(format!("Unexpected character '{c}' at position {pos}")),
        };
        self.at += width;
        Ok(tok)
    }
}
