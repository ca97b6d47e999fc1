//! Helpers shared by the expansion tests: expand a template given as JSON, find a resource.

use std::path::Path;
use std::sync::Arc;

use arm::expand::{expand_document, ExpandError, ExpandOptions};
use arm::plan::{DeploymentPlan, DiagnosticLevel, PlannedResource};
use arm::Document;

/// Expands a template given as JSON, as file `main.json`.
pub fn expand_json(
    template: serde_json::Value,
    options: &ExpandOptions,
) -> Result<DeploymentPlan, ExpandError> {
    let text = serde_json::to_string_pretty(&template).unwrap();
    let doc = Document::parse(Path::new("main.json"), &text).unwrap();
    expand_document(Arc::new(doc), options)
}

/// Expands with default options; asserts there is no error diagnostic.
pub fn expand(template: serde_json::Value) -> DeploymentPlan {
    let plan = expand_json(template, &ExpandOptions::default()).expect("expands");
    let errors: Vec<_> = plan
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    plan
}

/// The resource of type `ty` named `name`; panics listing every resource when there is none.
pub fn find<'p>(plan: &'p DeploymentPlan, ty: &str, name: &str) -> &'p PlannedResource {
    plan.resources
        .iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case(ty) && r.name == name)
        .unwrap_or_else(|| {
            let all: Vec<_> = plan
                .resources
                .iter()
                .map(|r| format!("{} {}", r.resource_type, r.name))
                .collect();
            panic!("no {ty} {name} in {all:#?}")
        })
}
