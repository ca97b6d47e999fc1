//! EV001: a grant whose role, scope or principal cannot be known before deployment.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose role, scope or principal cannot be resolved from the template,
    /// its parameter files and the deployment context: a parameter without a value, a remote linked
    /// template, an expression over runtime state that does not name an identity. With the default
    /// policy (`unresolved: fail`) this is an error; `warn` makes it a warning, `ignore` drops it.
    ///
    /// ## Why is this bad?
    /// The gate fails closed: a grant it cannot read might be Owner at subscription scope. Passing
    /// it silently would make the gate's verdict depend on what it could not see.
    ///
    /// ## Example
    /// ```json
    /// "parameters": { "roleId": { "type": "string" } },
    /// ...
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleId'))]"
    /// ```
    ///
    /// Use instead: give the value in a parameter file (`-p main.parameters.json`) or with
    /// `--param roleId=4633458b-17de-408a-b874-0445c86b69e6`, or write the role into the template:
    /// ```json
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')]"
    /// ```
    ///
    /// ## References
    /// - [ARM template parameter files](https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files)
    pub const RULE = ("EV001", "unresolved-grant", Evaluation, Error);
}

/// A grant with a part that cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedGrant {
    /// The grant in words, e.g. `role assignment 'ra-export'`.
    pub grant: String,
    /// Which parts: `role`, `scope`, `principal`.
    pub parts: Vec<String>,
    /// What they depend on, in words.
    pub depends_on: String,
}

impl Violation for UnresolvedGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "the {} of {} cannot be known before deployment (depends on {}): the gate cannot judge what it grants",
            self.parts.join(" and "),
            self.grant,
            self.depends_on
        )
    }

    fn fix(&self) -> Option<String> {
        Some("give the missing values with `-p FILE` or `--param NAME=VALUE`, or write them into the template".to_string())
    }
}
