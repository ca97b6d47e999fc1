//! Writing a starting policy from what a template grants and uses today (`rolegate policy init`).
//!
//! Takes plain data (so this crate stays free of the access model) and writes YAML that allows
//! exactly today's grants, except those the default policy forbids (privileged roles, scopes
//! above a resource group), which are written as comments for a person to decide on.

use std::fmt::Write as _;

use crate::date::Date;
use crate::load::{DEFAULT_DENIED_ROLES, DEFAULT_MAX_SCOPE};
use crate::model::{IdentityKind, ScopeLevel};
use crate::policy::{RoleRef, RoleSpec};

/// What a template has today, as `policy init` needs it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The template(s) it was written from, for the header comment.
    pub source: String,
    /// The date written in the header (none: no date, for reproducible output).
    pub today: Option<Date>,
    /// Every workload with its identity and grants.
    pub workloads: Vec<DraftWorkload>,
    /// Literal principal ids that receive grants: (id, what it is granted, in words).
    pub external_principals: Vec<(String, String)>,
    /// User-assigned identities attached to several workloads: (identity name, workload names).
    pub shared_identities: Vec<(String, Vec<String>)>,
    /// Anything else worth a comment at the top (unresolved principals, ...).
    pub notes: Vec<String>,
}

/// One workload as it is today.
#[derive(Debug, Clone, Default)]
pub struct DraftWorkload {
    /// Resource type.
    pub resource_type: String,
    /// Resource name.
    pub name: String,
    /// Resource kind, when it has one.
    pub kind: Option<String>,
    /// The identity it has: system, user, any (both) or none.
    pub identity: Option<IdentityKind>,
    /// Grants its identities hold.
    pub grants: Vec<DraftGrant>,
    /// What its usages need that no grant gives, in words (written as comments).
    pub missing: Vec<String>,
}

/// One grant as it is today.
#[derive(Debug, Clone)]
pub struct DraftGrant {
    /// Role name from the catalogue, when known.
    pub role_name: Option<String>,
    /// Role definition GUID.
    pub role_id: String,
    /// Resource type of the scope.
    pub target_type: String,
    /// Resource name of the scope.
    pub target_name: String,
    /// Level of the scope.
    pub scope_level: ScopeLevel,
}

impl DraftGrant {
    fn role_label(&self) -> &str {
        self.role_name.as_deref().unwrap_or(&self.role_id)
    }

    fn denied_by_default(&self) -> bool {
        let role = RoleRef::new(Some(&self.role_id), self.role_name.as_deref());
        DEFAULT_DENIED_ROLES.iter().any(|name| {
            RoleSpec {
                text: (*name).to_owned(),
                location: arm::Location {
                    file: String::new(),
                    line: 1,
                    column: 1,
                    pointer: String::new(),
                    bicep: None,
                },
                explicit: false,
            }
            .matches(&role)
        })
    }

    fn too_broad_by_default(&self) -> bool {
        self.scope_level.is_broader_than(DEFAULT_MAX_SCOPE)
    }
}

/// A YAML scalar: plain when that reads back as the same string, else double-quoted.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/-()".contains(c))
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::Value::from(text).to_string()
    }
}

/// A glob matching exactly `text`: glob metacharacters escaped, and each part only known at
/// deployment (rendered `{...}` by expansion; Azure names cannot contain braces) as `*`.
fn literal_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('*');
                }
                depth += 1;
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => {
                if "*?[]}\\!".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// Whether a name has parts only known at deployment.
fn has_unknown(text: &str) -> bool {
    text.contains('{')
}

/// Whether the default policy requires this workload type to have an identity.
fn identity_expected(resource_type: &str, kind: Option<&str>) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Logic/workflows")
        || (resource_type.eq_ignore_ascii_case("Microsoft.Web/sites")
            && kind.is_some_and(|k| k.to_ascii_lowercase().contains("workflowapp")))
}

