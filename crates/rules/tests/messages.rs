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
                // It calls something an identity serves (Azure Resource Manager), so it needs
                // an identity (MI001).
                "properties": {"definition": {"actions": {
                    "Call": {"type": "Http", "inputs": {"method": "GET", "uri": "https://management.azure.com/subscriptions?api-version=2020-01-01"}}
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

/// A fixture under `tests/fixtures/messages/`, expanded and modelled, with its findings under
/// the embedded default policy.
fn fixture(name: &str) -> (access::AccessModel, Vec<rules::Finding>) {
    let plan = common::fixture_plan(&format!("messages/{name}"), &arm::ExpandOptions::default());
    common::check_plans(&[plan], &common::default_policy())
}

/// Text a reviewer reads must not carry the engine's provenance chains.
fn assert_no_provenance(text: &str) {
    for leak in [
        "{",
        "(no value given)",
        "of format of",
        "runtime property",
        "index 0 of",
    ] {
        assert!(!text.contains(leak), "`{leak}` in: {text}");
    }
}

#[test]
fn the_grants_table_names_identities_known_only_at_deployment_in_reviewer_words() {
    use rules::reviewer_words::{identity_display, role_display, scope_display};
    let (model, _) = fixture("unknown-identity-names.json");
    let mut identities: Vec<String> = model
        .grants
        .iter()
        .map(|g| identity_display(&model, &g.principal))
        .collect();
    identities.sort();
    assert_eq!(
        identities,
        [
            // An element of an array parameter is a parameter principal (issue 11 class T).
            "parameter 'readers'",
            "the system-assigned identity of web app named by parameter 'appName'",
            "user-assigned identity named by parameter 'identityName'",
        ],
        "{:#?}",
        model
            .grants
            .iter()
            .map(|g| &g.principal)
            .collect::<Vec<_>>()
    );
    let storage = model
        .grants
        .iter()
        .find(|g| g.scope.as_str().contains("storageAccounts"))
        .expect("the grant on the storage account");
    assert_eq!(
        scope_display(storage.scope.as_str()),
        "storage account named by parameter 'accountName'"
    );
    let role = storage.role.name.clone().unwrap_or(storage.role.id.clone());
    assert_eq!(role_display(&role), "role named by parameter 'roleId'");
    // A known scope stays the id the reviewer can search for.
    let rg = model
        .grants
        .iter()
        .find(|g| !g.scope.as_str().contains('{'))
        .expect("a grant on the resource group");
    assert_eq!(scope_display(rg.scope.as_str()), rg.scope.as_str());
}

#[test]
fn a_child_named_partly_at_deployment_says_its_own_name_then_what_names_its_parent() {
    let (_, findings) = fixture("mixed-child-name.json");
    let about_subnet: Vec<&rules::Finding> = findings
        .iter()
        .filter(|f| f.message.contains("subnets 'default'"))
        .collect();
    assert!(!about_subnet.is_empty(), "{findings:#?}");
    for f in about_subnet {
        assert!(
            f.message.contains(
                "subnets 'default' of Microsoft.Network/virtualNetworks named by parameter 'vnetName'"
            ),
            "{}",
            f.message
        );
        assert_no_provenance(&f.message);
        assert!(!f.message.contains("<…>"), "{}", f.message);
    }
}

#[test]
fn labels_and_module_names_read_as_what_decides_them() {
    let (_, findings) = fixture("labels-and-modules.json");
    let labels: Vec<&str> = findings
        .iter()
        .flat_map(|f| f.labels.iter().map(|l| l.message.as_str()))
        .collect();
    assert!(
        labels
            .iter()
            .any(|l| l.contains("attached to Logic App workflow named by parameter 'secondName'")),
        "{labels:#?}"
    );
    for label in &labels {
        assert_no_provenance(label);
    }
    let inner = findings
        .iter()
        .find(|f| f.rule == "MI001")
        .expect("MI001 on the workflow in the module");
    let within = inner
        .resource
        .as_ref()
        .expect("resource context")
        .describe();
    assert!(within.contains("in module named by utcNow()"), "{within}");
    assert_no_provenance(&within);
    // The JSON keeps the provenance for machines.
    let module = inner.resource.as_ref().and_then(|r| r.module.clone());
    assert!(module.is_some_and(|m| m.contains("utcNow()")));
}
