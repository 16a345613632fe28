//! Tokens of Okta's filter/search expression language (core-okta-api.md, "Filter"): attribute
//! paths and keywords, double-quoted JSON strings, JSON numbers, and parentheses.
//!
//! Positions are 0-based character offsets into the input, so an error can point at the
//! offending character even when the expression holds non-ASCII text.

use crate::error::DomainError;

/// A JSON number as written in an expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A number without fraction or exponent that fits in 64 bits.
    Int(i64),
    /// Any other finite number.
    Float(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// An attribute path or a keyword (operator, `and`, `or`, `not`, `true`, `false`, `null`).
    Word(String),
    /// A double-quoted string, escapes already decoded.
    Str(String),
    Number(Number),
    Open,
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Character offset of the token's first character.
    pub pos: usize,
}

impl TokenKind {
    /// How an error message names the token.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Word(w) => format!("'{w}'"),
            Self::Str(s) => format!("string {}", quote(s)),
            Self::Number(Number::Int(n)) => format!("number {n}"),
            Self::Number(Number::Float(n)) => format!("number {n}"),
            Self::Open => "'('".to_owned(),
            Self::Close => "')'".to_owned(),
        }
    }
}

/// A string rendered back as a JSON literal, for messages and `Display`.
pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn syntax(cause: String) -> DomainError {
    DomainError::InvalidSearch { cause }
}

