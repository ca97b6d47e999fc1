//! EV004: a managed-identity call whose target is only known when the workflow runs.

use crate::context::{managed_identity_key, resource_words, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::identity::identity_used_but_not_attached::action_name;
use crate::registry::RuleMeta;
use crate::role_assignment::missing_grant::satisfied;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a call a workload makes with its managed identity (an HTTP action with
    /// `ManagedServiceIdentity` authentication, a managed-identity connection) whose target
    /// resource cannot be worked out from the template: a URI built from workflow variables,
    /// trigger outputs or other values that exist only while the workflow runs. The call needs
    /// known actions (from its audience and method) but rolegate cannot tell on which resource,
    /// so it cannot check that a role assignment covers it (RA001) or that a grant is no broader
    /// than the calls need (RA005).
    ///
    /// The needed action comes from the literal provider and type segments of an ARM path, so
    /// `/subscriptions/@{...}/providers/Microsoft.Security/tasks` needs
    /// `Microsoft.Security/tasks/read` wherever it points. A call the gate cannot place at all (a
    /// URI that is wholly a run-time value, such as a `nextLink`, or a path glued to the host as
    /// `https://management.azure.com@{...}`) is reported too, saying its need is unknown: the gate
    /// fails closed. Workflow variables initialised once from template values (and never set
    /// again) are read as those values. Not flagged: a run-time child of a resource the identity
    /// holds a role with the needed actions on (`.../workflows/wf/runs/@{...}` under a grant on the
    /// workflow), and calls that need no role assignment (listing `/subscriptions` or `/tenants`,
    /// Resource Graph queries, reads of built-in policy and role definitions).
    ///
    /// A warning by default, like EV002: an unknown call target cannot widen anyone's access; the
    /// worst case is a 403 at run time. `unresolved: ignore` in the policy drops it, and the
    /// policy's `severity` can make it an error.
    ///
    /// ## Why is this bad?
    /// "Identity enabled, access assumed" is the classic runtime failure. A target the gate cannot
    /// read is a call nobody has checked: the reviewer should confirm a grant covers it, or make the
    /// target readable.
    ///
    /// ## Example
    /// ```json
    /// "Pause_SQL_Pool": {
    ///   "type": "Http",
    ///   "inputs": {
    ///     "method": "POST",
    ///     "uri": "https://management.azure.com/subscriptions/@{variables('api')['subscription']}/.../pause",
    ///     "authentication": { "type": "ManagedServiceIdentity" }
    ///   }
    /// }
    /// ```
    ///
    /// Use instead: build the URI from template values (parameters, `resourceId()`), for example
    /// through a workflow parameter set from the template, so the gate can read it:
    /// ```json
    /// "uri": "[concat('https://management.azure.com', resourceId('Microsoft.Synapse/workspaces/sqlPools', parameters('workspace'), parameters('pool')), '/pause?api-version=2021-06-01')]"
    /// ```
    ///
    /// ## References
    /// - [Authenticate access with managed identities in Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    pub const RULE = ("EV004", "unresolved-call-target", Evaluation, Warning);
}

/// A managed-identity call whose target resource is unknown before run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedCallTarget {
    /// The call in words, e.g. `action 'Pause_SQL_Pool' of Logic App workflow 'pause'`.
    pub usage: String,
    /// The identity in words.
    pub identity: String,
    /// The target as written (a URI with workflow expressions), or what the call is known by.
    pub target: String,
    /// The actions the call needs (empty when the gate could not work them out).
    pub needed: Vec<String>,
    /// What the gate does not know about the target.
    pub unknown: UnknownPart,
}

/// Why a call's target cannot be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownPart {
    /// A workflow run-time value (`@{triggerBody()...}`).
    RunTime,
    /// A template value unknown before deployment (a parameter without a value).
    TemplateValue,
    /// A resource named in full that the checked templates do not deploy.
    NotDeployed,
}

impl Violation for UnresolvedCallTarget {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.needed.is_empty() {
            return format!(
                "{} calls {} as {}, but what it calls is only known when the workflow runs: the gate cannot tell which actions it needs or on which resource, so it cannot check that a role assignment covers it",
                self.usage, self.target, self.identity
            );
        }
        let when = match self.unknown {
            UnknownPart::RunTime => "the target is only known when the workflow runs",
            UnknownPart::TemplateValue => "the target depends on template values the gate does not have (a parameter without a value, a property known after deployment)",
            UnknownPart::NotDeployed => "the templates checked do not deploy that resource, so the gate cannot see its role assignments",
        };
        format!(
            "{} calls {} as {}, which needs {}, but {when}: the gate cannot check that a role assignment covers it",
            self.usage,
            self.target,
            self.identity,
            self.needed.join(", ")
        )
    }

    fn fix(&self) -> Option<String> {
        Some(
            "build the target from template values (parameters, resourceId()) so it can be checked, or confirm a role assignment covers every resource the call can reach"
                .to_string(),
        )
    }
}

