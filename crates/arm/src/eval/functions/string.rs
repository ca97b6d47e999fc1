//! String functions: `base64`, `base64ToJson`, `base64ToString`, `dataUri`, `dataUriToString`,
//! `endsWith`, `startsWith`, `format`, `guid`, `join`, `newGuid`, `padLeft`, `replace`, `split`,
//! `string`, `substring`, `toLower`, `toUpper`, `trim`, `uniqueString`, `uri`, `uriComponent`,
//! `uriComponentToString`. (`concat`, `contains`, `empty`, `first`, `last`, `indexOf`,
//! `lastIndexOf`, `length`, `skip`, `take` live with the array functions.)

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::super::EvalError;
use super::{f, format, hash, to_arm_string, Call, Def, MANY};
use crate::value::{Origin, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("base64", 1, 1, |c| {
        Ok(Value::String(STANDARD.encode(c.str(0)?)))
    }),
    f("base64tojson", 1, 1, base64_to_json),
    f("base64tostring", 1, 1, base64_to_string),
    f("datauri", 1, 1, data_uri),
    f("datauritostring", 1, 1, data_uri_to_string),
    f("endswith", 2, 2, |c| {
        Ok(Value::Bool(lower(c.str(0)?).ends_with(&lower(c.str(1)?))))
    }),
    f("startswith", 2, 2, |c| {
        Ok(Value::Bool(lower(c.str(0)?).starts_with(&lower(c.str(1)?))))
    }),
    f("format", 1, MANY, format_fn),
    f("guid", 1, MANY, guid),
    f("join", 2, 2, join),
    f("newguid", 0, 0, |c| Ok(non_deterministic(c.name))),
    f("padleft", 2, 3, pad_left),
    f("replace", 3, 3, replace),
    f("split", 2, 2, split),
    f("string", 1, 1, |c| c.check_string(to_arm_string(c.arg(0)))),
    f("substring", 2, 3, substring),
    f("tolower", 1, 1, |c| {
        Ok(Value::String(c.str(0)?.to_lowercase()))
    }),
    f("toupper", 1, 1, |c| {
        Ok(Value::String(c.str(0)?.to_uppercase()))
    }),
    f("trim", 1, 1, |c| {
        Ok(Value::String(c.str(0)?.trim().to_string()))
    }),
    f("uniquestring", 1, MANY, unique_string),
    f("uri", 2, 2, uri),
    f("uricomponent", 1, 1, |c| {
        Ok(Value::String(escape_data(c.str(0)?)))
    }),
    f("uricomponenttostring", 1, 1, uri_component_to_string),
    f("like", 2, 2, like),
];

/// `like(text, pattern)`: `*` matches any run of characters; compared case-insensitively like
/// ARM's other string tests (`startsWith`, `indexOf`).
fn like(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text: Vec<char> = c.str(0)?.chars().flat_map(char::to_lowercase).collect();
    let pattern: Vec<char> = c.str(1)?.chars().flat_map(char::to_lowercase).collect();
    // Greedy wildcard match with backtracking to the last '*': linear in practice, no recursion.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return Ok(Value::Bool(false));
        }
    }
    while p < pattern.len() && pattern[p] == '*' {
        p += 1;
    }
    Ok(Value::Bool(p == pattern.len()))
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// An unknown that differs on every deployment (`newGuid()`, `utcNow()`).
pub(crate) fn non_deterministic(name: &str) -> Value {
    Value::Unknown(Unknown::new(Origin::NonDeterministic {
        function: name.to_string(),
    }))
}

fn decode_base64(c: &Call<'_, '_>, text: &str) -> Result<String, EvalError> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|e| c.err(format!("the argument is not valid base64: {e}")))?;
    String::from_utf8(bytes).map_err(|_| c.err("the decoded bytes are not UTF-8 text"))
}

fn base64_to_string(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    decode_base64(c, c.str(0)?).map(Value::String)
}

fn base64_to_json(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = decode_base64(c, c.str(0)?)?;
    // Same dialect as `json()`: the documented example decodes `{'one': 'a', 'two': 'b'}`.
    super::lenient_json::parse_arm_json(&text)
        .map_err(|e| c.err(format!("the decoded text is not valid JSON: {e}")))
}

fn data_uri(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::String(format!(
        "data:text/plain;charset=utf8;base64,{}",
        STANDARD.encode(c.str(0)?)
    )))
}

fn data_uri_to_string(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = c.str(0)?;
    let rest = text
        .strip_prefix("data:")
        .ok_or_else(|| c.err("the argument is not a data URI (it must start with 'data:')"))?;
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| c.err("the data URI has no ',' before its data"))?;
    if meta.to_ascii_lowercase().ends_with(";base64") {
        decode_base64(c, data).map(Value::String)
    } else {
        unescape_data(data)
            .map(Value::String)
            .ok_or_else(|| c.err("the data URI has an invalid percent-escape"))
    }
}

