//! LV: checks against the live tenant (`rolegate check --live`). They run only when the options
//! carry [`LiveFacts`] read by `rolegate-azure`; one file per rule.

pub mod assignment_conflict;
pub mod identity_drift;
pub mod live_check_failed;
pub mod out_of_policy_existing_grant;
pub mod permissive_custom_role;
pub mod stale_assignment;

use access::live::LiveFacts;
use access::{Grant, GrantKind, PrincipalKind, ResourceId};
use arm::Location;

use crate::context::{is_deployed, Cx};

/// The live facts, when `--live` ran.
pub(crate) fn facts<'a>(cx: &Cx<'a>) -> Option<&'a LiveFacts> {
    cx.options.live
}

/// Deployed RBAC grants with a scope the tenant can be asked about.
pub(crate) fn live_grants<'a>(cx: &Cx<'a>) -> impl Iterator<Item = &'a Grant> + 'a {
    cx.model.grants.iter().filter(|g| {
        is_deployed(&g.deployed)
            && g.kind == GrantKind::Rbac
            && g.scope.is_absolute()
            && !g.scope.has_unknown_parts()
    })
}

/// The object id a planned grant's principal has today, when the tenant tells (and the deployment
/// keeps it): a literal id, a deployed user-assigned identity, a deployed system identity.
pub(crate) fn planned_principal_id<'a>(facts: &'a LiveFacts, grant: &'a Grant) -> Option<&'a str> {
    let p = &grant.principal;
    match (p.kind, &p.resource) {
        (PrincipalKind::External | PrincipalKind::Parameter, _) => p.id.as_deref(),
        (kind, Some(resource)) => facts.principal_id_of(kind, resource),
        _ => None,
    }
}

/// A principal in words, with its directory name when Graph gave one.
pub(crate) fn principal_named(facts: &LiveFacts, id: &str) -> String {
    match facts.principal(id).and_then(|p| p.display_name.as_deref()) {
        Some(name) => format!("principal {id} ('{name}')"),
        None => format!("principal {id}"),
    }
}

/// The role of an existing assignment in words: catalogue name, else the GUID.
pub(crate) fn role_words(cx: &Cx, role_guid: &str) -> String {
    cx.options
        .catalogue
        .get(role_guid)
        .map(|r| r.name.clone())
        .or_else(|| {
            cx.model
                .role_definitions
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(role_guid))
                .map(|r| r.name.clone())
        })
        .unwrap_or_else(|| role_guid.to_string())
}

/// Where a finding about a scope points: the first planned grant at that scope, else the first
/// workload with that id, else the first grant or workload of the model.
pub(crate) fn location_for(cx: &Cx, scope: &str) -> Option<Location> {
    let id = ResourceId::parse(scope);
    cx.model
        .grants
        .iter()
        .find(|g| g.scope == id)
        .map(|g| g.location.clone())
        .or_else(|| cx.model.workload(&id).map(|w| w.location.clone()))
        .or_else(|| {
            cx.model
                .identities
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.location.clone())
        })
        .or_else(|| cx.model.grants.first().map(|g| g.location.clone()))
        .or_else(|| cx.model.workloads.first().map(|w| w.location.clone()))
}

/// `az role assignment delete --ids <id>`.
pub(crate) fn delete_command(assignment_id: &str) -> String {
    format!("az role assignment delete --ids {assignment_id}")
}

/// Runs one LV rule over a model with these live facts.
#[cfg(test)]
pub(crate) fn run_live(
    model: &access::AccessModel,
    policy: &policy::Policy,
    facts: &LiveFacts,
    rule: fn(&Cx, &mut Vec<crate::finding::Finding>),
) -> Vec<crate::finding::Finding> {
    use crate::testing::{catalogue, today};
    let options = crate::context::CheckOptions::new(today(), catalogue()).with_live(facts);
    let cx = Cx::new(model, &[], policy, options);
    let mut out = Vec::new();
    rule(&cx, &mut out);
    out
}

/// An existing assignment for tests.
#[cfg(test)]
pub(crate) fn existing(
    name: &str,
    scope: &str,
    role: &str,
    principal: &str,
) -> access::live::ExistingAssignment {
    access::live::ExistingAssignment {
        id: format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
        name: name.into(),
        scope: ResourceId::parse(scope),
        role_definition_id: format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        role: role.into(),
        principal_id: principal.into(),
        principal_type: Some("ServicePrincipal".into()),
        condition: None,
    }
}

/// A deployed workload for tests.
#[cfg(test)]
pub(crate) fn deployed(
    id: &ResourceId,
    identity_type: Option<&str>,
    principal: Option<&str>,
) -> access::live::DeployedWorkload {
    access::live::DeployedWorkload {
        id: id.clone(),
        found: true,
        identity_type: identity_type.map(str::to_string),
        principal_id: principal.map(str::to_string),
        user_assigned: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn without_live_facts_no_lv_rule_reports() {
        let mut m = secret_reader_granted(CONTRIBUTOR, RG);
        m.workloads.push(workflow("other", Some(system())));
        let policy = default_policy();
        let cx = Cx::new(
            &m,
            &[],
            &policy,
            crate::context::CheckOptions::new(today(), catalogue()),
        );
        let mut out = Vec::new();
        for rule in [
            stale_assignment::check,
            identity_drift::check,
            assignment_conflict::check,
            out_of_policy_existing_grant::check,
            permissive_custom_role::check,
            live_check_failed::check,
        ] {
            rule(&cx, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
    }
}
