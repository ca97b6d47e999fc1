//! The parts of the JSON report (`docs/report.schema.json`, version 1) a publisher reads.

use serde::Deserialize;

/// A report as publishers see it: the verdict, the findings and what was judged.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportDoc {
    /// `pass` or `fail`.
    pub verdict: Verdict,
    /// The counts.
    #[serde(default)]
    pub summary: Summary,
    /// Every finding, suppressed ones included.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The policies that judged.
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    /// The policy of the first group (reports without `policies`).
    #[serde(default)]
    pub policy: Option<PolicyRef>,
    /// The templates judged.
    #[serde(default)]
    pub templates: Vec<TemplateRef>,
}

/// The gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }

    /// The exit code `rolegate check` gives this verdict.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }
}

/// The report's counts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub errors: u64,
    #[serde(default)]
    pub warnings: u64,
    #[serde(default)]
    pub notes: u64,
    #[serde(default)]
    pub suppressed: u64,
    #[serde(default)]
    pub failing: u64,
}

/// One finding.
#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    pub rule: String,
    #[serde(default)]
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// Present when an exception in the policy covers the finding.
    #[serde(default)]
    pub suppressed: Option<serde_json::Value>,
}

impl Finding {
    /// Whether the finding counts (not covered by an exception).
    pub fn active(&self) -> bool {
        self.suppressed.is_none()
    }
}

/// A finding's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

/// Where a finding is.
#[derive(Debug, Clone, Deserialize)]
pub struct Location {
    pub file: String,
    #[serde(default = "one")]
    pub line: u64,
    #[serde(default = "one")]
    pub column: u64,
}

fn one() -> u64 {
    1
}

/// A policy named by the report.
#[derive(Debug, Clone, Deserialize)]
pub struct PolicyRef {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub path: Option<String>,
}

/// A template named by the report.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateRef {
    pub path: String,
}

/// A report that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a rolegate JSON report (docs/report.schema.json): {0}")]
pub struct ReportError(String);

impl ReportDoc {
    /// Parses the JSON report.
    pub fn parse(text: &str) -> Result<ReportDoc, ReportError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ReportError(e.to_string()))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(1) => {}
            Some(v) => return Err(ReportError(format!("version {v}, this rolegate reads 1"))),
            None => return Err(ReportError("no `version`".into())),
        }
        serde_json::from_value(value).map_err(|e| ReportError(e.to_string()))
    }

    /// Findings not covered by an exception, in report order.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.active())
    }
}

/// A finding's path as a repository path: forward slashes, no leading `./`.
pub fn repo_path(file: &str) -> String {
    let file = file.replace('\\', "/");
    let mut rest = file.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    rest.to_string()
}

/// A short Markdown report made from the JSON alone, for `publish` without `--markdown`:
/// verdict, counts and one line per active finding.
pub fn summary_markdown(report: &ReportDoc) -> String {
    use std::fmt::Write as _;
    let (icon, verdict) = match report.verdict {
        Verdict::Pass => ("✅", "PASS"),
        Verdict::Fail => ("❌", "FAIL"),
    };
    let mut out = format!(
        "## {icon} rolegate: {verdict}: {} errors, {} warnings\n\n",
        report.summary.errors, report.summary.warnings
    );
    let active: Vec<&Finding> = report.active_findings().collect();
    if !active.is_empty() {
        out.push_str("### Findings\n\n");
    }
    for f in active {
        let icon = match f.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
            Severity::Note => "ℹ️",
        };
        let _ = writeln!(
            out,
            "- {icon} **{}** `{}`: {}\n  <br>`{}:{}:{}`",
            f.rule,
            f.name,
            f.message.replace('\n', " "),
            f.location.file,
            f.location.line,
            f.location.column
        );
    }
    if report.summary.suppressed > 0 {
        let _ = writeln!(
            out,
            "\n{} findings are covered by exceptions in the policy.",
            report.summary.suppressed
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_publishers_use() {
        let doc = ReportDoc::parse(
            r#"{"version":1,"verdict":"fail","summary":{"errors":1,"warnings":0,"notes":0,"suppressed":1,"failing":1},
            "findings":[{"rule":"RA002","name":"privileged-role","severity":"error","message":"m","location":{"file":"./a/main.json","line":3,"column":5,"pointer":"/x"}},
            {"rule":"RA003","name":"n","severity":"warning","message":"m","location":{"file":"a/main.json","line":1,"column":1,"pointer":""},"suppressed":{"reason":"r","owner":"o","expires":"2030-01-01","location":{"file":"p","line":1,"column":1,"pointer":""}}}]}"#,
        )
        .unwrap();
        assert_eq!(doc.verdict, Verdict::Fail);
        assert_eq!(doc.active_findings().count(), 1);
        assert_eq!(repo_path(&doc.findings[0].location.file), "a/main.json");
    }

    #[test]
    fn other_versions_and_garbage_are_errors() {
        assert!(ReportDoc::parse(r#"{"version":2,"verdict":"pass"}"#).is_err());
        assert!(ReportDoc::parse("[1,2").is_err());
        assert!(ReportDoc::parse(r#"{"version":1,"verdict":"maybe"}"#).is_err());
    }
}
