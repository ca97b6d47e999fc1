//! MI004: the workload's identity is not the kind the policy requires.

use policy::IdentityKind;

use crate::context::{is_deployed, workload_ref, workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a workload whose identity kind differs from the one the policy requires for it:
    /// user-assigned (stable across rebuilds) or system-assigned (lives and dies with the
    /// workload).
    ///
    /// ## Why is this bad?
    /// A system-assigned identity gets a new principal id every time its workload is deleted and
    /// recreated. Role assignments made for the old principal stay behind as "Identity not found"
    /// and the new one has no access: a workflow that is rebuilt often silently loses its storage
    /// access. Teams that rebuild workflows require user-assigned identities; teams that want
    /// no identity to outlive its workload require system-assigned ones.
    ///
    /// ## Example
    /// Policy requires `identity: user-assigned` for `compliance-export`:
    /// ```json
    /// { "type": "Microsoft.Logic/workflows", "name": "compliance-export",
    ///   "identity": { "type": "SystemAssigned" } }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// { "type": "Microsoft.Logic/workflows", "name": "compliance-export",
    ///   "identity": { "type": "UserAssigned",
    ///     "userAssignedIdentities": { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id')]": {} } } }
    /// ```
    ///
    /// ## References
    /// - [Managed identity types](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview#managed-identity-types)
    /// - [Troubleshoot Azure RBAC: "Identity not found"](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    pub const RULE = ("MI004", "identity-kind-mismatch", Identity, Error);
}

/// A workload with the wrong identity kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityKindMismatch {
    /// The workload in words.
    pub workload: String,
    /// What the policy requires: `user-assigned` or `system-assigned`.
    pub required: String,
    /// What the template declares, e.g. `system-assigned`.
    pub actual: String,
}

impl Violation for IdentityKindMismatch {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let why = if self.required == "user-assigned" {
            "a system-assigned identity changes its principal id whenever the workload is recreated, leaving its grants stale"
        } else {
            "the policy wants the identity to live and die with the workload"
        };
        format!(
            "{} uses a {} identity, but the policy requires a {} one: {why}",
            self.workload, self.actual, self.required
        )
    }

    fn fix(&self) -> Option<String> {
        Some(if self.required == "user-assigned" {
            "declare a Microsoft.ManagedIdentity/userAssignedIdentities resource, attach it with `identity.type: 'UserAssigned'` and grant the roles to its principal".to_string()
        } else {
            "use `identity.type: 'SystemAssigned'` and grant the roles to the workload's own principal".to_string()
        })
    }
}

/// Every workload whose identity kind differs from what the policy requires.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        if w.existing || !is_deployed(&w.deployed) || !w.identity.has_identity() {
            continue;
        }
        let Some(rule) = cx.policy.identity_requirement(&workload_ref(w)) else {
            continue;
        };
        let has_user = !w.identity.user_assigned.is_empty();
        let has_system = w.identity.system_assigned;
        let (required, ok) = match rule.kind {
            IdentityKind::Any => continue,
            // A workload with both kinds still runs some calls as its system identity.
            IdentityKind::User => ("user-assigned", has_user && !has_system),
            IdentityKind::System => ("system-assigned", has_system && !has_user),
        };
        if ok {
            continue;
        }
        let actual = match (has_system, has_user) {
            (true, true) => "system- and user-assigned",
            (true, false) => "system-assigned",
            _ => "user-assigned",
        };
        let violation = IdentityKindMismatch {
            workload: workload_words(w),
            required: required.to_string(),
            actual: actual.to_string(),
        };
        out.push(cx.identity_finding(&violation, w).with_label(
            Some(rule.location.clone()),
            format!(
                "policy rule '{}' requires a {required} identity",
                rule.rule_name
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const USER_POLICY: &str = "version: 1\nworkloads:\n  - name: exports\n    match: { type: Microsoft.Logic/workflows }\n    identity: { kind: user }\n";

    #[test]
    fn fires_for_a_system_identity_where_user_assigned_is_required() {
        let mut m = model();
        m.workloads.push(workflow("export", Some(system())));
        let f = run_rule(&m, &policy(USER_POLICY), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("uses a system-assigned identity"));
        assert!(f[0].message.contains("requires a user-assigned one"));
        assert_eq!(
            f[0].labels[0].location.line, 5,
            "points at the policy's identity rule"
        );
    }

    #[test]
    fn silent_for_the_required_kind_or_any() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/export"
        ));
        m.workloads.push(workflow("export", Some(user(&uami))));
        assert!(run_rule(&m, &policy(USER_POLICY), check).is_empty());
        m.workloads = vec![workflow("export", Some(system()))];
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
