//! Conformance: every example of Microsoft's template function documentation that does not depend
//! on the deployment context gives the documented outputs when its template is expanded through the
//! library. Reads `../shared/corpus/function-examples`; skips, saying so, when it is absent.

use std::path::Path;

use arm::expand::{expand_file, ExpandOptions};
use arm::plan::DiagnosticLevel;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/function-examples"
);

/// Files published as fragments that are not complete templates (corpus README).
const FRAGMENTS: &[&str] = &[
    "azure-resource-manager/functions/numeric/float.json",
    "azure-resource-manager/functions/resource/pickzones-cosmosdb.json",
    "azure-resource-manager/functions/date/datetimeadd-automation.json",
];

/// Entries that cannot pass, each with the documented reason. Keep empty unless there is one.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn documented_outputs_are_reproduced() {
    let root = Path::new(CORPUS);
    let Ok(text) = std::fs::read_to_string(root.join("expected.json")) else {
        println!("SKIP: {CORPUS} is absent; function-example conformance not checked");
        return;
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).expect("expected.json");
    let (mut passed, mut checked) = (0, 0);
    let mut failures = Vec::new();
    for entry in &entries {
        if entry["context_dependent"].as_bool() == Some(true) {
            continue;
        }
        let template = entry["template"].as_str().unwrap_or_default();
        if KNOWN_FAILURES.iter().any(|(t, _)| *t == template) {
            continue;
        }
        checked += 1;
        let mut options = ExpandOptions::default();
        if let Some(params) = entry.get("parameters").and_then(|p| p.as_object()) {
            options.overrides = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        let plan = match expand_file(&root.join(template), &options) {
            Ok(plan) => plan,
            Err(e) => {
                failures.push(format!("{template}: {e}"));
                continue;
            }
        };
        let errors: Vec<_> = plan
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(|d| format!("{}: {}", d.location, d.message))
            .collect();
        let mut ok = errors.is_empty();
        if !ok {
            failures.push(format!("{template}: {}", errors.join("; ")));
        }
        let expected = entry["outputs"].as_object().cloned().unwrap_or_default();
        for (name, want) in &expected {
            let got = plan.outputs.get(name).map(|v| v.to_json());
            if got.as_ref() != Some(want) {
                ok = false;
                failures.push(format!(
                    "{template}: output {name}: want {want}, got {got:?}"
                ));
            }
        }
        if ok {
            passed += 1;
        }
    }
    println!("function examples: {passed}/{checked} context-independent entries pass");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn fragments_are_rejected_with_a_clear_error() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        println!("SKIP: {CORPUS} is absent");
        return;
    }
    for fragment in FRAGMENTS {
        let path = root.join(fragment);
        let err =
            expand_file(&path, &ExpandOptions::default()).expect_err("a fragment must not expand");
        let text = err.to_string();
        assert!(
            text.contains(path.file_name().and_then(|n| n.to_str()).unwrap_or("?")),
            "{text}"
        );
        assert!(err.location().is_some(), "no location in {text}");
        println!("rejected {fragment}: {text}");
    }
}
