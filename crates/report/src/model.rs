//! The report model: the verdict, the findings and the facts every renderer shows.
//!
//! Renderers only read a [`Report`]; they never look at templates, the access model or the policy.
//! The report holds no raw template values: identities, roles and scopes are ids and names, and
//! messages come from the rules.

use std::fmt;

use arm::Location;
use rules::{Finding, Severity};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the report's JSON shape (`docs/report.schema.json`); bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Whether the gate passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    /// Fail when any unsuppressed finding is at or above `fail_on`.
    pub fn decide(findings: &[Finding], fail_on: Severity) -> Verdict {
        if findings.iter().any(|f| fails(f, fail_on)) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    /// The process exit code for this verdict (0 pass, 1 policy failed).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }

    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True if this finding fails the gate at threshold `fail_on`.
pub fn fails(finding: &Finding, fail_on: Severity) -> bool {
    finding.suppressed.is_none() && finding.severity >= fail_on
}

/// Lower-case name of a severity, as every format prints it.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// The tool that made the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    /// Where users read about it (SARIF `informationUri`, rule help links).
    pub information_uri: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "rolegate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            information_uri: match env!("CARGO_PKG_REPOSITORY") {
                "" => "https://github.com/rolegate/rolegate".into(),
                repository => repository.into(),
            },
        }
    }
}

/// How the policy was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    /// Given with `--policy`.
    Explicit,
    /// The nearest `rolegate.yaml` in the target's directory or its parents.
    Discovered,
    /// The default policy embedded in the binary.
    EmbeddedDefault,
}

/// The policy a report was judged against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub source: PolicySource,
    /// The policy file, unless the embedded default was used.
    pub path: Option<String>,
    /// `sha256:<hex>` of the policy text, so an auditor can tell exactly which policy judged.
    pub digest: String,
}

impl PolicyInfo {
    /// Describes a policy and digests its text.
    pub fn new(source: PolicySource, path: Option<String>, text: &str) -> PolicyInfo {
        PolicyInfo {
            source,
            path,
            digest: format!("sha256:{}", sha256_hex(text.as_bytes())),
        }
    }

    /// One line saying which policy was used and why.
    pub fn describe(&self) -> String {
        let path = self.path.as_deref().unwrap_or("?");
        match self.source {
            PolicySource::Explicit => format!("{path} (--policy)"),
            PolicySource::Discovered => format!("{path} (nearest rolegate.yaml)"),
            PolicySource::EmbeddedDefault => {
                "embedded default policy (no --policy given, no rolegate.yaml found)".into()
            }
        }
    }
}

/// A policy and the templates it judged. Without `--policy` every template is judged by the
/// nearest `rolegate.yaml`, so one run can have several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyGroup {
    #[serde(flatten)]
    pub policy: PolicyInfo,
    /// The templates (as in [`TemplateInfo::path`]) this policy judged.
    #[serde(default)]
    pub templates: Vec<String>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The deployment target the templates were evaluated for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextInfo {
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: String,
    pub management_group: String,
    pub deployment_name: String,
    /// Fields that hold documented placeholders because no value was given.
    pub placeholders: Vec<String>,
    /// What `check --live` read from the tenant; absent without `--live`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveInfo>,
}

/// How the live tenant was read (`check --live`): for auditors, who looked and how much was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveInfo {
    /// The credential used, e.g. `github-oidc (ACTIONS_ID_TOKEN_REQUEST_URL)`.
    pub auth: String,
    pub arm_endpoint: String,
    pub graph_endpoint: String,
    /// The object id rolegate signed in as, with its directory name when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in_as: Option<String>,
    /// Role assignments read.
    pub assignments: usize,
    /// Principals looked up in Microsoft Graph.
    pub principals: usize,
    /// Workloads and user-assigned identities read.
    pub resources: usize,
    /// Role definitions fetched.
    pub role_definitions: usize,
    /// Reads that failed (each one an LV006 finding).
    pub errors: usize,
}

