//! EV001: a grant whose role, scope or principal cannot be known before deployment.

use access::{Grant, PrincipalKind, RoleSource, ScopeLevel};
use policy::UnresolvedMode;

use crate::context::{is_deployed, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose role, scope or principal cannot be resolved from the template,
    /// its parameter files and the deployment context: a parameter without a value, a remote linked
    /// template, an expression over runtime state that does not name an identity. With the default
    /// policy (`unresolved: fail`) this is an error; `warn` makes it a warning, `ignore` drops it.
    ///
    /// A scope is judged by its level and type: a resource this deployment declares whose name
    /// comes from a parameter, a resource group named by a parameter, or the subscription a
    /// `Microsoft.Subscription/aliases` creates is judged like any other (RA002, RA003, the
    /// policy). Only a scope whose level or resource type is unknown is reported here.
    ///
    /// A part left unknown by an expression that failed to evaluate (reported as EV003) is not a
    /// missing value: the finding points at that template error's line and asks to correct the
    /// expression. A principal that is known but is not an object id is a template error
    /// (EV003 `invalid-principal-id`), and `deployer().objectId` is judged by RA006.
    /// A principal that is a parameter, or an element or member of one (`parameters('ps')
    /// [copyIndex()]`), is judged by RA006, not reported here. A role this template declares
    /// under a name known only at deployment (`guid(parameters('roleName'))`), referenced with the
    /// same expression, is that role: its permissions are in the template.
    ///
    /// ## Why is this bad?
    /// The gate fails closed: a grant it cannot read might be Owner at subscription scope. Passing
    /// it silently would make the gate's verdict depend on what it could not see.
    ///
    /// ## Example
    /// ```json
    /// "parameters": { "roleId": { "type": "string" } },
    /// ...
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleId'))]"
    /// ```
    ///
    /// Use instead: give the value in a parameter file (`-p main.parameters.json`) or with
    /// `--param roleId=4633458b-17de-408a-b874-0445c86b69e6`, or write the role into the template:
    /// ```json
    /// "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')]"
    /// ```
    ///
    /// ## References
    /// - [ARM template parameter files](https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files)
    pub const RULE = ("EV001", "unresolved-grant", Evaluation, Error);
}

/// A grant with a part that cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedGrant {
    /// The grant in words, e.g. `role assignment 'ra-export'`.
    pub grant: String,
    /// Which parts: `role`, `scope`, `principal`.
    pub parts: Vec<String>,
    /// What they depend on, in words.
    pub depends_on: String,
    /// The lines of template errors (EV003) that left a part unknown: nothing is missing, the
    /// expression is wrong, so no value can be asked for.
    pub failed_lines: Vec<u32>,
}

impl Violation for UnresolvedGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if !self.failed_lines.is_empty() {
            let lines = self
                .failed_lines
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let s = if self.failed_lines.len() == 1 {
                ""
            } else {
                "s"
            };
            let also = if self.depends_on.is_empty() {
                String::new()
            } else {
                format!(" (also depends on {})", self.depends_on)
            };
            return format!(
                "the {} of {} could not be evaluated: see the template error{s} at line{s} {lines}{also}",
                self.parts.join(" and "),
                self.grant,
            );
        }
        format!(
            "the {} of {} cannot be known before deployment (depends on {}): the gate cannot judge what it grants",
            self.parts.join(" and "),
            self.grant,
            self.depends_on
        )
    }

    fn fix(&self) -> Option<String> {
        if !self.failed_lines.is_empty() {
            let values = if self.depends_on.is_empty() {
                ""
            } else {
                ", and give the missing values with `-p FILE` or `--param NAME=VALUE`"
            };
            return Some(format!(
                "correct the expression the template error names{values}; the gate judges the grant once it evaluates"
            ));
        }
        Some("give the missing values with `-p FILE` or `--param NAME=VALUE`, or write them into the template".to_string())
    }
}

