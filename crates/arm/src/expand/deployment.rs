//! One deployment (the root, or a nested `Microsoft.Resources/deployments`) being expanded.
//!
//! Order of work, so that `reference()` to a module finds its outputs: (1) every resource's header
//! (copy instances, condition, type, name, id, scope), (2) bodies, expanding nested deployments
//! on first use (a `reference()` from an earlier resource expands a later module early), (3) outputs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::ids::{self, ScopeKind};
use super::scope::Frame;
use super::{Engine, ExpandError, Record};
use crate::context::{DeploymentContext, TargetScope};
use crate::eval::EvalError;
use crate::params::{ParamEntry, ParamValue};
use crate::plan::{
    ConditionStatus, CopyInstance, DiagnosticLevel, ParameterSource, PlannedDeployment,
    PlannedParameter, PlannedResource,
};
use crate::source::{Document, Location};
use crate::template::{child, ParameterDecl, ResourceDecl, Template, VariableDecl};
use crate::value::{Object, Origin, ResourceRef, Unknown, Value};

use crate::eval::evaluate_string;

/// Parameter values handed to a deployment, by lower-case name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Supplied {
    values: HashMap<String, (String, SuppliedValue, ParameterSource)>,
    /// Where each value that still comes from a parameters file is written, by lower-case name.
    file_locations: HashMap<String, Location>,
    /// Read a file's `""` for a parameter whose default is `""` as a placeholder (see
    /// [`crate::expand::expand_document`]).
    pub(crate) empty_defaults_are_placeholders: bool,
}

#[derive(Debug, Clone)]
enum SuppliedValue {
    Json(Json),
    Value(Value),
    KeyVault,
    Expression(String),
}

impl Supplied {
    pub(crate) fn insert_file(&mut self, name: &str, entry: ParamEntry) {
        self.file_locations
            .insert(name.to_ascii_lowercase(), entry.location.clone());
        let (value, source) = match entry.value {
            ParamValue::Value(j) => (SuppliedValue::Json(j), ParameterSource::ParameterFile),
            ParamValue::KeyVaultReference { .. } => {
                (SuppliedValue::KeyVault, ParameterSource::KeyVaultReference)
            }
            ParamValue::Expression(e) => {
                (SuppliedValue::Expression(e), ParameterSource::ParameterFile)
            }
        };
        self.values
            .insert(name.to_ascii_lowercase(), (name.to_string(), value, source));
    }

    pub(crate) fn insert_override(&mut self, name: &str, value: Json) {
        self.file_locations.remove(&name.to_ascii_lowercase());
        self.values.insert(
            name.to_ascii_lowercase(),
            (
                name.to_string(),
                SuppliedValue::Json(value),
                ParameterSource::CommandLine,
            ),
        );
    }

    fn insert_parent(&mut self, name: &str, value: Value) {
        self.values.insert(
            name.to_ascii_lowercase(),
            (
                name.to_string(),
                SuppliedValue::Value(value),
                ParameterSource::Parent,
            ),
        );
    }

    fn insert_parent_key_vault(&mut self, name: &str) {
        self.values.insert(
            name.to_ascii_lowercase(),
            (
                name.to_string(),
                SuppliedValue::KeyVault,
                ParameterSource::KeyVaultReference,
            ),
        );
    }
}

/// What kind of loop a `copyIndex()` frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoopKind {
    Resource,
    Property,
    Variable,
    Output,
}

/// One active copy loop iteration.
#[derive(Debug, Clone)]
pub(crate) struct Loop {
    pub name: Option<String>,
    pub index: i64,
    pub kind: LoopKind,
}

/// A resource instance's header: known after phase 1.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub json: Arc<Json>,
    pub pointer: String,
    pub symbol: Option<String>,
    pub loops: Vec<Loop>,
    pub copy: Option<CopyInstance>,
    pub resource_type: String,
    pub name: String,
    pub id: String,
    pub scope: String,
    pub api_version: Option<String>,
    pub existing: bool,
    pub is_deployment: bool,
    pub condition: ConditionStatus,
    /// The `name` property as evaluated, unknowns kept (see [`PlannedResource::name_value`]).
    pub name_value: Value,
}

impl Instance {
    pub(crate) fn resource_ref(&self) -> ResourceRef {
        ResourceRef {
            id: self.id.clone(),
            resource_type: self.resource_type.clone(),
            name: self.name.clone(),
            symbol: self.symbol.clone(),
        }
    }
}

enum Slot {
    Busy,
    Done(Result<Value, EvalError>),
}

enum Nested {
    Busy,
    Done(Value),
}

/// How expression errors inside a JSON tree are handled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Stop at the first error (variables, parameter defaults, outputs of `eval`).
    Strict,
    /// Record a diagnostic, put an unknown in place, carry on (resource bodies).
    Lenient,
}

/// An expression error with the JSON pointer of the string that holds it.
pub(crate) struct Located {
    pub error: EvalError,
    pub pointer: String,
}

/// A deployment under expansion.
pub(crate) struct Deployment<'a> {
    pub engine: &'a Engine<'a>,
    pub template: Arc<Template>,
    pub parent: Option<&'a Deployment<'a>>,
    /// `expressionEvaluationOptions.scope = outer`: parameters, variables and functions are the parent's.
    pub outer: bool,
    pub path: String,
    pub name: String,
    order: Vec<usize>,
    depth: usize,
    /// What `subscription()`, `resourceGroup()` and `resourceId()` see.
    pub eval_context: DeploymentContext,
    pub eval_target: TargetScope,
    /// Where this deployment's resources go.
    pub target: TargetScope,
    pub scope_id: String,
    pub location: Location,
    condition: ConditionStatus,
    supplied: Supplied,
    params: RefCell<HashMap<String, Slot>>,
    vars: RefCell<HashMap<String, Slot>>,
    pub instances: RefCell<Vec<Instance>>,
    /// Lookups into `instances`, so `reference()` costs the same in a template of any size.
    pub index: RefCell<InstanceIndex>,
    nested: RefCell<HashMap<usize, Nested>>,
    outputs: RefCell<IndexMap<String, Value>>,
    resources: RefCell<Vec<PlannedResource>>,
}

