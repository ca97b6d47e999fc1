//! RA006: a role assignment's principal is a literal GUID or a parameter.

use access::PrincipalKind;

use crate::context::{is_deployed, resource_words, user_identity_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose `principalId` is a literal GUID or a template parameter
    /// instead of an expression that reads the principal of an identity declared in the same
    /// deployment (`reference(...).identity.principalId`, `wf.identity.principalId` in Bicep).
    /// Principals the policy lists as allowed external principals are not flagged.
    ///
    /// ## Why is this bad?
    /// A copied principal id is a snapshot. When the workflow or identity is recreated it gets a
    /// new principal id: the grant keeps pointing at a principal that no longer exists ("Identity
    /// not found") and the new identity has no access. Nobody reviewing the template can tell
    /// whose id the GUID is.
    ///
    /// ## Example
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "5e1c7f3a-0d2b-4c8e-9a6f-1b2c3d4e5f60"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id'), '2023-01-31').principalId]",
    ///   "principalType": "ServicePrincipal"
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: role assignments with identity not found](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#role-assignments-with-identity-not-found)
    /// - [Create Azure RBAC resources with Bicep](https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac)
    pub const RULE = ("RA006", "hardcoded-principal", RoleAssignment, Error);
}

/// How the principal is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSource {
    /// A literal object id.
    Literal(String),
    /// A template parameter.
    Parameter(String),
}

/// A grant whose principal does not come from an identity of this deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardcodedPrincipal {
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub principal: PrincipalSource,
    /// An identity declared in this deployment that probably should be used, in words.
    pub declared_identity: Option<String>,
}

impl Violation for HardcodedPrincipal {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let what = match &self.principal {
            PrincipalSource::Literal(id) => format!("the literal principal id {id}"),
            PrincipalSource::Parameter(p) => format!("the principal id from parameter '{p}'"),
        };
        format!(
            "'{}' on {} is granted to {what} rather than to an identity declared in this deployment: when that identity is recreated, the grant goes stale",
            self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.declared_identity {
            Some(i) => format!("use the principal id of {i} (e.g. `reference(<identity id>).principalId`)"),
            None => "read the principal id from the identity resource (`reference(<identity id>).principalId`, or `<workload>.identity.principalId` in Bicep)".to_string(),
        })
    }
}

/// Every grant whose principal is a literal (not an allowed external principal) or a parameter.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    // The identity a reviewer most likely meant: the only workload identity of the deployment.
    let candidates: Vec<String> = cx
        .model
        .workloads
        .iter()
        .filter(|w| !w.existing && w.identity.has_identity())
        .flat_map(|w| {
            let mut v = Vec::new();
            if w.identity.system_assigned {
                v.push(cx.system_identity_words(&w.id));
            }
            v.extend(w.identity.user_assigned.iter().map(user_identity_words));
            v
        })
        .collect();
    let declared_identity = match candidates.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    };
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let principal = match g.principal.kind {
            PrincipalKind::External => {
                let Some(id) = g.principal.id.clone() else {
                    continue;
                };
                if cx.policy.external_principal_allowed(&id).is_some() {
                    continue;
                }
                PrincipalSource::Literal(id)
            }
            PrincipalKind::Parameter => {
                PrincipalSource::Parameter(g.principal.parameter.clone().unwrap_or_default())
            }
            _ => continue,
        };
        let violation = HardcodedPrincipal {
            role: cx.role_name(g),
            scope: resource_words(&g.scope),
            principal,
            declared_identity: declared_identity.clone(),
        };
        out.push(
            Finding::new(
                &violation,
                cx.locate_in(&g.location, "/properties/principalId"),
            )
            .with_label(Some(g.location.clone()), "in this role assignment")
            .with_subject(cx.grant_subject(g)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const GUID: &str = "3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93";

    #[test]
    fn fires_for_a_literal_guid_and_names_the_declared_identity() {
        let mut m = model();
        m.workloads.push(workflow("export", Some(system())));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains(GUID));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Logic App workflow 'export'"));
    }

    #[test]
    fn fires_for_a_parameter_principal() {
        let mut m = model();
        let mut p = external_principal(GUID);
        p.kind = PrincipalKind::Parameter;
        p.id = None;
        p.parameter = Some("principalId".into());
        m.grants.push(grant(BLOB_CONTRIBUTOR, RG, p));
        let f = run_rule(&m, &default_policy(), check);
        assert!(f[0].message.contains("parameter 'principalId'"));
    }

    #[test]
    fn silent_for_allowed_externals_and_declared_identities() {
        let mut m = model();
        let w = workflow("export", Some(system()));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, system_principal(&w)));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let allow = policy(&format!(
            "version: 1\nexternal_principals:\n  - id: {GUID}\n    reason: platform team's deployment group\n"
        ));
        assert!(run_rule(&m, &allow, check).is_empty());
    }
}
