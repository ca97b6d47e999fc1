//! The compiled policy and the questions the rules ask it.
//!
//! Answers take plain inputs (type, name, tags, role id or name, scope level), so this crate does
//! not depend on the access model, and every answer carries the policy location that decided it.

use std::path::PathBuf;
use std::sync::Arc;

use arm::Location;

use crate::date::Date;
use crate::glob::Pattern;
use crate::model::{IdentityKind, Level, ScopeLevel, UnresolvedMode};

/// A validated policy, ready to answer questions.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) name: String,
    pub(crate) text: Arc<str>,
    pub(crate) unresolved: Setting<UnresolvedMode>,
    pub(crate) max_scope: Setting<ScopeLevel>,
    pub(crate) denied_roles: Vec<RoleSpec>,
    pub(crate) external_principals: Vec<ExternalPrincipal>,
    pub(crate) allow_shared: Setting<bool>,
    pub(crate) shareable: Vec<(Pattern, Location)>,
    pub(crate) severity: Vec<SeverityOverride>,
    pub(crate) workloads: Vec<WorkloadRule>,
    pub(crate) exceptions: Vec<Exception>,
}

/// A policy plus where it came from (for "using policy X" messages and evidence).
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The policy.
    pub policy: Policy,
    /// Where it was read from.
    pub source: PolicySource,
}

impl std::ops::Deref for LoadedPolicy {
    type Target = Policy;
    fn deref(&self) -> &Policy {
        &self.policy
    }
}

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A file (given with `--policy` or discovered).
    File(PathBuf),
    /// A policy built into the binary, by name (`default`, `strict`).
    Embedded(&'static str),
}

impl std::fmt::Display for PolicySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicySource::File(path) => write!(f, "{}", path.display()),
            PolicySource::Embedded("default") => f.write_str("embedded default"),
            PolicySource::Embedded(name) => write!(f, "embedded {name}"),
        }
    }
}

/// A setting's value and where it was decided: `explicit` is false for a built-in default, whose
/// location is then the top of the policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Where it is written (or the file's first line for a default).
    pub location: Location,
    /// Whether the policy file states it.
    pub explicit: bool,
}

/// A role as the policy names it: a name (case-insensitive) or a role definition GUID.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    /// As written.
    pub text: String,
    /// Where it is written.
    pub location: Location,
    /// Whether the policy file states it (false for the built-in denied roles).
    pub explicit: bool,
}

/// A role as the template or catalogue knows it: its definition id (GUID or full id) and name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleRef<'a> {
    /// Role definition GUID or full role definition id.
    pub id: Option<&'a str>,
    /// Role name from the catalogue, e.g. `Key Vault Secrets User`.
    pub name: Option<&'a str>,
}

impl<'a> RoleRef<'a> {
    /// A role known by id and name.
    pub fn new(id: Option<&'a str>, name: Option<&'a str>) -> Self {
        RoleRef { id, name }
    }

    /// A role from one piece of text: a GUID or full id is an id, anything else a name.
    pub fn from_text(text: &'a str) -> Self {
        if role_guid(text).is_some() {
            RoleRef {
                id: Some(text),
                name: None,
            }
        } else {
            RoleRef {
                id: None,
                name: Some(text),
            }
        }
    }
}

