//! RA006: a role assignment's principal is a literal GUID or a parameter.

use access::{Grant, PrincipalKind};

use crate::context::{is_deployed, resource_words, user_identity_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a role assignment whose `principalId` is a literal GUID or a template parameter
    /// instead of an expression that reads the principal of an identity declared in the same
    /// deployment (`reference(...).identity.principalId`, `wf.identity.principalId` in Bicep).
    /// Principals the policy lists as allowed external principals are not flagged. An element of
    /// an array parameter (`parameters('ps')[copyIndex()]`, its `.principalId`, Bicep's
    /// `for p in ps`) is a parameter principal too, judged the same way; when the array has no
    /// value, one finding stands for the whole loop ("given by each element of parameter 'ps'").
    ///
    /// `deployer().objectId` is the identity that runs the deployment: offline its object id is
    /// unknown but what it is is known, so it is reported here as an external principal (not as
    /// an unresolved grant, EV001). The policy entry `external_principals: [{id: deployer,
    /// reason: ...}]` allows it; `check --live` resolves it to the signed-in identity's object id.
    ///
    /// What the principal is decides the message. Its `principalType` (`User`, `Group`,
    /// `ForeignGroup`, `Device`), else the words of the parameter's name and description ("user",
    /// "security group", "service principal", "application", "client", "resource provider";
    /// "managed identity", "user-assigned", "identity") say whether it is a person, a group, an
    /// external service principal such as a Microsoft first-party one, or a managed identity, or
    /// one of several ("user/group/identity"). Only a principal that there is evidence of being a
    /// managed identity gets the stale-grant message: the words say so, or its `principalType`
    /// is `ServicePrincipal` and the same template run declares a managed identity (a workload
    /// with an `identity`, or a user-assigned identity) it could have been read from. With no
    /// hint of its kind, or `ServicePrincipal` in a deployment that declares no identity, the
    /// principal is called a principal of unknown kind that is not an identity of this
    /// deployment, and the fix offers both remedies: list it in the policy's
    /// `external_principals` with a reason, or, if it is a managed identity, read its principal
    /// id from the resource that holds it (an `existing` resource works too).
    ///
    /// ## Why is this bad?
    /// A copied managed-identity principal id is a snapshot. When the workflow or identity is
    /// recreated it gets a new principal id: the grant keeps pointing at a principal that no longer
    /// exists ("Identity not found") and the new identity has no access. Nobody reviewing the
    /// template can tell whose id the GUID is.
    ///
    /// A user, group or external service principal does not go stale that way, but it is not an
    /// identity of this deployment: the access it gets is outside what the gate can tie to a
    /// workload. It is reported until the policy lists it in `external_principals` with a reason
    /// (fail closed); a parameter whose value is a GUID is matched against that list too.
    ///
    /// ## Example
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "5e1c7f3a-0d2b-4c8e-9a6f-1b2c3d4e5f60"
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// "properties": {
    ///   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    ///   "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id'), '2023-01-31').principalId]",
    ///   "principalType": "ServicePrincipal"
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: role assignments with identity not found](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#role-assignments-with-identity-not-found)
    /// - [Create Azure RBAC resources with Bicep](https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac)
    pub const RULE = ("RA006", "hardcoded-principal", RoleAssignment, Error);
}

/// The `external_principals` entry that allows grants to `deployer().objectId`.
pub const DEPLOYER: &str = "deployer";

/// How the principal is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSource {
    /// A literal object id.
    Literal(String),
    /// A template parameter.
    Parameter(String),
    /// `deployer().objectId`: the identity that runs the deployment.
    Deployer,
    /// Each element of an array parameter with no value (a copy loop over it): one finding
    /// stands for every principal the deployer will list.
    EachOfParameter(String),
}

