//! RA010: a role definition that is neither built-in nor defined anywhere known.

use crate::context::{is_deployed, resource_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose role definition id is not a built-in role, not a custom role
    /// declared in the template (`Microsoft.Authorization/roleDefinitions`) and not in a role
    /// catalogue given with `--roles`.
    ///
    /// ## Why is this bad?
    /// Without the role's actions the gate cannot tell what the grant allows, so it cannot say the
    /// grant is least privilege. It is also often a typo: several public tables list wrong GUIDs
    /// for common roles (e.g. Storage Blob Data Reader), and a wrong GUID fails at deployment with
    /// `RoleDefinitionDoesNotExist`.
    ///
    /// ## Example
    /// ```json
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6b94-4a3d-8e5a-a7d8f8cc8a12')]"
    /// ```
    ///
    /// Use instead: the real built-in id (Storage Blob Data Reader):
    /// ```json
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')]"
    /// ```
    /// For a custom role, declare it in the template or pass its definition with `--roles roles.json`
    /// (`az role definition list --custom-role-only true --output json`).
    ///
    /// ## References
    /// - [Azure built-in roles](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles)
    /// - [Azure custom roles](https://learn.microsoft.com/azure/role-based-access-control/custom-roles)
    pub const RULE = ("RA010", "unknown-role", RoleAssignment, Error);
}

/// A grant of a role the catalogue does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole {
    /// The role definition GUID (or id as written).
    pub role_id: String,
    /// The identity in words.
    pub identity: String,
    /// The scope in words.
    pub scope: String,
}

impl Violation for UnknownRole {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "role definition '{}' granted to {} on {} is not a built-in role, nor defined in the template or the supplied role catalogue: what it allows cannot be judged",
            self.role_id, self.identity, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        Some("check the GUID against `az role definition list`, or pass the custom role with `--roles FILE`".to_string())
    }
}

/// Every grant whose (resolved) role definition is in no catalogue.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || g.role.id.contains('{') || g.role.id.is_empty() {
            continue;
        }
        if cx.role_of(g).is_some() {
            continue;
        }
        let violation = UnknownRole {
            role_id: g.role.id.clone(),
            identity: cx.principal_words(g),
            scope: resource_words(&g.scope),
        };
        out.push(cx.role_finding(&violation, g));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_the_well_known_wrong_blob_reader_guid() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants.push(grant(
            "2a2b9908-6b94-4a3d-8e5a-a7d8f8cc8a12",
            RG,
            system_principal(&w),
        ));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("2a2b9908-6b94-4a3d-8e5a-a7d8f8cc8a12"));
    }

    #[test]
    fn silent_for_built_in_and_unresolved_roles() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        m.grants.push(grant(
            "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
            RG,
            system_principal(&w),
        ));
        m.grants
            .push(grant("{parameter 'roleId'}", RG, system_principal(&w)));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
