//! RA007: a grant to a managed identity without `principalType: ServicePrincipal`.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a managed identity (system- or user-assigned, from this
    /// deployment) that does not set `principalType: 'ServicePrincipal'`, or sets another type.
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
