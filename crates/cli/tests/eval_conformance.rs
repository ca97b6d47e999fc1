//! Conformance through the binary: `rolegate eval` on every context-independent example of
//! Microsoft's template function documentation prints the documented outputs; the three published
//! fragments are rejected with exit 2 and a located error. Skips when the corpus is absent.

use std::path::Path;
use std::process::Command;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/function-examples"
);
const BIN: &str = env!("CARGO_BIN_EXE_rolegate");

/// Entries that cannot pass, each with the documented reason. Keep empty unless there is one.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn eval_prints_documented_outputs() {
    let root = Path::new(CORPUS);
    let Ok(text) = std::fs::read_to_string(root.join("expected.json")) else {
        println!("SKIP: {CORPUS} is absent; rolegate eval conformance not checked");
        return;
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).expect("expected.json");
    let (mut passed, mut checked) = (0, 0);
    let mut failures = Vec::new();
    for entry in &entries {
        let template = entry["template"].as_str().unwrap_or_default();
        if entry["context_dependent"].as_bool() == Some(true)
            || KNOWN_FAILURES.iter().any(|(t, _)| *t == template)
        {
            continue;
        }
        checked += 1;
        let mut cmd = Command::new(BIN);
        cmd.arg("eval").arg(root.join(template));
        if let Some(params) = entry.get("parameters").and_then(|p| p.as_object()) {
            for (k, v) in params {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                cmd.arg("--param").arg(format!("{k}={v}"));
            }
        }
        let out = cmd.output().expect("run rolegate");
        if !out.status.success() {
            failures.push(format!(
                "{template}: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let got: serde_json::Value = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{template}: stdout is not JSON: {e}"));
                continue;
            }
        };
        let mut ok = true;
        for (name, want) in entry["outputs"].as_object().into_iter().flatten() {
            if got.get(name) != Some(want) {
                ok = false;
                failures.push(format!(
                    "{template}: {name}: want {want}, got {:?}",
                    got.get(name)
                ));
            }
        }
        if ok {
            passed += 1;
        }
    }
    println!("rolegate eval: {passed}/{checked} context-independent function examples pass");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn eval_rejects_fragments_with_exit_2() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        println!("SKIP: {CORPUS} is absent");
        return;
    }
    for fragment in [
        "azure-resource-manager/functions/numeric/float.json",
        "azure-resource-manager/functions/resource/pickzones-cosmosdb.json",
        "azure-resource-manager/functions/date/datetimeadd-automation.json",
    ] {
        let out = Command::new(BIN)
            .arg("eval")
            .arg(root.join(fragment))
            .output()
            .expect("run rolegate");
        assert_eq!(out.status.code(), Some(2), "{fragment}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = Path::new(fragment)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?");
        assert!(stderr.contains(&format!("{name}:")), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn expression_errors_exit_2_with_expression_and_location() {
    let dir = std::env::temp_dir().join(format!("rolegate-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"resources\": [],\n  \"outputs\": {\n    \"o\": {\"type\": \"string\", \"value\": \"[concat('a', nope())]\"}\n  }\n}\n",
    )
    .unwrap();
    let out = Command::new(BIN).arg("eval").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.json:5:"), "{stderr}");
    assert!(stderr.contains("/outputs/o/value"), "{stderr}");
    assert!(
        stderr.contains("[concat('a', nope())]") && stderr.contains("character"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn expand_prints_a_plan_and_never_secure_values() {
    let dir = std::env::temp_dir().join(format!("rolegate-expand-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("main.json");
    std::fs::write(
        &path,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
           "parameters": {"pw": {"type": "securestring"}, "principal": {"type": "string"}},
           "resources": [{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra",
                          "properties": {"principalId": "[parameters('principal')]", "secret": "[parameters('pw')]"}}]}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["expand", "--param", "pw=TopSecret123"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("TopSecret123"));
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let r = &plan["resources"][0];
    for key in [
        "type",
        "name",
        "id",
        "scope",
        "condition",
        "deployment",
        "location",
    ] {
        assert!(r.get(key).is_some(), "resource lacks {key}");
    }
    assert!(plan["unresolved"].as_array().is_some_and(|u| !u.is_empty()));
    let text = Command::new(BIN)
        .args(["expand", "--format", "text"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("Microsoft.Authorization/roleAssignments")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
