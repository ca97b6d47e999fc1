//! RA008: a role assignment name that is not a deterministic guid of scope, principal and role.

use access::{Grant, GrantKind, PrincipalKind};
use arm::{Origin, Unknown, Value};

use crate::context::{is_deployed, resource_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose `name` is not a deterministic `guid()` over its scope,
    /// principal and role: `newGuid()` (a new name every deployment), a parameter or literal GUID
    /// (the same name whatever the principal), or a `guid()` that leaves out the principal. The
    /// name is judged from its evaluated value, however it is built (in a variable, a module
    /// parameter, a user function): what it was made from, and whether the principal (its object
    /// id, or the id or name of the identity's resource) is among it. A name made from values the
    /// gate cannot see (another resource's runtime state) is not judged.
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
        let Some(problem) = name_problem(g) else {
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

/// What is wrong with the grant's name, judged from its evaluated value: what it was made from
/// (`newGuid()`, parameters, the principal, `guid()` arguments) and whether that follows the
/// principal. `None` when the name is fine or nothing can be told.
fn name_problem(g: &Grant) -> Option<NameProblem> {
    match &g.name_value {
        Value::Unknown(u) => unknown_name_problem(g, u),
        // A name whose expression failed to evaluate is reported as a template error.
        Value::String(_) if !g.name_resolved => None,
        Value::String(_) => match &g.name_guid_arguments {
            Some(arguments) => {
                let follows = arguments.iter().any(|a| names_principal(g, a));
                (!follows && principal_comparable(g)).then_some(NameProblem::GuidWithoutPrincipal)
            }
            None => Some(NameProblem::Fixed(fixed_words(g))),
        },
        _ => None,
    }
}

/// An unknown name: `newGuid()` anywhere in it, or inputs none of which is the principal.
fn unknown_name_problem(g: &Grant, name: &Unknown) -> Option<NameProblem> {
    let roots = leaf_origins(name);
    if roots.iter().any(
        |o| matches!(o, Origin::NonDeterministic { function } if function.eq_ignore_ascii_case("newGuid")),
    ) {
        return Some(NameProblem::NewGuid);
    }
    if g.principal.kind == PrincipalKind::Unresolved {
        return None;
    }
    let principal_roots: Vec<&Origin> = g
        .principal_value
        .as_unknown()
        .map(leaf_origins)
        .unwrap_or_default();
    let follows = roots
        .iter()
        .any(|o| principal_roots.contains(o) || origin_names_principal(g, o));
    if follows {
        return None;
    }
    // The identity's own name is unknown (`resourceId(..., parameters('name'))`): a parameter
    // among the name's inputs may be that name.
    let principal_named_by_unknown = g
        .principal
        .resource
        .as_ref()
        .is_some_and(|r| r.has_unknown_parts());
    if principal_named_by_unknown && roots.iter().any(|o| matches!(o, Origin::Parameter { .. })) {
        return None;
    }
    // Only parameters (and resource ids built from them) decide the name: it stays the same
    // whatever the principal. Anything else (another resource's runtime state) cannot be judged.
    let parameters: Vec<&str> = roots
        .iter()
        .filter_map(|o| match o {
            Origin::Parameter { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if !roots
        .iter()
        .all(|o| matches!(o, Origin::Parameter { .. }) || is_resource_id(o))
    {
        return None;
    }
    if made_by_guid(name) {
        return Some(NameProblem::GuidWithoutPrincipal);
    }
    match parameters.as_slice() {
        [one] => Some(NameProblem::Fixed(format!("parameter '{one}'"))),
        _ => None,
    }
}

/// The origins an unknown is made from, looking through resource ids built from unknowns.
fn leaf_origins(u: &Unknown) -> Vec<&Origin> {
    let mut out = Vec::new();
    let mut pending = vec![u];
    while let Some(u) = pending.pop() {
        match u.origin() {
            Origin::Derived { inputs, .. } => pending.extend(inputs.iter()),
            o @ Origin::PartialResourceId { inputs, .. } => {
                out.push(o);
                pending.extend(inputs.iter());
            }
            o => out.push(o),
        }
    }
    out
}

fn is_resource_id(o: &Origin) -> bool {
    matches!(o, Origin::PartialResourceId { .. })
}

/// Whether `guid()` computed the unknown (at its top, or under string operations).
fn made_by_guid(u: &Unknown) -> bool {
    match u.origin() {
        Origin::Derived {
            operation, inputs, ..
        } => operation.eq_ignore_ascii_case("guid") || inputs.iter().any(made_by_guid),
        _ => false,
    }
}

/// Whether an unknown input is the principal or its identity's resource.
fn origin_names_principal(g: &Grant, o: &Origin) -> bool {
    let Some(resource) = &g.principal.resource else {
        return false;
    };
    match o {
        Origin::RuntimeProperty { resource: r, .. } => {
            r.id.eq_ignore_ascii_case(resource.as_str())
                || resource
                    .resource_type()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&r.resource_type))
                    && resource
                        .name()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&r.name))
        }
        Origin::PartialResourceId { resource_type, .. } => resource
            .resource_type()
            .is_some_and(|t| t.eq_ignore_ascii_case(resource_type)),
        _ => false,
    }
}

/// Whether a known name can be checked against the principal: the principal is known well
/// enough to be found among the name's arguments, or is only known at deployment (so a name
/// known now cannot follow it). An empty placeholder (`principalId: ""` in a parameter file)
/// could be among any arguments: it cannot be told.
fn principal_comparable(g: &Grant) -> bool {
    let p = &g.principal;
    match p.kind {
        PrincipalKind::Unresolved | PrincipalKind::Invalid => false,
        // Whoever runs the deployment: a redeploy by another identity changes it.
        PrincipalKind::Deployer => true,
        PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned => p.resource.is_some(),
        PrincipalKind::Parameter | PrincipalKind::External => match &g.principal_value {
            Value::Unknown(_) => true,
            Value::String(s) => !s.trim().is_empty(),
            _ => p.id.is_some(),
        },
    }
}

/// Whether a known `guid()` argument names the principal: its object id, or the id or name of
/// the identity's resource (Bicep's `guid(scope.id, workload.id, role.id)`).
fn names_principal(g: &Grant, argument: &str) -> bool {
    let a = argument.to_ascii_lowercase();
    let contains = |needle: &str| !needle.is_empty() && a.contains(&needle.to_ascii_lowercase());
    let p = &g.principal;
    if p.id.as_deref().is_some_and(contains) || g.principal_value.as_str().is_some_and(contains) {
        return true;
    }
    // The identity's id, or its name (`guid(concat(identityName, rg.id))`): names shorter than
    // three characters would be found in anything.
    p.resource.as_ref().is_some_and(|id| {
        contains(id.as_str())
            || id
                .name()
                .is_some_and(|n| n.eq_ignore_ascii_case(argument) || (n.len() >= 3 && contains(n)))
    })
}

/// What a name that is no `guid()` is, in words.
fn fixed_words(g: &Grant) -> String {
    let text = g.name_expression.as_deref().map(str::trim).unwrap_or("");
    if !arm::eval::is_expression(text) {
        let guid = g.name.len() == 36 && g.name.chars().filter(|c| *c == '-').count() == 4;
        return if guid {
            "a literal GUID"
        } else {
            "a literal name"
        }
        .to_string();
    }
    match whole_parameter(text) {
        Some(param) => format!("parameter '{param}'"),
        None => format!("the fixed value '{}'", g.name),
    }
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

    fn judged(name: Value, expr: Option<&str>, guid_arguments: Option<&[&str]>) -> Vec<Finding> {
        let mut m = model();
        let w = workflow("export", Some(system()));
        let mut g = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        g.name_value = name;
        g.name_expression = expr.map(str::to_string);
        g.name_guid_arguments = guid_arguments.map(|a| a.iter().map(|s| s.to_string()).collect());
        m.grants.push(g);
        m.workloads.push(w);
        run_rule(&m, &default_policy(), check)
    }

    fn known(guid: &str) -> Value {
        Value::String(guid.into())
    }

    fn new_guid() -> Unknown {
        Unknown::new(Origin::NonDeterministic {
            function: "newGuid".into(),
        })
    }

    const NAME: &str = "5f0c1d9e-0000-4000-8000-000000000001";

    #[test]
    fn new_guid_names_fail_with_role_assignment_exists() {
        // Directly, or through a guid() over a newGuid() parameter default.
        for name in [
            Value::Unknown(new_guid()),
            Value::Unknown(Unknown::derived("guid", vec![new_guid()])),
        ] {
            let f = judged(name, Some("[variables('name')]"), None);
            assert_eq!(f.len(), 1, "{f:#?}");
            assert!(f[0].message.contains("newGuid()"), "{}", f[0].message);
            assert!(f[0].message.contains("RoleAssignmentExists"));
        }
    }

    #[test]
    fn stable_names_without_the_principal_fail_with_update_not_permitted() {
        let p = judged(known(NAME), Some("[parameters('raName')]"), None);
        assert!(
            p[0].message.contains("parameter 'raName'"),
            "{}",
            p[0].message
        );
        assert!(p[0].message.contains("RoleAssignmentUpdateNotPermitted"));
        let l = judged(known(NAME), None, None);
        assert!(l[0].message.contains("a literal GUID"), "{}", l[0].message);
        // A guid() of known values, none of which is the principal, built in a variable.
        let g = judged(
            known(NAME),
            Some("[variables('assignmentName')]"),
            Some(&[RG, "ba92f5b4-2d11-453d-a403-e96b0029c9fe"]),
        );
        assert!(
            g[0].message.contains("does not include the principal"),
            "{}",
            g[0].message
        );
        assert!(g[0].message.contains("RoleAssignmentUpdateNotPermitted"));
    }

    #[test]
    fn silent_for_names_that_follow_the_principal() {
        let wf = format!("{RG}/providers/Microsoft.Logic/workflows/export");
        // guid(scope, workload.id, role), the Bicep way, whatever the expression looked like.
        assert!(judged(known(NAME), Some("[variables('n')]"), Some(&[RG, &wf, "r"])).is_empty());
        // guid(scope, reference(workload).identity.principalId, role): unknown, made from the
        // principal.
        let principal = Unknown::new(Origin::RuntimeProperty {
            resource: arm::ResourceRef {
                id: wf.clone(),
                resource_type: "Microsoft.Logic/workflows".into(),
                name: "export".into(),
                symbol: None,
            },
            path: "identity.principalId".into(),
        });
        let name = Value::Unknown(Unknown::derived("guid", vec![principal]));
        assert!(judged(name, Some("[variables('n')]"), None).is_empty());
    }

    #[test]
    fn different_unknowns_are_not_the_principal() {
        // guid() over a parameter with no value that is not the principal: stable whatever
        // the principal.
        let param = Unknown::new(Origin::Parameter {
            name: "storageName".into(),
            key_vault_reference: false,
        });
        let f = judged(
            Value::Unknown(Unknown::derived("guid", vec![param])),
            Some("[guid(parameters('storageName'))]"),
            None,
        );
        assert!(
            f[0].message.contains("does not include the principal"),
            "{f:#?}"
        );
    }
}
