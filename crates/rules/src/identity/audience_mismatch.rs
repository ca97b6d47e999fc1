//! MI007: the token audience of a managed-identity call does not fit its target service.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags an HTTP (or webhook, Functions, APIM) action with `ManagedServiceIdentity`
    /// authentication whose `audience` does not fit the service its URI calls: Key Vault needs
    /// `https://vault.azure.net` with **no** trailing slash, Storage needs `https://storage.azure.com/`
    /// **with** it, Service Bus `https://servicebus.azure.net`, and so on. A missing audience means
    /// the ARM default `https://management.azure.com/`, which is wrong for any data-plane URI.
    ///
    /// ## Why is this bad?
    /// The identity gets a token for the wrong resource, and the service answers 401 or 400 at
    /// runtime even though every role assignment is right. The failure looks like a permission
    /// problem, so people often "fix" it by granting broader roles.
    ///
    /// ## Example
    /// ```json
    /// "inputs": {
    ///   "method": "GET",
    ///   "uri": "https://payments-kv.vault.azure.net/secrets/api-key?api-version=7.4",
    ///   "authentication": { "type": "ManagedServiceIdentity" }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "inputs": {
    ///   "method": "GET",
    ///   "uri": "https://payments-kv.vault.azure.net/secrets/api-key?api-version=7.4",
    ///   "authentication": { "type": "ManagedServiceIdentity", "audience": "https://vault.azure.net" }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Logic Apps: authenticate with managed identity (audience)](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Azure services that support Microsoft Entra authentication](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/services-id-authentication-support)
    pub const RULE = ("MI007", "audience-mismatch", Identity, Error);
}

/// An MSI call whose audience does not fit its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceMismatch {
    /// The action in words, e.g. `action 'Get_secret' of Logic App workflow 'payments'`.
    pub usage: String,
    /// The audience written, or `None` when absent (ARM default applies).
    pub audience: Option<String>,
    /// The target URI (or its host).
    pub target: String,
    /// The service the target belongs to, e.g. `Key Vault`.
    pub service: String,
    /// The audience that service expects.
    pub expected: String,
}

impl Violation for AudienceMismatch {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.audience {
            Some(a) => format!(
                "{} calls {} ({}) with token audience '{a}', but {} expects '{}': the call is rejected with 401",
                self.usage, self.service, self.target, self.service, self.expected
            ),
            None => format!(
                "{} calls {} ({}) without an audience, so the token is for Azure Resource Manager; {} expects '{}'",
                self.usage, self.service, self.target, self.service, self.expected
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "set `authentication.audience` to '{}'",
            self.expected
        ))
    }
}
