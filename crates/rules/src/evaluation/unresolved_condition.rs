//! EV002: whether a resource is deployed depends on a value known only at deployment.

use arm::plan::ConditionStatus;

use crate::context::Cx;
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Reports each resource whose `condition` depends on a value that is only known at
    /// deployment (a parameter without a value, runtime state). The gate assumes the resource is
    /// deployed and judges it; this finding states that assumption.
    ///
    /// A resource whose name is known only at deployment is named by what is known of it, not
    /// by the inputs that decide its name: a role assignment by its role and scope, a custom
    /// role by its `roleName`, any other resource by the known part of its name
    /// (`'<location>-office365'`), its symbolic name, or its line.
    ///
    /// The principal id of an identity the deployment creates is never empty once deployed, so
    /// `not(empty(<that principal id>))` is decided and not reported. When the resource's identity
    /// type is itself known only at deployment, the finding says so: "depends on whether
    /// Microsoft.CognitiveServices/accounts/ai has a system-assigned identity".
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
        // A resource named by what its condition depends on names that input once.
        let resource = crate::reviewer_words::reviewer_text(&self.resource);
        let depends_on = if resource.ends_with(&format!("named by {}", self.depends_on)) {
            "the same value"
        } else {
            self.depends_on.as_str()
        };
        format!(
            "{resource} is deployed only if its condition holds, which depends on {depends_on}; it was checked as if deployed"
        )
    }

    fn fix(&self) -> Option<String> {
        Some(
            "give the value the condition depends on (`-p FILE` or `--param NAME=VALUE`)"
                .to_string(),
        )
    }
}

/// Resource types whose deployment changes who can do what.
const ACCESS_TYPES: &[&str] = &[
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.Logic/workflows",
    "Microsoft.Web/sites",
    "Microsoft.Web/connections",
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
];

/// `X` when the one thing a condition depends on is the system-assigned principal id of resource
/// `X` (`not(empty(reference(X, …, 'full').identity.principalId))`). The engine decides that once
/// X's identity type is known to include `SystemAssigned`, so what is still unknown is whether X
/// has such an identity: its identity type is known only at deployment.
fn system_identity_of(depends_on: &str) -> Option<&str> {
    const MARK: &str = "runtime property identity.principalId of ";
    let at = depends_on.find(MARK)?;
    let resource = depends_on[at + MARK.len()..].split_whitespace().next()?;
    let only_root = depends_on.matches("runtime ").count() == 1
        && !depends_on.contains("parameter '")
        && !depends_on.contains("() at deployment time")
        && !depends_on.contains("not evaluated");
    (only_root && !resource.contains('{')).then_some(resource)
}

/// Every access-relevant resource deployed only under an unknown condition.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for plan in cx.plans {
        for r in &plan.resources {
            let ConditionStatus::Assumed { depends_on } = &r.condition else {
                continue;
            };
            let relevant = ACCESS_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&r.resource_type))
                || r.resource_type
                    .to_ascii_lowercase()
                    .ends_with("/providers/roleassignments")
                || cx.model.workloads.iter().any(|w| w.location == r.location);
            if !relevant || r.existing {
                continue;
            }
            let depends_on = match system_identity_of(depends_on) {
                Some(resource) => format!("whether {resource} has a system-assigned identity"),
                None => crate::reviewer_words::decided_by(depends_on),
            };
            let violation = UnresolvedCondition {
                // Named by what is known of it (role and scope, symbol, the known part of its
                // name), not by the inputs that decide its name.
                resource: crate::naming::planned_resource_words(cx, r),
                depends_on,
            };
            out.push(Finding::new(
                &violation,
                cx.locate_in(&r.location, "/condition"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_named_by_what_its_condition_depends_on_names_it_once() {
        let v = UnresolvedCondition {
            resource: "Microsoft.Authorization/roleAssignments '{guid of runtime property identity.principalId of Microsoft.CognitiveServices/accounts/ai}'".into(),
            depends_on: "the deployed principalId of Microsoft.CognitiveServices/accounts/ai".into(),
        };
        assert_eq!(
            v.message(),
            "Microsoft.Authorization/roleAssignments named by the deployed principalId of Microsoft.CognitiveServices/accounts/ai is deployed only if its condition holds, which depends on the same value; it was checked as if deployed"
        );
        let v = UnresolvedCondition {
            resource: "Microsoft.Logic/workflows 'wf'".into(),
            depends_on: "parameter 'enabled'".into(),
        };
        assert!(v
            .message()
            .contains("which depends on parameter 'enabled';"));
    }
}
