//! The plan's JSON (docs/plan.md) matches its JSON Schema (docs/plan.schema.json), on real output.

use std::path::Path;
use std::sync::Arc;

use arm::expand::{expand_document, expand_file, ExpandOptions};
use arm::Document;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/plan.schema.json");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA).expect("schema file"))
            .expect("schema JSON");
    jsonschema::draft202012::new(&schema).expect("valid schema")
}

fn check(validator: &jsonschema::Validator, plan: &arm::plan::DeploymentPlan, what: &str) {
    let json = serde_json::to_value(plan).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn plan_output_matches_the_schema() {
    let validator = validator();
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "parameters": {"pw": {"type": "securestring", "defaultValue": "x"}, "missing": {"type": "string"},
                       "on": {"type": "bool"}},
        "resources": [
            {"type": "Microsoft.Logic/workflows", "name": "wf", "identity": {"type": "SystemAssigned"},
             "condition": "[parameters('on')]"},
            {"type": "Microsoft.Authorization/roleAssignments", "name": "[guid('a', string(copyIndex()))]",
             "copy": {"name": "l", "count": 2},
             "properties": {"principalId": "[reference(resourceId('Microsoft.Logic/workflows', 'wf'), '2019-05-01', 'full').identity.principalId]"}},
            {"type": "Microsoft.Resources/deployments", "name": "remote",
             "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/x.json"}}}
        ],
        "outputs": {"p": {"type": "string", "value": "[parameters('missing')]"}}
    });
    let doc = Document::parse(Path::new("main.json"), &template.to_string()).unwrap();
    let plan = expand_document(Arc::new(doc), &ExpandOptions::default()).unwrap();
    assert!(!plan.unresolved.is_empty() && !plan.diagnostics.is_empty());
    check(&validator, &plan, "synthetic");
}

#[test]
fn corpus_plans_match_the_schema() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        println!("SKIP: {CORPUS} is absent");
        return;
    }
    let validator = validator();
    let mut n = 0;
    for rel in [
        "avm/avm/res/logic/workflow/main.json",
        "avm/avm/res/web/site/main.json",
        "bicep-baselines/baselines/Modules_CRLF/main.symbolicnames.json",
        "bicep-baselines/baselines/ModulesSubscription_LF/main.json",
    ] {
        let path = root.join(rel);
        if !path.exists() {
            continue;
        }
        let plan = expand_file(&path, &ExpandOptions::default()).expect(rel);
        check(&validator, &plan, rel);
        n += 1;
    }
    println!("validated {n} corpus plans against the schema");
}
