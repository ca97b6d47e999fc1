//! The policy's JSON Schema: generated from the Rust types, checked in at
//! `policies/policy.schema.json`, and used to validate every policy before it is read.

use std::sync::OnceLock;

use crate::model::PolicyFile;

/// The `$id` editors see for the schema.
pub const SCHEMA_ID: &str =
    "https://github.com/rolegate/rolegate/blob/main/policies/policy.schema.json";

/// The JSON Schema generated from the policy types.
pub fn generate() -> serde_json::Value {
    let mut schema = schemars::schema_for!(PolicyFile);
    schema.insert("$id".to_owned(), serde_json::Value::from(SCHEMA_ID));
    let mut value = schema.to_value();
    simplify(&mut value);
    value
}

/// Makes the schema say what the format accepts and read well in editors: optional keys are
/// omitted rather than `null` (so `null` is not offered), and enums of documented constants
/// become a plain `enum` (so a wrong value gets "is not one of ..." rather than a `oneOf` error),
/// with the variants' docs folded into the description.
fn simplify(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            // `default: null` says nothing an absent key does not.
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            // `type: [T, "null"]` → `type: T`
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            // `anyOf: [S, {type: null}]` → S's contents merged in
            if let Some(Value::Array(options)) = map.get("anyOf") {
                let rest: Vec<Value> = options
                    .iter()
                    .filter(|o| o.get("type") != Some(&Value::from("null")))
                    .cloned()
                    .collect();
                if rest.len() == 1 && rest.len() < options.len() {
                    map.remove("anyOf");
                    if let Some(Value::Object(inner)) = rest.into_iter().next() {
                        for (k, v) in inner {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            // `oneOf: [{const: a, description}, ...]` → `enum: [a, ...]`
            if let Some(Value::Array(options)) = map.get("oneOf") {
                let consts: Option<Vec<(Value, Option<String>)>> = options
                    .iter()
                    .map(|o| {
                        o.get("const").cloned().map(|c| {
                            let doc = o
                                .get("description")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                            (c, doc)
                        })
                    })
                    .collect();
                if let Some(consts) = consts {
                    map.remove("oneOf");
                    let docs: Vec<String> = consts
                        .iter()
                        .filter_map(|(c, d)| Some(format!("`{}`: {}", c.as_str()?, d.as_ref()?)))
                        .collect();
                    if !docs.is_empty() {
                        let base = map
                            .get("description")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned();
                        let text = if base.is_empty() {
                            docs.join("\n")
                        } else {
                            format!("{base}\n{}", docs.join("\n"))
                        };
                        map.insert("description".to_owned(), Value::from(text));
                    }
                    map.insert("type".to_owned(), Value::from("string"));
                    map.insert(
                        "enum".to_owned(),
                        Value::Array(consts.into_iter().map(|(c, _)| c).collect()),
                    );
                }
            }
            map.values_mut().for_each(simplify);
        }
        Value::Array(items) => items.iter_mut().for_each(simplify),
        _ => {}
    }
}

/// The schema as pretty JSON with a final newline: the exact bytes of the checked-in file.
pub fn generate_text() -> String {
    let value = generate();
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The validator, built once per process.
pub(crate) fn validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            // The schema is generated from our own types and uses only keywords that mean the
            // same in draft 7 and 2020-12 (`$ref` has only a description beside it; `$defs` is
            // reached by JSON pointer). Compiling it as draft 7 validates it against the far
            // smaller draft-7 meta-schema: the 2020-12 one costs most of a small check's run
            // time. The published file keeps 2020-12 for editors; a test validates it
            // against the 2020-12 meta-schema.
            let mut schema = generate();
            if let Some(map) = schema.as_object_mut() {
                map.insert(
                    "$schema".to_owned(),
                    serde_json::Value::from("http://json-schema.org/draft-07/schema#"),
                );
            }
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .should_validate_formats(false)
                .build(&schema)
                .map_err(|e| format!("policy schema: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}
