//! Source lines for snippets: files are read lazily, once, and every line shown is redacted.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

/// Lines of the files findings point into, read on first use and cached.
#[derive(Debug, Default)]
pub struct SourceCache {
    files: RefCell<HashMap<String, Option<Rc<Vec<String>>>>>,
}

impl SourceCache {
    /// An empty cache that reads from disk.
    pub fn new() -> SourceCache {
        SourceCache::default()
    }

    /// Provides a file's text directly (tests, or text already in memory).
    pub fn insert(&self, file: &str, text: &str) {
        self.files
            .borrow_mut()
            .insert(file.to_string(), Some(Rc::new(split_lines(text))));
    }

    /// Line `line` (1-based) of `file`, without its line end; `None` when unreadable or absent.
    pub fn line(&self, file: &str, line: u32) -> Option<String> {
        let index = usize::try_from(line.checked_sub(1)?).ok()?;
        let lines = self.lines(file)?;
        lines.get(index).cloned()
    }

    fn lines(&self, file: &str) -> Option<Rc<Vec<String>>> {
        if let Some(cached) = self.files.borrow().get(file) {
            return cached.clone();
        }
        let loaded = std::fs::read(Path::new(file))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|text| Rc::new(split_lines(&text)));
        self.files
            .borrow_mut()
            .insert(file.to_string(), loaded.clone());
        loaded
    }
}

fn split_lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().map(|l| l.replace('\t', "    ")).collect()
}

/// Key names whose string values are credentials (compared lower-case, as substrings).
const SECRET_KEYS: &[&str] = &[
    "password",
    "secret",
    "token",
    "apikey",
    "accountkey",
    "accesskey",
    "sharedaccesskey",
    "connectionstring",
    "primarykey",
    "secondarykey",
    "signature",
    "credential",
];

/// `name=` fragments inside strings whose value up to `;`, `&` or a quote is a credential.
const SECRET_ASSIGNMENTS: &[&str] = &[
    "accountkey=",
    "sharedaccesskey=",
    "sharedaccesssignature=",
    "sig=",
    "password=",
    "pwd=",
    "client_secret=",
];

/// The mask that replaces a credential.
pub const MASK: &str = "****";

/// Masks credentials in one source line: values of secret-named JSON keys (unless they are template
/// expressions, which name where a value comes from rather than holding it) and `AccountKey=`-style
/// fragments inside any string.
pub fn redact_line(line: &str) -> String {
    let masked = mask_secret_keys(line);
    mask_assignments(&masked)
}

/// Masks `AccountKey=`, `SharedAccessKey=`, `sig=`-style credentials inside a free text value (for
/// values that are not source lines, e.g. evaluated URIs in a plan).
pub fn redact_text(text: &str) -> String {
    mask_assignments(text)
}

/// Masks every string literal after the first `:` (for findings that are themselves about a secret
/// on this line).
pub fn redact_values(line: &str) -> String {
    let Some(colon) = find_outside_strings(line, ':') else {
        return mask_all_strings(line, 0);
    };
    mask_all_strings(line, colon + 1)
}

fn find_outside_strings(line: &str, target: char) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == target {
            return Some(i);
        }
    }
    None
}

/// String literals of a line: (start of content, end of content) byte offsets, after `from`.
fn string_spans(line: &str, from: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match start {
            Some(s) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    spans.push((s, i));
                    start = None;
                }
            }
            None if c == '"' => start = Some(i + 1),
            None => {}
        }
    }
    if let Some(s) = start {
        // An unterminated string runs to the end of the line (a value continued on the next line).
        spans.push((s, line.len()));
    }
    spans.retain(|(s, _)| *s > from);
    spans
}

fn mask_all_strings(line: &str, from: usize) -> String {
    let mut spans = string_spans(line, from);
    // Keys (strings followed by `:`) stay readable; only values are masked.
    spans.retain(|&(_, end)| {
        !line
            .get(end + 1..)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    });
    replace_spans(line, &spans)
}

fn replace_spans(line: &str, spans: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for &(s, e) in spans {
        if s < last || e < s {
            continue;
        }
        out.push_str(&line[last..s]);
        if e > s {
            out.push_str(MASK);
        }
        last = e;
    }
    out.push_str(&line[last..]);
    out
}

