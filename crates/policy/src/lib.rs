//! rolegate's least-privilege policy: the YAML format (`rolegate.yaml`), its JSON Schema,
//! validation with file:line:column diagnostics, discovery, and the questions the rules ask
//! (which workloads need which identity, which grants they may hold, denied roles, maximum scope,
//! external principals, shared identities, unresolved values, severities, exceptions with expiry).
//!
//! The crate takes plain inputs (types, names, tags, role ids and names, scope levels) so that it
//! does not depend on the access model; every answer carries the policy [`arm::Location`] that
//! decided it, so findings can say "denied by rolegate.yaml:12:5".

mod date;
mod discover;
mod draft;
mod error;
mod glob;
mod load;
pub mod model;
mod node;
mod policy;
pub mod schema;
mod spanned;

use std::path::Path;

pub use date::Date;
pub use discover::{discover, nearest_policy_file, POLICY_FILE_NAME};
pub use draft::{Draft, DraftGrant, DraftWorkload};
pub use error::{Diagnostic, DiagnosticKind, PolicyError};
pub use glob::Pattern;
pub use load::{DEFAULT_DENIED_ROLES, DEFAULT_MAX_SCOPE, DEFAULT_UNRESOLVED};
pub use model::{IdentityKind, Level, ScopeLevel, UnresolvedMode};
pub use policy::{
    Exception, ExternalPrincipal, GrantBasis, GrantDecision, GrantRef, GrantRule, IdentityRule,
    LoadedPolicy, Policy, PolicySource, RoleRef, RoleSpec, Selector, Setting, SeverityOverride,
    SharingDecision, Subject, WorkloadRef, WorkloadRule,
};
pub use spanned::{Pos, Spanned};

/// The default policy's text (`policies/default.yaml`), used when no policy is given or found.
pub const DEFAULT_POLICY: &str = include_str!("../../../policies/default.yaml");
/// The strict policy's text (`policies/strict.yaml`).
pub const STRICT_POLICY: &str = include_str!("../../../policies/strict.yaml");

/// Names of the policies built into the binary, usable as `--policy embedded:<name>`.
pub const EMBEDDED_POLICIES: [&str; 2] = ["default", "strict"];

impl Policy {
    /// Reads and validates a policy file.
    pub fn load(path: &Path) -> Result<LoadedPolicy, PolicyError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Ok(LoadedPolicy {
            policy: load::parse_policy(&file, &text)?,
            source: PolicySource::File(path.to_path_buf()),
        })
    }

    /// Validates policy text; `name` stands for the file in locations and messages.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(name: &str, text: &str) -> Result<Policy, PolicyError> {
        load::parse_policy(name, text)
    }

    /// A policy built into the binary by name (`default`, `strict`).
    pub fn embedded(name: &str) -> Option<LoadedPolicy> {
        let (key, text) = match name {
            "default" => ("default", DEFAULT_POLICY),
            "strict" => ("strict", STRICT_POLICY),
            _ => return None,
        };
        // The embedded texts are validated against the schema by this crate's tests (they are
        // the files in policies/), so this only fails on a broken build; answer None rather
        // than panic.
        let policy = load::parse_policy_checked(
            &format!("embedded:{key}.yaml"),
            text,
            load::SchemaCheck::Trusted,
        )
        .ok()?;
        Some(LoadedPolicy {
            policy,
            source: PolicySource::Embedded(key),
        })
    }

    /// The embedded default policy (`policies/default.yaml`).
    pub fn embedded_default() -> LoadedPolicy {
        Policy::embedded("default").unwrap_or_else(|| LoadedPolicy {
            policy: load::builtin_fallback(),
            source: PolicySource::Embedded("default"),
        })
    }

    /// The embedded strict policy (`policies/strict.yaml`).
    pub fn embedded_strict() -> Option<LoadedPolicy> {
        Policy::embedded("strict")
    }
}