fn format_fn(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = format::composite(c.str(0)?, &c.args[1..]).map_err(|m| c.err(m))?;
    c.check_string(text)
}

fn string_args<'v>(c: &Call<'_, '_>, args: &'v [Value]) -> Result<Vec<&'v str>, EvalError> {
    args.iter()
        .enumerate()
        .map(|(i, v)| v.as_str().ok_or_else(|| c.expected(i, "a string")))
        .collect()
}

fn guid(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let args = string_args(c, &c.args)?;
    let out = hash::guid(&args);
    c.it.scope.record_guid(&out, &args);
    Ok(Value::String(out))
}

fn unique_string(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::String(hash::unique_string(&string_args(
        c, &c.args,
    )?)))
}

fn join(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let items = c.array(0)?;
    let sep = c.str(1)?;
    let mut parts = Vec::with_capacity(items.len());
    for v in items {
        match v {
            Value::Array(_) | Value::Object(_) => {
                return Err(c.err("every element must be a string, number or boolean"))
            }
            other => parts.push(to_arm_string(other)),
        }
    }
    c.check_string(parts.join(sep))
}

fn pad_left(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let value = match c.arg(0) {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => return Err(c.expected(0, "a string or an integer")),
    };
    let total = c.int(1)?;
    if total < 0 {
        return Err(c.err("the total length must not be negative"));
    }
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    if total > c.it.limits.max_string_bytes {
        return Err(c.err(format!(
            "the total length {total} exceeds the string limit of {}",
            c.it.limits.max_string_bytes
        )));
    }
    let pad = if c.args.len() > 2 {
        let p = c.str(2)?;
        let mut chars = p.chars();
        match (chars.next(), chars.next()) {
            (Some(ch), None) => ch,
            _ => return Err(c.err("the padding character must be exactly one character")),
        }
    } else {
        ' '
    };
    let len = value.chars().count();
    let mut out: String = std::iter::repeat_n(pad, total.saturating_sub(len)).collect();
    out.push_str(&value);
    Ok(Value::String(out))
}

fn replace(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let (s, old, new) = (c.str(0)?, c.str(1)?, c.str(2)?);
    if old.is_empty() {
        return Err(c.err("the string to replace must not be empty"));
    }
    let count = s.matches(old).count();
    if new.len() > old.len()
        && s.len() + count * (new.len() - old.len()) > c.it.limits.max_string_bytes
    {
        return Err(c.err("the result would exceed the string size limit"));
    }
    Ok(Value::String(s.replace(old, new)))
}

