//! The policy YAML as a plain tree with a position for every key and value, so that JSON Schema
//! errors (which name a JSON pointer) can be reported at a line and column.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::spanned::{Pos, Spanned};

/// One YAML node.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((
                Spanned {
                    value: key.value.0,
                    pos: key.pos,
                },
                value,
            ));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key as text (`1: x` gives "1"), as JSON needs string keys.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        Ok(KeyText(match node {
            Node::Null => "null".to_owned(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::UInt(u) => u.to_string(),
            Node::Float(f) => f.to_string(),
            Node::Str(s) => s,
            Node::Seq(_) | Node::Map(_) => {
                return Err(de::Error::custom("a mapping key must be a plain value"))
            }
        }))
    }
}

/// Where a value and (for mapping entries) its key are, by JSON pointer.
#[derive(Debug, Clone, Default)]
pub(crate) struct PosIndex {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    by_pos: HashMap<Pos, String>,
}

impl PosIndex {
    /// Position of the value at `pointer`, or of its nearest ancestor that exists.
    pub(crate) fn value(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Pos { line: 1, column: 1 },
            }
        }
    }

    /// Position of the key of the mapping entry at `pointer` (falls back to the value).
    pub(crate) fn key(&self, pointer: &str) -> Pos {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value(pointer))
    }

    /// JSON pointer of the value written at `pos` (empty when unknown).
    pub(crate) fn pointer_at(&self, pos: Pos) -> String {
        self.by_pos.get(&pos).cloned().unwrap_or_default()
    }
}

/// YAML reading options for policies: only `true`/`false` are booleans (YAML 1.2), so that
/// `EV002: off` is the severity `off`, not `false` as YAML 1.1 would have it.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options
}

/// Parses YAML into a JSON value plus the position index. Errors keep serde-saphyr's location.
pub(crate) fn parse(text: &str) -> Result<(serde_json::Value, PosIndex), serde_saphyr::Error> {
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, yaml_options())?;
    let mut index = PosIndex::default();
    let value = to_json(&root, String::new(), &mut index);
    Ok((value, index))
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn to_json(node: &Spanned<Node>, pointer: String, index: &mut PosIndex) -> serde_json::Value {
    use serde_json::Value;
    // The first pointer recorded at a position wins: a container and its first child can share
    // one position only with flow syntax, and the container is the better answer there.
    index
        .by_pos
        .entry(node.pos)
        .or_insert_with(|| pointer.clone());
    index.values.insert(pointer.clone(), node.pos);
    match &node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::from(*i),
        Node::UInt(u) => Value::from(*u),
        Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::String(s.clone()),
        Node::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, format!("{pointer}/{i}"), index))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut object = serde_json::Map::new();
            for (key, value) in entries {
                let child = format!("{pointer}/{}", escape(&key.value));
                index.keys.insert(child.clone(), key.pos);
                let json = to_json(value, child, index);
                object.insert(key.value.clone(), json);
            }
            Value::Object(object)
        }
    }
}
