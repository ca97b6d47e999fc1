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
    /// Trigger-only connectors that hold no credential at all (Microsoft Defender for Cloud's
    /// alert and recommendation triggers, `ascalert` and `ascassessment`) are not flagged; a
    /// connection of a connector that does support managed identity but was set up with a
    /// person's sign-in is MI008's finding. A connection's workflow is looked up in the
    /// connection's own template run only.
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
    /// The connection is authorised by a person's sign-in (its credential is their token).
    pub oauth: bool,
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
            "{}{user} uses connector '{}', which does not support managed identity authentication, so it must hold a stored {}",
            self.connection,
            self.connector,
            if self.oauth {
                "credential (the token of the person who signs in on it)"
            } else {
                "secret"
            }
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
    // Microsoft Sentinel: "Managed identity" is one of its connection types (Logic Apps docs).
    "azuresentinel",
    // Container Instance, Data Lake, HTTP with Microsoft Entra ID (Logic Apps docs).
    "aci",
    "azuredatalake",
    "webcontents",
];

/// Trigger-only connectors whose connections hold no credential at all: Microsoft Defender for
/// Cloud's alert and recommendation triggers are fired by Defender for Cloud itself (workflow
/// automation), so the connection is created without parameters and stores no secret.
pub const NO_CREDENTIAL_CONNECTORS: &[&str] = &["ascalert", "ascassessment"];

/// Whether the managed API named `api` (last segment of its id) supports managed identity.
pub fn connector_supports_mi(api: &str) -> bool {
    MI_CAPABLE_CONNECTORS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(api))
}

/// The workload of the connection's own template run whose calls go through it (names coincide
/// across the templates of a directory, so a bare name never links runs).
pub(crate) fn connection_user<'a>(
    cx: &Cx<'a>,
    c: &access::ApiConnection,
) -> Option<&'a access::Workload> {
    cx.model.workloads.iter().find(|w| {
        w.source == c.source
            && w.usages.iter().any(|u| {
                u.connection
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
            })
    })
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
            // Supported but configured with keys: SC004's finding (MI008 for OAuth consent).
            continue;
        }
        if NO_CREDENTIAL_CONNECTORS
            .iter()
            .any(|n| n.eq_ignore_ascii_case(api))
        {
            continue;
        }
        let user = connection_user(cx, c);
        let violation = ConnectorWithoutMiSupport {
            connection: format!("API connection '{}'", c.name),
            connector: api.to_string(),
            workload: user.map(workload_words),
            oauth: c.auth == ConnectionAuth::OAuthConsent,
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
    fn silent_for_credential_free_defender_triggers_and_sentinel() {
        let mut m = model();
        for api in ["ascalert", "ascassessment"] {
            m.connections
                .push(connection(api, api, ConnectionAuth::OAuthConsent));
        }
        m.connections.push(connection(
            "sentinel",
            "azuresentinel",
            ConnectionAuth::OAuthConsent,
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn the_user_is_found_in_the_connection_own_template_run_only() {
        let mut m = model();
        let mut c = connection("office365", "office365", ConnectionAuth::OAuthConsent);
        c.source = 1;
        m.connections.push(c);
        // Another template of the directory has a workflow using a connection of the same name.
        let mut w = workflow("other-template", Some(system()));
        let mut u = msi_usage("Send", access::UsageIdentity::SystemAssigned);
        u.connection = Some("office365".into());
        w.usages.push(u);
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(!f[0].message.contains("other-template"), "{}", f[0].message);
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
