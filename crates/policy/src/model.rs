//! The policy file as written: the YAML shape, from which the JSON Schema is generated.
//!
//! Doc comments on these types become the schema's descriptions, which editors show on hover.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spanned::Spanned;

/// A rolegate least-privilege policy (`rolegate.yaml`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "rolegate policy")]
pub struct PolicyFile {
    /// Format version of this file. Always 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: Spanned<u32>,
    /// What to do when a grant's role, scope or principal, or a resource's condition, is only known
    /// at deployment time (rules EV001, EV002; `ignore` also drops EV004, calls whose target is only
    /// known at run time). Default: fail.
    #[serde(default)]
    pub unresolved: Option<Spanned<UnresolvedMode>>,
    /// The broadest scope a grant may have (rule RA003). Default: resource-group.
    #[serde(default)]
    pub max_scope: Option<Spanned<ScopeLevel>>,
    /// Roles no workload identity may hold anywhere, by name or GUID (rule RA002). Default: Owner,
    /// Contributor, User Access Administrator, Role Based Access Control Administrator. An empty
    /// list denies none.
    #[serde(default)]
    pub denied_roles: Option<Vec<Spanned<String>>>,
    /// Principals outside this deployment that may receive grants (rule RA006).
    #[serde(default)]
    pub external_principals: Vec<Spanned<ExternalPrincipalEntry>>,
    /// Whether one user-assigned identity may be attached to several workloads (rule MI005).
    /// Default: false.
    #[serde(default)]
    pub allow_shared_identities: Option<Spanned<bool>>,
    /// Names (globs) of user-assigned identities that may be shared even when
    /// `allow_shared_identities` is false.
    #[serde(default)]
    pub shareable_identities: Vec<Spanned<String>>,
    /// Severity per rule id, e.g. `RA005: error`, `EV002: off`.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^(MI|RA|SC|EV|LV)[0-9]{3}$" }))]
    pub severity: BTreeMap<String, Spanned<Level>>,
    /// Rules per kind of workload: which need an identity, of which kind, and which grants they may
    /// hold. Every rule whose `match` fits a workload applies to it.
    #[serde(default)]
    pub workloads: Vec<Spanned<WorkloadEntry>>,
    /// Accepted findings, each with a reason, an owner and an expiry date.
    #[serde(default)]
    pub exceptions: Vec<Spanned<ExceptionEntry>>,
}

/// How unresolved values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UnresolvedMode {
    /// An unresolved value is an error: the gate fails closed.
    Fail,
    /// An unresolved value is reported as a warning.
    Warn,
    /// Unresolved values are not reported.
    Ignore,
}

/// The level of a role-assignment scope, broadest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeLevel {
    /// `/`: the tenant root.
    Tenant,
    /// `/providers/Microsoft.Management/managementGroups/{mg}`
    ManagementGroup,
    /// `/subscriptions/{sub}`
    Subscription,
    /// `/subscriptions/{sub}/resourceGroups/{rg}`
    ResourceGroup,
    /// `.../providers/{ns}/{type}/{name}`
    Resource,
    /// `.../providers/{ns}/{type}/{name}/{childType}/{childName}...`
    ChildResource,
}

impl ScopeLevel {
    /// Every level, broadest first.
    pub const ALL: [ScopeLevel; 6] = [
        ScopeLevel::Tenant,
        ScopeLevel::ManagementGroup,
        ScopeLevel::Subscription,
        ScopeLevel::ResourceGroup,
        ScopeLevel::Resource,
        ScopeLevel::ChildResource,
    ];

    /// The kebab-case name used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeLevel::Tenant => "tenant",
            ScopeLevel::ManagementGroup => "management-group",
            ScopeLevel::Subscription => "subscription",
            ScopeLevel::ResourceGroup => "resource-group",
            ScopeLevel::Resource => "resource",
            ScopeLevel::ChildResource => "child-resource",
        }
    }

    /// Parses the kebab-case name (case-insensitive).
    pub fn parse(text: &str) -> Option<ScopeLevel> {
        ScopeLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// True when `self` covers more than `other` (the tenant root is the broadest).
    pub fn is_broader_than(self, other: ScopeLevel) -> bool {
        self < other
    }
}

impl fmt::Display for ScopeLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity a policy can give a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the gate.
    Error,
    /// Reported; fails only with `--fail-on warning`.
    Warning,
    /// Reported for information.
    Note,
    /// The rule does not run.
    Off,
}

impl Level {
    /// The lowercase name used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::Off => "off",
        }
    }
}

