//! Loading ARM JSON as Azure accepts it, keeping a source position for every value.
//!
//! Azure Resource Manager accepts UTF-8 with or without a byte-order mark, `//` and `/* */` comments,
//! and CRLF line ends. We parse with `jsonc-parser`, convert to [`serde_json::Value`] for evaluation,
//! and keep a compact span tree so any JSON pointer can be mapped back to line and column.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// A position in a user's file: what every diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Location {
    /// Path of the file as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// RFC 6901 JSON pointer of the value inside the file (`""` is the root).
    pub pointer: String,
    /// For a template compiled from Bicep: the Bicep line that produced this value (set from the
    /// `rolegate-bicep` source map), in the file the author edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bicep: Option<SourcePosition>,
}

/// A position in a source file a JSON value was compiled from (a `.bicep` file).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct SourcePosition {
    /// The file as the user would type it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for SourcePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why a file could not be loaded as JSON.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Syntax {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: file is not UTF-8 text")]
    NotUtf8 { file: String },
}

impl LoadError {
    /// Where the error is, when it has a position.
    pub fn location(&self) -> Option<Location> {
        match self {
            LoadError::Syntax {
                file, line, column, ..
            } => Some(Location {
                file: file.clone(),
                line: *line,
                column: *column,
                pointer: String::new(),
                bicep: None,
            }),
            _ => None,
        }
    }
}

/// A parsed JSON file: its value plus the positions of every node.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path as given by the user.
    pub path: Arc<PathBuf>,
    /// The parsed value (object key order preserved).
    pub value: serde_json::Value,
    spans: SpanNode,
    lines: LineIndex,
    text: Arc<str>,
}

impl Document {
    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<Document, LoadError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
            file: display.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
            file: display.clone(),
        })?;
        Document::parse(path, &text)
    }

    /// Parses text that came from `path` (used for messages only).
    pub fn parse(path: &Path, text: &str) -> Result<Document, LoadError> {
        let display = path.display().to_string();
        let text: &str = text.strip_prefix('\u{feff}').unwrap_or(text);
        let options = jsonc_parser::ParseOptions {
            allow_comments: true,
            allow_trailing_commas: true,
            allow_loose_object_property_names: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let lines = LineIndex::new(text);
        let parsed =
            jsonc_parser::parse_to_ast(text, &jsonc_parser::CollectOptions::default(), &options)
                .map_err(|e| {
                    let (line, column) = lines.line_column(text, e.range().start);
                    LoadError::Syntax {
                        file: display.clone(),
                        line,
                        column,
                        message: e.kind().to_string(),
                    }
                })?;
        let Some(root) = parsed.value else {
            return Err(LoadError::Syntax {
                file: display,
                line: 1,
                column: 1,
                message: "the file holds no JSON value".into(),
            });
        };
        let (value, spans) = convert(root).map_err(|(offset, message)| {
            let (line, column) = lines.line_column(text, offset);
            LoadError::Syntax {
                file: display.clone(),
                line,
                column,
                message,
            }
        })?;
        Ok(Document {
            path: Arc::new(path.to_path_buf()),
            value,
            spans,
            lines,
            text: Arc::from(text),
        })
    }

    /// The file's path as text.
    pub fn file_name(&self) -> String {
        self.path.display().to_string()
    }

    /// Location of the value at `pointer`; falls back to the nearest existing ancestor.
    pub fn locate(&self, pointer: &str) -> Location {
        let offset = self.spans.find(pointer);
        let (line, column) = self.lines.line_column(&self.text, offset);
        Location {
            file: self.file_name(),
            line,
            column,
            pointer: pointer.to_string(),
            bicep: None,
        }
    }

    /// The source line `line` (1-based), for snippets in reports.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.text.lines().nth(line.checked_sub(1)? as usize)
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer_segment(segment: &str) -> std::borrow::Cow<'_, str> {
    // Most segments hold no `~`: no copy (locating every value of a template walks many).
    if segment.contains('~') {
        std::borrow::Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(segment)
    }
}

/// Byte offsets of line starts, for offset → (line, column).
///
/// Columns count characters, so a byte offset must be converted; doing that by counting from the
/// line start would cost O(line length) per lookup, quadratic for a minified (single-line)
/// template. An ASCII text needs no counting; otherwise character counts are kept at checkpoints
/// every [`CHECKPOINT_BYTES`], so one lookup counts at most that many bytes.
#[derive(Debug, Clone)]
struct LineIndex {
    starts: Vec<usize>,
    /// `(byte offset, characters before it)`, ascending; empty for ASCII text.
    checkpoints: Vec<(usize, usize)>,
}

