//! Every role-assignment form and every principal form, on plans built in code.

mod common;

use access::{build, PrincipalKind, RoleCatalogue, RoleSource, ScopeLevel};
use arm::plan::{ConditionStatus, ParameterSource};
use common::*;
use serde_json::json;

const KVSU: &str = "4633458b-17de-408a-b874-0445c86b69e6";
const RA: &str = "Microsoft.Authorization/roleAssignments";
const WF: &str = "Microsoft.Logic/workflows";
const UAMI: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

fn role_def(guid: &str) -> String {
    format!("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{guid}")
}

fn ra_body(principal: &str) -> serde_json::Value {
    json!({"properties": {"roleDefinitionId": role_def(KVSU), "principalId": principal, "principalType": "ServicePrincipal"}})
}

#[test]
fn grant_without_scope_applies_at_the_resource_group() {
    let plan = PlanBuilder::new()
        .resource(WF, "wf", json!({"identity": {"type": "SystemAssigned"}}))
        .resource(
            RA,
            "11111111-1111-1111-1111-111111111111",
            ra_body(&rt(WF, "wf", "identity.principalId")),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.grants.len(), 1);
    let g = &m.grants[0];
    assert_eq!(g.scope.as_str(), RG);
    assert_eq!(g.scope_level, ScopeLevel::ResourceGroup);
    assert_eq!(g.role.id, KVSU);
    assert_eq!(g.role.name.as_deref(), Some("Key Vault Secrets User"));
    assert_eq!(g.role.source, RoleSource::BuiltIn);
    assert_eq!(g.principal.kind, PrincipalKind::SystemAssigned);
    assert_eq!(
        g.principal
            .resource
            .as_ref()
            .map(|r| r.as_str().to_string()),
        Some(rid(WF, "wf"))
    );
    assert_eq!(g.principal_type.as_deref(), Some("ServicePrincipal"));
    assert!(g.name_resolved);
    // The model links the grant to the workload.
    let w = &m.workloads[0];
    assert_eq!(m.grants_to(PrincipalKind::SystemAssigned, &w.id).count(), 1);
}

#[test]
fn grant_with_extension_scope_applies_to_the_resource() {
    let kv = rid("Microsoft.KeyVault/vaults", "kv1");
    let plan = PlanBuilder::new()
        .full(
            RA,
            "22222222-2222-2222-2222-222222222222",
            &kv,
            "",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.grants[0].scope.as_str(), kv);
    assert_eq!(m.grants[0].scope_level, ScopeLevel::Resource);
}

