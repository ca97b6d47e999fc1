//! The [`EvalScope`] a deployment gives its expressions, including `reference()` semantics.

use super::deployment::{get_ci, Deployment, Instance, Loop, LoopKind, Mode};
use super::ids;
use crate::context::{DeploymentContext, TargetScope};
use crate::eval::{EvalError, EvalScope, UserFunction};
use crate::plan::ConditionStatus;
use crate::value::{Object, Origin, ResourceRef, Unknown, Value};

/// Suffix of the older way to read a system-assigned identity: `reference(concat(<id>, SUFFIX))`.
const IDENTITY_SUFFIX: &str = "/providers/Microsoft.ManagedIdentity/Identities/default";

/// A deployment with the copy loops active at the expression being evaluated.
pub(crate) struct Frame<'d, 'a> {
    pub dep: &'d Deployment<'a>,
    pub loops: &'d [Loop],
}

/// What a `reference()` target names.
enum Target {
    /// An instance of the current deployment.
    Local(usize),
    /// A resource known elsewhere in the plan, or only by its id.
    Elsewhere(ResourceRef),
}

impl Frame<'_, '_> {
    fn resolve(&self, text: &str) -> Target {
        let dep = self.dep;
        let text = text.trim();
        if text.starts_with('/') {
            let lower = text.to_ascii_lowercase();
            if let Some(&i) = dep.index.borrow().by_id.get(&lower) {
                return Target::Local(i);
            }
            // A deployment (module) referenced by an id at another scope: match type and name.
            if let Some((ty, name)) = ids::type_and_name_from_id(text) {
                let key = (ty.to_ascii_lowercase(), name.to_ascii_lowercase());
                if let Some(&i) = dep.index.borrow().by_type_name.get(&key) {
                    return Target::Local(i);
                }
                if let Some(r) = dep.engine.by_id.borrow().get(&lower) {
                    return Target::Elsewhere(r.clone());
                }
                return Target::Elsewhere(ResourceRef {
                    id: text.to_string(),
                    resource_type: ty,
                    name,
                    symbol: None,
                });
            }
            return Target::Elsewhere(ResourceRef {
                id: text.to_string(),
                resource_type: String::new(),
                name: text.to_string(),
                symbol: None,
            });
        }
        if dep.template.symbolic {
            if let Some(i) = dep.find_symbol(text) {
                return Target::Local(i);
            }
        }
        // Classic templates may name a resource of the same template by its name alone.
        let found = dep
            .index
            .borrow()
            .by_name
            .get(&text.to_ascii_lowercase())
            .copied();
        if let Some(i) = found {
            return Target::Local(i);
        }
        if let Some(i) = dep.find_symbol(text) {
            return Target::Local(i);
        }
        Target::Elsewhere(ResourceRef {
            id: text.to_string(),
            resource_type: String::new(),
            name: text.to_string(),
            symbol: None,
        })
    }

    fn reference_to(&self, target: Target, full: bool, identity: bool) -> Result<Value, EvalError> {
        let resource = match target {
            Target::Local(i) => {
                let inst = self.dep.instances.borrow()[i].clone();
                if inst.condition == ConditionStatus::Skipped {
                    // Its condition is false: ARM neither deploys nor evaluates it, so it has no
                    // state (and a module that is not deployed has no outputs).
                    return Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
                        what: format!(
                            "{} is not deployed (its condition is false)",
                            inst.resource_ref()
                        ),
                    })));
                }
                if inst.is_deployment && !inst.existing && !identity {
                    let outputs = self.dep.ensure_nested(i)?;
                    return Ok(deployment_state(&inst.resource_ref(), outputs, full));
                }
                self.note_system_identity(&inst);
                inst.resource_ref()
            }
            Target::Elsewhere(r) => r,
        };
        let path = if identity {
            "identity"
        } else if full {
            ""
        } else {
            "properties"
        };
        Ok(Value::Unknown(Unknown::new(Origin::RuntimeProperty {
            resource,
            path: path.to_string(),
        })))
    }
}

