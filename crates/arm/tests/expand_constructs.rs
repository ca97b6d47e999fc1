//! Expansion, one test per construct of issue 3.

mod common;

use std::path::PathBuf;

use arm::expand::{expand_file, ExpandOptions};
use arm::plan::{ConditionStatus, DiagnosticLevel, PlannedResource};
use arm::{Origin, Value};
use common::{expand, expand_json, find};
use serde_json::json;

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg";
const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const SUB_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";

/// The runtime property an unknown names: (resource id, path).
fn runtime(v: &Value) -> (String, String) {
    match v.as_unknown().map(|u| u.origin()) {
        Some(Origin::RuntimeProperty { resource, path }) => (resource.id.clone(), path.clone()),
        other => panic!("not a runtime property: {other:?} in {v:?}"),
    }
}

fn principal(r: &PlannedResource) -> &Value {
    r.body
        .get("properties")
        .and_then(|p| p.get("principalId"))
        .expect("principalId")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-expand-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn child_resources_compose_type_name_and_id() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "resources": [{
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01", "name": "acct",
            "resources": [{"type": "blobServices", "apiVersion": "2022-09-01", "name": "default",
                "resources": [{"type": "containers", "name": "c1"}]}]
        }, {"type": "Microsoft.Storage/storageAccounts/blobServices/containers", "name": "acct/default/c2"}]
    }));
    let c1 = find(
        &plan,
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "acct/default/c1",
    );
    assert_eq!(
        c1.id,
        format!("{RG}/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/c1")
    );
    let c2 = find(
        &plan,
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "acct/default/c2",
    );
    assert_eq!(c2.scope, RG);
    assert!(c2
        .id
        .ends_with("/storageAccounts/acct/blobServices/default/containers/c2"));
}

#[test]
fn extension_scopes_relative_full_extension_id_and_legacy() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "resources": [
            {"type": "Microsoft.Storage/storageAccounts", "name": "acct"},
            {"type": "Microsoft.Authorization/roleAssignments", "name": "ra-relative",
             "scope": "[format('Microsoft.Storage/storageAccounts/{0}', 'acct')]", "properties": {}},
            {"type": "Microsoft.Authorization/roleAssignments", "name": "ra-full",
             "scope": "[resourceId('Microsoft.KeyVault/vaults', 'kv')]", "properties": {}},
            {"type": "Microsoft.Authorization/locks", "name": "lock",
             "scope": "[extensionResourceId(resourceId('Microsoft.Storage/storageAccounts', 'acct'), 'Microsoft.Authorization/locks', 'inner')]"},
            {"type": "Microsoft.Storage/storageAccounts/providers/roleAssignments", "apiVersion": "2018-09-01-preview",
             "name": "acct/Microsoft.Authorization/11111111-1111-1111-1111-111111111111", "properties": {}}
        ]
    }));
    let acct = format!("{RG}/providers/Microsoft.Storage/storageAccounts/acct");
    let rel = find(
        &plan,
        "Microsoft.Authorization/roleAssignments",
        "ra-relative",
    );
    assert_eq!(rel.scope, acct);
    assert_eq!(
        rel.id,
        format!("{acct}/providers/Microsoft.Authorization/roleAssignments/ra-relative")
    );
    let full = find(&plan, "Microsoft.Authorization/roleAssignments", "ra-full");
    assert_eq!(
        full.scope,
        format!("{RG}/providers/Microsoft.KeyVault/vaults/kv")
    );
    let lock = find(&plan, "Microsoft.Authorization/locks", "lock");
    assert_eq!(
        lock.scope,
        format!("{acct}/providers/Microsoft.Authorization/locks/inner")
    );
    let legacy = find(
        &plan,
        "Microsoft.Authorization/roleAssignments",
        "11111111-1111-1111-1111-111111111111",
    );
    assert_eq!(legacy.scope, acct);
    assert_eq!(
        legacy.id,
        format!("{acct}/providers/Microsoft.Authorization/roleAssignments/11111111-1111-1111-1111-111111111111")
    );
}

