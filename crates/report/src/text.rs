//! Terminal text, in the style of rustc and cargo-deny: `error[RA002]: message`, then the location,
//! the source line with a caret under the mistake, and secondary labels such as the policy line.

use std::fmt::Write as _;

use arm::Location;
use rules::{Finding, Severity};

use crate::model::{severity_name, Report, RowVerdict};
use crate::source::{redact_line, redact_values, SourceCache};

/// How to render text.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// ANSI colours (only when stdout is a terminal and `NO_COLOR` is unset; the caller decides).
    pub color: bool,
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, text)
    }
    fn gutter(&self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Renders the whole report for a terminal.
pub fn render(report: &Report, sources: &SourceCache, options: TextOptions) -> String {
    let style = Style { on: options.color };
    let mut out = String::new();
    for finding in &report.findings {
        render_finding(&mut out, finding, sources, &style);
        out.push('\n');
    }
    render_footer(&mut out, report, &style);
    out
}

fn render_finding(out: &mut String, finding: &Finding, sources: &SourceCache, style: &Style) {
    let severity = severity_name(finding.severity);
    let _ = writeln!(
        out,
        "{}{} {}",
        style.severity(finding.severity, &format!("{severity}[{}]", finding.rule)),
        style.bold(":"),
        style.bold(&finding.message)
    );
    let locations: Vec<&Location> = std::iter::once(&finding.location)
        .chain(finding.labels.iter().map(|l| &l.location))
        .collect();
    let width = locations
        .iter()
        .map(|l| l.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    let secret = finding.rule.starts_with("SC001");
    // Beside the JSON location, the resource and module a Bicep author finds in their own file.
    let within = finding
        .resource
        .as_ref()
        .map(|r| format!(" ({})", r.describe()));
    // A compiled template's finding points at the Bicep line first; the JSON follows.
    let bicep = crate::source::bicep_location(&finding.location);
    snippet(
        out,
        bicep.as_ref().unwrap_or(&finding.location),
        within.as_deref().unwrap_or_default(),
        &finding.name,
        "-->",
        &pad,
        sources,
        style,
        finding.severity,
        secret,
    );
    if bicep.is_some() {
        let _ = writeln!(
            out,
            "{pad} {} compiled: {}",
            style.gutter("="),
            finding.location
        );
    }
    for label in &finding.labels {
        let bicep = crate::source::bicep_location(&label.location);
        snippet(
            out,
            bicep.as_ref().unwrap_or(&label.location),
            "",
            &label.message,
            ":::",
            &pad,
            sources,
            style,
            Severity::Note,
            false,
        );
    }
    if let Some(fix) = &finding.fix {
        let _ = writeln!(out, "{pad} {} fix: {fix}", style.gutter("="));
    }
    if let Some(s) = finding
        .suppressed
        .as_ref()
        .filter(|s| s.directive.is_some())
    {
        let _ = writeln!(
            out,
            "{pad} {} note: suppressed by `#disable-next-line {}` at {}: {}",
            style.gutter("="),
            s.directive.as_deref().unwrap_or_default(),
            s.location,
            s.reason
        );
    } else if let Some(s) = &finding.suppressed {
        let _ = writeln!(
            out,
            "{pad} {} note: suppressed by the exception at {} (owner {}, expires {}): {}",
            style.gutter("="),
            s.location,
            s.owner,
            s.expires,
            s.reason
        );
    }
    if !finding.location.pointer.is_empty() {
        let _ = writeln!(
            out,
            "{pad} {} at: {}",
            style.gutter("="),
            finding.location.pointer
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    location: &Location,
    within: &str,
    label: &str,
    arrow: &str,
    pad: &str,
    sources: &SourceCache,
    style: &Style,
    severity: Severity,
    secret: bool,
) {
    let _ = writeln!(out, "{pad}{} {location}{within}", style.gutter(arrow));
    let Some(line) = sources.line(&location.file, location.line) else {
        if !label.is_empty() {
            let _ = writeln!(out, "{pad} {} {label}", style.gutter("="));
        }
        return;
    };
    // Never show a credential, even the one a finding is about.
    let line = if secret {
        redact_values(&line)
    } else {
        redact_line(&line)
    };
    let number = format!("{:>width$}", location.line, width = pad.len());
    let column = location.column.max(1) as usize - 1;
    let (start, len) = token_extent(&line, column);
    let caret = style.severity(severity, &"^".repeat(len));
    let _ = writeln!(out, "{pad} {}", style.gutter("|"));
    let _ = writeln!(
        out,
        "{} {} {}",
        style.gutter(&number),
        style.gutter("|"),
        line
    );
    let _ = writeln!(
        out,
        "{pad} {} {}{} {}",
        style.gutter("|"),
        " ".repeat(start),
        caret,
        style.severity(severity, label)
    );
}

/// Where to put the caret and how wide: the whole JSON string or word that starts at `column`
/// (0-based, in characters).
fn token_extent(line: &str, column: usize) -> (usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    if column >= chars.len() {
        return (chars.len(), 1);
    }
    let len = if chars[column] == '"' {
        let mut escaped = false;
        let mut end = None;
        for (i, c) in chars.iter().enumerate().skip(column + 1) {
            if escaped {
                escaped = false;
            } else if *c == '\\' {
                escaped = true;
            } else if *c == '"' {
                end = Some(i);
                break;
            }
        }
        end.map_or(chars.len() - column, |e| e - column + 1)
    } else {
        chars[column..]
            .iter()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '}' | ']' | ':'))
            .count()
            .max(1)
    };
    (column, len)
}

fn render_footer(out: &mut String, report: &Report, style: &Style) {
    if report.has_several_policies() {
        // Say which policy judged which templates: findings of one group follow only its policy.
        for group in &report.policies {
            let _ = writeln!(
                out,
                "policy: {} [{}] for {}",
                group.policy.describe(),
                short_digest(&group.policy.digest),
                group.templates.join(", ")
            );
        }
    } else {
        let _ = writeln!(
            out,
            "policy: {} [{}]",
            report.policy.describe(),
            short_digest(&report.policy.digest)
        );
    }
    // Each template with the parameter files it was checked with (paired by name, by
    // `metadata.template`, or given with -p).
    let templates: Vec<String> = report
        .templates
        .iter()
        .map(|t| match t.parameter_files.as_slice() {
            [] => t.path.clone(),
            files => format!("{} (with {})", t.path, files.join(", ")),
        })
        .collect();
    if !templates.is_empty() {
        let _ = writeln!(out, "checked: {}", templates.join(", "));
    }
    if !report.context.placeholders.is_empty() {
        let _ = writeln!(
            out,
            "note: deployment context placeholders used for {} (pass --subscription-id, --resource-group, ... for exact ids)",
            report.context.placeholders.join(", ")
        );
    }
    if let Some(live) = &report.context.live {
        let _ = writeln!(out, "live tenant: {}", live.describe());
    }
    if !report.grants.is_empty() {
        out.push('\n');
        let rows: Vec<[String; 4]> = report
            .grants
            .iter()
            .map(|g| {
                let verdict = match g.verdict {
                    RowVerdict::Pass => "pass".to_string(),
                    RowVerdict::Warn => format!("warn {}", g.rules.join(",")),
                    RowVerdict::Fail => format!("FAIL {}", g.rules.join(",")),
                };
                [
                    g.identity_display.clone(),
                    // Role and scope known only at deployment read as what decides them; the
                    // JSON keeps the provenance.
                    rules::reviewer_words::role_display(&g.role),
                    rules::reviewer_words::scope_display(&g.scope),
                    verdict,
                ]
            })
            .collect();
        let header = ["identity", "role", "scope", "verdict"].map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; 4]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i < 3 {
                    let _ = write!(s, "{cell:<w$}  ");
                } else {
                    s.push_str(cell);
                }
            }
            s
        };
        let _ = writeln!(out, "{}", style.bold(&line(&header)));
        for row in &rows {
            let _ = writeln!(out, "{}", line(row));
        }
    }
    out.push('\n');
    let headline = report.headline();
    let painted = match report.verdict {
        crate::Verdict::Pass => style.paint("1;32", &headline),
        crate::Verdict::Fail => style.paint("1;31", &headline),
    };
    let _ = writeln!(
        out,
        "{painted} (fails on {} and above)",
        severity_name(report.fail_on)
    );
}

