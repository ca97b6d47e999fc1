//! Grants: every role assignment form (domain.md §1.2), Cosmos DB SQL role assignments, and role
//! definitions declared in templates.

use arm::plan::{ConditionStatus, PlannedResource};
use arm::{Origin, ResourceRef, Unknown, Value};

use super::{is_guid, json_get_path, parameter_member_reference, str_at, value_at, Ctx};
use crate::catalogue::{cosmos_builtin_role, role_guid, Permission, RoleCatalogue, RoleDefinition};
use crate::model::{
    AccessModel, Grant, GrantKind, Principal, PrincipalKind, RoleRef, RoleSource, UnresolvedItem,
};
use crate::resource_id::{ResourceId, ScopeLevel};

use super::workloads::UAMI_TYPE;

const RBAC_TYPE: &str = "Microsoft.Authorization/roleAssignments";
const COSMOS_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments";
const ROLE_DEF_TYPE: &str = "Microsoft.Authorization/roleDefinitions";
const COSMOS_ROLE_DEF_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions";

/// Legacy `<ns>/<type>/providers/roleAssignments` form: returns the target type.
fn legacy_target_type(resource_type: &str) -> Option<&str> {
    let lower = resource_type.to_ascii_lowercase();
    let cut = lower.find("/providers/")?;
    if lower.ends_with("/providers/roleassignments") {
        Some(&resource_type[..cut])
    } else {
        None
    }
}

/// Role definitions declared (not `existing`) in the plan: ARM custom roles and Cosmos SQL roles.
pub(crate) fn template_roles(ctx: &Ctx) -> Vec<RoleDefinition> {
    let mut out = Vec::new();
    for r in &ctx.plan.resources {
        let arm_role = r.resource_type.eq_ignore_ascii_case(ROLE_DEF_TYPE);
        let cosmos_role = r.resource_type.eq_ignore_ascii_case(COSMOS_ROLE_DEF_TYPE);
        if r.existing || !(arm_role || cosmos_role) {
            continue;
        }
        let guid = declared_role_key(r);
        // A name known only at deployment is kept rendered (`{parameter 'roleName' …}`), which
        // messages put in a reviewer's words ("the role named by parameter 'roleName'").
        let name = value_at(&r.body, &["properties", "roleName"])
            .filter(|v| matches!(v, Value::String(_) | Value::Unknown(_)))
            .map(Value::to_display_string)
            .unwrap_or_else(|| guid.to_string());
        let permissions: Vec<Permission> = value_at(&r.body, &["properties", "permissions"])
            .map(Value::to_json)
            .and_then(|j| serde_json::from_value(j).ok())
            .unwrap_or_default();
        out.push(RoleDefinition::new(
            guid,
            &name,
            permissions,
            RoleSource::Template,
        ));
    }
    out
}

/// The key a declared role definition is catalogued under: the last segment of its name (its GUID,
/// or the name rendered when it is known only at deployment).
fn declared_role_key(r: &PlannedResource) -> &str {
    r.name.rsplit('/').next().unwrap_or(&r.name)
}

/// The role definition this plan declares that a `roleDefinitionId` known only at deployment
/// names: `resourceId('Microsoft.Authorization/roleDefinitions', X)` where a deployed
/// `roleDefinitions` resource is named by the same unknown X (the same `guid(parameters('roleName'))`
/// or `guid(utcNow())`-derived value, not merely one that prints alike). The role's content is in
/// the template whatever X turns out to be. A declaration in the assignment's own deployment
/// first; elsewhere in the plan only when it is the only one.
fn declared_role<'p>(
    ctx: &Ctx<'p>,
    r: &PlannedResource,
    value: Option<&Value>,
) -> Option<&'p PlannedResource> {
    let Some(Value::Unknown(u)) = value else {
        return None;
    };
    let Origin::PartialResourceId {
        resource_type,
        inputs,
        ..
    } = u.origin()
    else {
        return None;
    };
    if !resource_type.eq_ignore_ascii_case(ROLE_DEF_TYPE) {
        return None;
    }
    let candidates: Vec<&'p PlannedResource> = ctx
        .plan
        .resources
        .iter()
        .filter(|d| {
            !d.existing
                && d.condition != ConditionStatus::Skipped
                && d.resource_type.eq_ignore_ascii_case(ROLE_DEF_TYPE)
                && matches!(&d.name_value, Value::Unknown(name) if inputs.contains(name))
        })
        .collect();
    let local: Vec<&'p PlannedResource> = candidates
        .iter()
        .copied()
        .filter(|d| d.deployment == r.deployment)
        .collect();
    match (local.as_slice(), candidates.as_slice()) {
        ([one], _) => Some(one),
        ([], [one]) => Some(one),
        _ => None,
    }
}

