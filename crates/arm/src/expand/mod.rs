//! Deployment expansion: a template plus parameters → [`DeploymentPlan`].
//!
//! Every resource that would be deployed is listed, with its type, name, full id, scope, condition
//! status and evaluated body, for the root deployment and every nested deployment (Bicep module),
//! recursively. Values only known at deployment stay [`crate::Unknown`] and are listed in
//! `plan.unresolved`. Problems in expressions become diagnostics (the plan is still built); a broken
//! input (not JSON, not a template, a budget exceeded) is an [`ExpandError`].

mod deployment;
pub mod ids;
mod placeholder;
pub use placeholder::is_ci_token;
mod scope;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use crate::context::DeploymentContext;
use crate::params::{ParameterFile, ParamsError};
use crate::plan::{
    DeploymentPlan, Diagnostic, DiagnosticLevel, PlannedDeployment, PlannedParameter,
    PlannedResource, Unresolved,
};
use crate::source::{Document, LoadError, Location};
use crate::template::{Template, TemplateError};
use crate::value::{Origin, ResourceRef, Unknown, Value};

use deployment::{Deployment, Supplied};

/// Budgets that keep hostile input from hanging or exhausting memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Nested deployments inside nested deployments (ARM allows far fewer in practice).
    pub max_depth: usize,
    /// Resources over all deployments.
    pub max_resources: usize,
    /// Copies of one copy loop (ARM: 800).
    pub max_copy: i64,
    /// Expression evaluations over the whole expansion.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_resources: 200_000,
            max_copy: 800,
            max_steps: 20_000_000,
        }
    }
}

/// How to expand: the target, the parameter inputs and the budgets.
#[derive(Debug, Clone, Default)]
pub struct ExpandOptions {
    pub context: DeploymentContext,
    /// Parameter files applied in order (later wins).
    pub parameter_files: Vec<PathBuf>,
    /// `--param NAME=VALUE` overrides, applied after the files.
    pub overrides: Vec<(String, Json)>,
    pub limits: Limits,
}

/// Why a template could not be expanded at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExpandError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Parameters(#[from] ParamsError),
    /// A budget of [`Limits`] was exceeded.
    #[error("{location}: {message}")]
    Limit { message: String, location: Location },
}

impl ExpandError {
    /// Where the problem is, when known.
    pub fn location(&self) -> Option<Location> {
        match self {
            ExpandError::Load(e) => e.location(),
            ExpandError::Template(e) => Some(e.location.clone()),
            ExpandError::Parameters(ParamsError::Shape { location, .. }) => Some(location.clone()),
            ExpandError::Parameters(ParamsError::Load(e)) => e.location(),
            ExpandError::Parameters(_) => None,
            ExpandError::Limit { location, .. } => Some(location.clone()),
        }
    }
}

/// Expands the template in file `path`.
pub fn expand_file(path: &Path, options: &ExpandOptions) -> Result<DeploymentPlan, ExpandError> {
    let document = Arc::new(Document::load(path)?);
    expand_document(document, options)
}

/// Expands an already loaded template document.
pub fn expand_document(
    document: Arc<Document>,
    options: &ExpandOptions,
) -> Result<DeploymentPlan, ExpandError> {
    let template = Arc::new(Template::from_document(document)?);
    let mut files = Vec::new();
    for path in &options.parameter_files {
        files.push(ParameterFile::load(path)?);
    }
    let plan = expand_with(&template, &files, options, false)?;
    // A `""` given for a parameter whose default is `""` is a value the template planned for,
    // unless reading it so makes the template fail: then it was a fill-in left empty (the HCI
    // quickstarts' `clusterWitnessStorageAccountName` with a cloud witness), and the run where
    // such values are unknown is the one reported.
    let errors = |p: &DeploymentPlan| {
        p.diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .count()
    };
    if errors(&plan) > 0 && planned_empty_values(&template, &files, &options.overrides) {
        let retry = expand_with(&template, &files, options, true)?;
        if errors(&retry) < errors(&plan) {
            return Ok(retry);
        }
    }
    Ok(plan)
}

