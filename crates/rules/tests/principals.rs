//! RA006 and RA007 on principals given by parameter or literal, through real expansion of small
//! templates: RA006 says what the principal is (a user, a group, an external service principal,
//! or an identity that can be recreated), and RA007 judges only identities this deployment creates.

mod common;

use policy::Policy;
use serde_json::{json, Value};

const READER: &str = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]";
const GUID: &str = "3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93";

fn findings_with(template: Value, policy: &Policy, rule: &str) -> Vec<rules::Finding> {
    common::only(common::check_template_with(&template, policy), rule)
}

fn findings(template: Value, rule: &str) -> Vec<rules::Finding> {
    findings_with(template, &common::default_policy(), rule)
}

fn template(parameters: Value, resources: Vec<Value>) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "resources": resources
    })
}

/// A Reader grant on the resource group, named `name`, to `principal`.
fn assignment(name: &str, principal: &str, principal_type: Option<&str>) -> Value {
    let mut properties = json!({"roleDefinitionId": READER, "principalId": principal});
    if let Some(t) = principal_type {
        properties["principalType"] = json!(t);
    }
    json!({
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
        "name": format!("[guid(resourceGroup().id, '{name}')]"),
        "properties": properties
    })
}

fn string_parameter(description: Option<&str>) -> Value {
    match description {
        Some(d) => json!({"type": "string", "metadata": {"description": d}}),
        None => json!({"type": "string"}),
    }
}

#[test]
fn ra006_users_and_groups_by_principal_type_are_not_recreated_identities() {
    let t = template(
        json!({"developerObjectId": string_parameter(None), "opsGroupId": string_parameter(None)}),
        vec![
            assignment("dev", "[parameters('developerObjectId')]", Some("User")),
            assignment("ops", "[parameters('opsGroupId')]", Some("Group")),
        ],
    );
    let f = findings(t, "RA006");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f[0].message
            .contains("granted to a user given by parameter 'developerObjectId', which is not an identity of this deployment"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message
            .contains("granted to a group given by parameter 'opsGroupId'"),
        "{}",
        f[1].message
    );
    for x in &f {
        assert!(!x.message.contains("recreated"), "{}", x.message);
        assert!(
            x.fix
                .as_deref()
                .unwrap_or_default()
                .contains("external_principals"),
            "{:?}",
            x.fix
        );
    }
}

#[test]
fn ra006_a_first_party_service_principal_or_a_user_named_by_the_parameter() {
    // The cloud-shell-vnet quickstart's shape: no principalType, the parameter says whose id it is.
    let t = template(
        json!({
            "azureContainerInstanceOID": string_parameter(Some(
                "Object Id of Azure Container Instance Service Principal. Get it with Get-AzADServicePrincipal."
            )),
            "azureADObjectID": string_parameter(Some("Object ID for your Azure AD user identity.")),
        }),
        vec![
            assignment("aci", "[parameters('azureContainerInstanceOID')]", None),
            assignment("me", "[parameters('azureADObjectID')]", None),
        ],
    );
    let f = findings(t, "RA006");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f[0].message.contains(
            "granted to an external service principal given by parameter 'azureContainerInstanceOID'"
        ),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message
            .contains("granted to a user given by parameter 'azureADObjectID'"),
        "{}",
        f[1].message
    );
    assert!(f.iter().all(|x| !x.message.contains("recreated")));
}

#[test]
fn ra006_a_parameter_that_may_be_a_user_group_or_identity_is_said_to_be_one_of_them() {
    // AVM's role-assignment modules: "(user/group/identity)", principalType left to the caller.
    let t = template(
        json!({"principalId": string_parameter(Some(
            "Required. The principal ID of the principal (user/group/identity) to assign the role to."
        ))}),
        vec![assignment("p", "[parameters('principalId')]", None)],
    );
    let f = findings(t, "RA006");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message.contains(
            "granted to a user, group or managed identity given by parameter 'principalId'"
        ),
        "{}",
        f[0].message
    );
    assert!(!f[0].message.contains("recreated"), "{}", f[0].message);
}

