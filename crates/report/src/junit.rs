//! JUnit XML for test tabs (Azure DevOps, GitLab, Jenkins): one test suite per template, one test
//! case per rule per template. Findings that fail the gate are `<failure>`s; findings below the
//! threshold and suppressed findings are listed in the test case's `<system-out>`, so a passing gate
//! never shows red tests.

use std::fmt::Write as _;

use rules::Finding;

use crate::model::{fails, severity_name, Report, RuleInfo};

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let rules = report.rule_catalogue();
    let suites = suites(report);
    let total_tests = suites.len() * rules.len();
    let total_failures: usize = suites
        .iter()
        .map(|s| failing_rules(&s.findings, &rules, report))
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"rolegate\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">"
    );
    for suite in &suites {
        let failures = failing_rules(&suite.findings, &rules, report);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml(&suite.name),
            rules.len()
        );
        for rule in &rules {
            let found: Vec<&Finding> = suite
                .findings
                .iter()
                .copied()
                .filter(|f| f.rule == rule.id)
                .collect();
            let _ = write!(
                out,
                "    <testcase classname=\"rolegate.{}\" name=\"{} {}\" file=\"{}\"",
                xml(&suite.name),
                xml(&rule.id),
                xml(&rule.name),
                xml(&suite.name)
            );
            if found.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let failing: Vec<&Finding> = found
                .iter()
                .copied()
                .filter(|f| fails(f, report.fail_on))
                .collect();
            if let Some(first) = failing.first() {
                let body: Vec<String> = failing.iter().map(|f| describe(f)).collect();
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    xml(&rule.id),
                    xml(&first.message),
                    xml(&body.join("\n"))
                );
            }
            let others: Vec<String> = found
                .iter()
                .filter(|f| !fails(f, report.fail_on))
                .map(|f| describe(f))
                .collect();
            if !others.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    xml(&others.join("\n"))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

struct Suite<'a> {
    name: String,
    findings: Vec<&'a Finding>,
}

/// One suite per template; a finding belongs to the template whose file (or parameter file) it
/// points into, else to the only template, else to a suite named after its own file.
fn suites(report: &Report) -> Vec<Suite<'_>> {
    let mut suites: Vec<Suite<'_>> = report
        .templates
        .iter()
        .map(|t| Suite {
            name: t.path.clone(),
            findings: Vec::new(),
        })
        .collect();
    for finding in &report.findings {
        let file = &finding.location.file;
        let owner = report
            .templates
            .iter()
            .position(|t| &t.path == file || t.parameter_files.iter().any(|p| p == file))
            .or(if report.templates.len() == 1 {
                Some(0)
            } else {
                None
            });
        match owner {
            Some(i) => suites[i].findings.push(finding),
            None => match suites.iter_mut().find(|s| &s.name == file) {
                Some(s) => s.findings.push(finding),
                None => suites.push(Suite {
                    name: file.clone(),
                    findings: vec![finding],
                }),
            },
        }
    }
    suites
}

fn failing_rules(findings: &[&Finding], rules: &[RuleInfo], report: &Report) -> usize {
    rules
        .iter()
        .filter(|r| {
            findings
                .iter()
                .any(|f| f.rule == r.id && fails(f, report.fail_on))
        })
        .count()
}

fn describe(finding: &Finding) -> String {
    // The Bicep line first when there is one (the file the author edits).
    let at = match &finding.location.bicep {
        Some(bicep) => format!("{bicep} (compiled: {})", finding.location),
        None => finding.location.to_string(),
    };
    let mut s = format!(
        "{}: {} [{}] {}",
        at,
        severity_name(finding.severity),
        finding.rule,
        finding.message
    );
    if let Some(fix) = &finding.fix {
        let _ = write!(s, " Fix: {fix}");
    }
    if let Some(sup) = &finding.suppressed {
        let _ = write!(
            s,
            " (suppressed: {}, owner {}, expires {})",
            sup.reason, sup.owner, sup.expires
        );
    }
    s
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_and_drops_control_characters() {
        assert_eq!(xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
    }
}