#[test]
fn symbolic_template_with_existing_scope_symbol_and_references() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "languageVersion": "2.0",
        "resources": {
            "kv": {"existing": true, "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "vault1"},
            "uami": {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "id1"},
            "wf": {"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "wf1",
                   "identity": {"type": "SystemAssigned"}},
            "ra": {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                   "name": "[guid(resourceId('Microsoft.KeyVault/vaults', 'vault1'), 'x')]",
                   "scope": "[resourceId('Microsoft.KeyVault/vaults', 'vault1')]",
                   "properties": {"principalId": "[reference('wf', '2019-05-01', 'full').identity.principalId]"}},
            "ra2": {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                    "name": "ra2", "scope": "kv",
                    "properties": {"principalId": "[reference('uami').principalId]"}}
        },
        "outputs": {"ids": {"type": "array", "value": "[references('uami')]"}}
    }));
    let kv = find(&plan, "Microsoft.KeyVault/vaults", "vault1");
    assert!(kv.existing);
    assert_eq!(kv.symbol.as_deref(), Some("kv"));
    let wf_id = format!("{RG}/providers/Microsoft.Logic/workflows/wf1");
    let ra = plan
        .resources
        .iter()
        .find(|r| r.symbol.as_deref() == Some("ra"))
        .unwrap();
    assert_eq!(ra.scope, kv.id);
    assert_eq!(
        runtime(principal(ra)),
        (wf_id, "identity.principalId".into())
    );
    let ra2 = find(&plan, "Microsoft.Authorization/roleAssignments", "ra2");
    assert_eq!(
        ra2.scope, kv.id,
        "a bare symbol as scope names that resource"
    );
    let uami_id = format!("{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1");
    assert_eq!(
        runtime(principal(ra2)),
        (uami_id, "properties.principalId".into())
    );
    assert!(matches!(plan.outputs.get("ids"), Some(Value::Array(a)) if a.len() == 1));
}

#[test]
fn older_identity_default_form_names_the_owning_resource() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "resources": [
            {"type": "Microsoft.Web/sites", "name": "app", "identity": {"type": "SystemAssigned"}},
            {"type": "Microsoft.Authorization/roleAssignments", "name": "ra", "properties": {
                "principalId": "[reference(concat(resourceId('Microsoft.Web/sites', 'app'), '/providers/Microsoft.ManagedIdentity/Identities/default'), '2018-11-30').principalId]"}}
        ]
    }));
    let ra = find(&plan, "Microsoft.Authorization/roleAssignments", "ra");
    assert_eq!(
        runtime(principal(ra)),
        (
            format!("{RG}/providers/Microsoft.Web/sites/app"),
            "identity.principalId".into()
        )
    );
}

#[test]
fn copy_loop_of_role_assignments_with_names_offsets_and_property_copies() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"principals": {"type": "array", "defaultValue": ["p0", "p1", "p2"]}},
        "variables": {"copy": [{"name": "roles", "count": 2, "input": "[concat('role', copyIndex('roles', 1))]"}]},
        "resources": [{
            "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
            "name": "[concat('ra-', copyIndex(10))]",
            "copy": {"name": "raLoop", "count": "[length(parameters('principals'))]"},
            "properties": {
                "principalId": "[parameters('principals')[copyIndex()]]",
                "roleDefinitionId": "[variables('roles')[0]]",
                "copy": [{"name": "tags", "count": 2, "input": "[concat(string(copyIndex('raLoop')), '-', string(copyIndex('tags')))]"}]
            }
        }],
        "outputs": {"names": {"type": "array", "copy": {"count": 2, "input": "[concat('o', copyIndex())]"}}}
    }));
    let names: Vec<_> = plan.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["ra-10", "ra-11", "ra-12"]);
    let second = &plan.resources[1];
    assert_eq!(
        second.copy.as_ref().map(|c| (c.name.as_str(), c.index)),
        Some(("raLoop", 1))
    );
    assert_eq!(principal(second), &Value::from("p1"));
    assert_eq!(
        second
            .body
            .get("properties")
            .and_then(|p| p.get("roleDefinitionId")),
        Some(&Value::from("role1"))
    );
    assert_eq!(
        second
            .body
            .get("properties")
            .and_then(|p| p.get("tags"))
            .map(Value::to_json),
        Some(json!(["1-0", "1-1"]))
    );
    assert_eq!(plan.outputs["names"].to_json(), json!(["o0", "o1"]));
}

