//! The check harness the rules' integration tests share: expand a template (written in code or a
//! fixture under `tests/fixtures/`), build its access model with the built-in role catalogue and
//! run every rule, with the embedded default policy unless a test brings its own.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use access::{AccessModel, RoleCatalogue};
use arm::plan::DeploymentPlan;
use policy::{Date, Policy};
use rules::Finding;
use serde_json::Value;

/// The plan of a template written in code, as if read from `file`.
pub fn plan_of(file: &str, template: &Value) -> DeploymentPlan {
    let text = serde_json::to_string_pretty(template).expect("JSON");
    let doc = arm::Document::parse(Path::new(file), &text).expect("parses");
    arm::expand_document(Arc::new(doc), &arm::ExpandOptions::default()).expect("expands")
}

/// The plan of `tests/fixtures/<fixture>` expanded with `options`.
pub fn fixture_plan(fixture: &str, options: &arm::ExpandOptions) -> DeploymentPlan {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    arm::expand_file(&file, options).expect("fixture expands")
}

/// The access model of `plans` and every finding on them under `policy`. No test policy has an
/// exception that expires, so the day they are judged on is fixed.
pub fn check_plans(plans: &[DeploymentPlan], policy: &Policy) -> (AccessModel, Vec<Finding>) {
    let catalogue = RoleCatalogue::builtin();
    let model = access::build_all(plans, &catalogue);
    let options = rules::CheckOptions::new(Date::new(2026, 12, 2).expect("date"), &catalogue);
    let findings = rules::check(&model, plans, policy, &options);
    (model, findings)
}

/// Every finding on a template written in code (as `main.json`) under `policy`.
pub fn check_template_with(template: &Value, policy: &Policy) -> Vec<Finding> {
    check_plans(&[plan_of("main.json", template)], policy).1
}

/// Every finding on a template written in code (as `main.json`) under the default policy.
pub fn check_template(template: &Value) -> Vec<Finding> {
    check_template_with(template, &default_policy())
}

/// Every finding on a fixture expanded with default options, under `policy`.
pub fn check_fixture_with(fixture: &str, policy: &Policy) -> Vec<Finding> {
    let plan = fixture_plan(fixture, &arm::ExpandOptions::default());
    check_plans(&[plan], policy).1
}

/// Every finding on a fixture expanded with default options, under the default policy.
pub fn check_fixture(fixture: &str) -> Vec<Finding> {
    check_fixture_with(fixture, &default_policy())
}

/// The embedded default policy.
pub fn default_policy() -> Policy {
    Policy::embedded_default().policy
}

/// The findings of `rule`, in order.
pub fn only(findings: Vec<Finding>, rule: &str) -> Vec<Finding> {
    findings.into_iter().filter(|f| f.rule == rule).collect()
}

/// The findings of `rule`, borrowed.
pub fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}
