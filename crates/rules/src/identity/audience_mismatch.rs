//! MI007: the token audience of a managed-identity call does not fit its target service.

use access::services::host_of;
use access::{AuthType, Service, UsageKind};

use crate::context::{workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::identity::identity_used_but_not_attached::action_name;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags an HTTP (or webhook, Functions, APIM) action with `ManagedServiceIdentity`
    /// authentication whose `audience` does not fit the service its URI calls: Key Vault needs
    /// `https://vault.azure.net` with **no** trailing slash, Storage needs `https://storage.azure.com/`
    /// **with** it, Service Bus `https://servicebus.azure.net`, and so on. A missing audience means
    /// the ARM default `https://management.azure.com/`, which is wrong for any data-plane URI.
    /// The trailing slash is judged only for services documented to take one form (Key Vault,
    /// Storage): Azure Resource Manager and Microsoft Graph accept their audience with or
    /// without it. Whitespace around an audience is always an error.
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
            Some(a) if a.trim() != a => format!(
                "{} calls {} ({}) with token audience '{a}', which has stray whitespace: Entra ID does not trim it, so no token is issued for '{}' and the call fails",
                self.usage, self.service, self.target, self.expected
            ),
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

/// Every MSI call whose audience does not fit the service its URI names.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        for u in &w.usages {
            if u.auth != AuthType::ManagedServiceIdentity
                || !matches!(
                    u.kind,
                    UsageKind::Http | UsageKind::Webhook | UsageKind::Function | UsageKind::Apim
                )
            {
                continue;
            }
            // The service is read from the URI's host: the audience must fit *that*.
            let Some(target) = u.target.as_deref() else {
                continue;
            };
            let Some((service, _)) = host_of(target).and_then(|h| Service::from_host(&h)) else {
                continue;
            };
            let audience = u.audience.as_deref().unwrap_or(Service::DEFAULT_AUDIENCE);
            // Workflow expressions (`@parameters('aud')`) are only known at run time.
            if audience.contains('@') || audience.contains('{') {
                continue;
            }
            let fits = service.accepts_audience(audience)
                // Event Hubs shares Service Bus's host suffix.
                || (service == Service::ServiceBus && Service::EventHubs.accepts_audience(audience));
            if fits {
                continue;
            }
            let Some(expected) = service.spec().audiences.first() else {
                continue;
            };
            let violation = AudienceMismatch {
                usage: format!(
                    "{} '{}' of {}",
                    u.element,
                    action_name(&u.action),
                    workload_words(w)
                ),
                audience: u.audience.clone(),
                target: host_of(target).unwrap_or_else(|| target.to_string()),
                service: service_words(service).to_string(),
                expected: expected.to_string(),
            };
            let location = match u.audience {
                Some(_) => cx.locate_in(&u.location, "/inputs/authentication/audience"),
                None => cx.locate_in(&u.location, "/inputs/authentication"),
            };
            out.push(Finding::new(&violation, location).with_subject(Subject {
                workload: Some(w.id.to_string()),
                ..Subject::default()
            }));
        }
    }
}

/// A service's name for messages.
pub(crate) fn service_words(service: Service) -> &'static str {
    match service {
        Service::Arm => "Azure Resource Manager",
        Service::KeyVault => "Key Vault",
        Service::StorageBlob => "Blob Storage",
        Service::StorageQueue => "Queue Storage",
        Service::StorageTable => "Table Storage",
        Service::StorageFile => "Azure Files",
        Service::ServiceBus => "Service Bus",
        Service::EventHubs => "Event Hubs",
        Service::EventGrid => "Event Grid",
        Service::Sql => "Azure SQL",
        Service::CosmosDb => "Cosmos DB",
        Service::Graph => "Microsoft Graph",
        Service::AppConfiguration => "App Configuration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn call(uri: &str, audience: Option<&str>) -> access::AccessModel {
        let mut m = model();
        let mut w = workflow("wf1", Some(system()));
        let mut u = msi_usage("Call", access::UsageIdentity::SystemAssigned);
        u.target = Some(uri.to_string());
        u.audience = audience.map(str::to_string);
        w.usages.push(u);
        m.workloads.push(w);
        m
    }

    #[test]
    fn fires_for_key_vault_with_a_trailing_slash_or_no_audience() {
        let uri = "https://kv1.vault.azure.net/secrets/api-key?api-version=7.4";
        let f = run_rule(
            &call(uri, Some("https://vault.azure.net/")),
            &default_policy(),
            check,
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("expects 'https://vault.azure.net'"),
            "{}",
            f[0].message
        );
        let f = run_rule(&call(uri, None), &default_policy(), check);
        assert!(f[0].message.contains("without an audience"));
    }

    #[test]
    fn fires_for_storage_without_the_trailing_slash() {
        let m = call(
            "https://st1.blob.core.windows.net/c/x",
            Some("https://storage.azure.com"),
        );
        assert_eq!(run_rule(&m, &default_policy(), check).len(), 1);
    }

    #[test]
    fn silent_for_matching_audiences_and_arm_calls() {
        for (uri, aud) in [
            (
                "https://kv1.vault.azure.net/secrets/a",
                Some("https://vault.azure.net"),
            ),
            (
                "https://st1.blob.core.windows.net/c/x",
                Some("https://storage.azure.com/"),
            ),
            ("https://management.azure.com/subscriptions/x", None),
            (
                "https://ns.servicebus.windows.net/q/messages",
                Some("https://servicebus.azure.net"),
            ),
            ("https://partner.example.com/api", Some("api://partner")),
        ] {
            assert!(
                run_rule(&call(uri, aud), &default_policy(), check).is_empty(),
                "{uri}"
            );
        }
    }
}