/// What a principal given by literal or parameter is, from its `principalType` and the words of
/// its parameter's name and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrincipalNature {
    pub user: bool,
    pub group: bool,
    pub device: bool,
    /// A service principal that is not a managed identity: an application registration, a
    /// resource provider or another Microsoft first-party service.
    pub service_principal: bool,
    /// The words say it may be a managed identity (alone, it keeps the stale-grant wording).
    pub managed_identity: bool,
    /// Its `principalType` is written `ServicePrincipal` (a managed identity or an application).
    pub typed_service_principal: bool,
}

impl PrincipalNature {
    /// Nothing says it is other than a managed identity.
    pub fn identity_like(&self) -> bool {
        !(self.user || self.group || self.device || self.service_principal)
    }

    /// "a user", "a user or group", "a user, group or service principal".
    fn words(&self) -> String {
        let kinds: Vec<&str> = [
            (self.user, "user"),
            (self.group, "group"),
            (self.device, "device"),
            (self.service_principal, "external service principal"),
            (self.managed_identity, "managed identity"),
        ]
        .into_iter()
        .filter_map(|(on, w)| on.then_some(w))
        .collect();
        let list = match kinds.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        let article = if list.starts_with('e') { "an" } else { "a" };
        format!("{article} {list}")
    }
}

/// A grant whose principal does not come from an identity of this deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardcodedPrincipal {
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    pub principal: PrincipalSource,
    /// What the principal is, as far as the template says.
    pub nature: PrincipalNature,
    /// An identity declared in this deployment that probably should be used, in words.
    pub declared_identity: Option<String>,
    /// The principal's template run declares a managed identity (a workload with an `identity`,
    /// or a user-assigned identity).
    pub run_declares_identity: bool,
}

/// What the message may say about the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    /// A managed identity: the stale-grant wording.
    ManagedIdentity,
    /// Something else the template names (user, group, external service principal, ...).
    Named,
    /// Nothing says what it is; `service_principal` when `principalType` says only that.
    Unknown { service_principal: bool },
}

impl HardcodedPrincipal {
    fn said(&self) -> Said {
        if !self.nature.identity_like() {
            return Said::Named;
        }
        if self.nature.managed_identity {
            return Said::ManagedIdentity;
        }
        if self.nature.typed_service_principal && self.run_declares_identity {
            return Said::ManagedIdentity;
        }
        Said::Unknown {
            service_principal: self.nature.typed_service_principal,
        }
    }

    /// "given by parameter 'x'", "with the literal object id …".
    fn given(&self) -> String {
        match &self.principal {
            PrincipalSource::Literal(id) => format!("with the literal object id {id}"),
            PrincipalSource::Parameter(p) => format!("given by parameter '{p}'"),
            PrincipalSource::Deployer => "given by deployer()".to_string(),
            PrincipalSource::EachOfParameter(p) => {
                format!("given by each element of parameter '{p}'")
            }
        }
    }
}

