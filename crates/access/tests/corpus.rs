//! The access model on real public templates (../shared/corpus), checked by hand against the
//! templates; skipped with a message when the corpus is absent.

use std::path::{Path, PathBuf};

use access::{
    build, AccessModel, AuthType, ConnectionAuth, CredentialKind, CredentialSource, PrincipalKind,
    RoleCatalogue, ScopeLevel, Service, WorkloadPlan,
};
use arm::plan::ConditionStatus;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

fn model(template: &str, params: &[&str], overrides: &[(&str, &str)]) -> Option<AccessModel> {
    let root = corpus()?;
    let options = arm::ExpandOptions {
        parameter_files: params.iter().map(|p| root.join(p)).collect(),
        overrides: overrides
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
        ..Default::default()
    };
    let plan = arm::expand_file(&root.join(template), &options).expect("expands");
    Some(build(&plan, &RoleCatalogue::builtin()))
}

#[test]
fn synapse_logic_app_role_assignment() {
    // One Contributor assignment at the resource group for the system identity of the workflow
    // named by `logicAppName` (reference(..., 'full').identity.principalId).
    let Some(m) = model(
        "quickstarts/quickstarts/microsoft.synapse/synapse-poc/nestedtemplates/logicapproleassignments.json",
        &[],
        &[("logicAppName", "la1")],
    ) else {
        return;
    };
    assert_eq!(m.grants.len(), 1);
    let g = &m.grants[0];
    assert_eq!(g.role.name.as_deref(), Some("Contributor"));
    assert_eq!(g.scope_level, ScopeLevel::ResourceGroup);
    assert_eq!(g.principal.kind, PrincipalKind::SystemAssigned);
    assert!(g.principal.resource.as_ref().is_some_and(|r| r
        .as_str()
        .ends_with("/providers/Microsoft.Logic/workflows/la1")));
    assert_eq!(g.principal_type.as_deref(), Some("ServicePrincipal"));
    assert!(g.name_resolved);
}