/// A principal outside the deployment that may receive grants.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalPrincipalEntry {
    /// The principal's object id, or `deployer`: the identity that runs the deployment
    /// (`deployer().objectId`).
    #[schemars(regex(
        pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|deployer)$"
    ))]
    pub id: Spanned<String>,
    /// Why it may appear.
    #[schemars(length(min = 1))]
    pub reason: String,
}

/// The rule for the workloads one selector matches.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadEntry {
    /// A label used in messages, e.g. `logic-apps`.
    #[serde(default)]
    pub name: Option<String>,
    /// Which workloads this rule is for. Absent: every workload.
    #[serde(default, rename = "match")]
    pub selector: Option<Spanned<SelectorEntry>>,
    /// Whether matched workloads need an identity, and of which kind (rules MI001, MI004).
    #[serde(default)]
    pub identity: Option<Spanned<IdentityEntry>>,
    /// The grants matched workloads may hold (rule RA004). Absent: not restricted by this rule;
    /// an empty list: no grant is allowed.
    #[serde(default)]
    pub grants: Option<Spanned<Vec<Spanned<GrantEntry>>>>,
}

/// Selects workloads. Every field given must match; globs are case-insensitive.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorEntry {
    /// Resource type glob, e.g. `Microsoft.Logic/workflows` or `Microsoft.{Logic/workflows,Web/sites}`.
    #[serde(default, rename = "type")]
    pub resource_type: Option<Spanned<String>>,
    /// Resource name glob, e.g. `wf-payments-*`.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// Resource `kind` glob, e.g. `*workflowapp*` for Logic Apps Standard.
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    /// Tags the workload must carry: tag name → value glob.
    #[serde(default)]
    pub tags: BTreeMap<String, Spanned<String>>,
}

/// Which identity a workload needs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityEntry {
    /// Whether the workload must have an identity. Default: true.
    #[serde(default)]
    pub required: Option<Spanned<bool>>,
    /// Which kind: system, user (user-assigned, stable across rebuilds) or any. Default: any.
    #[serde(default)]
    pub kind: Option<Spanned<IdentityKind>>,
}

/// Kind of managed identity a workload must use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// System-assigned: lives and dies with the workload.
    System,
    /// User-assigned: its own resource, survives rebuilds of the workload.
    User,
    /// Either kind.
    Any,
}

impl IdentityKind {
    /// The lowercase name used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::System => "system",
            IdentityKind::User => "user",
            IdentityKind::Any => "any",
        }
    }
}

/// Grants a workload may hold.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantEntry {
    /// Roles, by name (case-insensitive) or role definition GUID.
    #[schemars(length(min = 1))]
    pub roles: Vec<Spanned<String>>,
    /// The resource the grant's scope must be. Absent: any target.
    #[serde(default)]
    pub target: Option<Spanned<TargetEntry>>,
    /// Scope levels allowed. Absent: any level up to `max_scope`.
    #[serde(default)]
    pub scopes: Option<Vec<Spanned<ScopeLevel>>>,
}

/// The resource a grant is scoped to. Resource groups have type `Microsoft.Resources/resourceGroups`,
/// subscriptions `Microsoft.Resources/subscriptions`, management groups
/// `Microsoft.Management/managementGroups`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// Resource type glob, e.g. `Microsoft.KeyVault/vaults`.
    #[serde(default, rename = "type")]
    pub resource_type: Option<Spanned<String>>,
    /// Resource name glob, e.g. `kv-payments-*` (child resources: `account/default/container`).
    #[serde(default)]
    pub name: Option<Spanned<String>>,
}

/// An accepted finding.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionEntry {
    /// The rule id the exception is for, e.g. `RA002`.
    #[schemars(regex(pattern = r"^(MI|RA|SC|EV|LV)[0-9]{3}$"))]
    pub rule: Spanned<String>,
    /// Workload glob, matched against the workload's name and resource id.
    #[serde(default)]
    pub workload: Option<Spanned<String>>,
    /// Identity glob, matched against the identity's name and resource id.
    #[serde(default)]
    pub identity: Option<Spanned<String>>,
    /// Role, by name (case-insensitive) or GUID.
    #[serde(default)]
    pub role: Option<Spanned<String>>,
    /// Scope glob, matched against the full scope id, e.g. `/subscriptions/*/resourceGroups/rg-legacy`.
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
    /// Why the finding is accepted.
    #[schemars(length(min = 1))]
    pub reason: String,
    /// Who answers for it (a person or team).
    #[schemars(length(min = 1))]
    pub owner: String,
    /// Last day the exception applies, `YYYY-MM-DD`.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub expires: Spanned<String>,
}
