//! RA006: a role assignment's principal is a literal GUID or a parameter.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose `principalId` is a literal GUID or a template parameter
    /// instead of an expression that reads the principal of an identity declared in the same
    /// deployment (`reference(...).identity.principalId`, `wf.identity.principalId` in Bicep).
    /// Principals the policy lists as allowed external principals are not flagged.
    ///
    /// ## Why is this bad?
    /// A copied principal id is a snapshot. When the workflow or identity is recreated it gets a
    /// new principal id: the grant keeps pointing at a principal that no longer exists ("Identity
    /// not found") and the new identity has no access. Nobody reviewing the template can tell
    /// whose id the GUID is.
    ///
    /// ## Example
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "5e1c7f3a-0d2b-4c8e-9a6f-1b2c3d4e5f60"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id'), '2023-01-31').principalId]",
    ///   "principalType": "ServicePrincipal"
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: role assignments with identity not found](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#role-assignments-with-identity-not-found)
    /// - [Create Azure RBAC resources with Bicep](https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac)
    pub const RULE = ("RA006", "hardcoded-principal", RoleAssignment, Error);
}

/// How the principal is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSource {
    /// A literal object id.
    Literal(String),
    /// A template parameter.
    Parameter(String),
}

/// A grant whose principal does not come from an identity of this deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardcodedPrincipal {
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub principal: PrincipalSource,
    /// An identity declared in this deployment that probably should be used, in words.
    pub declared_identity: Option<String>,
}

impl Violation for HardcodedPrincipal {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let what = match &self.principal {
            PrincipalSource::Literal(id) => format!("the literal principal id {id}"),
            PrincipalSource::Parameter(p) => format!("the principal id from parameter '{p}'"),
        };
        format!(
            "'{}' on {} is granted to {what} rather than to an identity declared in this deployment: when that identity is recreated, the grant goes stale",
            self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.declared_identity {
            Some(i) => format!("use the principal id of {i} (e.g. `reference(<identity id>).principalId`)"),
            None => "read the principal id from the identity resource (`reference(<identity id>).principalId`, or `<workload>.identity.principalId` in Bicep)".to_string(),
        })
    }
}
