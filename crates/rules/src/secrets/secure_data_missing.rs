//! SC003: an action that handles secrets without `runtimeConfiguration.secureData`.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a workflow action that reads or sends secrets and does not hide them from run
    /// history: a Key Vault "get secret" (HTTP call to `*.vault.azure.net/secrets/...` or the Key
    /// Vault connector's get-secret operation) without secure **outputs**, or an action that sends
    /// credentials (an `Authorization` header, Basic/OAuth/Raw authentication, a secure parameter in
    /// its inputs) without secure **inputs**.
    ///
    /// ## Why is this bad?
    /// Logic Apps record every action's inputs and outputs in run history, readable by anyone with
    /// Logic App Operator or Reader-level access to the workflow. A secret fetched from Key Vault
    /// without secure outputs is stored there in clear text for the retention period, so the vault
    /// protects nothing.
    ///
    /// ## Example
    /// ```json
    /// "Get_secret": {
    ///   "type": "Http",
    ///   "inputs": {
    ///     "method": "GET",
    ///     "uri": "https://payments-kv.vault.azure.net/secrets/api-key?api-version=7.4",
    ///     "authentication": { "type": "ManagedServiceIdentity", "audience": "https://vault.azure.net" }
    ///   }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "Get_secret": {
    ///   "type": "Http",
    ///   "inputs": { "...": "as above" },
    ///   "runtimeConfiguration": { "secureData": { "properties": ["inputs", "outputs"] } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Secure data in run history (Logic Apps)](https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate)
    pub const RULE = ("SC003", "secure-data-missing", Secrets, Warning);
}

/// An action handling secrets whose inputs or outputs show in run history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureDataMissing {
    /// The action in words.
    pub action: String,
    /// What secret it handles, e.g. `reads a Key Vault secret`.
    pub handles: String,
    /// The parts not secured: `inputs`, `outputs`.
    pub unsecured: Vec<String>,
}

impl Violation for SecureDataMissing {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} {} but its {} are not secured: the secret is stored in clear text in run history",
            self.action,
            self.handles,
            self.unsecured.join(" and ")
        )
    }

    fn fix(&self) -> Option<String> {
        let list = self
            .unsecured
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "add `\"runtimeConfiguration\": {{ \"secureData\": {{ \"properties\": [{list}] }} }}` to the action"
        ))
    }
}
