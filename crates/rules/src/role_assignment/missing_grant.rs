//! RA001: a workflow calls a service its identity has no role for.

use access::{PrincipalKind, ResourceId};
use arm::{Origin, Value};

use crate::context::{is_deployed, managed_identity_key, resource_words, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::identity::identity_used_but_not_attached::action_name;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// For every call a workload makes with a managed identity (an HTTP action with
    /// `ManagedServiceIdentity` authentication, a managed-identity connection), works out the
    /// actions the call needs on its target (e.g. `Microsoft.KeyVault/vaults/secrets/getSecret/action`
    /// to read a secret) and flags it when no role assignment in the deployment gives that
    /// identity a role holding those actions at the target's scope or above. It also flags calls to
    /// a Key Vault that uses access policies (`enableRbacAuthorization` not `true`), where RBAC roles
    /// do not apply at all.
    ///
    /// ## Why is this bad?
    /// Enabling an identity grants nothing. Without the role assignment the workflow deploys
    /// cleanly and then fails with 403 on its first run: "identity enabled, access assumed".
    ///
    /// ## Example
    /// ```bicep
    /// resource wf 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'SystemAssigned' }
    ///   // an action sends to the 'claims' queue with the system identity
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource send 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(queue.id, wf.id, sender.id)
    ///   scope: queue
    ///   properties: {
    ///     roleDefinitionId: sender.id // Azure Service Bus Data Sender
    ///     principalId: wf.identity.principalId
    ///     principalType: 'ServicePrincipal'
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Assign Azure roles using Bicep](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-bicep)
    /// - [Key Vault: Azure RBAC vs access policies](https://learn.microsoft.com/azure/key-vault/general/rbac-access-policy)
    pub const RULE = ("RA001", "missing-grant", RoleAssignment, Error);
}

/// A call whose identity has no grant for what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGrant {
    /// The identity in words.
    pub identity: String,
    /// The call in words, e.g. `action 'Send_message' of Logic App workflow 'claims'`.
    pub usage: String,
    /// The target in words, e.g. `Service Bus queue 'claims'`.
    pub target: String,
    /// The actions the call needs.
    pub needed: Vec<String>,
    /// The narrowest built-in role holding them, if one is known.
    pub suggested_role: Option<String>,
    /// The target is a Key Vault using access policies, where RBAC roles do not apply.
    pub access_policy_vault: bool,
}

impl Violation for MissingGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.access_policy_vault {
            return format!(
                "{} calls {} as {}, but the vault uses access policies (enableRbacAuthorization is not true), so role assignments give no access and the template grants none through access policies",
                self.usage, self.target, self.identity
            );
        }
        format!(
            "{} calls {} as {}, which needs {}, but no role assignment gives {} that on the target or above: the call fails with 403 at runtime",
            self.usage,
            self.target,
            self.identity,
            self.needed.join(", "),
            self.identity
        )
    }

    fn fix(&self) -> Option<String> {
        if self.access_policy_vault {
            return Some("set `enableRbacAuthorization: true` on the vault and grant 'Key Vault Secrets User', or add an access policy for the identity".to_string());
        }
        Some(match &self.suggested_role {
            Some(role) => format!(
                "assign '{role}' to {} with scope {} (principalType ServicePrincipal)",
                self.identity, self.target
            ),
            None => format!(
                "assign {} a role holding {} at scope {}",
                self.identity,
                self.needed.join(", "),
                self.target
            ),
        })
    }
}

/// Every managed-identity call whose identity holds no role allowing what it needs on its target.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for (w, u, identity) in cx.identity_calls() {
        // A target known only at run time, or a need the gate could not work out, is EV004's.
        let Some(target) = &u.target_resource else {
            continue;
        };
        if target.has_unknown_parts() || u.needs.unknown {
            continue;
        }
        let (who, kind, principal) = cx.usage_identity(w, identity);
        // Key Vault under the access-policy model: RBAC roles grant no data access.
        let vault = cx.plan_resource(target).filter(|r| {
            r.resource_type
                .eq_ignore_ascii_case("Microsoft.KeyVault/vaults")
        });
        if let Some(vault) = vault {
            let props = vault.get("properties");
            let rbac = props
                .and_then(|p| p.get("enableRbacAuthorization"))
                .map(|v| matches!(v, Value::Bool(true) | Value::Unknown(_)))
                .unwrap_or(false);
            if !rbac && !access_policy_names(props, &principal) {
                let violation = MissingGrant {
                    identity: who.clone(),
                    usage: format!(
                        "{} '{}' of {}",
                        u.element,
                        action_name(&u.action),
                        workload_words(w)
                    ),
                    target: resource_words(target),
                    needed: needed(u),
                    suggested_role: None,
                    access_policy_vault: true,
                };
                out.push(
                    Finding::new(&violation, u.location.clone())
                        .with_label(
                            Some(vault.location.clone()),
                            "the vault uses access policies",
                        )
                        .with_subject(subject(w, kind, &principal, target)),
                );
                continue;
            }
            if !rbac {
                continue;
            }
        }
        if satisfied(cx, w, kind, &principal, target, u) {
            continue;
        }
        let suggested = crate::role_assignment::support::suggest_role(
            cx.options.catalogue,
            &u.needs.actions,
            &u.needs.data_actions,
        )
        .map(|r| r.name.clone());
        let violation = MissingGrant {
            identity: who,
            usage: format!(
                "{} '{}' of {}",
                u.element,
                action_name(&u.action),
                workload_words(w)
            ),
            target: resource_words(target),
            needed: needed(u),
            suggested_role: suggested.clone(),
            access_policy_vault: false,
        };
        let mut finding = Finding::new(&violation, u.location.clone())
            .with_label(
                Some(cx.locate_in(&w.location, "/identity")),
                "the identity is declared here",
            )
            .with_subject(Subject {
                role: suggested,
                ..subject(w, kind, &principal, target)
            });
        // Point at grants the identity does have, so the reviewer sees why they do not suffice;
        // only those of the workload's own template run (another template of a directory is
        // another deployment, whose identity only shares the id).
        for g in cx
            .grants_to(kind, &principal)
            .iter()
            .filter(|g| g.source == w.source)
        {
            finding = finding.with_label(
                Some(g.location.clone()),
                format!(
                    "grants '{}' on {}, which does not allow it there",
                    cx.role_name(g),
                    resource_words(&g.scope)
                ),
            );
        }
        out.push(finding);
    }
}