/// `sha256:abcdef012345` (first 12 hex digits) for one-line displays.
pub(crate) fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algo, hex)) => format!("{algo}:{}", hex.get(..12).unwrap_or(hex)),
        None => digest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_says_which_policy_judged_which_templates() {
        use crate::model::{
            ContextInfo, PolicyGroup, PolicyInfo, PolicySource, ReportInput, TemplateInfo,
        };
        let group = |dir: &str, text: &str| PolicyGroup {
            policy: PolicyInfo::new(
                PolicySource::Discovered,
                Some(format!("{dir}/rolegate.yaml")),
                text,
            ),
            templates: vec![format!("{dir}/main.json")],
        };
        let mut input = ReportInput::new(group("a", "a").policy, ContextInfo::default());
        input.templates = ["a/main.json", "b/main.json"]
            .map(|p| TemplateInfo {
                path: p.into(),
                ..TemplateInfo::default()
            })
            .to_vec();
        input.policies = vec![group("a", "a"), group("b", "b")];
        let text = render(
            &Report::new(input),
            &SourceCache::new(),
            TextOptions::default(),
        );
        assert!(
            text.contains("policy: a/rolegate.yaml (nearest rolegate.yaml) [sha256:")
                && text.contains("] for a/main.json\n"),
            "{text}"
        );
        assert!(text.contains("] for b/main.json\n"), "{text}");
    }

    #[test]
    fn caret_covers_the_string_or_word() {
        assert_eq!(token_extent(r#"  "name": 1"#, 2), (2, 6));
        assert_eq!(token_extent(r#"  true,"#, 2), (2, 4));
        assert_eq!(token_extent("x", 5), (1, 1));
        assert_eq!(token_extent(r#"  "a\"b" "#, 2), (2, 6));
    }
}
