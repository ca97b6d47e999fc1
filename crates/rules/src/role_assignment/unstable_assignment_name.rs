//! RA008: a role assignment name that is not a deterministic guid of scope, principal and role.

use access::{Grant, GrantKind, PrincipalKind};

use crate::context::{is_deployed, resource_words, Cx};
use crate::finding::Finding;
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

/// Every RBAC grant whose declared name is `newGuid()`, a fixed value, or a `guid()` without the
/// principal.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) || g.kind != GrantKind::Rbac {
            continue;
        }
        let Some(problem) = name_problem(cx, g) else {
            continue;
        };
        let violation = UnstableAssignmentName {
            identity: cx.principal_words(g),
            role: cx.role_name(g),
            scope: resource_words(&g.scope),
            problem,
        };
        out.push(
            Finding::new(&violation, cx.locate_in(&g.location, "/name"))
                .with_subject(cx.grant_subject(g)),
        );
    }
}

/// What is wrong with the grant's name expression, if anything can be told from it.
fn name_problem(cx: &Cx, g: &Grant) -> Option<NameProblem> {
    let Some(expr) = g.name_expression.as_deref() else {
        // No expression: the name was written literally.
        return Some(NameProblem::Fixed("a literal GUID".to_string()));
    };
    let text = expr.trim();
    if !text.starts_with('[') || text.starts_with("[[") {
        // Legacy `<resource>/Microsoft.Authorization/<guid>` names written literally.
        return Some(NameProblem::Fixed("a literal GUID".to_string()));
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("newguid(") {
        return Some(NameProblem::NewGuid);
    }
    if let Some(param) = whole_parameter(text) {
        return Some(NameProblem::Fixed(format!("parameter '{param}'")));
    }
    if !lower.contains("guid(") {
        // A variable or other indirection: cannot tell from the text.
        return None;
    }
    let mentions =
        |needle: &str| !needle.is_empty() && lower.contains(&needle.to_ascii_lowercase());
    let p = &g.principal;
    let includes_principal = mentions("principalId")
        || match (p.kind, &p.resource) {
            (PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned, Some(id)) => {
                // Bicep's `guid(scope.id, workload.id, role.id)` names the identity's resource.
                let symbol = cx.workload(id).and_then(|w| w.symbol.clone());
                mentions(&id.resource_type().unwrap_or_default())
                    || id.name().is_some_and(&mentions)
                    || symbol.is_some_and(|s| mentions(&s))
            }
            (PrincipalKind::Parameter, _) => p.parameter.as_deref().is_some_and(&mentions),
            (PrincipalKind::External, _) => p.id.as_deref().is_some_and(&mentions),
            _ => true,
        };
    (!includes_principal).then_some(NameProblem::GuidWithoutPrincipal)
}

/// `name` when the expression is exactly `[parameters('name')]`.
fn whole_parameter(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
    let lower = inner.to_ascii_lowercase();
    if !lower.starts_with("parameters(") || !inner.ends_with(')') {
        return None;
    }
    let arg = inner.get("parameters(".len()..inner.len() - 1)?.trim();
    let arg = arg.strip_prefix('\'')?.strip_suffix('\'')?;
    (!arg.contains('\'')).then_some(arg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn named(expr: Option<&str>) -> Vec<Finding> {
        let mut m = model();
        let w = workflow("export", Some(system()));
        let mut g = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        g.name_expression = expr.map(str::to_string);
        m.grants.push(g);
        m.workloads.push(w);
        run_rule(&m, &default_policy(), check)
    }

    #[test]
    fn fires_for_new_guid_parameters_literals_and_guids_without_the_principal() {
        assert!(named(Some("[newGuid()]"))[0].message.contains("newGuid()"));
        assert!(named(Some("[parameters('raName')]"))[0]
            .message
            .contains("parameter 'raName'"));
        assert!(named(None)[0].message.contains("a literal GUID"));
        let f = named(Some("[guid(resourceGroup().id, variables('roleId'))]"));
        assert!(f[0].message.contains("does not include the principal"));
    }

    #[test]
    fn silent_for_guids_over_the_principal_or_its_resource() {
        assert!(named(Some("[guid(resourceGroup().id, reference(resourceId('Microsoft.Logic/workflows', 'export'), '2019-05-01', 'full').identity.principalId, variables('r'))]")).is_empty());
        assert!(named(Some("[guid(resourceId('Microsoft.Storage/storageAccounts', 's'), resourceId('Microsoft.Logic/workflows', parameters('n')), variables('r'))]")).is_empty());
        assert!(
            named(Some("[variables('assignmentName')]")).is_empty(),
            "indirection: cannot tell"
        );
    }
}
