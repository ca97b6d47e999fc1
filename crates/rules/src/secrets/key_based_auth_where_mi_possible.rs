//! SC004: keys or connection strings used for a service that accepts managed identities.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a connection, app setting or action that authenticates with an access key, shared
    /// access key, SAS or connection string to a service that supports managed identities: Azure
    /// Storage (blob, queue, table, file), Service Bus, Event Hubs, Event Grid, Cosmos DB, App
    /// Configuration. This includes `listKeys()` / `listConnectionStrings()` calls feeding a
    /// connection or setting.
    ///
    /// ## Why is this bad?
    /// A key grants full access to the whole account or namespace, not just the queue or container
    /// the workflow uses; it cannot be scoped by RBAC, is not tied to any identity in audit logs,
    /// and has to be rotated by hand. The workflow's managed identity with a data role on the one
    /// resource does the same job with no secret.
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "servicebus",
    ///   "properties": { "parameterValues": {
    ///     "connectionString": "[listKeys(variables('sbAuthRule'), '2021-11-01').primaryConnectionString]" } } }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "servicebus",
    ///   "properties": { "parameterValueSet": { "name": "managedIdentityAuth",
    ///     "values": { "namespaceEndpoint": { "value": "sb://claims-sb.servicebus.windows.net/" } } } } }
    /// ```
    /// plus a role assignment of "Azure Service Bus Data Sender" on the queue.
    ///
    /// ## References
    /// - [Authenticate with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Prevent Shared Key authorization for an Azure Storage account](https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent)
    pub const RULE = ("SC004", "key-based-auth-where-mi-possible", Secrets, Warning);
}

/// Key-based auth to a service that supports managed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBasedAuthWhereMiPossible {
    /// Where, in words, e.g. `connection 'servicebus'`.
    pub place: String,
    /// The service, e.g. `Service Bus`.
    pub service: String,
    /// How the key gets there, e.g. `a connection string from listKeys()`.
    pub how: String,
    /// The data role to grant the identity instead, if known.
    pub suggested_role: Option<String>,
}

impl Violation for KeyBasedAuthWhereMiPossible {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} authenticates to {} with {}; {} supports managed identities, and a key grants access to the whole account or namespace",
            self.place, self.service, self.how, self.service
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.suggested_role {
            Some(r) => format!(
                "authenticate with the workload's managed identity and grant it '{r}' on the resource it uses"
            ),
            None => "authenticate with the workload's managed identity and grant it a data role on the resource it uses".to_string(),
        })
    }
}
