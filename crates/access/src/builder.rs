//! Building the access model from deployment plans: shared context, then one module per part.

mod aks;
mod credentials;
mod grants;
mod standard;
mod usages;
mod workloads;

pub(crate) use grants::parameter_read;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arm::plan::{
    ConditionStatus, DeploymentPlan, ParameterSource, PlannedParameter, PlannedResource,
};
use arm::source::escape_pointer_segment;
use arm::{Document, Location, Value};

use crate::catalogue::RoleCatalogue;
use crate::model::{AccessModel, PlanSource};

/// Builds the access model of one plan.
pub fn build(plan: &DeploymentPlan, catalogue: &RoleCatalogue) -> AccessModel {
    build_all(std::slice::from_ref(plan), catalogue)
}

/// Builds one access model over several plans (e.g. every template of a directory).
pub fn build_all(plans: &[DeploymentPlan], catalogue: &RoleCatalogue) -> AccessModel {
    let mut model = AccessModel {
        version: crate::model::MODEL_VERSION,
        ..AccessModel::default()
    };
    // Template-declared roles count for every plan's grants, so collect them first; the catalogue
    // is only copied when there are some.
    for plan in plans {
        model
            .role_definitions
            .extend(grants::template_roles(&Ctx::new(plan)));
    }
    let extended;
    let roles = if model.role_definitions.is_empty() {
        catalogue
    } else {
        let mut c = catalogue.clone();
        for role in &model.role_definitions {
            c.add(role.clone());
        }
        extended = c;
        &extended
    };
    // Connections first, from every plan: workflows and Standard projects in one template often use
    // connections declared in another (`connectors-template.json` beside `la-template.json`).
    for (source, plan) in plans.iter().enumerate() {
        usages::collect_connections(&Ctx::new(plan), source, &mut model);
    }
    let mut cluster_identities = Vec::new();
    for plan in plans {
        let ctx = Ctx::new(plan);
        model.sources.push(PlanSource {
            template: plan.template.clone(),
            parameter_files: plan.parameter_files.clone(),
            deployment_scope: plan.context.resource_group_scope(),
            placeholders: plan
                .context
                .placeholders
                .iter()
                .map(|s| s.to_string())
                .collect(),
        });
        let first_workload = model.workloads.len();
        workloads::collect(&ctx, &mut model);
        usages::collect(&ctx, &mut model);
        standard::collect(&ctx, &mut model);
        let first_grant = model.grants.len();
        grants::collect(&ctx, roles, &mut model);
        cluster_identities.extend(aks::collect(&ctx, &mut model, first_grant));
        let source = model.sources.len() - 1;
        for grant in &mut model.grants[first_grant..] {
            grant.source = source;
        }
        for workload in &mut model.workloads[first_workload..] {
            workload.source = source;
        }
        credentials::collect(&ctx, &mut model);
    }
    workloads::link_identities(&mut model);
    aks::attach(&mut model, &cluster_identities);
    model
}

/// What every part of the builder needs about one plan.
pub(crate) struct Ctx<'p> {
    pub plan: &'p DeploymentPlan,
    by_id: HashMap<String, usize>,
    /// (lower-case type, lower-case last name segment) → first resource.
    by_type_name: HashMap<(String, String), usize>,
    docs: RefCell<HashMap<String, Option<Arc<Document>>>>,
}

