//! The rule registry: every rule's metadata and documentation, looked up by id or name.
//!
//! A rule's documentation is the doc comment on its metadata const, in the rule's own file. The
//! [`declare_rule!`] macro keeps that comment as rustdoc *and* as a string available at run time
//! (for `rolegate explain` and the generated `docs/rules/`), so code and docs cannot drift.

use std::fmt;

use serde::Serialize;

use crate::finding::Severity;

/// A rule family: the first two letters of a rule id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// `MI`: how identities are attached to workloads.
    Identity,
    /// `RA`: role assignments.
    RoleAssignment,
    /// `SC`: secrets and secure data.
    Secrets,
    /// `EV`: what could not be evaluated.
    Evaluation,
    /// `LV`: checks against the live tenant (need credentials).
    Live,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 5] = [
        Family::Identity,
        Family::RoleAssignment,
        Family::Secrets,
        Family::Evaluation,
        Family::Live,
    ];

    /// The id prefix, e.g. `RA`.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Identity => "MI",
            Family::RoleAssignment => "RA",
            Family::Secrets => "SC",
            Family::Evaluation => "EV",
            Family::Live => "LV",
        }
    }

    /// A title for docs and listings.
    pub fn title(self) -> &'static str {
        match self {
            Family::Identity => "identity attachment",
            Family::RoleAssignment => "role assignments",
            Family::Secrets => "secrets and secure data",
            Family::Evaluation => "evaluation",
            Family::Live => "live tenant",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// What the registry knows about one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// Stable id, e.g. `RA002`. Reports, suppressions and users rely on it.
    pub id: &'static str,
    /// Kebab-case name, e.g. `privileged-role`.
    pub name: &'static str,
    pub family: Family,
    /// Severity unless the policy overrides it.
    pub default_severity: Severity,
    /// The rule's doc comment as written (each line keeps rustdoc's leading space; see [`RuleMeta::doc`]).
    #[serde(skip)]
    pub raw_doc: &'static str,
}

impl RuleMeta {
    /// The documentation in Markdown: `## What it does`, `## Why is this bad?`, `## Example`, `## References`.
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.raw_doc.len());
        for line in self.raw_doc.lines() {
            // `/// text` becomes `#[doc = " text"]`: drop exactly that one space.
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_string() + "\n"
    }

    /// The first paragraph of `## What it does`, on one line: the rule's summary.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let mut lines = doc.lines().skip_while(|l| l.trim() != "## What it does");
        lines.next();
        let words: Vec<&str> = lines
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        words.join(" ")
    }

    /// Whether `key` names this rule (id or name, case-insensitive).
    pub fn matches(&self, key: &str) -> bool {
        let key = key.trim();
        self.id.eq_ignore_ascii_case(key) || self.name.eq_ignore_ascii_case(key)
    }
}

/// Declares a rule's metadata const; the doc comment above it becomes the rule's documentation.
///
/// ```text
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub const RULE = ("RA002", "privileged-role", RoleAssignment, Error);
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub const $meta:ident = ($id:literal, $name:literal, $family:ident, $severity:ident);
    ) => {
        $(#[doc = $doc])*
        pub const $meta: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
            id: $id,
            name: $name,
            family: $crate::registry::Family::$family,
            default_severity: $crate::finding::Severity::$severity,
            raw_doc: concat!($($doc, "\n"),*),
        };
    };
}

