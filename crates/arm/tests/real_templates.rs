//! Evaluating real templates as ARM does (issue 10): one small template per class of construct
//! that real templates (Azure Verified Modules, quickstarts) use and that used to come out unknown
//! or as a false error.

mod common;

use arm::expand::ExpandOptions;
use arm::plan::{ConditionStatus, DeploymentPlan, DiagnosticLevel};
use arm::{Origin, Value};
use common::{expand, expand_json, find};
use serde_json::json;

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg";
const RG_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn expand_any(template: serde_json::Value) -> DeploymentPlan {
    expand_json(template, &ExpandOptions::default()).expect("expands")
}

fn output(plan: &DeploymentPlan, name: &str) -> serde_json::Value {
    plan.outputs
        .get(name)
        .unwrap_or_else(|| panic!("no output {name} in {:?}", plan.outputs.keys()))
        .to_json()
}

/// A nested deployment (inner scope) with the given parameters entry and template.
fn module(parameters: serde_json::Value, template: serde_json::Value) -> serde_json::Value {
    json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "mod",
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": parameters, "template": template}})
}

#[test]
fn nullable_parameter_and_nullable_ref_definition_are_null_without_a_value() {
    let plan = expand(json!({
        "$schema": RG_SCHEMA, "languageVersion": "2.0",
        "definitions": {"roleAssignmentType": {"type": "array", "nullable": true},
                        "alias": {"$ref": "#/definitions/roleAssignmentType"}},
        "parameters": {
            "direct": {"type": "array", "nullable": true},
            "viaRef": {"$ref": "#/definitions/roleAssignmentType"},
            "viaChainedRef": {"$ref": "#/definitions/alias"}},
        "resources": {
            "ra": {"copy": {"name": "ra", "count": "[length(coalesce(parameters('viaRef'), createArray()))]"},
                   "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                   "name": "[guid(string(copyIndex()))]", "properties": {}}},
        "outputs": {
            "direct": {"type": "bool", "value": "[equals(parameters('direct'), null())]"},
            "viaRef": {"type": "int", "value": "[length(coalesce(parameters('viaRef'), createArray()))]"},
            "viaChainedRef": {"type": "bool", "value": "[empty(parameters('viaChainedRef'))]"}}
    }));
    assert_eq!(output(&plan, "direct"), json!(true));
    assert_eq!(output(&plan, "viaRef"), json!(0));
    assert_eq!(output(&plan, "viaChainedRef"), json!(true));
    // The role assignment loop has a known count of zero: no instance, no "count unknown".
    assert!(plan.resources.is_empty(), "{:?}", plan.resources);
    assert!(
        !plan
            .diagnostics
            .iter()
            .any(|d| d.code == "missing-parameter" || d.code == "copy-count-unknown"),
        "{:#?}",
        plan.diagnostics
    );
}

#[test]
fn module_parameter_given_as_a_whole_entry_expression() {
    let inner = json!({"$schema": RG_SCHEMA,
        "parameters": {"given": {"type": "string"}, "dropped": {"type": "string", "defaultValue": "default"}},
        "resources": [],
        "outputs": {"given": {"type": "string", "value": "[parameters('given')]"},
                    "dropped": {"type": "string", "value": "[parameters('dropped')]"}}});
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "resources": [module(json!({
            "given": "[if(true(), createObject('value', 'from-parent'), createObject('value', null()))]",
            "dropped": "[if(false(), createObject('value', 'x'), createObject('value', null()))]"}), inner)],
        "outputs": {
            "given": {"type": "string", "value": "[reference('mod').outputs.given.value]"},
            "dropped": {"type": "string", "value": "[reference('mod').outputs.dropped.value]"}}}));
    assert_eq!(output(&plan, "given"), json!("from-parent"));
    // `value: null` is no value, so the module's default applies.
    assert_eq!(output(&plan, "dropped"), json!("default"));
}

#[test]
fn module_parameter_built_by_a_property_copy_loop() {
    let inner = json!({"$schema": RG_SCHEMA,
        "parameters": {"names": {"type": "array"}},
        "resources": [],
        "outputs": {"names": {"type": "array", "value": "[parameters('names')]"}}});
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "resources": [module(json!({"names": {"copy": [{"name": "value", "count": 2,
            "input": "[format('node{0}', copyIndex('value'))]"}]}}), inner)],
        "outputs": {"names": {"type": "array", "value": "[reference('mod').outputs.names.value]"}}}));
    assert_eq!(output(&plan, "names"), json!(["node0", "node1"]));
}

