//! rolegate's rules: one file per rule, a registry, and the [`Finding`] every rule reports.

pub mod finding;

pub use finding::{Finding, Label, Severity, Suppression};
