//! Workloads (resources running under an identity) and user-assigned identities.

use arm::plan::PlannedResource;
use arm::Value;

use super::{str_at, value_at, Ctx};
use crate::model::{
    AccessModel, ComputedIdentity, IdentityAttachment, IdentityProblem, RemediationRoles,
    UserAssignedIdentity, Workload, WorkloadPlan,
};
use crate::resource_id::ResourceId;

/// Type of user-assigned identities.
pub(crate) const UAMI_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

/// Which plan a resource is, or `None` if it is not a workload.
pub(crate) fn workload_plan(resource: &PlannedResource) -> Option<WorkloadPlan> {
    let t = resource.resource_type.to_ascii_lowercase();
    if t == "microsoft.logic/workflows" {
        return Some(WorkloadPlan::Consumption);
    }
    if t == "microsoft.web/sites" {
        let kind = str_at(&resource.body, &["kind"]).unwrap_or_default();
        if kind.to_ascii_lowercase().contains("workflowapp") {
            return Some(WorkloadPlan::Standard);
        }
    }
    if t == UAMI_TYPE.to_ascii_lowercase() || t == "microsoft.resources/deployments" {
        return None;
    }
    match resource.get("identity") {
        Some(Value::Null) | None => None,
        Some(_) => Some(WorkloadPlan::Other),
    }
}

/// Adds the plan's workloads and declared user-assigned identities.
pub(crate) fn collect(ctx: &Ctx, model: &mut AccessModel) {
    for r in &ctx.plan.resources {
        if r.resource_type.eq_ignore_ascii_case(UAMI_TYPE) {
            let id = ResourceId::parse(&r.id);
            if model.identities.iter().any(|i| i.id == id && i.declared) {
                continue;
            }
            model.identities.retain(|i| i.id != id);
            model.identities.push(UserAssignedIdentity {
                name: id.name().unwrap_or(&r.name).to_string(),
                id,
                declared: true,
                existing: r.existing,
                deployed: Some(ctx.deployed(r)),
                attached_to: Vec::new(),
                location: r.location.clone(),
                managed_by: None,
            });
            continue;
        }
        let Some(plan) = workload_plan(r) else {
            continue;
        };
        let mut identity = normalise_identity(r.get("identity"), plan);
        identity.computed = computed_identity(ctx, r);
        let tags = match r.get("tags") {
            Some(Value::Object(o)) => o
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => Default::default(),
        };
        model.workloads.push(Workload {
            resource_type: r.resource_type.clone(),
            name: r.name.clone(),
            id: ResourceId::parse(&r.id),
            kind: str_at(&r.body, &["kind"]).map(str::to_string),
            plan,
            deployed: ctx.deployed(r),
            existing: r.existing,
            region: str_at(&r.body, &["location"]).map(str::to_string),
            symbol: r.symbol.clone(),
            deployment: r.deployment.clone(),
            identity,
            usages: Vec::new(),
            tags,
            // Set by `build_all` to the plan's index.
            source: 0,
            location: r.location.clone(),
            remediation_roles: remediation_roles(ctx, r),
        });
    }
}

const POLICY_ASSIGNMENT: &str = "Microsoft.Authorization/policyAssignments";
const POLICY_DEFINITION: &str = "Microsoft.Authorization/policyDefinitions";
const POLICY_SET: &str = "Microsoft.Authorization/policySetDefinitions";

/// For a policy assignment whose definition is declared in the plan (a policy definition, or a
/// policy set whose every member definition is): the roles those definitions list for
/// remediation, `policyRule.then.details.roleDefinitionIds`. `None` when any definition is not in
/// the plan (a built-in, an `existing` one, an id known only at deployment): the gate does not
/// guess what a definition it cannot read needs.
fn remediation_roles(ctx: &Ctx, r: &PlannedResource) -> Option<RemediationRoles> {
    if !r.resource_type.eq_ignore_ascii_case(POLICY_ASSIGNMENT) {
        return None;
    }
    let definition = str_at(&r.body, &["properties", "policyDefinitionId"])?;
    let declared = |id: &str, ty: &str| {
        let wanted = ResourceId::parse(id);
        ctx.plan.resources.iter().find(|d| {
            !d.existing
                && d.resource_type.eq_ignore_ascii_case(ty)
                && ResourceId::parse(&d.id) == wanted
        })
    };
    let mut roles: Vec<String> = Vec::new();
    let mut add_roles_of = |d: &PlannedResource| {
        let ids = value_at(
            &d.body,
            &[
                "properties",
                "policyRule",
                "then",
                "details",
                "roleDefinitionIds",
            ],
        );
        if let Some(Value::Array(ids)) = ids {
            for id in ids.iter().filter_map(Value::as_str) {
                let guid = crate::catalogue::role_guid(id);
                if !roles.contains(&guid) {
                    roles.push(guid);
                }
            }
        }
    };
    if let Some(d) = declared(definition, POLICY_DEFINITION) {
        add_roles_of(d);
    } else {
        let set = declared(definition, POLICY_SET)?;
        let Some(Value::Array(members)) = value_at(&set.body, &["properties", "policyDefinitions"])
        else {
            return None;
        };
        for m in members {
            let id = str_at(m, &["policyDefinitionId"])?;
            add_roles_of(declared(id, POLICY_DEFINITION)?);
        }
    }
    Some(RemediationRoles {
        definition: definition.to_string(),
        roles,
    })
}

