//! RA001: a workflow calls a service its identity has no role for.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// For every call a workload makes with a managed identity (an HTTP action with
    /// `ManagedServiceIdentity` authentication, a managed-identity connection), works out the
    /// actions the call needs on its target (e.g. `Microsoft.KeyVault/vaults/secrets/getSecret/action`
    /// to read a secret) and flags it when no role assignment in the deployment gives that
    /// identity a role holding those actions at the target's scope or above. It also flags calls to
    /// a Key Vault that uses access policies (`enableRbacAuthorization` not `true`), where RBAC roles
    /// do not apply at all.
    ///
    /// ## Why is this bad?
    /// Enabling an identity grants nothing. Without the role assignment the workflow deploys
    /// cleanly and then fails with 403 on its first run: "identity enabled, access assumed".
    ///
    /// ## Example
    /// ```bicep
    /// resource wf 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'SystemAssigned' }
    ///   // an action sends to the 'claims' queue with the system identity
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource send 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(queue.id, wf.id, sender.id)
    ///   scope: queue
    ///   properties: {
    ///     roleDefinitionId: sender.id // Azure Service Bus Data Sender
    ///     principalId: wf.identity.principalId
    ///     principalType: 'ServicePrincipal'
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Assign Azure roles using Bicep](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-bicep)
    /// - [Key Vault: Azure RBAC vs access policies](https://learn.microsoft.com/azure/key-vault/general/rbac-access-policy)
    pub const RULE = ("RA001", "missing-grant", RoleAssignment, Error);
}

/// A call whose identity has no grant for what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGrant {
    /// The identity in words.
    pub identity: String,
    /// The call in words, e.g. `action 'Send_message' of Logic App workflow 'claims'`.
    pub usage: String,
    /// The target in words, e.g. `Service Bus queue 'claims'`.
    pub target: String,
    /// The actions the call needs.
    pub needed: Vec<String>,
    /// The narrowest built-in role holding them, if one is known.
    pub suggested_role: Option<String>,
    /// The target is a Key Vault using access policies, where RBAC roles do not apply.
    pub access_policy_vault: bool,
}

impl Violation for MissingGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.access_policy_vault {
            return format!(
                "{} calls {} as {}, but the vault uses access policies (enableRbacAuthorization is not true), so role assignments give no access and the template grants none through access policies",
                self.usage, self.target, self.identity
            );
        }
        format!(
            "{} calls {} as {}, which needs {}, but no role assignment gives {} that on the target or above: the call fails with 403 at runtime",
            self.usage,
            self.target,
            self.identity,
            self.needed.join(", "),
            self.identity
        )
    }

    fn fix(&self) -> Option<String> {
        if self.access_policy_vault {
            return Some("set `enableRbacAuthorization: true` on the vault and grant 'Key Vault Secrets User', or add an access policy for the identity".to_string());
        }
        Some(match &self.suggested_role {
            Some(role) => format!(
                "assign '{role}' to {} with scope {} (principalType ServicePrincipal)",
                self.identity, self.target
            ),
            None => format!(
                "assign {} a role holding {} at scope {}",
                self.identity,
                self.needed.join(", "),
                self.target
            ),
        })
    }
}