impl Draft {
    /// The policy text. It always validates (a test checks it on varied drafts).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# yaml-language-server: $schema={}",
            crate::schema::SCHEMA_ID
        );
        let _ = writeln!(out, "#");
        let _ = writeln!(
            out,
            "# Starting policy written by `rolegate policy init` from {}",
            self.source
        );
        if let Some(today) = self.today {
            let _ = writeln!(out, "# on {today}.");
        }
        let _ = writeln!(
            out,
            "# It allows exactly the grants the template has today, except privileged roles and scopes\n\
             # above a resource group, which are left as comments. Review every entry: this file is\n\
             # what `rolegate check` will hold the template to. Format: docs/policy.md."
        );
        for note in &self.notes {
            let _ = writeln!(out, "# NOTE: {note}");
        }
        let _ = writeln!(out, "version: 1\n");
        let _ = writeln!(out, "unresolved: fail");

        let allowed = |g: &&DraftGrant| !g.denied_by_default() && !g.too_broad_by_default();
        let broadest = self
            .workloads
            .iter()
            .flat_map(|w| w.grants.iter().filter(allowed))
            .map(|g| g.scope_level)
            .min()
            .unwrap_or(ScopeLevel::Resource);
        let _ = writeln!(out, "max_scope: {}\n", broadest.as_str());

        let _ = writeln!(out, "denied_roles:");
        for role in DEFAULT_DENIED_ROLES {
            let _ = writeln!(out, "  - {role}");
        }
        out.push('\n');

        if !self.external_principals.is_empty() {
            let _ = writeln!(out, "external_principals:");
            for (id, what) in &self.external_principals {
                let _ = writeln!(out, "  - id: {}", scalar(id));
                let _ = writeln!(
                    out,
                    "    reason: {}",
                    scalar(&format!("TODO say why this principal may hold: {what}"))
                );
            }
            out.push('\n');
        }

        let _ = writeln!(out, "allow_shared_identities: false");
        if !self.shared_identities.is_empty() {
            let _ = writeln!(out, "shareable_identities:");
            for (identity, workloads) in &self.shared_identities {
                let _ = writeln!(out, "  # shared today by {}", workloads.join(", "));
                let _ = writeln!(out, "  - {}", scalar(&literal_glob(identity)));
            }
        }
        out.push('\n');

        if self.workloads.is_empty() {
            let _ = writeln!(out, "workloads: []");
            return out;
        }
        let _ = writeln!(out, "workloads:");
        for w in &self.workloads {
            let label = if has_unknown(&w.name) {
                let short = w.resource_type.rsplit('/').next().unwrap_or("workload");
                format!("{short} {}", literal_glob(&w.name))
            } else {
                w.name.clone()
            };
            let _ = writeln!(out, "  - name: {}", scalar(&label));
            if has_unknown(&w.name) {
                let _ = writeln!(
                    out,
                    "    # its name is only known at deployment: `*` stands for the unknown part"
                );
            }
            let _ = writeln!(out, "    match:");
            let _ = writeln!(
                out,
                "      type: {}",
                scalar(&literal_glob(&w.resource_type))
            );
            let _ = writeln!(out, "      name: {}", scalar(&literal_glob(&w.name)));
            if let Some(kind) = &w.kind {
                let _ = writeln!(out, "      kind: {}", scalar(&literal_glob(kind)));
            }
            match w.identity {
                Some(kind) => {
                    let _ = writeln!(
                        out,
                        "    identity:\n      required: true\n      kind: {}",
                        kind.as_str()
                    );
                }
                None if identity_expected(&w.resource_type, w.kind.as_deref()) => {
                    let _ = writeln!(
                        out,
                        "    # no managed identity today: rule MI001 reports it until it has one"
                    );
                    let _ = writeln!(out, "    identity:\n      required: true\n      kind: any");
                }
                None => {
                    let _ = writeln!(out, "    # no managed identity today");
                }
            }
            for missing in &w.missing {
                let _ = writeln!(out, "    # needs, and no grant gives it: {missing}");
            }
            let (ok, not_ok): (Vec<&DraftGrant>, Vec<&DraftGrant>) =
                w.grants.iter().partition(|g| allowed(g));
            for g in &not_ok {
                let why = if g.denied_by_default() {
                    "a privileged role"
                } else {
                    "a scope above a resource group"
                };
                let _ = writeln!(
                    out,
                    "    # not allowed ({why}): {} on {} {} ({}); grant a narrower role on the resource instead",
                    g.role_label(),
                    g.target_type,
                    g.target_name,
                    g.scope_level
                );
            }
            if ok.is_empty() {
                let _ = writeln!(out, "    grants: []");
                continue;
            }
            let _ = writeln!(out, "    grants:");
            for g in ok {
                let comment = match &g.role_name {
                    Some(_) => format!("  # {}", g.role_id),
                    None => String::new(),
                };
                let _ = writeln!(out, "      - roles: [{}]{comment}", scalar(g.role_label()));
                let _ = writeln!(out, "        target:");
                let _ = writeln!(
                    out,
                    "          type: {}",
                    scalar(&literal_glob(&g.target_type))
                );
                let _ = writeln!(
                    out,
                    "          name: {}",
                    scalar(&literal_glob(&g.target_name))
                );
                let _ = writeln!(out, "        scopes: [{}]", g.scope_level.as_str());
            }
        }
        out
    }
}
