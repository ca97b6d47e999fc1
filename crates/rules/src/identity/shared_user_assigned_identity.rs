//! MI005: one user-assigned identity attached to several workloads.

use crate::context::{is_deployed, user_identity_words, workload_words, Cx};
use crate::finding::{Finding, Subject};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a user-assigned identity attached to more than one workload, or to workloads of
    /// different environments (by their `environment`/`env` tag), unless the policy allows that
    /// identity to be shared. Workloads are compared within one template run (a template with
    /// one parameter file): templates checked together are separate deployments, and without the
    /// real deployment context their identities' ids can coincide only by placeholder. Each template
    /// run that shares an identity gets its own finding. A web app and its deployment slots
    /// (`Microsoft.Web/sites/slots`) are one holder: slots run the site's code under the site's
    /// identity by design, and a swap moves them between each other. Likewise the deployment
    /// scripts (`Microsoft.Resources/deploymentScripts`) of one template run count as one holder:
    /// they run only while the template deploys, and giving the scripts of one run a single
    /// identity for their job is the documented pattern. Azure Image Builder templates
    /// (`Microsoft.VirtualMachineImages/imageTemplates`) of the run join that build-time holder:
    /// the image builder service uses the identity only while it builds, a script that starts
    /// the build (`Invoke-AzResourceAction ... -Action Run`) acts at deployment, and neither
    /// takes run-time input, so their sharing widens nothing. A script or image template sharing
    /// the identity with a workflow, site or function is still reported.
    ///
    /// ## Why is this bad?
    /// Every workload holding the identity holds all of its roles. A flaw in any one of them (an
    /// injectable HTTP action, an over-broad connector) reaches every resource the others may
    /// touch, and a test workflow sharing an identity with production can write production data.
    ///
    /// ## Example
    /// ```bicep
    /// resource ingest 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${shared.id}': {} } }
    /// }
    /// resource report 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${shared.id}': {} } }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```bicep
    /// resource ingest 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${ingestId.id}': {} } }
    /// }
    /// resource report 'Microsoft.Logic/workflows@2019-05-01' = {
    ///   identity: { type: 'UserAssigned', userAssignedIdentities: { '${reportId.id}': {} } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Managed identity best practice recommendations](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/managed-identity-best-practice-recommendations)
    pub const RULE = ("MI005", "shared-user-assigned-identity", Identity, Warning);
}

/// A user-assigned identity shared by several workloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedUserAssignedIdentity {
    /// The identity in words.
    pub identity: String,
    /// The workloads holding it, in words.
    pub workloads: Vec<String>,
    /// The distinct environments of those workloads, when they differ.
    pub environments: Vec<String>,
}

impl Violation for SharedUserAssignedIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let mut msg = format!(
            "{} is attached to {} workloads ({}): each of them holds every role granted to it",
            self.identity,
            self.workloads.len(),
            self.workloads.join(", ")
        );
        if self.environments.len() > 1 {
            msg.push_str(&format!(
                ", across environments {}",
                self.environments.join(", ")
            ));
        }
        msg
    }

    fn fix(&self) -> Option<String> {
        Some("give each workload its own user-assigned identity with only the roles it needs, or allow sharing in the policy if it is intended".to_string())
    }
}

/// Every user-assigned identity attached to several deployed workloads without the policy's leave:
/// one finding per template run that shares it.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    // One identity may be declared by several runs (every template of a directory that names it);
    // each run's sharing is judged once.
    let mut seen: Vec<&access::ResourceId> = Vec::new();
    for identity in &cx.model.identities {
        if seen.contains(&&identity.id) {
            continue;
        }
        seen.push(&identity.id);
        // Holders within one template run: separate runs (other templates, other parameter
        // files) are separate deployments whose ids may coincide only through placeholder names.
        let mut by_source: Vec<(usize, Vec<&access::Workload>)> = Vec::new();
        for w in &cx.model.workloads {
            if !is_deployed(&w.deployed) || !w.identity.has_user_assigned(&identity.id) {
                continue;
            }
            match by_source.iter_mut().find(|(s, _)| *s == w.source) {
                Some((_, holders)) => {
                    if !holders.iter().any(|h| h.id == w.id) {
                        holders.push(w);
                    }
                }
                None => by_source.push((w.source, vec![w])),
            }
        }
        for (_, mut holders) in by_source {
            // A web app's deployment slots run the site's code under the site's identity by
            // design (swaps move it between them): the site and its slots are one holder.
            let sites: Vec<access::ResourceId> = holders.iter().map(|w| w.id.clone()).collect();
            holders.retain(|w| !is_slot_of_one_of(w, &sites));
            // The deployment scripts and image templates of one run act only while the run
            // deploys and builds (no run-time surface): one holder between them.
            let build_time = holders.iter().filter(|w| is_build_time(w)).count();
            if holders.len() - build_time.saturating_sub(1) >= 2 {
                report(cx, identity, &holders, out);
            }
        }
    }
}

/// Whether `w` is a deployment slot (`Microsoft.Web/sites/slots`) of one of `sites`.
fn is_slot_of_one_of(w: &access::Workload, sites: &[access::ResourceId]) -> bool {
    w.resource_type
        .eq_ignore_ascii_case("Microsoft.Web/sites/slots")
        && w.id.parent().is_some_and(|p| sites.contains(&p))
}

/// Whether `w` acts only at deployment or build time: a deployment script
/// (`Microsoft.Resources/deploymentScripts`) or an Azure Image Builder template
/// (`Microsoft.VirtualMachineImages/imageTemplates`).
fn is_build_time(w: &access::Workload) -> bool {
    [
        "Microsoft.Resources/deploymentScripts",
        "Microsoft.VirtualMachineImages/imageTemplates",
    ]
    .iter()
    .any(|t| w.resource_type.eq_ignore_ascii_case(t))
}