#[test]
fn copy_limit_is_a_clear_error() {
    let err = expand_json(
        json!({"$schema": RG_SCHEMA, "resources": [{"type": "A.B/c", "name": "[string(copyIndex())]",
            "copy": {"name": "big", "count": 801}}]}),
        &ExpandOptions::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("801") && text.contains("800"), "{text}");
    assert!(text.starts_with("main.json:"), "{text}");
}

#[test]
fn conditions_deployed_skipped_and_assumed() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"on": {"type": "bool", "defaultValue": false}, "unknown": {"type": "bool"}},
        "resources": [
            {"type": "A.B/c", "name": "skipped", "condition": "[parameters('on')]",
             "resources": [{"type": "d", "name": "child"}]},
            {"type": "A.B/c", "name": "assumed", "condition": "[parameters('unknown')]"},
            {"type": "A.B/c", "name": "always"}
        ]
    }));
    assert_eq!(
        find(&plan, "A.B/c", "skipped").condition,
        ConditionStatus::Skipped
    );
    assert_eq!(
        find(&plan, "A.B/c/d", "skipped/child").condition,
        ConditionStatus::Skipped
    );
    match &find(&plan, "A.B/c", "assumed").condition {
        ConditionStatus::Assumed { depends_on } => {
            assert!(depends_on.contains("unknown"), "{depends_on}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        find(&plan, "A.B/c", "always").condition,
        ConditionStatus::Deployed
    );
    assert!(plan
        .diagnostics
        .iter()
        .any(|d| d.code == "missing-parameter"));
    assert!(plan
        .unresolved
        .iter()
        .any(|u| u.location.pointer == "/resources/1/condition"));
}

/// An identity module's output travels up to the root and down through two module boundaries
/// (outer module → inner role-assignment module) into `principalId`.
#[test]
fn principal_crosses_two_module_boundaries() {
    let identity_module = json!({
        "$schema": RG_SCHEMA,
        "parameters": {"name": {"type": "string"}},
        "resources": [{"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "[parameters('name')]"}],
        "outputs": {"principalId": {"type": "string",
            "value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('name')), '2023-01-31').principalId]"}}
    });
    let ra_module = json!({
        "$schema": RG_SCHEMA,
        "parameters": {"principalId": {"type": "string"}},
        "resources": [{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
            "name": "[guid(resourceGroup().id, parameters('principalId'))]",
            "properties": {"principalId": "[parameters('principalId')]", "principalType": "ServicePrincipal"}}]
    });
    let access_module = json!({
        "$schema": RG_SCHEMA,
        "parameters": {"principalId": {"type": "string"}},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "ra",
            "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "parameters": {"principalId": {"value": "[parameters('principalId')]"}},
                "template": ra_module}}]
    });
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "resources": [
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "access",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "parameters": {"principalId": {"value": "[reference(resourceId('Microsoft.Resources/deployments', 'identity'), '2022-09-01').outputs.principalId.value]"}},
                "template": access_module},
             "dependsOn": ["[resourceId('Microsoft.Resources/deployments', 'identity')]"]},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "identity",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "parameters": {"name": {"value": "wf-identity"}}, "template": identity_module}}
        ]
    }));
    let ra = plan
        .resources
        .iter()
        .find(|r| r.resource_type == "Microsoft.Authorization/roleAssignments")
        .unwrap();
    assert_eq!(ra.deployment, "access/ra");
    assert_eq!(
        runtime(principal(ra)),
        (
            format!("{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/wf-identity"),
            "properties.principalId".into()
        )
    );
    let paths: Vec<_> = plan.deployments.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["", "access", "access/ra", "identity"]);
}