/// Built-in roles the default policy denies, so they match by GUID even when the caller has no
/// name for the role (ids from Microsoft's built-in role list).
const KNOWN_ROLES: &[(&str, &str)] = &[
    ("owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    (
        "user access administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    ),
    (
        "role based access control administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    ),
];

/// The GUID in a role id: the text itself, or the last segment of a full role definition id.
pub(crate) fn role_guid(text: &str) -> Option<&str> {
    let last = text.trim().rsplit('/').next()?;
    is_guid(last).then_some(last)
}

/// Whether `text` is a GUID in its 8-4-4-4-12 form.
pub(crate) fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn normalize_name(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

impl RoleSpec {
    /// Whether this policy role names `role` (GUID against id, else name, case-insensitively).
    pub fn matches(&self, role: &RoleRef<'_>) -> bool {
        role_text_matches(&self.text, role)
    }
}

fn role_text_matches(spec: &str, role: &RoleRef<'_>) -> bool {
    let role_id = role.id.and_then(role_guid);
    if let Some(spec_id) = role_guid(spec) {
        return role_id.is_some_and(|id| id.eq_ignore_ascii_case(spec_id));
    }
    let spec_name = normalize_name(spec);
    if let Some(name) = role.name {
        if normalize_name(name) == spec_name {
            return true;
        }
    }
    // A well-known role named in the policy still matches a role given only by GUID.
    match (role_id, KNOWN_ROLES.iter().find(|(n, _)| *n == spec_name)) {
        (Some(id), Some((_, known))) => id.eq_ignore_ascii_case(known),
        _ => false,
    }
}

/// A principal outside the deployment that may receive grants.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalPrincipal {
    /// Object id (GUID).
    pub id: String,
    /// Why it may appear.
    pub reason: String,
    /// Where it is declared.
    pub location: Location,
}

/// A per-rule severity set by the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityOverride {
    /// Rule id, e.g. `RA005`.
    pub rule: String,
    /// The severity it gets.
    pub level: Level,
    /// Where it is set.
    pub location: Location,
}

/// A workload as the access model knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadRef<'a> {
    /// Resource type, e.g. `Microsoft.Logic/workflows`.
    pub resource_type: &'a str,
    /// Resource name, e.g. `wf-payments`.
    pub name: &'a str,
    /// The resource's `kind`, when it has one (Logic Apps Standard: `functionapp,workflowapp`).
    pub kind: Option<&'a str>,
    /// Tags: name → value.
    pub tags: Vec<(&'a str, &'a str)>,
}

impl<'a> WorkloadRef<'a> {
    /// A workload by type and name.
    pub fn new(resource_type: &'a str, name: &'a str) -> Self {
        WorkloadRef {
            resource_type,
            name,
            kind: None,
            tags: Vec::new(),
        }
    }

    /// With its `kind`.
    pub fn with_kind(mut self, kind: Option<&'a str>) -> Self {
        self.kind = kind;
        self
    }

    /// With one more tag.
    pub fn with_tag(mut self, name: &'a str, value: &'a str) -> Self {
        self.tags.push((name, value));
        self
    }
}

/// What a workload rule selects. Every given field must match.
#[derive(Debug, Clone)]
pub struct Selector {
    /// Resource type glob.
    pub resource_type: Option<Pattern>,
    /// Resource name glob.
    pub name: Option<Pattern>,
    /// Resource kind glob.
    pub kind: Option<Pattern>,
    /// Tag name (compared case-insensitively, as Azure does) → value glob.
    pub tags: Vec<(String, Pattern)>,
}

impl Selector {
    /// Whether `workload` is selected.
    pub fn matches(&self, workload: &WorkloadRef<'_>) -> bool {
        let opt = |p: &Option<Pattern>, v: Option<&str>| match (p, v) {
            (None, _) => true,
            (Some(p), Some(v)) => p.is_match(v),
            (Some(_), None) => false,
        };
        opt(&self.resource_type, Some(workload.resource_type))
            && opt(&self.name, Some(workload.name))
            && opt(&self.kind, workload.kind)
            && self.tags.iter().all(|(tag, pattern)| {
                workload
                    .tags
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(tag) && pattern.is_match(v))
            })
    }
}

/// The rule for the workloads one selector matches.
#[derive(Debug, Clone)]
pub struct WorkloadRule {
    /// Label from the policy, or `workloads[i]`.
    pub name: String,
    /// Where the rule is declared.
    pub location: Location,
    /// What it selects.
    pub selector: Selector,
    /// The identity it requires, when it says.
    pub identity: Option<IdentityRule>,
    /// The grants it allows; `None` when it does not restrict grants.
    pub grants: Option<Vec<GrantRule>>,
    /// Where `grants:` is written (the rule's location when absent).
    pub grants_location: Location,
}

