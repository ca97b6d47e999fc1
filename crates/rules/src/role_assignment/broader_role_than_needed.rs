//! RA005: the role granted holds far more than what the workload's calls need.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Compares each grant with what the identity's calls need on resources in its scope, and
    /// flags it when a narrower built-in role holds every needed action: for example "Key Vault
    /// Secrets Officer" (read, write, delete secrets) where the workflow only reads a secret and
    /// "Key Vault Secrets User" suffices. The message names that narrower role, found in the role
    /// catalogue as the built-in role with the fewest permissions that still holds the needed
    /// actions.
    ///
    /// ## Why is this bad?
    /// Extra actions are extra blast radius: a workflow that can write secrets can replace the
    /// payment provider's API key, one that can delete blobs can destroy the audit trail. Broad
    /// roles are usually picked because their name sounds right, not because their actions are
    /// needed.
    ///
    /// ## Example
    /// ```bicep
    /// // the workflow only GETs one secret
    /// properties: {
    ///   roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// properties: {
    ///   roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6') // Key Vault Secrets User
    /// }
    /// ```
    ///
    /// ## References
    /// - [Azure built-in roles](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles)
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA005", "broader-role-than-needed", RoleAssignment, Warning);
}

/// A role broader than the identity's calls need, with the narrower one to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroaderRoleThanNeeded {
    /// The identity in words.
    pub identity: String,
    /// The role granted.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The actions the calls need.
    pub needed: Vec<String>,
    /// The narrower built-in role that holds them.
    pub suggested_role: String,
}

impl Violation for BroaderRoleThanNeeded {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is granted '{}' on {}, but its calls only need {}; '{}' holds those and less",
            self.identity,
            self.role,
            self.scope,
            self.needed.join(", "),
            self.suggested_role
        )
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "grant '{}' instead of '{}'",
            self.suggested_role, self.role
        ))
    }
}