/// Whether a parameters file gives `""` to a root parameter whose default is `""` (and no
/// `--param` overrides it).
fn planned_empty_values(
    template: &Template,
    files: &[ParameterFile],
    overrides: &[(String, Json)],
) -> bool {
    files.iter().any(|file| {
        file.values.iter().any(|(name, entry)| {
            matches!(&entry.value, crate::params::ParamValue::Value(Json::String(s)) if s.is_empty())
                && !overrides.iter().any(|(o, _)| o.eq_ignore_ascii_case(name))
                && template
                    .parameter(name)
                    .is_some_and(|d| d.default == Some(Json::String(String::new())))
        })
    })
}

/// One expansion; `empty_defaults_are_placeholders` reads a file's `""` for a parameter whose
/// default is `""` as a placeholder too.
fn expand_with(
    template: &Arc<Template>,
    files: &[ParameterFile],
    options: &ExpandOptions,
    empty_defaults_are_placeholders: bool,
) -> Result<DeploymentPlan, ExpandError> {
    let engine = Engine::new(options);
    let mut supplied = root_supplied(files, &options.overrides);
    supplied.empty_defaults_are_placeholders = empty_defaults_are_placeholders;
    let root = Deployment::root(&engine, template.clone(), supplied);
    root.run();
    if let Some(fatal) = engine.fatal.borrow_mut().take() {
        return Err(fatal);
    }
    let outputs = root.outputs_map();
    drop(root);
    let mut documents = vec![template.document.clone()];
    for nested in engine.templates.borrow().values() {
        if !documents
            .iter()
            .any(|d| Arc::ptr_eq(d, &nested.document) || d.path == nested.document.path)
        {
            documents.push(nested.document.clone());
        }
    }
    let mut records = engine.records.into_inner();
    records.sort_by(|a, b| a.order.cmp(&b.order));
    let mut resources = Vec::new();
    let mut deployments = Vec::new();
    for record in records {
        resources.extend(record.resources);
        deployments.push(record.deployment);
    }
    let public = engine.public.into_inner();
    // Several secure parameters may hold the same text: the redacted value names them all.
    let secrets: Vec<(String, String)> = engine
        .secrets
        .into_inner()
        .into_iter()
        .filter(|(s, _)| !public.contains(s))
        .map(|(s, names)| (s, names.join("' or '")))
        .collect();
    let mut outputs = outputs;
    let mut diagnostics = engine.diagnostics.into_inner();
    let mut unresolved = engine.unresolved.into_inner();
    if !secrets.is_empty() {
        for r in &mut resources {
            redact(&mut r.body, &secrets);
        }
        for d in &mut deployments {
            d.outputs.values_mut().for_each(|v| redact(v, &secrets));
        }
        outputs.values_mut().for_each(|v| redact(v, &secrets));
        for d in &mut diagnostics {
            d.message = redact_text(&d.message, &secrets);
        }
        for u in &mut unresolved {
            u.depends_on = redact_text(&u.depends_on, &secrets);
        }
    }
    Ok(DeploymentPlan {
        template: template.file_name(),
        parameter_files: options
            .parameter_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        context: options.context.clone(),
        target_scope: template.target_scope,
        resources,
        deployments,
        parameters: engine.parameters.into_inner(),
        outputs,
        unresolved,
        diagnostics,
        documents,
        guid_arguments: engine.guids.into_inner(),
    })
}

/// Strings inside a secure object shorter than this are not taken for secrets.
const MIN_OBJECT_SECRET: usize = 8;

/// Secrets shorter than this are only redacted where a string is exactly the secret: a short
/// value (`"a"`, `"1"`) occurs inside too many unrelated strings.
const MIN_CONTAINED_SECRET: usize = 6;

