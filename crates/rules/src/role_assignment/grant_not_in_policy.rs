//! RA004: a grant whose role or target the policy does not allow for this workload.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a workload identity when the policy has an allow-list of grants
    /// for that workload and no entry matches: either the role is not one it may hold, or the
    /// target (resource type and name pattern) is not one it may hold it on.
    ///
    /// ## Why is this bad?
    /// The allow-list is the reviewed statement of what the workload is meant to reach. A grant
    /// outside it is either a mistake or a change that needs a review, and least privilege only
    /// holds if such changes cannot slip in with an unrelated pull request.
    ///
    /// ## Example
    /// Policy:
    /// ```yaml
    /// workloads:
    ///   - match: { name: "payments-*" }
    ///     allow:
    ///       - role: Key Vault Secrets User
    ///         target: { type: Microsoft.KeyVault/vaults, name: "payments-kv" }
    /// ```
    /// Template grants `Storage Blob Data Reader` on a storage account to `payments-recon`.
    ///
    /// Use instead: remove the grant, or add it to the policy in a reviewed change:
    /// ```yaml
    ///       - role: Storage Blob Data Reader
    ///         target: { type: Microsoft.Storage/storageAccounts/blobServices/containers, name: "*/statements" }
    /// ```
    ///
    /// ## References
    /// - [Best practices for Azure RBAC: grant least privilege](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA004", "grant-not-in-policy", RoleAssignment, Error);
}

/// Which part of the grant the policy does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// No allow entry names this role for the workload.
    Role,
    /// The role is allowed, but not on this target.
    Target,
}

/// A grant outside the workload's allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantNotInPolicy {
    /// The identity in words.
    pub identity: String,
    /// The workload(s) using the identity, in words.
    pub workload: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub not_allowed: NotAllowed,
    /// The roles the policy does allow this workload, for the message.
    pub allowed_roles: Vec<String>,
}

impl Violation for GrantNotInPolicy {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let allowed = if self.allowed_roles.is_empty() {
            "none".to_string()
        } else {
            self.allowed_roles.join(", ")
        };
        match self.not_allowed {
            NotAllowed::Role => format!(
                "{} (used by {}) is granted '{}' on {}, a role the policy does not allow this workload (allowed: {allowed})",
                self.identity, self.workload, self.role, self.scope
            ),
            NotAllowed::Target => format!(
                "{} (used by {}) is granted '{}' on {}, a target the policy does not allow for that role",
                self.identity, self.workload, self.role, self.scope
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("remove the grant, or add it to the workload's `allow` list in the policy through a reviewed change".to_string())
    }
}
