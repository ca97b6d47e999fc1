//! How inputs are read (issue 11, engine side): parameter-file placeholders and quickstart CI
//! tokens, required parameters without a value, the placeholder deployment context, and outer-scoped
//! nested templates under symbolic-name parents. Each class was a false or misdescribed template
//! error on real templates; each test also keeps a genuinely invalid input an error.

mod common;

use std::path::{Path, PathBuf};

use arm::context::DeploymentContext;
use arm::expand::ExpandOptions;
use arm::plan::{ConditionStatus, DeploymentPlan, Diagnostic, DiagnosticLevel};
use common::{expand, expand_json, find};
use serde_json::json;

const RG_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const PARAMS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// A parameters file (pretty-printed, so each value has its own line) in a private directory.
fn parameters_file(test: &str, values: serde_json::Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-inputs-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("azuredeploy.parameters.json");
    let params: serde_json::Map<String, serde_json::Value> = values
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json!({ "value": v })))
        .collect();
    let text = serde_json::to_string_pretty(
        &json!({"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": params}),
    )
    .unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn with_file(path: &Path) -> ExpandOptions {
    ExpandOptions {
        parameter_files: vec![path.to_path_buf()],
        ..ExpandOptions::default()
    }
}

fn errors(plan: &DeploymentPlan) -> Vec<&Diagnostic> {
    plan.diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect()
}

fn output(plan: &DeploymentPlan, name: &str) -> serde_json::Value {
    plan.outputs
        .get(name)
        .unwrap_or_else(|| panic!("no output {name}"))
        .to_json()
}

fn is_unknown(value: &serde_json::Value) -> bool {
    value.get("$unknown").is_some()
}

// ---- H: fill-in placeholders `""` in parameter files ------------------------------------------

#[test]
fn empty_string_placeholder_is_unknown_and_reported_once_at_the_parameters_file() {
    let file = parameters_file(
        "empty",
        json!({"storageName": "", "objectId": "", "given": "kept"}),
    );
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {
                "storageName": {"type": "string"},
                "objectId": {"type": "string", "minLength": 1},
                "given": {"type": "string"}},
            "variables": {"storageId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageName'))]"},
            "resources": [],
            "outputs": {
                "storageId": {"type": "string", "value": "[variables('storageId')]"},
                "objectId": {"type": "string", "value": "[parameters('objectId')]"},
                "given": {"type": "string", "value": "[parameters('given')]"}}}),
        &with_file(&file),
    )
    .unwrap();
    // No "length 0 is outside minLength" at the template, no resourceId arity error downstream.
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    assert!(is_unknown(&output(&plan, "storageId")));
    assert!(is_unknown(&output(&plan, "objectId")));
    assert_eq!(output(&plan, "given"), json!("kept"));
    let notes: Vec<_> = plan
        .diagnostics
        .iter()
        .filter(|d| d.code == "parameter-placeholder")
        .collect();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    let object_id = notes
        .iter()
        .find(|d| d.message.contains("'objectId'"))
        .unwrap();
    assert_eq!(object_id.location.file, file.display().to_string());
    // Line of `"objectId": {` in the pretty-printed file.
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"objectId\""))
        .unwrap()
        + 1;
    assert_eq!(object_id.location.line as usize, line);
    assert!(
        object_id.message.contains(&format!(
            "placeholder '' in azuredeploy.parameters.json:{line}"
        )),
        "{}",
        object_id.message
    );
}

#[test]
fn empty_string_the_template_plans_for_is_a_value() {
    // "" over a real default, and "" where the default is "" too (an optional user to grant to,
    // skipped by a condition): values of their own, not placeholders.
    let file = parameters_file("override", json!({"suffix": "", "userObjectId": ""}));
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {"suffix": {"type": "string", "defaultValue": "-prod"},
                           "userObjectId": {"type": "string", "defaultValue": ""}},
            "resources": [{"condition": "[not(equals(parameters('userObjectId'), ''))]",
                "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid(parameters('userObjectId'))]",
                "properties": {"principalId": "[parameters('userObjectId')]",
                    "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"}}],
            "outputs": {"name": {"type": "string", "value": "[concat('app', parameters('suffix'))]"}}}),
        &with_file(&file),
    )
    .unwrap();
    assert_eq!(output(&plan, "name"), json!("app"));
    assert_eq!(plan.resources[0].condition, ConditionStatus::Skipped);
    assert!(!plan
        .diagnostics
        .iter()
        .any(|d| d.code == "parameter-placeholder"));
}

