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
    /// The planned resource the primary location lies in, named as its author wrote it (symbolic
    /// name, module); `None` outside any resource (a parameter, an output, the policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceContext>,
}

/// The planned resource a finding points into: what a Bicep author needs to find the line in their
/// `.bicep` file when the finding's location is in the compiled JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceContext {
    /// Full resource type, e.g. `Microsoft.Authorization/roleAssignments`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Full resource name; absent when the declaration makes several resources the finding does
    /// not tell apart (see `instances`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Symbolic name (`languageVersion` 2.0 templates, i.e. Bicep's resource or module name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Path of the nested deployment (Bicep module) that declares it, e.g. `secrets` or
    /// `app/secrets`; absent for the root deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The same path in Bicep's words: the symbolic names of the module declarations, e.g.
    /// `appModule/secretsModule`; only when every level has one (`languageVersion` 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_symbol: Option<String>,
    /// Name of the copy loop that makes it (Bicep names the loop after the symbolic name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_loop: Option<String>,
    /// Index in that copy loop, when the finding is about one instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_index: Option<i64>,
    /// How many resources the declaration makes, when more than one and the finding does not say
    /// which (copy-loop instances, a module deployed more than once); `name`, `copy_index` and, if
    /// the instances are in different modules, `module` are then absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<usize>,
    /// The tool that wrote the declaring template (`metadata._generator.name`), e.g. `bicep`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
}

impl ResourceContext {
    /// True for a nested deployment, which Bicep writes as a `module`.
    pub fn is_module(&self) -> bool {
        self.resource_type
            .eq_ignore_ascii_case("Microsoft.Resources/deployments")
    }

    /// The name a reader searches for: the symbolic name, else the resource name, else the type.
    pub fn label(&self) -> &str {
        if let Some(symbol) = &self.symbol {
            return symbol;
        }
        match &self.name {
            Some(name) if !is_unknown(name) => name,
            _ => &self.resource_type,
        }
    }

    /// Module path (symbolic when known) and label joined with `/`, e.g. `app/secrets/kvAccess`.
    pub fn qualified_name(&self) -> String {
        match self.module_symbol.as_ref().or(self.module.as_ref()) {
            Some(module) => format!("{module}/{}", self.label()),
            None => self.label().to_string(),
        }
    }

    /// One phrase for a location line, e.g. `resource 'kvAccess' in module 'secrets'`,
    /// `resource Microsoft.KeyVault/vaults 'kv-1'` or `module 'secrets'`.
    pub fn describe(&self) -> String {
        let kind = if self.is_module() {
            "module"
        } else {
            "resource"
        };
        let mut out = if self.symbol.is_some() || self.is_module() {
            match self.label() {
                label if label == self.resource_type => kind.to_string(),
                label => format!("{kind} '{label}'"),
            }
        } else {
            match &self.name {
                Some(name) if !is_unknown(name) => {
                    format!("{kind} {} '{name}'", self.resource_type)
                }
                _ => format!("{kind} {}", self.resource_type),
            }
        };
        if let Some(index) = self.copy_index {
            out.push_str(&format!(" [{index}]"));
        }
        match (&self.module_symbol, &self.module) {
            (Some(symbol), Some(module)) => {
                out.push_str(&format!(" in module '{symbol}' (deployment '{module}')"))
            }
            (_, Some(module)) => out.push_str(&format!(" in module '{module}'")),
            _ => {}
        }
        // A module deployment named only at deployment reads as what names it; the JSON keeps
        // the provenance in `module`.
        crate::reviewer_words::reviewer_text(&out)
    }
}

/// A name that is wholly a placeholder for a value known only at deployment (`{guid of ...}`)
/// helps nobody find the declaration.
fn is_unknown(name: &str) -> bool {
    name.starts_with('{') && name.ends_with('}')
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
    /// Where the exception is declared in the policy file (for an inline suppression: the
    /// directive in the `.bicep` file).
    pub location: Location,
    /// For an inline suppression in Bicep source, the code of its directive (`#disable-next-line
    /// rolegate-RA008` gives `rolegate-RA008`); `owner` and `expires` are then empty. Absent for
    /// policy exceptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directive: Option<String>,
}
