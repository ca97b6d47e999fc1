//! rolegate's rules: one file per rule, a registry, and the [`Finding`] every rule reports.
//!
//! - [`registry`]: every rule's id, name, family, default severity and documentation.
//! - [`identity`] (MI), [`role_assignment`] (RA), [`secrets`] (SC), [`evaluation`] (EV), [`live`] (LV): one module
//!   per rule, holding its documentation, its violation and its check.
//! - [`check()`]: runs every rule over an access model, plans and policy, with [`CheckOptions`].
//! - [`docs`]: the generated `docs/rules/` pages.
//! - [`reviewer_words`]: values known only at deployment in a reviewer's words, for messages and
//!   every report's tables alike.
//! - [`finding`]: what rules report; every renderer reads it. [`check()`] names the planned
//!   resource each finding points into ([`ResourceContext`]).

pub mod check;
mod context;
pub mod docs;
pub mod evaluation;
pub mod finding;
pub mod identity;
pub mod live;
mod naming;
pub mod registry;
mod resource_context;
pub mod reviewer_words;
pub mod role_assignment;
pub mod secrets;
#[cfg(test)]
mod testing;
pub mod violation;

pub use check::check;
pub use context::CheckOptions;
pub use finding::{Finding, Label, ResourceContext, Severity, Subject, Suppression};
pub use registry::{lookup, registry, Family, RuleMeta};
pub use violation::Violation;
