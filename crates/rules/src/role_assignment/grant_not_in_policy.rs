//! RA004: a grant whose role or target the policy does not allow for this workload.

use policy::GrantRef;

use crate::context::{
    is_deployed, is_workload_identity, policy_level, resource_words, workload_ref, workload_words,
    Cx,
};
use crate::finding::{Finding, Subject};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a workload identity when the policy has an allow-list of grants
    /// for that workload and no entry matches: either the role is not one it may hold, or the
    /// target (resource type and name pattern) is not one it may hold it on.
    ///
    /// ## Why is this bad?
    /// The allow-list is the reviewed statement of what the workload is meant to reach. A grant
    /// outside it is either a mistake or a change that needs a review, and least privilege only
    /// holds if such changes cannot slip in with an unrelated pull request.
    ///
    /// ## Example
    /// Policy:
    /// ```yaml
    /// workloads:
    ///   - match: { name: "payments-*" }
    ///     allow:
    ///       - role: Key Vault Secrets User
    ///         target: { type: Microsoft.KeyVault/vaults, name: "payments-kv" }
    /// ```
    /// Template grants `Storage Blob Data Reader` on a storage account to `payments-recon`.
    ///
    /// Use instead: remove the grant, or add it to the policy in a reviewed change:
    /// ```yaml
    ///       - role: Storage Blob Data Reader
    ///         target: { type: Microsoft.Storage/storageAccounts/blobServices/containers, name: "*/statements" }
    /// ```
    ///
    /// ## References
    /// - [Best practices for Azure RBAC: grant least privilege](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA004", "grant-not-in-policy", RoleAssignment, Error);
}

/// Which part of the grant the policy does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// No allow entry names this role for the workload.
    Role,
    /// The role is allowed, but not on this target.
    Target,
}

/// A grant outside the workload's allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantNotInPolicy {
    /// The identity in words.
    pub identity: String,
    /// The workload(s) using the identity, in words.
    pub workload: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub not_allowed: NotAllowed,
    /// The roles the policy does allow this workload, for the message.
    pub allowed_roles: Vec<String>,
}

impl Violation for GrantNotInPolicy {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let allowed = if self.allowed_roles.is_empty() {
            "none".to_string()
        } else {
            self.allowed_roles.join(", ")
        };
        match self.not_allowed {
            NotAllowed::Role => format!(
                "{} (used by {}) is granted '{}' on {}, a role the policy does not allow this workload (allowed: {allowed})",
                self.identity, self.workload, self.role, self.scope
            ),
            NotAllowed::Target => format!(
                "{} (used by {}) is granted '{}' on {}, a target the policy does not allow for that role",
                self.identity, self.workload, self.role, self.scope
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("remove the grant, or add it to the workload's `allow` list in the policy through a reviewed change".to_string())
    }
}

/// Every grant to a workload identity that the allow-list of a workload using it does not cover.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || !is_workload_identity(g) {
            continue;
        }
        let Some(level) = policy_level(g.scope_level) else {
            continue;
        };
        let role_name = cx.role_name(g);
        let target_type = g.scope.resource_type().unwrap_or_default();
        let target_name = g
            .scope
            .full_name()
            .or_else(|| g.scope.name().map(str::to_string))
            .unwrap_or_default();
        let grant_ref = GrantRef {
            role: policy::RoleRef::new(Some(&g.role.id), Some(&role_name)),
            target_type: &target_type,
            target_name: &target_name,
            scope_level: level,
        };
        for w in cx.workloads_of(g) {
            let wref = workload_ref(w);
            let decision = cx.policy.grant_allowed(&wref, &grant_ref);
            if decision.allowed {
                continue;
            }
            let rules = cx.policy.workload_rules(&wref);
            let entries = rules.iter().filter_map(|r| r.grants.as_ref()).flatten();
            let mut allowed_roles: Vec<String> = Vec::new();
            let mut role_listed = false;
            for entry in entries {
                for spec in &entry.roles {
                    role_listed |= spec.matches(&grant_ref.role);
                    if !allowed_roles.contains(&spec.text) {
                        allowed_roles.push(spec.text.clone());
                    }
                }
            }
            let violation = GrantNotInPolicy {
                identity: cx.principal_words(g),
                workload: workload_words(w),
                role: role_name.clone(),
                scope: resource_words(&g.scope),
                not_allowed: if role_listed {
                    NotAllowed::Target
                } else {
                    NotAllowed::Role
                },
                allowed_roles,
            };
            out.push(
                Finding::new(&violation, g.location.clone())
                    .with_label(
                        decision.location.clone(),
                        format!(
                            "allowed grants of policy rule '{}'",
                            decision.rule_name.clone().unwrap_or_default()
                        ),
                    )
                    .with_subject(Subject {
                        workload: Some(w.id.to_string()),
                        ..cx.grant_subject(g)
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const ALLOW: &str = "version: 1\nworkloads:\n  - name: payments\n    match: { name: \"recon\" }\n    grants:\n      - roles: [Key Vault Secrets User]\n        target: { type: Microsoft.KeyVault/vaults, name: \"kv1\" }\n";

    #[test]
    fn fires_for_a_role_or_target_outside_the_allow_list() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, system_principal(&w)));
        m.grants
            .push(grant(KV_SECRETS_USER, &kv_id("kv2"), system_principal(&w)));
        m.workloads.push(w);
        let f = run_rule(&m, &policy(ALLOW), check);
        assert_eq!(f.len(), 2);
        assert!(
            f[0].message.contains(
                "a role the policy does not allow this workload (allowed: Key Vault Secrets User)"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("a target the policy does not allow"),
            "{}",
            f[1].message
        );
        assert_eq!(
            f[0].labels[0].location.line, 5,
            "points at the policy's grants list"
        );
    }

    #[test]
    fn silent_for_listed_grants_and_unrestricted_workloads() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants
            .push(grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w)));
        m.workloads.push(w);
        assert!(run_rule(&m, &policy(ALLOW), check).is_empty());
        m.grants.push(grant(
            BLOB_CONTRIBUTOR,
            RG,
            system_principal(&m.workloads[0].clone()),
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