/// Which identity a workload needs.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRule {
    /// Whether an identity is required.
    pub required: bool,
    /// Which kind.
    pub kind: IdentityKind,
    /// Where it is declared.
    pub location: Location,
    /// Label of the workload rule it belongs to.
    pub rule_name: String,
}

/// One allowed grant shape.
#[derive(Debug, Clone)]
pub struct GrantRule {
    /// Roles allowed.
    pub roles: Vec<RoleSpec>,
    /// Target resource type glob.
    pub target_type: Option<Pattern>,
    /// Target resource name glob.
    pub target_name: Option<Pattern>,
    /// Scope levels allowed; `None`: any.
    pub scopes: Option<Vec<ScopeLevel>>,
    /// Where it is declared.
    pub location: Location,
}

/// A grant as the access model knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantRef<'a> {
    /// The role.
    pub role: RoleRef<'a>,
    /// Resource type of the scope (`Microsoft.Resources/resourceGroups` for a resource group).
    pub target_type: &'a str,
    /// Resource name of the scope (child resources: `parent/child`).
    pub target_name: &'a str,
    /// Level of the scope.
    pub scope_level: ScopeLevel,
}

impl GrantRule {
    /// Whether this allowed shape covers `grant`.
    pub fn matches(&self, grant: &GrantRef<'_>) -> bool {
        self.roles.iter().any(|r| r.matches(&grant.role))
            && self
                .target_type
                .as_ref()
                .is_none_or(|p| p.is_match(grant.target_type))
            && self
                .target_name
                .as_ref()
                .is_none_or(|p| p.is_match(grant.target_name))
            && self
                .scopes
                .as_ref()
                .is_none_or(|s| s.contains(&grant.scope_level))
    }
}

/// Why a grant is or is not allowed for a workload (rule RA004).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantBasis {
    /// An entry of a `grants:` list allows it.
    Listed,
    /// No workload rule that matches restricts grants.
    Unrestricted,
    /// Some matching workload rule lists its grants, and none allows this one.
    NotListed,
}

/// The answer to "may this workload hold this grant?".
#[derive(Debug, Clone, PartialEq)]
pub struct GrantDecision {
    /// Whether the grant is allowed.
    pub allowed: bool,
    /// Why.
    pub basis: GrantBasis,
    /// The `grants` entry that allowed it, or the `grants:` list that does not contain it; `None`
    /// when no rule restricts grants.
    pub location: Option<Location>,
    /// Label of the workload rule involved.
    pub rule_name: Option<String>,
}

/// An accepted finding.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Rule id.
    pub rule: String,
    /// Where the rule id is written.
    pub rule_location: Location,
    /// Workload glob (name or resource id).
    pub workload: Option<Pattern>,
    /// Identity glob (name or resource id).
    pub identity: Option<Pattern>,
    /// Role (name or GUID).
    pub role: Option<RoleSpec>,
    /// Scope glob (full id).
    pub scope: Option<Pattern>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// Last day it applies.
    pub expires: Date,
    /// Where it is declared.
    pub location: Location,
}

/// What a finding is about, for exception matching. Absent parts only match exceptions that do
/// not constrain them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// Workload resource id or name.
    pub workload: Option<&'a str>,
    /// Identity resource id or name.
    pub identity: Option<&'a str>,
    /// The role.
    pub role: Option<RoleRef<'a>>,
    /// Scope, full resource id.
    pub scope: Option<&'a str>,
}

/// Whether `pattern` matches `value` or its last path segment (the resource name).
fn matches_id_or_name(pattern: &Pattern, value: &str) -> bool {
    let value = value.trim();
    let name = value
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(value);
    pattern.is_match(value) || pattern.is_match(name)
}

