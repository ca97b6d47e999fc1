//! SC004: keys or connection strings used for a service that accepts managed identities.

use access::{
    ConnectionAuth, CredentialKind, CredentialSource, CredentialUse, ResourceId, Service,
};
use arm::{Origin, Value};

use crate::context::{is_deployed, resource_words, workload_words, Cx};
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
    /// connection or setting. Only what deploys is judged: the evaluated value (an `if()` branch
    /// not taken holds no key), in resources whose condition is not false. A key in the obsolete
    /// `AzureWebJobsDashboard` setting is reported with the fix to remove the setting: it has no
    /// identity-based form.
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
    /// The key is the host storage connection (`AzureWebJobsStorage`) of a Functions/Standard site.
    pub host_storage: bool,
    /// The key sits in an obsolete setting with no identity-based form (`AzureWebJobsDashboard`):
    /// the fix is to remove it.
    pub obsolete_setting: Option<String>,
}

impl Violation for KeyBasedAuthWhereMiPossible {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.obsolete_setting.is_some() {
            return format!(
                "{} holds {} for {}, but the setting is obsolete and has no identity-based form: a key grants access to the whole account",
                self.place, self.how, self.service
            );
        }
        format!(
            "{} authenticates to {} with {}, though it accepts managed identities: a key grants access to the whole account or namespace",
            self.place, self.service, self.how
        )
    }

    fn fix(&self) -> Option<String> {
        if let Some(name) = &self.obsolete_setting {
            return Some(format!(
                "remove the '{name}' setting: it is obsolete (the Functions runtime no longer reads it; Application Insights replaces it) and has no identity-based form"
            ));
        }
        if self.host_storage {
            return Some(format!(
                "replace AzureWebJobsStorage with AzureWebJobsStorage__accountName (identity-based host storage) and grant the site's managed identity '{HOST_STORAGE_ROLES}' on the storage account"
            ));
        }
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

/// App setting holding the Azure Files content share connection (no managed-identity option).
const CONTENT_SHARE_SETTING: &str = "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING";

/// Obsolete app settings that hold a storage connection string and have no identity-based form:
/// the Functions dashboard storage, replaced by Application Insights.
const OBSOLETE_STORAGE_SETTINGS: &[&str] = &["AzureWebJobsDashboard"];

/// What a Functions / Logic Apps Standard host needs on its storage account with an identity
/// (`AzureWebJobsStorage__accountName`): blobs, queues and tables.
const HOST_STORAGE_ROLES: &str =
    "Storage Blob Data Owner', 'Storage Queue Data Contributor' and 'Storage Table Data Contributor";

/// The resource holding a credential, in words: the workload it is, else its type and name.
fn holder_words(cx: &Cx, resource: &str) -> String {
    let mut id = ResourceId::parse(resource);
    // `sites/config/appsettings` belongs to its site: name the site, as the reviewer knows it.
    if id.resource_type().is_some_and(|t| is_site_config(&t)) {
        if let Some(site) = id.parent() {
            id = site;
        }
    }
    match cx.workload(&id) {
        Some(w) => workload_words(w),
        None => resource_words(&id),
    }
}

/// The app setting a credential sits in: `siteConfig.appSettings[i].value` (its `name`), or a member
/// of a `Microsoft.Web/sites/config` `appsettings` resource (the member holding the key).
fn app_setting_name(cx: &Cx, cred: &CredentialUse) -> Option<String> {
    // The resource of the template the credential was found in: two templates of a directory
    // may deploy resources with the same (placeholder) id and different settings.
    let r = cx
        .plans
        .iter()
        .flat_map(|p| p.resources.iter())
        .find(|r| {
            !r.existing
                && r.location.file == cred.location.file
                && r.id.eq_ignore_ascii_case(&cred.resource)
        })
        .or_else(|| cx.plan_resource(&ResourceId::parse(&cred.resource)))?;
    let segs: Vec<&str> = cred.path.split('/').collect();
    match segs.as_slice() {
        ["properties", "siteConfig", "appSettings", i, "value"] => {
            let i: usize = i.parse().ok()?;
            match r.get("properties")?.get("siteConfig")?.get("appSettings")? {
                Value::Array(a) => a.get(i)?.get("name")?.as_str().map(str::to_string),
                _ => None,
            }
        }
        ["properties", name] if is_site_config(&r.resource_type) => Some((*name).to_string()),
        ["properties"] if is_site_config(&r.resource_type) => match r.get("properties")? {
            Value::Object(o) => o
                .iter()
                .find(|(_, v)| carries_key(v))
                .map(|(k, _)| k.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn is_site_config(resource_type: &str) -> bool {
    let t = resource_type.to_ascii_lowercase();
    t == "microsoft.web/sites/config" || t == "microsoft.web/sites/slots/config"
}

/// An evaluated setting value built from a `list*()` call or holding a key in clear.
fn carries_key(v: &Value) -> bool {
    match v {
        Value::Unknown(u) => u
            .roots()
            .iter()
            .any(|o| matches!(o, Origin::ListCall { .. })),
        Value::String(s) => {
            let l = s.to_ascii_lowercase();
            l.contains("accountkey=") || l.contains("sharedaccesskey=")
        }
        _ => false,
    }
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
            host_storage: false,
            obsolete_setting: None,
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
        // A resource whose condition is false deploys no key.
        if !cx.resource_deployed(&ResourceId::parse(&cred.resource)) {
            continue;
        }
        let setting = app_setting_name(cx, cred);
        // The content share of Elastic Premium / Consumption function hosts is an Azure Files
        // share mounted with a connection string: it has no managed-identity option.
        if setting
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(CONTENT_SHARE_SETTING))
        {
            continue;
        }
        let how = match &cred.source {
            CredentialSource::ListCall { function } => {
                format!("{} from {function}()", kind_words(cred.kind))
            }
            _ => kind_words(cred.kind).to_string(),
        };
        let holder = holder_words(cx, &cred.resource);
        let host_storage = setting
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("AzureWebJobsStorage"));
        let violation = if host_storage {
            KeyBasedAuthWhereMiPossible {
                place: format!("app setting 'AzureWebJobsStorage' of {holder}"),
                service: "its host storage account".to_string(),
                how,
                suggested_role: None,
                host_storage: true,
                obsolete_setting: None,
            }
        } else {
            KeyBasedAuthWhereMiPossible {
                place: match &setting {
                    Some(name) => format!("app setting '{name}' of {holder}"),
                    None => format!("{holder} (at {})", cred.path),
                },
                service: service_words(service).to_string(),
                how,
                suggested_role: role_for(service).map(str::to_string),
                host_storage: false,
                obsolete_setting: setting.as_deref().and_then(|n| {
                    OBSOLETE_STORAGE_SETTINGS
                        .iter()
                        .find(|o| o.eq_ignore_ascii_case(n))
                        .map(|o| (*o).to_string())
                }),
            }
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
