//! RA009: the same grant twice, or two assignments with one name.

use std::collections::HashMap;
use std::sync::Arc;

use access::{Grant, PrincipalKind};
use arm::{Location, Origin, Unknown, Value};

use crate::context::{identity_key, is_deployed, resource_words, Cx};
use crate::finding::Finding;

use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags two role assignments in one deployment (one template run: its modules included,
    /// other templates and other parameter files not) that give the same principal the same role
    /// at the same scope under different names, that are the same assignment declared twice in
    /// one template, or that share a name but differ in principal, role or scope. The same
    /// assignment (same name) deployed by two modules is one resource deployed twice, which Azure
    /// accepts, and is not flagged.
    ///
    /// ## Why is this bad?
    /// Azure keeps one assignment per principal, role and scope: a second one under another name
    /// fails the deployment with `RoleAssignmentExists`. A resource defined twice in one template
    /// is rejected before anything deploys. An assignment's principal, role and scope cannot be
    /// changed, so a second assignment of the same name with other values fails with
    /// `RoleAssignmentUpdateNotPermitted`.
    ///
    /// ## Example
    /// ```bicep
    /// resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId }
    /// }
    /// resource b 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, 'reader', secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId }
    /// }
    /// ```
    ///
    /// Use instead: declare the grant once.
    /// ```bicep
    /// resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
    ///   name: guid(kv.id, wf.id, secretsUser)
    ///   scope: kv
    ///   properties: { roleDefinitionId: secretsUser, principalId: wf.identity.principalId, principalType: 'ServicePrincipal' }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Troubleshoot Azure RBAC: RoleAssignmentExists](https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
    pub const RULE = ("RA009", "duplicate-grant", RoleAssignment, Error);
}

/// Two grants that collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGrant {
    /// The identity in words.
    pub identity: String,
    /// The role name.
    pub role: String,
    /// The scope in words.
    pub scope: String,
    /// How the two collide.
    pub collision: Collision,
    /// Where the first of the two is declared.
    pub first: Location,
}

/// How two role assignments of one deployment collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collision {
    /// Same principal, role and scope under different names: `RoleAssignmentExists`.
    SameGrant,
    /// The same assignment (same name) declared twice in one template: ARM rejects the template.
    DeclaredTwice,
    /// The same name for different grants: the second deployment cannot update the first.
    SameName(String),
    /// The same name, known only at deployment but one value (in words), for different grants.
    SameUnknownName(String),
}

impl Violation for DuplicateGrant {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match &self.collision {
            Collision::SameName(name) => format!(
                "this role assignment has the same name '{name}' as the one at {}, for a different principal, role or scope: Azure cannot change an assignment's principal, role or scope, so the deployment fails",
                self.first
            ),
            Collision::SameUnknownName(what) => format!(
                "this role assignment is named by {what}, like the one at {}, for a different principal, role or scope: role assignment names are unique, and Azure cannot change an assignment's principal, role or scope, so the deployment fails with RoleAssignmentUpdateNotPermitted",
                self.first
            ),
            Collision::DeclaredTwice => format!(
                "{} is granted '{}' on {} by the same role assignment declared twice in one template (first at {}): ARM rejects a resource defined more than once",
                self.identity, self.role, self.scope, self.first
            ),
            Collision::SameGrant => format!(
                "{} is granted '{}' on {} twice (first at {}): the second assignment fails with RoleAssignmentExists",
                self.identity, self.role, self.scope, self.first
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some("keep one of the two role assignments".to_string())
    }
}

/// Every second grant of the same principal, role and scope, and every second assignment name.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    // Keyed by the plan that declares the grant too: two templates of a directory, or one template
    // with two parameter files, are separate deployments, not one deployment granting twice.
    let mut by_triple: HashMap<(usize, String, String, String), &Grant> = HashMap::new();
    let mut named: Vec<&Grant> = Vec::new();
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let mut reported = false;
        if let Some(principal) = principal_key(g) {
            // Every part known: an unknown rendered into the text is no proof of equality.
            let resolved = !g.scope.has_unknown_parts() && !g.role.id.contains('{');
            if resolved {
                let key = (
                    g.source,
                    principal.to_ascii_lowercase(),
                    g.role.id.to_ascii_lowercase(),
                    g.scope.as_str().to_ascii_lowercase(),
                );
                if let Some(first) = by_triple.get(&key) {
                    if !same_name(g, first) {
                        push(cx, out, g, first, Collision::SameGrant);
                    } else if g.deployment == first.deployment {
                        push(cx, out, g, first, Collision::DeclaredTwice);
                    }
                    // The same assignment (same name and properties) from two modules is one
                    // resource deployed twice: idempotent, nothing to report.
                    reported = true;
                } else {
                    by_triple.insert(key, g);
                }
            }
        }
        match named
            .iter()
            .find(|first| first.source == g.source && same_name(g, first))
        {
            Some(first) if !reported => {
                let collision = match g.name_value.as_unknown() {
                    Some(u) => Collision::SameUnknownName(unknown_name_words(u)),
                    None => Collision::SameName(g.name.clone()),
                };
                push(cx, out, g, first, collision)
            }
            Some(_) => {}
            None => named.push(g),
        }
    }
}