fn split(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let s = c.str(0)?;
    let delimiters: Vec<String> = match c.arg(1) {
        Value::String(d) => vec![d.clone()],
        Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| c.expected(1, "an array of strings"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(c.expected(1, "a string or an array of strings")),
    };
    let delimiters: Vec<&str> = delimiters
        .iter()
        .map(String::as_str)
        .filter(|d| !d.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let next = delimiters
            .iter()
            .filter_map(|d| rest.find(d).map(|p| (p, d.len())))
            .min_by_key(|(p, _)| *p);
        match next {
            Some((p, len)) => {
                out.push(Value::String(rest[..p].to_string()));
                rest = &rest[p + len..];
                c.check_len(out.len())?;
            }
            None => {
                out.push(Value::String(rest.to_string()));
                break;
            }
        }
    }
    Ok(Value::Array(out))
}

fn substring(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let chars: Vec<char> = c.str(0)?.chars().collect();
    let start = c.int(1)?;
    if start < 0 || start as usize > chars.len() {
        return Err(c.err(format!(
            "the start index {start} is outside the string (length {})",
            chars.len()
        )));
    }
    let start = start as usize;
    let len = if c.args.len() > 2 {
        let l = c.int(2)?;
        if l < 0 || start + l as usize > chars.len() {
            return Err(c.err(format!(
                "the length {l} from index {start} goes past the end of the string (length {})",
                chars.len()
            )));
        }
        l as usize
    } else {
        chars.len() - start
    };
    Ok(Value::String(chars[start..start + len].iter().collect()))
}

/// `Uri(base, relative)` resolution, as .NET combines them.
fn uri(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let (base, rel) = (c.str(0)?, c.str(1)?);
    let Some(scheme_end) = base.find("://") else {
        return Err(c.err(format!("'{base}' is not an absolute URI")));
    };
    if rel.contains("://") {
        return Ok(Value::String(rel.to_string()));
    }
    let authority_start = scheme_end + 3;
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |p| p + authority_start);
    let origin = &base[..path_start];
    let path = &base[path_start..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let joined = if let Some(abs) = rel.strip_prefix('/') {
        format!("/{abs}")
    } else {
        let dir = match path.rfind('/') {
            Some(p) => &path[..=p],
            None => "/",
        };
        format!("{dir}{rel}")
    };
    Ok(Value::String(format!(
        "{origin}{}",
        normalize_dots(&joined)
    )))
}

fn normalize_dots(path: &str) -> String {
    let (path, tail) = match path.find(['?', '#']) {
        Some(p) => (&path[..p], &path[p..]),
        None => (path, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("{}{tail}", out.join("/"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (.NET `Uri.EscapeDataString`).
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unescape_data(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn uri_component_to_string(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    unescape_data(c.str(0)?)
        .map(Value::String)
        .ok_or_else(|| c.err("the argument has an invalid percent-escape"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn strings() {
        assert_eq!(
            ok("[base64('one, two, three')]"),
            json!("b25lLCB0d28sIHRocmVl")
        );
        assert_eq!(
            ok("[base64ToString('b25lLCB0d28sIHRocmVl')]"),
            json!("one, two, three")
        );
        assert_eq!(ok("[base64ToJson(base64('{\"a\": 1}'))]"), json!({"a": 1}));
        assert_eq!(
            ok("[base64ToJson(base64('{''one'': ''a'', ''two'': ''b''}'))]"),
            json!({"one": "a", "two": "b"})
        );
        assert_eq!(
            ok("[dataUri('Hello')]"),
            json!("data:text/plain;charset=utf8;base64,SGVsbG8=")
        );
        assert_eq!(
            ok("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]"),
            json!("Hello, World!")
        );
        assert_eq!(ok("[endsWith('abcdef', 'EF')]"), json!(true));
        assert_eq!(ok("[startsWith('abcdef', 'ab')]"), json!(true));
        assert_eq!(
            ok("[format('{0}, {1:N0}', 'User', 8175133)]"),
            json!("User, 8,175,133")
        );
        assert_eq!(
            ok("[join(createArray('a', 'b', 'c'), ',')]"),
            json!("a,b,c")
        );
        assert_eq!(ok("[padLeft('123', 10, '0')]"), json!("0000000123"));
        assert_eq!(ok("[padLeft(7, 3)]"), json!("  7"));
        assert_eq!(
            ok("[replace('123-123-1234', '-', '')]"),
            json!("1231231234")
        );
        assert_eq!(
            ok("[split('one,two;three', createArray(',', ';'))]"),
            json!(["one", "two", "three"])
        );
        assert_eq!(ok("[split('a,,b', ',')]"), json!(["a", "", "b"]));
        assert_eq!(
            ok("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]"),
            json!("{\"valueA\":10,\"valueB\":\"Example Text\"}")
        );
        assert_eq!(ok("[string(true())]"), json!("True"));
        assert_eq!(ok("[substring('one two three', 4, 3)]"), json!("two"));
        assert_eq!(ok("[toLower('One Two')]"), json!("one two"));
        assert_eq!(ok("[toUpper('One Two')]"), json!("ONE TWO"));
        assert_eq!(ok("[trim('  x  ')]"), json!("x"));
        assert_eq!(
            ok("[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]"),
            json!("http://contoso.com/resources/nested/azuredeploy.json")
        );
        assert_eq!(
            ok("[uri('http://contoso.com/resources/azuredeploy.json', 'nested/a.json')]"),
            json!("http://contoso.com/resources/nested/a.json")
        );
        assert_eq!(
            ok("[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]"),
            json!("http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json")
        );
        assert_eq!(ok("[uriComponentToString('a%20b')]"), json!("a b"));
        assert_eq!(ok("[like('abcdef', 'a*c*')]"), json!(true));
        assert_eq!(ok("[like('aXaYa', 'a*a')]"), json!(true));
        assert_eq!(ok("[like('', '***')]"), json!(true));
        assert_eq!(ok("[like('a', 'b')]"), json!(false));
        assert_eq!(ok("[like('abc**def', '*def')]"), json!(true));
        assert_eq!(ok("[like('abcabc', '*abd')]"), json!(false));
        assert_eq!(ok("[uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myRg')]"), json!("js26ofeqkqeve"));
    }

    #[test]
    fn errors() {
        assert!(fails("[substring('abc', 2, 5)]")
            .message
            .contains("past the end"));
        assert!(fails("[substring('abc', -1)]").message.contains("outside"));
        assert!(fails("[base64ToString('***')]").message.contains("base64"));
        assert!(fails("[padLeft('a', 3, 'xy')]")
            .message
            .contains("exactly one"));
        assert!(fails("[guid(1)]").message.contains("string"));
        assert!(fails("[format('{1}', 'a')]").message.contains("argument 1"));
        assert!(fails("[replace('a', '', 'b')]").message.contains("empty"));
        assert!(fails("[uri('nope', 'a')]").message.contains("absolute"));
    }

    #[test]
    fn non_deterministic_values_are_unknown() {
        assert!(ok("[newGuid()]")["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("newGuid")));
        assert!(ok("[uniqueString(newGuid())]").get("$unknown").is_some());
    }
}
