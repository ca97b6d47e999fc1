//! What a rule reports. Every renderer (terminal, JSON, SARIF, JUnit, Markdown, PR comment) reads this one model.

use arm::Location;
use serde::{Deserialize, Serialize};

/// How much a finding matters. `Error` fails the gate; `Warning` only with `--fail-on warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The lower-case name used in reports and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found, pointing into the user's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `RA002`.
    pub rule: String,
    /// Kebab-case rule name, e.g. `privileged-role`.
    pub name: String,
    pub severity: Severity,
    /// What is wrong, naming identity, role and scope in a reviewer's words.
    pub message: String,
    /// The primary location: where in the template the mistake is.
    pub location: Location,
    /// Secondary locations: the policy line that denied it, the identity it refers to, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// The proposed fix, e.g. the narrower built-in role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// What the finding is about, for tables and exception matching.
    #[serde(default)]
    pub subject: Subject,
    /// Set when a policy exception covers this finding (it then does not fail the gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// A secondary location with its own short message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// The things a finding is about (any may be absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Workload resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Identity: `system-assigned of <workload id>` or the user-assigned identity's resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Role name (or id when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Scope resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A policy exception that covers a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    pub owner: String,
    /// ISO date (`YYYY-MM-DD`) after which the exception stops applying.
    pub expires: String,
    /// Where the exception is declared in the policy file.
    pub location: Location,
}
