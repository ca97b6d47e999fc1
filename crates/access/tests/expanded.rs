//! Principal forms through real expansion (arm::expand_file) of small fixtures: direct, through one
//! and two module boundaries, a module output, symbolic references, the legacy
//! `Identities/default` and `<type>/providers/roleAssignments` forms, parameters passed to modules.

use access::{build, AccessModel, PrincipalKind, ResourceId, RoleCatalogue, ScopeLevel, Service};

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg";

fn model(fixture: &str) -> AccessModel {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let plan = arm::expand_file(&path, &arm::ExpandOptions::default()).expect("fixture expands");
    build(&plan, &RoleCatalogue::builtin())
}

fn id(rest: &str) -> ResourceId {
    ResourceId::parse(&format!("{RG}/providers/{rest}"))
}

#[test]
fn principals_through_modules_outputs_and_legacy_forms() {
    let m = model("modules.json");
    let find = |deployment: &str, role: &str| {
        m.grants
            .iter()
            .find(|g| g.deployment == deployment && g.role.name.as_deref() == Some(role))
            .unwrap_or_else(|| panic!("no {role} grant in '{deployment}': {:#?}", m.grants))
    };
    // One module boundary: the parent passes reference(wf1, 'full').identity.principalId.
    let reader = find("roles", "Reader");
    assert_eq!(reader.principal.kind, PrincipalKind::SystemAssigned);
    assert_eq!(
        reader.principal.resource,
        Some(id("Microsoft.Logic/workflows/wf1"))
    );
    assert_eq!(reader.scope.as_str(), RG);
    // Two boundaries: roles → inner.
    let kvsu = find("roles/inner", "Key Vault Secrets User");
    assert_eq!(
        kvsu.principal.resource,
        Some(id("Microsoft.Logic/workflows/wf1"))
    );
    assert_eq!(kvsu.scope, id("Microsoft.KeyVault/vaults/kv1"));
    assert_eq!(kvsu.scope_level, ScopeLevel::Resource);
    // A module output (the user-assigned identity's principalId) passed to another module.
    let uami = find("uami-roles", "Key Vault Secrets User");
    assert_eq!(uami.principal.kind, PrincipalKind::UserAssigned);
    assert_eq!(
        uami.principal.resource,
        Some(id(
            "Microsoft.ManagedIdentity/userAssignedIdentities/id-app"
        ))
    );
    assert!(m
        .identities
        .iter()
        .any(|i| i.declared && i.name == "id-app"));
    // Legacy: `<type>/providers/roleAssignments` scoped to wf1, principal `.../Identities/default`.
    let legacy = find("", "Reader");
    assert_eq!(legacy.scope, id("Microsoft.Logic/workflows/wf1"));
    assert_eq!(legacy.principal.kind, PrincipalKind::SystemAssigned);
    assert_eq!(
        legacy.principal.resource,
        Some(id("Microsoft.Logic/workflows/wf-legacy"))
    );
    assert!(m.unresolved.is_empty(), "{:#?}", m.unresolved);
}

#[test]
fn symbolic_names_provenance_targets_and_module_parameters() {
    let m = model("symbolic.json");
    let wf = m
        .workloads
        .iter()
        .find(|w| w.name == "wf-sym")
        .expect("workflow");
    let ra = m
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Key Vault Secrets User"))
        .expect("grant");
    assert_eq!(ra.principal.kind, PrincipalKind::SystemAssigned);
    assert_eq!(ra.principal.resource.as_ref(), Some(&wf.id));
    assert_eq!(ra.scope, id("Microsoft.KeyVault/vaults/kv-sym"));
    // `reference('kv').vaultUri` is unknown before deployment; its provenance names the vault.
    let get = &wf.usages[0];
    assert_eq!(get.service, Some(Service::KeyVault));
    assert_eq!(
        get.target_resource,
        Some(id("Microsoft.KeyVault/vaults/kv-sym"))
    );
    // A parameter passed into a module stays a parameter principal, with its value.
    let owner = m
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Owner"))
        .expect("owner");
    assert_eq!(owner.principal.kind, PrincipalKind::Parameter);
    assert_eq!(owner.principal.parameter.as_deref(), Some("adminObjectId"));
    assert_eq!(
        owner.principal.id.as_deref(),
        Some("0d0c0b0a-1111-2222-3333-444455556666")
    );
    assert_eq!(owner.principal_type, None);
}

