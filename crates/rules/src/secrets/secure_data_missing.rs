//! SC003: an action that handles secrets without `runtimeConfiguration.secureData`.

use access::{AuthType, Service};

use crate::context::{workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::identity::identity_used_but_not_attached::action_name;
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

/// Actions that fetch Key Vault secrets or send credentials without secure inputs/outputs.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        for u in &w.usages {
            let reads_secret = u.service == Some(Service::KeyVault)
                && u.target
                    .as_deref()
                    .is_some_and(|t| t.to_ascii_lowercase().contains("/secrets/"))
                && u.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case("GET"));
            let sends_credentials = matches!(
                u.auth,
                AuthType::Basic
                    | AuthType::ActiveDirectoryOAuth
                    | AuthType::Raw
                    | AuthType::ClientCertificate
            );
            let mut unsecured = Vec::new();
            if sends_credentials && !u.secure_data.inputs {
                unsecured.push("inputs".to_string());
            }
            if reads_secret && !u.secure_data.outputs {
                unsecured.push("outputs".to_string());
            }
            if unsecured.is_empty() {
                continue;
            }
            let handles = match (reads_secret, sends_credentials) {
                (true, true) => "reads a Key Vault secret and sends credentials",
                (true, false) => "reads a Key Vault secret",
                _ => "sends credentials",
            };
            let violation = SecureDataMissing {
                action: format!(
                    "{} '{}' of {}",
                    u.element,
                    action_name(&u.action),
                    workload_words(w)
                ),
                handles: handles.to_string(),
                unsecured,
            };
            out.push(
                Finding::new(&violation, u.location.clone()).with_subject(Subject {
                    workload: Some(w.id.to_string()),
                    ..Subject::default()
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_secret_read_without_secure_outputs() {
        let mut m = model();
        let mut w = workflow("recon", Some(system()));
        w.usages.push(kv_secret_read(
            "Get_key",
            access::UsageIdentity::SystemAssigned,
            "kv1",
        ));
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("reads a Key Vault secret but its outputs are not secured"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn silent_when_outputs_are_secured() {
        let mut m = model();
        let mut w = workflow("recon", Some(system()));
        let mut u = kv_secret_read("Get_key", access::UsageIdentity::SystemAssigned, "kv1");
        u.secure_data.outputs = true;
        w.usages.push(u);
        m.workloads.push(w);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
