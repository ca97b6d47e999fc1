//! MI005: one user-assigned identity attached to several workloads.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a user-assigned identity attached to more than one workload, or to workloads of
    /// different environments (by their `environment`/`env` tag), unless the policy allows that
    /// identity to be shared.
    ///
    /// ## Why is this bad?
    /// Every workload holding the identity holds all of its roles. A flaw in any one of them (an
    /// injectable HTTP action, an over-broad connector) reaches every resource the others may
    /// touch, and a test workflow sharing an identity with production can write production data.
    ///
    /// ## Example
    /// ```bicep
    /// resource ingest 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${shared.id}': {} } }
    /// }
    /// resource report 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${shared.id}': {} } }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource ingest 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${ingestId.id}': {} } }
    /// }
    /// resource report 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${reportId.id}': {} } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Managed identity best practice recommendations](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/managed-identity-best-practice-recommendations)
    pub const RULE = ("MI005", "shared-user-assigned-identity", Identity, Warning);
}

/// A user-assigned identity shared by several workloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedUserAssignedIdentity {
    /// The identity in words.
    pub identity: String,
    /// The workloads holding it, in words.
    pub workloads: Vec<String>,
    /// The distinct environments of those workloads, when they differ.
    pub environments: Vec<String>,
}

impl Violation for SharedUserAssignedIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let mut msg = format!(
            "{} is attached to {} workloads ({}): each of them holds every role granted to it",
            self.identity,
            self.workloads.len(),
            self.workloads.join(", ")
        );
        if self.environments.len() > 1 {
            msg.push_str(&format!(
                ", across environments {}",
                self.environments.join(", ")
            ));
        }
        msg
    }

    fn fix(&self) -> Option<String> {
        Some("give each workload its own user-assigned identity with only the roles it needs, or allow sharing in the policy if it is intended".to_string())
    }
}
