//! Parameter files: `deploymentParameters.json` (hand-written or compiled from `.bicepparam`) and
//! `--param NAME=VALUE` overrides.
//!
//! A value is one of: a literal `value`; a Key Vault `reference` (its secret is never read: it stays
//! unknown); or an `expression` (compiled `.bicepparam`, e.g. `externalInputs(...)`), evaluated later.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::source::{Document, LoadError, Location};
use crate::template::child;

/// A parameters file that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParamsError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{location}: {message}")]
    Shape { message: String, location: Location },
    #[error("--param `{0}`: expected NAME=VALUE")]
    Override(String),
}

/// One parameter's value in a parameters file.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `{"value": ...}`
    Value(Json),
    /// `{"reference": {"keyVault": {"id": ...}, "secretName": ...}}`: never read.
    KeyVaultReference {
        vault_id: String,
        secret_name: String,
    },
    /// `{"expression": "[...]"}` (compiled `.bicepparam`).
    Expression(String),
}

/// A parameter value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamEntry {
    pub value: ParamValue,
    pub location: Location,
}

/// A loaded parameters file.
#[derive(Debug, Clone)]
pub struct ParameterFile {
    pub document: Arc<Document>,
    /// Values by parameter name, in file order.
    pub values: IndexMap<String, ParamEntry>,
}

impl ParameterFile {
    /// Loads and checks a parameters file.
    pub fn load(path: &Path) -> Result<ParameterFile, ParamsError> {
        let document = Arc::new(Document::load(path)?);
        ParameterFile::from_document(document)
    }

    /// Reads a parsed parameters file.
    pub fn from_document(document: Arc<Document>) -> Result<ParameterFile, ParamsError> {
        let shape = |pointer: &str, message: String| ParamsError::Shape {
            message,
            location: document.locate(pointer),
        };
        let Some(root) = document.value.as_object() else {
            return Err(shape(
                "",
                "not a parameters file: expected a JSON object".into(),
            ));
        };
        if let Some(schema) = root.get("$schema").and_then(Json::as_str) {
            if schema.to_ascii_lowercase().contains("deploymenttemplate") {
                return Err(shape(
                    "/$schema",
                    "not a parameters file: this is a deployment template".into(),
                ));
            }
        }
        let Some(params) = root.get("parameters") else {
            return Err(shape(
                "",
                "not a parameters file: no `parameters` object".into(),
            ));
        };
        let Some(params) = params.as_object() else {
            return Err(shape(
                "/parameters",
                "`parameters` must be an object".into(),
            ));
        };
        let mut values = IndexMap::new();
        for (name, entry) in params {
            let pointer = child("/parameters", name);
            let location = document.locate(&pointer);
            let value = match entry {
                Json::Object(o) if o.contains_key("value") => {
                    ParamValue::Value(o.get("value").cloned().unwrap_or(Json::Null))
                }
                Json::Object(o) if o.contains_key("reference") => {
                    let r = o.get("reference");
                    let vault_id = r
                        .and_then(|r| r.pointer("/keyVault/id"))
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let secret_name = r
                        .and_then(|r| r.get("secretName"))
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string();
                    ParamValue::KeyVaultReference {
                        vault_id,
                        secret_name,
                    }
                }
                Json::Object(o) if o.contains_key("expression") => ParamValue::Expression(
                    o.get("expression")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ),
                _ => {
                    return Err(shape(
                        &pointer,
                        format!(
                            "parameter `{name}`: expected an object with `value`, `reference` or `expression`"
                        ),
                    ))
                }
            };
            values.insert(name.clone(), ParamEntry { value, location });
        }
        Ok(ParameterFile { document, values })
    }
}

/// Parses `NAME=VALUE`: VALUE as JSON when it parses, else as a string.
pub fn parse_override(text: &str) -> Result<(String, Json), ParamsError> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(ParamsError::Override(text.to_string()));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(ParamsError::Override(text.to_string()));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Json::String(value.to_string()));
    Ok((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(text: &str) -> Result<ParameterFile, ParamsError> {
        ParameterFile::from_document(Arc::new(
            Document::parse(Path::new("p.json"), text).unwrap(),
        ))
    }

    #[test]
    fn reads_values_references_and_expressions() {
        let f = parse(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "parameters": {
              "a": {"value": 3},
              "b": {"reference": {"keyVault": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"}, "secretName": "pw"}},
              "c": {"expression": "[externalInputs('x')]"}
            }}"#,
        )
        .unwrap();
        assert_eq!(f.values["a"].value, ParamValue::Value(Json::from(3)));
        assert!(matches!(
            &f.values["b"].value,
            ParamValue::KeyVaultReference { secret_name, .. } if secret_name == "pw"
        ));
        assert!(matches!(f.values["c"].value, ParamValue::Expression(_)));
    }

    #[test]
    fn rejects_templates_and_bad_entries() {
        let e = parse(r#"{"$schema": "x/deploymentTemplate.json#", "resources": []}"#).unwrap_err();
        assert!(e.to_string().contains("deployment template"));
        let e = parse("{\"parameters\": {\n \"a\": 3}}").unwrap_err();
        assert!(e.to_string().starts_with("p.json:2:2"), "{e}");
    }

    #[test]
    fn overrides_parse_json_or_string() {
        assert_eq!(parse_override("n=3").unwrap(), ("n".into(), Json::from(3)));
        assert_eq!(
            parse_override("n=hello").unwrap(),
            ("n".into(), Json::from("hello"))
        );
        assert_eq!(
            parse_override("n={\"a\":1}").unwrap().1,
            serde_json::json!({"a": 1})
        );
        assert!(parse_override("novalue").is_err());
    }
}