/// Adds every role assignment of the plan.
pub(crate) fn collect(ctx: &Ctx, roles: &RoleCatalogue, model: &mut AccessModel) {
    let mut invalid = InvalidPrincipals::default();
    for r in &ctx.plan.resources {
        if r.existing {
            continue;
        }
        let kind = if r.resource_type.eq_ignore_ascii_case(RBAC_TYPE)
            || legacy_target_type(&r.resource_type).is_some()
        {
            GrantKind::Rbac
        } else if r.resource_type.eq_ignore_ascii_case(COSMOS_TYPE) {
            GrantKind::CosmosSql
        } else {
            continue;
        };
        let grant = grant_of(ctx, roles, r, kind);
        if grant.deployed == ConditionStatus::Skipped {
            // Not deployed: nothing to resolve.
            model.grants.push(grant);
            continue;
        }
        let what = format!("role assignment {}", grant.name);
        if grant.principal.kind == PrincipalKind::Invalid {
            invalid.add(ctx, r, &grant);
        }
        if grant.principal.kind == PrincipalKind::Unresolved {
            model.unresolved.push(UnresolvedItem {
                what: format!("principal of {what}"),
                depends_on: grant.principal.provenance.clone(),
                location: ctx.locate(r, &["properties", "principalId"]),
            });
        }
        if grant.role.source == RoleSource::Unknown && grant.role.id.contains('{') {
            model.unresolved.push(UnresolvedItem {
                what: format!("role of {what}"),
                depends_on: grant.role.definition_id.clone(),
                location: ctx.locate(r, &["properties", "roleDefinitionId"]),
            });
        }
        // Judged by type and level: an unknown name alone leaves the scope judgeable.
        if grant.scope.has_unknown_level_or_type() {
            model.unresolved.push(UnresolvedItem {
                what: format!("scope of {what}"),
                depends_on: grant.scope.to_string(),
                location: r.location.clone(),
            });
        }
        model.grants.push(grant);
    }
    invalid.report(model);
}

fn grant_of(ctx: &Ctx, roles: &RoleCatalogue, r: &PlannedResource, kind: GrantKind) -> Grant {
    let props = |k: &str| value_at(&r.body, &["properties", k]);
    let prop_str = |k: &str| props(k).and_then(Value::as_str).map(str::to_string);
    let scope = match kind {
        GrantKind::Rbac => rbac_scope(ctx, r),
        GrantKind::CosmosSql => cosmos_scope(r),
    };
    let mut role = role_ref(roles, props("roleDefinitionId"), kind);
    if role.source == RoleSource::Unknown {
        if let Some(declared) = declared_role(ctx, r, props("roleDefinitionId")) {
            let guid = role_guid(declared_role_key(declared));
            if let Some(found) = roles.get(&guid) {
                role.name = Some(found.name.clone());
                role.source = found.source;
                role.id = guid;
            }
        }
    }
    let raw_principal = json_get_path(&r.declared, &["properties", "principalId"]);
    let principal = classify_principal(ctx, r, props("principalId"), raw_principal);
    let name = last_segment(&r.name).to_string();
    Grant {
        kind,
        // The whole name: an unknown part's description may itself contain `/`.
        name_resolved: !r.name.contains('{'),
        name_guid_arguments: guid_arguments(ctx, &name),
        name,
        name_value: r.name_value.clone(),
        name_expression: json_get_path(&r.declared, &["name"])
            .and_then(|v| v.as_str())
            .map(str::to_string),
        id: r.id.clone(),
        role,
        scope_level: scope.level(),
        scope,
        principal,
        principal_value: props("principalId").cloned().unwrap_or_default(),
        copy_count_unknown: r.copy.as_ref().is_some_and(|c| c.count_unknown),
        // An unknown type is kept rendered (`{...}`): unknown, not missing.
        principal_type: props("principalType")
            .filter(|v| !matches!(v, Value::Null))
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_display_string())
            }),
        condition: prop_str("condition"),
        description: prop_str("description"),
        deployed: ctx.deployed(r),
        deployment: r.deployment.clone(),
        // Set by `build_all` to the plan's index.
        source: 0,
        location: r.location.clone(),
    }
}