/// Distance between character-count checkpoints in non-ASCII text.
const CHECKPOINT_BYTES: usize = 1024;

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut checkpoints = Vec::new();
        if !text.is_ascii() {
            let mut next = 0;
            for (chars, (byte, _)) in text.char_indices().enumerate() {
                if byte >= next {
                    checkpoints.push((byte, chars));
                    next = byte + CHECKPOINT_BYTES;
                }
            }
        }
        LineIndex {
            starts,
            checkpoints,
        }
    }

    /// Characters in `text[..offset]` (`offset` clamped to the text and to a char boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        if self.checkpoints.is_empty() {
            return offset.min(text.len());
        }
        let i = match self.checkpoints.binary_search_by_key(&offset, |c| c.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (byte, chars) = self.checkpoints.get(i).copied().unwrap_or((0, 0));
        let end = offset.min(text.len());
        chars + text.get(byte..end).map(|s| s.chars().count()).unwrap_or(0)
    }

    fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts[line];
        let column = self
            .chars_before(text, offset)
            .saturating_sub(self.chars_before(text, start));
        (line as u32 + 1, column as u32 + 1)
    }
}

/// Start offsets of a value and its children, mirroring the JSON structure.
#[derive(Debug, Clone)]
struct SpanNode {
    start: usize,
    children: SpanChildren,
}

#[derive(Debug, Clone)]
enum SpanChildren {
    None,
    Array(Vec<SpanNode>),
    Object(ObjectSpans),
}

/// An object's members in source order, with a hash index once there are enough of them that a
/// scan per lookup would make locating every member of a large object (e.g. a symbolic-name
/// `resources` object with thousands of entries) quadratic.
#[derive(Debug, Clone)]
struct ObjectSpans {
    members: Vec<(String, SpanNode)>,
    /// Exact key → index of its last occurrence (ARM keeps the last duplicate).
    exact: Option<HashMap<String, usize>>,
    /// ASCII-lower-cased key → index of its first occurrence, for case-insensitive lookups.
    folded: Option<HashMap<String, usize>>,
}

/// Members from which an object gets a hash index.
const INDEX_FROM: usize = 16;

impl ObjectSpans {
    fn new(members: Vec<(String, SpanNode)>) -> ObjectSpans {
        let (exact, folded) = if members.len() >= INDEX_FROM {
            let mut exact = HashMap::with_capacity(members.len());
            let mut folded = HashMap::with_capacity(members.len());
            for (i, (k, _)) in members.iter().enumerate() {
                exact.insert(k.clone(), i);
                folded.entry(k.to_ascii_lowercase()).or_insert(i);
            }
            (Some(exact), Some(folded))
        } else {
            (None, None)
        };
        ObjectSpans {
            members,
            exact,
            folded,
        }
    }

    fn get(&self, key: &str) -> Option<&SpanNode> {
        let index = match (&self.exact, &self.folded) {
            (Some(exact), Some(folded)) => exact
                .get(key)
                .or_else(|| folded.get(&key.to_ascii_lowercase()))
                .copied(),
            _ => self
                .members
                .iter()
                .rposition(|(k, _)| k == key)
                .or_else(|| {
                    self.members
                        .iter()
                        .position(|(k, _)| k.eq_ignore_ascii_case(key))
                }),
        };
        index.and_then(|i| self.members.get(i)).map(|(_, n)| n)
    }
}