impl<'p> Ctx<'p> {
    fn new(plan: &'p DeploymentPlan) -> Ctx<'p> {
        let by_id = plan
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.to_ascii_lowercase(), i))
            .collect();
        let mut by_type_name = HashMap::new();
        for (i, r) in plan.resources.iter().enumerate() {
            let name = r
                .name
                .rsplit('/')
                .next()
                .unwrap_or(&r.name)
                .to_ascii_lowercase();
            by_type_name
                .entry((r.resource_type.to_ascii_lowercase(), name))
                .or_insert(i);
        }
        Ctx {
            plan,
            by_id,
            by_type_name,
            docs: RefCell::new(HashMap::new()),
        }
    }

    /// The plan resource with this id (case-insensitive).
    pub fn resource(&self, id: &str) -> Option<&'p PlannedResource> {
        self.by_id
            .get(&id.trim().to_ascii_lowercase())
            .map(|&i| &self.plan.resources[i])
    }

    /// The first plan resource of this type (case-insensitive) whose last name segment is `name`.
    pub fn find(&self, resource_type: &str, name: &str) -> Option<&'p PlannedResource> {
        self.by_type_name
            .get(&(
                resource_type.to_ascii_lowercase(),
                name.to_ascii_lowercase(),
            ))
            .map(|&i| &self.plan.resources[i])
    }

    /// A parameter of a deployment.
    pub fn parameter(&self, deployment: &str, name: &str) -> Option<&'p PlannedParameter> {
        self.plan
            .parameters
            .iter()
            .find(|p| p.deployment == deployment && p.name.eq_ignore_ascii_case(name))
    }

    /// The parsed file: the plan's own copy, else read again (a file the plan does not hold).
    fn document(&self, file: &str) -> Option<Arc<Document>> {
        self.plan
            .document(file)
            .cloned()
            .or_else(|| Document::load(Path::new(file)).ok().map(Arc::new))
    }

    /// Location of `path` (segments, unescaped) inside a resource's declaration.
    pub fn locate(&self, resource: &PlannedResource, path: &[&str]) -> Location {
        let mut pointer = resource.location.pointer.clone();
        for seg in path {
            pointer.push('/');
            pointer.push_str(&escape_pointer_segment(seg));
        }
        self.locate_in_file(&resource.location, &pointer)
    }

    /// Location of a pointer in the file of `base` (falls back to `base`'s line when unreadable).
    pub fn locate_in_file(&self, base: &Location, pointer: &str) -> Location {
        let mut docs = self.docs.borrow_mut();
        let doc = docs
            .entry(base.file.clone())
            .or_insert_with(|| self.document(&base.file));
        match doc {
            Some(d) => d.locate(pointer),
            None => Location {
                pointer: pointer.to_string(),
                ..base.clone()
            },
        }
    }

    /// The `variables` of the template that declares `resource` (read from its file: the plan
    /// keeps evaluated values only). `None` when the file cannot be read or has none.
    pub fn template_variables(&self, resource: &PlannedResource) -> Option<serde_json::Value> {
        let pointer = &resource.location.pointer;
        let template = &pointer[..pointer.rfind("/resources/")?];
        let mut docs = self.docs.borrow_mut();
        let doc = docs
            .entry(resource.location.file.clone())
            .or_insert_with(|| self.document(&resource.location.file));
        doc.as_ref()?
            .value
            .pointer(&format!("{template}/variables"))
            .cloned()
    }

    /// Whether a resource is deployed, folding in the conditions of the deployments around it.
    pub fn deployed(&self, resource: &PlannedResource) -> ConditionStatus {
        let mut status = resource.condition.clone();
        for d in &self.plan.deployments {
            let encloses = !d.path.is_empty()
                && (resource.deployment == d.path
                    || resource.deployment.starts_with(&format!("{}/", d.path)));
            if !encloses {
                continue;
            }
            status = match (status, &d.condition) {
                (ConditionStatus::Skipped, _) | (_, ConditionStatus::Skipped) => {
                    ConditionStatus::Skipped
                }
                (ConditionStatus::Assumed { depends_on }, _) => {
                    ConditionStatus::Assumed { depends_on }
                }
                (ConditionStatus::Deployed, other) => other.clone(),
            };
        }
        status
    }

    /// Follows `[parameters('x')]` up through module boundaries to where the value was supplied:
    /// returns the parameter name and source at the outermost deployment that still reads a
    /// parameter. `None` when `raw` is not a plain parameter reference.
    pub fn trace_parameter(
        &self,
        deployment: &str,
        raw: &serde_json::Value,
    ) -> Option<(String, ParameterSource, bool)> {
        let name = plain_parameter_reference(raw.as_str()?)?;
        self.trace_parameter_named(deployment, name)
    }

    /// [`Ctx::trace_parameter`] from the parameter `name` of `deployment`.
    pub fn trace_parameter_named(
        &self,
        deployment: &str,
        name: String,
    ) -> Option<(String, ParameterSource, bool)> {
        let mut deployment = deployment.to_string();
        let mut name = name;
        for _ in 0..16 {
            let param = match self.parameter(&deployment, &name) {
                Some(p) => p,
                None => {
                    // `outer` evaluation: the nested template reads its parent's parameters.
                    let parent = parent_path(&deployment)?;
                    deployment = parent;
                    continue;
                }
            };
            if param.source != ParameterSource::Parent {
                return Some((param.name.clone(), param.source, param.secure));
            }
            let parent = parent_path(&deployment)?;
            let child = deployment
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let module = self.plan.resources.iter().find(|r| {
                r.deployment == parent
                    && r.resource_type
                        .eq_ignore_ascii_case("Microsoft.Resources/deployments")
                    && r.name.rsplit('/').next() == Some(child.as_str())
            })?;
            let passed = json_get_path(
                &module.declared,
                &["properties", "parameters", &name, "value"],
            )?;
            match plain_parameter_reference(passed.as_str()?) {
                Some(outer) => {
                    name = outer;
                    deployment = parent;
                }
                // The parent passed something other than its own parameter: not a parameter.
                None => return None,
            }
        }
        None
    }
}