impl Violation for HardcodedPrincipal {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        if self.principal == PrincipalSource::Deployer {
            return format!(
                "'{}' on {} is granted to the identity that runs the deployment (deployer()), which is not an identity of this deployment, and the policy does not list it as an allowed external principal",
                self.role, self.scope
            );
        }
        match self.said() {
            Said::Named => {
                return format!(
                    "'{}' on {} is granted to {} {}, which is not an identity of this deployment, and the policy does not list it as an allowed external principal",
                    self.role,
                    self.scope,
                    self.nature.words(),
                    self.given()
                );
            }
            Said::Unknown { service_principal } => {
                let kind = if service_principal {
                    "a service principal of unknown kind (an application or a managed identity)"
                } else {
                    "a principal of unknown kind"
                };
                return format!(
                    "'{}' on {} is granted to {kind} {}, not an identity of this deployment, and not listed in the policy's external_principals",
                    self.role,
                    self.scope,
                    self.given()
                );
            }
            Said::ManagedIdentity => {}
        }
        let what = match &self.principal {
            PrincipalSource::Literal(id) => format!("the literal principal id {id}"),
            PrincipalSource::Parameter(p) => format!("the principal id from parameter '{p}'"),
            PrincipalSource::Deployer => "the identity that runs the deployment".to_string(),
            PrincipalSource::EachOfParameter(p) => format!("each principal in parameter '{p}'"),
        };
        format!(
            "'{}' on {} is granted to {what} rather than to an identity declared in this deployment: when that identity is recreated, the grant goes stale",
            self.role, self.scope
        )
    }

    fn fix(&self) -> Option<String> {
        if self.principal == PrincipalSource::Deployer {
            return Some("if whoever deploys should get this access, allow it in the policy (`external_principals: [{id: deployer, reason: ...}]`), or run with `--live` to resolve the object id and judge it".to_string());
        }
        if let Said::Unknown { .. } = self.said() {
            let declared = match &self.declared_identity {
                Some(i) => format!(
                    " (or, if a workload of this deployment needs the access, grant it to {i})"
                ),
                None => String::new(),
            };
            return Some(format!(
                "if this access is intended, list the principal's object id under `external_principals` in the policy with a reason; if it is a managed identity, read its principal id from the resource that holds it instead of passing it in: `reference(<its resource id>, '<api version>', 'full').identity.principalId` (for an `existing` resource too){declared}"
            ));
        }
        if !self.nature.identity_like() {
            let instead = match &self.declared_identity {
                Some(i) => format!("if a workload needs this access, grant it to {i} instead"),
                None => "if a workload needs this access, grant it to the workload's own managed identity instead".to_string(),
            };
            return Some(format!(
                "if this access is intended, list the principal's object id under `external_principals` in the policy with a reason; {instead}"
            ));
        }
        Some(match &self.declared_identity {
            Some(i) => format!("use the principal id of {i} (e.g. `reference(<identity id>).principalId`)"),
            None => "read the principal id from the identity resource (`reference(<identity id>).principalId`, or `<workload>.identity.principalId` in Bicep)".to_string(),
        })
    }
}

/// Every grant whose principal is a literal (not an allowed external principal) or a parameter.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let principal = match g.principal.kind {
            PrincipalKind::External => {
                let Some(id) = g.principal.id.clone() else {
                    continue;
                };
                PrincipalSource::Literal(id)
            }
            PrincipalKind::Parameter => {
                let name = g.principal.parameter.clone().unwrap_or_default();
                if g.principal_is_each_of_parameter() {
                    PrincipalSource::EachOfParameter(name)
                } else {
                    PrincipalSource::Parameter(name)
                }
            }
            // Allowed by the policy entry `deployer`: whoever runs the deployment, by design.
            PrincipalKind::Deployer if cx.policy.external_principal_allowed(DEPLOYER).is_some() => {
                continue
            }
            PrincipalKind::Deployer => PrincipalSource::Deployer,
            _ => continue,
        };
        // A parameter whose value is a known GUID is the same principal as that literal.
        if g.principal
            .id
            .as_deref()
            .is_some_and(|id| cx.policy.external_principal_allowed(id).is_some())
        {
            continue;
        }
        // The identity a reviewer most likely meant: the only workload identity of the grant's
        // own template run (the other templates of a directory are other deployments).
        let candidates = run_identities(cx, g.source);
        let declared_identity = match candidates.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        let violation = HardcodedPrincipal {
            role: cx.role_name(g),
            scope: resource_words(&g.scope),
            principal,
            nature: nature(cx, g),
            declared_identity,
            run_declares_identity: !candidates.is_empty() || run_declares_uami(cx, g.source),
        };
        out.push(
            Finding::new(
                &violation,
                cx.locate_in(&g.location, "/properties/principalId"),
            )
            .with_label(Some(g.location.clone()), "in this role assignment")
            .with_subject(cx.grant_subject(g)),
        );
    }
}

