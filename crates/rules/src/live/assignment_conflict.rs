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