/// Splits an expression into tokens.
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, DomainError> {
    let chars: Vec<char> = input.chars().collect();
    let mut lexer = Lexer { chars, at: 0 };
    let mut tokens = Vec::new();
    while let Some(c) = lexer.peek() {
        let pos = lexer.at;
        let kind = match c {
            c if c.is_whitespace() => {
                lexer.at += 1;
                continue;
            }
            '(' => {
                lexer.at += 1;
                TokenKind::Open
            }
            ')' => {
                lexer.at += 1;
                TokenKind::Close
            }
            '"' => TokenKind::Str(lexer.string()?),
            c if c.is_ascii_digit() || c == '-' => TokenKind::Number(lexer.number()?),
            c if c.is_ascii_alphabetic() || c == '_' => TokenKind::Word(lexer.word()?),
            other => {
                return Err(syntax(format!(
                    "Unexpected character '{other}' at position {pos}"
                )))
            }
        };
        tokens.push(Token { kind, pos });
    }
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.at += 1;
        }
        c
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|c| keep(*c)) {
            out.push(c);
            self.at += 1;
        }
        out
    }

    /// A path such as `profile.department` or a keyword: segments of letters, digits and `_`
    /// joined by dots, each starting with a letter or `_`.
    fn word(&mut self) -> Result<String, DomainError> {
        let start = self.at;
        let word = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        let well_formed = word.split('.').all(|segment| {
            segment
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        });
        if well_formed {
            Ok(word)
        } else {
            Err(syntax(format!(
                "Invalid attribute name '{word}' at position {start}"
            )))
        }
    }

    /// A JSON number: `-?digits(.digits)?([eE][+-]?digits)?`, which must end at a delimiter.
    fn number(&mut self) -> Result<Number, DomainError> {
        let start = self.at;
        let mut text = String::new();
        if self.peek() == Some('-') {
            text.push('-');
            self.at += 1;
        }
        let int_digits = self.take_while(|c| c.is_ascii_digit());
        let mut valid = !int_digits.is_empty();
        text.push_str(&int_digits);
        let mut integral = true;
        if self.peek() == Some('.') {
            integral = false;
            self.at += 1;
            let fraction = self.take_while(|c| c.is_ascii_digit());
            valid &= !fraction.is_empty();
            text.push('.');
            text.push_str(&fraction);
        }
        if let Some(e) = self.peek().filter(|c| *c == 'e' || *c == 'E') {
            integral = false;
            self.at += 1;
            text.push(e);
            if let Some(sign) = self.peek().filter(|c| *c == '+' || *c == '-') {
                self.at += 1;
                text.push(sign);
            }
            let exponent = self.take_while(|c| c.is_ascii_digit());
            valid &= !exponent.is_empty();
            text.push_str(&exponent);
        }
        // Glued trailing characters (`12abc`, `1.2.3`) make the whole token invalid.
        let glued = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        text.push_str(&glued);
        if !valid || !glued.is_empty() {
            return Err(syntax(format!(
                "Invalid number '{text}' at position {start}"
            )));
        }
        if integral {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Number::Int(n));
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Number::Float(f)),
            _ => Err(syntax(format!(
                "Number '{text}' at position {start} is out of range"
            ))),
        }
    }

    /// A double-quoted JSON string; the opening quote is at `self.at`.
    fn string(&mut self) -> Result<String, DomainError> {
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            let pos = self.at;
            match self.bump() {
                None => {
                    return Err(syntax(format!(
                        "Unterminated string starting at position {start}"
                    )))
                }
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape(pos)?),
                Some(c) if u32::from(c) < 0x20 => {
                    return Err(syntax(format!(
                        "Control character in string at position {pos}; escape it"
                    )))
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// The character an escape sequence stands for; the backslash was at `pos`.
    fn escape(&mut self, pos: usize) -> Result<char, DomainError> {
        let c = match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(pos),
            Some(other) => {
                return Err(syntax(format!(
                    "Invalid escape '\\{other}' in string at position {pos}"
                )))
            }
            None => {
                return Err(syntax(format!(
                    "Unterminated string: escape at position {pos} ends the input"
                )))
            }
        };
        Ok(c)
    }

    /// `\uXXXX`, combining a UTF-16 surrogate pair written as two escapes.
    fn unicode_escape(&mut self, pos: usize) -> Result<char, DomainError> {
        let invalid = || syntax(format!("Invalid \\u escape in string at position {pos}"));
        let high = self.hex4().ok_or_else(invalid)?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if self.bump() != Some('\\') || self.bump() != Some('u') {
                return Err(invalid());
            }
            let low = self.hex4().ok_or_else(invalid)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(invalid());
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(invalid)
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self.bump()?.to_digit(16)?;
            value = value * 16 + digit;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn cause(input: &str) -> String {
        match tokenize(input) {
            Err(DomainError::InvalidSearch { cause }) => cause,
            other => panic!("expected a syntax error for {input:?}, got {other:?}"),
        }
    }

    fn word(w: &str) -> TokenKind {
        TokenKind::Word(w.to_owned())
    }

    #[test]
    fn splits_words_strings_numbers_and_parens() {
        assert_eq!(
            kinds(r#"(profile.department eq "Eng")or age gt -1.5e2"#),
            vec![
                TokenKind::Open,
                word("profile.department"),
                word("eq"),
                TokenKind::Str("Eng".to_owned()),
                TokenKind::Close,
                word("or"),
                word("age"),
                word("gt"),
                TokenKind::Number(Number::Float(-150.0)),
            ]
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = tokenize(r#""é" eq"#).unwrap();
        assert_eq!(tokens[1].pos, 4);
    }

    #[test]
    fn decodes_json_escapes() {
        assert_eq!(
            kinds(r#""bob\"smith \\ \/ \t \u00e9 \ud83d\ude00""#),
            vec![TokenKind::Str("bob\"smith \\ / \t é 😀".to_owned())]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("42"), vec![TokenKind::Number(Number::Int(42))]);
        assert_eq!(kinds("-7"), vec![TokenKind::Number(Number::Int(-7))]);
        assert_eq!(kinds("8.88"), vec![TokenKind::Number(Number::Float(8.88))]);
        assert_eq!(
            kinds("9223372036854775808"),
            vec![TokenKind::Number(Number::Float(9.223_372_036_854_776e18))]
        );
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(
            cause(r#"status eq "ACTIVE"#),
            "Unterminated string starting at position 10"
        );
        assert_eq!(
            cause(r#"a eq "x\"#),
            "Unterminated string: escape at position 7 ends the input"
        );
        assert_eq!(
            cause(r#"a eq "\q""#),
            "Invalid escape '\\q' in string at position 6"
        );
        assert_eq!(
            cause(r#"a eq "\u12""#),
            "Invalid \\u escape in string at position 6"
        );
        assert_eq!(
            cause(r#"a eq "\ud83d""#),
            "Invalid \\u escape in string at position 6"
        );
        assert_eq!(
            cause("a eq \"x\ny\""),
            "Control character in string at position 7; escape it"
        );
        assert_eq!(cause("a eq 12abc"), "Invalid number '12abc' at position 5");
        assert_eq!(cause("a eq 1."), "Invalid number '1.' at position 5");
        assert_eq!(cause("a eq -"), "Invalid number '-' at position 5");
        assert_eq!(cause("a eq 1e"), "Invalid number '1e' at position 5");
        assert_eq!(cause("a eq 1.2.3"), "Invalid number '1.2.3' at position 5");
        assert_eq!(
            cause("a eq 1e999"),
            "Number '1e999' at position 5 is out of range"
        );
        assert_eq!(
            cause("profile..x eq 1"),
            "Invalid attribute name 'profile..x' at position 0"
        );
        assert_eq!(
            cause("profile. eq 1"),
            "Invalid attribute name 'profile.' at position 0"
        );
        assert_eq!(
            cause("profile.1x eq 1"),
            "Invalid attribute name 'profile.1x' at position 0"
        );
        assert_eq!(cause("a eq 'x'"), "Unexpected character ''' at position 5");
        assert_eq!(cause("a = 1"), "Unexpected character '=' at position 2");
    }
}
