//! MI001: a workload that must run under a managed identity has none.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a workload that the policy requires to have a managed identity (by default every Logic
    /// App, Consumption or Standard) but whose `identity` block is absent or `type: None`.
    ///
    /// ## Why is this bad?
    /// A workflow with no identity cannot authenticate to Key Vault, Storage or Service Bus with
    /// Microsoft Entra tokens, so secrets creep back in: connection strings in app settings, access
    /// keys in connections, passwords in HTTP actions. Those secrets leak through run history and
    /// deployment history and never rotate.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "name": "payments",
    ///   "properties": { "definition": { } }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "name": "payments",
    ///   "identity": { "type": "SystemAssigned" },
    ///   "properties": { "definition": { } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Authenticate access to Azure resources with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Managed identities for Azure resources](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview)
    pub const RULE = ("MI001", "workload-without-identity", Identity, Error);
}

/// A workload with no identity where the policy requires one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadWithoutIdentity {
    /// The workload in words, e.g. `Logic App workflow 'payments'`.
    pub workload: String,
    /// The `identity.type` written, when the block exists (e.g. `None`).
    pub declared_type: Option<String>,
    /// The identity kind the policy asks for, if it names one.
    pub required_kind: Option<String>,
}

impl Violation for WorkloadWithoutIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let state = match &self.declared_type {
            Some(t) => format!("its identity type is '{t}'"),
            None => "it declares no identity block".to_string(),
        };
        format!(
            "{} has no managed identity ({state}), but the policy requires one for it",
            self.workload
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match self.required_kind.as_deref() {
            Some("user-assigned") => "attach a user-assigned identity: `identity: { type: 'UserAssigned', userAssignedIdentities: { '<identity id>': {} } }`".to_string(),
            _ => "add `identity: { type: 'SystemAssigned' }` and grant that identity the roles the workflow needs".to_string(),
        })
    }
}