impl LiveInfo {
    /// One line for the terminal and the PR comment: who read what, and how much failed.
    pub fn describe(&self) -> String {
        let who = self
            .signed_in_as
            .as_deref()
            .map(|w| format!(" as {w}"))
            .unwrap_or_default();
        format!(
            "read{who} with {}: {} role assignments, {} principals, {} workloads and identities, {} role definitions; {} failed reads",
            self.auth, self.assignments, self.principals, self.resources, self.role_definitions, self.errors
        )
    }
}

impl From<&arm::DeploymentContext> for ContextInfo {
    fn from(c: &arm::DeploymentContext) -> Self {
        ContextInfo {
            subscription_id: c.subscription_id.clone(),
            resource_group: c.resource_group.clone(),
            location: c.location.clone(),
            tenant_id: c.tenant_id.clone(),
            management_group: c.management_group.clone(),
            deployment_name: c.deployment_name.clone(),
            placeholders: c.placeholders.iter().map(|s| s.to_string()).collect(),
            live: None,
        }
    }
}

/// One template that was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateInfo {
    /// The template file as the user gave it.
    pub path: String,
    /// Parameter files applied, in order.
    #[serde(default)]
    pub parameter_files: Vec<String>,
    /// `sha256:<hex>` of the template file, for the evidence pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Number of resources in its deployment plan.
    #[serde(default)]
    pub resources: usize,
    /// Index into [`Report::policies`] of the policy that judged it (set by [`Report::new`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<usize>,
}

/// A template of a directory run that another template of the run calls as a module: judged only
/// through that caller, where its inputs have values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedThrough {
    /// The module template, as found.
    pub path: String,
    /// The template (or Bicep file) that calls it and was checked.
    pub checked_through: String,
    /// How it is called: `Bicep module`, `templateLink.relativePath`, `inline nested deployment`.
    pub how: String,
}

/// A rule that ran, for SARIF rule metadata and JUnit test cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `RA002`.
    pub id: String,
    /// Kebab-case name, e.g. `privileged-role`.
    pub name: String,
    /// One sentence: what it checks.
    pub summary: String,
    /// Full documentation in Markdown (what, why, example, fix).
    #[serde(default)]
    pub help: String,
    pub default_severity: Severity,
}

/// What kind of identity a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    SystemAssigned,
    UserAssigned,
}

/// A managed identity in the deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRow {
    /// Key shared with `Finding.subject.identity`: `system-assigned of <workload id>` or the
    /// user-assigned identity's resource id.
    pub id: String,
    /// Short name for tables, e.g. `wf-payments (system-assigned)`.
    pub display: String,
    pub kind: IdentityKind,
    /// Resource ids of the workloads that use it.
    #[serde(default)]
    pub workloads: Vec<String>,
    /// The principal (object) id when known before deployment, else what it depends on.
    pub principal_id: Option<String>,
    /// The client (application) id, when the live tenant gave it (`check --live`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// How a row of the identity → role → scope table fares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowVerdict {
    #[default]
    Pass,
    Warn,
    Fail,
}

/// One role assignment: identity → role → scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRow {
    /// The principal: an identity key as in [`IdentityRow::id`], or a literal GUID / parameter /
    /// unresolved description for principals outside the deployment.
    pub identity: String,
    /// Short name for tables.
    pub identity_display: String,
    /// `system-assigned`, `user-assigned`, `external`, `parameter` or `unresolved`.
    pub principal_kind: String,
    /// The principal (object) id when known before deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// Role name (or id when not in the catalogue).
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Full scope id.
    pub scope: String,
    /// `management-group`, `subscription`, `resource-group`, `resource`, `child-resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_level: Option<String>,
    /// Where the role assignment is declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Computed from the findings about this grant.
    #[serde(default)]
    pub verdict: RowVerdict,
    /// Ids of the unsuppressed rules that fired on this grant.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Index into [`Report::policies`] of the policy that judged it; only that policy's findings
    /// rate it. `None` when one policy judged everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<usize>,
    /// The id of the same assignment in the tenant, when it already exists (`check --live`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
}

/// Counts for the headline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub templates: usize,
    pub identities: usize,
    pub grants: usize,
    /// Unsuppressed findings by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings covered by a policy exception.
    pub suppressed: usize,
    /// Unsuppressed findings at or above the fail threshold.
    pub failing: usize,
}

