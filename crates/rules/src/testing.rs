//! Small in-code models for the rules' unit tests.

use access::{
    AccessModel, ApiConnection, AuthType, ConnectionAuth, Grant, GrantKind, IdentityAttachment,
    Needs, Principal, PrincipalKind, ResourceId, RoleCatalogue, RoleRef, RoleSource, SecureData,
    Usage, UsageIdentity, UsageKind, UserAssignedIdentity, Workload, WorkloadPlan,
};
use arm::plan::ConditionStatus;
use arm::{Location, Value};
use policy::{Date, Policy};

use crate::context::{CheckOptions, Cx};
use crate::finding::Finding;

/// The resource group every test resource lives in.
pub const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg";

pub fn rid(text: &str) -> ResourceId {
    ResourceId::parse(text)
}

pub fn loc(pointer: &str) -> Location {
    Location {
        file: "main.json".into(),
        line: 1,
        column: 1,
        pointer: pointer.into(),
        bicep: None,
    }
}

pub fn model() -> AccessModel {
    AccessModel::default()
}

pub fn policy(text: &str) -> Policy {
    match Policy::from_str("rolegate.yaml", text) {
        Ok(p) => p,
        Err(e) => panic!("test policy is invalid: {e}"),
    }
}

pub fn default_policy() -> Policy {
    Policy::embedded_default().policy
}

pub fn catalogue() -> &'static RoleCatalogue {
    static CATALOGUE: std::sync::OnceLock<RoleCatalogue> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(RoleCatalogue::builtin)
}

pub fn today() -> Date {
    Date::new(2026, 11, 26).expect("a real date")
}

/// A plan with nothing in it, for rules that read parameters.
pub fn empty_plan() -> arm::plan::DeploymentPlan {
    arm::plan::DeploymentPlan {
        template: "main.json".into(),
        parameter_files: Vec::new(),
        context: arm::DeploymentContext::default(),
        target_scope: arm::TargetScope::ResourceGroup,
        resources: Vec::new(),
        deployments: Vec::new(),
        parameters: Vec::new(),
        outputs: Default::default(),
        unresolved: Vec::new(),
        diagnostics: Vec::new(),
        documents: Vec::new(),
        guid_arguments: Default::default(),
    }
}

/// Runs one rule's check over a model and plans.
pub fn run_rule_on_plans(
    model: &AccessModel,
    plans: &[arm::plan::DeploymentPlan],
    policy: &Policy,
    rule: fn(&Cx, &mut Vec<Finding>),
) -> Vec<Finding> {
    let cx = Cx::new(
        model,
        plans,
        policy,
        CheckOptions::new(today(), catalogue()),
    );
    let mut out = Vec::new();
    rule(&cx, &mut out);
    out
}

/// Runs one rule's check over a model with no plans.
pub fn run_rule(
    model: &AccessModel,
    policy: &Policy,
    rule: fn(&Cx, &mut Vec<Finding>),
) -> Vec<Finding> {
    let cx = Cx::new(model, &[], policy, CheckOptions::new(today(), catalogue()));
    let mut out = Vec::new();
    rule(&cx, &mut out);
    out
}

pub fn system() -> IdentityAttachment {
    IdentityAttachment {
        declared_type: Some("SystemAssigned".into()),
        system_assigned: true,
        user_assigned: Vec::new(),
        problems: Vec::new(),
        computed: None,
    }
}

pub fn user(id: &ResourceId) -> IdentityAttachment {
    IdentityAttachment {
        declared_type: Some("UserAssigned".into()),
        system_assigned: false,
        user_assigned: vec![id.clone()],
        problems: Vec::new(),
        computed: None,
    }
}

pub fn workflow(name: &str, identity: Option<IdentityAttachment>) -> Workload {
    Workload {
        resource_type: "Microsoft.Logic/workflows".into(),
        name: name.into(),
        id: rid(&format!("{RG}/providers/Microsoft.Logic/workflows/{name}")),
        kind: None,
        plan: WorkloadPlan::Consumption,
        deployed: ConditionStatus::Deployed,
        existing: false,
        region: None,
        symbol: None,
        deployment: String::new(),
        identity: identity.unwrap_or_default(),
        usages: Vec::new(),
        tags: Default::default(),
        source: 0,
        location: loc("/resources/0"),
        remediation_roles: None,
    }
}

pub fn uami_decl(id: &ResourceId) -> UserAssignedIdentity {
    UserAssignedIdentity {
        id: id.clone(),
        name: id.name().unwrap_or_default().to_string(),
        declared: true,
        existing: false,
        deployed: Some(ConditionStatus::Deployed),
        attached_to: Vec::new(),
        location: loc("/resources/5"),
        managed_by: None,
    }
}

pub fn msi_usage(action: &str, identity: UsageIdentity) -> Usage {
    Usage {
        action: action.into(),
        element: "action".into(),
        kind: UsageKind::Http,
        auth: AuthType::ManagedServiceIdentity,
        identity: Some(identity),
        audience: None,
        target: None,
        method: Some("GET".into()),
        service: None,
        target_resource: None,
        connection: None,
        needs: Needs::default(),
        secure_data: SecureData::default(),
        location: loc(&format!(
            "/resources/0/properties/definition/actions/{action}"
        )),
    }
}

