//! RA009: the same grant twice, or two assignments with one name.

use arm::Location;

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags two role assignments in one deployment that give the same principal the same role at
    /// the same scope, or that share the same assignment name.
    ///
    /// ## Why is this bad?
    /// Azure keeps one assignment per principal, role and scope: the second one fails the deployment
    /// with `RoleAssignmentExists`. Two resources with the same name overwrite each other or
    /// conflict. Either way the template does not describe what gets deployed.
    ///
    /// ## Example
    /// ```bicep
    /// resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId }
    /// }
    /// resource b 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, 'reader', secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId }
    /// }
    /// ```
    ///
    /// Use instead: declare the grant once.
    /// ```bicep
    /// resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId, principalType: 'ServicePrincipal' }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: RoleAssignmentExists](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    pub const RULE = ("RA009", "duplicate-grant", RoleAssignment, Error);
}

/// Two grants that collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGrant {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// The same assignment name (else: same principal, role and scope).
    pub same_name: Option<String>,
    /// Where the first of the two is declared.
    pub first: Location,
}

impl Violation for DuplicateGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.same_name {
            Some(name) => format!(
                "this role assignment has the same name '{name}' as the one at {}: the deployment conflicts",
                self.first
            ),
            None => format!(
                "{} is granted '{}' on {} twice (first at {}): the second assignment fails with RoleAssignmentExists",
                self.identity, self.role, self.scope, self.first
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("keep one of the two role assignments".to_string())
    }
}