#[test]
fn ra006_managed_identity_principals_keep_the_stale_grant_wording_and_unknown_kinds_do_not() {
    let t = template(
        json!({
            "principalId": string_parameter(Some("The principal ID assigned to the role.")),
            "userAssignedIdentityPrincipalId": string_parameter(Some(
                "The principal id of the user assigned managed identity."
            )),
        }),
        vec![
            assignment("p", "[parameters('principalId')]", None),
            assignment(
                "uai",
                "[parameters('userAssignedIdentityPrincipalId')]",
                Some("ServicePrincipal"),
            ),
            assignment("lit", GUID, Some("ServicePrincipal")),
        ],
    );
    let f = findings(t, "RA006");
    assert_eq!(f.len(), 3, "{f:#?}");
    let of = |needle: &str| {
        f.iter()
            .find(|x| x.message.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {f:#?}"))
            .message
            .clone()
    };
    // The words say managed identity: the stale-grant wording.
    assert!(
        of("parameter 'userAssignedIdentityPrincipalId'")
            .contains("when that identity is recreated"),
        "{f:#?}"
    );
    // No hint, and this deployment declares no identity to read it from: kind unknown.
    let p = of("parameter 'principalId'");
    assert!(p.contains("a principal of unknown kind"), "{p}");
    assert!(!p.contains("recreated"), "{p}");
    let lit = of(GUID);
    assert!(lit.contains("a service principal of unknown kind"), "{lit}");
    assert!(!lit.contains("recreated"), "{lit}");
}

#[test]
fn ra006_external_principals_the_policy_allows_are_silent_by_literal_or_parameter_value() {
    let t = template(
        json!({"opsGroupId": {"type": "string", "defaultValue": GUID}}),
        vec![
            assignment("ops", "[parameters('opsGroupId')]", Some("Group")),
            assignment("lit", GUID, Some("Group")),
        ],
    );
    assert_eq!(findings(t.clone(), "RA006").len(), 2);
    let allow = Policy::from_str(
        "rolegate.yaml",
        &format!(
            "version: 1\nexternal_principals:\n  - id: {GUID}\n    reason: operations group\n"
        ),
    )
    .expect("policy");
    let f = findings_with(t, &allow, "RA006");
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn ra007_parameter_and_literal_principals_without_principal_type_are_not_judged() {
    let t = template(
        json!({"principalId": string_parameter(None)}),
        vec![
            assignment("p", "[parameters('principalId')]", None),
            assignment("lit", GUID, None),
        ],
    );
    let f = findings(t, "RA007");
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn ra007_identities_created_here_still_need_principal_type() {
    let t = template(
        json!({}),
        vec![
            json!({
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                "name": "script", "location": "westeurope"
            }),
            json!({
                "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "export",
                "location": "westeurope", "identity": {"type": "SystemAssigned"},
                "properties": {"definition": {"actions": {}}}
            }),
            assignment(
                "uai",
                "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'script'), '2023-01-31').principalId]",
                None,
            ),
            assignment(
                "wf",
                "[reference(resourceId('Microsoft.Logic/workflows', 'export'), '2019-05-01', 'full').identity.principalId]",
                None,
            ),
        ],
    );
    let f = findings(t, "RA007");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f[0].message.contains("user-assigned identity 'script'"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message.contains("Logic App workflow 'export'"),
        "{}",
        f[1].message
    );
}

#[test]
fn ra007_an_identity_created_by_a_module_and_read_from_its_output_needs_principal_type() {
    let module = json!({
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "identity",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "template": {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "resources": [{
                    "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                    "name": "script", "location": "westeurope"
                }],
                "outputs": {"principalId": {
                    "type": "string",
                    "value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'script'), '2023-01-31').principalId]"
                }}
            }
        }
    });
    let mut grant = assignment(
        "module",
        "[reference(resourceId('Microsoft.Resources/deployments', 'identity'), '2022-09-01').outputs.principalId.value]",
        None,
    );
    grant["dependsOn"] = json!(["[resourceId('Microsoft.Resources/deployments', 'identity')]"]);
    let f = findings(template(json!({}), vec![module, grant]), "RA007");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message.contains("user-assigned identity 'script'"),
        "{}",
        f[0].message
    );
}
