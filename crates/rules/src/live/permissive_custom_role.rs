//! LV005: a custom role a grant references has wildcard actions or data actions.

use access::RoleSource;

use crate::context::{is_deployed, resource_words, Cx};
use crate::finding::Finding;
use crate::live::facts;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, fetches the custom role definitions the template's grants reference (those
    /// the built-in catalogue does not know), so they are judged like built-in roles by every
    /// other rule, and reports each custom role whose `actions` or `dataActions` contain a
    /// wildcard (`*`, `Microsoft.Storage/*`, `.../*/read`).
    ///
    /// ## Why is this bad?
    /// A custom role's name says nothing about its breadth. `Microsoft.KeyVault/*` in a role named
    /// "Payments Reader" grants everything Key Vault will ever add, including access policy
    /// writes; a wildcard data action reads every secret. Built-in roles are reviewed by
    /// Microsoft; custom roles only by whoever wrote them.
    ///
    /// ## Example
    /// ```json
    /// { "roleName": "Payments Reader", "permissions": [{ "actions": ["Microsoft.KeyVault/*"] }] }
    /// ```
    ///
    /// Use instead: list the exact actions the workload needs:
    /// ```json
    /// { "roleName": "Payments Reader", "permissions": [{ "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"] }] }
    /// ```
    ///
    /// ## References
    /// - [Azure custom roles](https://learn.microsoft.com/azure/role-based-access-control/custom-roles)
    /// - [Wildcard permissions in role definitions](https://learn.microsoft.com/azure/role-based-access-control/role-definitions#wildcard-permissions)
    pub const RULE = ("LV005", "permissive-custom-role", Live, Warning);
}

/// A custom role with wildcard permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissiveCustomRole {
    pub role: String,
    pub identity: String,
    pub scope: String,
    pub wildcards: Vec<String>,
}

impl Violation for PermissiveCustomRole {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        format!(
            "custom role '{}' granted to {} on {} allows wildcards {}: everything they match, today and as the services add operations",
            self.role,
            self.identity,
            self.scope,
            self.wildcards.join(", ")
        )
    }

    fn fix(&self) -> Option<String> {
        Some("replace the wildcards with the exact actions the workload needs, or use a built-in role".to_string())
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    if facts(cx).is_none() {
        return;
    }
    for g in &cx.model.grants {
        if !is_deployed(&g.deployed) {
            continue;
        }
        let Some(role) = cx.role_of(g) else {
            continue;
        };
        if !matches!(role.source, RoleSource::Custom | RoleSource::Template) {
            continue;
        }
        let mut wildcards: Vec<String> = Vec::new();
        for p in &role.permissions {
            for pattern in p.actions.iter().chain(&p.data_actions) {
                if pattern.contains('*') && !wildcards.contains(pattern) {
                    wildcards.push(pattern.clone());
                }
            }
        }
        if wildcards.is_empty() {
            continue;
        }
        let violation = PermissiveCustomRole {
            role: role.name.clone(),
            identity: cx.principal_words(g),
            scope: resource_words(&g.scope),
            wildcards,
        };
        out.push(cx.role_finding(&violation, g));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::run_live;
    use crate::testing::*;
    use access::catalogue::Permission;
    use access::live::LiveFacts;
    use access::RoleDefinition;

    #[test]
    fn wildcards_in_a_custom_role_are_reported_and_exact_actions_are_not() {
        let guid = "c0ffee00-0000-4000-8000-000000000005";
        let mut m = secret_reader_granted(guid, &kv_id("kv1"));
        let role = |actions: &[&str]| {
            RoleDefinition::new(
                guid,
                "Payments Reader",
                vec![Permission {
                    data_actions: actions.iter().map(|a| a.to_string()).collect(),
                    ..Permission::default()
                }],
                RoleSource::Template,
            )
        };
        m.role_definitions
            .push(role(&["Microsoft.KeyVault/vaults/secrets/*"]));
        let facts = LiveFacts::default();
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("Microsoft.KeyVault/vaults/secrets/*"));
        m.role_definitions[0] = role(&["Microsoft.KeyVault/vaults/secrets/getSecret/action"]);
        assert!(run_live(&m, &default_policy(), &facts, check).is_empty());
    }
}
