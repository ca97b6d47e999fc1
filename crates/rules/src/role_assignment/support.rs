//! What several RA rules share: the needs of an identity's calls under a scope.

use access::{Grant, PrincipalKind, ResourceId};

use crate::context::Cx;

/// The actions and data actions an identity's calls need on targets at or under `scope`, and those
/// targets. Empty when no call of the identity is known to need anything there.
pub(crate) fn needs_under(
    cx: &Cx,
    kind: PrincipalKind,
    identity: &ResourceId,
    scope: &ResourceId,
) -> (Vec<String>, Vec<String>, Vec<ResourceId>) {
    let mut actions = Vec::new();
    let mut data_actions = Vec::new();
    let mut targets = Vec::new();
    for u in cx.usages_as(kind, identity) {
        if u.needs.is_empty() {
            continue;
        }
        let Some(target) = &u.target_resource else {
            continue;
        };
        if !target.is_at_or_under(scope) {
            continue;
        }
        actions.extend(u.needs.actions.iter().cloned());
        data_actions.extend(u.needs.data_actions.iter().cloned());
        if !targets.contains(target) {
            targets.push(target.clone());
        }
    }
    actions.sort();
    actions.dedup();
    data_actions.sort();
    data_actions.dedup();
    (actions, data_actions, targets)
}

/// The needs of the identity a grant names, under the grant's scope.
pub(crate) fn grant_needs(cx: &Cx, grant: &Grant) -> (Vec<String>, Vec<String>, Vec<ResourceId>) {
    match &grant.principal.resource {
        Some(id) => needs_under(cx, grant.principal.kind, id, &grant.scope),
        None => (Vec::new(), Vec::new(), Vec::new()),
    }
}

/// Built-in data and service roles reviewers know (shared/docs/domain.md §4). Suggestions come
/// from these first, so a blob writer is told "Storage Blob Data Contributor", not an obscure role
/// from another product that happens to hold the same action.
const WELL_KNOWN_ROLES: &[&str] = &[
    "Key Vault Secrets User",
    "Key Vault Reader",
    "Key Vault Crypto User",
    "Key Vault Secrets Officer",
    "Key Vault Certificates Officer",
    "Storage Blob Data Reader",
    "Storage Blob Data Contributor",
    "Storage Queue Data Message Sender",
    "Storage Queue Data Reader",
    "Storage Queue Data Message Processor",
    "Storage Queue Data Contributor",
    "Storage Table Data Reader",
    "Storage Table Data Contributor",
    "Azure Service Bus Data Sender",
    "Azure Service Bus Data Receiver",
    "Azure Event Hubs Data Sender",
    "Azure Event Hubs Data Receiver",
    "EventGrid Data Sender",
    "Logic App Operator",
    "App Configuration Data Reader",
    "App Configuration Data Owner",
    "Monitoring Metrics Publisher",
    "Reader",
];

/// The role to suggest for these needs: the narrowest well-known role holding them, else the
/// catalogue's narrowest built-in role.
pub(crate) fn suggest_role<'c>(
    catalogue: &'c access::RoleCatalogue,
    actions: &[String],
    data_actions: &[String],
) -> Option<&'c access::RoleDefinition> {
    if actions.is_empty() && data_actions.is_empty() {
        return None;
    }
    WELL_KNOWN_ROLES
        .iter()
        .filter_map(|name| catalogue.by_name(name))
        .filter(|r| r.allows_all(actions, data_actions))
        .min_by(|a, b| {
            (a.privilege, a.breadth(), &a.name).cmp(&(b.privilege, b.breadth(), &b.name))
        })
        .or_else(|| catalogue.narrowest_builtin_for(actions, data_actions))
}

/// What a policy assignment's identity needs, when the grant's identity is one.
pub(crate) enum PolicyAssignmentNeeds {
    /// The identity is not (only) a policy assignment's.
    NotAPolicyAssignment,
    /// A policy assignment whose definition the plans do not hold (built-in, `existing`, known
    /// only at deployment): what it needs is in that definition's `roleDefinitionIds`.
    Unread,
    /// The role GUIDs its definition lists for remediation, with their names.
    Listed(Vec<(String, String)>),
}

/// Whether the grant's identity is a policy assignment's, and what its definition lists for
/// DeployIfNotExists and Modify remediation (`policyRule.then.details.roleDefinitionIds`).
pub(crate) fn policy_assignment_needs(cx: &Cx, g: &Grant) -> PolicyAssignmentNeeds {
    let holders = cx.workloads_of(g);
    let [first] = holders.as_slice() else {
        return PolicyAssignmentNeeds::NotAPolicyAssignment;
    };
    // The assignment of the grant's own template run: another template of a directory may
    // declare an assignment with the same id and another definition (a module file run alone).
    let w = match g.principal.kind {
        PrincipalKind::SystemAssigned => cx
            .model
            .workloads
            .iter()
            .find(|w| w.id == first.id && w.source == g.source)
            .unwrap_or(first),
        _ => first,
    };
    if !is_policy_assignment(w) {
        return PolicyAssignmentNeeds::NotAPolicyAssignment;
    }
    match &w.remediation_roles {
        None => PolicyAssignmentNeeds::Unread,
        Some(r) => PolicyAssignmentNeeds::Listed(
            r.roles
                .iter()
                .map(|id| {
                    let name = cx
                        .options
                        .catalogue
                        .get(id)
                        .map(|d| d.name.clone())
                        .unwrap_or_else(|| id.clone());
                    (id.clone(), name)
                })
                .collect(),
        ),
    }
}

/// Whether a workload is a policy assignment (its identity remediates at the assignment's scope).
pub(crate) fn is_policy_assignment(w: &access::Workload) -> bool {
    w.resource_type
        .eq_ignore_ascii_case("Microsoft.Authorization/policyAssignments")
}

/// "'Monitoring Contributor' and 'Log Analytics Contributor'".
pub(crate) fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
