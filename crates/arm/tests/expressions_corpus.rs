//! Every expression in the real templates of `../shared/corpus` parses, and every function it
//! calls is one the evaluator knows. Skips (saying so) when the corpus is absent.

use std::path::{Path, PathBuf};

use arm::eval::{is_expression, is_known_function, parse, Expr, ExprKind};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Files published as fragments that do not parse as JSON (see the corpus README).
const FRAGMENTS: &[&str] = &[
    "float.json",
    "pickzones-cosmosdb.json",
    "datetimeadd-automation.json",
];

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k);
            strings(x, out)
        }),
        _ => {}
    }
}

fn calls<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
    match &e.kind {
        ExprKind::Call {
            namespace,
            name,
            args,
            ..
        } => {
            if namespace.is_none() {
                out.push(name);
            }
            args.iter().for_each(|a| calls(a, out));
        }
        ExprKind::Property { target, .. } => calls(target, out),
        ExprKind::Index { target, index, .. } => {
            calls(target, out);
            calls(index, out);
        }
        _ => {}
    }
}

/// Templates, and parameter files with external inputs (compiled `.bicepparam`); ordinary
/// parameter-file values are literals (e.g. `[dbo].[proc]` in a quickstart), Azure Policy files use
/// other functions (`field()`), and exported resource data is not evaluated at all.
fn evaluated_by_arm(doc: &serde_json::Value) -> bool {
    let schema = doc["$schema"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    schema.contains("deploymenttemplate")
        || (schema.contains("deploymentparameters")
            && doc.get("externalInputDefinitions").is_some())
}

#[test]
fn corpus_expressions_parse_and_use_known_functions() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        println!("skipped: corpus not found at {CORPUS}");
        return;
    }
    let mut files = Vec::new();
    json_files(root, &mut files);
    let (mut expressions, mut failures) = (0usize, Vec::new());
    for file in &files {
        if FRAGMENTS.iter().any(|f| file.ends_with(f)) {
            continue;
        }
        let Ok(doc) = arm::Document::load(file) else {
            continue; // not every JSON file in the corpus is meant to load (e.g. fragments)
        };
        if !evaluated_by_arm(&doc.value) {
            continue;
        }
        let mut texts = Vec::new();
        strings(&doc.value, &mut texts);
        for text in texts.into_iter().filter(|t| is_expression(t)) {
            expressions += 1;
            match parse(text) {
                Ok(expr) => {
                    let mut names = Vec::new();
                    calls(&expr, &mut names);
                    for name in names.into_iter().filter(|n| !is_known_function(n)) {
                        failures.push(format!(
                            "{}: unknown function '{name}' in {text}",
                            file.display()
                        ));
                    }
                }
                Err(e) => failures.push(format!("{}: {e}", file.display())),
            }
        }
    }
    println!("{expressions} expressions in {} files", files.len());
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
