//! The deployment plan: every resource a template (and its nested deployments) would deploy, evaluated.
//!
//! This is the contract between expansion and every later stage (access model, rules, reports), and
//! its JSON form is read by users: change it only by adding fields.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Serialize;

use crate::context::{DeploymentContext, TargetScope};
use crate::source::{Document, Location};
use crate::value::Value;

/// Everything one template deployment would do.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentPlan {
    /// The root template file.
    pub template: String,
    /// Parameter files applied, in order.
    pub parameter_files: Vec<String>,
    /// The target the plan was evaluated for (placeholders listed inside).
    pub context: DeploymentContext,
    /// Deployment level of the root template, from its `$schema`.
    pub target_scope: TargetScope,
    /// Every resource of every deployment, root first, in declaration order.
    pub resources: Vec<PlannedResource>,
    /// Every deployment: the root (path `""`) and each nested deployment / module.
    pub deployments: Vec<PlannedDeployment>,
    /// Parameters of every deployment as declared and as resolved.
    pub parameters: Vec<PlannedParameter>,
    /// Outputs of the root deployment.
    pub outputs: IndexMap<String, Value>,
    /// Values that could not be known before deployment, and where they are used.
    pub unresolved: Vec<Unresolved>,
    /// Warnings and errors met while expanding (the plan is still usable).
    pub diagnostics: Vec<Diagnostic>,
    /// The files the plan was read from (the template and any linked templates), parsed once, so
    /// later stages locate pointers in them without reading and parsing them again.
    #[serde(skip)]
    pub documents: Vec<Arc<Document>>,
    /// The arguments, as evaluated, of every `guid()` computed from known values, by result: a
    /// known GUID still says what it was made from (e.g. whether a role assignment name follows
    /// its principal). See [`DeploymentPlan::guid_arguments_of`].
    #[serde(skip)]
    pub guid_arguments: HashMap<String, Vec<String>>,
}

impl DeploymentPlan {
    /// The parsed file `file` (as a [`Location::file`] names it), if the plan was read from it.
    pub fn document(&self, file: &str) -> Option<&Arc<Document>> {
        self.documents.iter().find(|d| d.file_name() == file)
    }

    /// The arguments `guid()` was given to compute `guid` in this plan, if it was.
    pub fn guid_arguments_of(&self, guid: &str) -> Option<&[String]> {
        self.guid_arguments
            .get(&guid.to_ascii_lowercase())
            .map(Vec::as_slice)
    }
}

/// One resource that the deployment declares.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedResource {
    /// Full type, e.g. `Microsoft.Storage/storageAccounts/blobServices`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Full name, segments joined with `/` (unknown parts rendered as `{...}`).
    pub name: String,
    /// The `name` property as evaluated (the last segments as declared, unknowns kept with their
    /// origin): two names that render alike are equal only when these are.
    #[serde(skip)]
    pub name_value: Value,
    /// Full resource id (unknown parts rendered as `{...}`).
    pub id: String,
    /// Id of the scope the resource is deployed into: resource group, subscription, management group,
    /// tenant (`/`), or for extension resources the resource they extend.
    pub scope: String,
    /// Symbolic name (`languageVersion: 2.0`), if any.
    pub symbol: Option<String>,
    pub api_version: Option<String>,
    /// Referenced, not deployed (`existing: true`).
    pub existing: bool,
    /// Whether it is deployed.
    pub condition: ConditionStatus,
    /// Path of the deployment that declares it: `""` for the root, `"mod1/mod2"` for nested ones.
    pub deployment: String,
    /// Copy loop name and index, if created by one.
    pub copy: Option<CopyInstance>,
    /// Where it is declared.
    pub location: Location,
    /// The evaluated resource body (`kind`, `identity`, `properties`, `tags`, `sku`, ...), without
    /// `name`, `type`, `apiVersion`, `condition`, `copy`, `dependsOn`.
    pub body: Value,
    /// The declared, unevaluated resource JSON (for rules that read the expressions themselves).
    #[serde(skip)]
    pub declared: Arc<serde_json::Value>,
}

impl PlannedResource {
    /// A member of the evaluated body, e.g. `identity` or `properties`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }
}

/// Whether a resource is deployed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ConditionStatus {
    /// No condition, or it is true.
    Deployed,
    /// The condition is false.
    Skipped,
    /// The condition depends on a value only known at deployment: deployed if `depends_on` holds.
    Assumed { depends_on: String },
}

/// A resource made by a copy loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyInstance {
    pub name: String,
    pub index: i64,
    /// The loop's count is known only at deployment (`length(parameters('ps'))` with no value):
    /// this one instance stands for every one the loop will make, and `index` is not theirs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub count_unknown: bool,
}

/// One deployment: the root or a nested `Microsoft.Resources/deployments` (a Bicep module).
#[derive(Debug, Clone, Serialize)]
pub struct PlannedDeployment {
    /// `""` for the root; else the parent's path plus `/` plus this deployment's name.
    pub path: String,
    pub name: String,
    /// The scope id it deploys into (resource group, subscription, management group or tenant).
    pub scope: String,
    pub target_scope: TargetScope,
    /// `inner` or `outer` expression evaluation.
    pub expression_scope: String,
    /// Template file that holds its template (the root file, or a `templateLink.relativePath` file).
    pub template_file: String,
    /// Whether its template was expanded (`false` for a remote `templateLink.uri`).
    pub expanded: bool,
    /// The tool that wrote its template (`metadata._generator.name`, e.g. `bicep`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    pub condition: ConditionStatus,
    pub location: Location,
    pub outputs: IndexMap<String, Value>,
}

/// A parameter of some deployment.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedParameter {
    /// Path of the deployment that declares it.
    pub deployment: String,
    pub name: String,
    /// Declared type as written (`string`, `securestring`, `object`, ...).
    #[serde(rename = "type")]
    pub declared_type: String,
    /// `securestring` or `secureobject`.
    pub secure: bool,
    pub has_default: bool,
    /// Where the value came from.
    pub source: ParameterSource,
    /// The resolved value; secure values are never kept (they are [`Value::Unknown`]).
    pub value: Value,
    pub location: Location,
}

/// Where a parameter's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParameterSource {
    Default,
    ParameterFile,
    CommandLine,
    /// Passed by the parent deployment (module parameter).
    Parent,
    KeyVaultReference,
    /// Required but no value given: the value is unknown.
    Missing,
}

/// A value used somewhere in the plan that is only known at deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Unresolved {
    /// What it depends on, in words.
    pub depends_on: String,
    /// Where it is used.
    pub location: Location,
}

/// Severity of an expansion diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

/// Something expansion wants the user to know: a missing parameter, a remote template not expanded, a
/// resource whose expression failed to evaluate.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub level: DiagnosticLevel,
    /// Stable kebab-case code, e.g. `missing-parameter`, `template-link-not-expanded`, `expression-error`.
    pub code: String,
    pub message: String,
    pub location: Location,
}