fn mask_secret_keys(line: &str) -> String {
    let spans = string_spans(line, 0);
    let mut masked = Vec::new();
    for pair in spans.windows(2) {
        let (key, value) = (pair[0], pair[1]);
        let between = &line[key.1..value.0];
        // `"key": "value"`: only a colon (and blanks) between the closing and opening quotes.
        if between.trim_matches(|c: char| c == '"' || c.is_whitespace()) != ":" {
            continue;
        }
        let name = line[key.0..key.1].to_ascii_lowercase();
        let text = &line[value.0..value.1];
        let is_expression = text.starts_with('[') && !text.starts_with("[[");
        if !is_expression && !text.is_empty() && SECRET_KEYS.iter().any(|k| name.contains(k)) {
            masked.push(value);
        }
    }
    replace_spans(line, &masked)
}

fn mask_assignments(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut spans = Vec::new();
    for needle in SECRET_ASSIGNMENTS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(needle) {
            let at = from + found;
            // `sig=` must start a query parameter, not end another word (`xsig=`).
            let boundary = at == 0
                || !lower[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let start = at + needle.len();
            let end = lower[start..]
                .find([';', '&', '"', '\'', ' ', ','])
                .map_or(lower.len(), |e| start + e);
            if boundary && end > start && !lower[start..end].starts_with(MASK) {
                spans.push((start, end));
            }
            from = start;
        }
    }
    spans.sort();
    replace_spans(line, &spans)
}

/// The Bicep position of a location (a compiled template's value), as a location of its own so
/// snippets and links read the `.bicep` file; `None` when the location has none.
pub fn bicep_location(location: &arm::Location) -> Option<arm::Location> {
    let bicep = location.bicep.as_ref()?;
    Some(arm::Location {
        file: bicep.file.clone(),
        line: bicep.line,
        column: bicep.column,
        pointer: String::new(),
        bicep: None,
    })
}

/// The location a reader edits: the Bicep position when there is one, else the JSON location.
pub fn edited_location(location: &arm::Location) -> arm::Location {
    bicep_location(location).unwrap_or_else(|| location.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_named_keys_are_masked_but_expressions_kept() {
        assert_eq!(
            redact_line(r#"  "password": "hunter2","#),
            r#"  "password": "****","#
        );
        assert_eq!(
            redact_line(r#"  "clientSecret": "[parameters('secret')]","#),
            r#"  "clientSecret": "[parameters('secret')]","#
        );
        assert_eq!(
            redact_line(r#"  "name": "kv-payments","#),
            r#"  "name": "kv-payments","#
        );
    }

    #[test]
    fn connection_string_keys_are_masked_inside_strings() {
        let line = r#""value": "[concat('Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccessKey=abc123=')]""#;
        let out = redact_line(line);
        assert!(!out.contains("abc123"), "{out}");
        assert!(out.contains("SharedAccessKeyName=Root"), "{out}");
        let sas = r#""uri": "https://a.blob.core.windows.net/c?sv=2020&sig=AbC%2Bd&se=1""#;
        let out = redact_line(sas);
        assert!(!out.contains("AbC"), "{out}");
        assert!(out.contains("se=1"), "{out}");
    }

    #[test]
    fn redact_values_masks_everything_after_the_key() {
        assert_eq!(
            redact_values(r#"  "value": "s3cr3t", "other": "x""#),
            r#"  "value": "****", "other": "****""#
        );
        assert_eq!(
            redact_values(r#"  "parameters": { "password": "p", "user": "u" }"#),
            r#"  "parameters": { "password": "****", "user": "****" }"#
        );
        assert_eq!(redact_values(r#"  "abc""#), r#"  "****""#);
    }

    #[test]
    fn cache_reads_lines_once_and_handles_absence() {
        let cache = SourceCache::new();
        cache.insert("a.json", "\u{feff}{\r\n\t\"a\": 1\r\n}");
        assert_eq!(cache.line("a.json", 2).as_deref(), Some("    \"a\": 1"));
        assert_eq!(cache.line("a.json", 0), None);
        assert_eq!(cache.line("a.json", 9), None);
        assert_eq!(cache.line("/nonexistent/file.json", 1), None);
    }
}