#[test]
fn module_template_given_as_an_expression_is_expanded_like_an_inline_one() {
    // What Bicep emits for a module loaded with loadJsonContent(): the template is a variable,
    // its own expressions escaped with `[[` so the variable keeps them as text.
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "variables": {"$fxv#0": {"$schema": RG_SCHEMA,
            "parameters": {"principalId": {"type": "string"}},
            "resources": [{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[[guid(parameters('principalId'))]",
                "properties": {"principalId": "[[parameters('principalId')]",
                    "roleDefinitionId": "[[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')]"}}],
            "outputs": {"echo": {"type": "string", "value": "[[parameters('principalId')]"}}}},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "mod",
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"principalId": {"value": "11111111-1111-1111-1111-111111111111"}},
                "template": "[variables('$fxv#0')]"}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "unknownTemplate",
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "template": "[parameters('templateGivenLater')]"}}],
        "parameters": {"templateGivenLater": {"type": "object"}},
        "outputs": {"echo": {"type": "string", "value": "[reference('mod').outputs.echo.value]"}}}));

    let ra = plan
        .resources
        .iter()
        .find(|r| r.resource_type == "Microsoft.Authorization/roleAssignments")
        .expect("the module's role assignment is in the plan");
    assert_eq!(ra.deployment, "mod");
    assert_eq!(
        ra.body.get("properties").and_then(|p| p.get("principalId")),
        Some(&Value::from("11111111-1111-1111-1111-111111111111"))
    );
    assert_eq!(
        output(&plan, "echo"),
        json!("11111111-1111-1111-1111-111111111111")
    );
    // The evaluated template is one of the plan's documents, so its locations can be shown.
    assert!(ra
        .location
        .file
        .starts_with("main.json#/resources/0/properties/template"));
    assert!(plan.document(&ra.location.file).is_some());
    // A template known only at deployment is not expanded, and the plan says so (no error).
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code == "nested-template-unknown" && d.level == DiagnosticLevel::Warning),
        "{:#?}",
        plan.diagnostics
    );
}

#[test]
fn module_outputs_echo_inputs_and_identities_of_module_resources() {
    let inner = json!({"$schema": RG_SCHEMA,
        "parameters": {"name": {"type": "string"}},
        "resources": [{"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01",
            "name": "[parameters('name')]", "location": "westus", "identity": {"type": "SystemAssigned"},
            "properties": {}}],
        "outputs": {
            "name": {"type": "string", "value": "[parameters('name')]"},
            "principalId": {"type": "string", "value": "[reference(resourceId('Microsoft.Logic/workflows', parameters('name')), '2019-05-01', 'full').identity.principalId]"}}});
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "resources": [
            module(json!({"name": {"value": "wf1"}}), inner),
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
             "name": "[guid('ra')]", "dependsOn": ["mod"],
             "properties": {"principalId": "[reference('mod').outputs.principalId.value]",
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')]"}}],
        "outputs": {"name": {"type": "string", "value": "[reference('mod').outputs.name.value]"}}}));
    assert_eq!(output(&plan, "name"), json!("wf1"));
    let ra = find(
        &plan,
        "Microsoft.Authorization/roleAssignments",
        &arm::eval::guid(&["ra"]),
    );
    let principal = ra
        .body
        .get("properties")
        .and_then(|p| p.get("principalId"))
        .unwrap();
    match principal.as_unknown().map(|u| u.origin()) {
        Some(Origin::RuntimeProperty { resource, path }) => {
            assert_eq!(
                resource.id,
                format!("{RG}/providers/Microsoft.Logic/workflows/wf1")
            );
            assert_eq!(path, "identity.principalId");
        }
        other => panic!("not the workflow's identity: {other:?}"),
    }
}

