//! MI008: a connection authorised with a person's sign-in for a connector that supports managed
//! identity.

use access::{ApiConnection, AuthType, ConnectionAuth};

use crate::context::{connection_finding, used_by, workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a managed API connection (`Microsoft.Web/connections`) that is authorised with a
    /// person's OAuth consent (no `parameterValueType: Alternative`, no managed-identity
    /// `parameterValueSet`, no credential in its parameters: someone signs in on the connection in
    /// the portal after deployment) when its connector supports managed-identity authentication:
    /// Azure Resource Manager (`arm`), Azure Automation, Blob, Queue and Table Storage, Cosmos DB,
    /// Data Explorer, Data Factory, Data Lake, Event Grid, Event Hubs, Key Vault, Azure Monitor Logs,
    /// Service Bus, Microsoft Sentinel, Container Instance, Azure VM, SQL Server and HTTP with
    /// Microsoft Entra ID, as listed by the Logic Apps documentation.
    ///
    /// ## Why is this bad?
    /// The workflow then acts as the person who signed in, with everything that person may do (often
    /// far more than the workflow needs), in every run, and nothing in the template or in Azure
    /// RBAC shows it. It stops working when their token expires, their password changes or they
    /// leave, and the connection has to be re-authorised by hand after each deployment. The
    /// workflow's managed identity with a role for exactly what it calls has none of these
    /// problems, and the gate can check its access.
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "arm",
    ///   "properties": { "displayName": "arm",
    ///     "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'arm')]" } } }
    /// ```
    ///
    /// Use instead: a managed-identity connection, and the workflow's `$connections` entry using
    /// the identity (multi-auth connectors such as `azureblob` take
    /// `"parameterValueSet": {"name": "managedIdentityAuth", "values": {}}` instead):
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "arm",
    ///   "properties": { "displayName": "arm", "parameterValueType": "Alternative",
    ///     "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'arm')]" } } }
    ///
    /// "arm": { "connectionId": "...", "connectionName": "arm", "id": "...",
    ///          "connectionProperties": { "authentication": { "type": "ManagedServiceIdentity" } } }
    /// ```
    /// plus a role assignment giving the workflow's identity what its actions need.
    ///
    /// ## References
    /// - [Authenticate access with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Connectors that support managed identity authentication](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity#prerequisites)
    pub const RULE = ("MI008", "oauth-connection-where-mi-possible", Identity, Warning);
}

/// Managed API connectors that support managed-identity authentication, per the Logic Apps
/// documentation (`shared/docs/domain.md` §2.3): the managed connectors of Consumption and
/// Standard.
pub const MI_CONNECTORS: &[&str] = &[
    "arm",
    "azureautomation",
    "azureblob",
    "azurequeues",
    "azuretables",
    "aci",
    "documentdb",
    "kusto",
    "azuredatafactory",
    "azuredatalake",
    "azureeventgrid",
    "eventhubs",
    "keyvault",
    "azuremonitorlogs",
    "servicebus",
    "azuresentinel",
    "azurevm",
    "sql",
    "webcontents",
];

/// A connection set up with a person's sign-in where a managed identity would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OauthConnectionWhereMiPossible {
    /// The connection in words (`API connection 'arm'`, or `'<location>-arm'` when its name is
    /// known only at deployment).
    pub connection: String,
    /// The connector, e.g. `arm`.
    pub connector: String,
    /// The workflow that uses it, in words, if one in its template run does.
    pub workload: Option<String>,
}

impl Violation for OauthConnectionWhereMiPossible {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let user = used_by(self.workload.as_deref());
        format!(
            "{}{user} is authorised by a person signing in (OAuth consent), so it acts with that person's access and breaks when their sign-in expires; connector '{}' supports managed identity",
            self.connection, self.connector
        )
    }

    fn fix(&self) -> Option<String> {
        let set = if self.connector == "azureblob" || self.connector == "keyvault" {
            "`parameterValueSet: { name: 'managedIdentityAuth', values: {} }`"
        } else {
            "`parameterValueType: 'Alternative'`"
        };
        Some(format!(
            "give {} {set}, give the workflow a managed identity, set `connectionProperties.authentication.type: 'ManagedServiceIdentity'` in its `$connections` entry, and grant the identity only the role its actions need",
            self.connection
        ))
    }
}

/// Whether a connection is authorised by a person's consent: nothing in the template says how it
/// authenticates and it holds no credential.
fn person_consent(c: &ApiConnection) -> bool {
    match c.auth {
        ConnectionAuth::OAuthConsent => true,
        ConnectionAuth::Unknown => {
            c.secret_parameters.is_empty()
                && c.parameter_value_set
                    .as_deref()
                    .is_none_or(|s| s.to_ascii_lowercase().contains("oauth"))
        }
        ConnectionAuth::ManagedIdentity | ConnectionAuth::Key => false,
    }
}

/// Every deployed consent-authorised connection of a connector that supports managed identity.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for (c, api, user) in cx.deployed_connections() {
        if !person_consent(c) || !MI_CONNECTORS.iter().any(|m| m.eq_ignore_ascii_case(api)) {
            continue;
        }
        // The workflow already calls through it with its identity (Standard `connections.json`).
        let through_identity = user.is_some_and(|w| {
            w.usages.iter().any(|u| {
                u.auth == AuthType::ManagedServiceIdentity
                    && u.connection
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
            })
        });
        if through_identity {
            continue;
        }
        let violation = OauthConnectionWhereMiPossible {
            connection: crate::naming::connection_words(cx, c),
            connector: api.to_ascii_lowercase(),
            workload: user.map(workload_words),
        };
        out.push(connection_finding(&violation, c, user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_consent_connection_of_a_managed_identity_connector() {
        let mut m = model();
        m.connections
            .push(connection("arm", "arm", ConnectionAuth::OAuthConsent));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("connector 'arm' supports managed identity"));
        assert!(f[0]
            .fix
            .as_deref()
            .is_some_and(|x| x.contains("parameterValueType: 'Alternative'")));
    }

    #[test]
    fn silent_for_identity_or_key_connections_and_connectors_without_support() {
        let mut m = model();
        m.connections
            .push(connection("arm", "arm", ConnectionAuth::ManagedIdentity));
        m.connections
            .push(connection("blob", "azureblob", ConnectionAuth::Key));
        m.connections.push(connection(
            "mail",
            "office365",
            ConnectionAuth::OAuthConsent,
        ));
        m.connections.push(connection(
            "alerts",
            "ascalert",
            ConnectionAuth::OAuthConsent,
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