impl Exception {
    /// Whether the exception has expired by `today` (it applies through its `expires` day).
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }

    /// Whether it covers a finding of `rule_id` about `subject` (ignoring expiry).
    pub fn covers(&self, rule_id: &str, subject: &Subject<'_>) -> bool {
        let glob = |p: &Option<Pattern>, v: Option<&str>| match (p, v) {
            (None, _) => true,
            (Some(p), Some(v)) => matches_id_or_name(p, v),
            (Some(_), None) => false,
        };
        self.rule.eq_ignore_ascii_case(rule_id.trim())
            && glob(&self.workload, subject.workload)
            && glob(&self.identity, subject.identity)
            && match (&self.role, &subject.role) {
                (None, _) => true,
                (Some(spec), Some(role)) => spec.matches(role),
                (Some(_), None) => false,
            }
            && match (&self.scope, subject.scope) {
                (None, _) => true,
                (Some(p), Some(scope)) => p.is_match(scope.trim()),
                (Some(_), None) => false,
            }
    }
}

/// The answer to "may this user-assigned identity serve several workloads?" (rule MI005).
#[derive(Debug, Clone, PartialEq)]
pub struct SharingDecision {
    /// Whether sharing is allowed.
    pub allowed: bool,
    /// The setting or `shareable_identities` entry that decided.
    pub location: Location,
}

impl Policy {
    /// The policy's name as used in locations: the file path, or `embedded:<name>.yaml`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The policy text exactly as read (for digests in evidence packs).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every workload rule, in file order.
    pub fn workloads(&self) -> &[WorkloadRule] {
        &self.workloads
    }

    /// The workload rules whose selector matches `workload`, in file order.
    pub fn workload_rules(&self, workload: &WorkloadRef<'_>) -> Vec<&WorkloadRule> {
        self.workloads
            .iter()
            .filter(|rule| rule.selector.matches(workload))
            .collect()
    }

    /// The identity requirement for `workload` (rules MI001, MI004): the last matching rule that
    /// states one wins, so general rules go first and specific ones after, as in `.gitignore`.
    pub fn identity_requirement(&self, workload: &WorkloadRef<'_>) -> Option<&IdentityRule> {
        self.workload_rules(workload)
            .into_iter()
            .rev()
            .find_map(|rule| rule.identity.as_ref())
    }

    /// Whether `workload` may hold `grant` (rule RA004): allowed when an entry in the `grants`
    /// list of any matching workload rule covers it, or when no matching rule lists grants.
    /// Denied roles and the maximum scope are separate questions ([`Policy::role_denied`],
    /// [`Policy::scope_too_broad`]).
    pub fn grant_allowed(&self, workload: &WorkloadRef<'_>, grant: &GrantRef<'_>) -> GrantDecision {
        let restricting: Vec<&WorkloadRule> = self
            .workload_rules(workload)
            .into_iter()
            .filter(|rule| rule.grants.is_some())
            .collect();
        for rule in &restricting {
            if let Some(entry) = rule
                .grants
                .iter()
                .flatten()
                .find(|entry| entry.matches(grant))
            {
                return GrantDecision {
                    allowed: true,
                    basis: GrantBasis::Listed,
                    location: Some(entry.location.clone()),
                    rule_name: Some(rule.name.clone()),
                };
            }
        }
        match restricting.first() {
            None => GrantDecision {
                allowed: true,
                basis: GrantBasis::Unrestricted,
                location: None,
                rule_name: None,
            },
            Some(rule) => GrantDecision {
                allowed: false,
                basis: GrantBasis::NotListed,
                location: Some(rule.grants_location.clone()),
                rule_name: Some(rule.name.clone()),
            },
        }
    }

    /// The denied-roles entry naming `role`, if it is denied everywhere (rule RA002).
    pub fn role_denied(&self, role: &RoleRef<'_>) -> Option<&RoleSpec> {
        self.denied_roles.iter().find(|spec| spec.matches(role))
    }

    /// The roles denied everywhere.
    pub fn denied_roles(&self) -> &[RoleSpec] {
        &self.denied_roles
    }