#[test]
fn secure_string_default_is_evaluated_but_never_shown() {
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "parameters": {
            "sasToken": {"type": "securestring", "defaultValue": ""},
            "password": {"type": "securestring", "defaultValue": "Sup3r-S3cret-Default"},
            "account": {"type": "secureObject", "defaultValue": {"name": "vault", "key": "An0ther-S3cret-Value"}}},
        "resources": [
            {"type": "A.B/c", "name": "withSas", "condition": "[not(empty(parameters('sasToken')))]"},
            {"type": "A.B/c", "name": "vm", "condition": "[equals(length(parameters('password')), 20)]",
             "properties": {"adminPassword": "[parameters('password')]",
                            "connection": "[concat('user=a;password=', parameters('password'))]",
                            "accountName": "[parameters('account').name]",
                            "accountKey": "[parameters('account').key]"}}]}));
    // Evaluated: both conditions are known, not assumed.
    assert_eq!(
        find(&plan, "A.B/c", "withSas").condition,
        ConditionStatus::Skipped
    );
    let vm = find(&plan, "A.B/c", "vm");
    assert_eq!(vm.condition, ConditionStatus::Deployed);
    // Hidden: the value reaches neither the body nor the parameter list nor the JSON plan.
    let props = vm.body.get("properties").unwrap();
    assert!(props.get("adminPassword").unwrap().contains_unknown());
    assert!(props.get("connection").unwrap().contains_unknown());
    assert!(props.get("accountKey").unwrap().contains_unknown());
    // A short name inside a secure object is not taken for a secret.
    assert_eq!(props.get("accountName"), Some(&Value::from("vault")));
    let listed = plan
        .parameters
        .iter()
        .find(|p| p.name == "password")
        .unwrap();
    assert!(listed.value.contains_unknown());
    let text = serde_json::to_string(&plan).unwrap();
    assert!(
        !text.contains("Sup3r-S3cret-Default") && !text.contains("An0ther-S3cret-Value"),
        "a secure value reached the plan"
    );
}

#[test]
fn if_and_or_coalesce_short_circuit_on_known_operands() {
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "parameters": {"missing": {"type": "string"}},
        "resources": [],
        "outputs": {
            "and": {"type": "bool", "value": "[and(false(), createArray()[3])]"},
            "or": {"type": "bool", "value": "[or(true(), createArray()[3])]"},
            "coalesce": {"type": "string", "value": "[coalesce('first', createArray()[3])]"},
            "if": {"type": "string", "value": "[if(true(), 'chosen', createArray()[3])]"},
            // After an unknown operand, a failing one is only a possible outcome: unknown, no error.
            "orUnknown": {"type": "bool", "value": "[or(equals(parameters('missing'), 'x'), createArray()[3])]"},
            "coalesceUnknown": {"type": "string", "value": "[coalesce(parameters('missing'), createArray()[3])]"},
            "andDecided": {"type": "bool", "value": "[and(equals(parameters('missing'), 'x'), false())]"}}}));
    assert_eq!(output(&plan, "and"), json!(false));
    assert_eq!(output(&plan, "or"), json!(true));
    assert_eq!(output(&plan, "coalesce"), json!("first"));
    assert_eq!(output(&plan, "if"), json!("chosen"));
    assert!(plan.outputs["orUnknown"].contains_unknown());
    assert!(plan.outputs["coalesceUnknown"].contains_unknown());
    assert_eq!(output(&plan, "andDecided"), json!(false));
}

#[test]
fn contains_empty_length_and_members_of_objects_with_unknown_values_are_known() {
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "parameters": {"missing": {"type": "string"}},
        "variables": {"settings": {"name": "[parameters('missing')]", "sku": "Standard"},
                      "list": ["[parameters('missing')]", "known"]},
        "resources": [
            {"type": "A.B/c", "name": "needsKey", "condition": "[contains(variables('settings'), 'kind')]"},
            {"type": "A.B/c", "name": "hasKey", "condition": "[contains(variables('settings'), 'name')]"}],
        "outputs": {
            "containsKey": {"type": "bool", "value": "[contains(variables('settings'), 'name')]"},
            "empty": {"type": "bool", "value": "[empty(variables('settings'))]"},
            "length": {"type": "int", "value": "[length(variables('settings'))]"},
            "member": {"type": "string", "value": "[variables('settings').sku]"},
            "keys": {"type": "array", "value": "[objectKeys(variables('settings'))]"},
            "arrayHasKnown": {"type": "bool", "value": "[contains(variables('list'), 'known')]"},
            "arrayMaybe": {"type": "bool", "value": "[contains(variables('list'), 'other')]"}}}));
    assert_eq!(output(&plan, "containsKey"), json!(true));
    assert_eq!(output(&plan, "empty"), json!(false));
    assert_eq!(output(&plan, "length"), json!(2));
    assert_eq!(output(&plan, "member"), json!("Standard"));
    assert_eq!(output(&plan, "keys"), json!(["name", "sku"]));
    assert_eq!(output(&plan, "arrayHasKnown"), json!(true));
    // 'other' might be the unknown element: unknown, not false.
    assert!(plan.outputs["arrayMaybe"].contains_unknown());
    // The condition is false, so the resource is not deployed (not "assumed").
    assert_eq!(
        find(&plan, "A.B/c", "needsKey").condition,
        ConditionStatus::Skipped
    );
    assert_eq!(
        find(&plan, "A.B/c", "hasKey").condition,
        ConditionStatus::Deployed
    );
}