/// The managed identities of the workloads the template run `source` creates, in words.
fn run_identities(cx: &Cx, source: usize) -> Vec<String> {
    cx.model
        .workloads
        .iter()
        .filter(|w| w.source == source && !w.existing && w.identity.has_identity())
        .flat_map(|w| {
            let mut v = Vec::new();
            if w.identity.system_assigned {
                v.push(cx.system_identity_words(&w.id));
            }
            v.extend(w.identity.user_assigned.iter().map(user_identity_words));
            v
        })
        .collect()
}

/// Whether the template run `source` declares a user-assigned identity (in one of its files).
fn run_declares_uami(cx: &Cx, source: usize) -> bool {
    cx.plans.get(source).is_some_and(|plan| {
        plan.resources.iter().any(|r| {
            !r.existing
                && r.resource_type
                    .eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
        })
    })
}

/// What the grant's principal is: its `principalType` when it names a non-identity type, else
/// the words of its parameter's name and `metadata.description`.
fn nature(cx: &Cx, g: &Grant) -> PrincipalNature {
    let written = g
        .principal_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.contains('{'));
    let mut n = PrincipalNature {
        typed_service_principal: written
            .is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal")),
        ..PrincipalNature::default()
    };
    match written.map(str::to_ascii_lowercase).as_deref() {
        Some("user") => n.user = true,
        Some("group" | "foreigngroup") => n.group = true,
        Some("device") => n.device = true,
        _ => {}
    }
    if !n.identity_like() {
        return n;
    }
    let Some(parameter) = g.principal.parameter.as_deref() else {
        return n;
    };
    let mut text = parameter.to_string();
    if let Some(description) = parameter_description(cx, g, parameter) {
        text.push(' ');
        text.push_str(&description);
    }
    let words = access::secret_name::words(&text);
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    // "identity" alone, as in AVM's "(user/group/identity)", may be a managed identity; "your
    // Azure AD user identity" is a person.
    let lower = text.to_lowercase().replace("user identity", "");
    n.managed_identity = pair("managed", "identity")
        || pair("user", "assigned")
        || pair("system", "assigned")
        || has("msi")
        || lower.contains("identit");
    // Not a bare "app": `functionAppPrincipalId` is a function app's managed identity.
    n.service_principal = pair("service", "principal")
        || pair("resource", "provider")
        || pair("first", "party")
        || pair("ad", "app")
        || pair("aad", "app")
        || ["spn", "sp", "application", "client"]
            .iter()
            .any(|w| has(w));
    // `principalType: ServicePrincipal` rules out a user or group, whatever the words say.
    if written.is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal")) {
        return n;
    }
    n.user = words.iter().enumerate().any(|(i, w)| {
        ["user", "users", "developer", "developers", "upn"].contains(&w.as_str())
            && words.get(i + 1).is_none_or(|next| next != "assigned")
    });
    n.group = words.iter().enumerate().any(|(i, w)| {
        (w == "group" || w == "groups")
            && !i
                .checked_sub(1)
                .and_then(|p| words.get(p))
                .is_some_and(|p| p == "resource" || p == "management")
    });
    n
}

