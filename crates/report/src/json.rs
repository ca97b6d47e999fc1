//! The versioned JSON report (`docs/report.schema.json`).

use crate::model::Report;

/// Renders the report as pretty JSON.
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into())
}
