//! EV002: whether a resource is deployed depends on a value known only at deployment.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Reports each resource whose `condition` depends on a value that is only known at
    /// deployment (a parameter without a value, runtime state). The gate assumes the resource is
    /// deployed and judges it; this finding states that assumption.
    ///
    /// ## Why is this bad?
    /// It is not always wrong, but the verdict rests on an assumption the reviewer should see: a
    /// role assignment "deployed if enableExport" is checked as if it were deployed, and a workload
    /// that would supply an identity may in fact be skipped.
    ///
    /// ## Example
    /// ```json
    /// "parameters": { "enableExport": { "type": "bool" } },
    /// ...
    /// { "condition": "[parameters('enableExport')]", "type": "Microsoft.Authorization/roleAssignments", ... }
    /// ```
    ///
    /// Use instead: give the value so the gate judges what is really deployed:
    /// ```json
    /// { "parameters": { "enableExport": { "value": true } } }
    /// ```
    ///
    /// ## References
    /// - [Conditional deployment in ARM templates](https://learn.microsoft.com/azure/azure-resource-manager/templates/conditional-resource-deployment)
    pub const RULE = ("EV002", "unresolved-condition", Evaluation, Warning);
}

/// A resource deployed only if an unknown condition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedCondition {
    /// The resource in words.
    pub resource: String,
    /// What the condition depends on.
    pub depends_on: String,
}

impl Violation for UnresolvedCondition {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is deployed only if its condition holds, which depends on {}; it was checked as if deployed",
            self.resource, self.depends_on
        )
    }

    fn fix(&self) -> Option<String> {
        Some(
            "give the value the condition depends on (`-p FILE` or `--param NAME=VALUE`)"
                .to_string(),
        )
    }
}