/// The `metadata.description` of the parameter named `name`, as declared in the deployment that
/// declares the grant (else any deployment of its plan).
fn parameter_description(cx: &Cx, g: &Grant, name: &str) -> Option<String> {
    let plan = cx.plans.get(g.source)?;
    let parameter = plan
        .parameters
        .iter()
        .find(|p| p.name == name && p.deployment == g.deployment)
        .or_else(|| plan.parameters.iter().find(|p| p.name == name))?;
    cx.declared_at(&parameter.location, "/metadata/description")
        .and_then(|d| d.as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const GUID: &str = "3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93";

    /// A principal given by template parameter `name` (no value).
    fn parameter_principal(name: &str) -> access::Principal {
        let mut p = external_principal(GUID);
        p.kind = PrincipalKind::Parameter;
        p.id = None;
        p.parameter = Some(name.into());
        p
    }

    #[test]
    fn fires_for_a_literal_guid_and_names_the_declared_identity() {
        let mut m = model();
        m.workloads.push(workflow("export", Some(system())));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains(GUID));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Logic App workflow 'export'"));
    }

    #[test]
    fn fires_for_a_parameter_principal() {
        let mut m = model();
        let p = parameter_principal("principalId");
        m.grants.push(grant(BLOB_CONTRIBUTOR, RG, p));
        let f = run_rule(&m, &default_policy(), check);
        assert!(f[0].message.contains("parameter 'principalId'"));
    }

    #[test]
    fn a_user_or_group_by_principal_type_is_not_called_a_recreated_identity() {
        let mut m = model();
        for t in ["User", "Group"] {
            let mut g = grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID));
            g.principal_type = Some(t.into());
            m.grants.push(g);
        }
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 2);
        assert!(f[0]
            .message
            .contains("granted to a user with the literal object id"));
        assert!(f[1]
            .message
            .contains("granted to a group with the literal object id"));
        for x in &f {
            assert!(!x.message.contains("recreated"), "{}", x.message);
            assert!(x
                .fix
                .as_deref()
                .unwrap_or_default()
                .contains("external_principals"));
        }
    }

    #[test]
    fn a_service_principal_typed_grant_beside_an_identity_keeps_the_stale_identity_wording() {
        let mut m = model();
        m.workloads.push(workflow("export", Some(system())));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let f = run_rule(&m, &default_policy(), check);
        assert!(
            f[0].message.contains("grant goes stale"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn with_no_identity_in_its_run_a_service_principal_is_of_unknown_kind() {
        let mut m = model();
        // The only identity is another template run's.
        let mut other = workflow("export", Some(system()));
        other.source = 1;
        m.workloads.push(other);
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let f = run_rule(&m, &default_policy(), check);
        let msg = &f[0].message;
        assert!(
            msg.contains("a service principal of unknown kind (an application or a managed identity) with the literal object id"),
            "{msg}"
        );
        assert!(!msg.contains("stale"), "{msg}");
        let fix = f[0].fix.as_deref().unwrap_or_default();
        assert!(
            fix.contains("external_principals") && fix.contains("'full').identity.principalId"),
            "{fix}"
        );
        assert!(!fix.contains("'export'"), "{fix}");
    }

    #[test]
    fn with_no_principal_type_and_no_words_a_principal_is_of_unknown_kind() {
        let mut m = model();
        m.workloads.push(workflow("export", Some(system())));
        let p = parameter_principal("objectId");
        let mut g = grant(BLOB_CONTRIBUTOR, RG, p);
        g.principal_type = None;
        m.grants.push(g);
        let f = run_rule(&m, &default_policy(), check);
        assert!(
            f[0].message.contains("granted to a principal of unknown kind given by parameter 'objectId', not an identity of this deployment"),
            "{}",
            f[0].message
        );
        // The run's only identity is offered as the other remedy.
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Logic App workflow 'export'"));
    }

    #[test]
    fn managed_identity_words_keep_the_stale_identity_wording_without_a_declared_identity() {
        let mut m = model();
        let p = parameter_principal("managedIdentityPrincipalId");
        m.grants.push(grant(BLOB_CONTRIBUTOR, RG, p));
        let f = run_rule(&m, &default_policy(), check);
        assert!(
            f[0].message.contains("grant goes stale"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn silent_for_allowed_externals_and_declared_identities() {
        let mut m = model();
        let w = workflow("export", Some(system()));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, system_principal(&w)));
        m.grants
            .push(grant(BLOB_CONTRIBUTOR, RG, external_principal(GUID)));
        let allow = policy(&format!(
            "version: 1\nexternal_principals:\n  - id: {GUID}\n    reason: platform team's deployment group\n"
        ));
        assert!(run_rule(&m, &allow, check).is_empty());
    }
}
