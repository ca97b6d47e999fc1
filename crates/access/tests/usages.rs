//! Every usage form: HTTP/webhook/function/APIM auth, nesting, managed API connections, Standard
//! files, credentials.

mod common;

use access::{
    build, AuthType, ConnectionAuth, CredentialKind, CredentialSource, RoleCatalogue, Service,
    UsageIdentity, UsageKind,
};
use arm::plan::ParameterSource;
use common::*;
use serde_json::json;

const WF: &str = "Microsoft.Logic/workflows";
const UAMI: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
const GET_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/getSecret/action";

fn http(uri: &str, auth: serde_json::Value) -> serde_json::Value {
    json!({"type": "Http", "inputs": {"method": "GET", "uri": uri, "authentication": auth}})
}

fn workflow(definition: serde_json::Value) -> serde_json::Value {
    json!({"identity": {"type": "SystemAssigned"}, "properties": {"definition": definition}})
}

#[test]
fn http_msi_system_assigned_to_key_vault_secret() {
    let plan = PlanBuilder::new()
        .resource("Microsoft.KeyVault/vaults", "kv1", json!({"properties": {}}))
        .resource(WF, "wf", workflow(json!({"actions": {
            "Get_secret": http("https://kv1.vault.azure.net/secrets/db-password?api-version=7.4", json!({"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}))
        }})))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let u = &m.workloads[0].usages[0];
    assert_eq!(u.action, "Get_secret");
    assert_eq!(u.kind, UsageKind::Http);
    assert_eq!(u.auth, AuthType::ManagedServiceIdentity);
    assert_eq!(u.identity, Some(UsageIdentity::SystemAssigned));
    assert_eq!(u.audience.as_deref(), Some("https://vault.azure.net"));
    assert_eq!(u.service, Some(Service::KeyVault));
    assert_eq!(
        u.target_resource.as_ref().map(|r| r.to_string()),
        Some(format!(
            "{}/secrets/db-password",
            rid("Microsoft.KeyVault/vaults", "kv1")
        ))
    );
    assert_eq!(u.needs.data_actions, vec![GET_SECRET.to_string()]);
    assert_eq!(
        u.location.pointer,
        "/resources/1/properties/definition/actions/Get_secret"
    );
}

#[test]
fn user_assigned_identity_and_explicit_system_assigned() {
    let ua = rid(UAMI, "id1");
    let plan = PlanBuilder::new()
        .resource(WF, "wf", workflow(json!({"actions": {
            "A": http("https://st1.blob.core.windows.net/c1/x.txt", json!({"type": "ManagedServiceIdentity", "identity": ua, "audience": "https://storage.azure.com/"})),
            "B": http("https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app?api-version=2022-03-01", json!({"type": "ManagedServiceIdentity", "identity": "SystemAssigned"}))
        }})))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let us = &m.workloads[0].usages;
    assert_eq!(
        us[0].identity,
        Some(UsageIdentity::UserAssigned(ua.as_str().into()))
    );
    assert_eq!(us[0].service, Some(Service::StorageBlob));
    // The account is not in the plan: no target resource, but needs are still known.
    assert_eq!(us[0].target_resource, None);
    assert_eq!(
        us[0].needs.data_actions,
        ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]
    );
    assert_eq!(us[1].identity, Some(UsageIdentity::SystemAssigned));
    assert_eq!(us[1].audience, None);
    assert_eq!(us[1].service, Some(Service::Arm));
    assert_eq!(us[1].needs.actions, ["Microsoft.Web/sites/read"]);
    assert_eq!(
        us[1].target_resource.as_ref().map(|r| r.as_str()),
        Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app")
    );
}

#[test]
fn actions_at_any_depth_and_triggers() {
    let msi = json!({"type": "ManagedServiceIdentity"});
    let leaf = http("https://management.azure.com/subscriptions/s", msi.clone());
    let plan = PlanBuilder::new()
        .resource(WF, "wf", workflow(json!({
            "triggers": {"T": {"type": "HttpWebhook", "inputs": {"subscribe": {"method": "POST", "uri": "https://management.azure.com/x", "authentication": msi}}}},
            "actions": {
                "Scope_1": {"type": "Scope", "actions": {"In_scope": leaf}},
                "If_1": {"type": "If", "actions": {"Then": leaf}, "else": {"actions": {"Else": leaf}}},
                "Switch_1": {"type": "Switch", "cases": {"Case_1": {"case": "a", "actions": {"In_case": leaf}}}, "default": {"actions": {"In_default": leaf}}},
                "For_each": {"type": "Foreach", "actions": {"Until_1": {"type": "Until", "actions": {"Deep": leaf}}}},
                "Fn": {"type": "Function", "inputs": {"function": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/fa/functions/f"}, "authentication": msi}},
                "Apim": {"type": "ApiManagement", "inputs": {"api": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a/apis/x"}, "authentication": {"type": "Basic", "username": "u", "password": "p4ss"}}},
                "Plain": {"type": "Http", "inputs": {"method": "GET", "uri": "https://example.com"}},
                "Compose": {"type": "Compose", "inputs": "x"}
            }
        })))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let paths: Vec<(&str, &str)> = m.workloads[0]
        .usages
        .iter()
        .map(|u| (u.action.as_str(), u.element.as_str()))
        .collect();
    for expected in [
        ("T", "trigger"),
        ("Scope_1/actions/In_scope", "action"),
        ("If_1/actions/Then", "action"),
        ("If_1/else/actions/Else", "action"),
        ("Switch_1/cases/Case_1/actions/In_case", "action"),
        ("Switch_1/default/actions/In_default", "action"),
        ("For_each/actions/Until_1/actions/Deep", "action"),
        ("Fn", "action"),
        ("Apim", "action"),
        ("Plain", "action"),
    ] {
        assert!(paths.contains(&expected), "{expected:?} not in {paths:?}");
    }
    assert_eq!(paths.len(), 10, "{paths:?}");
    let kinds: Vec<UsageKind> = m.workloads[0].usages.iter().map(|u| u.kind).collect();
    assert!(
        kinds.contains(&UsageKind::Webhook)
            && kinds.contains(&UsageKind::Function)
            && kinds.contains(&UsageKind::Apim)
    );
    let plain = m.workloads[0]
        .usages
        .iter()
        .find(|u| u.action == "Plain")
        .map(|u| u.auth.clone());
    assert_eq!(plain, Some(AuthType::None));
    // Basic auth with a literal password is a credential, and its value never appears.
    let cred = m
        .credentials
        .iter()
        .find(|c| c.kind == CredentialKind::BasicPassword)
        .expect("basic credential");
    assert_eq!(cred.source, CredentialSource::Literal);
    assert!(!serde_json::to_string(&m)
        .unwrap_or_default()
        .contains("p4ss"));
}

#[test]
fn secure_data_flags() {
    let mut a = http(
        "https://kv1.vault.azure.net/secrets/s",
        json!({"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}),
    );
    a["runtimeConfiguration"] = json!({"secureData": {"properties": ["inputs", "outputs"]}});
    let b = http(
        "https://kv1.vault.azure.net/secrets/s",
        json!({"type": "ManagedServiceIdentity"}),
    );
    let plan = PlanBuilder::new()
        .resource(WF, "wf", workflow(json!({"actions": {"A": a, "B": b}})))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let us = &m.workloads[0].usages;
    assert!(us[0].secure_data.inputs && us[0].secure_data.outputs);
    assert!(!us[1].secure_data.inputs && !us[1].secure_data.outputs);
}

#[test]
fn unknown_uri_resolved_through_provenance_and_workflow_parameters() {
    let kv_uri = rt("Microsoft.KeyVault/vaults", "kv9", "properties.vaultUri");
    let plan = PlanBuilder::new()
        .resource("Microsoft.KeyVault/vaults", "kv2", json!({}))
        .resource(WF, "wf", json!({"identity": {"type": "SystemAssigned"}, "properties": {
            "parameters": {"vault": {"value": "kv2"}},
            "definition": {"parameters": {"vault": {"type": "string"}}, "actions": {
                "ByRef": {"type": "Http", "inputs": {"method": "GET", "uri": kv_uri, "authentication": {"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}}},
                "ByParam": http("https://@{parameters('vault')}.vault.azure.net/secrets/@{encodeURIComponent('s1')}", json!({"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}))
            }}
        }}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let us = &m.workloads[0].usages;
    assert_eq!(
        us[0].target_resource.as_ref().map(|r| r.to_string()),
        Some(rid("Microsoft.KeyVault/vaults", "kv9"))
    );
    assert_eq!(us[0].needs.data_actions, [GET_SECRET]);
    assert_eq!(
        us[1].target.as_deref(),
        Some("https://kv2.vault.azure.net/secrets/s1")
    );
    assert_eq!(
        us[1].target_resource.as_ref().map(|r| r.to_string()),
        Some(format!(
            "{}/secrets/s1",
            rid("Microsoft.KeyVault/vaults", "kv2")
        ))
    );
}

#[test]
fn service_bus_queue_and_event_hubs_by_plan() {
    let msi = json!({"type": "ManagedServiceIdentity", "audience": "https://servicebus.azure.net"});
    let plan = PlanBuilder::new()
        .resource("Microsoft.ServiceBus/namespaces", "sb1", json!({}))
        .resource("Microsoft.EventHub/namespaces", "eh1", json!({}))
        .resource(WF, "wf", workflow(json!({"actions": {
            "Send": {"type": "Http", "inputs": {"method": "POST", "uri": "https://sb1.servicebus.windows.net/orders/messages", "authentication": msi}},
            "Hub": {"type": "Http", "inputs": {"method": "POST", "uri": "https://eh1.servicebus.windows.net/events/messages", "authentication": {"type": "ManagedServiceIdentity", "audience": "https://eventhubs.azure.net"}}}
        }})))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let us = &m.workloads[0].usages;
    assert_eq!(us[0].service, Some(Service::ServiceBus));
    assert_eq!(
        us[0].target_resource.as_ref().map(|r| r.to_string()),
        Some(format!(
            "{}/queues/orders",
            rid("Microsoft.ServiceBus/namespaces", "sb1")
        ))
    );
    assert_eq!(
        us[0].needs.data_actions,
        ["Microsoft.ServiceBus/namespaces/messages/send/action"]
    );
    assert_eq!(us[1].service, Some(Service::EventHubs));
    assert_eq!(
        us[1].target_resource.as_ref().map(|r| r.to_string()),
        Some(format!(
            "{}/eventhubs/events",
            rid("Microsoft.EventHub/namespaces", "eh1")
        ))
    );
}

#[test]
fn managed_api_connections_with_identity_and_with_keys() {
    let ua = rid(UAMI, "id1");
    let kv_conn = rid("Microsoft.Web/connections", "keyvault");
    let blob_conn = rid("Microsoft.Web/connections", "azureblob");
    let plan = PlanBuilder::new()
        .parameter("", "storageKey", ParameterSource::Default, true, json!("$param:storageKey"))
        .resource("Microsoft.KeyVault/vaults", "kv1", json!({}))
        .resource("Microsoft.Web/connections", "keyvault", json!({"kind": "V1", "properties": {
            "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/keyvault"},
            "parameterValueSet": {"name": "oauthMI", "values": {"vaultName": {"value": "kv1"}}}
        }}))
        .resource("Microsoft.Web/connections", "azureblob", json!({"kind": "V1", "properties": {
            "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/azureblob"},
            "parameterValues": {"accountName": "st1", "accessKey": "$param:storageKey"}
        }}))
        .full("Microsoft.Web/connections", "azureblob2", RG, "", json!({"properties": {
            "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/azureblob"},
            "parameterValueSet": {"name": "managedIdentityAuth", "values": {}}
        }}), None)
        .resource(WF, "wf", json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {ua.as_str(): {}}}, "properties": {
            "parameters": {"$connections": {"value": {
                "keyvault": {"connectionId": kv_conn, "connectionName": "keyvault", "id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/keyvault",
                    "connectionProperties": {"authentication": {"type": "ManagedServiceIdentity", "identity": ua}}},
                "azureblob": {"connectionId": blob_conn, "connectionName": "azureblob", "id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/azureblob"}
            }}},
            "definition": {"actions": {
                "Get_secret": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "@parameters('$connections')['keyvault']['connectionId']"}}, "method": "get", "path": "/secrets/@{encodeURIComponent('db')}/value"}},
                "Create_blob": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "@parameters('$connections')['azureblob']['connectionId']"}}, "method": "post", "path": "/v2/datasets/default/files"}}
            }}
        }}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.connections.len(), 3);
    assert_eq!(m.connections[0].auth, ConnectionAuth::ManagedIdentity);
    assert_eq!(
        m.connections[0]
            .target_resource
            .as_ref()
            .map(|r| r.to_string()),
        Some(rid("Microsoft.KeyVault/vaults", "kv1"))
    );
    assert_eq!(m.connections[1].auth, ConnectionAuth::Key);
    assert_eq!(m.connections[1].secret_parameters, ["accessKey"]);
    assert_eq!(m.connections[2].auth, ConnectionAuth::ManagedIdentity);
    let us = &m.workloads[0].usages;
    assert_eq!(us[0].kind, UsageKind::ManagedApiConnection);
    assert_eq!(us[0].auth, AuthType::ManagedServiceIdentity);
    assert_eq!(
        us[0].identity,
        Some(UsageIdentity::UserAssigned(ua.as_str().into()))
    );
    assert_eq!(us[0].connection.as_deref(), Some("keyvault"));
    assert_eq!(us[0].needs.data_actions, [GET_SECRET]);
    assert_eq!(
        us[0].target_resource.as_ref().map(|r| r.to_string()),
        Some(format!(
            "{}/secrets/db",
            rid("Microsoft.KeyVault/vaults", "kv1")
        ))
    );
    assert_eq!(us[1].auth, AuthType::ConnectionKey);
    assert_eq!(us[1].service, Some(Service::StorageBlob));
    let cred = m
        .credentials
        .iter()
        .find(|c| c.kind == CredentialKind::ConnectionParameter)
        .expect("key credential");
    assert_eq!(
        cred.source,
        CredentialSource::Parameter {
            name: "storageKey".into(),
            secure: true
        }
    );
}

#[test]
fn connection_strings_with_keys_are_credentials() {
    let plan = PlanBuilder::new()
        .full(
            "Microsoft.Web/sites",
            "app1",
            RG,
            "",
            json!({"kind": "functionapp,workflowapp", "identity": {"type": "SystemAssigned"}, "properties": {"siteConfig": {"appSettings": [
                {"name": "AzureWebJobsStorage", "value": "$list:listKeys|x"}
            ]}}}),
            Some(json!({"kind": "functionapp,workflowapp", "properties": {"siteConfig": {"appSettings": [
                {"name": "AzureWebJobsStorage", "value": "[concat('DefaultEndpointsProtocol=https;AccountName=', variables('st'), ';AccountKey=', listKeys(variables('stId'), '2019-06-01').keys[0].value)]"}
            ]}}})),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.workloads[0].plan, access::WorkloadPlan::Standard);
    let c = &m.credentials[0];
    assert_eq!(c.kind, CredentialKind::ConnectionStringKey);
    assert_eq!(
        c.source,
        CredentialSource::ListCall {
            function: "listkeys".into()
        }
    );
    assert_eq!(c.path, "properties/siteConfig/appSettings/0/value");
}

/// AVM `web/site/config`: the key branch of `if(useIdentity, ..., listKeys(...))` is not taken
/// with these parameters, so the evaluated settings hold no key and no credential is reported.
#[test]
fn key_only_in_a_branch_not_taken_is_no_credential() {
    let declared = "[union(parameters('current'), if(not(parameters('useIdentity')), createObject('AzureWebJobsStorage', format('AccountName={0};AccountKey={1}', 'st', listKeys('st', '2025-06-01').keys[0].value)), createObject('AzureWebJobsStorage__accountName', 'st')))]";
    let build_with = |evaluated: serde_json::Value| {
        let plan = PlanBuilder::new()
            .full(
                "Microsoft.Web/sites/config",
                "app1/appsettings",
                RG,
                "",
                json!({ "properties": evaluated }),
                Some(json!({ "properties": declared })),
            )
            .build();
        build(&plan, &RoleCatalogue::builtin())
    };
    let identity = build_with(json!({"AzureWebJobsStorage__accountName": "st"}));
    assert!(
        identity.credentials.is_empty(),
        "{:?}",
        identity.credentials
    );
    let keyed = build_with(json!({"AzureWebJobsStorage": "$list:listKeys|st"}));
    assert_eq!(keyed.credentials.len(), 1);
    assert_eq!(keyed.credentials[0].path, "properties");
}

#[test]
fn standard_connections_and_workflow_files() {
    let dir = std::env::temp_dir().join(format!("rolegate-access-std-{}", std::process::id()));
    let wf_dir = dir.join("src").join("OrderFlow");
    std::fs::create_dir_all(&wf_dir).unwrap_or_default();
    std::fs::write(
        dir.join("src").join("connections.json"),
        json!({
            "managedApiConnections": {"keyvault": {
                "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/keyvault"},
                "connection": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/connections/kv"},
                "authentication": {"type": "ManagedServiceIdentity"}
            }},
            "serviceProviderConnections": {"serviceBus": {
                "parameterValues": {"fullyQualifiedNamespace": "@appsetting('SB_NS')", "authProvider": {"Type": "ManagedServiceIdentity"}},
                "parameterSetName": "ManagedServiceIdentity",
                "serviceProvider": {"id": "/serviceProviders/serviceBus"}
            }, "blob": {
                "parameterValues": {"connectionString": "@appsetting('BLOB_CS')"},
                "serviceProvider": {"id": "/serviceProviders/AzureBlob"}
            }}
        })
        .to_string(),
    )
    .unwrap_or_default();
    std::fs::write(
        wf_dir.join("workflow.json"),
        json!({"definition": {"actions": {
            "Send": {"type": "ServiceProvider", "inputs": {"serviceProviderConfiguration": {"connectionName": "serviceBus", "operationId": "sendMessage", "serviceProviderId": "/serviceProviders/serviceBus"}}},
            "Secret": {"type": "ApiConnection", "inputs": {"host": {"connection": {"referenceName": "keyvault"}}, "method": "get", "path": "/secrets/a/value"}}
        }}, "kind": "Stateful"})
        .to_string(),
    )
    .unwrap_or_default();
    let template = dir.join("main.json");
    let plan = PlanBuilder::at(&template.display().to_string())
        .resource("Microsoft.ServiceBus/namespaces", "sb1", json!({}))
        .resource("Microsoft.Web/sites", "la1", json!({"kind": "functionapp,workflowapp", "identity": {"type": "SystemAssigned"}, "properties": {"siteConfig": {"appSettings": [
            {"name": "SB_NS", "value": "sb1.servicebus.windows.net"}
        ]}}}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let _ = std::fs::remove_dir_all(&dir);
    let us = &m.workloads[0].usages;
    let send = us
        .iter()
        .find(|u| u.action == "OrderFlow/Send")
        .expect("send usage");
    assert_eq!(send.kind, UsageKind::ServiceProvider);
    assert_eq!(send.auth, AuthType::ManagedServiceIdentity);
    assert_eq!(send.identity, Some(UsageIdentity::SystemAssigned));
    assert_eq!(send.service, Some(Service::ServiceBus));
    assert_eq!(
        send.target_resource.as_ref().map(|r| r.to_string()),
        Some(rid("Microsoft.ServiceBus/namespaces", "sb1"))
    );
    assert_eq!(
        send.needs.data_actions,
        ["Microsoft.ServiceBus/namespaces/messages/send/action"]
    );
    assert!(send.location.file.ends_with("workflow.json"));
    assert!(send.location.line >= 1);
    let secret = us
        .iter()
        .find(|u| u.action == "OrderFlow/Secret")
        .expect("secret usage");
    assert_eq!(secret.auth, AuthType::ManagedServiceIdentity);
    assert_eq!(secret.needs.data_actions, [GET_SECRET]);
    // The blob connection is used by no workflow: listed as a connection usage with key auth.
    let blob = us
        .iter()
        .find(|u| u.connection.as_deref() == Some("blob"))
        .expect("blob connection usage");
    assert_eq!(blob.auth, AuthType::ConnectionKey);
    assert_eq!(blob.element, "connection");
    assert!(m
        .credentials
        .iter()
        .any(|c| c.kind == CredentialKind::ConnectionParameter
            && c.source
                == CredentialSource::WorkflowExpression {
                    text: "@appsetting('BLOB_CS')".into()
                }));
    assert!(m
        .connections
        .iter()
        .any(|c| c.name == "keyvault" && c.auth == ConnectionAuth::ManagedIdentity));
}

#[test]
fn identities_are_linked_to_workloads() {
    let ua = rid(UAMI, "shared");
    let plan = PlanBuilder::new()
        .resource(UAMI, "shared", json!({}))
        .resource(WF, "a", json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {ua.as_str(): {}}}}))
        .resource(WF, "b", json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {ua.to_uppercase(): {}}}}))
        .resource(WF, "c", json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {rid(UAMI, "elsewhere"): {}}}}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.identities.len(), 2);
    assert!(m.identities[0].declared);
    assert_eq!(m.identities[0].attached_to.len(), 2);
    assert!(!m.identities[1].declared);
    assert_eq!(m.identities[1].name, "elsewhere");
}