/// Every managed-identity call with known needs whose target resource is unknown or has parts
/// known only at run time.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for (w, u, identity) in cx.identity_calls() {
        let unresolved = u.needs.unknown
            || match &u.target_resource {
                None => true,
                Some(target) => target.has_unknown_parts() || target.as_str().contains("@{"),
            };
        if !unresolved {
            continue;
        }
        let (who, kind, principal) = cx.usage_identity(w, identity);
        // A run-time child of a resource the identity holds a fitting role on (`.../workflows/wf/
        // runs/@{id}`) is covered by that role wherever the run-time part points.
        let covered = !u.needs.unknown
            && u.target_resource
                .as_ref()
                .and_then(access::ResourceId::known_prefix)
                .is_some_and(|prefix| satisfied(cx, w, kind, &principal, &prefix, u));
        if covered {
            continue;
        }
        let target = u
            .target
            .clone()
            .or_else(|| u.target_resource.as_ref().map(ToString::to_string))
            .map(|t| format!("'{t}'"))
            .unwrap_or_else(|| "a resource it does not name".to_string());
        let violation = UnresolvedCallTarget {
            usage: format!(
                "{} '{}' of {}",
                u.element,
                action_name(&u.action),
                workload_words(w)
            ),
            identity: who,
            target,
            unknown: if u.needs.unknown || u.target.as_deref().is_none_or(|t| t.contains('@')) {
                UnknownPart::RunTime
            } else if u.target_resource.is_some()
                || u.target.as_deref().is_some_and(|t| t.contains('{'))
            {
                UnknownPart::TemplateValue
            } else {
                UnknownPart::NotDeployed
            },
            needed: u
                .needs
                .actions
                .iter()
                .chain(&u.needs.data_actions)
                .cloned()
                .collect(),
        };
        let mut finding = Finding::new(&violation, u.location.clone()).with_subject(Subject {
            workload: Some(w.id.to_string()),
            identity: Some(managed_identity_key(kind, &principal)),
            role: None,
            scope: None,
        });
        // The grants the identity has: what the reviewer compares the call against.
        for g in cx.grants_to(kind, &principal) {
            finding = finding.with_label(
                Some(g.location.clone()),
                format!(
                    "the identity holds '{}' on {}",
                    cx.role_name(g),
                    resource_words(&g.scope)
                ),
            );
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use access::{AuthType, Needs, UsageIdentity};

    fn pause_call() -> access::Usage {
        let mut u = msi_usage("Pause_SQL_Pool", UsageIdentity::SystemAssigned);
        u.target = Some("https://management.azure.com/subscriptions/@{variables('api')['sub']}/resourceGroups/@{variables('api')['rg']}/providers/Microsoft.Synapse/workspaces/ws/sqlPools/pool/pause".into());
        u.target_resource = Some(rid("/subscriptions/@{variables('api')['sub']}/resourceGroups/@{variables('api')['rg']}/providers/Microsoft.Synapse/workspaces/ws/sqlPools/pool"));
        u.needs = Needs {
            actions: vec!["Microsoft.Synapse/workspaces/sqlPools/pause/action".into()],
            ..Needs::default()
        };
        u
    }

    #[test]
    fn fires_for_a_target_built_from_workflow_variables_and_names_the_grants_held() {
        let mut m = model();
        let mut w = workflow("pause", Some(system()));
        w.usages.push(pause_call());
        m.grants.push(grant(CONTRIBUTOR, RG, system_principal(&w)));
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("action 'Pause_SQL_Pool'")
                && f[0].message.contains("sqlPools/pause/action")
                && f[0].message.contains("only known when the workflow runs"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, crate::Severity::Warning);
        assert!(f[0]
            .labels
            .iter()
            .any(|l| l.message.contains("holds 'Contributor'")));
    }

    #[test]
    fn silent_for_resolved_targets_key_auth_and_calls_without_needs() {
        let mut m = model();
        let mut w = workflow("recon", Some(system()));
        w.usages.push(kv_secret_read(
            "Get_key",
            UsageIdentity::SystemAssigned,
            "kv1",
        ));
        let mut no_needs = pause_call();
        no_needs.needs = Needs::default();
        w.usages.push(no_needs);
        let mut key_auth = pause_call();
        key_auth.auth = AuthType::None;
        w.usages.push(key_auth);
        m.workloads.push(w);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn silent_without_an_identity() {
        let mut m = model();
        let mut w = workflow("pause", None);
        w.usages.push(pause_call());
        m.workloads.push(w);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