impl<'a> Deployment<'a> {
    /// The root deployment of a template.
    pub(crate) fn root(
        engine: &'a Engine<'a>,
        template: Arc<Template>,
        supplied: Supplied,
    ) -> Deployment<'a> {
        let ctx = engine.options.context.clone();
        let target = template.target_scope;
        let scope_id = ids::scope_id(
            target,
            &ctx.subscription_id,
            &ctx.resource_group,
            &ctx.management_group,
        );
        let location = template.locate("");
        Deployment {
            engine,
            parent: None,
            outer: false,
            path: String::new(),
            name: ctx.deployment_name.clone(),
            order: Vec::new(),
            depth: 0,
            eval_context: ctx,
            eval_target: target,
            target,
            scope_id,
            location,
            condition: ConditionStatus::Deployed,
            supplied,
            params: RefCell::new(HashMap::new()),
            vars: RefCell::new(HashMap::new()),
            instances: RefCell::new(Vec::new()),
            index: RefCell::new(InstanceIndex::default()),
            nested: RefCell::new(HashMap::new()),
            outputs: RefCell::new(IndexMap::new()),
            resources: RefCell::new(Vec::new()),
            template,
        }
    }

    /// Expands everything and files this deployment's record with the engine.
    pub(crate) fn run(&self) {
        let decls = self.template.resources.clone();
        for decl in &decls {
            if self.engine.failed() {
                return;
            }
            self.collect(decl, None, &[]);
        }
        self.bodies();
        self.evaluate_outputs();
        self.list_parameters();
        let outputs = self.outputs.borrow().clone();
        let deployment = PlannedDeployment {
            path: self.path.clone(),
            name: self.name.clone(),
            scope: display_scope(&self.scope_id),
            target_scope: self.target,
            expression_scope: if self.outer { "outer" } else { "inner" }.into(),
            template_file: self.template.file_name(),
            expanded: true,
            generator: self.template.generator.clone(),
            condition: self.condition.clone(),
            location: self.location.clone(),
            outputs,
        };
        self.engine.records.borrow_mut().push(Record {
            order: self.order.clone(),
            deployment,
            resources: std::mem::take(&mut *self.resources.borrow_mut()),
        });
    }

    /// Outputs by name.
    pub(crate) fn outputs_map(&self) -> IndexMap<String, Value> {
        self.outputs.borrow().clone()
    }

    pub(crate) fn locate(&self, pointer: &str) -> Location {
        self.template.locate(pointer)
    }

    // ---- evaluation helpers -------------------------------------------------------------

    /// Evaluates one string in a frame with `loops` active.
    pub(crate) fn eval_str(
        &self,
        loops: &[Loop],
        text: &str,
        pointer: &str,
    ) -> Result<Value, EvalError> {
        if !self.engine.step(|| self.locate(pointer)) {
            return Err(EvalError::new("evaluation budget exceeded"));
        }
        let frame = Frame { dep: self, loops };
        evaluate_string(text, &frame)
    }

    /// Evaluates a JSON tree. Property `copy` blocks are expanded. With `record`, every unknown in
    /// the result is listed in `plan.unresolved` at the string it came from.
    pub(crate) fn eval_tree(
        &self,
        loops: &mut Vec<Loop>,
        json: &Json,
        pointer: &str,
        mode: Mode,
        record: bool,
    ) -> Result<Value, Located> {
        if self.engine.failed() {
            return Err(Located {
                error: EvalError::new("expansion stopped"),
                pointer: pointer.to_string(),
            });
        }
        match json {
            Json::String(s) => match self.eval_str(loops, s, pointer) {
                Ok(v) => {
                    if record && v.contains_unknown() {
                        let location = self.locate(pointer);
                        for u in v.unknowns() {
                            self.engine.unresolved(u.to_string(), location.clone());
                        }
                    }
                    Ok(v)
                }
                Err(error) => self.on_error(mode, error, pointer),
            },
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.eval_tree(
                        loops,
                        item,
                        &child(pointer, &i.to_string()),
                        mode,
                        record,
                    )?);
                }
                Ok(Value::Array(out))
            }
            Json::Object(map) => {
                let mut out = Object::with_capacity(map.len());
                for (key, value) in map {
                    let p = child(pointer, key);
                    if key.eq_ignore_ascii_case("copy") && is_property_copy(value) {
                        self.property_copies(loops, value, &p, mode, record, &mut out)?;
                        continue;
                    }
                    let key = if crate::eval::is_expression(key) {
                        match self.eval_str(loops, key, &p) {
                            Ok(k) => k.to_display_string(),
                            Err(error) => {
                                self.on_error(mode, error, &p)?;
                                key.clone()
                            }
                        }
                    } else {
                        key.clone()
                    };
                    out.insert(key, self.eval_tree(loops, value, &p, mode, record)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(Value::from_json(other)),
        }
    }

    fn on_error(&self, mode: Mode, error: EvalError, pointer: &str) -> Result<Value, Located> {
        match mode {
            Mode::Strict => Err(Located {
                error,
                pointer: pointer.to_string(),
            }),
            Mode::Lenient => {
                let location = self.locate(pointer);
                let line = location.line;
                self.engine.diagnostic(
                    DiagnosticLevel::Error,
                    "expression-error",
                    error.to_string(),
                    location,
                );
                // The line lets a finding about what this value decides point at the error.
                Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
                    what: format!("an expression that failed to evaluate (line {line})"),
                })))
            }
        }
    }

    fn property_copies(
        &self,
        loops: &mut Vec<Loop>,
        value: &Json,
        pointer: &str,
        mode: Mode,
        record: bool,
        out: &mut Object,
    ) -> Result<(), Located> {
        let Json::Array(entries) = value else {
            return Ok(());
        };
        for (i, entry) in entries.iter().enumerate() {
            let p = child(pointer, &i.to_string());
            let (Some(name), Some(count), Some(input)) = (
                entry.get("name").and_then(Json::as_str),
                entry.get("count"),
                entry.get("input"),
            ) else {
                continue;
            };
            let value = match self.eval_count(loops, count, &child(&p, "count"))? {
                Count::Known(n) => {
                    let mut items = Vec::with_capacity(n as usize);
                    for index in 0..n {
                        loops.push(Loop {
                            name: Some(name.to_string()),
                            index,
                            kind: LoopKind::Property,
                        });
                        let r = self.eval_tree(loops, input, &child(&p, "input"), mode, record);
                        loops.pop();
                        items.push(r?);
                    }
                    Value::Array(items)
                }
                Count::Unknown(u) => Value::Unknown(Unknown::derived("copy loop", vec![u])),
            };
            out.insert(name.to_string(), value);
        }
        Ok(())
    }

    /// A copy count: a known integer within the limit, or unknown. Over the limit is fatal.
    fn eval_count(
        &self,
        loops: &mut Vec<Loop>,
        json: &Json,
        pointer: &str,
    ) -> Result<Count, Located> {
        let v = self.eval_tree(loops, json, pointer, Mode::Strict, false)?;
        let n = match v {
            Value::Int(n) => n,
            Value::Float(f) if f.fract() == 0.0 => f as i64,
            Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().unwrap_or(0),
            Value::Unknown(u) => return Ok(Count::Unknown(u)),
            other => {
                return Err(Located {
                    error: EvalError::new(format!(
                        "copy count must be an integer, found {}",
                        other.type_name()
                    )),
                    pointer: pointer.to_string(),
                })
            }
        };
        let max = self.engine.limits().max_copy;
        if n < 0 || n > max {
            self.engine.fail(ExpandError::Limit {
                message: format!("copy count {n} is outside 0..={max} (ARM's copy limit)"),
                location: self.locate(pointer),
            });
            return Err(Located {
                error: EvalError::new(format!("copy count {n} exceeds {max}")),
                pointer: pointer.to_string(),
            });
        }
        Ok(Count::Known(n))
    }

    fn report(&self, located: Located, code: &str) {
        if self.engine.failed() {
            return;
        }
        self.engine.diagnostic(
            DiagnosticLevel::Error,
            code,
            located.error.to_string(),
            self.locate(&located.pointer),
        );
    }

    /// An error in a resource's header (type, name, scope): none for a resource that is not
    /// deployed (ARM does not evaluate it either), a warning for an `existing` one, else an error.
    fn report_header(&self, located: Located, skipped: bool, existing: bool) {
        if skipped {
            return;
        }
        if existing {
            self.report_existing(located);
        } else {
            self.report(located, "expression-error");
        }
    }

    /// An expression of an `existing` resource that cannot be evaluated. ARM reads an existing
    /// resource only when something uses it, so this is no template error; whatever does use it
    /// gets an id with an unknown part and is reported as unresolved.
    fn report_existing(&self, located: Located) {
        if self.engine.failed() {
            return;
        }
        self.engine.diagnostic(
            DiagnosticLevel::Warning,
            "existing-resource-not-evaluated",
            format!(
                "existing resource: {} (anything that uses this resource is unresolved)",
                located.error
            ),
            self.locate(&located.pointer),
        );
    }

    // ---- phase 1: headers -----------------------------------------------------------------

    fn collect(&self, decl: &ResourceDecl, parent: Option<usize>, outer_loops: &[Loop]) {
        let obj = decl.json.as_object();
        let copy = obj
            .and_then(|o| get_ci(o, "copy"))
            .and_then(Json::as_object);
        let mut loops = outer_loops.to_vec();
        match copy {
            None => self.header(decl, parent, loops, None),
            Some(copy) => {
                let name = copy
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("copy")
                    .to_string();
                let count_pointer = child(&child(&decl.pointer, "copy"), "count");
                let count = copy.get("count").cloned().unwrap_or(Json::from(0));
                let (n, count_unknown) = match self.eval_count(&mut loops, &count, &count_pointer) {
                    Ok(Count::Known(n)) => (n, false),
                    Ok(Count::Unknown(u)) => {
                        self.engine.diagnostic(
                            DiagnosticLevel::Warning,
                            "copy-count-unknown",
                            format!("copy loop `{name}` has a count known only at deployment ({u}); planned as one instance"),
                            self.locate(&count_pointer),
                        );
                        (1, true)
                    }
                    Err(e) => {
                        self.report(e, "expression-error");
                        return;
                    }
                };
                for index in 0..n {
                    if self.engine.failed() {
                        return;
                    }
                    let mut l = loops.clone();
                    l.push(Loop {
                        name: Some(name.clone()),
                        index,
                        kind: LoopKind::Resource,
                    });
                    self.header(
                        decl,
                        parent,
                        l,
                        Some(CopyInstance {
                            name: name.clone(),
                            index,
                            count_unknown,
                        }),
                    );
                }
            }
        }
    }

    fn header(
        &self,
        decl: &ResourceDecl,
        parent: Option<usize>,
        mut loops: Vec<Loop>,
        copy: Option<CopyInstance>,
    ) {
        let count = self.engine.resource_count.get() + 1;
        self.engine.resource_count.set(count);
        if count > self.engine.limits().max_resources {
            self.engine.fail(ExpandError::Limit {
                message: format!(
                    "more than {} resources in total",
                    self.engine.limits().max_resources
                ),
                location: self.locate(&decl.pointer),
            });
            return;
        }
        let Some(obj) = decl.json.as_object() else {
            return;
        };
        // The condition first: a resource that is not deployed may have names that cannot be
        // evaluated (ARM does not evaluate them either), so its errors are not reported.
        let condition = self.condition(decl, obj, parent, &mut loops);
        let quiet = condition == ConditionStatus::Skipped;
        let existing = matches!(get_ci(obj, "existing"), Some(Json::Bool(true)));
        let value = |key: &str, loops: &mut Vec<Loop>| -> Option<Value> {
            let json = get_ci(obj, key)?;
            let p = child(&decl.pointer, key);
            match self.eval_tree(loops, json, &p, Mode::Strict, !quiet) {
                Ok(v) => Some(v),
                Err(e) => {
                    // The error is reported once, here; the value is unknown, never a made-up
                    // text that messages would print as a name.
                    let line = self.locate(&e.pointer).line;
                    self.report_header(e, quiet, existing);
                    Some(Value::Unknown(Unknown::new(Origin::NotEvaluated {
                        what: format!("the {key} at line {line}, whose expression is in error"),
                    })))
                }
            }
        };
        let text = |key: &str, loops: &mut Vec<Loop>| -> Option<String> {
            value(key, loops).map(|v| v.to_display_string())
        };
        let ty = text("type", &mut loops).unwrap_or_default();
        let name_value = value("name", &mut loops).unwrap_or_else(|| Value::String(String::new()));
        let name = name_value.to_display_string();
        let api_version = text("apiVersion", &mut loops);
        // An existing resource in another subscription or resource group (Bicep's
        // `existing` with `scope: resourceGroup(...)` in languageVersion 2.0 output).
        let existing_scope = if existing && get_ci(obj, "scope").is_none() {
            let subscription = text("subscriptionId", &mut loops);
            let resource_group = text("resourceGroup", &mut loops);
            self.existing_scope(subscription, resource_group)
        } else {
            None
        };

        let (mut full_type, mut full_name) = (ty.clone(), name.clone());
        if let Some(p) = parent {
            let instances = self.instances.borrow();
            if let Some(pi) = instances.get(p) {
                let qualified = ty.split('/').next().is_some_and(|s| s.contains('.'));
                if qualified {
                    let segs = ty.split('/').count();
                    if name.split('/').count() + 1 < segs {
                        full_name = format!("{}/{}", pi.name, name);
                    }
                } else {
                    full_type = format!("{}/{}", pi.resource_type, ty);
                    full_name = format!("{}/{}", pi.name, name);
                }
            }
        }
        let is_deployment = full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments");
        let (resource_type, resource_name, scope) =
            if let Some((pt, pn, et, en)) = ids::split_legacy_extension(&full_type, &full_name) {
                (et, en, ids::resource_id(&self.scope_id, &pt, &pn))
            } else if let (Some(scope_json), false) = (get_ci(obj, "scope"), is_deployment) {
                let p = child(&decl.pointer, "scope");
                let scope = match self.eval_tree(&mut loops, scope_json, &p, Mode::Strict, !quiet) {
                    Ok(v) => self.resolve_scope(&v),
                    Err(e) => {
                        self.report_header(e, quiet, existing);
                        self.scope_id.clone()
                    }
                };
                (full_type, full_name, scope)
            } else if let Some(scope) = existing_scope {
                (full_type, full_name, scope)
            } else {
                (full_type, full_name, self.scope_id.clone())
            };
        let id = ids::resource_id(&scope, &resource_type, &resource_name);
        let instance = Instance {
            json: decl.json.clone(),
            pointer: decl.pointer.clone(),
            symbol: decl.symbol.clone(),
            loops: loops.clone(),
            copy,
            resource_type,
            name: resource_name,
            id: id.clone(),
            scope: display_scope(&scope),
            api_version,
            existing,
            is_deployment,
            condition,
            name_value,
        };
        self.engine
            .by_id
            .borrow_mut()
            .insert(id.to_ascii_lowercase(), instance.resource_ref());
        let index = {
            let mut instances = self.instances.borrow_mut();
            let i = instances.len();
            self.index.borrow_mut().add(&instance, i);
            instances.push(instance);
            i
        };
        for c in &decl.children {
            if self.engine.failed() {
                return;
            }
            self.collect(c, Some(index), &loops);
        }
    }

    /// The id of an extension resource's `scope`: a full id, a symbolic name, or a relative
    /// `Namespace/type/name` path under this deployment's scope.
    /// The scope id of an existing resource given `subscriptionId` and/or `resourceGroup`: a
    /// resource group (in this or the given subscription), or a subscription. `None` when neither
    /// is given: it lives where this deployment deploys.
    fn existing_scope(
        &self,
        subscription: Option<String>,
        resource_group: Option<String>,
    ) -> Option<String> {
        let current_subscription =
            || Some(self.eval_context.subscription_id.clone()).filter(|s| !s.is_empty());
        match (subscription, resource_group) {
            (None, None) => None,
            (subscription, Some(rg)) => {
                let subscription = subscription.or_else(current_subscription)?;
                Some(format!("/subscriptions/{subscription}/resourceGroups/{rg}"))
            }
            (Some(subscription), None) => Some(format!("/subscriptions/{subscription}")),
        }
    }

    pub(crate) fn resolve_scope(&self, value: &Value) -> String {
        match value {
            Value::String(s) => {
                let s = s.trim();
                if s.starts_with('/') {
                    return s.trim_end_matches('/').to_string();
                }
                if !s.contains('/') {
                    if let Some(i) = self.find_symbol(s) {
                        if let Some(inst) = self.instances.borrow().get(i) {
                            return inst.id.clone();
                        }
                    }
                }
                format!("{}/providers/{s}", self.scope_id)
            }
            // A resource path with unknown name parts (`format('Microsoft.Storage/storageAccounts/
            // {0}', x)`): still a resource of that type, under this deployment's scope if relative.
            Value::Unknown(u) => match u.origin() {
                // A full id, or one whose scope part is itself unknown (`{…}/providers/…`); a
                // relative path starts with its provider namespace.
                Origin::PartialResourceId { id, .. }
                    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) =>
                {
                    id.trim_end_matches('/').to_string()
                }
                Origin::PartialResourceId { id, .. } => {
                    format!("{}/providers/{}", self.scope_id, id.trim_end_matches('/'))
                }
                _ => value.to_display_string(),
            },
            other => other.to_display_string(),
        }
    }

    /// Index of the instance with symbolic name `symbol` (`sym` or `sym[i]`).
    pub(crate) fn find_symbol(&self, symbol: &str) -> Option<usize> {
        let (base, index) = match symbol.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((b, i)) => (b, i.trim().parse::<i64>().ok()),
            None => (symbol, None),
        };
        let lookup = self.index.borrow();
        let candidates = lookup.by_symbol.get(&base.to_ascii_lowercase())?;
        match index {
            None => candidates.first().copied(),
            Some(i) => {
                let instances = self.instances.borrow();
                candidates.iter().copied().find(|&c| {
                    instances
                        .get(c)
                        .and_then(|inst| inst.copy.as_ref())
                        .is_some_and(|copy| copy.index == i)
                })
            }
        }
    }

    // ---- conditions ------------------------------------------------------------------------------

    /// Whether a resource instance is deployed: its own `condition` and its parent's.
    fn condition(
        &self,
        decl: &ResourceDecl,
        obj: &serde_json::Map<String, Json>,
        parent: Option<usize>,
        loops: &mut Vec<Loop>,
    ) -> ConditionStatus {
        let parent_status =
            parent.and_then(|p| self.instances.borrow().get(p).map(|i| i.condition.clone()));
        if parent_status == Some(ConditionStatus::Skipped) {
            return ConditionStatus::Skipped;
        }
        let pointer = child(&decl.pointer, "condition");
        let own = match get_ci(obj, "condition") {
            None => ConditionStatus::Deployed,
            Some(c) => match self.eval_tree(loops, c, &pointer, Mode::Strict, false) {
                Ok(v) => condition_status(&v),
                Err(e) => {
                    self.report(e, "expression-error");
                    ConditionStatus::Deployed
                }
            },
        };
        let status = match (parent_status, own) {
            (_, ConditionStatus::Skipped) => ConditionStatus::Skipped,
            (_, a @ ConditionStatus::Assumed { .. }) => a,
            (Some(a @ ConditionStatus::Assumed { .. }), _) => a,
            _ => ConditionStatus::Deployed,
        };
        if let ConditionStatus::Assumed { depends_on } = &status {
            self.engine
                .unresolved(depends_on.clone(), self.locate(&pointer));
        }
        status
    }

    // ---- phase 3: bodies and nested deployments ------------------------------------------------

    fn bodies(&self) {
        let n = self.instances.borrow().len();
        for i in 0..n {
            if self.engine.failed() {
                return;
            }
            let inst = self.instances.borrow()[i].clone();
            let body = if inst.condition == ConditionStatus::Skipped {
                Value::Null
            } else {
                self.body(&inst)
            };
            if inst.is_deployment && !inst.existing && inst.condition != ConditionStatus::Skipped {
                // Expands it (once) even when nothing references its outputs.
                let _ = self.ensure_nested(i);
            }
            let location = self.locate(&inst.pointer);
            self.resources.borrow_mut().push(PlannedResource {
                resource_type: inst.resource_type,
                name: inst.name,
                name_value: inst.name_value,
                id: inst.id,
                scope: inst.scope,
                symbol: inst.symbol,
                api_version: inst.api_version,
                existing: inst.existing,
                condition: inst.condition,
                deployment: self.path.clone(),
                copy: inst.copy,
                location,
                body,
                declared: inst.json,
            });
        }
    }

    fn body(&self, inst: &Instance) -> Value {
        let Some(obj) = inst.json.as_object() else {
            return Value::Null;
        };
        let mut loops = inst.loops.clone();
        let mut out = Object::new();
        for (key, value) in obj {
            let lower = key.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "name"
                    | "type"
                    | "apiversion"
                    | "condition"
                    | "copy"
                    | "dependson"
                    | "resources"
                    | "existing"
                    | "scope"
                    | "comments"
            ) {
                continue;
            }
            if inst.existing && matches!(lower.as_str(), "subscriptionid" | "resourcegroup") {
                // Part of the id (see `header`), evaluated there.
                continue;
            }
            let p = child(&inst.pointer, key);
            let v = if inst.is_deployment && lower == "properties" {
                self.deployment_properties(&mut loops, value, &p)
            } else {
                self.eval_tree(&mut loops, value, &p, Mode::Lenient, true)
            };
            match v {
                Ok(v) => {
                    out.insert(key.clone(), v);
                }
                Err(e) if inst.existing => self.report_existing(e),
                Err(e) => self.report(e, "expression-error"),
            }
        }
        Value::Object(out)
    }

    /// A nested deployment's `properties`, without its `template` (which belongs to the nested
    /// deployment's own evaluation, not ours).
    fn deployment_properties(
        &self,
        loops: &mut Vec<Loop>,
        value: &Json,
        pointer: &str,
    ) -> Result<Value, Located> {
        let Json::Object(map) = value else {
            return self.eval_tree(loops, value, pointer, Mode::Lenient, true);
        };
        let mut out = Object::new();
        for (key, v) in map {
            if key.eq_ignore_ascii_case("template") {
                continue;
            }
            let p = child(pointer, key);
            out.insert(
                key.clone(),
                self.eval_tree(loops, v, &p, Mode::Lenient, true)?,
            );
        }
        Ok(Value::Object(out))
    }

    /// The outputs object of nested deployment `index` (`{name: {type, value}}`), expanding it on
    /// first use.
    pub(crate) fn ensure_nested(&self, index: usize) -> Result<Value, EvalError> {
        match self.nested.borrow().get(&index) {
            Some(Nested::Busy) => {
                let name = self.instances.borrow()[index].name.clone();
                return Err(EvalError::new(format!(
                    "circular reference: deployment '{name}' needs its own outputs"
                )));
            }
            Some(Nested::Done(v)) => return Ok(v.clone()),
            None => {}
        }
        self.nested.borrow_mut().insert(index, Nested::Busy);
        let outputs = self.expand_nested(index);
        self.nested
            .borrow_mut()
            .insert(index, Nested::Done(outputs.clone()));
        Ok(outputs)
    }

    fn expand_nested(&self, index: usize) -> Value {
        let inst = self.instances.borrow()[index].clone();
        let not_expanded = |what: String| {
            Value::Unknown(Unknown::new(Origin::NotEvaluated {
                what: format!("outputs of deployment '{}' ({what})", inst.name),
            }))
        };
        let Some(obj) = inst.json.as_object() else {
            return not_expanded("not an object".into());
        };
        let props_key = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case("properties"))
            .cloned();
        let Some(props) = props_key
            .as_ref()
            .and_then(|k| obj.get(k))
            .and_then(Json::as_object)
        else {
            self.engine.diagnostic(
                DiagnosticLevel::Error,
                "deployment-without-template",
                format!("deployment '{}' has no properties", inst.name),
                self.locate(&inst.pointer),
            );
            return not_expanded("no properties".into());
        };
        let props_pointer = child(&inst.pointer, props_key.as_deref().unwrap_or("properties"));
        if self.depth + 1 > self.engine.limits().max_depth {
            self.engine.fail(ExpandError::Limit {
                message: format!(
                    "nested deployments deeper than {} levels",
                    self.engine.limits().max_depth
                ),
                location: self.locate(&inst.pointer),
            });
            return not_expanded("too deep".into());
        }
        let mut loops = inst.loops.clone();
        // Outer scope is ARM's default for inline templates (linked templates are always inner):
        // without `expressionEvaluationOptions.scope = inner`, `parameters()` and `variables()`
        // inside read the parent's. That holds under symbolic-name (languageVersion 2.0)
        // parents too (hand-written 2.0 templates rely on it); there a nested deployment that
        // passes `parameters` of its own is taken as inner, as Bicep always writes it.
        let inline = props
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("template") && (v.is_object() || v.is_string()));
        let passes_parameters = get_ci(props, "parameters")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty());
        let outer = inline
            && (!self.template.symbolic || !passes_parameters)
            && !get_ci(props, "expressionEvaluationOptions")
                .and_then(Json::as_object)
                .and_then(|o| get_ci(o, "scope"))
                .and_then(Json::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"));

        // The template: inline, or a local relative link.
        let template = if let Some((key, _)) = props
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case("template") && v.is_object())
        {
            let p = child(&props_pointer, key);
            match self.engine.template_at(self.template.document.clone(), &p) {
                Ok(t) => t,
                Err(e) => {
                    self.engine.diagnostic(
                        DiagnosticLevel::Error,
                        "invalid-nested-template",
                        e.message.clone(),
                        e.location,
                    );
                    return not_expanded("invalid template".into());
                }
            }
        } else if let Some(link) = get_ci(props, "templateLink").and_then(Json::as_object) {
            let link_pointer = child(&props_pointer, "templateLink");
            if let Some(rel) = get_ci(link, "relativePath") {
                let rp = child(&link_pointer, "relativePath");
                let rel = match self.eval_tree(&mut loops, rel, &rp, Mode::Strict, false) {
                    Ok(Value::String(s)) => s,
                    Ok(other) => {
                        self.link_not_expanded(
                            &inst,
                            &rp,
                            &format!("relativePath is {}", other.to_display_string()),
                        );
                        return not_expanded("relativePath not known".into());
                    }
                    Err(e) => {
                        self.report(e, "expression-error");
                        return not_expanded("relativePath failed".into());
                    }
                };
                let base = self
                    .template
                    .document
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let path = base.join(&rel);
                match self.engine.template_file(&path) {
                    Ok(t) => t,
                    Err(message) => {
                        self.engine.diagnostic(
                            DiagnosticLevel::Error,
                            "template-link-not-found",
                            format!("deployment '{}': {message}", inst.name),
                            self.locate(&rp),
                        );
                        return not_expanded("linked template not loaded".into());
                    }
                }
            } else {
                let up = child(&link_pointer, "uri");
                let uri = get_ci(link, "uri")
                    .and_then(|u| {
                        self.eval_tree(&mut loops, u, &up, Mode::Lenient, false)
                            .ok()
                    })
                    .map(|v| v.to_display_string())
                    .unwrap_or_default();
                self.link_not_expanded(&inst, &link_pointer, &format!("remote template {uri}"));
                return not_expanded("remote template not fetched".into());
            }
        } else if let Some((key, Json::String(text))) = props
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case("template") && v.is_string())
        {
            let p = child(&props_pointer, key);
            match self.expression_template(&loops, text, &p, &inst.name) {
                Ok(t) => t,
                Err(what) => return not_expanded(what),
            }
        } else {
            self.engine.diagnostic(
                DiagnosticLevel::Error,
                "deployment-without-template",
                format!(
                    "deployment '{}' has neither `template` nor `templateLink`",
                    inst.name
                ),
                self.locate(&props_pointer),
            );
            return not_expanded("no template".into());
        };

        // Parameters, evaluated here in the parent.
        let mut supplied = Supplied::default();
        if let Some((pkey, Json::Object(params))) = props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("parameters"))
        {
            let pp = child(&props_pointer, pkey);
            for (name, entry) in params {
                let ep = child(&pp, name);
                if let Some(v) = entry.get("value") {
                    match self.eval_tree(&mut loops, v, &child(&ep, "value"), Mode::Lenient, false)
                    {
                        Ok(v) => supplied.insert_parent(name, v),
                        Err(e) => self.report(e, "expression-error"),
                    }
                } else if entry.get("reference").is_some() {
                    supplied.insert_parent_key_vault(name);
                } else {
                    // The entry as a whole is an expression (`[if(c, createObject('value', x),
                    // createObject('value', null()))]`) or built by a property copy loop
                    // (`{"copy": [{"name": "value", ...}]}`): evaluate it, then read `value`.
                    match self.eval_tree(&mut loops, entry, &ep, Mode::Lenient, false) {
                        Ok(Value::Object(o)) => {
                            if let Some(v) = crate::value::object_get(&o, "value") {
                                supplied.insert_parent(name, v.clone());
                            } else if crate::value::object_get(&o, "reference").is_some() {
                                supplied.insert_parent_key_vault(name);
                            }
                        }
                        Ok(Value::Unknown(u)) => supplied.insert_parent(
                            name,
                            Value::Unknown(Unknown::derived("parameter entry", vec![u])),
                        ),
                        Ok(other) => self.engine.diagnostic(
                            DiagnosticLevel::Error,
                            "invalid-nested-parameter",
                            format!(
                                "deployment '{}': parameter '{name}' must be an object with `value` or `reference`, found {}",
                                inst.name,
                                other.type_name()
                            ),
                            self.locate(&ep),
                        ),
                        Err(e) => self.report(e, "expression-error"),
                    }
                }
            }
        }
        if props.contains_key("parametersLink") {
            self.engine.diagnostic(
                DiagnosticLevel::Warning,
                "parameters-link-not-read",
                format!(
                    "deployment '{}': parametersLink is not fetched; its parameters are unknown",
                    inst.name
                ),
                self.locate(&child(&props_pointer, "parametersLink")),
            );
        }

        let (context, target, scope_id) = self.nested_target(obj, &inst, &mut loops, &template);
        let path = if self.path.is_empty() {
            inst.name.clone()
        } else {
            format!("{}/{}", self.path, inst.name)
        };
        let mut order = self.order.clone();
        order.push(index);
        let (eval_context, eval_target) = if outer {
            (self.eval_context.clone(), self.eval_target)
        } else {
            (context, target)
        };
        let child_dep = Deployment {
            engine: self.engine,
            parent: Some(self),
            outer,
            path,
            name: inst.name.clone(),
            order,
            depth: self.depth + 1,
            eval_context,
            eval_target,
            target,
            scope_id,
            location: self.locate(&inst.pointer),
            condition: inst.condition.clone(),
            supplied,
            params: RefCell::new(HashMap::new()),
            vars: RefCell::new(HashMap::new()),
            instances: RefCell::new(Vec::new()),
            index: RefCell::new(InstanceIndex::default()),
            nested: RefCell::new(HashMap::new()),
            outputs: RefCell::new(IndexMap::new()),
            resources: RefCell::new(Vec::new()),
            template,
        };
        child_dep.run();
        child_dep.outputs_object()
    }

    /// A nested `template` given as an expression (Bicep writes `"template":
    /// "[variables('$fxv#0')]"` for a template read with `loadJsonContent()`): evaluated here, in
    /// the parent, then expanded like an inline template. Its locations are those of the evaluated
    /// JSON, in a document named after the parent file and the `template` property.
    fn expression_template(
        &self,
        loops: &[Loop],
        text: &str,
        pointer: &str,
        deployment: &str,
    ) -> Result<Arc<Template>, String> {
        let value = match self.eval_str(loops, text, pointer) {
            Ok(v) => v,
            Err(e) => {
                self.report(
                    Located {
                        error: e,
                        pointer: pointer.to_string(),
                    },
                    "expression-error",
                );
                return Err("template expression failed".into());
            }
        };
        if !matches!(value, Value::Object(_) | Value::Unknown(_)) {
            self.engine.diagnostic(
                DiagnosticLevel::Error,
                "invalid-nested-template",
                format!(
                    "deployment '{deployment}': `template` evaluates to {}, not a template object",
                    value.to_display_string()
                ),
                self.locate(pointer),
            );
            return Err("template is not an object".into());
        }
        if value.contains_unknown() {
            // ARM would deploy it; rolegate cannot expand what it cannot know, and says so.
            self.engine.diagnostic(
                DiagnosticLevel::Warning,
                "nested-template-unknown",
                format!(
                    "deployment '{deployment}': `template` depends on values known only at deployment ({}); it is not expanded, so its resources are not in the plan",
                    value.unknowns().first().map(|u| u.to_string()).unwrap_or_default()
                ),
                self.locate(pointer),
            );
            return Err("template not known".into());
        }
        let pretty = serde_json::to_string_pretty(&value.to_json()).unwrap_or_default();
        let path = format!("{}#{pointer}", self.template.document.file_name());
        match self.engine.template_text(&path, &pretty) {
            Ok(t) => Ok(t),
            Err(e) => {
                self.engine.diagnostic(
                    DiagnosticLevel::Error,
                    "invalid-nested-template",
                    e.message.clone(),
                    self.locate(pointer),
                );
                Err("invalid template".into())
            }
        }
    }

    fn link_not_expanded(&self, inst: &Instance, pointer: &str, what: &str) {
        self.engine.diagnostic(
            DiagnosticLevel::Warning,
            "template-link-not-expanded",
            format!(
                "deployment '{}' uses {what}; it is not expanded, so its resources are not in the plan",
                inst.name
            ),
            self.locate(pointer),
        );
        let path = if self.path.is_empty() {
            inst.name.clone()
        } else {
            format!("{}/{}", self.path, inst.name)
        };
        let mut order = self.order.clone();
        order.push(usize::MAX - 1);
        self.engine.records.borrow_mut().push(Record {
            order,
            deployment: PlannedDeployment {
                path,
                name: inst.name.clone(),
                scope: inst.scope.clone(),
                target_scope: self.target,
                expression_scope: "inner".into(),
                template_file: String::new(),
                expanded: false,
                generator: None,
                condition: inst.condition.clone(),
                location: self.locate(&inst.pointer),
                outputs: IndexMap::new(),
            },
            resources: Vec::new(),
        });
    }

    /// Where a nested deployment deploys: its `scope`, `subscriptionId` and `resourceGroup`.
    fn nested_target(
        &self,
        obj: &serde_json::Map<String, Json>,
        inst: &Instance,
        loops: &mut Vec<Loop>,
        template: &Template,
    ) -> (DeploymentContext, TargetScope, String) {
        let mut ctx = self.eval_context.clone();
        ctx.deployment_name = inst.name.clone();
        let mut eval = |key: &str| -> Option<String> {
            let json = get_ci(obj, key)?;
            let p = child(&inst.pointer, key);
            match self.eval_tree(loops, json, &p, Mode::Lenient, true) {
                Ok(v) => Some(v.to_display_string()),
                Err(_) => None,
            }
        };
        let scope = eval("scope");
        let sub = eval("subscriptionId");
        let rg = eval("resourceGroup");
        let mut target = self.target;
        if let Some(scope) = scope {
            match ids::parse_scope(&scope) {
                ScopeKind::Tenant => target = TargetScope::Tenant,
                ScopeKind::ManagementGroup(mg) => {
                    ctx.management_group = mg;
                    target = TargetScope::ManagementGroup;
                }
                ScopeKind::Subscription(s) => {
                    ctx.subscription_id = s;
                    target = TargetScope::Subscription;
                }
                ScopeKind::ResourceGroup(s, r) => {
                    ctx.subscription_id = s;
                    ctx.resource_group = r;
                    target = TargetScope::ResourceGroup;
                }
                ScopeKind::Other => {}
            }
        } else {
            if let Some(s) = sub.clone() {
                ctx.subscription_id = s;
            }
            // A resource-group deployment reaches its subscription through a nested deployment
            // with `subscriptionId` and `location` but no `resourceGroup` (Bicep `scope: subscription()`).
            let subscription_level = get_ci(obj, "location").is_some()
                || template.target_scope == TargetScope::Subscription;
            if let Some(r) = rg {
                ctx.resource_group = r;
                target = TargetScope::ResourceGroup;
            } else if sub.is_some()
                && (subscription_level || self.target != TargetScope::ResourceGroup)
            {
                target = TargetScope::Subscription;
            } else if self.target == TargetScope::ResourceGroup {
                target = TargetScope::ResourceGroup;
            } else if template.target_scope > self.target
                && template.target_scope == TargetScope::Subscription
                && self.target == TargetScope::Subscription
            {
                target = TargetScope::Subscription;
            }
        }
        let scope_id = ids::scope_id(
            target,
            &ctx.subscription_id,
            &ctx.resource_group,
            &ctx.management_group,
        );
        (ctx, target, scope_id)
    }

    /// `{name: {type, value}}`, as `reference(deployment).outputs` shows it.
    pub(crate) fn outputs_object(&self) -> Value {
        let outputs = self.outputs.borrow();
        let mut out = Object::new();
        for (name, value) in outputs.iter() {
            let ty = self
                .template
                .outputs
                .get(name)
                .map(|o| o.declared_type.clone())
                .unwrap_or_else(|| "object".into());
            let mut entry = Object::new();
            entry.insert("type".into(), Value::String(ty));
            entry.insert("value".into(), value.clone());
            out.insert(name.clone(), Value::Object(entry));
        }
        Value::Object(out)
    }

    // ---- phase 4: outputs -----------------------------------------------------------------------

    fn evaluate_outputs(&self) {
        let decls: Vec<_> = self.template.outputs.values().cloned().collect();
        for decl in decls {
            if self.engine.failed() {
                return;
            }
            let Some(obj) = decl.json.as_object() else {
                continue;
            };
            let mut loops = Vec::new();
            if let Some(c) = get_ci(obj, "condition") {
                match self.eval_tree(
                    &mut loops,
                    c,
                    &child(&decl.pointer, "condition"),
                    Mode::Strict,
                    false,
                ) {
                    Ok(Value::Bool(false)) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        self.report(e, "expression-error");
                        continue;
                    }
                }
            }
            let value = if let Some(copy) = get_ci(obj, "copy").and_then(Json::as_object) {
                let cp = child(&decl.pointer, "copy");
                let count = copy.get("count").cloned().unwrap_or(Json::from(0));
                let input = copy.get("input").cloned().unwrap_or(Json::Null);
                match self.eval_count(&mut loops, &count, &child(&cp, "count")) {
                    Ok(Count::Known(n)) => {
                        let mut items = Vec::new();
                        let mut failed = None;
                        for index in 0..n {
                            loops.push(Loop {
                                name: None,
                                index,
                                kind: LoopKind::Output,
                            });
                            let r = self.eval_tree(
                                &mut loops,
                                &input,
                                &child(&cp, "input"),
                                Mode::Strict,
                                true,
                            );
                            loops.pop();
                            match r {
                                Ok(v) => items.push(v),
                                Err(e) => {
                                    failed = Some(e);
                                    break;
                                }
                            }
                        }
                        match failed {
                            Some(e) => Err(e),
                            None => Ok(Value::Array(items)),
                        }
                    }
                    Ok(Count::Unknown(u)) => {
                        Ok(Value::Unknown(Unknown::derived("copy loop", vec![u])))
                    }
                    Err(e) => Err(e),
                }
            } else {
                match get_ci(obj, "value") {
                    Some(v) => self.eval_tree(
                        &mut loops,
                        v,
                        &child(&decl.pointer, "value"),
                        Mode::Strict,
                        true,
                    ),
                    None => Ok(Value::Null),
                }
            };
            match value {
                Ok(v) => {
                    let lower = decl.declared_type.to_ascii_lowercase();
                    let v = if lower == "securestring" || lower == "secureobject" {
                        Value::Unknown(Unknown::new(Origin::NotEvaluated {
                            what: format!("secure output '{}'", decl.name),
                        }))
                    } else {
                        v
                    };
                    self.outputs.borrow_mut().insert(decl.name.clone(), v);
                }
                Err(e) => self.report(e, "expression-error"),
            }
        }
    }

    // ---- parameters and variables -------------------------------------------------------------

    /// `parameters(name)`.
    pub(crate) fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        if self.outer {
            if let Some(parent) = self.parent {
                return parent.parameter(name);
            }
        }
        let Some(decl) = self.template.parameter(name) else {
            return Err(EvalError::new(format!(
                "the parameter '{name}' is not declared in the template"
            )));
        };
        let key = decl.name.to_ascii_lowercase();
        match self.params.borrow().get(&key) {
            Some(Slot::Busy) => {
                return Err(EvalError::new(format!(
                    "the default value of parameter '{name}' refers to itself"
                )))
            }
            Some(Slot::Done(v)) => return v.clone(),
            None => {}
        }
        self.params.borrow_mut().insert(key.clone(), Slot::Busy);
        let decl = decl.clone();
        let resolved = self.resolve_parameter(&decl);
        let value = resolved.clone().map(|(v, _)| v);
        self.params
            .borrow_mut()
            .insert(key, Slot::Done(value.clone()));
        if let Ok((value, source)) = resolved {
            self.validate_parameter(&decl, &value, source);
        }
        value
    }

    fn resolve_parameter(
        &self,
        decl: &ParameterDecl,
    ) -> Result<(Value, ParameterSource), EvalError> {
        let key = decl.name.to_ascii_lowercase();
        // ARM treats a supplied `null` as no value at all, so the default applies (Bicep relies on
        // this: `blobServices.?changeFeedEnabled` passed to a `bool` module parameter with a default).
        let supplied = self
            .supplied
            .values
            .get(&key)
            .filter(|(_, v, _)| {
                !matches!(
                    v,
                    SuppliedValue::Json(Json::Null) | SuppliedValue::Value(Value::Null)
                )
            })
            .cloned();
        let (value, source) = match supplied {
            Some((_, SuppliedValue::Json(j), source)) => match self.placeholder(decl, &j) {
                Some(unknown) => (unknown, source),
                None => (Value::from_json(&j), source),
            },
            Some((_, SuppliedValue::Value(v), source)) => (v, source),
            Some((_, SuppliedValue::KeyVault, source)) => (
                Value::Unknown(Unknown::new(Origin::Parameter {
                    name: decl.name.clone(),
                    key_vault_reference: true,
                })),
                source,
            ),
            Some((_, SuppliedValue::Expression(e), source)) => {
                let v = self.eval_str(&[], &e, &decl.pointer).unwrap_or_else(|_| {
                    Value::Unknown(Unknown::new(Origin::NotEvaluated {
                        what: format!("parameter '{}' expression {e}", decl.name),
                    }))
                });
                (v, source)
            }
            None => match &decl.default {
                Some(default) => {
                    let mut loops = Vec::new();
                    let p = child(&decl.pointer, "defaultValue");
                    let v = self
                        .eval_tree(&mut loops, default, &p, Mode::Strict, false)
                        .map_err(|l| {
                            EvalError::new(format!(
                                "default value of parameter '{}' ({}): {}",
                                decl.name,
                                self.locate(&l.pointer),
                                l.error
                            ))
                        })?;
                    (v, ParameterSource::Default)
                }
                None if decl.nullable => (Value::Null, ParameterSource::Default),
                None => {
                    self.engine.diagnostic(
                        DiagnosticLevel::Warning,
                        "missing-parameter",
                        format!(
                            "parameter '{}' has no value and no default; it is treated as unknown",
                            decl.name
                        ),
                        self.locate(&decl.pointer),
                    );
                    (
                        Value::Unknown(Unknown::new(Origin::Parameter {
                            name: decl.name.clone(),
                            key_vault_reference: false,
                        })),
                        ParameterSource::Missing,
                    )
                }
            },
        };
        // A secure value is evaluated like any other (a condition or a name may read it), but
        // hidden from the plan: the engine redacts it from everything it returns, unless the same
        // text is also the value of a parameter that is not secure (then it is no secret).
        self.engine
            .add_parameter_value(&decl.name, &value, decl.secure);
        Ok((value, source))
    }

    /// A parameters-file value that stands for a value still to be given (see
    /// [`placeholder`](super::placeholder)): unknown, or a CI token's stand-in name, said once
    /// at its line in that file.
    fn placeholder(&self, decl: &ParameterDecl, value: &Json) -> Option<Value> {
        use super::placeholder::{classify, length_problem, Reading};
        let key = decl.name.to_ascii_lowercase();
        let location = self.supplied.file_locations.get(&key)?;
        let found = classify(value, decl, self.supplied.empty_defaults_are_placeholders)?;
        let file = Path::new(&location.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| location.file.clone());
        let reading = found.reading(decl);
        let read_as = match &reading {
            Reading::Unknown => "it is treated as unknown".to_string(),
            Reading::StandIn(text) => format!("it names things as '{text}'"),
        };
        self.engine.diagnostic(
            DiagnosticLevel::Warning,
            "parameter-placeholder",
            format!(
                "parameter '{}' has no value: {} in {file}:{}; {read_as}",
                decl.name,
                found.describe(),
                location.line
            ),
            location.clone(),
        );
        if let Some(problem) = length_problem(&found, decl) {
            self.engine.diagnostic(
                DiagnosticLevel::Error,
                "invalid-parameter-value",
                format!("parameter '{}': {problem}", decl.name),
                location.clone(),
            );
        }
        Some(match reading {
            Reading::StandIn(text) => Value::String(text),
            Reading::Unknown => Value::Unknown(Unknown::new(Origin::Parameter {
                name: decl.name.clone(),
                key_vault_reference: false,
            })),
        })
    }

    fn validate_parameter(&self, decl: &ParameterDecl, value: &Value, source: ParameterSource) {
        if value.contains_unknown() || matches!(value, Value::Null) {
            return;
        }
        let problem = parameter_problem(decl, value);
        if let Some(message) = problem {
            let location = if source == ParameterSource::Default {
                self.locate(&child(&decl.pointer, "defaultValue"))
            } else {
                self.locate(&decl.pointer)
            };
            self.engine.diagnostic(
                DiagnosticLevel::Error,
                "invalid-parameter-value",
                format!("parameter '{}': {message}", decl.name),
                location,
            );
        }
    }

    fn list_parameters(&self) {
        if self.outer {
            return;
        }
        let decls: Vec<_> = self.template.parameters.values().cloned().collect();
        for decl in decls {
            let key = decl.name.to_ascii_lowercase();
            let value = match self.parameter(&decl.name) {
                Ok(v) => v,
                Err(e) => {
                    self.engine.diagnostic(
                        DiagnosticLevel::Error,
                        "expression-error",
                        e.to_string(),
                        self.locate(&decl.pointer),
                    );
                    Value::Unknown(Unknown::new(Origin::NotEvaluated {
                        what: format!("parameter '{}' failed to evaluate", decl.name),
                    }))
                }
            };
            let value = if decl.secure && !matches!(value, Value::Unknown(_)) {
                // Never listed, so it can never be printed.
                Value::Unknown(Unknown::new(Origin::NotEvaluated {
                    what: format!("secure parameter '{}'", decl.name),
                }))
            } else {
                value
            };
            let source = match self.supplied.values.get(&key) {
                Some((_, _, s)) => *s,
                None if decl.default.is_some() || decl.nullable => ParameterSource::Default,
                None => ParameterSource::Missing,
            };
            self.engine.parameters.borrow_mut().push(PlannedParameter {
                deployment: self.path.clone(),
                name: decl.name.clone(),
                declared_type: decl.declared_type.clone(),
                secure: decl.secure,
                has_default: decl.default.is_some(),
                source,
                value,
                location: self.locate(&decl.pointer),
            });
        }
        for (key, (name, _, source)) in &self.supplied.values {
            if self.template.parameter(key).is_none() {
                let location = self.location.clone();
                self.engine.diagnostic(
                    DiagnosticLevel::Warning,
                    "unknown-parameter",
                    format!("a value is given for parameter '{name}' ({source:?}), which the template does not declare"),
                    location,
                );
            }
        }
    }

    /// `variables(name)`.
    pub(crate) fn variable(&self, name: &str) -> Result<Value, EvalError> {
        if self.outer {
            if let Some(parent) = self.parent {
                return parent.variable(name);
            }
        }
        let Some((real, decl)) = self.template.variable(name) else {
            return Err(EvalError::new(format!(
                "the variable '{name}' is not declared in the template"
            )));
        };
        let key = real.to_ascii_lowercase();
        match self.vars.borrow().get(&key) {
            Some(Slot::Busy) => {
                return Err(EvalError::new(format!(
                    "the variable '{name}' refers to itself"
                )))
            }
            Some(Slot::Done(v)) => return v.clone(),
            None => {}
        }
        self.vars.borrow_mut().insert(key.clone(), Slot::Busy);
        let decl = decl.clone();
        let real = real.to_string();
        let located = |l: Located| {
            EvalError::new(format!(
                "in variable '{real}' ({}): {}",
                self.locate(&l.pointer),
                l.error
            ))
        };
        let mut loops = Vec::new();
        let value = match &decl {
            VariableDecl::Value { value, pointer } => self
                .eval_tree(&mut loops, value, pointer, Mode::Strict, false)
                .map_err(located),
            VariableDecl::Copy {
                count,
                input,
                pointer,
            } => match self.eval_count(&mut loops, count, &child(pointer, "count")) {
                Ok(Count::Known(n)) => {
                    let mut items = Vec::new();
                    let mut result = Ok(());
                    for index in 0..n {
                        loops.push(Loop {
                            name: Some(real.clone()),
                            index,
                            kind: LoopKind::Variable,
                        });
                        let r = self.eval_tree(
                            &mut loops,
                            input,
                            &child(pointer, "input"),
                            Mode::Strict,
                            false,
                        );
                        loops.pop();
                        match r {
                            Ok(v) => items.push(v),
                            Err(e) => {
                                result = Err(located(e));
                                break;
                            }
                        }
                    }
                    result.map(|_| Value::Array(items))
                }
                Ok(Count::Unknown(u)) => Ok(Value::Unknown(Unknown::derived("copy loop", vec![u]))),
                Err(e) => Err(located(e)),
            },
        };
        self.vars
            .borrow_mut()
            .insert(key, Slot::Done(value.clone()));
        value
    }

    /// `deployment()`.
    pub(crate) fn deployment_value(&self) -> Value {
        let mut template = Object::new();
        if let Some(cv) = &self.template.content_version {
            template.insert("contentVersion".into(), Value::String(cv.clone()));
        }
        let mut link = Object::new();
        link.insert(
            "uri".into(),
            Value::Unknown(Unknown::new(Origin::NotEvaluated {
                what: "deployment().properties.templateLink.uri (where the template is published)"
                    .into(),
            })),
        );
        let mut props = Object::new();
        props.insert("templateLink".into(), Value::Object(link));
        props.insert("template".into(), Value::Object(template));
        props.insert("parameters".into(), Value::Object(Object::new()));
        props.insert("mode".into(), Value::String("Incremental".into()));
        props.insert("provisioningState".into(), Value::String("Accepted".into()));
        let mut out = Object::new();
        out.insert(
            "name".into(),
            Value::String(self.eval_context.deployment_name.clone()),
        );
        out.insert("properties".into(), Value::Object(props));
        if self.target != TargetScope::ResourceGroup {
            let location = if self.eval_context.is_placeholder("location") {
                Value::Unknown(Unknown::new(Origin::NotEvaluated {
                    what: crate::eval::LOCATION_NOT_GIVEN.into(),
                }))
            } else {
                Value::String(self.eval_context.location.clone())
            };
            out.insert("location".into(), location);
        }
        Value::Object(out)
    }

    /// The user-defined function `namespace.name`.
    pub(crate) fn user_function(
        &self,
        namespace: &str,
        name: &str,
    ) -> Option<crate::eval::UserFunction> {
        let key = format!("{namespace}.{name}").to_ascii_lowercase();
        self.template.functions.get(&key).cloned().or_else(|| {
            if self.outer {
                self.parent.and_then(|p| p.user_function(namespace, name))
            } else {
                None
            }
        })
    }
}

