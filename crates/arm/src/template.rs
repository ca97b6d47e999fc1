//! The template model: the parts of an ARM template, as declared, each with its place in the file.
//!
//! A [`Template`] is read from a [`Document`] (the root of a file, or an inline nested `template`
//! inside one). Nothing is evaluated here; expansion ([`crate::expand`]) evaluates it. What is checked
//! here is shape: a file that is not a template, or a part of the wrong JSON type, is a
//! [`TemplateError`] naming file, line and column.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::context::TargetScope;
use crate::eval::UserFunction;
use crate::source::{escape_pointer_segment, Document, Location};

/// A template whose shape is wrong (not a template, a part of the wrong type), with its location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct TemplateError {
    pub message: String,
    pub location: Location,
}

/// An ARM template as declared.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file that holds it.
    pub document: Arc<Document>,
    /// JSON pointer of the template object inside the file (`""` for a whole-file template).
    pub pointer: String,
    /// `$schema`, if present.
    pub schema: Option<String>,
    /// Deployment level told by `$schema` (resource group when absent).
    pub target_scope: TargetScope,
    /// `languageVersion`, e.g. `2.0`.
    pub language_version: Option<String>,
    /// True for `languageVersion` 2.x: resources are keyed by symbolic name.
    pub symbolic: bool,
    pub content_version: Option<String>,
    /// The tool that wrote it, from `metadata._generator.name` (`bicep` for `bicep build` output).
    pub generator: Option<String>,
    /// Declared parameters, in order.
    pub parameters: IndexMap<String, ParameterDecl>,
    /// Declared variables, in order (a `copy` block adds one variable per entry).
    pub variables: IndexMap<String, VariableDecl>,
    /// User-defined functions keyed by lower-case `namespace.name`.
    pub functions: HashMap<String, UserFunction>,
    /// `definitions` (user-defined types), as declared.
    pub definitions: serde_json::Map<String, Json>,
    /// Resources in declaration order; nested child resources hang off their parent.
    pub resources: Vec<ResourceDecl>,
    /// Outputs, in order.
    pub outputs: IndexMap<String, OutputDecl>,
}

/// A declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDecl {
    pub name: String,
    /// Declared type as written (`string`, `securestring`, ...); a `$ref` type resolves to its definition's type.
    pub declared_type: String,
    /// `securestring` / `secureobject`, or a secure user-defined type.
    pub secure: bool,
    /// `nullable: true` (languageVersion 2.0): no value means `null`, not missing.
    pub nullable: bool,
    pub default: Option<Json>,
    pub allowed_values: Option<Vec<Json>>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub min_length: Option<i64>,
    pub max_length: Option<i64>,
    /// JSON pointer of the declaration.
    pub pointer: String,
}

/// A declared variable.
#[derive(Debug, Clone, PartialEq)]
pub enum VariableDecl {
    /// `"name": value`.
    Value { value: Json, pointer: String },
    /// An entry of the `copy` array: an array built from `input` `count` times.
    Copy {
        count: Json,
        input: Json,
        pointer: String,
    },
}

impl VariableDecl {
    /// JSON pointer of the declaration.
    pub fn pointer(&self) -> &str {
        match self {
            VariableDecl::Value { pointer, .. } | VariableDecl::Copy { pointer, .. } => pointer,
        }
    }
}

/// A declared resource (one entry of `resources`, or a child nested inside one).
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    /// Symbolic name (`languageVersion: 2.0` object key), if any.
    pub symbol: Option<String>,
    /// The declaration as written.
    pub json: Arc<Json>,
    /// JSON pointer of the declaration.
    pub pointer: String,
    /// Child resources declared in its own `resources` array.
    pub children: Vec<ResourceDecl>,
}

/// A declared output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    pub name: String,
    /// Declared type (`string`, `object`, ...).
    pub declared_type: String,
    /// The output object as written (`value`, `copy`, `condition`).
    pub json: Json,
    pub pointer: String,
}

impl Template {
    /// Reads the template that is the whole of `document`.
    pub fn from_document(document: Arc<Document>) -> Result<Template, TemplateError> {
        Template::at(document, "")
    }

