//! LV001: an existing role assignment at a planned grant's scope whose principal no longer exists.

use access::live::PrincipalState;
use access::ResourceId;

use crate::context::{resource_words, Cx};
use crate::finding::{Finding, Subject};
use crate::live::{delete_command, facts, live_grants, role_words};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, lists the role assignments that already exist at each scope the template
    /// grants on (ARM `roleAssignments` with `atScope()`, every page) and asks Microsoft Graph
    /// whether each service principal they name still exists. An assignment whose principal is
    /// gone (Graph answers 404) is reported with the exact command that removes it.
    ///
    /// ## Why is this bad?
    /// A recreated system-assigned identity gets a new principal id; the old role assignments stay
    /// behind, pointing at a deleted principal (the portal shows "Identity not found"). They grant
    /// nothing today, but they hide what the workload really holds, they count against the
    /// subscription's 4,000-assignment limit, and a deterministic assignment name computed from
    /// the same inputs collides with them (`RoleAssignmentUpdateNotPermitted`). No template shows
    /// them: reviewers find them by hand with `az role assignment list --scope`.
    ///
    /// ## Example
    /// The template grants `Key Vault Secrets User` on `kv-payments` to workflow `recon`; the
    /// tenant still holds the same role on `kv-payments` for principal `5c1f…`, the identity of
    /// the workflow before it was deleted and recreated.
    ///
    /// Use instead: remove the stale assignment before rollout:
    /// ```sh
    /// az role assignment delete --ids /subscriptions/…/providers/Microsoft.Authorization/roleAssignments/…
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: role assignments with identity not found](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#role-assignments-with-identity-not-found)
    /// - [List role assignments using the REST API](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-list-rest)
    pub const RULE = ("LV001", "stale-assignment", Live, Error);
}

/// An assignment whose principal was deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleAssignment {
    pub assignment_id: String,
    pub assignment_name: String,
    pub role: String,
    pub scope: String,
    pub principal_id: String,
}

impl Violation for StaleAssignment {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "role assignment {} ('{}' on {}) belongs to principal {}, which no longer exists in the directory (a deleted or recreated identity): remove it with `{}`",
            self.assignment_name,
            self.role,
            self.scope,
            self.principal_id,
            delete_command(&self.assignment_id)
        )
    }

    fn fix(&self) -> Option<String> {
        Some(delete_command(&self.assignment_id))
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some(facts) = facts(cx) else {
        return;
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut scopes: Vec<&ResourceId> = Vec::new();
    for g in live_grants(cx) {
        if !scopes.contains(&&g.scope) {
            scopes.push(&g.scope);
        }
    }
    for scope in scopes {
        let Some(grant) = live_grants(cx).find(|g| &g.scope == scope) else {
            continue;
        };
        for a in facts.assignments_at(scope) {
            let service_principal = a
                .principal_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("ServicePrincipal"));
            let deleted = facts
                .principal(&a.principal_id)
                .is_some_and(|p| p.state == PrincipalState::Deleted);
            if !service_principal || !deleted || seen.contains(&a.id.as_str()) {
                continue;
            }
            seen.push(&a.id);
            let role = role_words(cx, &a.role);
            let violation = StaleAssignment {
                assignment_id: a.id.clone(),
                assignment_name: a.name.clone(),
                role: role.clone(),
                scope: resource_words(scope),
                principal_id: a.principal_id.clone(),
            };
            out.push(
                Finding::new(&violation, grant.location.clone()).with_subject(Subject {
                    workload: None,
                    identity: Some(a.principal_id.clone()),
                    role: Some(role),
                    scope: Some(scope.to_string()),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{existing, run_live};
    use crate::testing::*;
    use access::live::{LiveFacts, LivePrincipal};

    fn gone(id: &str) -> LivePrincipal {
        LivePrincipal {
            id: id.into(),
            state: PrincipalState::Deleted,
            display_name: None,
            app_id: None,
            kind: None,
        }
    }

    #[test]
    fn only_service_principals_graph_says_are_gone_are_stale() {
        let m = secret_reader_granted(KV_SECRETS_USER, &kv_id("kv1"));
        let mut facts = LiveFacts::default();
        facts.principals.push(gone("p-old"));
        facts.principals.push(gone("u-1"));
        facts
            .assignments
            .push(existing("a1", &kv_id("kv1"), KV_SECRETS_USER, "p-old"));
        // A user id is not looked up in servicePrincipals: a 404 there says nothing.
        let mut user = existing("a2", &kv_id("kv1"), KV_SECRETS_USER, "u-1");
        user.principal_type = Some("User".into());
        facts.assignments.push(user);
        // Above the planned scope: not where this deployment grants.
        facts
            .assignments
            .push(existing("a3", RG, KV_SECRETS_USER, "p-old"));
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("role assignment a1"),
            "{}",
            f[0].message
        );
    }
}
