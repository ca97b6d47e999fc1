//! Azure Resource Manager template engine.
//!
//! - [`source`]: load ARM JSON (BOM, comments, CRLF) keeping line/column for every value.
//! - [`value`]: template values, with [`value::Unknown`] for what is only known at deployment.
//! - [`context`]: the deployment target (`subscription()`, `resourceGroup()`, ...).
//! - [`eval`]: the expression language and every template function.
//! - [`template`]: the parts of a template as declared; [`params`]: parameter files.
//! - [`expand`]: a template plus parameters → [`plan::DeploymentPlan`]; [`discover`]: directories.

pub mod context;
pub mod source;
pub mod value;

pub use context::{DeploymentContext, TargetScope};
pub use source::{Document, LoadError, Location, SourcePosition};
pub use value::{Origin, ResourceRef, Unknown, Value};
pub mod discover;
pub mod eval;
pub mod expand;
pub mod params;
pub mod plan;
pub mod template;

pub use expand::{expand_document, expand_file, ExpandError, ExpandOptions};
pub use template::{Template, TemplateError};
