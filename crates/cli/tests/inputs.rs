//! How `rolegate check` reads its inputs (issue 11, engine side), end to end: parameter files
//! paired through `metadata.template`, and quickstart parameter files whose placeholders and CI
//! tokens are no values (real templates from the corpus, skipped when it is absent).

use std::path::{Path, PathBuf};
use std::process::Command;

fn rolegate(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .output()
        .expect("run rolegate");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn corpus(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: corpus not found at {}", path.display());
        None
    }
}

fn findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

#[test]
fn a_parameters_file_naming_its_template_is_paired_and_listed() {
    let dir = std::env::temp_dir().join(format!("rolegate-cli-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A grant whose principal comes from a parameter: without the parameters file it is unknown
    // (EV001); with it, the principal is the given object id.
    std::fs::write(
        dir.join("Resources.Template.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"principalId": {"type": "string"}},
  "resources": [{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
    "name": "[guid(resourceGroup().id, parameters('principalId'))]",
    "properties": {"principalId": "[parameters('principalId')]", "principalType": "Group",
      "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("Resources.Parameters.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  // PSRule's convention
  "metadata": {"template": "./Resources.Template.json"},
  "parameters": {"principalId": {"value": "11111111-2222-3333-4444-555555555555"}}}"#,
    )
    .unwrap();
    let (code, report, stderr) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let templates = report["templates"].as_array().expect("templates");
    assert_eq!(templates.len(), 1, "{templates:#?}");
    let files = templates[0]["parameter_files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0]
        .as_str()
        .unwrap()
        .ends_with("Resources.Parameters.json"));
    assert!(findings(&report, "EV001").is_empty(), "{report:#}");
    // The terminal report says which parameters file the template was checked with.
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["check", dir.to_str().unwrap()])
        .output()
        .expect("run rolegate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("checked: ")
            && l.contains("Resources.Template.json (with ")
            && l.contains("Resources.Parameters.json")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_ci_tokens_are_not_invalid_values() {
    // `location: GET-PREREQ-location` against allowedValues; `prefix: GEN-UNIQUE-8` against
    // maxLength 10 (the token itself is 12 characters).
    for dir in [
        "quickstarts/quickstarts/microsoft.machinelearningservices/machine-learning-linkedservice-create",
        "quickstarts/quickstarts/microsoft.machinelearningservices/aifoundry-network-restricted",
    ] {
        let Some(path) = corpus(dir) else { return };
        let (_, report, stderr) = rolegate(&["check", path.to_str().unwrap(), "--format", "json"]);
        let invalid: Vec<_> = findings(&report, "EV003")
            .into_iter()
            .filter(|f| {
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("invalid-parameter-value"))
            })
            .collect();
        assert!(invalid.is_empty(), "{dir}: {invalid:#?} {stderr}");
    }
}

#[test]
fn quickstart_fill_in_placeholders_are_not_template_errors() {
    // `"arbDeploymentSPNObjectID": {"value": ""}` (minLength 1), used inside an outer-scoped nested
    // template whose role assignment was named '{error}'.
    let Some(path) =
        corpus("quickstarts/quickstarts/microsoft.azurestackhci/upgrade-cluster-2411.3")
    else {
        return;
    };
    let (_, report, stderr) = rolegate(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert!(
        findings(&report, "EV003").is_empty(),
        "{:#?} {stderr}",
        findings(&report, "EV003")
    );
    let text = report["findings"].to_string();
    assert!(!text.contains("{error}"), "{text}");
    // Each placeholder is said once, at its line in the parameters file.
    let notes: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("has no value: placeholder ''"))
        .collect();
    assert_eq!(notes.len(), 2, "{stderr}");
    assert!(notes
        .iter()
        .any(|l| l.contains("'arbDeploymentSPNObjectID'")
            && l.contains("azuredeploy.parameters.json:50")));
}