#[test]
fn subscription_template_deploys_into_a_resource_group() {
    let plan = expand(json!({
        "$schema": SUB_SCHEMA,
        "resources": [
            {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "app-rg", "location": "westeurope"},
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "sub-ra", "properties": {}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "resourceGroup": "app-rg",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "template": {"$schema": RG_SCHEMA, "resources": [
                    {"type": "Microsoft.Logic/workflows", "name": "wf", "properties": {"rg": "[resourceGroup().name]"}}],
                    "outputs": {"wfId": {"type": "string", "value": "[resourceId('Microsoft.Logic/workflows', 'wf')]"}}}}}
        ],
        "outputs": {"wf": {"type": "string", "value": "[reference('inner').outputs.wfId.value]"}}
    }));
    assert_eq!(
        find(&plan, "Microsoft.Resources/resourceGroups", "app-rg").id,
        format!("{SUB}/resourceGroups/app-rg")
    );
    assert_eq!(
        find(&plan, "Microsoft.Authorization/roleAssignments", "sub-ra").scope,
        SUB
    );
    let wf = find(&plan, "Microsoft.Logic/workflows", "wf");
    assert_eq!(wf.scope, format!("{SUB}/resourceGroups/app-rg"));
    assert_eq!(
        wf.id,
        format!("{SUB}/resourceGroups/app-rg/providers/Microsoft.Logic/workflows/wf")
    );
    assert_eq!(
        wf.body.get("properties").and_then(|p| p.get("rg")),
        Some(&Value::from("app-rg"))
    );
    assert_eq!(plan.outputs["wf"], Value::from(wf.id.as_str()));
}

#[test]
fn resource_group_template_reaches_its_subscription_through_a_module() {
    // Bicep `module m 'x.bicep' = { scope: subscription() ... }` from a resource-group file.
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "resources": [
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "grant",
             "subscriptionId": "[subscription().subscriptionId]", "location": "[resourceGroup().location]",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "template": {"$schema": SUB_SCHEMA, "resources": [
                    {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                     "name": "[guid(subscription().id, 'p')]", "properties": {"scopeSeen": "[subscription().id]"}}]}}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "same-rg",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "template": {"$schema": RG_SCHEMA, "resources": [
                    {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                     "name": "rg-ra", "properties": {}}]}}}
        ]
    }));
    let at_sub = plan
        .resources
        .iter()
        .find(|r| {
            r.deployment.ends_with("grant")
                && r.resource_type == "Microsoft.Authorization/roleAssignments"
        })
        .expect("role assignment of the subscription module");
    assert_eq!(at_sub.scope, SUB);
    assert_eq!(
        find(&plan, "Microsoft.Authorization/roleAssignments", "rg-ra").scope,
        RG
    );
}

#[test]
fn reference_of_an_id_with_an_unknown_name_still_names_the_resource() {
    // The workflow lives in another template; its name is a parameter with no value here.
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"logicAppName": {"type": "string"}},
        "resources": [
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra",
             "properties": {
                "principalId": "[reference(resourceId('Microsoft.Logic/workflows', parameters('logicAppName')), '2019-05-01', 'full').identity.principalId]",
                "legacy": "[reference(concat(resourceId('Microsoft.Logic/workflows', parameters('logicAppName')), '/providers/Microsoft.ManagedIdentity/Identities/default'), '2018-11-30').principalId]"}}
        ]
    }));
    let ra = find(&plan, "Microsoft.Authorization/roleAssignments", "ra");
    let (id, path) = runtime(principal(ra));
    assert!(
        id.starts_with(&format!("{RG}/providers/Microsoft.Logic/workflows/{{")),
        "{id}"
    );
    assert_eq!(path, "identity.principalId");
    let legacy = ra
        .body
        .get("properties")
        .and_then(|p| p.get("legacy"))
        .unwrap();
    match legacy.as_unknown().map(|u| u.origin()) {
        Some(Origin::RuntimeProperty { resource, path }) => {
            assert_eq!(resource.resource_type, "Microsoft.Logic/workflows");
            assert_eq!(path, "identity.principalId");
        }
        other => panic!("not a runtime property: {other:?}"),
    }
}

