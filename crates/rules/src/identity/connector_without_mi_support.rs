//! MI006: a managed API connection whose connector cannot use a managed identity.

use access::ConnectionAuth;

use crate::context::{is_deployed, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a managed API connection (`Microsoft.Web/connections`) used by a workflow whose
    /// connector does not support managed-identity authentication, so the connection has to hold a
    /// key, password or OAuth token.
    ///
    /// ## Why is this bad?
    /// The point of a managed identity is that no secret exists. A connector without managed
    /// identity support forces a stored credential that someone must create, rotate and protect,
    /// and that anyone with `Microsoft.Web/connections` access can reuse. Often the same service
    /// is reachable through a built-in HTTP action with `ManagedServiceIdentity` authentication or
    /// through another connector that supports it.
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "sftp",
    ///   "properties": { "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'sftpwithssh')]" },
    ///                   "parameterValues": { "password": "[parameters('sftpPassword')]" } } }
    /// ```
    ///
    /// Use instead: a connector or built-in action that authenticates with the workflow's identity,
    /// e.g. Azure Blob Storage with managed identity:
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "azureblob",
    ///   "properties": { "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'azureblob')]" },
    ///                   "parameterValueSet": { "name": "managedIdentityAuth", "values": {} } } }
    /// ```
    ///
    /// ## References
    /// - [Connectors that support managed identity authentication](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity#limitations-for-managed-identity-authentication)
    pub const RULE = ("MI006", "connector-without-mi-support", Identity, Warning);
}

/// A connection whose connector cannot use a managed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorWithoutMiSupport {
    /// The connection in words.
    pub connection: String,
    /// The managed API name, e.g. `sftpwithssh`.
    pub connector: String,
    /// The workflow using it, in words, if known.
    pub workload: Option<String>,
}

impl Violation for ConnectorWithoutMiSupport {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let user = self
            .workload
            .as_ref()
            .map(|w| format!(" used by {w}"))
            .unwrap_or_default();
        format!(
            "{}{user} uses connector '{}', which does not support managed identity authentication, so it must hold a stored secret",
            self.connection, self.connector
        )
    }

    fn fix(&self) -> Option<String> {
        Some("use a connector that supports managed identity, or call the service with an HTTP action authenticated by the workflow's identity".to_string())
    }
}

/// Managed API connectors known to support managed identity authentication (Logic Apps docs).
pub const MI_CAPABLE_CONNECTORS: &[&str] = &[
    "arm",
    "azureautomation",
    "azureblob",
    "azuredatafactory",
    "azuredataexplorer",
    "azureeventgrid",
    "azureeventgridpublish",
    "azurefile",
    "azuretables",
    "azurequeues",
    "documentdb",
    "eventhubs",
    "keyvault",
    "kusto",
    "servicebus",
    "sql",
    "azuremonitorlogs",
    "azureloganalyticsdatacollector",
    "office365users",
    "azureappconfiguration",
    "azurevm",
    "azureresourcegraph",
    "azurecommunicationservicessms",
    "azureopenai",
    "aisearch",
];

/// Whether the managed API named `api` (last segment of its id) supports managed identity.
pub fn connector_supports_mi(api: &str) -> bool {
    MI_CAPABLE_CONNECTORS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(api))
}

/// Every deployed connection whose connector cannot use a managed identity.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for c in &cx.model.connections {
        if !is_deployed(&c.deployed) || c.auth == ConnectionAuth::ManagedIdentity {
            continue;
        }
        let Some(api) = c.api.as_deref() else {
            continue;
        };
        if connector_supports_mi(api) {
            // Supported but configured with keys: SC004's finding, not this one.
            continue;
        }
        let user = cx.model.workloads.iter().find(|w| {
            w.usages.iter().any(|u| {
                u.connection
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
            })
        });
        let violation = ConnectorWithoutMiSupport {
            connection: format!("API connection '{}'", c.name),
            connector: api.to_string(),
            workload: user.map(workload_words),
        };
        out.push(
            Finding::new(&violation, c.location.clone()).with_subject(Subject {
                workload: user.map(|w| w.id.to_string()),
                ..Subject::default()
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_connector_without_managed_identity_support() {
        let mut m = model();
        m.connections
            .push(connection("sftp", "sftpwithssh", ConnectionAuth::Key));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("connector 'sftpwithssh'"));
    }

    #[test]
    fn silent_for_capable_connectors_and_managed_identity_auth() {
        let mut m = model();
        m.connections
            .push(connection("blob", "azureblob", ConnectionAuth::Key));
        m.connections.push(connection(
            "kv",
            "keyvault",
            ConnectionAuth::ManagedIdentity,
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
