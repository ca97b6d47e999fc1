//! Template values: JSON plus [`Unknown`], a value only known at deployment time.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Serialize;

/// An object as ARM sees it: insertion-ordered, looked up case-insensitively by [`Value::get`].
pub type Object = IndexMap<String, Value>;

/// A value produced by evaluating a template.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    /// Only produced by `json()` / parameter files; ARM expressions have no float literals.
    Float(f64),
    String(String),
    Array(Vec<Value>),
    Object(Object),
    /// Known only at deployment; carries where it comes from.
    Unknown(Unknown),
}

/// A value that cannot be known before deployment, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown(pub Arc<Origin>);

/// A resource as named by an unknown's provenance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ResourceRef {
    /// Full resource id as far as it could be evaluated (unknown parts rendered as `{...}`).
    pub id: String,
    /// Resource type, e.g. `Microsoft.Logic/workflows`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource name (all segments, `/`-joined).
    pub name: String,
    /// Symbolic name in a `languageVersion: 2.0` template, if referenced that way.
    pub symbol: Option<String>,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.resource_type, self.name)
    }
}

/// Where an unknown value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A property only the deployed resource has, e.g. `identity.principalId`.
    /// `path` is relative to the full resource (`properties.principalId` for a non-full `reference()`).
    RuntimeProperty { resource: ResourceRef, path: String },
    /// A parameter with no value (or a Key Vault reference, whose value is never read).
    Parameter {
        name: String,
        key_vault_reference: bool,
    },
    /// `newGuid()`, `utcNow()`: different on every deployment.
    NonDeterministic { function: String },
    /// `listKeys()` and the other `list*` functions: needs the live resource.
    ListCall {
        function: String,
        resource_id: String,
    },
    /// A function or operator applied to unknown inputs.
    Derived {
        operation: String,
        inputs: Vec<Unknown>,
        /// For text built around unknowns (`format()`, `concat()`), the known text with a hole
        /// per unknown argument; for other functions, their known arguments. Not shown, but it
        /// makes `format('a-{0}', x)` and `format('b-{0}', x)` (or `guid(x, 'a')` and
        /// `guid(x, 'b')`) different values, so a module or role named by one is never taken
        /// for the other.
        text: Option<String>,
    },
    /// Something the engine cannot evaluate offline, e.g. a remote `templateLink.uri`.
    NotEvaluated { what: String },
    /// A resource id whose type is known but some name or scope parts are not, e.g.
    /// `resourceId('Microsoft.Logic/workflows', parameters('name'))` with no value for `name`.
    /// `id` renders the unknown parts as `{...}`; `reference()` of it still names the resource.
    PartialResourceId {
        id: String,
        resource_type: String,
        inputs: Vec<Unknown>,
    },
}

impl Unknown {
    /// A new unknown with the given origin.
    pub fn new(origin: Origin) -> Unknown {
        Unknown(Arc::new(origin))
    }

    /// Where it comes from.
    pub fn origin(&self) -> &Origin {
        &self.0
    }

    /// An unknown computed by `operation` from `inputs`.
    pub fn derived(operation: impl Into<String>, inputs: Vec<Unknown>) -> Unknown {
        Unknown::new(Origin::Derived {
            operation: operation.into(),
            inputs,
            text: None,
        })
    }

    /// An unknown computed by `operation` from `inputs` whose known text is `text` (see
    /// [`Origin::Derived`]); it prints as [`Unknown::derived`] does.
    pub fn derived_text(
        operation: impl Into<String>,
        text: impl Into<String>,
        inputs: Vec<Unknown>,
    ) -> Unknown {
        Unknown::new(Origin::Derived {
            operation: operation.into(),
            inputs,
            text: Some(text.into()),
        })
    }

    /// Every root origin this unknown depends on (leaves of `Derived` chains).
    pub fn roots(&self) -> Vec<&Origin> {
        let mut out = Vec::new();
        self.collect_roots(&mut out);
        out
    }

