//! RA002: a workload identity is given a privileged or policy-denied role.

use access::WorkloadPlan;

use crate::context::{is_deployed, is_workload_identity, resource_words, workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::role_assignment::support::{
    grant_needs, policy_assignment_needs, quoted_list, PolicyAssignmentNeeds,
};
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment that gives a workload identity a privileged role (Owner,
    /// Contributor, User Access Administrator, Role Based Access Control Administrator, or another
    /// role in Microsoft's privileged category) or any role the policy denies.
    ///
    /// A policy assignment's identity (`Microsoft.Authorization/policyAssignments`) must hold the
    /// roles its policy definition lists in `policyRule.then.details.roleDefinitionIds` for
    /// DeployIfNotExists and Modify remediation. When the definition (or every definition of its
    /// policy set) is in the template, a grant of a role it does not list is flagged with the listed
    /// roles as the fix; a grant of a privileged role it does list is flagged too, because the
    /// over-grant was only moved into a definition the same author writes: the fix is to narrow the
    /// definition's `roleDefinitionIds` and the grant together. Definitions outside the template
    /// (built-in policies) cannot be narrowed by the author, so their listed roles are not flagged. The AKS kubelet and add-on identities
    /// (`identityProfile.kubeletidentity`, `addonProfiles.<add-on>.identity`) are judged as
    /// managed identities of their cluster.
    ///
    /// ## Why is this bad?
    /// A workflow that needs to read one secret does not need to delete the vault, rewrite its
    /// network rules or hand out access to others. Anyone who can edit the workflow, or inject into
    /// one of its HTTP calls, inherits everything the role allows. Contributor also allows
    /// `listKeys` on every storage account in scope: full data access by another route.
    ///
    /// ## Example
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(subscription().id, wf.id, contributor)
    ///   properties: {
    ///     roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
    ///     principalId: wf.identity.principalId
    ///   }
    /// }
    /// ```
    ///
    /// Use instead: the narrowest data role on the one resource the workflow uses:
    /// ```bicep
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: {
    ///     roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    ///     principalId: wf.identity.principalId
    ///     principalType: 'ServicePrincipal'
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Remediate non-compliant resources: configure the managed identity (roleDefinitionIds)](https://learn.microsoft.com/azure/governance/policy/how-to/remediate-resources)
    /// - [Azure built-in roles: privileged administrator roles](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged)
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA002", "privileged-role", RoleAssignment, Error);
}

/// A privileged or denied role granted to a workload identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegedRole {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The policy denies it explicitly (else it is privileged by Microsoft's classification).
    pub denied_by_policy: bool,
    /// A narrower role that covers what the identity's calls need, if known.
    pub suggested_role: Option<String>,
    /// Who runs as the identity, for the fix.
    pub holder: Holder,
}

/// Who runs as a granted identity, as far as the fix needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A Logic App workflow: its calls say what it needs.
    Workflow,
    /// A policy assignment: its definition's `roleDefinitionIds` say what remediation needs;
    /// `None` when the definition is not in the template, else the listed roles' names.
    PolicyAssignment(Option<Vec<String>>),
    /// A policy assignment whose definition, declared in the template, lists this privileged role
    /// itself for remediation.
    PolicyDefinitionListsIt,
    /// Another workload, in words (`web app 'shop-api'`).
    Other(String),
    /// Several or none.
    Unknown,
}

impl Violation for PrivilegedRole {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let why = if self.denied_by_policy {
            "a role the policy denies"
        } else {
            "a privileged role"
        };
        let listed = match &self.holder {
            Holder::PolicyAssignment(Some(roles)) if !roles.is_empty() => format!(
                ", and its policy definition lists only {} for remediation",
                quoted_list(roles)
            ),
            Holder::PolicyDefinitionListsIt => {
                ", and its policy definition in this template lists that role for remediation"
                    .to_string()
            }
            _ => String::new(),
        };
        format!(
            "{} is granted '{}' on {}: {why} for a workload identity{listed}",
            self.identity, self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        let role = &self.role;
        Some(match (&self.holder, &self.suggested_role) {
            (Holder::PolicyAssignment(Some(roles)), _) if roles.is_empty() => format!(
                "remove the grant of '{role}': the policy definition lists no role in `roleDefinitionIds`, so its remediation needs none"
            ),
            (Holder::PolicyAssignment(Some(roles)), _) => format!(
                "grant {} (what the policy definition's `roleDefinitionIds` list for remediation) instead of '{role}'",
                quoted_list(roles)
            ),
            (Holder::PolicyDefinitionListsIt, _) => format!(
                "narrow the policy definition's `roleDefinitionIds` to roles that cover only what its remediation deploys (not '{role}'), and grant those here instead"
            ),
            (Holder::PolicyAssignment(None), _) => format!(
                "replace '{role}' with the roles the policy definition lists in `policyRule.then.details.roleDefinitionIds` (what DeployIfNotExists and Modify remediation needs)"
            ),
            (_, Some(r)) => format!("replace '{role}' with '{r}' on the resource the workload uses"),
            (Holder::Workflow, None) => format!(
                "replace '{role}' with a role holding only the actions the workflow needs (a data-plane role on the resource it calls)"
            ),
            (Holder::Other(w), None) => {
                format!("replace '{role}' with a role holding only the actions {w} needs")
            }
            (Holder::Unknown, None) => {
                format!("replace '{role}' with a role holding only the actions the workload needs")
            }
        })
    }
}

