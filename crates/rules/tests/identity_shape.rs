//! MI001/MI002/MI003 when the identity block is only partly known before deployment: a
//! `userAssignedIdentities` map built at deployment time (AVM and quickstarts write
//! `json(format('{{''{0}'': {{}}}}', resourceId(...)))` over names from `utcNow()`) is unknown,
//! not empty.

mod common;

use serde_json::{json, Value};

fn rules_fired(template: Value) -> Vec<String> {
    common::check_template(&template)
        .into_iter()
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect()
}

fn workflow_with_user_identities(user_assigned: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"stamp": {"type": "string", "defaultValue": "[utcNow()]"}},
        "variables": {
            "uaiName": "[format('uai-{0}', uniqueString(parameters('stamp')))]",
            "identities": "[json(format('{{''{0}'': {{}}}}', resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('uaiName'))))]"
        },
        "resources": [
            {
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                "name": "[variables('uaiName')]", "location": "westeurope"
            },
            {
                "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "export",
                "location": "westeurope",
                "identity": {"type": "UserAssigned", "userAssignedIdentities": user_assigned},
                "properties": {"definition": {"actions": {}}}
            }
        ]
    })
}

#[test]
fn a_user_assigned_map_known_only_at_deployment_is_not_an_empty_one() {
    let fired = rules_fired(workflow_with_user_identities(json!(
        "[variables('identities')]"
    )));
    assert!(
        !fired
            .iter()
            .any(|f| f.starts_with("MI003") || f.starts_with("MI001")),
        "{fired:#?}"
    );
}

#[test]
fn an_empty_user_assigned_map_is_still_reported() {
    let fired = rules_fired(workflow_with_user_identities(json!({})));
    assert!(
        fired
            .iter()
            .any(|f| f.starts_with("MI003") && f.contains("lists no userAssignedIdentities")),
        "{fired:#?}"
    );
}