#[test]
fn outer_scope_nested_deployment_sees_parent_parameters() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"name": {"type": "string", "defaultValue": "from-parent"}},
        "variables": {"suffix": "-x"},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer",
            "properties": {"mode": "Incremental", "template": {"$schema": RG_SCHEMA,
                "resources": [{"type": "A.B/c", "name": "[concat(parameters('name'), variables('suffix'))]"}]}}}]
    }));
    let r = find(&plan, "A.B/c", "from-parent-x");
    assert_eq!(r.deployment, "outer");
    assert_eq!(plan.deployments[1].expression_scope, "outer");
}

#[test]
fn linked_templates_relative_path_and_remote_uri() {
    let dir = temp_dir("linked");
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    std::fs::write(
        dir.join("modules/child.json"),
        json!({"$schema": RG_SCHEMA, "parameters": {"n": {"type": "string"}},
               "resources": [{"type": "A.B/c", "name": "[parameters('n')]"}],
               "outputs": {"o": {"type": "string", "value": "[parameters('n')]"}}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("main.json"),
        json!({"$schema": RG_SCHEMA, "resources": [
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "local",
             "properties": {"mode": "Incremental", "templateLink": {"relativePath": "modules/child.json"},
                            "parameters": {"n": {"value": "linked"}}}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
             "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}}],
            "outputs": {"o": {"type": "string", "value": "[reference('local').outputs.o.value]"},
                        "r": {"type": "object", "value": "[reference('remote').outputs]"}}})
        .to_string(),
    )
    .unwrap();
    let plan = expand_file(&dir.join("main.json"), &ExpandOptions::default()).unwrap();
    let r = find(&plan, "A.B/c", "linked");
    assert!(r.location.file.ends_with("child.json"));
    // Both files stay parsed in the plan, so later stages locate findings without rereading.
    assert!(plan.document(&r.location.file).is_some());
    assert!(plan.document(&plan.template).is_some());
    assert_eq!(plan.documents.len(), 2);
    assert_eq!(plan.outputs["o"], Value::from("linked"));
    assert!(plan.outputs["r"].contains_unknown());
    let d = plan
        .diagnostics
        .iter()
        .find(|d| d.code == "template-link-not-expanded")
        .unwrap();
    assert!(d.message.contains("https://example.com/t.json"));
    assert!(plan
        .deployments
        .iter()
        .any(|d| d.name == "remote" && !d.expanded));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nesting_depth_is_bounded() {
    let dir = temp_dir("recursive");
    std::fs::write(
        dir.join("main.json"),
        json!({"$schema": RG_SCHEMA, "resources": [
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "again",
             "properties": {"mode": "Incremental", "templateLink": {"relativePath": "main.json"}}}]})
        .to_string(),
    )
    .unwrap();
    let err = expand_file(&dir.join("main.json"), &ExpandOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("nested deployments deeper than"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluation_budget_is_bounded() {
    let mut options = ExpandOptions::default();
    options.limits.max_steps = 50;
    let err = expand_json(
        json!({"$schema": RG_SCHEMA, "resources": [{"type": "A.B/c", "name": "[string(copyIndex())]",
            "copy": {"name": "l", "count": 100}}]}),
        &options,
    )
    .unwrap_err();
    assert!(err.to_string().contains("evaluation budget"), "{err}");
}

#[test]
fn parameter_files_key_vault_references_overrides_and_secrets() {
    let dir = temp_dir("params");
    std::fs::write(
        dir.join("main.json"),
        json!({"$schema": RG_SCHEMA,
            "parameters": {
                "name": {"type": "string"}, "count": {"type": "int", "defaultValue": 1},
                "password": {"type": "securestring"}, "token": {"type": "securestring", "defaultValue": "s3cr3t-default"},
                "fromCli": {"type": "string"}, "external": {"type": "string"}},
            "resources": [{"type": "A.B/c", "name": "[parameters('name')]",
                "properties": {"pw": "[parameters('password')]", "token": "[parameters('token')]", "n": "[parameters('count')]",
                               "cli": "[parameters('fromCli')]", "ext": "[parameters('external')]"}}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("main.parameters.json"),
        json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "parameters": {"name": {"value": "from-file"}, "count": {"value": 3},
                "password": {"reference": {"keyVault": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"}, "secretName": "pw"}},
                "external": {"expression": "[externalInputs('sys_cli_0')]"}}})
        .to_string(),
    )
    .unwrap();
    let options = ExpandOptions {
        parameter_files: vec![dir.join("main.parameters.json")],
        overrides: vec![
            ("fromCli".into(), json!("hello")),
            ("count".into(), json!(5)),
        ],
        ..ExpandOptions::default()
    };
    let plan = expand_file(&dir.join("main.json"), &options).unwrap();
    let r = find(&plan, "A.B/c", "from-file");
    let props = r.body.get("properties").unwrap();
    assert_eq!(
        props.get("n"),
        Some(&Value::Int(5)),
        "--param wins over the file"
    );
    assert_eq!(props.get("cli"), Some(&Value::from("hello")));
    assert!(matches!(
        props
            .get("pw")
            .and_then(Value::as_unknown)
            .map(|u| u.origin()),
        Some(Origin::Parameter {
            key_vault_reference: true,
            ..
        })
    ));
    assert!(props.get("token").is_some_and(Value::contains_unknown));
    assert!(props.get("ext").is_some_and(Value::contains_unknown));
    let text = serde_json::to_string(&plan).unwrap();
    assert!(
        !text.contains("s3cr3t-default"),
        "a secure value reached the plan"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_parameter_values_are_reported() {
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA, "parameters": {"sku": {"type": "string", "allowedValues": ["a", "b"]}},
               "resources": []}),
        &ExpandOptions { overrides: vec![("sku".into(), json!("c"))], ..ExpandOptions::default() },
    )
    .unwrap();
    assert!(plan
        .diagnostics
        .iter()
        .any(|d| d.code == "invalid-parameter-value" && d.level == DiagnosticLevel::Error));
}

#[test]
fn unresolved_values_are_listed_with_their_location() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"owner": {"type": "string"}},
        "resources": [{"type": "A.B/c", "name": "[concat('x-', parameters('owner'))]",
                       "properties": {"key": "[listKeys(resourceId('A.B/c', 'y'), '2020-01-01').keys[0].value]"}}]
    }));
    let name = plan
        .unresolved
        .iter()
        .find(|u| u.location.pointer == "/resources/0/name")
        .unwrap();
    assert!(name.depends_on.contains("owner"));
    assert!(plan
        .unresolved
        .iter()
        .any(|u| u.location.pointer == "/resources/0/properties/key"));
    assert!(
        plan.resources[0].name.contains("owner"),
        "{}",
        plan.resources[0].name
    );
}

#[test]
fn expression_errors_carry_expression_position_and_location() {
    let plan = expand_json(
        json!({"$schema": RG_SCHEMA, "resources": [{"type": "A.B/c", "name": "n", "properties": {"bad": "[concat('a', nope())]"}}]}),
        &ExpandOptions::default(),
    )
    .unwrap();
    let d = plan
        .diagnostics
        .iter()
        .find(|d| d.level == DiagnosticLevel::Error)
        .unwrap();
    assert_eq!(d.location.pointer, "/resources/0/properties/bad");
    assert!(d.location.line > 1);
    assert!(
        d.message.contains("[concat('a', nope())]") && d.message.contains("character"),
        "{}",
        d.message
    );
}

#[test]
fn a_parameters_file_given_as_template_is_rejected() {
    let err = expand_json(
        json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}),
        &ExpandOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("parameters file"), "{err}");
    assert!(err.location().is_some());
}

#[test]
fn null_module_parameter_takes_the_default() {
    // ARM treats a parameter value of null as not supplied (AVM storage-account passes
    // `tryGet(blobServices, 'changeFeedEnabled')` to a `bool` parameter defaulting to false).
    let module = json!({
        "$schema": RG_SCHEMA,
        "parameters": {
            "enabled": {"type": "bool", "defaultValue": false},
            "days": {"type": "int", "nullable": true}
        },
        "resources": [{"type": "Microsoft.Storage/storageAccounts/blobServices", "apiVersion": "2022-09-01",
            "name": "acct/default",
            "properties": {"changeFeed": "[if(parameters('enabled'), createObject('enabled', true(), 'retentionInDays', parameters('days')), null())]"}}],
        "outputs": {"enabled": {"type": "bool", "value": "[parameters('enabled')]"}}
    });
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"blobServices": {"type": "object", "defaultValue": {}}},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "blob",
            "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "parameters": {
                    "enabled": {"value": "[tryGet(parameters('blobServices'), 'changeFeedEnabled')]"},
                    "days": {"value": null}
                },
                "template": module}}],
        "outputs": {"enabled": {"type": "bool", "value": "[reference('blob').outputs.enabled.value]"}}
    }));
    assert_eq!(plan.outputs["enabled"], Value::Bool(false));
}