/// Every grant of a policy-denied role to a workload identity. A role a policy assignment's
/// definition lists for remediation is still flagged when that definition is the template's own:
/// the author can narrow both.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || !is_workload_identity(g) {
            continue;
        }
        let name = cx.role_name(g);
        let role = policy::RoleRef::new(Some(&g.role.id), Some(&name));
        let Some(spec) = cx.policy.role_denied(&role) else {
            continue;
        };
        let holder = match policy_assignment_needs(cx, g) {
            PolicyAssignmentNeeds::Listed(listed) => {
                if listed
                    .iter()
                    .any(|(id, _)| id.eq_ignore_ascii_case(&g.role.id))
                {
                    Holder::PolicyDefinitionListsIt
                } else {
                    Holder::PolicyAssignment(Some(listed.into_iter().map(|(_, n)| n).collect()))
                }
            }
            PolicyAssignmentNeeds::Unread => Holder::PolicyAssignment(None),
            // An AKS kubelet or add-on identity: what that feature needs.
            PolicyAssignmentNeeds::NotAPolicyAssignment
                if g.principal
                    .resource
                    .as_ref()
                    .is_some_and(|id| cx.managed_by(id).is_some()) =>
            {
                Holder::Other(cx.principal_words(g).replacen(" identity of ", " of ", 1))
            }
            PolicyAssignmentNeeds::NotAPolicyAssignment => match cx.workloads_of(g).as_slice() {
                [w] if w.plan != WorkloadPlan::Other => Holder::Workflow,
                [w] => Holder::Other(workload_words(w)),
                _ => Holder::Unknown,
            },
        };
        let (actions, data_actions, _) = grant_needs(cx, g);
        let suggested = crate::role_assignment::support::suggest_role(
            cx.options.catalogue,
            &actions,
            &data_actions,
        )
        .map(|r| r.name.clone());
        let violation = PrivilegedRole {
            identity: cx.principal_words(g),
            role: name,
            scope: resource_words(&g.scope),
            denied_by_policy: spec.explicit,
            suggested_role: suggested,
            holder,
        };
        let label = if spec.explicit {
            format!("'{}' is denied here", spec.text)
        } else {
            format!("'{}' is denied by the built-in default", spec.text)
        };
        out.push(
            Finding::new(&violation, g.location.clone())
                .with_label(Some(spec.location.clone()), label)
                .with_label(cx.principal_declaration(g), "the identity is declared here")
                .with_subject(cx.grant_subject(g)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_contributor_and_suggests_the_role_the_calls_need() {
        let m = secret_reader_granted(CONTRIBUTOR, SUBSCRIPTION);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("is granted 'Contributor' on subscription"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Key Vault Secrets User"));
        assert!(f[0].labels.iter().any(|l| l.message.contains("denied")));
    }

    #[test]
    fn follows_the_policy_denied_roles() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants.push(grant(
            KV_SECRETS_OFFICER,
            &kv_id("kv1"),
            system_principal(&w),
        ));
        m.workloads.push(w);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        let strict = policy("version: 1\ndenied_roles: [Key Vault Secrets Officer]\n");
        let f = run_rule(&m, &strict, check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a role the policy denies"));
    }

    #[test]
    fn external_principals_are_not_workload_identities() {
        let mut m = model();
        m.grants.push(grant(
            CONTRIBUTOR,
            RG,
            external_principal("3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93"),
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
