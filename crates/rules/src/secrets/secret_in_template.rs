//! SC001: a literal credential written into the template.

use access::secret_name::looks_secret;
#[cfg(test)]
use access::CredentialUse;
use access::{CredentialKind, CredentialSource};

use crate::context::Cx;
use crate::finding::Finding;
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

/// Literal credentials the model found, and secret-looking parameter defaults.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for c in &cx.model.credentials {
        if c.source != CredentialSource::Literal || c.kind == CredentialKind::ListKeys {
            continue;
        }
        let violation = SecretInTemplate {
            kind: kind_words(c.kind).to_string(),
            place: format!("'{}' at {}", c.resource, c.path),
        };
        out.push(Finding::new(&violation, c.location.clone()));
    }
    for plan in cx.plans {
        for p in &plan.parameters {
            if !p.has_default || !looks_secret(&p.name) {
                continue;
            }
            // One of a few fixed values is no secret.
            if cx.declared_at(&p.location, "/allowedValues").is_some() {
                continue;
            }
            let Some(default) = declared_default(cx, &p.location) else {
                continue;
            };
            let violation = SecretInTemplate {
                kind: "a default value for a secret parameter".to_string(),
                place: format!("parameter '{}'", p.name),
            };
            out.push(Finding::new(&violation, default));
        }
    }
}

/// Where a parameter's default is written, when it is a literal string that could be a secret:
/// not an expression, not empty, not a placeholder asking for the value.
fn declared_default(cx: &Cx, param: &arm::Location) -> Option<arm::Location> {
    let value = cx.declared_at(param, "/defaultValue")?;
    let text = value.as_str()?;
    if text.trim().is_empty() || arm::eval::is_expression(text) || is_placeholder(text) {
        return None;
    }
    Some(cx.locate_in(param, "/defaultValue"))
}

/// A default that asks for the value instead of holding it: `Enter the key`, `<your-password>`,
/// `changeme`, `xxxxxxxx`.
fn is_placeholder(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    const ASKING: &[&str] = &[
        "enter ", "your ", "your-", "your_", "insert ", "replace ", "provide ", "put ", "add ",
        "specify ", "type ",
    ];
    const FILLERS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "placeholder",
        "todo",
        "tbd",
        "n/a",
        "none",
        "null",
    ];
    ASKING.iter().any(|a| t.starts_with(a))
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('{') && t.ends_with('}'))
        || t.contains("placeholder")
        || FILLERS.contains(&t.as_str())
        || (t.len() >= 3
            && t.chars()
                .all(|c| c == 'x' || c == '*' || c == '.' || c == '-'))
}

/// What a credential kind is, for messages.
pub(crate) fn kind_words(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::BasicPassword => "a Basic authentication password",
        CredentialKind::ClientSecret => "an OAuth client secret",
        CredentialKind::RawAuthorization => "a raw Authorization header value",
        CredentialKind::ClientCertificate => "a client certificate or its password",
        CredentialKind::ConnectionStringKey => {
            "an account or shared access key in a connection string"
        }
        CredentialKind::SasSignature => "a SAS signature in a URI",
        CredentialKind::ConnectionParameter => "a secret connection parameter",
        CredentialKind::ListKeys => "keys read with list*()",
        CredentialKind::AppSetting => "a key or connection string in an app setting",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn credential(kind: CredentialKind, source: CredentialSource) -> CredentialUse {
        CredentialUse {
            kind,
            source,
            resource: "payments".into(),
            path: "properties/definition/actions/Call/inputs/authentication/password".into(),
            service: None,
            location: loc(
                "/resources/0/properties/definition/actions/Call/inputs/authentication/password",
            ),
        }
    }

    #[test]
    fn fires_for_a_literal_password_without_echoing_it() {
        let mut m = model();
        m.credentials.push(credential(
            CredentialKind::BasicPassword,
            CredentialSource::Literal,
        ));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a Basic authentication password"));
    }

    #[test]
    fn silent_for_secrets_from_parameters_or_key_vault() {
        let mut m = model();
        m.credentials.push(credential(
            CredentialKind::BasicPassword,
            CredentialSource::Parameter {
                name: "pw".into(),
                secure: true,
            },
        ));
        m.credentials.push(credential(
            CredentialKind::BasicPassword,
            CredentialSource::KeyVaultReference { name: "pw".into() },
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn placeholders_ask_for_the_secret_instead_of_holding_it() {
        for t in [
            "Enter the key",
            "<your-password>",
            "changeme",
            "xxxxxxxx",
            "{storage key}",
            "your_api_key_here",
        ] {
            assert!(is_placeholder(t), "{t}");
        }
        for t in ["Winter2024!", "P@ssw0rd123", "sv=2022-11-02&sig=abc"] {
            assert!(!is_placeholder(t), "{t}");
        }
    }
}