#[test]
fn if_in_a_variable_evaluates_only_the_branch_taken() {
    // safekit quickstarts: the branch not taken names a variable the template never declares.
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "parameters": {"LoadBalancer": {"type": "string", "defaultValue": "public"}, "Loadbalancer2": {"type": "string"}},
        "variables": {
            "lbPoolID": "[if(equals(parameters('LoadBalancer'),'none'),'',resourceId('Microsoft.Network/loadBalancers/backendAddressPools','lb','pool'))]",
            "lbaddrpool1": [{"id": "[variables('lbPoolID')]"}],
            "lbaddrpool": "[if(greater(length(variables('lbPoolID')),0),variables('lbaddrpool1'),variables('lbaddrpool0'))]",
            "lbPoolID2": "[if(equals(parameters('Loadbalancer2'),'none'),'',resourceId('Microsoft.Network/loadBalancers/backendAddressPools','lb','pool'))]",
            "lbaddrpool2": "[if(greater(length(variables('lbPoolID2')),0),createArray(variables('lbPoolID2')),variables('lbaddrpool0'))]"
        },
        "resources": [{"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "nic",
            "properties": {"pools": "[variables('lbaddrpool')]"}},
            {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "nic2",
            "properties": {"pools": "[variables('lbaddrpool2')]"}}]
    }));
    // With the condition unknown (a required parameter without a value), the result is unknown
    // and the invalid branch is no error either.
    let nic2 = find(&plan, "Microsoft.Network/networkInterfaces", "nic2");
    assert!(nic2
        .body
        .get("properties")
        .and_then(|p| p.get("pools"))
        .is_some_and(|p| p.as_unknown().is_some()));
    let nic = find(&plan, "Microsoft.Network/networkInterfaces", "nic");
    let pools = nic.body.get("properties").and_then(|p| p.get("pools"));
    let expected =
        format!("{RG}/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/pool");
    assert_eq!(
        pools
            .and_then(|p| match p {
                Value::Array(a) => a.first(),
                _ => None,
            })
            .and_then(|p| p.get("id")),
        Some(&Value::String(expected))
    );
}