/// Everything a run judged, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub version: u32,
    pub tool: ToolInfo,
    pub verdict: Verdict,
    /// The threshold: findings at or above it fail the gate.
    pub fail_on: Severity,
    pub summary: Summary,
    /// The policy of the first group in [`Report::policies`] (the only one in most runs).
    pub policy: PolicyInfo,
    /// Every policy that judged, each with its templates; never empty in a built report.
    #[serde(default)]
    pub policies: Vec<PolicyGroup>,
    pub context: ContextInfo,
    pub templates: Vec<TemplateInfo>,
    /// Templates of a directory run judged only through the template that calls them as a module
    /// (not run alone: their inputs are the caller's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checked_through: Vec<CheckedThrough>,
    /// Rules that ran (empty when unknown; renderers then use the rules seen in findings).
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
    #[serde(default)]
    pub identities: Vec<IdentityRow>,
    #[serde(default)]
    pub grants: Vec<GrantRow>,
    /// Sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// The evaluated plans, as a redacted view (see the CLI); absent when not requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<serde_json::Value>,
}

/// What a caller knows after a run; [`Report::new`] turns it into a report.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub tool: ToolInfo,
    pub fail_on: Severity,
    /// The policy when one judged everything; ignored when `policies` is given.
    pub policy: PolicyInfo,
    /// One entry per policy with the templates it judged; empty means `policy` judged them all.
    pub policies: Vec<PolicyGroup>,
    pub context: ContextInfo,
    pub templates: Vec<TemplateInfo>,
    /// Templates judged only through their callers (see [`Report::checked_through`]).
    pub checked_through: Vec<CheckedThrough>,
    pub rules: Vec<RuleInfo>,
    pub identities: Vec<IdentityRow>,
    pub grants: Vec<GrantRow>,
    pub findings: Vec<Finding>,
    /// For each finding (same order), the index into `policies` of the policy that judged it;
    /// empty when one policy judged everything.
    pub finding_policies: Vec<usize>,
    pub plan: Option<serde_json::Value>,
}

impl ReportInput {
    /// An input with no templates, identities, grants or findings yet.
    pub fn new(policy: PolicyInfo, context: ContextInfo) -> ReportInput {
        ReportInput {
            tool: ToolInfo::default(),
            fail_on: Severity::Error,
            policy,
            policies: Vec::new(),
            context,
            templates: Vec::new(),
            checked_through: Vec::new(),
            rules: Vec::new(),
            identities: Vec::new(),
            grants: Vec::new(),
            findings: Vec::new(),
            finding_policies: Vec::new(),
            plan: None,
        }
    }
}

