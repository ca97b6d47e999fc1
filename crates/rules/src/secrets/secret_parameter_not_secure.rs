//! SC002: a parameter that carries a secret but is not `securestring`/`secureobject`.

use access::secret_name::looks_secret;
use access::CredentialSource;

use crate::context::Cx;
use crate::finding::Finding;
use crate::identity::connector_without_mi_support::{connector_supports_mi, far_side, FarSide};
use crate::registry::RuleMeta;
use crate::secrets::secret_in_template::kind_words;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a template parameter of type `string` or `object` that carries a secret: its name says
    /// so, or it is used where a secret goes (an authentication password, a connection's key
    /// parameter). Names are judged as Bicep's `secure-secrets-in-params` linter rule does
    /// (`password`, `pwd`, `secret`, `accountKey`, `acctKey`, not `secretName`, `secretUri`,
    /// `secretVersion`, `secretPermissions`), plus whole words such as `token`, `key`, `sas` and
    /// `connectionString` as the name's last word. Names about a secret are not one: lengths,
    /// paths, URIs, names, tags, settings objects, expiry dates, key references such as
    /// `customerManagedKey`, and data keys such as `partitionKey`. `bool` and `int` parameters,
    /// and parameters restricted by `allowedValues`, cannot hold a secret.
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
    /// The connector whose connection holds it, when that connector's far side accepts no
    /// managed identity (FTP, SFTP, SendGrid...): then no identity can replace the secret.
    pub identity_impossible_with: Option<String>,
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
        Some(match &self.identity_impossible_with {
            Some(connector) => format!(
                "declare '{}' as '{secure}' and pass its value from Key Vault (connector '{connector}' accepts no managed identity, so the secret stays)",
                self.parameter
            ),
            None => format!(
                "declare '{}' as '{secure}' (or drop it and use the managed identity)",
                self.parameter
            ),
        })
    }
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
                // A parameter with `allowedValues` picks one of a few fixed values: no secret.
                None if looks_secret(&p.name)
                    && cx.declared_at(&p.location, "/allowedValues").is_none() =>
                {
                    "its name says so".to_string()
                }
                None => continue,
            };
            let key = (p.deployment.clone(), p.name.to_ascii_lowercase());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            // A secret held by a connection whose far side accepts no identity cannot be dropped.
            let identity_impossible_with = by_use.and_then(|c| {
                cx.model
                    .connections
                    .iter()
                    .find(|k| k.id.eq_ignore_ascii_case(&c.resource))
                    .and_then(|k| k.api.clone())
                    .filter(|api| {
                        !connector_supports_mi(api)
                            && matches!(
                                far_side(api),
                                FarSide::NoEntra(_) | FarSide::IntegrationAccount
                            )
                    })
            });
            let violation = SecretParameterNotSecure {
                parameter: p.name.clone(),
                declared_type: p.declared_type.clone(),
                because,
                identity_impossible_with,
            };
            out.push(Finding::new(&violation, cx.locate_in(&p.location, "/type")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use arm::plan::{ParameterSource, PlannedParameter};
    use arm::Value;

    fn parameter(name: &str, ty: &str) -> PlannedParameter {
        PlannedParameter {
            deployment: String::new(),
            name: name.into(),
            declared_type: ty.into(),
            secure: false,
            has_default: false,
            source: ParameterSource::Missing,
            value: Value::Null,
            location: loc(&format!("/parameters/{name}")),
        }
    }

    #[test]
    fn fires_for_plain_parameters_named_as_secrets() {
        let mut plan = empty_plan();
        plan.parameters.push(parameter("adminPassword", "string"));
        plan.parameters.push(parameter("githubToken", "string"));
        let f = run_rule_on_plans(&model(), &[plan], &default_policy(), check);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0]
            .message
            .contains("parameter 'adminPassword' carries a secret"));
    }

    #[test]
    fn silent_for_types_that_cannot_hold_one_and_names_about_secrets() {
        let mut plan = empty_plan();
        plan.parameters.push(parameter("enablePassword", "bool"));
        plan.parameters.push(parameter("passwordLength", "int"));
        plan.parameters.push(parameter("TokenGeneration", "string"));
        plan.parameters
            .push(parameter("customerManagedKey", "object"));
        plan.parameters
            .push(parameter("secretsExportConfiguration", "object"));
        assert!(run_rule_on_plans(&model(), &[plan], &default_policy(), check).is_empty());
    }
}
