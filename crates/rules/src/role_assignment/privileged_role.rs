//! RA002: a workload identity is given a privileged or policy-denied role.

use crate::context::{is_deployed, is_workload_identity, resource_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::role_assignment::support::grant_needs;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment that gives a workload identity a privileged role (Owner,
    /// Contributor, User Access Administrator, Role Based Access Control Administrator, or another
    /// role in Microsoft's privileged category) or any role the policy denies.
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
        format!(
            "{} is granted '{}' on {}: {why} for a workload identity",
            self.identity, self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.suggested_role {
            Some(r) => format!(
                "replace '{}' with '{r}' on the resource the workload uses",
                self.role
            ),
            None => format!(
                "replace '{}' with a role holding only the actions the workload needs (for a workflow: a data-plane role on the resource it calls)",
                self.role
            ),
        })
    }
}

/// Every grant of a policy-denied role to a workload identity.
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