/// One finding: `holders` (two or more, one template run) share `identity`.
fn report(
    cx: &Cx,
    identity: &access::UserAssignedIdentity,
    holders: &[&access::Workload],
    out: &mut Vec<Finding>,
) {
    {
        let decision = cx.policy.shared_identity_allowed(identity.id.as_str());
        if decision.allowed {
            return;
        }
        let mut environments: Vec<String> = holders
            .iter()
            .filter_map(|w| {
                w.tags
                    .iter()
                    .find(|(k, _)| {
                        k.eq_ignore_ascii_case("environment") || k.eq_ignore_ascii_case("env")
                    })
                    .map(|(_, v)| v.clone())
            })
            .collect();
        environments.sort();
        environments.dedup();
        let violation = SharedUserAssignedIdentity {
            identity: user_identity_words(&identity.id),
            workloads: holders.iter().map(|w| workload_words(w)).collect(),
            environments,
        };
        // The declaration, when it is in the holders' template; else (the identity is declared by
        // another template run) where the first holder attaches it.
        let declared_beside = cx.model.identities.iter().find(|i| {
            i.id == identity.id && holders.iter().any(|w| w.location.file == i.location.file)
        });
        let location = match declared_beside {
            Some(i) => i.location.clone(),
            None => cx.locate_in(&holders[0].location, "/identity"),
        };
        let mut finding = Finding::new(&violation, location)
            .with_label(
                Some(decision.location.clone()),
                "the policy does not allow shared identities",
            )
            .with_subject(Subject {
                identity: Some(identity.id.to_string()),
                ..Subject::default()
            });
        for w in holders.iter() {
            finding = finding.with_label(
                Some(cx.locate_in(&w.location, "/identity")),
                format!("attached to {}", workload_words(w)),
            );
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_when_two_workloads_share_an_identity() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared"
        ));
        m.identities.push(uami_decl(&uami));
        let mut a = workflow("ingest", Some(user(&uami)));
        a.tags.insert("environment".into(), "prod".into());
        let mut b = workflow("report", Some(user(&uami)));
        b.tags.insert("environment".into(), "test".into());
        m.workloads.extend([a, b]);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("attached to 2 workloads"));
        assert!(f[0].message.contains("across environments prod, test"));
    }

    #[test]
    fn silent_for_one_workload_or_when_the_policy_allows_sharing() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared"
        ));
        m.identities.push(uami_decl(&uami));
        m.workloads.push(workflow("ingest", Some(user(&uami))));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        m.workloads.push(workflow("report", Some(user(&uami))));
        let allow = policy("version: 1\nallow_shared_identities: true\n");
        assert!(run_rule(&m, &allow, check).is_empty());
        let shareable = policy("version: 1\nshareable_identities: [\"shared\"]\n");
        assert!(run_rule(&m, &shareable, check).is_empty());
    }

    #[test]
    fn one_workload_planned_twice_is_one_holder() {
        // dev and prod parameter files: the same app gateway with the same identity, twice.
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/appgw-identity"
        ));
        m.identities.push(uami_decl(&uami));
        let gateway = workflow("appgw", Some(user(&uami)));
        m.workloads.extend([gateway.clone(), gateway]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn a_web_app_and_its_slots_are_one_holder() {
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id"
        ));
        m.identities.push(uami_decl(&uami));
        let mut site = workflow("app", Some(user(&uami)));
        site.resource_type = "Microsoft.Web/sites".into();
        site.id = rid(&format!("{RG}/providers/Microsoft.Web/sites/app"));
        let mut slot = site.clone();
        slot.resource_type = "Microsoft.Web/sites/slots".into();
        slot.id = rid(&format!(
            "{RG}/providers/Microsoft.Web/sites/app/slots/staging"
        ));
        m.workloads.extend([site.clone(), slot]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        // Another app sharing it is still reported.
        let mut other = site;
        other.id = rid(&format!("{RG}/providers/Microsoft.Web/sites/other"));
        other.name = "other".into();
        m.workloads.push(other);
        assert_eq!(run_rule(&m, &default_policy(), check).len(), 1);
    }

    #[test]
    fn each_template_run_that_shares_is_reported() {
        // A directory: two templates each declare 'scratch' and attach it to two scripts.
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scratch"
        ));
        m.identities.push(uami_decl(&uami));
        let mut second = uami_decl(&uami);
        second.location.file = "other/azuredeploy.json".into();
        m.identities.push(second);
        let a = workflow("a", Some(user(&uami)));
        let b = workflow("b", Some(user(&uami)));
        let mut c = workflow("c", Some(user(&uami)));
        c.source = 1;
        c.location.file = "other/azuredeploy.json".into();
        let mut d = workflow("d", Some(user(&uami)));
        d.source = 1;
        d.location.file = "other/azuredeploy.json".into();
        m.workloads.extend([a, b, c, d]);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f
            .iter()
            .any(|x| x.location.file == "other/azuredeploy.json"));
    }

    #[test]
    fn holders_in_separate_template_runs_do_not_share() {
        // Two templates of a directory whose identities coincide by name under placeholder ids.
        let mut m = model();
        let uami = rid(&format!(
            "{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scratch"
        ));
        m.identities.push(uami_decl(&uami));
        let a = workflow("create-key", Some(user(&uami)));
        let mut b = workflow("create-share", Some(user(&uami)));
        b.source = 1;
        m.workloads.extend([a, b]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