#[test]
fn false_condition_per_copy_instance_is_not_deployed_and_not_evaluated() {
    // Instance 2 would index out of range; its condition is false, so ARM never evaluates it.
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "variables": {"names": ["a", "b"]},
        "resources": [{"copy": {"name": "loop", "count": 3},
            "type": "A.B/c", "name": "[concat('r', copyIndex())]",
            "condition": "[less(copyIndex(), length(variables('names')))]",
            "properties": {"label": "[variables('names')[copyIndex()]]"}}]}));
    assert_eq!(
        find(&plan, "A.B/c", "r0").condition,
        ConditionStatus::Deployed
    );
    assert_eq!(
        find(&plan, "A.B/c", "r1").condition,
        ConditionStatus::Deployed
    );
    let skipped = find(&plan, "A.B/c", "r2");
    assert_eq!(skipped.condition, ConditionStatus::Skipped);
    assert_eq!(skipped.body, Value::Null, "a skipped body is not evaluated");
    assert_eq!(
        find(&plan, "A.B/c", "r1")
            .body
            .get("properties")
            .and_then(|p| p.get("label")),
        Some(&Value::from("b"))
    );
}

#[test]
fn reference_to_a_resource_not_deployed_is_unknown_not_deployed() {
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "parameters": {"deployVault": {"type": "bool", "defaultValue": false}, "maybe": {"type": "bool"}},
        "resources": [
            {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv",
             "condition": "[parameters('deployVault')]", "properties": {}},
            {"type": "A.B/c", "name": "reader",
             "properties": {"uri": "[reference(resourceId('Microsoft.KeyVault/vaults', 'kv'), '2023-07-01').vaultUri]"}},
            {"type": "A.B/c", "name": "assumed", "condition": "[parameters('maybe')]"}]}));
    let uri = find(&plan, "A.B/c", "reader")
        .body
        .get("properties")
        .and_then(|p| p.get("uri"))
        .unwrap();
    let roots: Vec<String> = uri
        .as_unknown()
        .expect("unknown")
        .roots()
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert!(
        roots.iter().any(|r| r.contains("is not deployed")),
        "{roots:?}"
    );
    // Only an unknown condition keeps "assumed".
    assert!(matches!(
        find(&plan, "A.B/c", "assumed").condition,
        ConditionStatus::Assumed { .. }
    ));
}

#[test]
fn partial_format_and_concat_resource_paths_stay_resource_ids_of_their_type() {
    let plan = expand_any(json!({"$schema": RG_SCHEMA,
        "parameters": {"account": {"type": "string"}, "frontDoor": {"type": "string"}},
        "resources": [
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('a')]",
             "scope": "[format('Microsoft.Storage/storageAccounts/{0}', parameters('account'))]", "properties": {}},
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('b')]",
             "scope": "[concat('Microsoft.Network/frontDoors', '/', parameters('frontDoor'))]", "properties": {}}],
        "outputs": {"notAnId": {"type": "string", "value": "[format('{0}-kv', parameters('account'))]"}}}));
    let storage = find(
        &plan,
        "Microsoft.Authorization/roleAssignments",
        &arm::eval::guid(&["a"]),
    );
    assert_eq!(
        storage.scope,
        format!("{RG}/providers/Microsoft.Storage/storageAccounts/{{parameter 'account' (no value given)}}")
    );
    let front_door = find(
        &plan,
        "Microsoft.Authorization/roleAssignments",
        &arm::eval::guid(&["b"]),
    );
    assert_eq!(
        front_door.scope,
        format!("{RG}/providers/Microsoft.Network/frontDoors/{{parameter 'frontDoor' (no value given)}}")
    );
    // Text that names no resource type stays a plain derived unknown.
    assert!(matches!(
        plan.outputs["notAnId"].as_unknown().map(|u| u.origin()),
        Some(Origin::Derived { .. })
    ));
}