/// A usage reading a Key Vault secret from vault `kv` with the given identity.
pub fn kv_secret_read(action: &str, identity: UsageIdentity, kv: &str) -> Usage {
    let mut u = msi_usage(action, identity);
    u.target = Some(format!(
        "https://{kv}.vault.azure.net/secrets/api-key?api-version=7.4"
    ));
    u.audience = Some("https://vault.azure.net".into());
    u.service = Some(access::Service::KeyVault);
    u.target_resource = Some(rid(&format!(
        "{RG}/providers/Microsoft.KeyVault/vaults/{kv}"
    )));
    u.needs = Needs {
        data_actions: vec!["Microsoft.KeyVault/vaults/secrets/getSecret/action".into()],
        ..Needs::default()
    };
    u
}

pub fn connection(name: &str, api: &str, auth: ConnectionAuth) -> ApiConnection {
    ApiConnection {
        id: format!("{RG}/providers/Microsoft.Web/connections/{name}"),
        name: name.into(),
        api: Some(api.into()),
        api_id: None,
        kind: Some("V1".into()),
        auth,
        parameter_value_set: None,
        secret_parameters: Vec::new(),
        access_policies: Vec::new(),
        service: access::Service::from_connector(api),
        target: None,
        target_resource: None,
        deployed: ConditionStatus::Deployed,
        location: loc("/resources/3"),
        source: 0,
    }
}

/// A grant of built-in role `role_guid` (named from the catalogue) on `scope`.
pub fn grant(role_guid: &str, scope: &str, principal: Principal) -> Grant {
    let scope = rid(scope);
    let name = catalogue().get(role_guid).map(|r| r.name.clone());
    let source = if name.is_some() {
        RoleSource::BuiltIn
    } else {
        RoleSource::Unknown
    };
    Grant {
        kind: GrantKind::Rbac,
        name: "5f0c1d9e-0000-4000-8000-000000000001".into(),
        name_resolved: true,
        name_value: Value::String("5f0c1d9e-0000-4000-8000-000000000001".into()),
        // As `guid(scope, principal, role)` computes it: the name follows the principal.
        name_guid_arguments: Some(vec![
            scope.to_string(),
            principal
                .resource
                .as_ref()
                .map(|r| r.to_string())
                .or_else(|| principal.id.clone())
                .unwrap_or_default(),
            role_guid.to_string(),
        ]),
        name_expression: Some("[guid(resourceGroup().id, reference(variables('wf'), '2019-05-01', 'full').identity.principalId, variables('role'))]".into()),
        id: format!("{scope}/providers/Microsoft.Authorization/roleAssignments/x"),
        role: RoleRef {
            id: role_guid.into(),
            definition_id: format!("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"),
            name,
            source,
        },
        scope_level: scope.level(),
        scope,
        principal,
        principal_value: Value::Null,
        copy_count_unknown: false,
        principal_type: Some("ServicePrincipal".into()),
        condition: None,
        description: None,
        deployed: ConditionStatus::Deployed,
        deployment: String::new(),
        source: 0,
        location: loc("/resources/2"),
    }
}

pub fn system_principal(workload: &Workload) -> Principal {
    Principal {
        kind: PrincipalKind::SystemAssigned,
        resource: Some(workload.id.clone()),
        id: None,
        parameter: None,
        provenance: format!("runtime property identity.principalId of {}", workload.name),
    }
}

pub fn user_principal(id: &ResourceId) -> Principal {
    Principal {
        kind: PrincipalKind::UserAssigned,
        resource: Some(id.clone()),
        id: None,
        parameter: None,
        provenance: format!("runtime property principalId of {id}"),
    }
}

pub fn external_principal(guid: &str) -> Principal {
    Principal {
        kind: PrincipalKind::External,
        resource: None,
        id: Some(guid.into()),
        parameter: None,
        provenance: "literal".into(),
    }
}

/// Role GUIDs used in tests.
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const KV_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
pub const KV_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
pub const BLOB_CONTRIBUTOR: &str = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
pub const SUBSCRIPTION: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

/// The id of Key Vault `kv` in [`RG`].
pub fn kv_id(kv: &str) -> String {
    format!("{RG}/providers/Microsoft.KeyVault/vaults/{kv}")
}

/// Logic App workflow 'recon' whose system identity reads a secret from vault 'kv1' (action
/// 'Get_key'): the call most rules are exercised with.
pub fn secret_reader() -> Workload {
    let mut w = workflow("recon", Some(system()));
    w.usages.push(kv_secret_read(
        "Get_key",
        UsageIdentity::SystemAssigned,
        "kv1",
    ));
    w
}

/// A model holding [`secret_reader`] with one grant of `role_guid` at `scope` to its system identity.
pub fn secret_reader_granted(role_guid: &str, scope: &str) -> AccessModel {
    let mut m = model();
    let w = secret_reader();
    m.grants.push(grant(role_guid, scope, system_principal(&w)));
    m.workloads.push(w);
    m
}
