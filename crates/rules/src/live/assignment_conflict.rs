//! LV003: the tenant already has the planned grant (principal, role, scope) under another name,
//! or has the planned name for another principal or role.

use access::PrincipalKind;

use crate::context::{resource_words, Cx};
use crate::finding::Finding;
use crate::live::{
    delete_command, facts, live_grants, planned_principal_id, principal_named, role_words,
};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, compares each planned role assignment with the assignments that exist at its
    /// scope: the same principal, role and scope under another assignment name (ARM refuses the
    /// deployment with `RoleAssignmentExists`), or the planned name already used for another
    /// principal or role (`RoleAssignmentUpdateNotPermitted`). Given the real deployment context
    /// (`--subscription-id`, `--resource-group`), planned names are computed by `guid()` exactly as
    /// Azure computes them.
    ///
    /// ## Why is this bad?
    /// Both fail the deployment half-way, after other resources were already changed. The second
    /// is what a recreated identity leaves behind: the name computed from the scope, workload and
    /// role is the same, the principal is not.
    ///
    /// ## Example
    /// The template grants `Key Vault Secrets User` on `kv1` to workflow `recon` with name
    /// `guid(kv.id, 'recon', 'secrets')`; the tenant already holds that grant under a name made
    /// in the portal.
    ///
    /// Use instead: delete the hand-made assignment (`az role assignment delete --ids …`) so the
    /// template owns it, or remove the grant from the template.
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC limits and errors: RoleAssignmentExists](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-already-exists)
    /// - [Create role assignments with ARM templates: name](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#name)
    pub const RULE = ("LV003", "assignment-conflict", Live, Error);
}

/// How a planned assignment collides with an existing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Same principal, role and scope under another name.
    SameGrantOtherName,
    /// The planned name exists for another principal or role.
    SameNameOtherGrant { principal: String, role: String },
}

/// A planned assignment that collides with an existing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentConflict {
    pub identity: String,
    pub role: String,
    pub scope: String,
    pub planned_name: String,
    pub existing_name: String,
    pub existing_id: String,
    pub conflict: Conflict,
}

impl Violation for AssignmentConflict {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.conflict {
            Conflict::SameGrantOtherName => format!(
                "{} already holds '{}' on {} as role assignment {}; this deployment creates it again as {}, which ARM refuses (RoleAssignmentExists)",
                self.identity, self.role, self.scope, self.existing_name, self.planned_name
            ),
            Conflict::SameNameOtherGrant { principal, role } => format!(
                "role assignment {} on {} already exists for {} with role '{}'; this deployment reuses the name for {} with '{}', which ARM refuses (RoleAssignmentUpdateNotPermitted)",
                self.planned_name, self.scope, principal, role, self.identity, self.role
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "remove the existing assignment so the template owns it (`{}`), or drop the grant from the template",
            delete_command(&self.existing_id)
        ))
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some(facts) = facts(cx) else {
        return;
    };
    for g in live_grants(cx) {
        let principal = planned_principal_id(facts, g);
        // A system identity that does not exist yet gets a new principal id: it conflicts with
        // any existing assignment of the same name.
        let new_system = g.principal.kind == PrincipalKind::SystemAssigned
            && principal.is_none()
            && g.principal
                .resource
                .as_ref()
                .and_then(|r| facts.workload(r))
                .is_some();
        for a in facts.assignments_at(&g.scope) {
            let same_principal = principal.is_some_and(|p| p.eq_ignore_ascii_case(&a.principal_id));
            let same_role = a.role.eq_ignore_ascii_case(&g.role.id);
            let same_name = g.name_resolved && a.name.eq_ignore_ascii_case(&g.name);
            let conflict = if same_principal && same_role && !same_name && g.name_resolved {
                Conflict::SameGrantOtherName
            } else if same_name
                && (!same_role || (principal.is_some() && !same_principal) || new_system)
            {
                Conflict::SameNameOtherGrant {
                    principal: principal_named(facts, &a.principal_id),
                    role: role_words(cx, &a.role),
                }
            } else {
                continue;
            };
            let violation = AssignmentConflict {
                identity: cx.principal_words(g),
                role: cx.role_name(g),
                scope: resource_words(&g.scope),
                planned_name: g.name.clone(),
                existing_name: a.name.clone(),
                existing_id: a.id.clone(),
                conflict,
            };
            out.push(
                Finding::new(&violation, cx.locate_in(&g.location, "/name"))
                    .with_subject(cx.grant_subject(g)),
            );
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
    fn a_recreated_identity_collides_with_its_old_assignment_of_the_same_name() {
        // The workflow was deleted (ARM 404): the deployment creates it with a new principal, and the
        // assignment name computed from scope, workflow and role is the old one's.
        let mut m = secret_reader_granted(KV_SECRETS_USER, &kv_id("kv1"));
        let mut facts = LiveFacts::default();
        let mut gone = deployed(&m.workloads[0].id, None, None);
        gone.found = false;
        facts.workloads.push(gone);
        let name = m.grants[0].name.clone();
        facts
            .assignments
            .push(existing(&name, &kv_id("kv1"), KV_SECRETS_USER, "p-old"));
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("RoleAssignmentUpdateNotPermitted"),
            "{}",
            f[0].message
        );
        // Redeploying the same workflow (same principal, same name) is no conflict.
        facts.workloads[0] = deployed(&m.workloads[0].id, Some("SystemAssigned"), Some("p-old"));
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
        // Unresolved names are never compared.
        m.grants[0].name_resolved = false;
        facts.assignments[0].name = "other".into();
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
    }
}