#[test]
fn machine_learning_dependency_role_assignments_through_nested_deployments() {
    let dir = "quickstarts/quickstarts/microsoft.machinelearningservices/machine-learning-dependencies-role-assignment";
    let Some(m) = model(
        &format!("{dir}/azuredeploy.json"),
        &[&format!("{dir}/azuredeploy.parameters.json")],
        &[],
    ) else {
        return;
    };
    assert_eq!(m.grants.len(), 7);
    let deployed: Vec<_> = m
        .grants
        .iter()
        .filter(|g| g.deployed == ConditionStatus::Deployed)
        .collect();
    assert_eq!(
        deployed.len(),
        6,
        "the Databricks assignment's condition is false"
    );
    for g in &deployed {
        assert_eq!(g.principal.kind, PrincipalKind::UserAssigned, "{}", g.name);
        // The template writes the type in lower case; ids compare case-insensitively.
        let expected = access::ResourceId::parse("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/GET-PREREQ-resourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/GET-PREREQ-identityName");
        assert_eq!(g.principal.resource.as_ref(), Some(&expected), "{}", g.name);
    }
    let kv_admin = deployed
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Key Vault Administrator"))
        .expect("KV admin grant");
    assert_eq!(kv_admin.scope_level, ScopeLevel::Resource);
    assert!(kv_admin.scope.as_str().to_ascii_lowercase().ends_with("/resourcegroups/get-prereq-resourcegroup/providers/microsoft.keyvault/vaults/get-prereq-keyvaultname"));
    let rg = deployed
        .iter()
        .find(|g| g.scope_level == ScopeLevel::ResourceGroup)
        .expect("RG grant");
    assert_eq!(rg.role.name.as_deref(), Some("Contributor"));
    assert!(
        rg.scope.as_str().ends_with("/resourceGroups/rolegate-rg"),
        "workspaceResourceGroup defaults to resourceGroup().name"
    );
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

#[test]
fn backup_report_usages_at_every_depth() {
    // Connection names are built from the location: given here (without it, it is unknown).
    let Some(m) = model(
        "quickstarts/demos/backup-all-tabs-report/azuredeploy.json",
        &[],
        &[("location", "westus")],
    ) else {
        return;
    };
    let w = &m.workloads[0];
    assert_eq!(w.plan, WorkloadPlan::Consumption);
    assert!(!w.identity.has_identity());
    assert_eq!(w.usages.len(), 23);
    let success = w
        .usages
        .iter()
        .find(|u| u.action == "If_Any_Scope_Failed/else/actions/Send_an_email_(V2)-SuccessfulRun")
        .expect("else branch");
    assert_eq!(success.auth, AuthType::Other("OAuthConsent".into()));
    assert_eq!(success.connection.as_deref(), Some("westus-office365"));
    let apis: Vec<_> = m
        .connections
        .iter()
        .map(|c| (c.api.clone(), c.auth))
        .collect();
    assert!(apis.contains(&(Some("office365".into()), ConnectionAuth::OAuthConsent)));
    assert!(apis.contains(&(
        Some("azuremonitorlogs".into()),
        ConnectionAuth::OAuthConsent
    )));
}

#[test]
fn service_bus_correlation_send_and_receive() {
    let Some(m) = model("quickstarts/quickstarts/microsoft.logic/logic-app-correlation-using-servicebus/azuredeploy.json", &[], &[]) else {
        return;
    };
    assert_eq!(m.workloads.len(), 3);
    let backend = m
        .workloads
        .iter()
        .find(|w| w.name == "BackendLogicApp")
        .expect("backend");
    let peek = backend
        .usages
        .iter()
        .find(|u| u.action.starts_with("When_a_message_is_received"))
        .expect("trigger");
    assert_eq!(peek.element, "trigger");
    assert_eq!(peek.service, Some(Service::ServiceBus));
    assert_eq!(peek.auth, AuthType::ConnectionKey);
    assert_eq!(
        peek.needs.data_actions,
        ["Microsoft.ServiceBus/namespaces/messages/receive/action"]
    );
    let send = backend
        .usages
        .iter()
        .find(|u| u.action == "Send_message")
        .expect("send");
    assert_eq!(
        send.needs.data_actions,
        ["Microsoft.ServiceBus/namespaces/messages/send/action"]
    );
    assert_eq!(m.connections[0].auth, ConnectionAuth::Key);
    assert!(m
        .credentials
        .iter()
        .any(|c| c.kind == CredentialKind::ConnectionParameter
            && matches!(c.source, CredentialSource::ListCall { .. })));
}

#[test]
fn standard_sample_with_project_files() {
    let Some(m) = model(
        "samples/Azure/logicapps/github-sample/ARM/la-template.json",
        &["samples/Azure/logicapps/github-sample/ARM/la-parameters.json"],
        &[],
    ) else {
        return;
    };
    let w = &m.workloads[0];
    assert_eq!(w.plan, WorkloadPlan::Standard);
    assert!(w.identity.system_assigned);
    let blob = w
        .usages
        .iter()
        .find(|u| u.action == "EventProcessor/Create_blob_(V2)")
        .expect("workflow.json usage");
    assert_eq!(blob.auth, AuthType::ConnectionKey);
    assert_eq!(blob.service, Some(Service::StorageBlob));
    assert!(blob.location.file.ends_with("EventProcessor/workflow.json"));
    assert!(m
        .connections
        .iter()
        .any(|c| c.name == "azureblob" && c.auth == ConnectionAuth::Key));
    let keys = m
        .credentials
        .iter()
        .filter(|c| {
            c.kind == CredentialKind::ConnectionStringKey
                && matches!(c.source, CredentialSource::ListCall { .. })
        })
        .count();
    assert_eq!(
        keys, 2,
        "AzureWebJobsStorage and WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"
    );
}

#[test]
fn finops_hub_copy_loops_in_symbolic_modules() {
    // Bicep-compiled, symbolic-name modules with copy loops over role-id arrays: the Data Factory's
    // system identity gets four roles on the hub storage account (storageRbacRoles), the blob
    // manager identity two roles at the resource group (no scope), the trigger manager identity
    // Data Factory Contributor on the factory.
    let Some(m) = model(
        "quickstarts/quickstarts/microsoft.costmanagement/finops-hub/azuredeploy.json",
        &[],
        &[("hubName", "hub1")],
    ) else {
        return;
    };
    let factory = m
        .workloads
        .iter()
        .find(|w| w.resource_type == "Microsoft.DataFactory/factories")
        .expect("factory");
    let mut roles: Vec<String> = m
        .grants_to(PrincipalKind::SystemAssigned, &factory.id)
        .map(|g| {
            assert_eq!(g.scope_level, ScopeLevel::Resource);
            assert_eq!(
                g.scope.resource_type().as_deref(),
                Some("Microsoft.Storage/storageAccounts")
            );
            g.role.name.clone().unwrap_or_default()
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            "Reader",
            "Storage Account Contributor",
            "Storage Blob Data Contributor",
            "User Access Administrator"
        ]
    );
    let blob_manager = m
        .identities
        .iter()
        .find(|i| i.name.ends_with("_blobManager"))
        .expect("blob manager identity");
    let mut bm: Vec<(String, ScopeLevel)> = m
        .grants_to(PrincipalKind::UserAssigned, &blob_manager.id)
        .map(|g| (g.role.name.clone().unwrap_or_default(), g.scope_level))
        .collect();
    bm.sort();
    assert_eq!(
        bm,
        [
            (
                "Storage Blob Data Contributor".to_string(),
                ScopeLevel::ResourceGroup
            ),
            (
                "Storage File Data Privileged Contributor".to_string(),
                ScopeLevel::ResourceGroup
            )
        ]
    );
    let trigger = m
        .identities
        .iter()
        .find(|i| i.name.ends_with("_triggerManager"))
        .expect("trigger manager identity");
    let tm: Vec<_> = m
        .grants_to(PrincipalKind::UserAssigned, &trigger.id)
        .collect();
    assert_eq!(tm.len(), 1);
    assert_eq!(tm[0].role.name.as_deref(), Some("Data Factory Contributor"));
    assert_eq!(
        tm[0].scope.resource_type().as_deref(),
        Some("Microsoft.DataFactory/factories")
    );
    assert_eq!(
        trigger.attached_to.len(),
        3,
        "three deployment scripts run as the trigger manager"
    );
}

#[test]
fn standard_connections_join_the_connection_declared_in_another_template() {
    // la-template.json deploys the site; connectors-template.json the `azureblob` connection that
    // logic/connections.json names through `@appsetting()` ids: one connection, and the workflow's
    // call reaches the storage account named by the connection's `accountName`.
    let Some(root) = corpus() else { return };
    let dir = root.join("samples/Azure/logicapps/github-sample/ARM");
    let plans: Vec<_> = [
        ("connectors-template.json", "connectors-parameters.json"),
        ("la-template.json", "la-parameters.json"),
    ]
    .iter()
    .map(|(t, p)| {
        let options = arm::ExpandOptions {
            parameter_files: vec![dir.join(p)],
            ..Default::default()
        };
        arm::expand_file(&dir.join(t), &options).expect("expands")
    })
    .collect();
    let m = access::build_all(&plans, &RoleCatalogue::builtin());
    assert_eq!(m.connections.len(), 1, "{:#?}", m.connections);
    let c = &m.connections[0];
    assert_eq!(
        (c.api.as_deref(), c.auth),
        (Some("azureblob"), ConnectionAuth::Key)
    );
    let target = c.target_resource.clone().expect("storage account");
    assert_eq!(
        target.resource_type().as_deref(),
        Some("Microsoft.Storage/storageAccounts")
    );
    let usage = &m.workloads[0].usages[0];
    assert_eq!(usage.target_resource.as_ref(), Some(&target));
}

#[test]
fn connector_names_survive_an_unknown_location() {
    // `subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'as2')`
    // with no --location: the id has an unknown part, but still ends in the connector's name.
    let Some(m) = model(
        "quickstarts/quickstarts/microsoft.logic/logic-app-as2-send-receive/azuredeploy.json",
        &[],
        &[],
    ) else {
        return;
    };
    let apis: Vec<_> = m.connections.iter().filter_map(|c| c.api.clone()).collect();
    assert!(apis.iter().any(|a| a == "as2"), "{apis:?}");
    assert!(!apis.iter().any(|a| a == "as2id"), "{apis:?}");
}
