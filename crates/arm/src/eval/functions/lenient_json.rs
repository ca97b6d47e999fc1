//! The JSON dialect ARM's `json()` accepts: ARM parses with Newtonsoft.Json, which is more lenient
//! than RFC 8259. Besides strict JSON it reads numbers with a leading `.` (`.25`, as the
//! container-app-acr quickstart writes `json('.25')`), hexadecimal (`0x1F`) and octal (`017`)
//! integers, `NaN` / `Infinity` / `-Infinity`, single-quoted strings, unquoted property names,
//! `undefined` (as null), trailing commas and `//` / `/* */` comments.
//!
//! [`parse_arm_json`] tries strict JSON first; this parser only sees what serde_json rejects.

use crate::value::{Object, Value};

/// Nesting limit, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 256;

/// Parses `text` as ARM's `json()` does: strict JSON first (fast, exact), then Newtonsoft's dialect.
pub(crate) fn parse_arm_json(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(j) => Ok(Value::from_json(&j)),
        Err(_) => parse(text),
    }
}

/// Parses `text` as Newtonsoft would; the error says what is wrong and at which character (1-based).
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    p.skip_trivia()?;
    let value = p.value(0)?;
    p.skip_trivia()?;
    if p.pos < p.chars.len() {
        return Err(p.error("additional text after the JSON value"));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn error(&self, what: &str) -> String {
        format!("{what} at character {}", self.pos + 1)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_trivia(&mut self) -> Result<(), String> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => self.pos += 1,
                Some('/') => match self.chars.get(self.pos + 1) {
                    Some('/') => {
                        while self.peek().is_some_and(|c| c != '\n' && c != '\r') {
                            self.pos += 1;
                        }
                    }
                    Some('*') => {
                        self.pos += 2;
                        loop {
                            match self.peek() {
                                None => return Err(self.error("unterminated comment")),
                                Some('*') if self.chars.get(self.pos + 1) == Some(&'/') => {
                                    self.pos += 2;
                                    break;
                                }
                                Some(_) => self.pos += 1,
                            }
                        }
                    }
                    _ => return Err(self.error("unexpected '/'")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of text")),
            Some('{') => self.object(depth),
            Some('[') => self.array(depth),
            Some(q @ ('"' | '\'')) => self.string(q).map(Value::String),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => self.number(),
            Some(c) if is_ident_char(c) => {
                let word = self.identifier();
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" | "undefined" => Ok(Value::Null),
                    "NaN" => Ok(Value::Float(f64::NAN)),
                    "Infinity" => Ok(Value::Float(f64::INFINITY)),
                    _ => Err(format!(
                        "unexpected '{word}' at character {}",
                        self.pos + 1 - word.chars().count()
                    )),
                }
            }
            Some(c) => Err(self.error(&format!("unexpected character '{c}'"))),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut out = Object::new();
        loop {
            self.skip_trivia()?;
            let key = match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Object(out));
                }
                Some(q @ ('"' | '\'')) => self.string(q)?,
                Some(c) if is_ident_char(c) => self.identifier(),
                _ => return Err(self.error("expected a property name or '}'")),
            };
            self.skip_trivia()?;
            if self.peek() != Some(':') {
                return Err(self.error("expected ':' after a property name"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            let value = self.value(depth + 1)?;
            out.insert(key, value);
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(']') {
                self.pos += 1;
                return Ok(Value::Array(out));
            }
            out.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {}
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn string(&mut self, quote: char) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match c {
                c if c == quote => return Ok(out),
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => out.push(self.unicode_escape()?),
                        // `\"`, `\'`, `\\`, `\/` and any other escaped character stand for themselves.
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits: String = self.chars.iter().skip(self.pos).take(4).collect();
        if digits.chars().count() != 4 {
            return Err(self.error("incomplete \\u escape"));
        }
        let v = u32::from_str_radix(&digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi)
            && self.peek() == Some('\\')
            && self.chars.get(self.pos + 1) == Some(&'u')
        {
            let save = self.pos;
            self.pos += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        // A lone surrogate cannot be held by a Rust string; .NET keeps it, we substitute.
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        {
            self.pos += 1;
        }
        let raw: String = self.chars[start..self.pos].iter().collect();
        let bad = || format!("'{raw}' is not a number at character {}", start + 1);
        let (negative, body) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw.as_str()),
        };
        if body == "Infinity" {
            return Ok(Value::Float(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }));
        }
        let radix_int = |digits: &str, radix: u32| -> Result<Value, String> {
            let v = i64::from_str_radix(digits, radix).map_err(|_| bad())?;
            Ok(Value::Int(if negative { -v } else { v }))
        };
        if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            return radix_int(hex, 16);
        }
        // Newtonsoft reads a leading zero followed by digits as octal, as JavaScript once did.
        if body.len() > 1 && body.starts_with('0') && body.chars().all(|c| c.is_ascii_digit()) {
            return radix_int(&body[1..], 8);
        }
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            || body
                .chars()
                .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        {
            return Err(bad());
        }
        if body.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(i) = raw.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        // Rust's float syntax accepts `.25`, `1.` and exponents, which is what Newtonsoft reads;
        // it also accepts `inf`/`nan`, excluded above by the alphabetic check.
        raw.parse::<f64>().map(Value::Float).map_err(|_| bad())
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::value::Value;

    fn json(text: &str) -> serde_json::Value {
        parse(text).expect("parses").to_json()
    }

    #[test]
    fn newtonsoft_leniencies() {
        assert_eq!(parse(".25"), Ok(Value::Float(0.25)));
        assert_eq!(parse("-.5"), Ok(Value::Float(-0.5)));
        assert_eq!(parse("1."), Ok(Value::Float(1.0)));
        assert_eq!(parse("0x1F"), Ok(Value::Int(31)));
        assert_eq!(parse("017"), Ok(Value::Int(15)));
        assert_eq!(parse("-Infinity"), Ok(Value::Float(f64::NEG_INFINITY)));
        assert!(matches!(parse("NaN"), Ok(Value::Float(f)) if f.is_nan()));
        assert_eq!(
            json("{'one': 'a', two: \"b\", /* c */ 'three': [1, 2,], // x\n}"),
            serde_json::json!({"one": "a", "two": "b", "three": [1, 2]})
        );
        assert_eq!(json("'it\\'s'"), serde_json::json!("it's"));
        assert_eq!(json("\"\\ud83d\\ude00\""), serde_json::json!("😀"));
        assert_eq!(parse("undefined"), Ok(Value::Null));
    }

    #[test]
    fn still_rejects_what_newtonsoft_rejects() {
        assert!(parse("").is_err());
        assert!(parse("{nope").is_err());
        assert!(parse("[1 2]").is_err());
        assert!(parse("1 2").is_err());
        assert!(parse("1.2.3").is_err());
        assert!(parse("'open").is_err());
        assert!(parse("tru").is_err());
        assert!(parse("--1").is_err());
        assert!(parse(&"[".repeat(10_000)).is_err());
    }
}