    /// The broadest scope level a grant may have (rule RA003).
    pub fn max_scope_level(&self) -> &Setting<ScopeLevel> {
        &self.max_scope
    }

    /// Whether a grant at `level` is broader than the policy allows.
    pub fn scope_too_broad(&self, level: ScopeLevel) -> bool {
        level.is_broader_than(self.max_scope.value)
    }

    /// The allowed-external-principals entry for `principal_id`, if any (rule RA006).
    pub fn external_principal_allowed(&self, principal_id: &str) -> Option<&ExternalPrincipal> {
        let id = principal_id.trim();
        self.external_principals
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The allowed external principals.
    pub fn external_principals(&self) -> &[ExternalPrincipal] {
        &self.external_principals
    }

    /// Whether the user-assigned identity `identity` (name or resource id) may be attached to
    /// several workloads (rule MI005).
    pub fn shared_identity_allowed(&self, identity: &str) -> SharingDecision {
        if self.allow_shared.value {
            return SharingDecision {
                allowed: true,
                location: self.allow_shared.location.clone(),
            };
        }
        if let Some((_, location)) = self
            .shareable
            .iter()
            .find(|(pattern, _)| matches_id_or_name(pattern, identity))
        {
            return SharingDecision {
                allowed: true,
                location: location.clone(),
            };
        }
        SharingDecision {
            allowed: false,
            location: self.allow_shared.location.clone(),
        }
    }

    /// How unresolved values are treated (rules EV001, EV002, EV004).
    pub fn unresolved(&self) -> &Setting<UnresolvedMode> {
        &self.unresolved
    }

    /// The severity override for `rule_id`, if the policy sets one.
    pub fn severity_override(&self, rule_id: &str) -> Option<&SeverityOverride> {
        let id = rule_id.trim();
        self.severity
            .iter()
            .find(|o| o.rule.eq_ignore_ascii_case(id))
    }

    /// The severity of `rule_id`: the policy's override, else `default`.
    pub fn severity_for(&self, rule_id: &str, default: Level) -> Level {
        self.severity_override(rule_id).map_or(default, |o| o.level)
    }

    /// Every exception, expired or not, in file order.
    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }

    /// The first exception in force on `today` that covers a finding of `rule_id` about
    /// `subject`. Expired exceptions never apply.
    pub fn exception_for(
        &self,
        rule_id: &str,
        subject: &Subject<'_>,
        today: Date,
    ) -> Option<&Exception> {
        self.exceptions
            .iter()
            .find(|e| !e.is_expired(today) && e.covers(rule_id, subject))
    }

    /// The exceptions that have expired by `today` (to be reported as such).
    pub fn expired_exceptions(&self, today: Date) -> Vec<&Exception> {
        self.exceptions
            .iter()
            .filter(|e| e.is_expired(today))
            .collect()
    }

    /// Every role the policy file names, with where, so callers can check them against the role
    /// catalogue and report typos. Built-in defaults are not listed.
    pub fn mentioned_roles(&self) -> Vec<&RoleSpec> {
        let mut roles: Vec<&RoleSpec> = self.denied_roles.iter().filter(|r| r.explicit).collect();
        for rule in &self.workloads {
            for grant in rule.grants.iter().flatten() {
                roles.extend(grant.roles.iter());
            }
        }
        roles.extend(self.exceptions.iter().filter_map(|e| e.role.as_ref()));
        roles.sort_by_key(|r| (r.location.line, r.location.column));
        roles
    }

    /// Every rule id the policy file names (severity overrides, exceptions), with where, so
    /// callers can report ids that no rule has.
    pub fn mentioned_rule_ids(&self) -> Vec<(&str, &Location)> {
        let mut ids: Vec<(&str, &Location)> = self
            .severity
            .iter()
            .map(|o| (o.rule.as_str(), &o.location))
            .chain(
                self.exceptions
                    .iter()
                    .map(|e| (e.rule.as_str(), &e.rule_location)),
            )
            .collect();
        ids.sort_by_key(|(_, l)| (l.line, l.column));
        ids
    }
}