impl Frame<'_, '_> {
    /// Evaluates, once per resource, whether `inst`'s identity type includes `SystemAssigned`,
    /// for [`EvalScope::is_deployed_principal_id`]: its state is read here, so its
    /// `identity.principalId` may be read next, from this deployment or (through a module output)
    /// from another. Nothing is reported: the body's evaluation reports its own errors.
    fn note_system_identity(&self, inst: &Instance) {
        let key = inst.id.to_ascii_lowercase();
        let engine = self.dep.engine;
        if engine.system_identities.borrow().contains_key(&key) {
            return;
        }
        let Some(identity) = inst.json.as_object().and_then(|o| get_ci(o, "identity")) else {
            return;
        };
        // Marked first: an identity block that reads its own resource stops here.
        engine
            .system_identities
            .borrow_mut()
            .insert(key.clone(), None);
        let mut loops = inst.loops.clone();
        let pointer = crate::template::child(&inst.pointer, "identity");
        let system = self
            .dep
            .eval_tree(&mut loops, identity, &pointer, Mode::Strict, false)
            .ok()
            .and_then(|v| {
                v.get("type").and_then(Value::as_str).map(|t| {
                    t.split(',')
                        .any(|kind| kind.trim().eq_ignore_ascii_case("SystemAssigned"))
                })
            });
        engine.system_identities.borrow_mut().insert(key, system);
    }
}

/// What `reference()` returns for a nested deployment: its outputs (and, with `'full'`, the
/// resource envelope around them).
fn deployment_state(resource: &ResourceRef, outputs: Value, full: bool) -> Value {
    let mut props = Object::new();
    props.insert("outputs".into(), outputs);
    props.insert(
        "provisioningState".into(),
        Value::String("Succeeded".into()),
    );
    props.insert("mode".into(), Value::String("Incremental".into()));
    if !full {
        return Value::Object(props);
    }
    let mut out = Object::new();
    out.insert("id".into(), Value::String(resource.id.clone()));
    out.insert("name".into(), Value::String(resource.name.clone()));
    out.insert("type".into(), Value::String(resource.resource_type.clone()));
    out.insert("properties".into(), Value::Object(props));
    Value::Object(out)
}

impl Frame<'_, '_> {
    /// Among the deployed declarations that render `lower_id` (ids with unknown parts that print
    /// alike), the one whose evaluated name is one of the unknowns `id` was built from: the same
    /// unknown from the same source (`format('dependencies-{0}', s)` in both the module's `name`
    /// and the `resourceId()` that reads its outputs) is the same module, however it prints.
    /// `None` unless exactly one declaration matches.
    fn same_unknown_name(&self, lower_id: &str, id: &Unknown) -> Option<usize> {
        let Origin::PartialResourceId { inputs, .. } = id.origin() else {
            return None;
        };
        let instances = self.dep.instances.borrow();
        let mut found = instances.iter().enumerate().filter(|(_, inst)| {
            inst.condition != ConditionStatus::Skipped
                && inst.id.eq_ignore_ascii_case(lower_id)
                && matches!(&inst.name_value, Value::Unknown(name) if inputs.contains(name))
        });
        let (i, _) = found.next()?;
        found.next().is_none().then_some(i)
    }
}

impl EvalScope for Frame<'_, '_> {
    fn context(&self) -> &DeploymentContext {
        &self.dep.eval_context
    }

