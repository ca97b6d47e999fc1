//! RA005: the role granted holds far more than what the workload's calls need.

use crate::context::{is_deployed, is_workload_identity, resource_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::role_assignment::support::{
    grant_needs, policy_assignment_needs, quoted_list, PolicyAssignmentNeeds,
};
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Compares each grant with what the identity's calls need on resources in its scope, and
    /// flags it when a narrower built-in role holds every needed action: for example "Key Vault
    /// Secrets Officer" (read, write, delete secrets) where the workflow only reads a secret and
    /// "Key Vault Secrets User" suffices. The message names that narrower role, found in the role
    /// catalogue as the built-in role with the fewest permissions that still holds the needed
    /// actions.
    ///
    /// A policy assignment's identity needs what its policy definition lists in
    /// `policyRule.then.details.roleDefinitionIds` (DeployIfNotExists and Modify remediation):
    /// when the definition is in the template, a grant of a role broader than every listed role is
    /// flagged, with the listed roles as the fix.
    ///
    /// ## Why is this bad?
    /// Extra actions are extra blast radius: a workflow that can write secrets can replace the
    /// payment provider's API key, one that can delete blobs can destroy the audit trail. Broad
    /// roles are usually picked because their name sounds right, not because their actions are
    /// needed.
    ///
    /// ## Example
    /// ```bicep
    /// // the workflow only GETs one secret
    /// properties: {
    ///   roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// properties: {
    ///   roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6') // Key Vault Secrets User
    /// }
    /// ```
    ///
    /// ## References
    /// - [Azure built-in roles](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles)
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA005", "broader-role-than-needed", RoleAssignment, Warning);
}

/// A role broader than the identity's calls need, with the narrower one to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroaderRoleThanNeeded {
    /// The identity in words.
    pub identity: String,
    /// The role granted.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The actions the calls need.
    pub needed: Vec<String>,
    /// The narrower built-in role that holds them.
    pub suggested_role: String,
}

impl Violation for BroaderRoleThanNeeded {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is granted '{}' on {}, but its calls only need {}; '{}' holds those and less",
            self.identity,
            self.role,
            self.scope,
            self.needed.join(", "),
            self.suggested_role
        )
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "grant '{}' instead of '{}'",
            self.suggested_role, self.role
        ))
    }
}

/// Every grant to a workload identity whose role is broader than a built-in role holding what the
/// identity's calls under its scope need.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || !is_workload_identity(g) {
            continue;
        }
        let Some(role) = cx.role_of(g) else {
            continue;
        };
        let name = cx.role_name(g);
        // A denied role is RA002's finding, which already names the narrower role.
        if cx
            .policy
            .role_denied(&policy::RoleRef::new(Some(&g.role.id), Some(&name)))
            .is_some()
        {
            continue;
        }
        if let PolicyAssignmentNeeds::Listed(listed) = policy_assignment_needs(cx, g) {
            if let Some(f) = broader_than_remediation_needs(cx, g, &role, &listed) {
                out.push(f);
            }
            continue;
        }
        let (actions, data_actions, _) = grant_needs(cx, g);
        // Without known calls there is no evidence of what is needed; missing actions are RA001's.
        if (actions.is_empty() && data_actions.is_empty())
            || !role.allows_all(&actions, &data_actions)
        {
            continue;
        }
        let Some(narrow) = crate::role_assignment::support::suggest_role(
            cx.options.catalogue,
            &actions,
            &data_actions,
        ) else {
            continue;
        };
        if narrow.id.eq_ignore_ascii_case(&role.id)
            || (narrow.privilege, narrow.breadth()) >= (role.privilege, role.breadth())
        {
            continue;
        }
        let violation = BroaderRoleThanNeeded {
            identity: cx.principal_words(g),
            role: name,
            scope: resource_words(&g.scope),
            needed: actions.into_iter().chain(data_actions).collect(),
            suggested_role: narrow.name.clone(),
        };
        out.push(
            cx.role_finding(&violation, g)
                .with_label(cx.principal_declaration(g), "the identity is declared here"),
        );
    }
}

/// A policy assignment's identity granted a role broader than every role its policy definition
/// lists for remediation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroaderThanRemediationNeeds {
    /// The identity in words.
    pub identity: String,
    /// The role granted.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The roles the definition lists (`roleDefinitionIds`), by name.
    pub listed: Vec<String>,
}

impl Violation for BroaderThanRemediationNeeds {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "{} is granted '{}' on {}, but its policy definition lists only {} for remediation (`roleDefinitionIds`)",
            self.identity,
            self.role,
            self.scope,
            quoted_list(&self.listed)
        )
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "grant {} instead of '{}'",
            quoted_list(&self.listed),
            self.role
        ))
    }
}

/// The finding for a policy assignment's grant of a role its definition does not list and that is
/// broader than each listed role (a narrower one would leave remediation short: not this rule).
fn broader_than_remediation_needs(
    cx: &Cx,
    g: &access::Grant,
    role: &access::RoleDefinition,
    listed: &[(String, String)],
) -> Option<Finding> {
    if listed.is_empty()
        || listed
            .iter()
            .any(|(id, _)| id.eq_ignore_ascii_case(&role.id))
    {
        return None;
    }
    let broader = listed.iter().all(|(id, _)| {
        cx.options
            .catalogue
            .get(id)
            .is_some_and(|l| (role.privilege, role.breadth()) > (l.privilege, l.breadth()))
    });
    if !broader {
        return None;
    }
    let violation = BroaderThanRemediationNeeds {
        identity: cx.principal_words(g),
        role: cx.role_name(g),
        scope: resource_words(&g.scope),
        listed: listed.iter().map(|(_, n)| n.clone()).collect(),
    };
    Some(
        cx.role_finding(&violation, g)
            .with_label(cx.principal_declaration(g), "the identity is declared here"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_grant(role: &str) -> access::AccessModel {
        secret_reader_granted(role, &kv_id("kv1"))
    }

    #[test]
    fn fires_for_secrets_officer_where_secrets_user_suffices() {
        let f = run_rule(&with_grant(KV_SECRETS_OFFICER), &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("'Key Vault Secrets Officer'"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].fix.as_deref(),
            Some("grant 'Key Vault Secrets User' instead of 'Key Vault Secrets Officer'")
        );
    }

    #[test]
    fn silent_for_the_narrow_role_and_without_known_calls() {
        assert!(run_rule(&with_grant(KV_SECRETS_USER), &default_policy(), check).is_empty());
        let mut m = with_grant(KV_SECRETS_OFFICER);
        m.workloads[0].usages.clear();
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