/// The last `/`-separated segment of a rendered name, not splitting inside a rendered unknown
/// (`{format of resource id /subscriptions/…}` is one segment).
fn last_segment(name: &str) -> &str {
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in name.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    &name[start..]
}

/// The arguments `guid()` made `name` from, following arguments that are themselves GUIDs made
/// in this plan (`guid(guid(a, b), c)` gives `a, b, c`); `None` when `name` is no such GUID.
fn guid_arguments(ctx: &Ctx, name: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut pending: Vec<String> = ctx.plan.guid_arguments_of(name)?.to_vec();
    pending.reverse();
    // Each GUID is expanded once: a bound on work whatever the ledger holds.
    let mut seen = vec![name.to_ascii_lowercase()];
    while let Some(arg) = pending.pop() {
        let lower = arg.to_ascii_lowercase();
        match ctx.plan.guid_arguments_of(&lower) {
            Some(inner) if !seen.contains(&lower) => {
                seen.push(lower);
                pending.extend(inner.iter().rev().cloned());
            }
            _ => out.push(arg),
        }
    }
    Some(out)
}

/// The scope of an RBAC assignment: the legacy name form, else the plan's scope, else the id.
fn rbac_scope(ctx: &Ctx, r: &PlannedResource) -> ResourceId {
    if let Some(target_type) = legacy_target_type(&r.resource_type) {
        let planned = ResourceId::parse(&r.scope);
        if matches!(
            planned.level(),
            ScopeLevel::Resource | ScopeLevel::ChildResource
        ) {
            return planned;
        }
        // `properties.scope` naming a resource of the target type (the legacy form allows it):
        // its id renders each unknown name part as what decides it, where the assignment's
        // name is one unknown for all its segments.
        let declared = value_at(&r.body, &["properties", "scope"]).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Unknown(u) => match u.origin() {
                Origin::PartialResourceId { id, .. } => Some(id.clone()),
                _ => None,
            },
            _ => None,
        });
        if let Some(id) = declared.map(|d| ResourceId::parse(&d)) {
            let same_type = id
                .resource_type()
                .is_some_and(|t| t.eq_ignore_ascii_case(target_type));
            if same_type && id.is_at_or_under(&ResourceId::parse(&r.scope)) {
                return id;
            }
        }
        // name = `<target name segments>/Microsoft.Authorization/<guid>`
        let names: Vec<&str> = r.name.split('/').collect();
        let cut = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case("Microsoft.Authorization"))
            .unwrap_or(names.len().saturating_sub(1));
        let types: Vec<&str> = target_type.split('/').collect();
        if let Some((ns, types)) = types.split_first() {
            let mut id = format!("{}/providers/{ns}", r.scope.trim_end_matches('/'));
            if types.len() == cut {
                for (t, n) in types.iter().zip(&names[..cut]) {
                    id.push_str(&format!("/{t}/{n}"));
                }
                return ResourceId::parse(&id);
            }
            // A name known only at deployment (one unknown for all its segments): the target
            // is a resource of that type whose name is unknown, never the deployment's scope.
            for t in types {
                id.push_str(&format!("/{t}/{{...}}"));
            }
            return ResourceId::parse(&id);
        }
    }
    let planned = ResourceId::parse(&r.scope);
    if planned.is_absolute() {
        return planned;
    }
    if !r.scope.is_empty() {
        // A relative `<ns>/<type>/<name>` scope that expansion left as written.
        let base = ctx
            .plan
            .deployments
            .iter()
            .find(|d| d.path == r.deployment)
            .map(|d| d.scope.clone())
            .unwrap_or_else(|| ctx.plan.context.resource_group_scope());
        return ResourceId::parse(&format!(
            "{}/providers/{}",
            base.trim_end_matches('/'),
            r.scope.trim_start_matches('/')
        ));
    }
    // Last resort: the assignment id minus `/providers/Microsoft.Authorization/roleAssignments/<n>`.
    let id = ResourceId::parse(&r.id);
    id.parent().unwrap_or(id)
}

