//! RA011: a grant to an identity no deployed workload uses.

use access::PrincipalKind;

use crate::context::{is_deployed, resource_words, workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment to a user-assigned identity of this deployment that no workload has
    /// attached, or to the system-assigned identity of a workload that is not deployed (its
    /// condition is false).
    ///
    /// ## Why is this bad?
    /// Access nobody uses is still access: anyone who can attach the identity to a resource they
    /// control (`Managed Identity Operator`) inherits it, and nobody notices because no workflow
    /// breaks when it is removed. Dead grants also hide which access is really needed.
    ///
    /// ## Example
    /// ```bicep
    /// resource oldId 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = { name: 'legacy-export' }
    /// resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   scope: storage
    ///   properties: { roleDefinitionId: blobContributor, principalId: oldId.properties.principalId }
    /// }
    /// // no workload lists oldId in identity.userAssignedIdentities
    /// ```
    ///
    /// Use instead: remove the identity and its grants, or attach it to the workload that needs it.
    /// ```bicep
    /// resource wf 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${oldId.id}': {} } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Best practices for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/best-practices)
    pub const RULE = ("RA011", "grant-to-unused-identity", RoleAssignment, Warning);
}

/// Why the identity is unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unused {
    /// A user-assigned identity no workload attaches.
    NotAttached,
    /// The workload owning the system identity is not deployed.
    WorkloadNotDeployed(String),
}

/// A grant to an identity nothing uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantToUnusedIdentity {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub why: Unused,
}

impl Violation for GrantToUnusedIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.why {
            Unused::NotAttached => format!(
                "{} is granted '{}' on {}, but no workload in this deployment attaches that identity: the access is unused",
                self.identity, self.role, self.scope
            ),
            Unused::WorkloadNotDeployed(w) => format!(
                "{} is granted '{}' on {}, but {w} is not deployed (its condition is false)",
                self.identity, self.role, self.scope
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("remove the grant (and the identity), or attach the identity to the workload that needs it".to_string())
    }
}

/// Every grant to a declared user-assigned identity no deployed workload attaches, or to the
/// system identity of a workload that is not deployed.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    // An attachment whose id is only known at deployment may be any identity.
    let maybe_attached = cx.model.workloads.iter().any(|w| {
        w.identity
            .user_assigned
            .iter()
            .any(|a| a.has_unknown_parts())
    });
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let Some(id) = g.principal.resource.as_ref() else {
            continue;
        };
        let why = match g.principal.kind {
            PrincipalKind::UserAssigned => {
                // Only identities this deployment creates: an existing one may be attached elsewhere.
                let declared = cx
                    .model
                    .identities
                    .iter()
                    .any(|i| &i.id == id && i.declared && !i.existing);
                let attached = cx.is_attached(id);
                if !declared || attached || maybe_attached {
                    continue;
                }
                Unused::NotAttached
            }
            PrincipalKind::SystemAssigned => match cx.workload(id) {
                Some(w) if !is_deployed(&w.deployed) => {
                    Unused::WorkloadNotDeployed(workload_words(w))
                }
                _ => continue,
            },
            _ => continue,
        };
        let violation = GrantToUnusedIdentity {
            identity: cx.principal_words(g),
            role: cx.role_name(g),
            scope: resource_words(&g.scope),
            why,
        };
        out.push(
            Finding::new(&violation, g.location.clone())
                .with_label(cx.principal_declaration(g), "the identity is declared here")
                .with_subject(cx.grant_subject(g)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use arm::plan::ConditionStatus;

    #[test]
    fn fires_for_an_unattached_identity_and_a_skipped_workload() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/legacy"
        ));
        m.identities.push(uami_decl(&uami));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, user_principal(&uami)));
        let mut w = workflow("old", Some(system()));
        w.deployed = ConditionStatus::Skipped;
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, system_principal(&w)));
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 2);
        assert!(f[0]
            .message
            .contains("no workload in this deployment attaches"));
        assert!(f[1].message.contains("is not deployed"));
    }

    #[test]
    fn silent_for_attached_identities() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/export"
        ));
        m.identities.push(uami_decl(&uami));
        m.workloads.push(workflow("export", Some(user(&uami))));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, user_principal(&uami)));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