#[test]
fn each_deployment_records_the_generator_its_own_template_names() {
    // A Bicep root with a Bicep module and a hand-written inline nested template.
    let plan = expand(json!({
        "$schema": RG_SCHEMA,
        "metadata": {"_generator": {"name": "bicep", "version": "0.30.23.60470"}},
        "resources": [
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "secrets",
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "template": {"$schema": RG_SCHEMA,
                    "metadata": {"_generator": {"name": "bicep"}},
                    "resources": []}}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "handwritten",
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "template": {"$schema": RG_SCHEMA, "resources": []}}}
        ]
    }));
    let generator = |path: &str| {
        plan.deployments
            .iter()
            .find(|d| d.path == path)
            .map(|d| d.generator.clone())
    };
    assert_eq!(generator(""), Some(Some("bicep".to_string())));
    assert_eq!(generator("secrets"), Some(Some("bicep".to_string())));
    assert_eq!(generator("handwritten"), Some(None));
}

/// Bicep 0.30+ compiles functions that read variables (`func names() array => union(v1, v2)`)
/// into languageVersion 2.0 templates, which ARM deploys; classic templates still may not.
#[test]
fn user_functions_read_variables_only_in_language_version_2() {
    let template = |language_version: Option<&str>| {
        let mut t = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "functions": [{"namespace": "__bicep", "members": {"vaultName": {
                "parameters": [{"name": "suffix", "type": "string"}],
                "output": {"type": "string", "value": "[format('{0}-{1}', variables('prefix'), parameters('suffix'))]"}
            }}}],
            "variables": {"prefix": "kv-payrec"},
            "resources": [{
                "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                "name": "[__bicep.vaultName('prod')]", "location": "westeurope", "properties": {}
            }]
        });
        if let Some(v) = language_version {
            t["languageVersion"] = json!(v);
            let resources = t["resources"].take();
            t["resources"] = json!({"vault": resources[0]});
        }
        t
    };
    let plan = expand(template(Some("2.0")));
    find(&plan, "Microsoft.KeyVault/vaults", "kv-payrec-prod");

    let classic = expand_json(template(None), &ExpandOptions::default()).expect("expands");
    let error = classic
        .diagnostics
        .iter()
        .find(|d| d.level == DiagnosticLevel::Error)
        .expect("a classic template's function may not read variables");
    assert!(
        error.message.contains("cannot read variables('prefix')"),
        "{}",
        error.message
    );
}

