//! EV003: the template (or part of it) cannot be evaluated.

use arm::plan::DiagnosticLevel;

use crate::context::Cx;
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Reports every error met while evaluating the template: a bad expression, a function ARM
    /// does not have, a wrong argument type, a missing required parameter, a linked template that
    /// could not be read. Each carries the file, line and column of the expression.
    ///
    /// ## Why is this bad?
    /// What the gate cannot evaluate it cannot judge. A gate that skipped such resources would pass
    /// templates precisely where they are hardest to read, so the error is reported and fails the
    /// gate instead.
    ///
    /// ## Example
    /// ```json
    /// "principalId": "[reference(resourceId('Microsoft.Logic/workflows', parameters('name')), '2019-05-01', 'full').identity.principalid"
    /// ```
    ///
    /// Use instead: the closing bracket the expression needs:
    /// ```json
    /// "principalId": "[reference(resourceId('Microsoft.Logic/workflows', parameters('name')), '2019-05-01', 'full').identity.principalId]"
    /// ```
    ///
    /// ## References
    /// - [ARM template expressions](https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions)
    /// - [ARM template functions](https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions)
    pub const RULE = ("EV003", "template-error", Evaluation, Error);
}

/// An evaluation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The engine's message.
    pub message: String,
    /// The engine's kebab-case code, e.g. `expression-error`.
    pub code: String,
}

impl Violation for TemplateError {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "the template cannot be evaluated here ({}): {}",
            self.code, self.message
        )
    }
}

/// Every error-level diagnostic of expansion and of the model builder.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for plan in cx.plans {
        for d in &plan.diagnostics {
            if d.level != DiagnosticLevel::Error {
                continue;
            }
            let violation = TemplateError {
                message: d.message.clone(),
                code: d.code.clone(),
            };
            out.push(Finding::new(&violation, d.location.clone()));
        }
    }
    for d in &cx.model.diagnostics {
        if d.level != access::DiagnosticLevel::Error {
            continue;
        }
        let violation = TemplateError {
            message: d.message.clone(),
            code: d.code.clone(),
        };
        out.push(Finding::new(&violation, d.location.clone()));
    }
}