#[test]
fn several_plans_make_one_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let plans: Vec<_> = ["modules.json", "symbolic.json"]
        .iter()
        .map(|f| arm::expand_file(&dir.join(f), &arm::ExpandOptions::default()).expect("expands"))
        .collect();
    let m = access::build_all(&plans, &RoleCatalogue::builtin());
    assert_eq!(m.sources.len(), 2);
    assert_eq!(m.workloads.len(), 3);
    assert_eq!(m.grants.len(), 6);
}

/// The AKS fixture of the rules crate (issue 11 class E), read where it lives.
fn rules_fixture_model(fixture: &str) -> AccessModel {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rules/tests/fixtures/sample50")
        .join(fixture);
    let plan = arm::expand_file(&path, &arm::ExpandOptions::default()).expect("fixture expands");
    build(&plan, &RoleCatalogue::builtin())
}

/// Fails with every schema error when the model's JSON does not match docs/access-model.schema.json.
fn assert_matches_schema(m: &AccessModel) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/access-model.schema.json"
        ))
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let instance = serde_json::to_value(m).unwrap_or_default();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn aks_add_on_and_kubelet_identities_are_identities_of_their_cluster() {
    let m = rules_fixture_model("aks-cluster-identities.json");
    let cluster = id("Microsoft.ContainerService/managedClusters/aks1");
    let agic = m
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Contributor") && g.deployment == "grants")
        .unwrap_or_else(|| panic!("AGIC grant: {:#?}", m.grants));
    assert_eq!(agic.principal.kind, PrincipalKind::UserAssigned);
    let identity = agic
        .principal
        .resource
        .as_ref()
        .and_then(|r| m.identities.iter().find(|i| &i.id == r))
        .unwrap_or_else(|| panic!("AGIC identity in the model: {:#?}", m.identities));
    let managed_by = identity
        .managed_by
        .as_ref()
        .expect("managed by the cluster");
    assert_eq!(managed_by.resource, cluster);
    assert_eq!(managed_by.feature, "ingressApplicationGateway add-on");
    assert_eq!(identity.attached_to, vec![cluster.clone()]);
    // Its id is in the node resource group under a name AKS picks: unknown, not guessed.
    assert!(identity.id.has_unknown_parts(), "{}", identity.id);
    // The kubelet identity of aks1 is modelled the same way, and is no longer unresolved.
    let kubelet = m
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("AcrPull"))
        .expect("kubelet grant");
    assert_eq!(kubelet.principal.kind, PrincipalKind::UserAssigned);
    assert!(m
        .unresolved
        .iter()
        .all(|u| !u.what.starts_with("principal of")));
    // aks2 names a pre-created kubelet identity: the grant goes to that identity.
    let named = m
        .grants
        .iter()
        .find(|g| g.deployment.is_empty() && g.role.name.as_deref() == Some("Contributor"))
        .expect("aks2 kubelet grant");
    assert_eq!(
        named.principal.resource,
        Some(id(
            "Microsoft.ManagedIdentity/userAssignedIdentities/kubelet-id"
        ))
    );
    // The model with these fields still matches its JSON schema.
    assert_matches_schema(&m);
}

#[test]
fn a_policy_assignment_carries_the_roles_its_definition_lists() {
    let m = rules_fixture_model("policy-assignment-roles.json");
    let roles = |name: &str| {
        m.workloads
            .iter()
            .find(|w| w.name == name)
            .and_then(|w| w.remediation_roles.clone())
            .map(|r| r.roles)
    };
    // Through the policy set to its member definition.
    assert_eq!(
        roles("listed-role"),
        Some(vec![
            "749f88d5-cbae-40b8-bcfc-e573ddc772fa".to_string(),
            "92aaf0da-9dab-42b6-94a3-d43ce8d16293".to_string()
        ])
    );
    assert_eq!(
        roles("broader-role"),
        Some(vec!["43d0d8ad-25c7-4714-9337-8ba259a9fe05".to_string()])
    );
    assert_matches_schema(&m);
}