/// How a resource's `identity` is computed, when its declaration holds an expression.
fn computed_identity(ctx: &Ctx, r: &PlannedResource) -> Option<ComputedIdentity> {
    let declared = r
        .declared
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("identity"))?
        .1;
    let mut expressions = Vec::new();
    expression_strings(declared, &mut expressions);
    if expressions.is_empty() {
        return None;
    }
    let variables = ctx.template_variables(r);
    let variables = variables.as_ref().and_then(|v| v.as_object());
    let mut parameters = Vec::new();
    let mut seen_variables = Vec::new();
    for e in expressions {
        parameters_read(e, variables, &mut seen_variables, &mut parameters);
    }
    Some(ComputedIdentity {
        evaluates_to_null: matches!(r.get("identity"), None | Some(Value::Null)),
        parameters,
    })
}

/// Every ARM expression string (`[...]`, not `[[`) inside a declared JSON value.
fn expression_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => {
            let t = s.trim();
            if t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']') {
                out.push(t);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| expression_strings(c, out)),
        serde_json::Value::Object(o) => o.values().for_each(|c| expression_strings(c, out)),
        _ => {}
    }
}

/// Adds the parameters `expr` reads to `out`, following `variables('v')` into the template's
/// variables (each variable once, so cycles end).
fn parameters_read(
    expr: &str,
    variables: Option<&serde_json::Map<String, serde_json::Value>>,
    seen: &mut Vec<String>,
    out: &mut Vec<String>,
) {
    for name in call_arguments(expr, "parameters") {
        if !out.iter().any(|p| p.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    let Some(variables) = variables else {
        return;
    };
    for name in call_arguments(expr, "variables") {
        if seen.iter().any(|v| v.eq_ignore_ascii_case(&name)) {
            continue;
        }
        seen.push(name.clone());
        let Some((_, value)) = variables
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
        else {
            continue;
        };
        let mut inner = Vec::new();
        expression_strings(value, &mut inner);
        for e in inner {
            parameters_read(e, Some(variables), seen, out);
        }
    }
}

/// The literal first arguments of every `function('x')` call in `expr` (case-insensitive name,
/// not part of a longer name such as `lambdaVariables`).
fn call_arguments(expr: &str, function: &str) -> Vec<String> {
    let lower = expr.to_ascii_lowercase();
    let needle = format!("{function}(");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle).map(|i| i + from) {
        from = i + needle.len();
        let boundary = lower[..i]
            .chars()
            .last()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
        if !boundary {
            continue;
        }
        let rest = expr[from..].trim_start();
        let Some(rest) = rest.strip_prefix('\'') else {
            continue;
        };
        if let Some(end) = rest.find('\'') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Normalises an `identity` block: type split on commas and trimmed, case-insensitive.
pub fn normalise_identity(identity: Option<&Value>, plan: WorkloadPlan) -> IdentityAttachment {
    let mut out = IdentityAttachment::default();
    // A whole identity only known at deployment: its type is unresolved, not absent.
    if let Some(Value::Unknown(u)) = identity {
        out.problems.push(IdentityProblem::UnresolvedType {
            depends_on: u.to_string(),
        });
        return out;
    }
    let Some(identity @ Value::Object(_)) = identity else {
        return out;
    };
    let mut wants_user = false;
    match identity.get("type") {
        Some(Value::String(t)) => {
            out.declared_type = Some(t.clone());
            for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.to_ascii_lowercase().as_str() {
                    "systemassigned" => out.system_assigned = true,
                    "userassigned" => wants_user = true,
                    "none" => {}
                    _ => out
                        .problems
                        .push(IdentityProblem::UnknownType { value: t.clone() }),
                }
            }
        }
        Some(Value::Unknown(u)) => {
            out.declared_type = Some(Value::Unknown(u.clone()).to_display_string());
            out.problems.push(IdentityProblem::UnresolvedType {
                depends_on: u.to_string(),
            });
        }
        Some(other) => {
            out.declared_type = Some(other.to_display_string());
            out.problems.push(IdentityProblem::UnknownType {
                value: other.to_display_string(),
            });
        }
        None => {}
    }
    let listed: Vec<ResourceId> = match identity.get("userAssignedIdentities") {
        Some(Value::Object(o)) => o.keys().map(|k| ResourceId::parse(k)).collect(),
        Some(Value::Unknown(u)) => {
            // Not "none listed": which identities are attached is decided at deployment.
            out.problems.push(IdentityProblem::UnresolvedUserAssigned {
                depends_on: u.to_string(),
            });
            return finish_identity(out, plan);
        }
        _ => Vec::new(),
    };
    if wants_user {
        if listed.is_empty() {
            out.problems.push(IdentityProblem::UserAssignedListEmpty);
        }
        out.user_assigned = listed;
    } else if !listed.is_empty() {
        out.problems.push(IdentityProblem::UserAssignedListIgnored);
    }
    finish_identity(out, plan)
}

/// The checks that need the whole identity: Consumption's one-identity limit.
fn finish_identity(mut out: IdentityAttachment, plan: WorkloadPlan) -> IdentityAttachment {
    if plan == WorkloadPlan::Consumption {
        if out.system_assigned && !out.user_assigned.is_empty() {
            out.problems.push(IdentityProblem::ConsumptionBothKinds);
        }
        if out.user_assigned.len() > 1 {
            out.problems
                .push(IdentityProblem::ConsumptionMultipleUserAssigned {
                    count: out.user_assigned.len(),
                });
        }
    }
    out
}

/// Records which workloads attach each user-assigned identity, adding identities that are only
/// referenced by id.
pub(crate) fn link_identities(model: &mut AccessModel) {
    for i in &mut model.identities {
        i.attached_to.clear();
    }
    for w in &model.workloads {
        for ua in &w.identity.user_assigned {
            match model.identities.iter_mut().find(|i| &i.id == ua) {
                Some(i) => {
                    if !i.attached_to.contains(&w.id) {
                        i.attached_to.push(w.id.clone())
                    }
                }
                None => model.identities.push(UserAssignedIdentity {
                    id: ua.clone(),
                    name: ua.name().unwrap_or(ua.as_str()).to_string(),
                    declared: false,
                    existing: false,
                    deployed: None,
                    attached_to: vec![w.id.clone()],
                    location: w.location.clone(),
                    managed_by: None,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(json: serde_json::Value, plan: WorkloadPlan) -> IdentityAttachment {
        normalise_identity(Some(&Value::from_json(&json)), plan)
    }

    const UA: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u1";

    #[test]
    fn combined_type_with_and_without_space() {
        for t in [
            "SystemAssigned, UserAssigned",
            "SystemAssigned,UserAssigned",
            "systemassigned ,userAssigned",
        ] {
            let i = ident(
                serde_json::json!({"type": t, "userAssignedIdentities": {UA: {}}}),
                WorkloadPlan::Standard,
            );
            assert!(i.system_assigned, "{t}");
            assert_eq!(i.user_assigned, vec![ResourceId::parse(UA)], "{t}");
            assert!(i.problems.is_empty(), "{t}: {:?}", i.problems);
        }
    }

    #[test]
    fn none_and_unknown_types() {
        let i = ident(
            serde_json::json!({"type": "None"}),
            WorkloadPlan::Consumption,
        );
        assert!(!i.has_identity());
        assert!(i.problems.is_empty());
        let i = ident(
            serde_json::json!({"type": "SystemAssigned;UserAssigned"}),
            WorkloadPlan::Consumption,
        );
        assert!(matches!(i.problems[0], IdentityProblem::UnknownType { .. }));
        let i = normalise_identity(None, WorkloadPlan::Consumption);
        assert_eq!(i.declared_type, None);
    }

    #[test]
    fn consumption_limits() {
        let ua2 = UA.replace("u1", "u2");
        let i = ident(
            serde_json::json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {UA: {}, ua2.as_str(): {}}}),
            WorkloadPlan::Consumption,
        );
        assert!(i.problems.contains(&IdentityProblem::ConsumptionBothKinds));
        assert!(i
            .problems
            .contains(&IdentityProblem::ConsumptionMultipleUserAssigned { count: 2 }));
        let i = ident(
            serde_json::json!({"type": "SystemAssigned", "userAssignedIdentities": {UA: {}}}),
            WorkloadPlan::Consumption,
        );
        assert!(i
            .problems
            .contains(&IdentityProblem::UserAssignedListIgnored));
        assert!(i.user_assigned.is_empty());
    }
}
