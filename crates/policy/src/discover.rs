//! Finding the policy for a target, as cargo-deny finds `deny.toml`: the nearest `rolegate.yaml`
//! in the target's directory or its parents, else the embedded default.

use std::path::{Path, PathBuf};

use crate::error::PolicyError;
use crate::policy::{LoadedPolicy, Policy};

/// The file name looked for.
pub const POLICY_FILE_NAME: &str = "rolegate.yaml";

/// The policy for `target` (a template file or a directory): the nearest `rolegate.yaml` in its
/// directory or a parent, else the embedded default. The result's `source` says which was used.
/// A discovered file that is invalid is an error, never silently replaced by the default.
pub fn discover(target: &Path) -> Result<LoadedPolicy, PolicyError> {
    match nearest_policy_file(target) {
        Some(path) => Policy::load(&path),
        None => Ok(Policy::embedded_default()),
    }
}

/// The path of the nearest `rolegate.yaml` for `target`, if there is one. The path is absolute
/// (canonical when `target` exists), so two targets under the same policy get equal paths.
pub fn nearest_policy_file(target: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(target)
        .ok()
        .or_else(|| std::env::current_dir().ok().map(|cwd| cwd.join(target)))?;
    let start = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    start
        .ancestors()
        .map(|dir| dir.join(POLICY_FILE_NAME))
        .find(|candidate| candidate.is_file())
}
