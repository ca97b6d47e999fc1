//! RA011: a grant to an identity no deployed workload uses.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a user-assigned identity of this deployment that no workload has
    /// attached, or to the system-assigned identity of a workload that is not deployed (its
    /// condition is false).
    ///
    /// ## Why is this bad?
    /// Access nobody uses is still access: anyone who can attach the identity to a resource they
    /// control (`Managed Identity Operator`) inherits it, and nobody notices because no workflow
    /// breaks when it is removed. Dead grants also hide which access is really needed.
    ///
    /// ## Example
    /// ```bicep
    /// resource oldId 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = { name: 'legacy-export' }
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   scope: storage
    ///   properties: { roleDefinitionId: blobContributor, principalId: oldId.properties.principalId }
    /// }
    /// // no workload lists oldId in identity.userAssignedIdentities
    /// ```
    ///
    /// Use instead: remove the identity and its grants, or attach it to the workload that needs it.
    /// ```bicep
    /// resource wf 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${oldId.id}': {} } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA011", "grant-to-unused-identity", RoleAssignment, Warning);
}

/// Why the identity is unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unused {
    /// A user-assigned identity no workload attaches.
    NotAttached,
    /// The workload owning the system identity is not deployed.
    WorkloadNotDeployed(String),
}

/// A grant to an identity nothing uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantToUnusedIdentity {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub why: Unused,
}

impl Violation for GrantToUnusedIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.why {
            Unused::NotAttached => format!(
                "{} is granted '{}' on {}, but no workload in this deployment attaches that identity: the access is unused",
                self.identity, self.role, self.scope
            ),
            Unused::WorkloadNotDeployed(w) => format!(
                "{} is granted '{}' on {}, but {w} is not deployed (its condition is false)",
                self.identity, self.role, self.scope
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("remove the grant (and the identity), or attach the identity to the workload that needs it".to_string())
    }
}