/// Every grant with a role, scope or principal the gate could not resolve. Severity follows the
/// policy's `unresolved` mode (applied by the engine).
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let mut parts = Vec::new();
        let mut depends = Vec::new();
        let mut failed_lines = Vec::new();
        // A definition id with unknown parts whose role GUID is still read (a role-definition id
        // under a resource named at deployment) is a known role: RA010 judges it if it is not
        // a built-in one. So is a role this template declares under a name known only at
        // deployment (`guid(parameters('roleName'))`): its permissions are in the template.
        let declared = g.role.source == RoleSource::Template;
        if (g.role.id.contains('{') && !declared) || g.role.id.is_empty() {
            parts.push("role".to_string());
            depends.push(g.role.definition_id.clone());
        }
        // The scope is judged by its level and type (RA002, RA003, the policy); a name known only
        // at deployment does not stop that, so only an unknown level or type is unresolved.
        if g.scope.has_unknown_level_or_type() || g.scope_level == ScopeLevel::Unknown {
            parts.push("scope".to_string());
            depends.push(g.scope.to_string());
        }
        if g.principal.kind == PrincipalKind::Unresolved {
            parts.push("principal".to_string());
            depends.push(g.principal.provenance.clone());
        }
        if parts.is_empty() {
            continue;
        }
        // A part left unknown by an expression that failed (EV003) names that error, not a value.
        depends.retain(|d| {
            let lines = failed_expression_lines(d);
            failed_lines.extend(lines.iter().copied());
            lines.is_empty()
        });
        failed_lines.sort_unstable();
        failed_lines.dedup();
        let violation = UnresolvedGrant {
            grant: assignment_words(cx, g, &parts),
            parts,
            depends_on: depends
                .iter()
                .map(|d| crate::reviewer_words::decided_by(d))
                .collect::<Vec<_>>()
                .join("; "),
            failed_lines,
        };
        let unresolved = cx.policy.unresolved();
        out.push(
            Finding::new(&violation, g.location.clone())
                .with_label(
                    Some(unresolved.location.clone()),
                    format!("unresolved: {}", unresolved_word(unresolved.value)),
                )
                .with_subject(cx.grant_subject(g)),
        );
    }
}

/// The assignment in words. A name known only at deployment is a `guid()` of the assignment's
/// own inputs (or a parameter, or `newGuid()`): printing what decides it ("named by utcNow()")
/// blames an input that is not what the finding is about, so such an assignment is named by
/// what is known of it: its role, else its scope, else its line.
fn assignment_words(cx: &Cx, g: &Grant, unknown_parts: &[String]) -> String {
    if g.name_resolved {
        return format!("role assignment '{}'", g.name);
    }
    let known = |part: &str| !unknown_parts.iter().any(|p| p == part);
    if known("role") {
        return format!("the role assignment of '{}'", cx.role_name(g));
    }
    if known("scope") {
        return format!(
            "the role assignment on {}",
            crate::context::resource_words(&g.scope)
        );
    }
    format!("the role assignment at line {}", g.location.line)
}

/// The lines of `not evaluated: an expression that failed to evaluate (line N)` in a provenance
/// (the engine's text for a value an evaluation error left unknown).
fn failed_expression_lines(provenance: &str) -> Vec<u32> {
    const MARK: &str = "an expression that failed to evaluate (line ";
    provenance
        .match_indices(MARK)
        .filter_map(|(at, _)| {
            let rest = &provenance[at + MARK.len()..];
            rest[..rest.find(')')?].parse().ok()
        })
        .collect()
}

fn unresolved_word(mode: UnresolvedMode) -> &'static str {
    match mode {
        UnresolvedMode::Fail => "fail",
        UnresolvedMode::Warn => "warn",
        UnresolvedMode::Ignore => "ignore",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_an_unresolved_principal() {
        let mut m = model();
        let mut p = external_principal("x");
        p.kind = PrincipalKind::Unresolved;
        p.id = None;
        p.provenance = "not evaluated: templateLink.uri".into();
        m.grants.push(grant(KV_SECRETS_USER, RG, p));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("the principal of role assignment"));
        assert!(f[0].message.contains("templateLink.uri"));
    }

    #[test]
    fn silent_for_resolved_grants() {
        let mut m = model();
        let w = workflow("wf", Some(system()));
        m.grants
            .push(grant(KV_SECRETS_USER, RG, system_principal(&w)));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