#[test]
fn empty_string_that_makes_the_template_fail_is_a_fill_in_even_with_an_empty_default() {
    // The HCI quickstarts: `clusterWitnessStorageAccountName` defaults to "" and the parameters
    // file leaves it "", though the same file asks for a cloud witness that needs the name.
    let file = parameters_file(
        "witness",
        json!({"witnessType": "Cloud", "witnessName": ""}),
    );
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {"witnessType": {"type": "string"},
                           "witnessName": {"type": "string", "defaultValue": ""}},
            "variables": {"witnessId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('witnessName'))]"},
            "resources": [],
            "outputs": {"id": {"type": "string",
                "value": "[if(equals(parameters('witnessType'), 'Cloud'), variables('witnessId'), '')]"}}}),
        &with_file(&file),
    )
    .unwrap();
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    assert!(is_unknown(&output(&plan, "id")));
    let note = plan
        .diagnostics
        .iter()
        .find(|d| d.code == "parameter-placeholder")
        .expect("the placeholder is reported");
    assert!(note.message.contains("'witnessName'"), "{}", note.message);
    assert_eq!(note.location.file, file.display().to_string());
}

// ---- I: quickstart CI tokens -------------------------------------------------------------------

#[test]
fn quickstart_ci_tokens_are_stand_ins_or_unknown_never_invalid_literals() {
    let file = parameters_file(
        "tokens",
        json!({"prefix": "GEN-UNIQUE-8", "location": "GET-PREREQ-location",
               "workspaces": "GET-PREREQ-existingWorkspacesToQuery", "password": "GEN-PASSWORD"}),
    );
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {
                "prefix": {"type": "string", "minLength": 2, "maxLength": 10},
                "location": {"type": "string", "allowedValues": ["eastus", "westeurope"]},
                "workspaces": {"type": "array"},
                "password": {"type": "securestring", "minLength": 12}},
            "resources": [],
            "outputs": {"prefix": {"type": "string", "value": "[parameters('prefix')]"},
                        "location": {"type": "string", "value": "[parameters('location')]"},
                        "count": {"type": "int", "value": "[length(parameters('workspaces'))]"}}}),
        &with_file(&file),
    )
    .unwrap();
    // Not "length 12 is outside minLength/maxLength", not "not one of the allowed values", not
    // "expected a value of type array, got String".
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    // GEN-UNIQUE-8 names things as a stand-in of 8 characters (made from the parameter's name);
    // the location token (allowed values) and the array token are unknown.
    let prefix = output(&plan, "prefix");
    let prefix = prefix.as_str().expect("a known stand-in");
    assert_eq!(prefix.len(), 8, "{prefix}");
    assert!(prefix.starts_with("pref"), "{prefix}");
    assert!(is_unknown(&output(&plan, "count")));
    assert!(is_unknown(&output(&plan, "location")));
    let tokens = plan
        .diagnostics
        .iter()
        .filter(|d| d.code == "parameter-placeholder" && d.message.contains("quickstart CI token"))
        .count();
    assert_eq!(tokens, 4);
}

#[test]
fn gen_unique_n_that_cannot_fit_the_length_bounds_is_still_an_error() {
    let file = parameters_file("toolong", json!({"prefix": "GEN-UNIQUE-12"}));
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {"prefix": {"type": "string", "minLength": 2, "maxLength": 10}},
            "resources": []}),
        &with_file(&file),
    )
    .unwrap();
    let errs = errors(&plan);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, "invalid-parameter-value");
    assert_eq!(errs[0].location.file, file.display().to_string());
}

// ---- F: required parameters with no value, and `{}` placeholders ------------------------------

#[test]
fn required_object_without_a_value_or_with_a_placeholder_is_unknown_not_empty() {
    let template = json!({"$schema": RG_SCHEMA,
        "parameters": {"cosmosDb": {"type": "object"}},
        "variables": {"id": "[resourceId('Microsoft.DocumentDB/databaseAccounts', parameters('cosmosDb').account)]"},
        "resources": [],
        "outputs": {"id": {"type": "string", "value": "[variables('id')]"},
                    "db": {"type": "string", "value": "[parameters('cosmosDb').databaseName]"}}});
    // No value at all.
    let plan = expand_json(template.clone(), &ExpandOptions::default()).unwrap();
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    assert!(is_unknown(&output(&plan, "id")));
    assert!(plan
        .diagnostics
        .iter()
        .any(|d| d.code == "missing-parameter"));
    // `{}` in a parameters file (what `bicep generate-params` writes for an object).
    let file = parameters_file("emptyobject", json!({"cosmosDb": {}}));
    let plan = expand_json(template, &with_file(&file)).unwrap();
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    assert!(is_unknown(&output(&plan, "db")));
}