/// Cosmos SQL assignments carry their scope in `properties.scope` (account id, `/dbs/<db>`...).
fn cosmos_scope(r: &PlannedResource) -> ResourceId {
    let account = ResourceId::parse(&r.id)
        .parent()
        .unwrap_or_else(|| ResourceId::parse(&r.id));
    match str_at(&r.body, &["properties", "scope"]) {
        Some(s) if s.to_ascii_lowercase().starts_with("/subscriptions/") => ResourceId::parse(s),
        Some(s) if s.starts_with('/') => {
            ResourceId::parse(&format!("{}{}", account.as_str().trim_end_matches('/'), s))
        }
        Some(s) => ResourceId::parse(s),
        None => account,
    }
}

fn role_ref(roles: &RoleCatalogue, value: Option<&Value>, kind: GrantKind) -> RoleRef {
    match value {
        Some(Value::String(s)) => {
            let guid = role_guid(s);
            let found = roles.get(&guid).cloned().or_else(|| match kind {
                GrantKind::CosmosSql => cosmos_builtin_role(&guid),
                GrantKind::Rbac => None,
            });
            RoleRef {
                id: guid,
                definition_id: s.clone(),
                name: found.as_ref().map(|r| r.name.clone()),
                source: found.map(|r| r.source).unwrap_or(RoleSource::Unknown),
            }
        }
        Some(v @ Value::Unknown(u)) => {
            // An unknown that names a role-definition resource still tells us its GUID: a
            // role-definition id under a scope whose name is unknown
            // (`extensionResourceId(<vault id>, 'Microsoft.Authorization/roleDefinitions', g)`) ends
            // in the GUID, and the deployed state of a role definition is named by it.
            let partial = match u.origin() {
                Origin::PartialResourceId {
                    id, resource_type, ..
                } if resource_type
                    .to_ascii_lowercase()
                    .ends_with("roledefinitions") =>
                {
                    let last = last_segment(id);
                    is_guid(last).then(|| last.to_ascii_lowercase())
                }
                _ => None,
            };
            let guid = partial.or_else(|| {
                u.roots().into_iter().find_map(|o| match o {
                    Origin::RuntimeProperty { resource, .. }
                        if resource
                            .resource_type
                            .to_ascii_lowercase()
                            .ends_with("roledefinitions") =>
                    {
                        Some(role_guid(&resource.name))
                    }
                    _ => None,
                })
            });
            let found = guid.as_deref().and_then(|g| roles.get(g));
            RoleRef {
                id: guid.clone().unwrap_or_else(|| v.to_display_string()),
                definition_id: v.to_display_string(),
                name: found.map(|r| r.name.clone()),
                source: found.map(|r| r.source).unwrap_or(RoleSource::Unknown),
            }
        }
        other => RoleRef {
            id: String::new(),
            definition_id: other.map(Value::to_display_string).unwrap_or_default(),
            name: None,
            source: RoleSource::Unknown,
        },
    }
}

