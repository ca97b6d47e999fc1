//! RA007, RA008 and RA009 through real expansion of small templates: the rules judge evaluated
//! values (what a name or principal was made from), not the text of the expressions.

mod common;

use serde_json::{json, Value};

const BLOB_CONTRIBUTOR: &str =
    "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]";
const WORKFLOW_PRINCIPAL: &str = "[reference(resourceId('Microsoft.Logic/workflows', 'export'), '2019-05-01', 'full').identity.principalId]";

fn findings(template: Value, rule: &str) -> Vec<rules::Finding> {
    common::only(common::check_template(&template), rule)
}

fn template(parameters: Value, variables: Value, mut resources: Vec<Value>) -> Value {
    resources.insert(
        0,
        json!({
            "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "export",
            "location": "westeurope", "identity": {"type": "SystemAssigned"},
            "properties": {"definition": {"actions": {}}}
        }),
    );
    for name in ["a", "b"] {
        resources.push(json!({
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": name,
            "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}
        }));
    }
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "variables": variables,
        "resources": resources
    })
}

/// A role assignment on storage account `account`, named `name`, to the workflow's identity.
fn assignment(name: &str, account: &str, principal_type: Option<&str>) -> Value {
    let mut properties = json!({
        "roleDefinitionId": BLOB_CONTRIBUTOR,
        "principalId": WORKFLOW_PRINCIPAL
    });
    if let Some(t) = principal_type {
        properties["principalType"] = json!(t);
    }
    json!({
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
        "name": name,
        "scope": format!("[resourceId('Microsoft.Storage/storageAccounts', '{account}')]"),
        "properties": properties
    })
}

#[test]
fn ra009_one_new_guid_default_naming_two_assignments_fails() {
    let t = template(
        json!({"raName": {"type": "string", "defaultValue": "[newGuid()]"}}),
        json!({}),
        vec![
            assignment("[parameters('raName')]", "a", Some("ServicePrincipal")),
            assignment("[parameters('raName')]", "b", Some("ServicePrincipal")),
        ],
    );
    let f = findings(t.clone(), "RA009");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message.contains("named by one newGuid() value"),
        "{}",
        f[0].message
    );
    // And each is named anew on every deployment.
    let unstable = findings(t, "RA008");
    assert_eq!(unstable.len(), 2, "{unstable:#?}");
    assert!(unstable
        .iter()
        .all(|f| f.message.contains("RoleAssignmentExists")));
}

#[test]
fn ra009_different_unknowns_that_print_alike_are_not_one_name() {
    // Two modules, each with its own `assignmentName` and `principalId` parameters left without
    // a value: the names print alike but are different values.
    let module = |i: usize| {
        json!({
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": format!("grant-{i}"),
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "inner"},
                "template": {
                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0",
                    "parameters": {
                        "assignmentName": {"type": "string"},
                        "principalId": {"type": "string"}
                    },
                    "resources": [{
                        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                        "name": "[parameters('assignmentName')]",
                        "properties": {
                            "roleDefinitionId": BLOB_CONTRIBUTOR,
                            "principalId": "[parameters('principalId')]",
                            "principalType": "ServicePrincipal"
                        }
                    }]
                }
            }
        })
    };
    let t = template(json!({}), json!({}), vec![module(1), module(2)]);
    assert!(findings(t, "RA009").is_empty());
}

#[test]
fn ra008_judges_names_built_in_variables() {
    let t = template(
        json!({"seed": {"type": "string", "defaultValue": "[newGuid()]"}}),
        json!({
            // guid() of the scope and role only: the same name whatever the principal.
            "withoutPrincipal": "[guid(resourceId('Microsoft.Storage/storageAccounts', 'a'), 'blob')]",
            // guid() over the workflow's id (Bicep's `guid(sa.id, wf.id, role)`): follows it.
            "withWorkflow": "[guid(resourceId('Microsoft.Storage/storageAccounts', 'b'), resourceId('Microsoft.Logic/workflows', 'export'))]",
            "nested": "[guid(variables('withWorkflow'), 'again')]"
        }),
        vec![
            assignment(
                "[variables('withoutPrincipal')]",
                "a",
                Some("ServicePrincipal"),
            ),
            assignment("[variables('withWorkflow')]", "b", Some("ServicePrincipal")),
            assignment("[variables('nested')]", "b", Some("ServicePrincipal")),
            assignment(
                "[guid(parameters('seed'), 'blob')]",
                "a",
                Some("ServicePrincipal"),
            ),
        ],
    );
    let f = findings(t, "RA008");
    let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(f.len(), 2, "{messages:#?}");
    assert!(
        messages[0].contains("guid() that does not include the principal")
            && messages[0].contains("RoleAssignmentUpdateNotPermitted"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("newGuid()") && messages[1].contains("RoleAssignmentExists"),
        "{}",
        messages[1]
    );
}

#[test]
fn ra007_skips_cosmos_assignments_and_unknown_types() {
    let cosmos = json!({
        "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments", "apiVersion": "2023-04-15",
        "name": "[concat('db/', guid('db', 'export'))]",
        "properties": {
            "roleDefinitionId": "[resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', 'db', '00000000-0000-0000-0000-000000000002')]",
            "principalId": WORKFLOW_PRINCIPAL,
            "scope": "[resourceId('Microsoft.DocumentDB/databaseAccounts', 'db')]"
        }
    });
    let t = template(
        json!({"principalType": {"type": "string"}}),
        json!({}),
        vec![
            cosmos,
            assignment(
                "[guid('a', 'export', 'blob')]",
                "a",
                Some("[parameters('principalType')]"),
            ),
            assignment("[guid('b', 'export', 'blob')]", "b", None),
        ],
    );
    let f = findings(t, "RA007");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message.contains("storage account 'b'") && f[0].message.contains("no principalType"),
        "{}",
        f[0].message
    );
}

#[test]
fn ra009_legacy_assignments_on_subnets_named_at_deployment_are_not_the_same_grant() {
    // `<vnet>/<subnet>/Microsoft.Authorization/<guid>` with every name from a parameter without a
    // value: the target is a subnet known only at deployment, never the resource group.
    let legacy = |subnet: &str| {
        json!({
            "type": "Microsoft.Network/virtualNetworks/subnets/providers/roleAssignments",
            "apiVersion": "2017-05-01",
            "name": format!("[concat(parameters('vnetName'), '/', parameters('{subnet}'), '/Microsoft.Authorization/', guid(parameters('{subnet}')))]"),
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')]",
                "principalId": "[parameters('clusterObjectId')]"
            }
        })
    };
    let t = template(
        json!({
            "vnetName": {"type": "string"},
            "clusterSubnet": {"type": "string"},
            "aciSubnet": {"type": "string"},
            "clusterObjectId": {"type": "string"}
        }),
        json!({}),
        vec![legacy("clusterSubnet"), legacy("aciSubnet")],
    );
    assert!(findings(t.clone(), "RA009").is_empty());
    // The principal is a parameter: not RA007's (it exists before the deployment), RA006's.
    assert!(findings(t.clone(), "RA007").is_empty());
    let ra006 = findings(t, "RA006");
    assert_eq!(ra006.len(), 2, "{ra006:#?}");
    assert!(
        ra006.iter().all(|f| f
            .message
            .contains("on a Microsoft.Network/virtualNetworks/subnets named only at deployment")),
        "{ra006:#?}"
    );
}