impl Report {
    /// Decides the verdict, sorts findings, rates each grant row, counts, and links each template
    /// to the policy that judged it.
    pub fn new(input: ReportInput) -> Report {
        let ReportInput {
            tool,
            fail_on,
            policy,
            policies,
            context,
            mut templates,
            checked_through,
            rules,
            identities,
            mut grants,
            mut findings,
            finding_policies,
            plan,
        } = input;
        // Rated before sorting, while findings and `finding_policies` still line up.
        for grant in &mut grants {
            let policy = grant.policy;
            let judged_together = findings.iter().enumerate().filter(|(i, _)| {
                match (finding_policies.get(*i), policy) {
                    (Some(judged_by), Some(policy)) => *judged_by == policy,
                    _ => true,
                }
            });
            rate_grant(grant, judged_together.map(|(_, f)| f), fail_on);
        }
        findings.sort_by(|a, b| {
            (
                &a.location.file,
                a.location.line,
                a.location.column,
                &a.rule,
                &a.message,
            )
                .cmp(&(
                    &b.location.file,
                    b.location.line,
                    b.location.column,
                    &b.rule,
                    &b.message,
                ))
        });
        let (policy, policies) = policy_groups(policy, policies, &mut templates);
        let verdict = Verdict::decide(&findings, fail_on);
        let mut summary = Summary {
            templates: templates.len(),
            identities: identities.len(),
            grants: grants.len(),
            ..Summary::default()
        };
        for finding in &findings {
            if finding.suppressed.is_some() {
                summary.suppressed += 1;
                continue;
            }
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => summary.notes += 1,
            }
            if fails(finding, fail_on) {
                summary.failing += 1;
            }
        }
        Report {
            version: SCHEMA_VERSION,
            tool,
            verdict,
            fail_on,
            summary,
            policy,
            policies,
            context,
            templates,
            checked_through,
            rules,
            identities,
            grants,
            findings,
            plan,
        }
    }

    /// True when templates were judged by different policies (e.g. one `rolegate.yaml` per app).
    pub fn has_several_policies(&self) -> bool {
        self.policies.len() > 1
    }

    /// The rules to describe: those that ran, plus any seen only in findings.
    pub fn rule_catalogue(&self) -> Vec<RuleInfo> {
        let mut out = self.rules.clone();
        for finding in &self.findings {
            if !out.iter().any(|r| r.id == finding.rule) {
                out.push(RuleInfo {
                    id: finding.rule.clone(),
                    name: finding.name.clone(),
                    summary: finding.name.replace('-', " "),
                    help: String::new(),
                    default_severity: finding.severity,
                });
            }
        }
        out
    }

    /// The headline, e.g. `FAIL: 2 errors, 1 warning (1 suppressed)`.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        let mut parts = vec![
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings"),
        ];
        if s.notes > 0 {
            parts.push(plural(s.notes, "note", "notes"));
        }
        let mut out = format!(
            "{}: {}",
            self.verdict.as_str().to_ascii_uppercase(),
            parts.join(", ")
        );
        if s.suppressed > 0 {
            out.push_str(&format!(" ({} suppressed by exceptions)", s.suppressed));
        }
        out
    }
}

/// The report's `policy` and `policies`: a single `policy` becomes the one group of every template;
/// otherwise `policy` is the first group's. Each template gets the index of its group.
fn policy_groups(
    policy: PolicyInfo,
    mut policies: Vec<PolicyGroup>,
    templates: &mut [TemplateInfo],
) -> (PolicyInfo, Vec<PolicyGroup>) {
    if policies.is_empty() {
        policies.push(PolicyGroup {
            policy,
            templates: templates.iter().map(|t| t.path.clone()).collect(),
        });
    }
    for template in templates.iter_mut().filter(|t| t.policy.is_none()) {
        template.policy = policies
            .iter()
            .position(|g| g.templates.contains(&template.path));
    }
    let first = policies[0].policy.clone();
    (first, policies)
}

/// `1 error`, `2 errors`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Gives a grant row its verdict from the findings (of its policy) that concern it.
fn rate_grant<'a>(
    grant: &mut GrantRow,
    findings: impl Iterator<Item = &'a Finding>,
    fail_on: Severity,
) {
    let mut verdict = RowVerdict::Pass;
    let mut rules: Vec<String> = Vec::new();
    for finding in findings.filter(|f| f.suppressed.is_none() && concerns(f, grant)) {
        let row = if finding.severity >= fail_on {
            RowVerdict::Fail
        } else {
            RowVerdict::Warn
        };
        verdict = verdict.max_with(row);
        if !rules.contains(&finding.rule) {
            rules.push(finding.rule.clone());
        }
    }
    rules.sort();
    grant.verdict = verdict;
    grant.rules = rules;
}

