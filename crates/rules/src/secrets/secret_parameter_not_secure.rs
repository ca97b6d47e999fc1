//! SC002: a parameter that carries a secret but is not `securestring`/`secureobject`.

use access::CredentialSource;

use crate::context::Cx;
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::secrets::secret_in_template::kind_words;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a template parameter of type `string` or `object` that carries a secret: its name says
    /// so (`password`, `secret`, `key`, `connectionString`, `token`, `sas`, ...), or it is used
    /// where a secret goes (an authentication password, a connection's key parameter).
    ///
    /// ## Why is this bad?
    /// ARM stores the values of plain parameters in the deployment history, where anyone with read
    /// access to the resource group can see them, and prints them in logs. `securestring` and
    /// `secureobject` values are never stored or returned.
    ///
    /// ## Example
    /// ```json
    /// "parameters": {
    ///   "sftpPassword": { "type": "string" }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "parameters": {
    ///   "sftpPassword": { "type": "securestring" }
    /// }
    /// ```
    ///
    /// ## References
    /// - [ARM template parameters: secure strings and objects](https://learn.microsoft.com/azure/azure-resource-manager/templates/data-types#secure-strings-and-objects)
    /// - [ARM template best practices: security recommendations for parameters](https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#security-recommendations-for-parameters)
    pub const RULE = ("SC002", "secret-parameter-not-secure", Secrets, Error);
}

/// A secret-carrying parameter with a plain type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretParameterNotSecure {
    /// The parameter name.
    pub parameter: String,
    /// The declared type, e.g. `string`.
    pub declared_type: String,
    /// Why it is taken to be a secret, e.g. `its name` or `it is used as an HTTP password`.
    pub because: String,
}

impl Violation for SecretParameterNotSecure {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "parameter '{}' carries a secret ({}) but is declared '{}': its value is kept in the deployment history",
            self.parameter, self.because, self.declared_type
        )
    }

    fn fix(&self) -> Option<String> {
        let secure = if self.declared_type.eq_ignore_ascii_case("object") {
            "secureobject"
        } else {
            "securestring"
        };
        Some(format!(
            "declare '{}' as '{secure}' (or drop it and use the managed identity)",
            self.parameter
        ))
    }
}

/// Words that mark a parameter name as carrying a secret (compared case-insensitively).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "accountkey",
    "accesskey",
    "apikey",
    "sharedaccesskey",
    "primarykey",
    "secondarykey",
    "connectionstring",
    "token",
    "sastoken",
    "credential",
    "privatekey",
    "clientsecret",
];

/// Whether a parameter name says it carries a secret.
pub fn name_looks_secret(name: &str) -> bool {
    let lower: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    // Names *about* secrets, not holding one (`keyVaultName`, `secretName`, `tokenExpiry`).
    const NOT_SECRET_SUFFIXES: &[&str] = &[
        "name",
        "uri",
        "url",
        "id",
        "version",
        "expiry",
        "expiration",
        "enabled",
        "type",
    ];
    // A public key (`sshRSAPublicKey`, `adminPublicKey`) is meant to be shared.
    if NOT_SECRET_SUFFIXES.iter().any(|s| lower.ends_with(s)) || lower.contains("public") {
        return false;
    }
    SECRET_WORDS.iter().any(|w| lower.contains(w)) || lower.ends_with("key") || lower == "sas"
}

/// Plain-typed parameters that carry secrets, by name or by use.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for plan in cx.plans {
        for p in &plan.parameters {
            if p.secure {
                continue;
            }
            let ty = p.declared_type.to_ascii_lowercase();
            if ty != "string" && ty != "object" {
                continue;
            }
            let by_use = cx.model.credentials.iter().find(|c| {
                matches!(&c.source, CredentialSource::Parameter { name, secure: false } if name.eq_ignore_ascii_case(&p.name))
            });
            let because = match by_use {
                Some(c) => format!("it is used as {}", kind_words(c.kind)),
                None if name_looks_secret(&p.name) => "its name says so".to_string(),
                None => continue,
            };
            let key = (p.deployment.clone(), p.name.to_ascii_lowercase());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let violation = SecretParameterNotSecure {
                parameter: p.name.clone(),
                declared_type: p.declared_type.clone(),
                because,
            };
            out.push(Finding::new(&violation, cx.locate_in(&p.location, "/type")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets() {
        for n in [
            "sftpPassword",
            "storageAccountKey",
            "sbConnectionString",
            "apiKey",
            "client_secret",
            "githubToken",
        ] {
            assert!(name_looks_secret(n), "{n}");
        }
    }

    #[test]
    fn names_about_secrets_are_not_secrets() {
        for n in [
            "keyVaultName",
            "secretName",
            "location",
            "tokenExpiry",
            "passwordSecretUri",
            "keyVaultId",
            "monkey_business_enabled",
            "aksClusterSshPublicKey",
            "adminPublicKey",
        ] {
            assert!(!name_looks_secret(n), "{n}");
        }
    }
}
