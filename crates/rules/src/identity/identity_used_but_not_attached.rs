//! MI002: an action authenticates with a managed identity the workload does not have.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags an action, trigger or connection that authenticates with `ManagedServiceIdentity` when
    /// the workload has no identity of that kind: no identity at all, no system-assigned identity
    /// for an action that uses the system identity, or a user-assigned identity id that is not a key
    /// of the workload's `identity.userAssignedIdentities`.
    ///
    /// ## Why is this bad?
    /// The deployment succeeds but every run of that action fails at runtime with an authentication
    /// error ("the managed identity is not associated with this Logic App"). The mistake only shows
    /// up in production, on the first run.
    ///
    /// ## Example
    /// ```json
    /// "identity": { "type": "SystemAssigned" },
    /// ...
    /// "authentication": {
    ///   "type": "ManagedServiceIdentity",
    ///   "identity": "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'exporter')]",
    ///   "audience": "https://storage.azure.com/"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "identity": {
    ///   "type": "UserAssigned",
    ///   "userAssignedIdentities": {
    ///     "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'exporter')]": {}
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Authenticate with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    pub const RULE = ("MI002", "identity-used-but-not-attached", Identity, Error);
}

/// Why the identity an action uses is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The workload has no identity at all.
    NoIdentity,
    /// The action uses the system-assigned identity, which the workload does not enable.
    SystemAssigned,
    /// The action names this user-assigned identity, which is not attached.
    UserAssigned(String),
}

/// An action using an identity that is not attached to its workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityUsedButNotAttached {
    /// The workload in words.
    pub workload: String,
    /// The action, trigger or connection in words, e.g. `action 'Get_secret'`.
    pub usage: String,
    pub missing: Missing,
}

impl Violation for IdentityUsedButNotAttached {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.missing {
            Missing::NoIdentity => format!(
                "{} of {} authenticates with a managed identity, but the workload has no identity: the call fails at runtime",
                self.usage, self.workload
            ),
            Missing::SystemAssigned => format!(
                "{} of {} authenticates with the system-assigned identity, which the workload does not enable: the call fails at runtime",
                self.usage, self.workload
            ),
            Missing::UserAssigned(id) => format!(
                "{} of {} authenticates with user-assigned identity '{}', which is not attached to the workload: the call fails at runtime",
                self.usage, self.workload, short_name(id)
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.missing {
            Missing::NoIdentity | Missing::SystemAssigned => {
                "enable the identity on the workload (`identity.type` including 'SystemAssigned'), or point the action at an attached user-assigned identity".to_string()
            }
            Missing::UserAssigned(id) => format!(
                "add '{id}' to the workload's `identity.userAssignedIdentities`, or use an identity that is attached"
            ),
        })
    }
}

/// The last segment of a resource id, for messages.
pub(crate) fn short_name(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}