/// Resolves a principal id to an identity of the deployment, a literal, a parameter, or unresolved.
pub(crate) fn classify_principal(
    ctx: &Ctx,
    r: &PlannedResource,
    value: Option<&Value>,
    raw: Option<&serde_json::Value>,
) -> Principal {
    let unresolved = |provenance: String| Principal {
        kind: PrincipalKind::Unresolved,
        resource: None,
        id: None,
        parameter: None,
        provenance,
    };
    match value {
        None | Some(Value::Null) => unresolved("principalId is missing".into()),
        Some(Value::String(s)) => {
            // A parameter, or an element or member of one (`parameters('ps')[copyIndex()]
            // .principalId`): the value came from whoever deploys, whatever it is.
            let traced = raw.and_then(|raw| {
                ctx.trace_parameter(&r.deployment, raw).or_else(|| {
                    let name = parameter_member_reference(raw.as_str()?)?;
                    ctx.trace_parameter_named(&r.deployment, name)
                })
            });
            if let Some((name, source, _)) = traced {
                // A value that is not an object id: ARM rejects it (reported once per loop as a
                // template error, not as RA006). A quickstart CI token in a parameters file
                // (`GEN-AZUREAD-OBJECTID`) is not a value yet: the CI puts an object id there.
                if !is_guid(s) && !arm::expand::is_ci_token(s) {
                    return Principal {
                        kind: PrincipalKind::Invalid,
                        resource: None,
                        id: None,
                        parameter: Some(name),
                        provenance: format!("'{s}' is not an object id"),
                    };
                }
                return Principal {
                    kind: PrincipalKind::Parameter,
                    resource: None,
                    id: is_guid(s).then(|| s.clone()),
                    provenance: format!(
                        "parameter '{name}' ({})",
                        serde_json::to_value(source)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                    parameter: Some(name),
                };
            }
            if is_guid(s) {
                Principal {
                    kind: PrincipalKind::External,
                    resource: None,
                    id: Some(s.clone()),
                    parameter: None,
                    provenance: "literal object id".into(),
                }
            } else {
                Principal {
                    kind: PrincipalKind::Invalid,
                    resource: None,
                    id: None,
                    parameter: None,
                    provenance: format!("'{s}' is not an object id"),
                }
            }
        }
        Some(Value::Unknown(u)) => from_unknown(u),
        Some(other) => unresolved(format!("unexpected {} value", other.type_name())),
    }
}

/// Known principal values that are not object ids, by `principalId` expression: a copy loop's
/// elements share one expression, so they make one finding listing the bad values.
#[derive(Default)]
struct InvalidPrincipals(Vec<(arm::Location, Vec<String>, Option<String>)>);

impl InvalidPrincipals {
    fn add(&mut self, ctx: &Ctx, r: &PlannedResource, grant: &Grant) {
        let location = ctx.locate(r, &["properties", "principalId"]);
        if grant.principal_value.as_str().is_none() {
            // Known to be wrong without a value: the provenance says why (a client id).
            self.0
                .push((location, vec![grant.principal.provenance.clone()], None));
            return;
        }
        let value = grant
            .principal_value
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some((_, values, _)) = self.0.iter_mut().find(|(l, _, _)| *l == location) {
            if !values.contains(&value) {
                values.push(value);
            }
            return;
        }
        let raw = json_get_path(&r.declared, &["properties", "principalId"])
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        self.0
            .push((location, vec![value], parameter_named_in(raw)));
    }

    /// One template error (EV003) each: ARM rejects such an assignment.
    fn report(self, model: &mut AccessModel) {
        for (location, values, parameter) in self.0 {
            if let [why] = values.as_slice() {
                if why.starts_with("the client id of ") {
                    model.diagnostics.push(crate::model::ModelDiagnostic {
                        level: crate::model::DiagnosticLevel::Error,
                        code: "invalid-principal-id".into(),
                        message: format!(
                            "principalId is {why}: no directory object has that id, so ARM fails the role assignment (PrincipalNotFound); read the principalId property instead"
                        ),
                        location,
                    });
                    continue;
                }
            }
            let values = values
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let from = parameter
                .map(|p| format!(" (from parameter '{p}')"))
                .unwrap_or_default();
            model.diagnostics.push(crate::model::ModelDiagnostic {
                level: crate::model::DiagnosticLevel::Error,
                code: "invalid-principal-id".into(),
                message: format!(
                    "principalId {values}{from} is not an object id: ARM rejects the role assignment; give the principal's object id (a GUID)"
                ),
                location,
            });
        }
    }
}

/// The first `parameters('x')` an expression reads, for a message.
fn parameter_named_in(expr: &str) -> Option<String> {
    let lower = expr.to_ascii_lowercase();
    let at = lower.find("parameters(")? + "parameters(".len();
    let rest = expr[at..].trim_start().strip_prefix('\'')?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_string())
}