impl RowVerdict {
    fn max_with(self, other: RowVerdict) -> RowVerdict {
        let rank = |v: RowVerdict| match v {
            RowVerdict::Pass => 0,
            RowVerdict::Warn => 1,
            RowVerdict::Fail => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// A finding concerns a grant when it points into the grant's declaration, or names its identity
/// together with its role or scope (Azure compares ids case-insensitively). A finding that names a
/// role never concerns a grant of another role: copy-loop grants share one declaration.
pub(crate) fn concerns(finding: &Finding, grant: &GrantRow) -> bool {
    let subject = &finding.subject;
    let eq = |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b));
    let role_matches = eq(&subject.role, &grant.role)
        || grant
            .role_id
            .as_deref()
            .is_some_and(|id| eq(&subject.role, id));
    if subject.role.is_some() && !role_matches {
        return false;
    }
    if let Some(loc) = &grant.location {
        let same_file = loc.file == finding.location.file;
        let p = &finding.location.pointer;
        if same_file
            && !loc.pointer.is_empty()
            && (p == &loc.pointer || p.starts_with(&format!("{}/", loc.pointer)))
        {
            return true;
        }
    }
    if !eq(&subject.identity, &grant.identity) {
        return false;
    }
    match (&subject.role, &subject.scope) {
        (Some(_), None) => role_matches,
        (None, Some(_)) => eq(&subject.scope, &grant.scope),
        (Some(_), Some(_)) => role_matches && eq(&subject.scope, &grant.scope),
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rules::finding::Subject;

    fn finding(rule: &str, severity: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            name: "x".into(),
            severity,
            message: "m".into(),
            location: Location {
                file: "main.json".into(),
                line: 1,
                column: 1,
                pointer: "/resources/0".into(),
                bicep: None,
            },
            labels: vec![],
            fix: None,
            subject: Subject::default(),
            suppressed: None,
            resource: None,
        }
    }

    #[test]
    fn warnings_only_fail_with_fail_on_warning() {
        let findings = vec![finding("RA007", Severity::Warning)];
        assert_eq!(Verdict::decide(&findings, Severity::Error), Verdict::Pass);
        assert_eq!(Verdict::decide(&findings, Severity::Warning), Verdict::Fail);
        assert_eq!(Verdict::decide(&[], Severity::Warning), Verdict::Pass);
    }

    #[test]
    fn suppressed_errors_do_not_fail() {
        let mut f = finding("RA002", Severity::Error);
        f.suppressed = Some(rules::Suppression {
            reason: "migration".into(),
            owner: "team".into(),
            expires: "2999-01-01".into(),
            location: f.location.clone(),
            directive: None,
        });
        assert_eq!(Verdict::decide(&[f], Severity::Error), Verdict::Pass);
    }

    #[test]
    fn policy_digest_is_sha256_of_text() {
        let p = PolicyInfo::new(PolicySource::EmbeddedDefault, None, "abc");
        assert_eq!(
            p.digest,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn grant() -> GrantRow {
        GrantRow {
            identity: "system-assigned of /w".into(),
            identity_display: "w".into(),
            principal_kind: "system-assigned".into(),
            principal_id: None,
            role: "Contributor".into(),
            role_id: Some("b24988ac-6180-42a0-ab88-20f7382dd24c".into()),
            scope: "/subscriptions/S".into(),
            scope_level: None,
            location: Some(Location {
                file: "main.json".into(),
                line: 3,
                column: 5,
                pointer: "/resources/1".into(),
                bicep: None,
            }),
            verdict: RowVerdict::Pass,
            rules: vec![],
            policy: None,
            assignment_id: None,
        }
    }

    #[test]
    fn findings_inside_a_grant_declaration_concern_it() {
        let mut f = finding("RA007", Severity::Warning);
        f.location.pointer = "/resources/1/properties".into();
        assert!(concerns(&f, &grant()));
        f.location.pointer = "/resources/10".into();
        assert!(!concerns(&f, &grant()));
    }

    #[test]
    fn copy_loop_grants_sharing_a_declaration_are_told_apart_by_role() {
        let mut f = finding("RA002", Severity::Error);
        f.location.pointer = "/resources/1".into();
        f.subject.role = Some("User Access Administrator".into());
        assert!(
            !concerns(&f, &grant()),
            "a Contributor row is not about UAA"
        );
        f.subject.role = Some("Contributor".into());
        assert!(concerns(&f, &grant()));
    }

    #[test]
    fn findings_naming_identity_and_role_concern_it() {
        let mut f = finding("RA002", Severity::Error);
        f.location.file = "other.json".into();
        f.subject.identity = Some("SYSTEM-ASSIGNED of /w".into());
        assert!(!concerns(&f, &grant()), "identity alone is not enough");
        f.subject.role = Some("b24988ac-6180-42a0-ab88-20f7382dd24c".into());
        assert!(concerns(&f, &grant()));
        f.subject.scope = Some("/subscriptions/other".into());
        assert!(!concerns(&f, &grant()));
    }

    fn template(path: &str) -> TemplateInfo {
        TemplateInfo {
            path: path.into(),
            ..TemplateInfo::default()
        }
    }

    #[test]
    fn one_policy_becomes_the_only_group_of_every_template() {
        let policy = PolicyInfo::new(PolicySource::EmbeddedDefault, None, "p");
        let mut input = ReportInput::new(policy.clone(), ContextInfo::default());
        input.templates = vec![template("a.json"), template("b.json")];
        let report = Report::new(input);
        assert!(!report.has_several_policies());
        assert_eq!(report.policies.len(), 1);
        assert_eq!(report.policies[0].policy, policy);
        assert_eq!(report.policies[0].templates, vec!["a.json", "b.json"]);
        assert!(report.templates.iter().all(|t| t.policy == Some(0)));
    }

    #[test]
    fn several_policies_link_templates_and_the_first_is_the_report_policy() {
        let a = PolicyInfo::new(
            PolicySource::Discovered,
            Some("a/rolegate.yaml".into()),
            "a",
        );
        let b = PolicyInfo::new(
            PolicySource::Discovered,
            Some("b/rolegate.yaml".into()),
            "b",
        );
        let mut input = ReportInput::new(b.clone(), ContextInfo::default());
        input.templates = vec![template("a/main.json"), template("b/main.json")];
        input.policies = vec![
            PolicyGroup {
                policy: a.clone(),
                templates: vec!["a/main.json".into()],
            },
            PolicyGroup {
                policy: b,
                templates: vec!["b/main.json".into()],
            },
        ];
        let report = Report::new(input);
        assert!(report.has_several_policies());
        assert_eq!(report.policy, a, "`policy` is the first group's");
        assert_eq!(report.templates[0].policy, Some(0));
        assert_eq!(report.templates[1].policy, Some(1));
    }

    #[test]
    fn findings_of_one_policy_never_rate_another_policys_grants() {
        // Two groups deploy the same workload id (same placeholder resource group): the finding
        // judged by policy 1 names the identity and role of both rows, but rates only its own.
        let mut err = finding("RA002", Severity::Error);
        err.location.file = "b/main.json".into();
        err.subject.identity = Some("system-assigned of /w".into());
        err.subject.role = Some("Contributor".into());
        let mut input = ReportInput::new(
            PolicyInfo::new(PolicySource::EmbeddedDefault, None, ""),
            ContextInfo::default(),
        );
        let mut row_a = grant();
        row_a.location = None;
        row_a.policy = Some(0);
        let row_b = GrantRow {
            policy: Some(1),
            ..row_a.clone()
        };
        input.grants = vec![row_a, row_b];
        input.findings = vec![err];
        input.finding_policies = vec![1];
        let report = Report::new(input);
        assert_eq!(report.grants[0].verdict, RowVerdict::Pass);
        assert_eq!(report.grants[1].verdict, RowVerdict::Fail);
        assert_eq!(report.verdict, Verdict::Fail);
    }

    #[test]
    fn report_rates_rows_and_counts() {
        let mut warn = finding("RA007", Severity::Warning);
        warn.location.pointer = "/resources/1".into();
        let mut err = finding("RA002", Severity::Error);
        err.location.pointer = "/resources/1/properties/roleDefinitionId".into();
        let mut input = ReportInput::new(
            PolicyInfo::new(PolicySource::EmbeddedDefault, None, ""),
            ContextInfo::default(),
        );
        input.grants = vec![grant()];
        input.findings = vec![warn, err];
        let report = Report::new(input);
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.grants[0].verdict, RowVerdict::Fail);
        assert_eq!(report.grants[0].rules, vec!["RA002", "RA007"]);
        assert_eq!((report.summary.errors, report.summary.warnings), (1, 1));
        assert_eq!(report.headline(), "FAIL: 1 error, 1 warning");
    }
}