fn parent_path(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    Some(
        path.rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default(),
    )
}

/// `x` when `expr` is exactly `[parameters('x')]` (case-insensitive function name, spaces allowed).
pub(crate) fn plain_parameter_reference(expr: &str) -> Option<String> {
    let inner = expr.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let lower = inner.to_ascii_lowercase();
    let rest = lower.strip_prefix("parameters")?.trim_start();
    let rest_orig = &inner[inner.len() - rest.len()..];
    let args = rest_orig.strip_prefix('(')?.strip_suffix(')')?.trim();
    let name = args.strip_prefix('\'')?.strip_suffix('\'')?;
    if name.contains('\'') {
        return None;
    }
    Some(name.to_string())
}

/// `x` when `expr` reads an element or member of parameter `x` and nothing else:
/// `[parameters('x')[copyIndex()]]`, `[parameters('x')[copyIndex('loop')].principalId]`,
/// `[parameters('x').principalId]` (what Bicep writes for `for p in x` and `p.principalId`).
pub(crate) fn parameter_member_reference(expr: &str) -> Option<String> {
    if !arm::eval::is_expression(expr.trim()) {
        return None;
    }
    let mut node = arm::eval::parse(expr.trim()).ok()?;
    let mut accessed = false;
    while let arm::eval::ExprKind::Index { target, .. }
    | arm::eval::ExprKind::Property { target, .. } = node.kind
    {
        accessed = true;
        node = *target;
    }
    if !accessed || !node.is_call_of("parameters") {
        return None;
    }
    match node.call_args()? {
        [arm::eval::Expr {
            kind: arm::eval::ExprKind::String(name),
            ..
        }] => Some(name.clone()),
        _ => None,
    }
}

/// Member of raw JSON by path, keys compared case-insensitively (exact first).
pub(crate) fn json_get_path<'a>(
    value: &'a serde_json::Value,
    path: &[&str],
) -> Option<&'a serde_json::Value> {
    let mut cur = value;
    for key in path {
        if let (Some(a), Ok(i)) = (cur.as_array(), key.parse::<usize>()) {
            cur = a.get(i)?;
            continue;
        }
        let obj = cur.as_object()?;
        cur = obj.get(*key).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })?;
    }
    Some(cur)
}

/// Member of a value by path (case-insensitive).
pub(crate) fn value_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = value;
    for key in path {
        cur = match (cur, key.parse::<usize>()) {
            (Value::Array(a), Ok(i)) => a.get(i)?,
            _ => cur.get(key)?,
        };
    }
    Some(cur)
}

/// A known string at a path.
pub(crate) fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    value_at(value, path).and_then(Value::as_str)
}

/// True for a GUID in 8-4-4-4-12 hex form.
pub(crate) fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.trim().split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_reference() {
        assert_eq!(
            plain_parameter_reference("[parameters('pid')]").as_deref(),
            Some("pid")
        );
        assert_eq!(
            plain_parameter_reference("[ Parameters( 'pid' ) ]").as_deref(),
            Some("pid")
        );
        assert_eq!(plain_parameter_reference("[parameters('a').b]"), None);
        assert_eq!(plain_parameter_reference("pid"), None);
    }

    #[test]
    fn guids() {
        assert!(is_guid("4633458b-17de-408a-b874-0445c86b69e6"));
        assert!(!is_guid("4633458b-17de-408a-b874-0445c86b69e"));
        assert!(!is_guid("principal"));
    }
}