/// Lower-case lookups of a deployment's instances.
#[derive(Default)]
pub(crate) struct InstanceIndex {
    pub by_id: HashMap<String, usize>,
    pub by_name: HashMap<String, usize>,
    pub by_type_name: HashMap<(String, String), usize>,
    pub by_symbol: HashMap<String, Vec<usize>>,
    /// Instances whose condition is false.
    skipped: std::collections::HashSet<usize>,
    /// Lower-case ids with unknown parts that more than one deployed declaration renders.
    pub ambiguous: std::collections::HashSet<String>,
}

impl InstanceIndex {
    /// Indexes instance `i`. The first declaration of an id or name wins, except that a deployed
    /// one replaces one whose condition is false: templates declare the same resource twice under
    /// opposite conditions (a VM with password or with SSH key), and `reference()` means the one
    /// that is deployed.
    fn add(&mut self, inst: &Instance, i: usize) {
        let skipped = inst.condition == ConditionStatus::Skipped;
        if skipped {
            self.skipped.insert(i);
        }
        let replaces = |existing: &usize, skipped_set: &std::collections::HashSet<usize>| {
            !skipped && skipped_set.contains(existing)
        };
        let id = inst.id.to_ascii_lowercase();
        match self.by_id.get(&id) {
            Some(e) if !replaces(e, &self.skipped) => {
                // Two declarations render the same id: when it holds unknown parts they may be
                // different resources whose names merely print alike.
                if id.contains('{') && !skipped {
                    self.ambiguous.insert(id);
                }
            }
            _ => {
                self.by_id.insert(id, i);
            }
        }
        let name = inst.name.to_ascii_lowercase();
        match self.by_name.get(&name) {
            Some(e) if !replaces(e, &self.skipped) => {}
            _ => {
                self.by_name.insert(name, i);
            }
        }
        let type_name = (
            inst.resource_type.to_ascii_lowercase(),
            inst.name.to_ascii_lowercase(),
        );
        match self.by_type_name.get(&type_name) {
            Some(e) if !replaces(e, &self.skipped) => {}
            _ => {
                self.by_type_name.insert(type_name, i);
            }
        }
        if let Some(symbol) = &inst.symbol {
            self.by_symbol
                .entry(symbol.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
}

pub(crate) enum Count {
    Known(i64),
    Unknown(Unknown),
}

/// True if `value` is a property-copy block: an array of `{name, count, input}` objects.
fn is_property_copy(value: &Json) -> bool {
    match value {
        Json::Array(entries) => {
            !entries.is_empty()
                && entries.iter().all(|e| {
                    e.get("name").is_some_and(Json::is_string)
                        && e.get("count").is_some()
                        && e.get("input").is_some()
                })
        }
        _ => false,
    }
}

/// Member by name, case-insensitively (exact match first).
pub(crate) fn get_ci<'j>(obj: &'j serde_json::Map<String, Json>, key: &str) -> Option<&'j Json> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn condition_status(value: &Value) -> ConditionStatus {
    match value {
        Value::Bool(false) => ConditionStatus::Skipped,
        Value::String(s) if s.eq_ignore_ascii_case("false") => ConditionStatus::Skipped,
        Value::Unknown(u) => ConditionStatus::Assumed {
            depends_on: u.to_string(),
        },
        _ => ConditionStatus::Deployed,
    }
}

/// Scope ids print as `/` for the tenant.
fn display_scope(scope_id: &str) -> String {
    if scope_id.is_empty() {
        "/".into()
    } else {
        scope_id.to_string()
    }
}

/// What is wrong with a known parameter value, if anything.
fn parameter_problem(decl: &ParameterDecl, value: &Value) -> Option<String> {
    let ty = decl.declared_type.to_ascii_lowercase();
    let type_ok = match ty.as_str() {
        "string" | "securestring" => matches!(value, Value::String(_)),
        "int" => matches!(value, Value::Int(_)),
        "bool" => matches!(value, Value::Bool(_)),
        "array" => matches!(value, Value::Array(_)),
        "object" | "secureobject" => matches!(value, Value::Object(_)),
        _ => true,
    };
    if !type_ok {
        return Some(format!(
            "expected a value of type {}, got {}",
            decl.declared_type,
            value.type_name()
        ));
    }
    if let Some(allowed) = &decl.allowed_values {
        let allowed: Vec<Value> = allowed.iter().map(Value::from_json).collect();
        let ok = match value {
            Value::Array(items) if ty == "array" => items.iter().all(|i| allowed.contains(i)),
            other => allowed.contains(other),
        };
        if !ok {
            return Some(format!(
                "{} is not one of the allowed values",
                value.to_json()
            ));
        }
    }
    if let Value::Int(i) = value {
        if decl.min_value.is_some_and(|m| *i < m) || decl.max_value.is_some_and(|m| *i > m) {
            return Some(format!("{i} is outside minValue/maxValue"));
        }
    }
    let len = match value {
        Value::String(s) => Some(s.chars().count() as i64),
        Value::Array(a) => Some(a.len() as i64),
        _ => None,
    };
    if let Some(len) = len {
        if decl.min_length.is_some_and(|m| len < m) || decl.max_length.is_some_and(|m| len > m) {
            return Some(format!("length {len} is outside minLength/maxLength"));
        }
    }
    None
}

/// Loads `path` as a template for a `templateLink.relativePath`.
pub(crate) fn load_linked(path: &Path) -> Result<Arc<Template>, String> {
    let doc = Document::load(path).map_err(|e| e.to_string())?;
    Template::from_document(Arc::new(doc))
        .map(Arc::new)
        .map_err(|e| e.to_string())
}