    /// Reads the template at `pointer` inside `document` (an inline nested template).
    pub fn at(document: Arc<Document>, pointer: &str) -> Result<Template, TemplateError> {
        let root = if pointer.is_empty() {
            Some(&document.value)
        } else {
            document.value.pointer(pointer)
        };
        let Some(root) = root else {
            return Err(error(
                &document,
                pointer,
                "no template at this position".into(),
            ));
        };
        let Some(obj) = root.as_object() else {
            return Err(error(
                &document,
                pointer,
                format!(
                    "not an ARM template: expected a JSON object, found {}",
                    json_kind(root)
                ),
            ));
        };
        let schema = obj
            .get("$schema")
            .and_then(Json::as_str)
            .map(str::to_string);
        check_is_template(&document, pointer, obj, schema.as_deref())?;
        let target_scope = schema
            .as_deref()
            .map(TargetScope::from_schema)
            .unwrap_or(TargetScope::ResourceGroup);
        let language_version = match obj.get("languageVersion") {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let symbolic = language_version
            .as_deref()
            .map(|v| !v.starts_with("1."))
            .unwrap_or(false);
        let mut template = Template {
            pointer: pointer.to_string(),
            schema,
            target_scope,
            language_version,
            symbolic,
            content_version: obj
                .get("contentVersion")
                .and_then(Json::as_str)
                .map(str::to_string),
            generator: obj
                .get("metadata")
                .and_then(|m| m.get("_generator"))
                .and_then(|g| g.get("name"))
                .and_then(Json::as_str)
                .map(str::to_string),
            parameters: IndexMap::new(),
            variables: IndexMap::new(),
            functions: HashMap::new(),
            definitions: serde_json::Map::new(),
            resources: Vec::new(),
            outputs: IndexMap::new(),
            document: document.clone(),
        };
        if let Some(defs) = obj.get("definitions") {
            template.definitions =
                expect_object(&document, &child(pointer, "definitions"), defs)?.clone();
        }
        if let Some(params) = obj.get("parameters") {
            let base = child(pointer, "parameters");
            for (name, decl) in expect_object(&document, &base, params)? {
                let p = child(&base, name);
                let decl = read_parameter(&document, &template.definitions, name, decl, p)?;
                template.parameters.insert(name.clone(), decl);
            }
        }
        if let Some(vars) = obj.get("variables") {
            let base = child(pointer, "variables");
            for (name, value) in expect_object(&document, &base, vars)? {
                let p = child(&base, name);
                if name.eq_ignore_ascii_case("copy") {
                    read_variable_copies(&document, &p, value, &mut template.variables)?;
                } else {
                    template.variables.insert(
                        name.clone(),
                        VariableDecl::Value {
                            value: value.clone(),
                            pointer: p,
                        },
                    );
                }
            }
        }
        if let Some(functions) = obj.get("functions") {
            read_functions(
                &document,
                &child(pointer, "functions"),
                functions,
                &mut template.functions,
            )?;
        }
        if let Some(resources) = obj.get("resources") {
            template.resources =
                read_resources(&document, &child(pointer, "resources"), resources, 0)?;
        }
        if let Some(outputs) = obj.get("outputs") {
            let base = child(pointer, "outputs");
            for (name, decl) in expect_object(&document, &base, outputs)? {
                let p = child(&base, name);
                let o = expect_object(&document, &p, decl)?;
                let declared_type = o
                    .get("type")
                    .and_then(Json::as_str)
                    .map(str::to_string)
                    .or_else(|| ref_type(&template.definitions, o))
                    .unwrap_or_else(|| "object".into());
                template.outputs.insert(
                    name.clone(),
                    OutputDecl {
                        name: name.clone(),
                        declared_type,
                        json: decl.clone(),
                        pointer: p,
                    },
                );
            }
        }
        Ok(template)
    }

    /// Location of a JSON pointer in the template's file.
    pub fn locate(&self, pointer: &str) -> Location {
        self.document.locate(pointer)
    }

    /// The file name of the template.
    pub fn file_name(&self) -> String {
        self.document.file_name()
    }

    /// A parameter declaration by name, case-insensitively as ARM looks it up.
    pub fn parameter(&self, name: &str) -> Option<&ParameterDecl> {
        self.parameters.get(name).or_else(|| {
            self.parameters
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }

    /// A variable declaration by name, case-insensitively.
    pub fn variable(&self, name: &str) -> Option<(&str, &VariableDecl)> {
        self.variables
            .get_key_value(name)
            .or_else(|| {
                self.variables
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
            })
            .map(|(k, v)| (k.as_str(), v))
    }
}

/// Checks a JSON object is a deployment template, not a parameters file or some other JSON.
fn check_is_template(
    document: &Document,
    pointer: &str,
    obj: &serde_json::Map<String, Json>,
    schema: Option<&str>,
) -> Result<(), TemplateError> {
    match schema {
        Some(s) => {
            let lower = s.to_ascii_lowercase();
            if lower.contains("deploymentparameters") {
                return Err(error(
                    document,
                    &child(pointer, "$schema"),
                    "not an ARM template: this is a deployment parameters file (pass it with -p)"
                        .into(),
                ));
            }
            if !lower.contains("deploymenttemplate") {
                return Err(error(
                    document,
                    &child(pointer, "$schema"),
                    format!("not an ARM template: $schema is `{s}`"),
                ));
            }
        }
        None => {
            if !obj.contains_key("resources") {
                return Err(error(
                    document,
                    pointer,
                    "not an ARM template: no `$schema` and no `resources`".into(),
                ));
            }
        }
    }
    Ok(())
}

fn read_parameter(
    document: &Document,
    definitions: &serde_json::Map<String, Json>,
    name: &str,
    decl: &Json,
    pointer: String,
) -> Result<ParameterDecl, TemplateError> {
    let o = expect_object(document, &pointer, decl)?;
    let declared_type = match o.get("type") {
        Some(Json::String(t)) => t.clone(),
        Some(other) => {
            return Err(error(
                document,
                &child(&pointer, "type"),
                format!(
                    "parameter `{name}`: type must be a string, found {}",
                    json_kind(other)
                ),
            ))
        }
        // languageVersion 2.0 allows an untyped (`any`) parameter: `"p": {}`.
        None => ref_type(definitions, o).unwrap_or_else(|| "any".to_string()),
    };
    let lower = declared_type.to_ascii_lowercase();
    let secure = lower == "securestring" || lower == "secureobject";
    let int = |key: &str| o.get(key).and_then(Json::as_i64);
    let allowed_values = match o.get("allowedValues") {
        None => None,
        Some(Json::Array(a)) => Some(a.clone()),
        Some(other) => {
            return Err(error(
                document,
                &child(&pointer, "allowedValues"),
                format!(
                    "parameter `{name}`: allowedValues must be an array, found {}",
                    json_kind(other)
                ),
            ))
        }
    };
    Ok(ParameterDecl {
        name: name.to_string(),
        declared_type,
        secure,
        nullable: ref_nullable(definitions, o),
        default: o.get("defaultValue").cloned(),
        allowed_values,
        min_value: int("minValue"),
        max_value: int("maxValue"),
        min_length: int("minLength"),
        max_length: int("maxLength"),
        pointer,
    })
}

/// `nullable: true` on the declaration or on the definition its `$ref` names (followed through
/// chained refs): Bicep writes `param p Type?` as `{"$ref": ..., "nullable": true}`, and a
/// `type T = {...}?` definition carries the flag itself.
fn ref_nullable(
    definitions: &serde_json::Map<String, Json>,
    decl: &serde_json::Map<String, Json>,
) -> bool {
    let mut current = decl;
    for _ in 0..16 {
        if let Some(b) = current.get("nullable").and_then(Json::as_bool) {
            return b;
        }
        let Some(name) = current
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        else {
            return false;
        };
        match definitions.get(name).and_then(Json::as_object) {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

/// The type of a `$ref: "#/definitions/x"` declaration (followed through chained refs).
fn ref_type(
    definitions: &serde_json::Map<String, Json>,
    decl: &serde_json::Map<String, Json>,
) -> Option<String> {
    let mut current = decl;
    for _ in 0..16 {
        if let Some(t) = current.get("type").and_then(Json::as_str) {
            return Some(t.to_string());
        }
        let r = current.get("$ref")?.as_str()?;
        let name = r.strip_prefix("#/definitions/")?;
        current = definitions.get(name)?.as_object()?;
    }
    None
}

fn read_variable_copies(
    document: &Document,
    pointer: &str,
    value: &Json,
    out: &mut IndexMap<String, VariableDecl>,
) -> Result<(), TemplateError> {
    let Json::Array(entries) = value else {
        return Err(error(
            document,
            pointer,
            format!(
                "variables copy must be an array, found {}",
                json_kind(value)
            ),
        ));
    };
    for (i, entry) in entries.iter().enumerate() {
        let p = child(pointer, &i.to_string());
        let o = expect_object(document, &p, entry)?;
        let name = o.get("name").and_then(Json::as_str).ok_or_else(|| {
            error(
                document,
                &p,
                "variable copy entry has no string `name`".into(),
            )
        })?;
        let count = o.get("count").cloned().ok_or_else(|| {
            error(
                document,
                &p,
                format!("variable copy `{name}` has no `count`"),
            )
        })?;
        let input = o.get("input").cloned().ok_or_else(|| {
            error(
                document,
                &p,
                format!("variable copy `{name}` has no `input`"),
            )
        })?;
        out.insert(
            name.to_string(),
            VariableDecl::Copy {
                count,
                input,
                pointer: p,
            },
        );
    }
    Ok(())
}

fn read_functions(
    document: &Document,
    pointer: &str,
    value: &Json,
    out: &mut HashMap<String, UserFunction>,
) -> Result<(), TemplateError> {
    let Json::Array(namespaces) = value else {
        return Err(error(
            document,
            pointer,
            format!("functions must be an array, found {}", json_kind(value)),
        ));
    };
    for (i, ns) in namespaces.iter().enumerate() {
        let p = child(pointer, &i.to_string());
        let o = expect_object(document, &p, ns)?;
        let namespace = o.get("namespace").and_then(Json::as_str).ok_or_else(|| {
            error(
                document,
                &p,
                "function namespace has no string `namespace`".into(),
            )
        })?;
        let Some(members) = o.get("members") else {
            continue;
        };
        let mp = child(&p, "members");
        for (name, decl) in expect_object(document, &mp, members)? {
            let fp = child(&mp, name);
            let f = expect_object(document, &fp, decl)?;
            let mut parameters = Vec::new();
            if let Some(Json::Array(ps)) = f.get("parameters") {
                for param in ps {
                    let pname = param.get("name").and_then(Json::as_str).unwrap_or_default();
                    let ptype = param.get("type").and_then(Json::as_str).unwrap_or("any");
                    parameters.push((pname.to_string(), ptype.to_string()));
                }
            }
            let output = f.get("output").and_then(Json::as_object);
            let output_value = output
                .and_then(|o| o.get("value"))
                .cloned()
                .ok_or_else(|| {
                    error(
                        document,
                        &fp,
                        format!("function `{namespace}.{name}` has no `output.value`"),
                    )
                })?;
            let output_type = output
                .and_then(|o| o.get("type"))
                .and_then(Json::as_str)
                .unwrap_or("any")
                .to_string();
            out.insert(
                format!("{namespace}.{name}").to_ascii_lowercase(),
                UserFunction {
                    parameters,
                    output_type,
                    output_value,
                },
            );
        }
    }
    Ok(())
}

/// Bound on child-resource nesting, so hostile input cannot recurse without end.
const MAX_CHILD_DEPTH: usize = 64;

fn read_resources(
    document: &Document,
    pointer: &str,
    value: &Json,
    depth: usize,
) -> Result<Vec<ResourceDecl>, TemplateError> {
    if depth > MAX_CHILD_DEPTH {
        return Err(error(
            document,
            pointer,
            format!("child resources nested more than {MAX_CHILD_DEPTH} deep"),
        ));
    }
    let mut out = Vec::new();
    match value {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                out.push(read_resource(
                    document,
                    child(pointer, &i.to_string()),
                    None,
                    item,
                    depth,
                )?);
            }
        }
        Json::Object(map) => {
            for (symbol, item) in map {
                out.push(read_resource(
                    document,
                    child(pointer, symbol),
                    Some(symbol.clone()),
                    item,
                    depth,
                )?);
            }
        }
        other => {
            return Err(error(
                document,
                pointer,
                format!(
                    "resources must be an array or an object, found {}",
                    json_kind(other)
                ),
            ))
        }
    }
    Ok(out)
}

fn read_resource(
    document: &Document,
    pointer: String,
    symbol: Option<String>,
    value: &Json,
    depth: usize,
) -> Result<ResourceDecl, TemplateError> {
    let o = expect_object(document, &pointer, value)?;
    if !o.contains_key("type") {
        return Err(error(document, &pointer, "resource has no `type`".into()));
    }
    let children = match o.get("resources") {
        Some(r) => read_resources(document, &child(&pointer, "resources"), r, depth + 1)?,
        None => Vec::new(),
    };
    Ok(ResourceDecl {
        symbol,
        json: Arc::new(value.clone()),
        pointer,
        children,
    })
}

/// The JSON pointer of member `segment` under `pointer`.
pub fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape_pointer_segment(segment))
}

fn expect_object<'a>(
    document: &Document,
    pointer: &str,
    value: &'a Json,
) -> Result<&'a serde_json::Map<String, Json>, TemplateError> {
    value.as_object().ok_or_else(|| {
        error(
            document,
            pointer,
            format!("expected a JSON object, found {}", json_kind(value)),
        )
    })
}