#[test]
fn a_real_value_missing_a_property_and_a_wrongly_typed_default_stay_errors() {
    // Fail closed: a given object without the property, and PSRule's negative fixture (an array
    // parameter whose default is "").
    let file = parameters_file("realobject", json!({"cosmosDb": {"databaseName": "db"}}));
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "parameters": {"cosmosDb": {"type": "object"},
                           "notArrayParam": {"type": "array", "defaultValue": ""}},
            "resources": [],
            "outputs": {"account": {"type": "string", "value": "[parameters('cosmosDb').account]"},
                        "n": {"type": "array", "value": "[parameters('notArrayParam')]"}}}),
        &with_file(&file),
    )
    .unwrap();
    let codes: Vec<_> = errors(&plan).iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"invalid-parameter-value"), "{codes:?}");
    assert!(
        errors(&plan)
            .iter()
            .any(|d| d.message.contains("property 'account' does not exist")),
        "{:#?}",
        errors(&plan)
    );
}

// ---- G: the placeholder deployment context -----------------------------------------------------

fn location_lookup() -> serde_json::Value {
    json!({"$schema": RG_SCHEMA,
        "variables": {"regions": {"eastus": "use", "westeurope": "weu"}},
        "resources": [],
        "outputs": {"short": {"type": "string", "value": "[variables('regions')[resourceGroup().location]]"}}})
}

#[test]
fn placeholder_location_is_unknown_not_westus() {
    // No error: not "the property 'westus' does not exist".
    let plan = expand(location_lookup());
    assert!(is_unknown(&output(&plan, "short")));
}

#[test]
fn a_given_location_is_known_and_judged() {
    let at = |location: &str| ExpandOptions {
        context: DeploymentContext::builder()
            .location(Some(location.into()))
            .build(),
        ..ExpandOptions::default()
    };
    let plan = expand_json(location_lookup(), &at("westeurope")).unwrap();
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    assert_eq!(output(&plan, "short"), json!("weu"));
    // A location the map does not have fails in Azure too.
    let plan = expand_json(location_lookup(), &at("westus")).unwrap();
    assert_eq!(errors(&plan).len(), 1, "{:#?}", plan.diagnostics);
}

// ---- D: outer-scoped nested templates under symbolic-name parents ------------------------------

#[test]
fn nested_template_without_evaluation_options_reads_the_parents_parameters() {
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA, "languageVersion": "2.0",
            "parameters": {"spnObjectId": {"type": "string"}},
            "resources": {
                "assign": {"type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01",
                    "name": "assign",
                    "properties": {"mode": "Incremental", "template": {
                        "$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
                        "parameters": {}, "variables": {},
                        "resources": [{"type": "Microsoft.Authorization/roleAssignments",
                            "apiVersion": "2022-04-01",
                            "name": "[guid(concat('ARB-', parameters('spnObjectId')))]",
                            "properties": {
                                "roleDefinitionId": "[concat(subscription().id, '/providers/Microsoft.Authorization/roleDefinitions/7b1f81f9-4196-4058-8aae-762e593270df')]",
                                "principalId": "[parameters('spnObjectId')]"}}]}}}}}),
        &ExpandOptions {
            overrides: vec![(
                "spnObjectId".into(),
                json!("11111111-2222-3333-4444-555555555555"),
            )],
            ..ExpandOptions::default()
        },
    )
    .unwrap();
    // Not "the parameter 'spnObjectId' is not declared in the template".
    assert!(errors(&plan).is_empty(), "{:#?}", errors(&plan));
    let name = arm::eval::guid(&["ARB-11111111-2222-3333-4444-555555555555"]);
    let ra = find(&plan, "Microsoft.Authorization/roleAssignments", &name);
    assert_eq!(
        ra.get("properties")
            .and_then(|p| p.get("principalId"))
            .map(|v| v.to_json()),
        Some(json!("11111111-2222-3333-4444-555555555555"))
    );
}

#[test]
fn a_name_that_fails_to_evaluate_is_unknown_never_an_error_marker() {
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA,
            "resources": [{"type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": "2022-04-01",
                "name": "[guid(parameters('undeclared'))]",
                "properties": {"principalId": "11111111-2222-3333-4444-555555555555",
                               "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"}}]}),
        &ExpandOptions::default(),
    )
    .unwrap();
    // The error is reported (fail closed) ...
    assert_eq!(errors(&plan).len(), 1, "{:#?}", plan.diagnostics);
    // ... and the name is an unknown, not the text "{error}".
    let ra = &plan.resources[0];
    assert!(!ra.name.contains("{error}"), "{}", ra.name);
    assert!(ra.name_value.contains_unknown(), "{:?}", ra.name_value);
}