    fn collect_roots<'a>(&'a self, out: &mut Vec<&'a Origin>) {
        match self.origin() {
            Origin::Derived { inputs, .. } => inputs.iter().for_each(|u| u.collect_roots(out)),
            other => out.push(other),
        }
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.origin(), f)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::RuntimeProperty { resource, path } if path.is_empty() => {
                write!(f, "runtime state of {resource}")
            }
            Origin::RuntimeProperty { resource, path } => {
                write!(f, "runtime property {path} of {resource}")
            }
            Origin::Parameter {
                name,
                key_vault_reference: true,
            } => write!(f, "parameter '{name}' (Key Vault reference)"),
            Origin::Parameter { name, .. } => write!(f, "parameter '{name}' (no value given)"),
            Origin::NonDeterministic { function } => write!(f, "{function}() at deployment time"),
            Origin::ListCall {
                function,
                resource_id,
            } => write!(f, "{function}() of {resource_id}"),
            Origin::Derived {
                operation, inputs, ..
            } => {
                write!(f, "{operation} of ")?;
                for (i, input) in inputs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{input}")?;
                }
                Ok(())
            }
            Origin::NotEvaluated { what } => write!(f, "not evaluated: {what}"),
            Origin::PartialResourceId { id, .. } => write!(f, "resource id {id}"),
        }
    }
}

impl Value {
    /// The ARM type name, as used in error messages (`String`, `Int`, `Array`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Bool",
            Value::Int(_) => "Int",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::Array(_) => "Array",
            Value::Object(_) => "Object",
            Value::Unknown(_) => "Unknown",
        }
    }

    /// Converts parsed JSON.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON; unknowns become `{"$unknown": "<what it depends on>"}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Unknown(u) => {
                let mut map = serde_json::Map::new();
                map.insert("$unknown".into(), serde_json::Value::String(u.to_string()));
                serde_json::Value::Object(map)
            }
        }
    }

    /// Object member by name, case-insensitively as ARM looks properties up.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => object_get(o, key),
            _ => None,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The unknown, if this is one.
    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            _ => None,
        }
    }

    /// True if this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Array(a) => a.iter().any(Value::contains_unknown),
            Value::Object(o) => o.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// Every unknown inside this value, outermost first.
    pub fn unknowns(&self) -> Vec<&Unknown> {
        let mut out = Vec::new();
        self.collect_unknowns(&mut out);
        out
    }

    fn collect_unknowns<'a>(&'a self, out: &mut Vec<&'a Unknown>) {
        match self {
            Value::Unknown(u) => out.push(u),
            Value::Array(a) => a.iter().for_each(|v| v.collect_unknowns(out)),
            Value::Object(o) => o.values().for_each(|v| v.collect_unknowns(out)),
            _ => {}
        }
    }

    /// Renders a value for use inside an id or message: strings as-is, unknowns as `{origin}`.
    pub fn to_display_string(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Unknown(u) => format!("{{{u}}}"),
            other => other.to_json().to_string(),
        }
    }
}

/// Case-insensitive member lookup, exact match first.
pub fn object_get<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Unknown> for Value {
    fn from(u: Unknown) -> Value {
        Value::Unknown(u)
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_prints_its_provenance() {
        let u = Unknown::new(Origin::RuntimeProperty {
            resource: ResourceRef {
                id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Logic/workflows/wf1"
                    .into(),
                resource_type: "Microsoft.Logic/workflows".into(),
                name: "wf1".into(),
                symbol: None,
            },
            path: "identity.principalId".into(),
        });
        assert_eq!(
            Value::Unknown(u).to_json(),
            serde_json::json!({"$unknown": "runtime property identity.principalId of Microsoft.Logic/workflows/wf1"})
        );
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let v = Value::from_json(&serde_json::json!({"Name": 1}));
        assert_eq!(v.get("name"), Some(&Value::Int(1)));
    }
}
