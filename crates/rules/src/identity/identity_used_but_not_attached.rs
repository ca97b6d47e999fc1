//! MI002: an action authenticates with a managed identity the workload does not have.

use access::{AuthType, UsageIdentity};

use crate::context::{is_deployed, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags an action, trigger or connection that authenticates with `ManagedServiceIdentity` when
    /// the workload has no identity of that kind: no identity at all, no system-assigned identity
    /// for an action that uses the system identity, or a user-assigned identity id that is not a key
    /// of the workload's `identity.userAssignedIdentities`.
    ///
    /// ## Why is this bad?
    /// The deployment succeeds but every run of that action fails at runtime with an authentication
    /// error ("the managed identity is not associated with this Logic App"). The mistake only shows
    /// up in production, on the first run.
    ///
    /// ## Example
    /// ```json
    /// "identity": { "type": "SystemAssigned" },
    /// ...
    /// "authentication": {
    ///   "type": "ManagedServiceIdentity",
    ///   "identity": "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'exporter')]",
    ///   "audience": "https://storage.azure.com/"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "identity": {
    ///   "type": "UserAssigned",
    ///   "userAssignedIdentities": {
    ///     "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'exporter')]": {}
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Authenticate with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    pub const RULE = ("MI002", "identity-used-but-not-attached", Identity, Error);
}

/// Why the identity an action uses is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The workload has no identity at all.
    NoIdentity,
    /// The action uses the system-assigned identity, which the workload does not enable.
    SystemAssigned,
    /// The action names this user-assigned identity, which is not attached.
    UserAssigned(String),
}

/// An action using an identity that is not attached to its workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityUsedButNotAttached {
    /// The workload in words.
    pub workload: String,
    /// The action, trigger or connection in words, e.g. `action 'Get_secret'`.
    pub usage: String,
    pub missing: Missing,
}

impl Violation for IdentityUsedButNotAttached {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.missing {
            Missing::NoIdentity => format!(
                "{} of {} authenticates with a managed identity, but the workload has no identity: the call fails at runtime",
                self.usage, self.workload
            ),
            Missing::SystemAssigned => format!(
                "{} of {} authenticates with the system-assigned identity, which the workload does not enable: the call fails at runtime",
                self.usage, self.workload
            ),
            Missing::UserAssigned(id) => format!(
                "{} of {} authenticates with user-assigned identity '{}', which is not attached to the workload: the call fails at runtime",
                self.usage, self.workload, short_name(id)
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.missing {
            Missing::NoIdentity | Missing::SystemAssigned => {
                "enable the identity on the workload (`identity.type` including 'SystemAssigned'), or point the action at an attached user-assigned identity".to_string()
            }
            Missing::UserAssigned(id) => format!(
                "add '{id}' to the workload's `identity.userAssignedIdentities`, or use an identity that is attached"
            ),
        })
    }
}

/// The last segment of a resource id, for messages.
pub(crate) fn short_name(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// Every managed-identity call whose identity is not on its workload.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        if !is_deployed(&w.deployed) {
            continue;
        }
        for u in &w.usages {
            if u.auth != AuthType::ManagedServiceIdentity {
                continue;
            }
            let missing = match &u.identity {
                None | Some(UsageIdentity::SystemAssigned) if !w.identity.has_identity() => {
                    Missing::NoIdentity
                }
                None | Some(UsageIdentity::SystemAssigned) if !w.identity.system_assigned => {
                    Missing::SystemAssigned
                }
                Some(UsageIdentity::UserAssigned(id)) if !w.identity.has_identity() => {
                    let _ = id;
                    Missing::NoIdentity
                }
                // Ids with parts only known at deployment cannot be compared.
                Some(UsageIdentity::UserAssigned(id))
                    if !id.has_unknown_parts()
                        && !w.identity.user_assigned_unresolved()
                        && !w
                            .identity
                            .user_assigned
                            .iter()
                            .any(|a| a.has_unknown_parts())
                        && !w.identity.has_user_assigned(id) =>
                {
                    Missing::UserAssigned(id.to_string())
                }
                _ => continue,
            };
            let violation = IdentityUsedButNotAttached {
                workload: workload_words(w),
                usage: format!("{} '{}'", u.element, action_name(&u.action)),
                missing,
            };
            out.push(
                Finding::new(&violation, u.location.clone())
                    .with_label(
                        Some(cx.locate_in(&w.location, "/identity")),
                        "the workload's identities are declared here",
                    )
                    .with_subject(Subject {
                        workload: Some(w.id.to_string()),
                        ..Subject::default()
                    }),
            );
        }
    }
}

/// The action's own name from its path in the definition (`Scope_1/actions/Get_secret` → `Get_secret`).
pub(crate) fn action_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_when_the_workload_has_no_identity() {
        let mut m = model();
        let mut w = workflow("wf1", None);
        w.usages
            .push(msi_usage("Get_secret", UsageIdentity::SystemAssigned));
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("action 'Get_secret'"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("has no identity"));
    }

    #[test]
    fn fires_for_a_user_assigned_identity_that_is_not_attached() {
        let mut m = model();
        let mut w = workflow("wf1", Some(system()));
        let other = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other"
        ));
        w.usages
            .push(msi_usage("Put_blob", UsageIdentity::UserAssigned(other)));
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("user-assigned identity 'other'"));
    }

    #[test]
    fn silent_when_the_identity_is_attached() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/export"
        ));
        let mut w = workflow("wf1", Some(user(&uami)));
        w.usages.push(msi_usage(
            "Put_blob",
            UsageIdentity::UserAssigned(uami.clone()),
        ));
        m.workloads.push(w);
        let mut w2 = workflow("wf2", Some(system()));
        w2.usages
            .push(msi_usage("Get", UsageIdentity::SystemAssigned));
        m.workloads.push(w2);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