/// Replaces every string that is, or (for secrets long enough) contains, a secure parameter's
/// value by an unknown, so neither the plan nor anything rendered from it shows the secret.
fn redact(value: &mut Value, secrets: &[(String, String)]) {
    match value {
        Value::String(s) => {
            let hit = secrets.iter().find(|(secret, _)| {
                s == secret || (secret.len() >= MIN_CONTAINED_SECRET && s.contains(secret.as_str()))
            });
            if let Some((_, name)) = hit {
                *value = Value::Unknown(Unknown::new(Origin::NotEvaluated {
                    what: format!("secure parameter '{name}'"),
                }));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| redact(v, secrets)),
        Value::Object(o) => o.values_mut().for_each(|v| redact(v, secrets)),
        _ => {}
    }
}

/// A message with every secret long enough to search for replaced by `***`.
fn redact_text(text: &str, secrets: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (secret, _) in secrets {
        if secret.len() >= MIN_CONTAINED_SECRET || out == *secret {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Parameter values for the root deployment: files in order, then overrides.
fn root_supplied(files: &[ParameterFile], overrides: &[(String, Json)]) -> Supplied {
    let mut supplied = Supplied::default();
    for file in files {
        for (name, entry) in &file.values {
            supplied.insert_file(name, entry.clone());
        }
    }
    for (name, value) in overrides {
        supplied.insert_override(name, value.clone());
    }
    supplied
}

/// One deployment's share of the plan, sorted into pre-order at the end.
struct Record {
    order: Vec<usize>,
    deployment: PlannedDeployment,
    resources: Vec<PlannedResource>,
}

/// State shared by every deployment of one expansion.
pub(crate) struct Engine<'o> {
    options: &'o ExpandOptions,
    steps: Cell<u64>,
    resource_count: Cell<usize>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    unresolved: RefCell<Vec<Unresolved>>,
    unresolved_seen: RefCell<HashSet<(String, String)>>,
    parameters: RefCell<Vec<PlannedParameter>>,
    records: RefCell<Vec<Record>>,
    /// Every declared resource by lower-case id, for `reference()` across deployments.
    by_id: RefCell<std::collections::HashMap<String, ResourceRef>>,
    fatal: RefCell<Option<ExpandError>>,
    /// Values of secure parameters: used in evaluation, redacted from the plan (see [`redact`]).
    secrets: RefCell<std::collections::BTreeMap<String, Vec<String>>>,
    /// Values of parameters that are not secure (a secret with the same text is none).
    public: RefCell<HashSet<String>>,
    /// Nested templates already read, by file and pointer (a module in a copy loop is read once).
    templates: RefCell<std::collections::HashMap<(String, String), Arc<Template>>>,
    /// Every `guid()` computed from known arguments (see [`DeploymentPlan::guid_arguments`]).
    guids: RefCell<std::collections::HashMap<String, Vec<String>>>,
    /// Resources read by `reference()` whose `identity` was evaluated, by lower-case id: whether
    /// its type includes `SystemAssigned` (`None`: not known, or being evaluated).
    system_identities: RefCell<std::collections::HashMap<String, Option<bool>>>,
}

impl<'o> Engine<'o> {
    /// The inline template at `pointer` of `document`, read once.
    fn template_at(
        &self,
        document: Arc<Document>,
        pointer: &str,
    ) -> Result<Arc<Template>, TemplateError> {
        let key = (document.file_name(), pointer.to_string());
        if let Some(t) = self.templates.borrow().get(&key) {
            return Ok(t.clone());
        }
        let t = Arc::new(Template::at(document, pointer)?);
        self.templates.borrow_mut().insert(key, t.clone());
        Ok(t)
    }

    /// A template given as evaluated JSON text (a nested `template` expression), named `path`,
    /// read once per distinct text; its document joins the plan's documents.
    fn template_text(&self, path: &str, text: &str) -> Result<Arc<Template>, TemplateError> {
        let key = (path.to_string(), text.to_string());
        if let Some(t) = self.templates.borrow().get(&key) {
            return Ok(t.clone());
        }
        let document = Document::parse(Path::new(path), text).map_err(|e| TemplateError {
            message: e.to_string(),
            location: Location {
                file: path.to_string(),
                line: 1,
                column: 1,
                pointer: String::new(),
                bicep: None,
            },
        })?;
        let t = Arc::new(Template::from_document(Arc::new(document))?);
        self.templates.borrow_mut().insert(key, t.clone());
        Ok(t)
    }

    /// The template in file `path` (a `templateLink.relativePath`), read once.
    fn template_file(&self, path: &Path) -> Result<Arc<Template>, String> {
        let key = (path.display().to_string(), String::new());
        if let Some(t) = self.templates.borrow().get(&key) {
            return Ok(t.clone());
        }
        let t = deployment::load_linked(path)?;
        self.templates.borrow_mut().insert(key, t.clone());
        Ok(t)
    }

    fn new(options: &'o ExpandOptions) -> Engine<'o> {
        Engine {
            options,
            steps: Cell::new(0),
            resource_count: Cell::new(0),
            diagnostics: RefCell::new(Vec::new()),
            unresolved: RefCell::new(Vec::new()),
            unresolved_seen: RefCell::new(HashSet::new()),
            parameters: RefCell::new(Vec::new()),
            records: RefCell::new(Vec::new()),
            by_id: RefCell::new(std::collections::HashMap::new()),
            fatal: RefCell::new(None),
            secrets: RefCell::new(std::collections::BTreeMap::new()),
            public: RefCell::new(HashSet::new()),
            templates: RefCell::new(std::collections::HashMap::new()),
            guids: RefCell::new(std::collections::HashMap::new()),
            system_identities: RefCell::new(std::collections::HashMap::new()),
        }
    }

    /// Remembers the known strings of a parameter's value: those of a secure parameter so the
    /// plan never shows them, those of any other so that the same text is not taken for a secret.
    fn add_parameter_value(&self, name: &str, value: &Value, secure: bool) {
        let mut strings = Vec::new();
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) if !s.is_empty() => strings.push(s.clone()),
                Value::Array(a) => stack.extend(a.iter()),
                Value::Object(o) => stack.extend(o.values()),
                _ => {}
            }
        }
        if secure {
            // Inside a secure object, short strings are names and flags (`"name": "storage"`)
            // rather than secrets; hiding every equal string elsewhere would blank unrelated
            // values. A secure string is hidden whatever its length.
            if !matches!(value, Value::String(_)) {
                strings.retain(|s| s.len() >= MIN_OBJECT_SECRET);
            }
            let mut secrets = self.secrets.borrow_mut();
            for s in strings {
                let names = secrets.entry(s).or_default();
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        } else {
            self.public.borrow_mut().extend(strings);
        }
    }

    fn limits(&self) -> &Limits {
        &self.options.limits
    }

    fn diagnostic(&self, level: DiagnosticLevel, code: &str, message: String, location: Location) {
        self.diagnostics.borrow_mut().push(Diagnostic {
            level,
            code: code.to_string(),
            message,
            location,
        });
    }

    fn unresolved(&self, depends_on: String, location: Location) {
        let key = (
            depends_on.clone(),
            format!("{location}{}", location.pointer),
        );
        if self.unresolved_seen.borrow_mut().insert(key) {
            self.unresolved.borrow_mut().push(Unresolved {
                depends_on,
                location,
            });
        }
    }

    /// Records a fatal error (first one wins); expansion stops as soon as it is seen.
    fn fail(&self, error: ExpandError) {
        let mut fatal = self.fatal.borrow_mut();
        if fatal.is_none() {
            *fatal = Some(error);
        }
    }

    fn failed(&self) -> bool {
        self.fatal.borrow().is_some()
    }

    /// Counts one evaluation step; false (and a fatal error) once the budget is spent.
    fn step(&self, location: impl FnOnce() -> Location) -> bool {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n > self.limits().max_steps {
            self.fail(ExpandError::Limit {
                message: format!(
                    "evaluation budget exceeded ({} expression evaluations)",
                    self.limits().max_steps
                ),
                location: location(),
            });
            return false;
        }
        true
    }
}
