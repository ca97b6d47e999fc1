//! EV005: an inline `#disable-next-line rolegate-…` suppression in Bicep that silences nothing.

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `#disable-next-line rolegate-<RULE> reason` directive in a `.bicep` file whose next
    /// line has no finding of that rule: the mistake was fixed, the line moved, or the rule id is
    /// wrong. Checked when rolegate maps findings to Bicep (a `.bicep` file checked through the
    /// Bicep CLI, or a compiled template with its `.bicep` source beside it). Bicep's own codes
    /// (such as `secure-secrets-in-params`) serve the Bicep linter too and are never reported.
    ///
    /// ## Why is this bad?
    /// A stale suppression is a hole waiting for the next mistake: when a new finding appears on
    /// that line it is silenced without review. Like `# noqa` in ruff (`RUF100`), suppressions
    /// should silence exactly what they were written for.
    ///
    /// ## Example
    /// ```bicep
    /// #disable-next-line rolegate-RA008 the platform team fixes this name
    /// resource grant 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(vault.id, workflow.id, secretsUser)
    /// ```
    ///
    /// Use instead: delete the directive once the name is deterministic:
    /// ```bicep
    /// resource grant 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(vault.id, workflow.id, secretsUser)
    /// ```
    ///
    /// ## References
    /// - [Bicep linter: `#disable-next-line`](https://learn.microsoft.com/azure/azure-resource-manager/bicep/linter#silence-false-positives)
    /// - [docs/bicep.md](../bicep.md#inline-suppressions)
    pub const RULE = ("EV005", "unused-suppression", Evaluation, Warning);
}

/// A suppression directive that matched no finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedSuppression {
    /// The code as written, e.g. `rolegate-RA008`.
    pub code: String,
    /// The rule id it names.
    pub rule: String,
    /// The line it silences.
    pub line: u32,
    /// True when the rule id is not a rolegate rule at all.
    pub unknown_rule: bool,
}

impl Violation for UnusedSuppression {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.unknown_rule {
            format!(
                "`#disable-next-line {}` names no rolegate rule ({} is not a rule id), so it silences nothing",
                self.code, self.rule
            )
        } else {
            format!(
                "`#disable-next-line {}` silences nothing: line {} has no {} finding",
                self.code, self.line, self.rule
            )
        }
    }

    fn fix(&self) -> Option<String> {
        Some(
            "remove the directive, or move it to the line above the finding it is meant for".into(),
        )
    }
}
