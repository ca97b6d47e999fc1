//! Parser for the expression language: literals, calls, `.property`, `[index]`, `?.` and `?[`.

use super::ast::{Expr, ExprKind};
use super::limits::Limits;
use super::EvalError;

/// Parses `text` (either `[...]` bracketed or the bare expression inside the brackets).
pub(crate) fn parse_with(text: &str, limits: &Limits) -> Result<Expr, EvalError> {
    let chars: Vec<char> = text.chars().collect();
    let fail = |message: String, position: usize| EvalError {
        message,
        expression: text.to_string(),
        position,
    };
    if chars.len() > limits.max_expression_chars {
        return Err(fail(
            format!(
                "expression is {} characters long; the limit is {}",
                chars.len(),
                limits.max_expression_chars
            ),
            1,
        ));
    }
    // Bracketed form: parse the inside, positions still count the leading `[`.
    let (start, end) = if super::is_expression(text) {
        (1, chars.len() - 1)
    } else {
        (0, chars.len())
    };
    let mut p = Parser {
        chars: &chars[..end],
        pos: start,
        depth: 0,
        max_depth: limits.max_nesting_depth,
    };
    let result = p.expression().and_then(|e| {
        p.skip_ws();
        if p.pos < p.chars.len() {
            Err((
                format!(
                    "unexpected '{}' after the end of the expression",
                    p.chars[p.pos]
                ),
                p.pos,
            ))
        } else {
            Ok(e)
        }
    });
    result.map_err(|(m, idx)| fail(m, idx + 1))
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

type PResult<T> = Result<T, (String, usize)>;

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            Some(c) => format!("'{c}'"),
            None => "the end of the expression".to_string(),
        }
    }

    fn expect(&mut self, c: char, what: &str) -> PResult<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err((
                format!("expected {what} but found {}", self.describe()),
                self.pos,
            ))
        }
    }

    fn expression(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err((
                format!("expression nests deeper than {} levels", self.max_depth),
                self.pos,
            ));
        }
        let mut e = self.primary()?;
        loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    let name = self.property_name()?;
                    e = wrap_property(e, name, false, start);
                }
                Some('[') => {
                    self.pos += 1;
                    let index = self.expression()?;
                    self.expect(']', "']'")?;
                    e = wrap_index(e, index, false, start);
                }
                Some('?') => {
                    self.pos += 1;
                    match self.peek() {
                        Some('.') => {
                            self.pos += 1;
                            let name = self.property_name()?;
                            e = wrap_property(e, name, true, start);
                        }
                        Some('[') => {
                            self.pos += 1;
                            let index = self.expression()?;
                            self.expect(']', "']'")?;
                            e = wrap_index(e, index, true, start);
                        }
                        _ => {
                            return Err((
                                format!(
                                    "expected '.' or '[' after '?' but found {}",
                                    self.describe()
                                ),
                                self.pos,
                            ))
                        }
                    }
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn property_name(&mut self) -> PResult<String> {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| is_ident_char(c) || (c == '-' && self.pos > start))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err((
                format!("expected a property name but found {}", self.describe()),
                self.pos,
            ));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn identifier(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('\'') => self.string_literal().map(|s| Expr {
                kind: ExprKind::String(s),
                position: start + 1,
            }),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => self.integer(),
            Some(c) if is_ident_start(c) => {
                let first = self.identifier();
                let (namespace, name) = if self.peek() == Some('.') {
                    self.pos += 1;
                    if !self.peek().is_some_and(is_ident_start) {
                        return Err((
                            format!(
                                "expected a function name after '{first}.' but found {}",
                                self.describe()
                            ),
                            self.pos,
                        ));
                    }
                    (Some(first), self.identifier())
                } else {
                    (None, first)
                };
                self.skip_ws();
                if self.peek() != Some('(') {
                    return Err((
                        format!(
                            "expected '(' after function name '{name}' but found {} (ARM has no bare identifiers; use e.g. true() or variables('x'))",
                            self.describe()
                        ),
                        self.pos,
                    ));
                }
                self.pos += 1;
                let mut args = Vec::new();
                self.skip_ws();
                if self.peek() == Some(')') {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expression()?);
                        self.skip_ws();
                        match self.peek() {
                            Some(',') => self.pos += 1,
                            Some(')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => {
                                return Err((
                                    format!(
                                    "expected ',' or ')' in the arguments of '{name}' but found {}",
                                    self.describe()
                                ),
                                    self.pos,
                                ))
                            }
                        }
                    }
                }
                Ok(Expr {
                    kind: ExprKind::Call {
                        namespace,
                        name,
                        args,
                    },
                    position: start + 1,
                })
            }
            _ => Err((
                format!(
                    "expected a function call, string or number but found {}",
                    self.describe()
                ),
                self.pos,
            )),
        }
    }

    fn string_literal(&mut self) -> PResult<String> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(("unterminated string literal".to_string(), start)),
                Some('\'') => {
                    if self.chars.get(self.pos + 1) == Some(&'\'') {
                        out.push('\'');
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        return Ok(out);
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> PResult<Expr> {
        let start = self.pos;
        if matches!(self.peek(), Some('-') | Some('+')) {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek() == Some('.')
            && self
                .chars
                .get(self.pos + 1)
                .is_some_and(|c| c.is_ascii_digit())
        {
            return Err((
                "ARM expressions have no decimal literals; use json('1.5') for a number with a fraction"
                    .to_string(),
                start,
            ));
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let value = text
            .parse::<i64>()
            .map_err(|_| (format!("'{text}' is not a valid 64-bit integer"), start))?;
        Ok(Expr {
            kind: ExprKind::Int(value),
            position: start + 1,
        })
    }
}

fn wrap_property(target: Expr, name: String, safe: bool, at: usize) -> Expr {
    Expr {
        kind: ExprKind::Property {
            target: Box::new(target),
            name,
            safe,
        },
        position: at + 1,
    }
}

fn wrap_index(target: Expr, index: Expr, safe: bool, at: usize) -> Expr {
    Expr {
        kind: ExprKind::Index {
            target: Box::new(target),
            index: Box::new(index),
            safe,
        },
        position: at + 1,
    }
}