#[test]
fn relative_scope_left_by_expansion_is_made_absolute() {
    let plan = PlanBuilder::new()
        .full(
            RA,
            "22222222-2222-2222-2222-222222222223",
            "Microsoft.Storage/storageAccounts/st1",
            "",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(
        m.grants[0].scope.as_str(),
        rid("Microsoft.Storage/storageAccounts", "st1")
    );
}

#[test]
fn legacy_provider_form_scopes_to_the_named_resource() {
    let plan = PlanBuilder::new()
        .full(
            "Microsoft.Storage/storageAccounts/providers/roleAssignments",
            "st1/Microsoft.Authorization/33333333-3333-3333-3333-333333333333",
            RG,
            "",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let g = &m.grants[0];
    assert_eq!(
        g.scope.as_str(),
        rid("Microsoft.Storage/storageAccounts", "st1")
    );
    assert_eq!(g.scope_level, ScopeLevel::Resource);
    assert_eq!(g.name, "33333333-3333-3333-3333-333333333333");
}

#[test]
fn legacy_form_on_child_resource() {
    let plan = PlanBuilder::new()
        .full(
            "Microsoft.Storage/storageAccounts/blobServices/containers/providers/roleAssignments",
            "st1/default/c1/Microsoft.Authorization/33333333-3333-3333-3333-333333333334",
            RG,
            "",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(
        m.grants[0].scope.as_str(),
        rid(
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            "st1/default/c1"
        )
    );
    assert_eq!(m.grants[0].scope_level, ScopeLevel::ChildResource);
}

#[test]
fn subscription_scope_and_nested_deployment_conditions() {
    let other_rg = "/subscriptions/11111111-0000-0000-0000-000000000000/resourceGroups/other";
    let plan = PlanBuilder::new()
        .deployment("mod1", other_rg, ConditionStatus::Skipped)
        .deployment(
            "mod2",
            "/subscriptions/11111111-0000-0000-0000-000000000000",
            ConditionStatus::Assumed {
                depends_on: "parameter 'x'".into(),
            },
        )
        .full(
            RA,
            "44444444-4444-4444-4444-444444444444",
            other_rg,
            "mod1",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .full(
            RA,
            "55555555-5555-5555-5555-555555555555",
            "/subscriptions/11111111-0000-0000-0000-000000000000",
            "mod2",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.grants[0].scope.as_str(), other_rg);
    assert_eq!(m.grants[0].deployed, ConditionStatus::Skipped);
    assert_eq!(m.grants[0].deployment, "mod1");
    assert_eq!(m.grants[1].scope_level, ScopeLevel::Subscription);
    assert!(matches!(
        m.grants[1].deployed,
        ConditionStatus::Assumed { .. }
    ));
}

#[test]
fn cosmos_sql_role_assignment_is_a_grant() {
    let acct = rid("Microsoft.DocumentDB/databaseAccounts", "cdb");
    let plan = PlanBuilder::new()
        .resource(
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
            "cdb/66666666-6666-6666-6666-666666666666",
            json!({"properties": {
                "roleDefinitionId": format!("{acct}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000001"),
                "principalId": rt(WF, "wf", "identity.principalId"),
                "scope": format!("{acct}/dbs/db1")
            }}),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let g = &m.grants[0];
    assert_eq!(g.kind, access::GrantKind::CosmosSql);
    assert_eq!(
        g.role.name.as_deref(),
        Some("Cosmos DB Built-in Data Reader")
    );
    assert_eq!(g.role.source, RoleSource::CosmosBuiltIn);
    assert_eq!(g.scope.as_str(), format!("{acct}/dbs/db1"));
    assert_eq!(g.scope_level, ScopeLevel::ChildResource);
}

#[test]
fn template_custom_role_and_unknown_role() {
    let custom = "77777777-7777-7777-7777-777777777777";
    let plan = PlanBuilder::new()
        .resource(
            "Microsoft.Authorization/roleDefinitions",
            custom,
            json!({"properties": {"roleName": "Secret reader", "permissions": [{"actions": [], "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}]}}),
        )
        .resource(RA, "88888888-8888-8888-8888-888888888881", json!({"properties": {"roleDefinitionId": role_def(custom), "principalId": rt(WF, "wf", "identity.principalId")}}))
        .resource(RA, "88888888-8888-8888-8888-888888888882", json!({"properties": {"roleDefinitionId": role_def("99999999-9999-9999-9999-999999999999"), "principalId": rt(WF, "wf", "identity.principalId")}}))
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.role_definitions.len(), 1);
    assert!(m.role_definitions[0].allows_data("Microsoft.KeyVault/vaults/secrets/getSecret/action"));
    assert_eq!(m.grants[0].role.name.as_deref(), Some("Secret reader"));
    assert_eq!(m.grants[0].role.source, RoleSource::Template);
    assert_eq!(m.grants[1].role.source, RoleSource::Unknown);
    assert_eq!(m.grants[1].role.name, None);
}

fn principal_of(body_principal: &str) -> access::Principal {
    let plan = PlanBuilder::new()
        .resource(
            RA,
            "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
            ra_body(body_principal),
        )
        .build();
    build(&plan, &RoleCatalogue::builtin())
        .grants
        .remove(0)
        .principal
}

#[test]
fn principal_forms() {
    // Direct system-assigned, user-assigned (non-full reference path), legacy Identities/default.
    let p = principal_of(&rt(WF, "wf", "identity.principalId"));
    assert_eq!(p.kind, PrincipalKind::SystemAssigned);
    let p = principal_of(&rt(UAMI, "id1", "properties.principalId"));
    assert_eq!(p.kind, PrincipalKind::UserAssigned);
    assert_eq!(p.resource.map(|r| r.to_string()), Some(rid(UAMI, "id1")));
    let legacy = format!("$rt:Microsoft.ManagedIdentity/Identities|{}/providers/Microsoft.ManagedIdentity/Identities/default|properties.principalId", rid(WF, "wf"));
    let p = principal_of(&legacy);
    assert_eq!(p.kind, PrincipalKind::SystemAssigned);
    assert_eq!(p.resource.map(|r| r.to_string()), Some(rid(WF, "wf")));
    // Symbolic reference (languageVersion 2.0): the ResourceRef carries a symbol; same resolution.
    let symbolic = format!("$rt:{WF}|{}|identity.principalId|logicApp", rid(WF, "wf"));
    assert_eq!(principal_of(&symbolic).kind, PrincipalKind::SystemAssigned);
    // Literal GUID, unset parameter, newGuid.
    let p = principal_of("0d0c0b0a-1111-2222-3333-444455556666");
    assert_eq!(
        (p.kind, p.id.as_deref()),
        (
            PrincipalKind::External,
            Some("0d0c0b0a-1111-2222-3333-444455556666")
        )
    );
    let p = principal_of("$param:principalId");
    assert_eq!(
        (p.kind, p.parameter.as_deref()),
        (PrincipalKind::Parameter, Some("principalId"))
    );
    let p = principal_of("$newguid");
    assert_eq!(p.kind, PrincipalKind::Unresolved);
    assert!(p.provenance.contains("newGuid"));
}

#[test]
fn principal_through_one_and_two_module_boundaries() {
    // Expansion resolves module outputs/parameters: the inner principal arrives as the outer
    // workflow's runtime property, whatever the depth.
    let plan = PlanBuilder::new()
        .resource(WF, "wf", json!({"identity": {"type": "SystemAssigned"}}))
        .deployment("roles", RG, ConditionStatus::Deployed)
        .deployment("roles/inner", RG, ConditionStatus::Deployed)
        .full(
            RA,
            "bbbbbbbb-0000-0000-0000-000000000001",
            RG,
            "roles",
            ra_body(&rt(WF, "wf", "identity.principalId")),
            Some(json!({"properties": {"principalId": "[parameters('principalId')]"}})),
        )
        .full(
            RA,
            "bbbbbbbb-0000-0000-0000-000000000002",
            RG,
            "roles/inner",
            ra_body(&rt(UAMI, "id1", "properties.principalId")),
            Some(json!({"properties": {"principalId": "[parameters('principalId')]"}})),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.grants[0].principal.kind, PrincipalKind::SystemAssigned);
    assert_eq!(
        m.grants[0].principal.resource,
        Some(m.workloads[0].id.clone())
    );
    assert_eq!(m.grants[1].principal.kind, PrincipalKind::UserAssigned);
    assert_eq!(m.unresolved.len(), 0);
}

#[test]
fn parameter_principal_traced_through_modules() {
    let guid = "12345678-1234-1234-1234-123456789012";
    let module_decl = json!({"properties": {"parameters": {"principalId": {"value": "[parameters('adminObjectId')]"}}}});
    let plan = PlanBuilder::new()
        .parameter(
            "",
            "adminObjectId",
            ParameterSource::ParameterFile,
            false,
            json!(guid),
        )
        .parameter(
            "mod",
            "principalId",
            ParameterSource::Parent,
            false,
            json!(guid),
        )
        .deployment("mod", RG, ConditionStatus::Deployed)
        .full(
            "Microsoft.Resources/deployments",
            "mod",
            RG,
            "",
            json!({}),
            Some(module_decl),
        )
        .full(
            RA,
            "cccccccc-0000-0000-0000-000000000001",
            RG,
            "mod",
            ra_body(guid),
            Some(json!({"properties": {"principalId": "[parameters('principalId')]"}})),
        )
        // A literal written in the template stays external.
        .full(
            RA,
            "cccccccc-0000-0000-0000-000000000002",
            RG,
            "",
            ra_body(guid),
            None,
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    let p = &m.grants[0].principal;
    assert_eq!(p.kind, PrincipalKind::Parameter);
    assert_eq!(p.parameter.as_deref(), Some("adminObjectId"));
    assert_eq!(p.id.as_deref(), Some(guid));
    assert_eq!(m.grants[1].principal.kind, PrincipalKind::External);
}

#[test]
fn unresolved_principal_is_listed() {
    let plan = PlanBuilder::new()
        .resource(
            RA,
            "dddddddd-0000-0000-0000-000000000001",
            ra_body("$newguid"),
        )
        .build();
    let m = build(&plan, &RoleCatalogue::builtin());
    assert_eq!(m.unresolved.len(), 1);
    assert!(m.unresolved[0]
        .what
        .starts_with("principal of role assignment"));
}

#[test]
fn each_grant_names_the_template_run_that_declares_it() {
    let kv = rid("Microsoft.KeyVault/vaults", "kv1");
    let plan = || {
        PlanBuilder::new()
            .full(
                RA,
                "22222222-2222-2222-2222-222222222222",
                &kv,
                "",
                ra_body(&rt(WF, "wf", "identity.principalId")),
                None,
            )
            .build()
    };
    // One template run twice (two parameter files): the same grant once per run.
    let m = access::build_all(&[plan(), plan()], &RoleCatalogue::builtin());
    assert_eq!(m.sources.len(), 2);
    let sources: Vec<usize> = m.grants.iter().map(|g| g.source).collect();
    assert_eq!(sources, [0, 1]);
}
