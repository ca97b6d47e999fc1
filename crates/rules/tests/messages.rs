//! Messages in a reviewer's words: a name known only at deployment prints as what decides it
//! ("Logic App workflow named by parameter 'logicAppName'"), never as the provenance chain the
//! plan JSON keeps.

mod common;

use serde_json::json;

#[test]
fn unknown_names_print_as_the_parameters_that_decide_them() {
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "logicAppName": {"type": "string"},
            "accountName": {"type": "string"}
        },
        "resources": [
            {
                "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01",
                "name": "[parameters('logicAppName')]", "location": "westeurope",
                // It calls something, so it needs an identity (MI001).
                "properties": {"definition": {"actions": {
                    "Call": {"type": "Http", "inputs": {"method": "GET", "uri": "https://example.org/"}}
                }}}
            },
            {
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                "name": "script", "location": "westeurope"
            },
            {
                "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid(parameters('accountName'), 'blob', 'script')]",
                "scope": "[format('Microsoft.Storage/storageAccounts/{0}', parameters('accountName'))]",
                "properties": {
                    "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
                    "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'script')).principalId]",
                    "principalType": "User"
                }
            },
            {
                "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid(parameters('accountName'), 'script')]",
                "scope": "[resourceId('Microsoft.Storage/storageAccounts', parameters('accountName'))]",
                "properties": {
                    "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '17d1049b-9a84-46fb-8f53-869881c3d3ab')]",
                    "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'script')).principalId]"
                }
            }
        ]
    });
    let findings = common::check_template(&template);
    let message = |rule: &str| {
        findings
            .iter()
            .find(|f| f.rule == rule)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no {rule} in {findings:#?}"))
    };
    let mi001 = message("MI001");
    assert!(
        mi001.starts_with(
            "Logic App workflow named by parameter 'logicAppName' has no managed identity"
        ),
        "{mi001}"
    );
    let ra007: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "RA007")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(ra007.len(), 2, "{ra007:#?}");
    // A scope computed whole by format('Microsoft.Storage/storageAccounts/{0}', ...): the engine
    // keeps its literal type, so it reads like the resourceId() one.
    assert!(
        ra007[0].contains(
            "on storage account named by parameter 'accountName' to user-assigned identity 'script'"
        ),
        "{}",
        ra007[0]
    );
    assert!(
        ra007[1].contains("on storage account named by parameter 'accountName' to user-assigned identity 'script'"),
        "{}",
        ra007[1]
    );
    for f in &findings {
        assert!(
            !f.message.contains("(no value given)") && !f.message.contains("{"),
            "{}: {}",
            f.rule,
            f.message
        );
    }
}