/// Every rule, in catalogue order (family, then number). The LV family joins here when the live checks land.
static REGISTRY: &[RuleMeta] = &[
    crate::identity::workload_without_identity::RULE,
    crate::identity::identity_used_but_not_attached::RULE,
    crate::identity::invalid_identity_shape::RULE,
    crate::identity::identity_kind_mismatch::RULE,
    crate::identity::shared_user_assigned_identity::RULE,
    crate::identity::connector_without_mi_support::RULE,
    crate::identity::audience_mismatch::RULE,
    crate::identity::oauth_connection_where_mi_possible::RULE,
    crate::role_assignment::missing_grant::RULE,
    crate::role_assignment::privileged_role::RULE,
    crate::role_assignment::scope_too_broad::RULE,
    crate::role_assignment::grant_not_in_policy::RULE,
    crate::role_assignment::broader_role_than_needed::RULE,
    crate::role_assignment::hardcoded_principal::RULE,
    crate::role_assignment::principal_type_missing::RULE,
    crate::role_assignment::unstable_assignment_name::RULE,
    crate::role_assignment::duplicate_grant::RULE,
    crate::role_assignment::unknown_role::RULE,
    crate::role_assignment::grant_to_unused_identity::RULE,
    crate::secrets::secret_in_template::RULE,
    crate::secrets::secret_parameter_not_secure::RULE,
    crate::secrets::secure_data_missing::RULE,
    crate::secrets::key_based_auth_where_mi_possible::RULE,
    crate::evaluation::unresolved_grant::RULE,
    crate::evaluation::unresolved_condition::RULE,
    crate::evaluation::template_error::RULE,
    crate::evaluation::unresolved_call_target::RULE,
    crate::evaluation::unused_suppression::RULE,
];

/// Every rule, in catalogue order (family, then number).
pub fn registry() -> &'static [RuleMeta] {
    REGISTRY
}

/// The rule with this id or name (case-insensitive).
pub fn lookup(key: &str) -> Option<&'static RuleMeta> {
    REGISTRY.iter().find(|r| r.matches(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in registry() {
            assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.id.starts_with(rule.family.prefix()) && rule.id.len() == 5,
                "{} does not fit family {}",
                rule.id,
                rule.family
            );
            assert!(
                rule.id[2..].chars().all(|c| c.is_ascii_digit()),
                "{}",
                rule.id
            );
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.name
            );
        }
        // Catalogue order: by family, then by number.
        let mut sorted: Vec<(Family, &str)> = registry().iter().map(|r| (r.family, r.id)).collect();
        sorted.sort();
        assert_eq!(
            sorted.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
            registry().iter().map(|r| r.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_doc_has_the_four_sections_in_order() {
        for rule in registry() {
            let doc = rule.doc();
            let mut at = 0;
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## References",
            ] {
                let found = doc[at..].find(section).unwrap_or_else(|| {
                    panic!("{}: section {section:?} missing or out of order", rule.id)
                });
                at += found + section.len();
            }
            assert!(
                doc.contains("Use instead:"),
                "{}: example lacks a fix",
                rule.id
            );
            assert!(!rule.summary().is_empty(), "{}: empty summary", rule.id);
        }
    }

    #[test]
    fn lookup_by_id_or_name_ignores_case() {
        assert_eq!(lookup("ra002").map(|r| r.name), Some("privileged-role"));
        assert_eq!(lookup("Privileged-Role").map(|r| r.id), Some("RA002"));
        assert!(lookup("RA999").is_none());
    }

    #[test]
    fn every_catalogue_rule_outside_lv_is_registered() {
        // The fixed ids of shared/docs/rules.md, families MI, RA, SC, EV.
        let expected = [
            "MI001", "MI002", "MI003", "MI004", "MI005", "MI006", "MI007", "RA001", "RA002",
            "RA003", "RA004", "RA005", "RA006", "RA007", "RA008", "RA009", "RA010", "RA011",
            "SC001", "SC002", "SC003", "SC004", "EV001", "EV002", "EV003",
        ];
        // Rules rolegate adds beyond the catalogue (documented in docs/rules/).
        let added = ["MI008", "EV004", "EV005"];
        // Compared as sets: catalogue order (family, then number) is checked above.
        let mut ids: Vec<&str> = registry().iter().map(|r| r.id).collect();
        let mut expected: Vec<&str> = expected.iter().chain(&added).copied().collect();
        ids.sort_unstable();
        expected.sort_unstable();
        assert_eq!(ids, expected);
    }
}
