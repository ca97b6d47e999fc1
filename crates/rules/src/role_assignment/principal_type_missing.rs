//! RA007: a grant to a managed identity without `principalType: ServicePrincipal`.

use access::{GrantKind, PrincipalKind};

use crate::context::{is_deployed, resource_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a managed identity (system- or user-assigned, from this
    /// deployment, or a module output that is one) that does not set
    /// `principalType: 'ServicePrincipal'`, or sets another type. A principal written as a literal
    /// GUID or given by a parameter is not judged: it exists before this deployment runs (or is
    /// created by another one), so ARM finds it; RA006 reports where it comes from. Cosmos DB
    /// SQL role assignments (`sqlRoleAssignments`) have no `principalType` and are not judged; a
    /// `principalType` computed from a value known only at deployment is unknown, not missing, and
    /// is not flagged either. The identity of a resource this deployment does not create (an
    /// existing Arc machine, an `existing` user-assigned identity) is long replicated: it is only
    /// flagged when `principalType` is written and wrong.
    ///
    /// ## Why is this bad?
    /// A new identity takes a while to replicate in Microsoft Entra ID. Without `principalType`, ARM
    /// looks the principal up, does not find it yet, and fails the deployment with
    /// `PrincipalNotFound`, intermittently, on fresh environments. With `principalType` set, ARM
    /// skips the lookup.
    ///
    /// ## Example
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[variables('blobContributor')]",
    ///   "principalId": "[reference(resourceId('Microsoft.Logic/workflows', 'export'), '2019-05-01', 'full').identity.principalId]"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[variables('blobContributor')]",
    ///   "principalId": "[reference(resourceId('Microsoft.Logic/workflows', 'export'), '2019-05-01', 'full').identity.principalId]",
    ///   "principalType": "ServicePrincipal"
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: PrincipalNotFound](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    /// - [Assign Azure roles using ARM templates: new service principal](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal)
    pub const RULE = ("RA007", "principal-type-missing", RoleAssignment, Warning);
}

/// A grant to a managed identity with a missing or wrong `principalType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalTypeMissing {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The `principalType` written, if any.
    pub actual: Option<String>,
}

impl Violation for PrincipalTypeMissing {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.actual {
            None => format!(
                "the grant of '{}' on {} to {} has no principalType: a freshly created identity can fail the deployment with PrincipalNotFound",
                self.role, self.scope, self.identity
            ),
            Some(t) => format!(
                "the grant of '{}' on {} to {} has principalType '{t}', but managed identities are 'ServicePrincipal'",
                self.role, self.scope, self.identity
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("set `properties.principalType: 'ServicePrincipal'`".to_string())
    }
}

/// Every grant to a managed identity created in this deployment without
/// `principalType: ServicePrincipal`, and every grant to a managed identity with another type.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        // Cosmos DB SQL role assignments have no `principalType` property at all.
        if !is_deployed(&g.deployed) || g.kind != GrantKind::Rbac {
            continue;
        }
        let actual = g.principal_type.as_deref().map(str::trim);
        let flag = match g.principal.kind {
            // An identity this deployment does not create (an existing Arc machine's, an
            // `existing` identity) has long been replicated: no PrincipalNotFound to fear, and a
            // wrong type is judged only where the type is written.
            PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned if !created_here(cx, g) => {
                actual.is_some_and(|t| !t.eq_ignore_ascii_case("ServicePrincipal"))
            }
            PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned => {
                !actual.is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal"))
            }
            // PrincipalNotFound is a replication race of a principal created by this
            // deployment; a literal or parameter principal exists already (RA006 judges it).
            PrincipalKind::External
            | PrincipalKind::Parameter
            | PrincipalKind::Deployer
            | PrincipalKind::Invalid
            | PrincipalKind::Unresolved => false,
        };
        // An unevaluated expression (`{...}`) may well be right.
        if !flag || actual.is_some_and(|t| t.contains('{')) {
            continue;
        }
        let violation = PrincipalTypeMissing {
            identity: cx.principal_words(g),
            role: cx.role_name(g),
            scope: resource_words(&g.scope),
            actual: actual.map(str::to_string),
        };
        let location = match actual {
            Some(_) => cx.locate_in(&g.location, "/properties/principalType"),
            None => g.location.clone(),
        };
        out.push(
            Finding::new(&violation, location)
                .with_label(
                    Some(cx.locate_in(&g.location, "/properties")),
                    "add principalType to these properties",
                )
                .with_subject(cx.grant_subject(g)),
        );
    }
}

/// Whether the grant's managed identity is created by the deployment that grants it: its
/// workload (system-assigned) or the identity resource (user-assigned) is declared, not
/// `existing`, in the plans.
fn created_here(cx: &Cx, g: &access::Grant) -> bool {
    let Some(id) = &g.principal.resource else {
        return false;
    };
    match g.principal.kind {
        PrincipalKind::SystemAssigned => cx.workload(id).is_some_and(|w| !w.existing),
        // An AKS kubelet or add-on identity is created with its cluster.
        _ if cx.managed_by(id).is_some() => cx
            .managed_by(id)
            .and_then(|m| cx.workload(&m.resource))
            .is_some_and(|w| !w.existing),
        _ => cx
            .model
            .identities
            .iter()
            .any(|i| &i.id == id && i.declared && !i.existing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_missing_or_wrong_types() {
        let mut m = model();
        let w = workflow("export", Some(system()));
        let mut g = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        g.principal_type = None;
        m.grants.push(g.clone());
        g.principal_type = Some("User".into());
        m.grants.push(g);
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("has no principalType"));
        assert!(f[1].message.contains("principalType 'User'"));
    }

    #[test]
    fn silent_for_literal_and_parameter_principals_without_a_type() {
        let mut m = model();
        let mut ext = grant(
            BLOB_CONTRIBUTOR,
            RG,
            external_principal("3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93"),
        );
        ext.principal_type = None;
        m.grants.push(ext.clone());
        ext.principal.kind = PrincipalKind::Parameter;
        ext.principal.id = None;
        ext.principal.parameter = Some("principalId".into());
        m.grants.push(ext);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn silent_with_service_principal_or_a_typed_external() {
        let mut m = model();
        let w = workflow("export", Some(system()));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, system_principal(&w)));
        let mut ext = grant(
            BLOB_CONTRIBUTOR,
            RG,
            external_principal("3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93"),
        );
        ext.principal_type = Some("Group".into());
        m.grants.push(ext);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn silent_for_cosmos_sql_assignments_and_unknown_types() {
        let mut m = model();
        let w = workflow("export", Some(system()));
        let mut cosmos = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        cosmos.kind = GrantKind::CosmosSql;
        cosmos.principal_type = None;
        m.grants.push(cosmos);
        let mut computed = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        computed.principal_type = Some("{parameter 'principalType' (no value given)}".into());
        m.grants.push(computed);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn silent_for_identities_this_deployment_does_not_create() {
        let mut m = model();
        let mut arc = workflow("node1", Some(system()));
        arc.existing = true;
        let mut g = grant(BLOB_CONTRIBUTOR, RG, system_principal(&arc));
        g.principal_type = None;
        m.grants.push(g);
        m.workloads.push(arc);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
