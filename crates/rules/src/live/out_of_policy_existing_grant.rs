//! LV004: a workload's principal already holds roles, outside the template, that the policy does
//! not allow.

use access::ResourceId;
use policy::GrantRef;

use crate::context::{is_deployed, policy_level, resource_words, workload_ref, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::live::{delete_command, facts, role_words};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, lists every role assignment the deployed workloads' identities already hold
    /// in the subscription (`assignedTo()`), keeps those the template does not declare, and
    /// reports each one the policy would not allow: a denied role (Owner, Contributor, ...) or a
    /// role or target outside the workload's `grants` allow-list.
    ///
    /// ## Why is this bad?
    /// Least privilege erodes outside the pull request: someone adds Contributor in the portal to
    /// unblock a run and nobody reviews it. The template still looks minimal; the identity is not.
    ///
    /// ## Example
    /// The template grants `Key Vault Secrets User` to workflow `recon`; its principal also holds
    /// `Contributor` on the resource group, given in the portal.
    ///
    /// Use instead: remove the hand-made assignment (`az role assignment delete --ids …`), or
    /// declare it in the template and allow it in the policy through a reviewed change.
    ///
    /// ## References
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("LV004", "out-of-policy-existing-grant", Live, Error);
}

/// An existing assignment outside the template and the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfPolicyExistingGrant {
    pub identity: String,
    pub role: String,
    pub scope: String,
    pub assignment_id: String,
    /// Why the policy does not allow it.
    pub why: String,
}

impl Violation for OutOfPolicyExistingGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} already holds '{}' on {} outside this template ({}): a grant nobody reviewed",
            self.identity, self.role, self.scope, self.why
        )
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "remove it (`{}`), or declare it in the template and allow it in the policy",
            delete_command(&self.assignment_id)
        ))
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some(facts) = facts(cx) else {
        return;
    };
    for w in &cx.model.workloads {
        if !is_deployed(&w.deployed) {
            continue;
        }
        let Some(deployed) = facts.workload(&w.id).filter(|d| d.found) else {
            continue;
        };
        // The identities the template keeps on the workload, with their principal ids today.
        let mut principals: Vec<(String, access::PrincipalKind, ResourceId)> = Vec::new();
        if w.identity.system_assigned && deployed.system_assigned() {
            if let Some(p) = &deployed.principal_id {
                principals.push((
                    p.clone(),
                    access::PrincipalKind::SystemAssigned,
                    w.id.clone(),
                ));
            }
        }
        for id in &w.identity.user_assigned {
            if let Some(p) = facts.principal_id_of(access::PrincipalKind::UserAssigned, id) {
                principals.push((
                    p.to_string(),
                    access::PrincipalKind::UserAssigned,
                    id.clone(),
                ));
            }
        }
        for (principal_id, kind, resource) in principals {
            let planned: Vec<_> = cx.grants_to(kind, &resource).to_vec();
            for a in facts.assignments_of(&principal_id) {
                let declared = planned
                    .iter()
                    .any(|g| g.scope == a.scope && g.role.id.eq_ignore_ascii_case(&a.role));
                if declared {
                    continue;
                }
                let role = role_words(cx, &a.role);
                let role_ref = policy::RoleRef::new(Some(&a.role), Some(&role));
                let why = if let Some(spec) = cx.policy.role_denied(&role_ref) {
                    format!("the policy denies '{}' everywhere", spec.text)
                } else {
                    let Some(level) = policy_level(a.scope.level()) else {
                        continue;
                    };
                    let target_type = a.scope.resource_type().unwrap_or_default();
                    let target_name = a
                        .scope
                        .full_name()
                        .or_else(|| a.scope.name().map(str::to_string))
                        .unwrap_or_default();
                    let grant = GrantRef {
                        role: role_ref,
                        target_type: &target_type,
                        target_name: &target_name,
                        scope_level: level,
                    };
                    if cx.policy.grant_allowed(&workload_ref(w), &grant).allowed {
                        continue;
                    }
                    "the policy does not allow it for this workload".to_string()
                };
                let identity = match kind {
                    access::PrincipalKind::SystemAssigned => cx.system_identity_words(&w.id),
                    _ => crate::context::user_identity_words(&resource),
                };
                let violation = OutOfPolicyExistingGrant {
                    identity: format!(
                        "{identity} (used by {}, principal {principal_id})",
                        workload_words(w)
                    ),
                    role: role.clone(),
                    scope: resource_words(&a.scope),
                    assignment_id: a.id.clone(),
                    why,
                };
                out.push(
                    Finding::new(&violation, cx.locate_in(&w.location, "/identity")).with_subject(
                        Subject {
                            workload: Some(w.id.to_string()),
                            identity: Some(crate::context::managed_identity_key(kind, &resource)),
                            role: Some(role),
                            scope: Some(a.scope.to_string()),
                        },
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{deployed, existing, run_live};
    use crate::testing::*;
    use access::live::LiveFacts;

    #[test]
    fn existing_grants_the_policy_allows_or_the_template_declares_are_silent() {
        let m = secret_reader_granted(KV_SECRETS_USER, &kv_id("kv1"));
        let mut facts = LiveFacts::default();
        facts.workloads.push(deployed(
            &m.workloads[0].id,
            Some("SystemAssigned"),
            Some("p"),
        ));
        // Declared by the template.
        facts
            .assignments
            .push(existing("a1", &kv_id("kv1"), KV_SECRETS_USER, "p"));
        // Not declared, not denied, and the default policy lists no grants for the workload.
        facts
            .assignments
            .push(existing("a2", &kv_id("kv2"), BLOB_CONTRIBUTOR, "p"));
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
        // A denied role is reported.
        facts.assignments.push(existing("a3", RG, CONTRIBUTOR, "p"));
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].subject.scope.as_deref(), Some(RG));
    }
}