#[test]
fn lenient_functions_behave_as_documented_in_docs_functions_md() {
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "resources": [],
        "outputs": {
            "unionNull": {"type": "object", "value": "[union(null(), createObject('a', 1), null())]"},
            "unionArrays": {"type": "array", "value": "[union(createArray(1), null(), createArray(2))]"},
            "firstNull": {"type": "object", "value": "[first(null())]"},
            "lastNull": {"type": "object", "value": "[last(null())]"},
            "shallowMergeNull": {"type": "object", "value": "[shallowMerge(createArray(createObject('a', 1), null(), createObject('b', 2)))]"},
            "shallowMergeOfNull": {"type": "object", "value": "[shallowMerge(null())]"},
            "maxMixed": {"type": "int", "value": "[max(createArray(1, 5), 3)]"},
            "minMixed": {"type": "int", "value": "[min(2, createArray(7, 1))]"},
            "keysInOrder": {"type": "array", "value": "[objectKeys(createObject('b', 1, 'a', 2))]"},
            "itemsSorted": {"type": "array", "value": "[map(items(createObject('b', 1, 'a', 2)), lambda('i', lambdaVariables('i').key))]"},
            "lengthNull": {"type": "int", "value": "[length(null())]"},
            "tryGetNullKey": {"type": "object", "value": "[tryGet(createObject('a', 1), null())]"}}}));
    assert_eq!(output(&plan, "unionNull"), json!({"a": 1}));
    assert_eq!(output(&plan, "unionArrays"), json!([1, 2]));
    assert_eq!(output(&plan, "firstNull"), json!(null));
    assert_eq!(output(&plan, "lastNull"), json!(null));
    assert_eq!(output(&plan, "shallowMergeNull"), json!({"a": 1, "b": 2}));
    assert_eq!(output(&plan, "shallowMergeOfNull"), json!({}));
    assert_eq!(output(&plan, "maxMixed"), json!(5));
    assert_eq!(output(&plan, "minMixed"), json!(1));
    assert_eq!(output(&plan, "keysInOrder"), json!(["b", "a"]));
    assert_eq!(output(&plan, "itemsSorted"), json!(["a", "b"]));
    assert_eq!(output(&plan, "lengthNull"), json!(0));
    assert_eq!(output(&plan, "tryGetNullKey"), json!(null));
    // An index past the range of subnets is an error, as in ARM.
    let bad = expand_any(json!({"$schema": RG_SCHEMA, "resources": [],
        "outputs": {"subnet": {"type": "string", "value": "[cidrSubnet('10.0.0.0/24', 25, 2)]"}}}));
    assert!(
        bad.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error && d.message.contains("out of range")),
        "{:#?}",
        bad.diagnostics
    );
}

#[test]
fn module_named_from_an_unknown_still_returns_the_inputs_it_echoes() {
    // AVM's role-assignment pattern: the module's name is computed from parameters without a
    // value, and the parent reads the module's outputs back by that same name.
    let inner = json!({"$schema": RG_SCHEMA,
        "parameters": {"scope": {"type": "string"}},
        "resources": [],
        "outputs": {"scope": {"type": "string", "value": "[parameters('scope')]"}}});
    let named = |name: &str, scope: &str| {
        json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"scope": {"value": scope}}, "template": inner.clone()}})
    };
    let plan = expand(json!({"$schema": RG_SCHEMA,
        "parameters": {"principalId": {"type": "string"}, "other": {"type": "string"}},
        "resources": [
            named("[format('ra-{0}', uniqueString(parameters('principalId')))]", "/subscriptions/s1"),
            // Two modules whose names print alike ("format of parameter 'other'") but are built
            // from different text: the reference's name is the same value as one of them only.
            named("[format('a-{0}', parameters('other'))]", "a"),
            named("[format('b-{0}', parameters('other'))]", "b"),
            // Two declarations of one name (the same unknown from the same source): which one
            // a reference means cannot be told, so neither is guessed.
            named("[format('c-{0}', parameters('other'))]", "c1"),
            named("[format('c-{0}', parameters('other'))]", "c2")],
        "outputs": {
            "scope": {"type": "string", "value": "[reference(resourceId('Microsoft.Resources/deployments', format('ra-{0}', uniqueString(parameters('principalId'))))).outputs.scope.value]"},
            "a": {"type": "string", "value": "[reference(resourceId('Microsoft.Resources/deployments', format('a-{0}', parameters('other')))).outputs.scope.value]"},
            "b": {"type": "string", "value": "[reference(resourceId('Microsoft.Resources/deployments', format('b-{0}', parameters('other')))).outputs.scope.value]"},
            "ambiguous": {"type": "string", "value": "[reference(resourceId('Microsoft.Resources/deployments', format('c-{0}', parameters('other')))).outputs.scope.value]"}}}));
    assert_eq!(output(&plan, "scope"), json!("/subscriptions/s1"));
    assert_eq!(output(&plan, "a"), json!("a"));
    assert_eq!(output(&plan, "b"), json!("b"));
    assert!(plan.outputs["ambiguous"].contains_unknown());
}