    fn target_scope(&self) -> TargetScope {
        self.dep.eval_target
    }

    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        self.dep.parameter(name)
    }

    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        self.dep.variable(name)
    }

    fn user_functions_read_variables(&self) -> bool {
        self.dep.template.symbolic
    }

    fn record_guid(&self, guid: &str, arguments: &[&str]) {
        self.dep
            .engine
            .guids
            .borrow_mut()
            .entry(guid.to_string())
            .or_insert_with(|| arguments.iter().map(|a| a.to_string()).collect());
    }

    fn copy_index(&self, loop_name: Option<&str>) -> Result<i64, EvalError> {
        match loop_name {
            Some(name) => self
                .loops
                .iter()
                .rev()
                .find(|l| {
                    l.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .map(|l| l.index)
                .ok_or_else(|| {
                    EvalError::new(format!(
                        "copyIndex('{name}') is used outside the copy loop '{name}'"
                    ))
                }),
            None => self
                .loops
                .iter()
                .rev()
                .find(|l| matches!(l.kind, LoopKind::Resource | LoopKind::Output))
                .or_else(|| self.loops.last())
                .map(|l| l.index)
                .ok_or_else(|| EvalError::new("copyIndex() is used outside a copy loop")),
        }
    }

    fn deployment(&self) -> Value {
        self.dep.deployment_value()
    }

    fn user_function(&self, namespace: &str, name: &str) -> Option<UserFunction> {
        self.dep.user_function(namespace, name)
    }

    fn reference(
        &self,
        target: &Value,
        _api_version: Option<&Value>,
        full: bool,
    ) -> Result<Value, EvalError> {
        match target {
            Value::String(text) => {
                let (text, identity) = match strip_suffix_ci(text, IDENTITY_SUFFIX) {
                    Some(owner) => (owner, true),
                    None => (text.as_str(), false),
                };
                let resolved = self.resolve(text);
                self.reference_to(resolved, full, identity)
            }
            // An id whose name is unknown (a parameter with no value) still names the resource:
            // keep it, so `reference(...).identity.principalId` reads as that resource's identity.
            Value::Unknown(u) => match u.origin() {
                Origin::PartialResourceId {
                    id, resource_type, ..
                } => {
                    let (id, identity) = match strip_suffix_ci(id, IDENTITY_SUFFIX) {
                        Some(owner) => (owner, true),
                        None => (id.as_str(), false),
                    };
                    // A resource of this deployment whose name holds the same unknown (a module
                    // named from a parameter without value, or from `utcNow()`) renders the same
                    // id: it is that resource, so a module's outputs are still read. Only when
                    // exactly one declaration renders that id; the text of an unknown drops its
                    // known arguments, so two different names can print alike.
                    let local = {
                        let index = self.dep.index.borrow();
                        let lower = id.to_ascii_lowercase();
                        match index.by_id.get(&lower).copied() {
                            Some(i) if !index.ambiguous.contains(&lower) => Some(i),
                            Some(_) => self.same_unknown_name(&lower, u),
                            None => None,
                        }
                    };
                    if let Some(i) = local {
                        return self.reference_to(Target::Local(i), full, identity);
                    }
                    // For the `.../Identities/default` form the resource is the owner.
                    let (resource_type, name) = crate::expand::ids::type_and_name_from_id(id)
                        .unwrap_or_else(|| (resource_type.clone(), String::new()));
                    let resource = ResourceRef {
                        id: id.to_string(),
                        resource_type,
                        name,
                        symbol: None,
                    };
                    self.reference_to(Target::Elsewhere(resource), full, identity)
                }
                _ => Ok(Value::Unknown(Unknown::derived(
                    "reference()",
                    vec![u.clone()],
                ))),
            },
            other => Err(EvalError::new(format!(
                "reference() expects a resource id or name, got {}",
                other.type_name()
            ))),
        }
    }

    fn references(&self, symbol: &str, full: bool) -> Result<Value, EvalError> {
        let indices: Vec<usize> = self
            .dep
            .index
            .borrow()
            .by_symbol
            .get(&symbol.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        if indices.is_empty() {
            return Err(EvalError::new(format!(
                "references('{symbol}'): no resource or module with that symbolic name"
            )));
        }
        let mut out = Vec::with_capacity(indices.len());
        for i in indices {
            out.push(self.reference_to(Target::Local(i), full, false)?);
        }
        Ok(Value::Array(out))
    }

    fn is_deployed_principal_id(&self, u: &Unknown) -> bool {
        let Origin::RuntimeProperty { resource, path } = u.origin() else {
            return false;
        };
        let path = path.to_ascii_lowercase();
        if resource
            .resource_type
            .eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
        {
            // A user-assigned identity always has one (the deployment fails if it does not exist).
            return path == "properties.principalid" || path == "principalid";
        }
        if path.starts_with("identity.userassignedidentities.") && path.ends_with(".principalid") {
            // The principal of an identity attached to the resource: reading one that is not
            // attached fails the deployment.
            return true;
        }
        path == "identity.principalid"
            && self
                .dep
                .engine
                .system_identities
                .borrow()
                .get(&resource.id.to_ascii_lowercase())
                == Some(&Some(true))
    }

    fn call_extension(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        if name.eq_ignore_ascii_case("externalInputs") {
            let what = args
                .first()
                .map(Value::to_display_string)
                .unwrap_or_default();
            return Some(Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
                what: format!("external input '{what}'"),
            }))));
        }
        None
    }
}

fn strip_suffix_ci<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}
