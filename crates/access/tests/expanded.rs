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
