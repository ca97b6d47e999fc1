//! RA008: a role assignment name that is not a deterministic guid of scope, principal and role.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose `name` is not a deterministic `guid()` over its scope,
    /// principal and role: `newGuid()` (a new name every deployment), a parameter or literal GUID
    /// (the same name whatever the principal), or a `guid()` that leaves out the principal.
    ///
    /// ## Why is this bad?
    /// Role assignment names are GUIDs that must be unique and cannot be updated in place. A new
    /// name for an existing principal + role + scope fails with `RoleAssignmentExists`. The same
    /// name after the principal changed (a recreated system identity) fails with
    /// `RoleAssignmentUpdateNotPermitted`. `guid(scope, principalId, roleId)` avoids both.
    ///
    /// ## Example
    /// ```json
    /// "name": "[guid(resourceGroup().id, variables('roleId'))]"
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "name": "[guid(resourceGroup().id, reference(variables('wfId'), '2019-05-01', 'full').identity.principalId, variables('roleId'))]"
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: RoleAssignmentExists, RoleAssignmentUpdateNotPermitted](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    /// - [Create Azure RBAC resources with Bicep: name](https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac#name)
    pub const RULE = ("RA008", "unstable-assignment-name", RoleAssignment, Warning);
}

/// Why the name is unstable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// `newGuid()`: a new name on every deployment.
    NewGuid,
    /// A parameter or literal: the name does not follow the principal.
    Fixed(String),
    /// A `guid()` whose arguments do not include the principal.
    GuidWithoutPrincipal,
}

/// A role assignment with an unstable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnstableAssignmentName {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub problem: NameProblem,
}

impl Violation for UnstableAssignmentName {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let head = format!(
            "the grant of '{}' on {} to {}",
            self.role, self.scope, self.identity
        );
        match &self.problem {
            NameProblem::NewGuid => format!(
                "{head} is named with newGuid(): every redeployment creates a new assignment name and fails with RoleAssignmentExists"
            ),
            NameProblem::Fixed(what) => format!(
                "{head} is named by {what}, which does not change with the principal: after the identity is recreated the redeployment fails with RoleAssignmentUpdateNotPermitted"
            ),
            NameProblem::GuidWithoutPrincipal => format!(
                "{head} is named by a guid() that does not include the principal: after the identity is recreated the redeployment fails with RoleAssignmentUpdateNotPermitted"
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("name it `guid(<scope id>, <principal id>, <role definition id>)`".to_string())
    }
}
