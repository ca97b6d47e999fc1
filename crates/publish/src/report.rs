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
    /// The Bicep line that produced the value (templates compiled from Bicep).
    #[serde(default)]
    pub bicep: Option<Position>,
}

/// A file, line and column (`location.bicep`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Position {
    pub file: String,
    #[serde(default = "one")]
    pub line: u64,
    #[serde(default = "one")]
    pub column: u64,
}

/// The suffix of the name a template compiled in memory from a `.bicep` goes by
/// (`main.bicep (compiled)`, docs/bicep.md): no such file exists in the repository.
const COMPILED_SUFFIX: &str = " (compiled)";

/// Where a finding is shown to someone reading the pull request: a file of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// Set when no line of the repository holds the finding: what to say instead (the compiled
    /// JSON's line, which exists only in memory).
    pub note: Option<String>,
}

impl Location {
    /// The Bicep line when there is one (the file in the pull request's diff), else the JSON
    /// location; for a template compiled in memory with no Bicep line for the value, the `.bicep`
    /// file itself at line 1, with a note naming the compiled JSON's line.
    pub fn shown(&self) -> Shown {
        if let Some(b) = &self.bicep {
            return Shown {
                file: b.file.clone(),
                line: b.line,
                column: b.column,
                note: None,
            };
        }
        match self.file.strip_suffix(COMPILED_SUFFIX) {
            Some(source) => Shown {
                file: source.to_string(),
                line: 1,
                column: 1,
                note: Some(format!(
                    "no Bicep line; in the compiled JSON ({}) at line {}, column {}",
                    self.file, self.line, self.column
                )),
            },
            None => Shown {
                file: self.file.clone(),
                line: self.line,
                column: self.column,
                note: None,
            },
        }
    }
}

impl Shown {
    /// `message`, preceded by the note when there is one.
    pub fn message(&self, message: &str) -> String {
        match &self.note {
            Some(note) => format!("({note}) {message}"),
            None => message.to_string(),
        }
    }
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
        let at = f.location.shown();
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
            at.message(&f.message.replace('\n', " ")),
            at.file,
            at.line,
            at.column
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

    fn location(json: &str) -> Location {
        serde_json::from_str(json).expect("location")
    }

    #[test]
    fn a_location_is_shown_at_its_bicep_line_else_at_the_bicep_file_of_an_in_memory_compile() {
        let mapped = location(
            r#"{"file":"main.bicep (compiled)","line":183,"column":13,"pointer":"/x","bicep":{"file":"modules/grant.bicep","line":10,"column":1}}"#,
        );
        let at = mapped.shown();
        assert_eq!(
            (at.file.as_str(), at.line, at.column),
            ("modules/grant.bicep", 10, 1)
        );
        assert_eq!(at.message("m"), "m");

        // No Bicep line for the value, and the JSON exists only in memory: the `.bicep` file,
        // and the message names the compiled line.
        let unmapped = location(
            r#"{"file":"infra/main.bicep (compiled)","line":4,"column":3,"pointer":"/x"}"#,
        );
        let at = unmapped.shown();
        assert_eq!((at.file.as_str(), at.line), ("infra/main.bicep", 1));
        assert_eq!(
            at.message("m"),
            "(no Bicep line; in the compiled JSON (infra/main.bicep (compiled)) at line 4, column 3) m"
        );

        // Plain JSON stays where it is.
        let plain = location(r#"{"file":"main.json","line":4,"column":3,"pointer":"/x"}"#);
        assert_eq!(plain.shown().file, "main.json");
        assert_eq!(plain.shown().line, 4);
        assert!(plain.shown().note.is_none());
    }

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
