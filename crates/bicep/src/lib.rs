//! The way back from compiled ARM JSON to the Bicep source its author edits.
//!
//! - [`syntax`]: a focused Bicep parser (declarations, decorators, object keys, array items, loops,
//!   conditions, `#disable-next-line` directives) that degrades instead of failing.
//! - [`sourcemap`]: every JSON pointer of a compiled template → Bicep file, line and column,
//!   following local modules into their own files.
//! - [`suppress`]: `#disable-next-line rolegate-RA008 reason` directives.
//! - [`compile`]: `bicep build` / `bicep build-params` (or `az bicep`) when a compiler is on PATH.
//!
//! It knows no RBAC: rules and reports use it through the positions it returns.

pub mod compile;
pub mod sourcemap;
pub mod suppress;
pub mod syntax;

pub use sourcemap::{BicepPosition, Entry, MapError, SourceMap};