impl SpanNode {
    fn find(&self, pointer: &str) -> usize {
        let mut node = self;
        if pointer.is_empty() {
            return node.start;
        }
        for raw in pointer.trim_start_matches('/').split('/') {
            let segment = unescape_pointer_segment(raw);
            let next = match &node.children {
                SpanChildren::Array(items) => {
                    segment.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                SpanChildren::Object(props) => props.get(&segment),
                SpanChildren::None => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.start
    }
}

type ConvertError = (usize, String);

fn convert(
    value: jsonc_parser::ast::Value<'_>,
) -> Result<(serde_json::Value, SpanNode), ConvertError> {
    use jsonc_parser::ast::Value as Ast;
    use jsonc_parser::common::Ranged;
    let start = value.start();
    Ok(match value {
        Ast::StringLit(s) => (serde_json::Value::String(s.value.into_owned()), leaf(start)),
        Ast::NumberLit(n) => (
            parse_number(n.value).ok_or((start, format!("invalid number {}", n.value)))?,
            leaf(start),
        ),
        Ast::BooleanLit(b) => (serde_json::Value::Bool(b.value), leaf(start)),
        Ast::NullKeyword(_) => (serde_json::Value::Null, leaf(start)),
        Ast::Array(a) => {
            let mut values = Vec::with_capacity(a.elements.len());
            let mut spans = Vec::with_capacity(a.elements.len());
            for element in a.elements {
                let (v, s) = convert(element)?;
                values.push(v);
                spans.push(s);
            }
            (
                serde_json::Value::Array(values),
                SpanNode {
                    start,
                    children: SpanChildren::Array(spans),
                },
            )
        }
        Ast::Object(o) => {
            let mut map = serde_json::Map::with_capacity(o.properties.len());
            let mut spans = Vec::with_capacity(o.properties.len());
            for prop in o.properties {
                let name_start = prop.start();
                let name = prop.name.into_string();
                let (v, mut s) = convert(prop.value)?;
                // Point object members at their key: that is where a reader looks.
                s.start = name_start;
                // ARM (Newtonsoft) keeps the last of duplicate keys.
                map.insert(name.clone(), v);
                spans.push((name, s));
            }
            (
                serde_json::Value::Object(map),
                SpanNode {
                    start,
                    children: SpanChildren::Object(ObjectSpans::new(spans)),
                },
            )
        }
    })
}

fn leaf(start: usize) -> SpanNode {
    SpanNode {
        start,
        children: SpanChildren::None,
    }
}

fn parse_number(text: &str) -> Option<serde_json::Value> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(serde_json::Value::from(i));
    }
    let f = text.parse::<f64>().ok()?;
    serde_json::Number::from_f64(f).map(serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Document, LoadError> {
        Document::parse(Path::new("t.json"), text)
    }

    #[test]
    fn bom_comments_and_crlf_are_accepted() {
        let doc = parse("\u{feff}{\r\n  // a comment\r\n  \"a\": /* inline */ [1, 2],\r\n  \"b\": {\"c\": true}\r\n}\r\n").unwrap();
        assert_eq!(doc.value["a"][1], 2);
        let loc = doc.locate("/b/c");
        assert_eq!((loc.line, loc.column), (4, 9));
        let loc = doc.locate("/a/1");
        assert_eq!((loc.line, loc.column), (3, 25));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        match err {
            LoadError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 7)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_pointer_falls_back_to_ancestor() {
        let doc = parse("{\n \"a\": {\"b\": 1}\n}").unwrap();
        let loc = doc.locate("/a/zzz");
        assert_eq!((loc.line, loc.column), (2, 2));
    }

    #[test]
    fn columns_count_characters_across_checkpoints() {
        // One long line with multi-byte characters, longer than several checkpoints.
        let mut text = String::from("{");
        for i in 0..3000 {
            text.push_str(&format!("\"k{i}\": \"é€😀\", "));
        }
        text.push_str("\"last\": 1}");
        let doc = parse(&text).unwrap();
        for key in ["k0", "k1234", "k2999", "last"] {
            let loc = doc.locate(&format!("/{key}"));
            let byte = text.find(&format!("\"{key}\"")).unwrap();
            let expected = text[..byte].chars().count() as u32 + 1;
            assert_eq!((loc.line, loc.column), (1, expected), "{key}");
        }
    }

    #[test]
    fn large_objects_find_members_exactly_then_case_insensitively_last_duplicate_wins() {
        let mut text = String::from("{\n");
        for i in 0..100 {
            text.push_str(&format!("\"Res{i}\": {i},\n"));
        }
        text.push_str("\"Res5\": 5\n}");
        let doc = parse(&text).unwrap();
        assert_eq!(doc.locate("/Res42").line, 44);
        assert_eq!(doc.locate("/res42").line, 44);
        assert_eq!(doc.locate("/Res5").line, 102);
        assert_eq!(doc.locate("/nope").line, 1);
    }

    #[test]
    fn empty_input_is_an_error() {
        assert!(parse("   ").is_err());
    }
}