/// Who a grant is to, for comparison: a managed identity of the deployment by its (fully known)
/// resource, a literal object id, a parameter by its value. A parameter with no value is equal
/// only to the very same value (a module's parameter of the same name is another value).
fn principal_key(g: &Grant) -> Option<String> {
    match g.principal.kind {
        PrincipalKind::Parameter => match &g.principal_value {
            Value::Unknown(u) => Some(format!("unknown value {:p}", Arc::as_ptr(&u.0))),
            Value::String(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        },
        _ => identity_key(g).filter(|k| !k.contains('{')),
    }
}

/// Whether two assignments have the same name: both known and equal, or both the very same
/// unknown value (one `newGuid()` parameter default naming both). Different unknowns are not
/// the same name, however alike they print.
fn same_name(a: &Grant, b: &Grant) -> bool {
    match (&a.name_value, &b.name_value) {
        (Value::Unknown(x), Value::Unknown(y)) => Arc::ptr_eq(&x.0, &y.0),
        _ => a.name_resolved && b.name_resolved && a.name.eq_ignore_ascii_case(&b.name),
    }
}

/// An unknown name in words, for a reviewer: what makes it.
fn unknown_name_words(u: &Unknown) -> String {
    let new_guid = u.roots().iter().any(
        |o| matches!(o, Origin::NonDeterministic { function } if function.eq_ignore_ascii_case("newGuid")),
    );
    if new_guid {
        "one newGuid() value".to_string()
    } else {
        "one value known only at deployment".to_string()
    }
}

fn push(cx: &Cx, out: &mut Vec<Finding>, g: &Grant, first: &Grant, collision: Collision) {
    let violation = DuplicateGrant {
        identity: cx.principal_words(g),
        role: cx.role_name(g),
        scope: resource_words(&g.scope),
        collision,
        first: first.location.clone(),
    };
    out.push(
        Finding::new(&violation, g.location.clone())
            .with_label(Some(first.location.clone()), "first declared here")
            .with_subject(cx.grant_subject(g)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use access::{Principal, ResourceId};

    #[test]
    fn fires_for_the_same_triple_and_for_the_same_name() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        let a = grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w));
        let mut b = a.clone();
        b.name = "another-name".into();
        b.location = loc("/resources/3");
        let mut c = grant(BLOB_CONTRIBUTOR, RG, system_principal(&w));
        c.location = loc("/resources/4");
        m.grants.extend([a, b, c]);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("twice"));
        assert!(f[1].message.contains("same name"));
        assert_eq!(f[0].labels[0].location.pointer, "/resources/2");
    }

    #[test]
    fn silent_for_distinct_grants() {
        let mut m = model();
        let w = workflow("recon", Some(system()));
        let a = grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w));
        let mut b = grant(KV_SECRETS_USER, &kv_id("kv2"), system_principal(&w));
        b.name = "other".into();
        m.grants.extend([a, b]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn silent_for_the_same_grant_in_separate_template_runs() {
        // `rolegate check dir/` with main.parameters.dev.json and main.parameters.prod.json: two
        // runs of one template, each granting once.
        let mut m = model();
        let w = workflow("recon", Some(system()));
        let dev = grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w));
        let mut prod = dev.clone();
        prod.source = 1;
        m.grants.extend([dev, prod]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn the_same_assignment_twice_in_one_template_but_not_from_two_modules() {
        let w = workflow("recon", Some(system()));
        let a = grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w));
        let mut again = a.clone();
        again.location = loc("/resources/3");
        let mut m = model();
        m.grants.extend([a.clone(), again.clone()]);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("declared twice in one template"),
            "{}",
            f[0].message
        );

        // Two modules deploying the identical assignment (same guid() name): one resource.
        let mut from_module = again;
        from_module.deployment = "build-image-2".into();
        let mut m = model();
        m.grants.extend([a, from_module]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    fn unknown(origin: Origin) -> Value {
        Value::Unknown(Unknown::new(origin))
    }

    fn parameter(name: &str) -> Origin {
        Origin::Parameter {
            name: name.into(),
            key_vault_reference: false,
        }
    }

    #[test]
    fn one_new_guid_naming_two_assignments_at_different_scopes() {
        let w = workflow("recon", Some(system()));
        let name = unknown(Origin::NonDeterministic {
            function: "newGuid".into(),
        });
        let mut a = grant(KV_SECRETS_USER, &kv_id("kv1"), system_principal(&w));
        a.name_value = name.clone();
        a.name_resolved = false;
        let mut b = grant(KV_SECRETS_USER, &kv_id("kv2"), system_principal(&w));
        b.name_value = name;
        b.name_resolved = false;
        b.location = loc("/resources/3");
        let mut m = model();
        m.grants.extend([a.clone(), b]);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("named by one newGuid() value"),
            "{}",
            f[0].message
        );

        // Two newGuid() calls are two names.
        let mut c = grant(KV_SECRETS_USER, &kv_id("kv2"), system_principal(&w));
        c.name_value = unknown(Origin::NonDeterministic {
            function: "newGuid".into(),
        });
        c.name_resolved = false;
        let mut m = model();
        m.grants.extend([a, c]);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn different_unknowns_that_print_alike_are_not_the_same() {
        // Two module instances, each naming its assignment and its principal by its own
        // parameter 'name' with no value: the names and principals render alike, but are not
        // known to be equal.
        let wf = ResourceId::parse(&format!(
            "{RG}/providers/Microsoft.Web/sites/{{parameter 'name' (no value given)}}"
        ));
        let principal = Principal {
            kind: PrincipalKind::SystemAssigned,
            resource: Some(wf),
            id: None,
            parameter: None,
            provenance: "runtime".into(),
        };
        let mut grants = Vec::new();
        for i in 0..2 {
            let mut g = grant(KV_SECRETS_USER, &kv_id("kv1"), principal.clone());
            g.name = "{parameter 'name' (no value given)}".into();
            g.name_resolved = false;
            g.name_value = unknown(parameter("name"));
            g.deployment = format!("module-{i}");
            g.location = loc(&format!("/resources/{i}"));
            grants.push(g);
        }
        let mut m = model();
        m.grants.extend(grants);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
