//! RA003: a role assignment's scope is above what the policy allows.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a workload identity whose scope is a management group,
    /// subscription or resource group when the policy allows nothing broader than a lower level
    /// (by default: the resource itself).
    ///
    /// ## Why is this bad?
    /// Roles are inherited downwards. "Storage Blob Data Reader" at subscription scope reads every
    /// blob in every storage account of the subscription, including ones created next year by
    /// another team. The same role on one container reads only what the workflow needs.
    ///
    /// ## Example
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(subscription().id, wf.id, blobReader)
    ///   // no scope: the deployment's scope (here, the whole subscription)
    ///   properties: { roleDefinitionId: blobReader, principalId: wf.identity.principalId }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(container.id, wf.id, blobReader)
    ///   scope: container
    ///   properties: { roleDefinitionId: blobReader, principalId: wf.identity.principalId, principalType: 'ServicePrincipal' }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Understand scope for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/scope-overview)
    pub const RULE = ("RA003", "scope-too-broad", RoleAssignment, Error);
}

/// A grant at a scope level above the policy's maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeTooBroad {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope id.
    pub scope: String,
    /// The scope's level, e.g. `subscription`.
    pub level: String,
    /// The broadest level the policy allows, e.g. `resource`.
    pub max_level: String,
    /// The resource the identity's calls target, if known: the scope to use instead.
    pub suggested_scope: Option<String>,
}

impl Violation for ScopeTooBroad {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is granted '{}' at {} scope ({}); the policy allows nothing broader than {} scope, and the role reaches everything below it",
            self.identity, self.role, self.level, self.scope, self.max_level
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.suggested_scope {
            Some(s) => format!("scope the assignment to {s}, the resource the workflow uses"),
            None => format!(
                "set the assignment's `scope` to the resource the workflow uses ({} level or below)",
                self.max_level
            ),
        })
    }
}