/// Principal named by an unknown's provenance: a runtime principal id anywhere in it names an
/// identity; the unknown being a parameter itself, or an element or member of one
/// (`parameters('ps')[copyIndex()]`, `.principalId` of it, Bicep's `for p in ps`), makes a
/// parameter principal: whoever deploys gives it, as for `parameters('p')`. A parameter deeper in
/// a derivation (e.g. the name inside `reference(resourceId(..., parameters('n')))`) is not the
/// principal, so that stays unresolved with its provenance.
pub fn from_unknown(u: &Unknown) -> Principal {
    // An identity's client id (application id) where its principal (object) id belongs: a
    // classic slip (`uami.properties.clientId`). No directory object has that object id, so
    // ARM fails the assignment with PrincipalNotFound: a template error, not an unknown.
    if let [Origin::RuntimeProperty { resource, path }] = u.roots().as_slice() {
        if path
            .rsplit('.')
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case("clientId"))
        {
            return Principal {
                kind: PrincipalKind::Invalid,
                resource: Some(ResourceId::parse(&resource.id)),
                id: None,
                parameter: None,
                provenance: format!(
                    "the client id of {} '{}' ({path}), not its principal id",
                    resource.resource_type, resource.name
                ),
            };
        }
    }
    for root in u.roots() {
        if let Origin::RuntimeProperty { resource, path } = root {
            if let Some((kind, id)) = principal_from_runtime(resource, path) {
                return Principal {
                    kind,
                    resource: Some(id),
                    id: None,
                    parameter: None,
                    provenance: u.to_string(),
                };
            }
        }
    }
    if let Origin::NotEvaluated { what } = u.origin() {
        if what.starts_with("deployer().objectId") {
            return Principal {
                kind: PrincipalKind::Deployer,
                resource: None,
                id: None,
                parameter: None,
                provenance: u.to_string(),
            };
        }
    }
    if let Some(read) = parameter_read(u) {
        return Principal {
            kind: PrincipalKind::Parameter,
            resource: None,
            id: None,
            parameter: Some(read.name.to_string()),
            provenance: u.to_string(),
        };
    }
    Principal {
        kind: PrincipalKind::Unresolved,
        resource: None,
        id: None,
        parameter: None,
        provenance: u.to_string(),
    }
}

/// A parameter read through element and member accesses only.
pub(crate) struct ParameterRead<'u> {
    /// The parameter's name.
    pub name: &'u str,
    /// True when an array element was taken on the way (`parameters('ps')[i]`): the value is each
    /// element of the parameter in turn, not the parameter.
    pub element: bool,
}

/// The parameter `u` is, or an element or member of (`parameters('ps')[0]`, `parameters('cfg')
/// .principalId`, `parameters('ps')[0].id`); `None` for any other derivation. An index that is
/// itself unknown derives from the index, not the array, so it is no such read.
pub(crate) fn parameter_read(u: &Unknown) -> Option<ParameterRead<'_>> {
    let mut current = u;
    let mut element = false;
    // Bounded by the derivation's depth, which the evaluator's budget bounds.
    loop {
        match current.origin() {
            Origin::Parameter { name, .. } => return Some(ParameterRead { name, element }),
            Origin::Derived {
                operation, inputs, ..
            } if inputs.len() == 1 => {
                let index = operation
                    .strip_prefix("index ")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if index {
                    element = true;
                } else if !operation.starts_with("property '") {
                    return None;
                }
                current = &inputs[0];
            }
            _ => return None,
        }
    }
}