fn error(document: &Document, pointer: &str, message: String) -> TemplateError {
    TemplateError {
        message,
        location: document.locate(pointer),
    }
}

/// A JSON type in words, for messages.
pub fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Result<Template, TemplateError> {
        let doc = Document::parse(Path::new("t.json"), text).unwrap();
        Template::from_document(Arc::new(doc))
    }

    #[test]
    fn reads_every_part() {
        let t = load(
            r##"{
  "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "definitions": {"name": {"type": "string", "minLength": 3}},
  "parameters": {
    "p": {"type": "securestring"},
    "q": {"$ref": "#/definitions/name", "defaultValue": "abc", "allowedValues": ["abc"]}
  },
  "variables": {"v": 1, "copy": [{"name": "arr", "count": 2, "input": "[copyIndex('arr')]"}]},
  "functions": [{"namespace": "ns", "members": {"f": {"parameters": [{"name": "x", "type": "int"}], "output": {"type": "int", "value": "[parameters('x')]"}}}}],
  "resources": {"stg": {"type": "Microsoft.Storage/storageAccounts", "name": "a"}},
  "outputs": {"o": {"type": "string", "value": "x"}}
}"##,
        )
        .unwrap();
        assert_eq!(t.target_scope, TargetScope::Subscription);
        assert!(t.symbolic);
        assert!(t.parameters["p"].secure);
        assert_eq!(t.parameters["q"].declared_type, "string");
        assert_eq!(
            t.parameters["q"].allowed_values.as_ref().map(Vec::len),
            Some(1)
        );
        assert!(matches!(t.variables["arr"], VariableDecl::Copy { .. }));
        assert!(t.functions.contains_key("ns.f"));
        assert_eq!(t.resources[0].symbol.as_deref(), Some("stg"));
        assert_eq!(t.resources[0].pointer, "/resources/stg");
        assert_eq!(t.outputs["o"].declared_type, "string");
    }

    #[test]
    fn parameters_file_is_not_a_template() {
        let err = load(
            "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {}\n}",
        )
        .unwrap_err();
        assert!(err.message.contains("parameters file"), "{err}");
        assert_eq!((err.location.line, err.location.column), (2, 3));
    }

    #[test]
    fn plain_json_is_not_a_template() {
        let err = load("[1, 2]").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("t.json:1:1: not an ARM template"));
        let err = load("{\"a\": 1}").unwrap_err();
        assert!(err.message.contains("no `$schema`"));
    }

    #[test]
    fn wrong_shapes_name_their_position() {
        let err = load("{\"$schema\": \"deploymentTemplate.json\",\n \"resources\": [\n  {\"name\": \"x\"}\n ]}")
            .unwrap_err();
        assert_eq!(err.location.line, 3);
        assert!(err.message.contains("no `type`"));
        let err = load("{\"$schema\": \"deploymentTemplate.json\", \"resources\": [], \"parameters\": {\"p\": 3}}")
            .unwrap_err();
        assert!(err.message.contains("expected a JSON object"));
    }

    #[test]
    fn child_resources_are_read() {
        let t = load(r#"{"resources": [{"type": "A.B/c", "name": "x", "resources": [{"type": "d", "name": "y"}]}]}"#)
            .unwrap();
        assert_eq!(t.resources[0].children.len(), 1);
        assert_eq!(
            t.resources[0].children[0].pointer,
            "/resources/0/resources/0"
        );
    }
}