/// Bicep's `resource kv ... existing = { scope: resourceGroup('shared-rg') }` compiles (2.0) to an
/// existing resource with `resourceGroup`/`subscriptionId`: its id, and the scope of a role
/// assignment on it, are in that resource group. An existing resource whose name cannot be
/// evaluated is no template error (ARM reads it only when used); what uses it stays unresolved.
#[test]
fn existing_resources_in_other_resource_groups_and_unevaluable_ones() {
    let plan = expand_json(
        json!({
            "$schema": RG_SCHEMA,
            "languageVersion": "2.0",
            "parameters": {"identityId": {"type": "string", "defaultValue": ""}},
            "resources": {
                "kv": {"existing": true, "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                       "resourceGroup": "shared-rg", "name": "vault1"},
                "otherSub": {"existing": true, "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                       "subscriptionId": "11111111-1111-1111-1111-111111111111", "resourceGroup": "rg2", "name": "vault2"},
                "uami": {"existing": true, "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                         "apiVersion": "2023-01-31",
                         "resourceGroup": "[split(parameters('identityId'), '/')[4]]",
                         "name": "[split(parameters('identityId'), '/')[8]]"},
                "ra": {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                       "name": "ra", "scope": "kv", "properties": {"principalId": "[reference('uami').principalId]"}}
            }
        }),
        &ExpandOptions::default(),
    )
    .expect("expands");
    let kv = find(&plan, "Microsoft.KeyVault/vaults", "vault1");
    assert_eq!(
        kv.id,
        format!("{SUB}/resourceGroups/shared-rg/providers/Microsoft.KeyVault/vaults/vault1")
    );
    let other = find(&plan, "Microsoft.KeyVault/vaults", "vault2");
    assert_eq!(
        other.id,
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/vault2"
    );
    let ra = find(&plan, "Microsoft.Authorization/roleAssignments", "ra");
    assert_eq!(ra.scope, kv.id, "the grant is on the vault in shared-rg");

    assert!(
        plan.diagnostics
            .iter()
            .all(|d| d.level != DiagnosticLevel::Error),
        "{:#?}",
        plan.diagnostics
    );
    assert!(plan
        .diagnostics
        .iter()
        .any(|d| d.code == "existing-resource-not-evaluated"));
    let uami = plan
        .resources
        .iter()
        .find(|r| r.symbol.as_deref() == Some("uami"))
        .unwrap();
    assert!(
        uami.id.contains('{'),
        "unevaluable id stays unknown: {}",
        uami.id
    );
}
