//! SC001: a literal credential written into the template.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags credentials written as literals in the template or its parameter defaults: `Basic`,
    /// `ActiveDirectoryOAuth` or `Raw` authentication with a literal password, secret or value;
    /// connection strings with `AccountKey=` or `SharedAccessKey=`; SAS signatures (`sig=`) in URIs;
    /// secret-looking connection parameter values and app settings; secret-looking parameter
    /// defaults.
    ///
    /// ## Why is this bad?
    /// Templates live in source control, in deployment history and in every clone. A literal secret
    /// there is readable by everyone who can read the repository or the resource group, cannot be
    /// rotated without a code change, and usually outlives the person who created it.
    ///
    /// ## Example
    /// ```json
    /// "authentication": {
    ///   "type": "Basic",
    ///   "username": "svc-payments",
    ///   "password": "Winter2024!"
    /// }
    /// ```
    ///
    /// Use instead: the workflow's managed identity, or a `securestring` parameter fed from Key Vault.
    /// ```json
    /// "authentication": {
    ///   "type": "ManagedServiceIdentity",
    ///   "audience": "api://payments-provider"
    /// }
    /// ```
    ///
    /// ## References
    /// - [Secure access and data in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app)
    /// - [ARM template best practices: security recommendations for parameters](https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#security-recommendations-for-parameters)
    pub const RULE = ("SC001", "secret-in-template", Secrets, Error);
}

/// A literal secret in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInTemplate {
    /// What kind of secret, e.g. `storage account key in a connection string`.
    pub kind: String,
    /// Where it sits, in words, e.g. `action 'Call_partner' of Logic App workflow 'payments'`.
    pub place: String,
}

impl Violation for SecretInTemplate {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        // The secret itself is never echoed: reports are posted to pull requests and logs.
        format!(
            "{} holds a literal secret ({}): anyone who can read the template or the deployment history can use it",
            self.place, self.kind
        )
    }

    fn fix(&self) -> Option<String> {
        Some("authenticate with the managed identity, or pass the secret as a securestring parameter from a Key Vault reference; rotate the exposed secret".to_string())
    }
}