/// `identity.principalId` of a resource → its system-assigned identity; `principalId` of a
/// user-assigned identity → that identity; the legacy `<res>/providers/Microsoft.ManagedIdentity/
/// Identities/default` → the system-assigned identity of `<res>`.
fn principal_from_runtime(
    resource: &ResourceRef,
    path: &str,
) -> Option<(PrincipalKind, ResourceId)> {
    let p = path.to_ascii_lowercase();
    let id = ResourceId::parse(&resource.id);
    let is_principal_prop = p == "properties.principalid" || p == "principalid";
    if resource.resource_type.eq_ignore_ascii_case(UAMI_TYPE) && is_principal_prop {
        return Some((PrincipalKind::UserAssigned, id));
    }
    let legacy = resource
        .resource_type
        .eq_ignore_ascii_case("Microsoft.ManagedIdentity/Identities")
        || resource
            .id
            .to_ascii_lowercase()
            .contains("/providers/microsoft.managedidentity/identities/");
    if legacy && (is_principal_prop || p == "identity.principalid") {
        return Some((PrincipalKind::SystemAssigned, id.parent()?));
    }
    if p == "identity.principalid" {
        return Some((PrincipalKind::SystemAssigned, id));
    }
    if let Some(rest) = p.strip_prefix("identity.userassignedidentities") {
        if rest.ends_with("principalid") {
            // Keep the original case of the embedded id.
            let start = path.len() - rest.len();
            let inner = &path[start..path.len() - "principalid".len()];
            let inner = inner.trim_matches(|c| matches!(c, '.' | '[' | ']' | '\'' | '"'));
            return Some((PrincipalKind::UserAssigned, ResourceId::parse(inner)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(ty: &str, id: &str, path: &str) -> Unknown {
        Unknown::new(Origin::RuntimeProperty {
            resource: ResourceRef {
                id: id.into(),
                resource_type: ty.into(),
                name: id.rsplit('/').next().unwrap_or_default().into(),
                symbol: None,
            },
            path: path.into(),
        })
    }

    const WF: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf";
    const UA: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u1";

    #[test]
    fn principal_forms_from_provenance() {
        let p = from_unknown(&rt("Microsoft.Logic/workflows", WF, "identity.principalId"));
        assert_eq!(
            (p.kind, p.resource.map(|r| r.to_string())),
            (PrincipalKind::SystemAssigned, Some(WF.into()))
        );
        let p = from_unknown(&rt(UAMI_TYPE, UA, "properties.principalId"));
        assert_eq!(
            (p.kind, p.resource.map(|r| r.to_string())),
            (PrincipalKind::UserAssigned, Some(UA.into()))
        );
        let legacy = format!("{WF}/providers/Microsoft.ManagedIdentity/Identities/default");
        let p = from_unknown(&rt(
            "Microsoft.ManagedIdentity/Identities",
            &legacy,
            "properties.principalId",
        ));
        assert_eq!(
            (p.kind, p.resource.map(|r| r.to_string())),
            (PrincipalKind::SystemAssigned, Some(WF.into()))
        );
        let p = from_unknown(&rt(
            "Microsoft.Logic/workflows",
            WF,
            &format!("identity.userAssignedIdentities.{UA}.principalId"),
        ));
        assert_eq!(
            (p.kind, p.resource.map(|r| r.to_string())),
            (PrincipalKind::UserAssigned, Some(UA.into()))
        );
        // Derived values keep their roots.
        let d = Unknown::derived(
            "if",
            vec![rt("Microsoft.Logic/workflows", WF, "identity.principalId")],
        );
        assert_eq!(from_unknown(&d).kind, PrincipalKind::SystemAssigned);
        let p = from_unknown(&Unknown::new(Origin::Parameter {
            name: "pid".into(),
            key_vault_reference: false,
        }));
        assert_eq!(
            (p.kind, p.parameter.as_deref()),
            (PrincipalKind::Parameter, Some("pid"))
        );
        let p = from_unknown(&Unknown::new(Origin::NonDeterministic {
            function: "newGuid".into(),
        }));
        assert_eq!(p.kind, PrincipalKind::Unresolved);
        assert!(p.provenance.contains("newGuid"));
        let p = from_unknown(&rt(
            "Microsoft.Logic/workflows",
            WF,
            "properties.accessEndpoint",
        ));
        assert_eq!(p.kind, PrincipalKind::Unresolved);
    }

    #[test]
    fn legacy_type_detection() {
        assert_eq!(
            legacy_target_type("Microsoft.Storage/storageAccounts/providers/roleAssignments"),
            Some("Microsoft.Storage/storageAccounts")
        );
        assert_eq!(
            legacy_target_type("Microsoft.Authorization/roleAssignments"),
            None
        );
    }
}
