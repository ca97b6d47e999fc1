//! rolegate's verdict and reports. One model, [`Report`], rendered to every target:
//!
//! - [`model`]: the report, the [`Verdict`] (fail when an unsuppressed finding is at or above the
//!   threshold) and the identity → role → scope rows.
//! - [`text`]: terminal output with source snippets (read lazily through [`SourceCache`], redacted).
//! - [`json`]: the versioned JSON report (`docs/report.schema.json`).
//! - [`sarif`]: SARIF 2.1.0 for code scanning.
//! - [`junit`]: JUnit XML for test tabs.
//! - [`markdown`]: PR comments and job summaries, within GitHub's size limit, with a Mermaid graph.
//! - [`evidence`]: the audit evidence pack.

pub mod evidence;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod source;
pub mod text;

pub use evidence::{CommitInfo, Evidence};
pub use markdown::MarkdownOptions;
pub use model::{
    sha256_hex, CheckedThrough, ContextInfo, GrantRow, IdentityKind, IdentityRow, LiveInfo,
    PolicyGroup, PolicyInfo, PolicySource, Report, ReportInput, RowVerdict, RuleInfo, Summary,
    TemplateInfo, ToolInfo, Verdict, SCHEMA_VERSION,
};
pub use source::SourceCache;
pub use text::TextOptions;
