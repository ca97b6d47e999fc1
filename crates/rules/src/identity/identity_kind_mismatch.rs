//! MI004: the workload's identity is not the kind the policy requires.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a workload whose identity kind differs from the one the policy requires for it:
    /// user-assigned (stable across rebuilds) or system-assigned (lives and dies with the
    /// workload).
    ///
    /// ## Why is this bad?
    /// A system-assigned identity gets a new principal id every time its workload is deleted and
    /// recreated. Role assignments made for the old principal stay behind as "Identity not found"
    /// and the new one has no access: a workflow that is rebuilt often silently loses its storage
    /// access. Teams that rebuild workflows require user-assigned identities; teams that want
    /// no identity to outlive its workload require system-assigned ones.
    ///
    /// ## Example
    /// Policy requires `identity: user-assigned` for `compliance-export`:
    /// ```json
    /// { "type": "Microsoft.Logic/workflows", "name": "compliance-export",
    ///   "identity": { "type": "SystemAssigned" } }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// { "type": "Microsoft.Logic/workflows", "name": "compliance-export",
    ///   "identity": { "type": "UserAssigned",
    ///     "userAssignedIdentities": { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id')]": {} } } }
    /// ```
    ///
    /// ## References
    /// - [Managed identity types](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview#managed-identity-types)
    /// - [Troubleshoot Azure RBAC: "Identity not found"](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    pub const RULE = ("MI004", "identity-kind-mismatch", Identity, Error);
}

/// A workload with the wrong identity kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityKindMismatch {
    /// The workload in words.
    pub workload: String,
    /// What the policy requires: `user-assigned` or `system-assigned`.
    pub required: String,
    /// What the template declares, e.g. `system-assigned`.
    pub actual: String,
}

impl Violation for IdentityKindMismatch {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let why = if self.required == "user-assigned" {
            "a system-assigned identity changes its principal id whenever the workload is recreated, leaving its grants stale"
        } else {
            "the policy wants the identity to live and die with the workload"
        };
        format!(
            "{} uses a {} identity, but the policy requires a {} one: {why}",
            self.workload, self.actual, self.required
        )
    }

    fn fix(&self) -> Option<String> {
        Some(if self.required == "user-assigned" {
            "declare a Microsoft.ManagedIdentity/userAssignedIdentities resource, attach it with `identity.type: 'UserAssigned'` and grant the roles to its principal".to_string()
        } else {
            "use `identity.type: 'SystemAssigned'` and grant the roles to the workload's own principal".to_string()
        })
    }
}