#[test]
fn rich_model_matches_the_json_schema() {
    let ua = rid(UAMI, "id1");
    let plan = PlanBuilder::new()
        .parameter("", "pwd", ParameterSource::Default, true, json!("$param:pwd"))
        .resource(UAMI, "id1", json!({}))
        .resource("Microsoft.Web/connections", "kv", json!({"properties": {"api": {"id": "/x/managedApis/keyvault"}, "parameterValues": {"clientSecret": "$param:pwd"}}}))
        .resource("Microsoft.Authorization/roleDefinitions", "77777777-7777-7777-7777-777777777777", json!({"properties": {"roleName": "r", "permissions": [{"actions": ["*/read"]}]}}))
        .resource(WF, "wf", json!({"identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {ua.as_str(): {}}}, "tags": {"env": "prod"}, "properties": {"definition": {"actions": {
            "A": http("https://kv1.vault.azure.net/secrets/s", json!({"type": "ManagedServiceIdentity", "identity": ua})),
            "B": http("https://x.example.com", json!({"type": "Basic", "username": "u", "password": "$param:pwd"}))
        }}}}))
        .resource("Microsoft.Authorization/roleAssignments", "eeeeeeee-0000-0000-0000-000000000001", json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6", "principalId": "$newguid"}}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let instance = serde_json::to_value(&m).unwrap_or_default();
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/access-model.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap_or_default())
            .unwrap_or_default();
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every section is exercised.
    for key in [
        "workloads",
        "identities",
        "grants",
        "connections",
        "role_definitions",
        "credentials",
        "unresolved",
    ] {
        assert!(
            instance[key].as_array().is_some_and(|a| !a.is_empty()),
            "{key} empty"
        );
    }
}

#[test]
fn connection_access_policies_name_their_principals() {
    let site = rid("Microsoft.Web/sites", "la1");
    let plan = PlanBuilder::new()
        .resource("Microsoft.Web/connections", "blob", json!({"kind": "V2", "properties": {"api": {"id": "/x/managedApis/azureblob"}, "parameterValueSet": {"name": "managedIdentityAuth", "values": {}}}}))
        .resource(
            "Microsoft.Web/connections/accessPolicies",
            "blob/policy1",
            json!({"properties": {"principal": {"type": "ActiveDirectory", "identity": {"objectId": rt("Microsoft.Web/sites", "la1", "identity.principalId"), "tenantId": "t"}}}}),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let policies = &m.connections[0].access_policies;
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].kind, access::PrincipalKind::SystemAssigned);
    assert_eq!(
        policies[0].resource.as_ref().map(|r| r.to_string()),
        Some(site)
    );
}
