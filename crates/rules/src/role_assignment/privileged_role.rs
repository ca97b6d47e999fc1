//! RA002: a workload identity is given a privileged or policy-denied role.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment that gives a workload identity a privileged role (Owner,
    /// Contributor, User Access Administrator, Role Based Access Control Administrator, or another
    /// role in Microsoft's privileged category) or any role the policy denies.
    ///
    /// ## Why is this bad?
    /// A workflow that needs to read one secret does not need to delete the vault, rewrite its
    /// network rules or hand out access to others. Anyone who can edit the workflow, or inject into
    /// one of its HTTP calls, inherits everything the role allows. Contributor also allows
    /// `listKeys` on every storage account in scope: full data access by another route.
    ///
    /// ## Example
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(subscription().id, wf.id, contributor)
    ///   properties: {
    ///     roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
    ///     principalId: wf.identity.principalId
    ///   }
    /// }
    /// ```
    ///
    /// Use instead: the narrowest data role on the one resource the workflow uses:
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: {
    ///     roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    ///     principalId: wf.identity.principalId
    ///     principalType: 'ServicePrincipal'
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Azure built-in roles: privileged administrator roles](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged)
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA002", "privileged-role", RoleAssignment, Error);
}

/// A privileged or denied role granted to a workload identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegedRole {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The policy denies it explicitly (else it is privileged by Microsoft's classification).
    pub denied_by_policy: bool,
    /// A narrower role that covers what the identity's calls need, if known.
    pub suggested_role: Option<String>,
}

impl Violation for PrivilegedRole {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let why = if self.denied_by_policy {
            "a role the policy denies"
        } else {
            "a privileged role"
        };
        format!(
            "{} is granted '{}' on {}: {why} for a workload identity",
            self.identity, self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.suggested_role {
            Some(r) => format!(
                "replace '{}' with '{r}' on the resource the workflow uses",
                self.role
            ),
            None => format!(
                "replace '{}' with a data-plane role holding only the actions the workflow calls, on the resource it uses",
                self.role
            ),
        })
    }
}
