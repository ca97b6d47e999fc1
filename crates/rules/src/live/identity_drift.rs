//! LV002: a deployed workload's identity differs from the template's.

use access::ResourceId;

use crate::context::{is_deployed, user_identity_words, workload_words, Cx};
use crate::finding::Finding;
use crate::live::facts;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, reads each planned Logic App (`Microsoft.Logic/workflows`) and App Service or
    /// Standard Logic App (`Microsoft.Web/sites`) as deployed today and compares its `identity`
    /// with the template's: a system-assigned identity the deployment removes or creates anew,
    /// and user-assigned identities it detaches or attaches.
    ///
    /// ## Why is this bad?
    /// A system-assigned identity lives and dies with its setting. Removing it deletes the
    /// principal: every role assignment to it becomes a stale "Identity not found" entry, and
    /// turning it back on creates a *new* principal id that none of the old grants name, so the
    /// workflow fails at run time with 403s. The template alone cannot show this: only the
    /// difference with what is deployed does.
    ///
    /// ## Example
    /// Deployed: `"identity": {"type": "SystemAssigned"}` with principal `5c1f…` holding Key Vault
    /// access. Template: `"identity": {"type": "UserAssigned", ...}`.
    ///
    /// Use instead: keep the system-assigned identity (`"SystemAssigned, UserAssigned"`) until
    /// its grants have moved to the user-assigned identity, then remove it and its assignments
    /// together.
    ///
    /// ## References
    /// - [Managed identities for Azure resources: lifecycle](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview#managed-identity-types)
    /// - [Logic Apps: authenticate with managed identities](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    pub const RULE = ("LV002", "identity-drift", Live, Error);
}

/// How the deployment changes a deployed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The system identity with this principal id is turned off (its assignments go stale).
    SystemRemoved {
        principal_id: String,
        assignments: usize,
    },
    /// A system identity is turned on where there is none: a new principal id.
    SystemCreated { deployed_type: String },
    /// A user-assigned identity attached today is not in the template.
    UserDetached(ResourceId),
    /// The template attaches a user-assigned identity not attached today.
    UserAttached(ResourceId),
}

/// A workload whose deployed identity the deployment changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityDrift {
    pub workload: String,
    pub drift: Drift,
}

impl Violation for IdentityDrift {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let w = &self.workload;
        match &self.drift {
            Drift::SystemRemoved { principal_id, assignments } => format!(
                "{w} has a system-assigned identity today (principal {principal_id}, {assignments} role assignment(s)) that this deployment removes: the principal is deleted, its assignments go stale, and turning it on again later creates a new principal id no grant names"
            ),
            Drift::SystemCreated { deployed_type } => format!(
                "{w} has no system-assigned identity today (identity type '{deployed_type}'); this deployment creates one with a new principal id: grants to it only work once it exists, and grants made by hand to an earlier one do not carry over"
            ),
            Drift::UserDetached(id) => format!(
                "{w} has {} attached today; this deployment detaches it, so calls made with it fail",
                user_identity_words(id)
            ),
            Drift::UserAttached(id) => format!(
                "{w} does not have {} attached today; this deployment attaches it",
                user_identity_words(id)
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.drift {
            Drift::SystemRemoved { .. } => "keep the system-assigned identity until its grants have moved, then remove it and its role assignments together".into(),
            Drift::SystemCreated { .. } => "confirm the new identity is intended and that the template grants it everything it needs".into(),
            Drift::UserDetached(_) | Drift::UserAttached(_) => "make the template's identity block match the intended identities".into(),
        })
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some(facts) = facts(cx) else {
        return;
    };
    for w in &cx.model.workloads {
        if !is_deployed(&w.deployed) || w.existing {
            continue;
        }
        let Some(deployed) = facts.workload(&w.id).filter(|d| d.found) else {
            continue;
        };
        let mut drifts = Vec::new();
        match (deployed.system_assigned(), w.identity.system_assigned) {
            (true, false) => {
                let principal_id = deployed.principal_id.clone().unwrap_or_default();
                let assignments = facts.assignments_of(&principal_id).count();
                drifts.push(Drift::SystemRemoved {
                    principal_id,
                    assignments,
                });
            }
            (false, true) => drifts.push(Drift::SystemCreated {
                deployed_type: deployed
                    .identity_type
                    .clone()
                    .unwrap_or_else(|| "None".into()),
            }),
            _ => {}
        }
        for u in &deployed.user_assigned {
            if !w.identity.has_user_assigned(&u.id) {
                drifts.push(Drift::UserDetached(u.id.clone()));
            }
        }
        for id in &w.identity.user_assigned {
            if !deployed.user_assigned.iter().any(|u| &u.id == id) {
                drifts.push(Drift::UserAttached(id.clone()));
            }
        }
        for drift in drifts {
            let violation = IdentityDrift {
                workload: workload_words(w),
                drift,
            };
            out.push(cx.identity_finding(&violation, w));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{deployed, existing, run_live};
    use crate::testing::*;
    use access::live::LiveFacts;

    #[test]
    fn turning_off_a_deployed_system_identity_is_drift_that_counts_its_assignments() {
        let ua = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-recon"
        ));
        let mut m = model();
        let w = workflow("recon", Some(user(&ua)));
        let mut facts = LiveFacts::default();
        let mut today = deployed(&w.id, Some("SystemAssigned, UserAssigned"), Some("p-old"));
        today.user_assigned.push(access::live::DeployedIdentity {
            id: ua.clone(),
            found: true,
            principal_id: Some("p-ua".into()),
            client_id: None,
        });
        facts.workloads.push(today);
        facts
            .assignments
            .push(existing("a1", &kv_id("kv1"), KV_SECRETS_USER, "p-old"));
        m.workloads.push(w);
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("(principal p-old, 1 role assignment(s)) that this deployment removes"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_identical_identity_or_a_workload_not_deployed_yet_is_no_drift() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        let mut facts = LiveFacts::default();
        facts
            .workloads
            .push(deployed(&w.id, Some("SystemAssigned"), Some("p")));
        m.workloads.push(w.clone());
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
        facts.workloads[0].found = false;
        facts.workloads[0].identity_type = None;
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
    }
}