fn needed(u: &access::Usage) -> Vec<String> {
    u.needs
        .actions
        .iter()
        .chain(&u.needs.data_actions)
        .cloned()
        .collect()
}

fn subject(
    w: &access::Workload,
    kind: PrincipalKind,
    principal: &ResourceId,
    target: &ResourceId,
) -> Subject {
    Subject {
        workload: Some(w.id.to_string()),
        identity: Some(managed_identity_key(kind, principal)),
        role: None,
        scope: Some(target.to_string()),
    }
}

/// Whether some grant (to this identity, or to a principal the gate could not resolve in the
/// workload's own template run, which might be it) gives a role holding the call's needs at the
/// target or above. Unresolved grants of other template runs (other templates of a directory) are
/// separate deployments and never count.
pub(crate) fn satisfied(
    cx: &Cx,
    w: &access::Workload,
    kind: PrincipalKind,
    principal: &ResourceId,
    target: &ResourceId,
    u: &access::Usage,
) -> bool {
    let mine = cx.grants_to(kind, principal).iter();
    let maybe_mine = cx
        .unresolved_grants()
        .iter()
        .filter(|g| g.source == w.source);
    mine.chain(maybe_mine).any(|g| {
        if !is_deployed(&g.deployed) {
            return false;
        }
        let in_scope = target.is_at_or_under(&g.scope) || g.scope.has_unknown_parts();
        if !in_scope {
            return false;
        }
        match cx.role_of(g) {
            Some(role) => role.allows_all(&u.needs.actions, &u.needs.data_actions),
            // An unknown role is RA010's (or EV001's) finding; do not report it twice.
            None => true,
        }
    })
}

/// Whether a vault's access policies name the identity's principal (as a runtime value of it).
fn access_policy_names(properties: Option<&Value>, principal: &ResourceId) -> bool {
    let Some(Value::Array(policies)) = properties.and_then(|p| p.get("accessPolicies")) else {
        return false;
    };
    policies.iter().any(|p| match p.get("objectId") {
        Some(Value::Unknown(u)) => u.roots().iter().any(|o| match o {
            Origin::RuntimeProperty { resource, .. } => {
                ResourceId::parse(&resource.id) == *principal
            }
            _ => false,
        }),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use access::{AccessModel, UsageIdentity, Workload};

    fn reader() -> (AccessModel, Workload) {
        let mut m = model();
        let mut w = workflow("recon", Some(system()));
        w.usages.push(kv_secret_read(
            "Get_key",
            UsageIdentity::SystemAssigned,
            "kv1",
        ));
        m.workloads.push(w.clone());
        (m, w)
    }

    #[test]
    fn fires_with_no_grant_and_suggests_secrets_user() {
        let (m, _) = reader();
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("secrets/getSecret/action"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .message
            .contains("the system-assigned identity of Logic App workflow 'recon'"));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Key Vault Secrets User"));
    }

    #[test]
    fn fires_when_the_only_grant_is_contributor_at_subscription() {
        // Contributor has no data actions: it cannot read a secret's value.
        let (mut m, w) = reader();
        m.grants
            .push(grant(CONTRIBUTOR, SUBSCRIPTION, system_principal(&w)));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .labels
            .iter()
            .any(|l| l.message.contains("Contributor")));
    }

    #[test]
    fn silent_with_secrets_user_on_the_vault_or_its_group() {
        let (mut m, w) = reader();
        m.grants
            .push(grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w)));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        m.grants = vec![grant(KV_SECRETS_USER, RG, system_principal(&w))];
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn a_grant_to_another_identity_does_not_count() {
        let (mut m, _) = reader();
        let other = workflow("other", Some(system()));
        m.grants.push(grant(
            KV_SECRETS_USER,
            &kv_id("kv1"),
            system_principal(&other),
        ));
        assert_eq!(run_rule(&m, &default_policy(), check).len(), 1);
    }
}
