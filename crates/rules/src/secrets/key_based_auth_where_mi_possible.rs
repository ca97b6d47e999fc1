//! SC004: keys or connection strings used for a service that accepts managed identities.

use access::{ConnectionAuth, CredentialKind, CredentialSource, Service};

use crate::context::{is_deployed, Cx};
use crate::finding::Finding;
use crate::identity::audience_mismatch::service_words;
use crate::identity::connector_without_mi_support::connector_supports_mi;
use crate::registry::RuleMeta;
use crate::secrets::secret_in_template::kind_words;
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

/// Services that accept managed identities, where keys are avoidable.
fn mi_capable(service: Service) -> bool {
    matches!(
        service,
        Service::StorageBlob
            | Service::StorageQueue
            | Service::StorageTable
            | Service::StorageFile
            | Service::ServiceBus
            | Service::EventHubs
            | Service::EventGrid
            | Service::CosmosDb
            | Service::AppConfiguration
            | Service::KeyVault
    )
}

/// The data role to grant instead of a key, per service.
fn role_for(service: Service) -> Option<&'static str> {
    Some(match service {
        Service::StorageBlob => "Storage Blob Data Contributor",
        Service::StorageQueue => "Storage Queue Data Contributor",
        Service::StorageTable => "Storage Table Data Contributor",
        Service::ServiceBus => "Azure Service Bus Data Sender",
        Service::EventHubs => "Azure Event Hubs Data Sender",
        Service::EventGrid => "EventGrid Data Sender",
        _ => return None,
    })
}

/// Key-based connections and key-carrying credentials to services that accept managed identities.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let mut seen: Vec<String> = Vec::new();
    for c in &cx.model.connections {
        if !is_deployed(&c.deployed) || c.auth != ConnectionAuth::Key {
            continue;
        }
        let Some(service) = c.service.filter(|s| mi_capable(*s)) else {
            continue;
        };
        if !c.api.as_deref().is_some_and(connector_supports_mi) {
            continue;
        }
        let how = if c.secret_parameters.is_empty() {
            "keys".to_string()
        } else {
            format!("keys in {}", c.secret_parameters.join(", "))
        };
        seen.push(c.name.to_ascii_lowercase());
        let violation = KeyBasedAuthWhereMiPossible {
            place: format!("API connection '{}'", c.name),
            service: service_words(service).to_string(),
            how,
            suggested_role: role_for(service).map(str::to_string),
        };
        out.push(Finding::new(&violation, c.location.clone()));
    }
    for cred in &cx.model.credentials {
        let keyed = matches!(
            cred.kind,
            CredentialKind::ConnectionStringKey
                | CredentialKind::ListKeys
                | CredentialKind::AppSetting
                | CredentialKind::SasSignature
        );
        let Some(service) = cred.service.filter(|s| mi_capable(*s)) else {
            continue;
        };
        // One finding per connection: its credentials are the same mistake.
        if !keyed || seen.contains(&cred.resource.to_ascii_lowercase()) {
            continue;
        }
        let how = match &cred.source {
            CredentialSource::ListCall { function } => {
                format!("{} from {function}()", kind_words(cred.kind))
            }
            _ => kind_words(cred.kind).to_string(),
        };
        let violation = KeyBasedAuthWhereMiPossible {
            place: format!("'{}' at {}", cred.resource, cred.path),
            service: service_words(service).to_string(),
            how,
            suggested_role: role_for(service).map(str::to_string),
        };
        out.push(Finding::new(&violation, cred.location.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_service_bus_connection_with_keys() {
        let mut m = model();
        let mut c = connection("servicebus", "servicebus", ConnectionAuth::Key);
        c.secret_parameters.push("connectionString".into());
        m.connections.push(c);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("authenticates to Service Bus with keys in connectionString"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Azure Service Bus Data Sender"));
    }

    #[test]
    fn silent_for_managed_identity_connections() {
        let mut m = model();
        m.connections.push(connection(
            "servicebus",
            "servicebus",
            ConnectionAuth::ManagedIdentity,
        ));
        m.connections
            .push(connection("sftp", "sftpwithssh", ConnectionAuth::Key));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
