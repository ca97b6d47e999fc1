//! The examples' hand-written `main.json` are consistent with their `.bicep`: every parameter,
//! variable, resource, module and output comes from a declaration of the same name and type, every
//! property key from a Bicep line holding that key, and every resource of a module's template from
//! the module's own file. A JSON edited without its Bicep (or the reverse) fails here.

use std::path::{Path, PathBuf};

use bicep::SourceMap;

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    for example in std::fs::read_dir(&root).expect("examples").flatten() {
        for variant in ["good", "bad"] {
            let dir = example.path().join(variant);
            if dir.join("main.json").is_file() && dir.join("main.bicep").is_file() {
                out.push(dir);
            }
        }
    }
    out.sort();
    out
}

/// Keys the compiler writes itself or maps to the declaration line (not to a line holding them).
const STRUCTURAL: &[&str] = &[
    "type",
    "apiVersion",
    "name",
    "dependsOn",
    "scope",
    "condition",
    "copy",
    "properties",
    "metadata",
    "expressionEvaluationOptions",
    "mode",
    "template",
    "$schema",
    "contentVersion",
    "_generator",
    "version",
    "templateHash",
    "parameters",
    "variables",
    "resources",
    "outputs",
    "value",
    "defaultValue",
    "subscriptionId",
    "resourceGroup",
    "location",
    "definition",
];

#[test]
fn every_example_json_value_comes_from_its_bicep() {
    let dirs = examples();
    assert!(dirs.len() >= 6, "examples not found: {dirs:?}");
    let mut problems = Vec::new();
    for dir in &dirs {
        let template = arm::Document::load(&dir.join("main.json")).expect("example JSON");
        let map = SourceMap::build(&template, &dir.join("main.bicep")).expect("example Bicep");
        let line_of = |file: &str, line: u32| -> String {
            std::fs::read_to_string(file)
                .ok()
                .and_then(|t| t.lines().nth(line as usize - 1).map(str::to_string))
                .unwrap_or_default()
        };
        for entry in &map.entries {
            let segments: Vec<&str> = entry.pointer.split('/').skip(1).collect();
            let Some(bicep) = &entry.bicep else {
                // Only what the compiler writes itself maps to nothing.
                if matches!(
                    segments.first(),
                    Some(&("parameters" | "variables" | "resources" | "outputs"))
                ) && segments.len() > 1
                {
                    problems.push(format!(
                        "{}: {} maps to nothing",
                        dir.display(),
                        entry.pointer
                    ));
                }
                continue;
            };
            let text = line_of(&bicep.file, bicep.line);
            let key = segments.last().copied().unwrap_or_default();
            let declared = |keyword: &str| {
                text.trim_start().starts_with(keyword)
                    && text.split_whitespace().nth(1) == Some(key)
            };
            match segments.as_slice() {
                ["parameters", _] if !declared("param") => {}
                ["variables", _] if !declared("var") => {}
                ["outputs", _] if !declared("output") => {}
                ["parameters" | "variables" | "outputs", _] => continue,
                _ => {}
            }
            // A resource (at any depth of nested templates) comes from a declaration of its type.
            if segments.len() >= 2 && segments[segments.len() - 2] == "resources" {
                let json_type = template
                    .value
                    .pointer(&entry.pointer)
                    .and_then(|r| r.get("type"))
                    .and_then(|t| t.as_str())
                    .unwrap_or_default();
                let ok = if json_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                    text.trim_start().starts_with("module ")
                } else {
                    text.trim_start().starts_with("resource ")
                        && text.contains(&format!("'{json_type}@"))
                };
                if !ok {
                    problems.push(format!(
                        "{}: {} ({json_type}) maps to {bicep}: {}",
                        dir.display(),
                        entry.pointer,
                        text.trim()
                    ));
                }
                // Inside a module's template, into the module's own file.
                if entry.pointer.contains("/properties/template/")
                    && bicep.file.ends_with("main.bicep")
                {
                    problems.push(format!(
                        "{}: {} is not in its module file",
                        dir.display(),
                        entry.pointer
                    ));
                }
                continue;
            }
            let is_key = !key.is_empty() && !key.chars().all(|c| c.is_ascii_digit());
            let unescaped = key.replace("~1", "/").replace("~0", "~");
            if is_key
                && !STRUCTURAL.contains(&unescaped.as_str())
                && !unescaped.starts_with('[')
                && !text.contains(&unescaped)
            {
                problems.push(format!(
                    "{}: {} maps to {bicep}, a line without '{unescaped}': {}",
                    dir.display(),
                    entry.pointer,
                    text.trim()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
