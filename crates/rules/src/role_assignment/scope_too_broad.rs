//! RA003: a role assignment's scope is above what the policy allows.

use crate::context::{
    is_deployed, is_workload_identity, policy_level, resource_words, workload_words, Cx,
};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::role_assignment::support::{grant_needs, is_policy_assignment};
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a workload identity whose scope is a management group,
    /// subscription or resource group when the policy allows nothing broader than a lower level
    /// (by default: the resource itself). The identity of a policy assignment
    /// (`Microsoft.Authorization/policyAssignments`) is not flagged for a grant at the
    /// assignment's own scope or inside it: DeployIfNotExists and Modify remediation runs there,
    /// so that is where the identity must hold its roles (the role itself is still judged by
    /// RA002).
    ///
    /// ## Why is this bad?
    /// Roles are inherited downwards. "Storage Blob Data Reader" at subscription scope reads every
    /// blob in every storage account of the subscription, including ones created next year by
    /// another team. The same role on one container reads only what the workflow needs.
    ///
    /// ## Example
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(subscription().id, wf.id, blobReader)
    ///   // no scope: the deployment's scope (here, the whole subscription)
    ///   properties: { roleDefinitionId: blobReader, principalId: wf.identity.principalId }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(container.id, wf.id, blobReader)
    ///   scope: container
    ///   properties: { roleDefinitionId: blobReader, principalId: wf.identity.principalId, principalType: 'ServicePrincipal' }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Understand scope for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/scope-overview)
    pub const RULE = ("RA003", "scope-too-broad", RoleAssignment, Error);
}

/// A grant at a scope level above the policy's maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeTooBroad {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope id.
    pub scope: String,
    /// The scope's level, e.g. `subscription`.
    pub level: String,
    /// The broadest level the policy allows, e.g. `resource`.
    pub max_level: String,
    /// The resource the identity's calls target, if known: the scope to use instead.
    pub suggested_scope: Option<String>,
    /// The workload that runs as the identity, in words (`Logic App workflow 'x'`, `web app
    /// 'y'`); `None` when several or none do.
    pub workload: Option<String>,
    /// When the identity is a policy assignment's: the assignment's own scope in words, where its
    /// remediation runs and where it must hold its roles.
    pub policy_assignment_scope: Option<String>,
}

impl Violation for ScopeTooBroad {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is granted '{}' at {} scope ({}); the policy allows nothing broader than {} scope, and the role reaches everything below it",
            self.identity, self.role, self.level, self.scope, self.max_level
        )
    }

    fn fix(&self) -> Option<String> {
        if let Some(scope) = &self.policy_assignment_scope {
            return Some(format!(
                "scope the assignment to {scope}, the policy assignment's scope, where its remediation runs"
            ));
        }
        let user = self.workload.as_deref().unwrap_or("the workload");
        Some(match &self.suggested_scope {
            Some(s) => format!("scope the assignment to {s}, the resource {user} uses"),
            None => format!(
                "set the assignment's `scope` to the resource {user} uses ({} level or below)",
                self.max_level
            ),
        })
    }
}

/// Every grant to a workload identity above the policy's maximum scope level.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let max = cx.policy.max_scope_level();
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || !is_workload_identity(g) {
            continue;
        }
        let Some(level) = policy_level(g.scope_level) else {
            continue;
        };
        if !cx.policy.scope_too_broad(level) {
            continue;
        }
        let holders = cx.workloads_of(g);
        // A policy assignment's identity remediates resources at the assignment's scope, so it
        // must hold its roles there; which role it holds is RA002's question.
        if !holders.is_empty() && holders.iter().all(|w| within_policy_assignment_scope(g, w)) {
            continue;
        }
        let (_, _, targets) = grant_needs(cx, g);
        let violation = ScopeTooBroad {
            identity: cx.principal_words(g),
            role: cx.role_name(g),
            scope: g.scope.to_string(),
            level: g.scope_level.to_string(),
            max_level: max.value.to_string(),
            suggested_scope: targets.first().map(resource_words),
            workload: match holders.as_slice() {
                [one] => Some(workload_words(one)),
                _ => None,
            },
            policy_assignment_scope: match holders.as_slice() {
                [one] if is_policy_assignment(one) => one.id.parent().map(|s| resource_words(&s)),
                _ => None,
            },
        };
        let label = if max.explicit {
            format!("max_scope is {} here", max.value)
        } else {
            format!("max_scope defaults to {}", max.value)
        };
        out.push(
            Finding::new(&violation, g.location.clone())
                .with_label(Some(max.location.clone()), label)
                .with_label(cx.principal_declaration(g), "the identity is declared here")
                .with_subject(cx.grant_subject(g)),
        );
    }
}

/// Whether `w` is a policy assignment and the grant's scope is the assignment's scope or inside it.
fn within_policy_assignment_scope(g: &access::Grant, w: &access::Workload) -> bool {
    w.resource_type
        .eq_ignore_ascii_case("Microsoft.Authorization/policyAssignments")
        && w.id
            .parent()
            .is_some_and(|scope| g.scope.is_at_or_under(&scope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_at_subscription_scope_under_the_default_policy() {
        let m = secret_reader_granted(KV_SECRETS_USER, SUBSCRIPTION);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("at subscription scope"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Key Vault 'kv1'"));
    }

    #[test]
    fn resource_group_is_allowed_by_default_but_not_by_a_resource_maximum() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants
            .push(grant(KV_SECRETS_USER, RG, system_principal(&w)));
        m.workloads.push(w);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        let f = run_rule(&m, &policy("version: 1\nmax_scope: resource\n"), check);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].labels[0].location.line, 2,
            "points at max_scope in the policy"
        );
    }
}
