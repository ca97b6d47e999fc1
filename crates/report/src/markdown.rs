//! Markdown for PR comments and job summaries: the verdict first, then a table identity → role →
//! scope → verdict, a Mermaid graph of the same, and the findings. It stays under a character limit
//! (GitHub rejects comments over 65,536 characters) by dropping what does not fit and saying where the
//! full report is.

use std::collections::HashMap;
use std::fmt::Write as _;

use rules::{Finding, Severity};

use crate::model::{fails, plural, Report, RowVerdict, Verdict};
use crate::text::short_digest;

/// GitHub's limit for an issue or PR comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// How to render Markdown.
#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    /// Upper bound on the output, in characters. The default leaves 1,536 characters of the GitHub
    /// limit for a publisher's hidden marker and header.
    pub max_chars: usize,
    /// Where the full report is (e.g. the name of the uploaded artifact), for the truncation note.
    pub full_report: Option<String>,
    /// Include the Mermaid graph.
    pub graph: bool,
    /// Base URL of the source tree at the checked commit (e.g.
    /// `https://github.com/o/r/blob/<sha>/`): locations become links to their line.
    pub source_link: Option<String>,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_chars: GITHUB_COMMENT_LIMIT - 1_536,
            full_report: None,
            graph: true,
            source_link: None,
        }
    }
}

/// Renders the report as Markdown within `options.max_chars` characters.
pub fn render(report: &Report, options: &MarkdownOptions) -> String {
    let header = header(report);
    let table_head = "\n### Access: identity → role → scope\n\n| Identity | Role | Scope | Verdict |\n|---|---|---|---|\n".to_string();
    let rows: Vec<String> = report.grants.iter().map(table_row).collect();
    let graph = if options.graph && !report.grants.is_empty() {
        mermaid(report)
    } else {
        String::new()
    };
    let findings_head = if report.findings.is_empty() {
        "\n### Findings\n\nNone.\n".to_string()
    } else {
        "\n### Findings\n\n".to_string()
    };
    let items: Vec<String> = report
        .findings
        .iter()
        .map(|f| finding_item(f, report.fail_on, options.source_link.as_deref()))
        .collect();

    // Priority when space runs out: header, table rows, (small) graph, findings.
    let note_reserve = 400;
    let budget = options.max_chars.saturating_sub(note_reserve);
    let mut used = chars(&header) + chars(&findings_head);
    let mut table_rows = 0;
    if !rows.is_empty() {
        used += chars(&table_head);
        // Leave findings at least half of the space: they say what to fix.
        let table_budget = if items.is_empty() { budget } else { budget / 2 };
        for row in &rows {
            if used + chars(row) > table_budget {
                break;
            }
            used += chars(row);
            table_rows += 1;
        }
    }
    // A small graph goes before the findings; a large one (hundreds of grants) only if space is left.
    let mut show_graph =
        !graph.is_empty() && chars(&graph) <= budget / 4 && used + chars(&graph) <= budget;
    if show_graph {
        used += chars(&graph);
    }
    let mut shown_findings = 0;
    for item in &items {
        if used + chars(item) > budget {
            break;
        }
        used += chars(item);
        shown_findings += 1;
    }
    if !show_graph && !graph.is_empty() && used + chars(&graph) <= budget {
        show_graph = true;
    }

    let mut out = header;
    if !rows.is_empty() {
        out.push_str(&table_head);
        for row in &rows[..table_rows] {
            out.push_str(row);
        }
    }
    if show_graph {
        out.push_str(&graph);
    }
    out.push_str(&findings_head);
    for item in &items[..shown_findings] {
        out.push_str(item);
    }
    let hidden_rows = rows.len() - table_rows;
    let hidden_findings = items.len() - shown_findings;
    let hidden_graph = !graph.is_empty() && !show_graph;
    if hidden_rows > 0 || hidden_findings > 0 || hidden_graph {
        let mut what = Vec::new();
        if hidden_findings > 0 {
            what.push(plural(hidden_findings, "finding", "findings"));
        }
        if hidden_rows > 0 {
            what.push(plural(hidden_rows, "grant row", "grant rows"));
        }
        if hidden_graph {
            what.push("the graph".to_string());
        }
        let place = match &options.full_report {
            Some(artifact) => format!("the full report is in `{}`", inline(artifact)),
            None => "the full report is in the run's report artifact".to_string(),
        };
        let note = format!(
            "\n> [!NOTE]\n> Truncated to fit the comment size limit: {} not shown; {place}.\n",
            what.join(", ")
        );
        out.push_str(&note);
    }
    // The budget above is an estimate for the note; enforce the hard limit whatever happens.
    if chars(&out) > options.max_chars {
        out = out.chars().take(options.max_chars).collect();
    }
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn header(report: &Report) -> String {
    let icon = match report.verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
    };
    let mut out = format!("## {icon} rolegate: {}\n\n", report.headline());
    let templates: Vec<String> = report
        .templates
        .iter()
        .map(|t| format!("`{}`", inline(&t.path)))
        .collect();
    let fail_on = crate::model::severity_name(report.fail_on);
    if report.has_several_policies() {
        let _ = writeln!(
            out,
            "**Policies** (each template judged by its own) · fails on {fail_on} and above"
        );
        for group in &report.policies {
            let judged: Vec<String> = group
                .templates
                .iter()
                .map(|t| format!("`{}`", inline(t)))
                .collect();
            let _ = writeln!(
                out,
                "<br>• {} · `{}` for {}",
                inline(&group.policy.describe()),
                short_digest(&group.policy.digest),
                judged.join(", ")
            );
        }
    } else {
        let _ = writeln!(
            out,
            "**Policy:** {} · `{}` · fails on {fail_on} and above",
            inline(&report.policy.describe()),
            short_digest(&report.policy.digest),
        );
    }
    if !templates.is_empty() {
        let _ = writeln!(out, "<br>**Checked:** {}", templates.join(", "));
    }
    if !report.context.placeholders.is_empty() {
        let _ = writeln!(
            out,
            "<br>**Placeholders** used for the deployment context: {} (ids in this report are not the real ones).",
            report.context.placeholders.join(", ")
        );
    }
    if let Some(live) = &report.context.live {
        let _ = writeln!(out, "<br>**Live tenant:** {}", live.describe());
    }
    out
}

fn table_row(g: &crate::model::GrantRow) -> String {
    let verdict = match g.verdict {
        RowVerdict::Pass => "✅ pass".to_string(),
        RowVerdict::Warn => format!("⚠️ {}", g.rules.join(", ")),
        RowVerdict::Fail => format!("❌ {}", g.rules.join(", ")),
    };
    // A scope known only at deployment reads as what decides it, in words (not code).
    let scope = match (&g.scope_level, g.scope.contains('{')) {
        (_, true) => cell(&rules::reviewer_words::scope_display(&g.scope)),
        (Some(level), false) => format!("{level}: `{}`", inline(&g.scope)),
        (None, false) => format!("`{}`", inline(&g.scope)),
    };
    format!(
        "| {} | {} | {} | {} |\n",
        cell(&g.identity_display),
        cell(&rules::reviewer_words::role_display(&g.role)),
        scope.replace('|', "\\|"),
        verdict
    )
}

fn finding_item(f: &Finding, fail_on: Severity, link: Option<&str>) -> String {
    let icon = if f.suppressed.is_some() {
        "🔕"
    } else if fails(f, fail_on) {
        "❌"
    } else if f.severity == Severity::Note {
        "ℹ️"
    } else {
        "⚠️"
    };
    let mut out = format!(
        "- {icon} **{}** `{}`: {}\n  <br>{}",
        f.rule,
        f.name,
        text(&f.message),
        location_link(&f.location, link)
    );
    if let Some(resource) = &f.resource {
        let _ = write!(out, " in {}", text(&resource.describe()));
    }
    for label in &f.labels {
        let _ = write!(
            out,
            " · {} {}",
            text(&label.message),
            location_link(&label.location, link)
        );
    }
    if let Some(fix) = &f.fix {
        let _ = write!(out, "\n  <br>**Fix:** {}", text(fix));
    }
    if let Some(s) = f.suppressed.as_ref().filter(|s| s.directive.is_some()) {
        let _ = write!(
            out,
            "\n  <br>Suppressed in the source by `#disable-next-line {}` at {}: {}",
            inline(s.directive.as_deref().unwrap_or_default()),
            location_link(&s.location, link),
            text(&s.reason)
        );
    } else if let Some(s) = &f.suppressed {
        let _ = write!(
            out,
            "\n  <br>Suppressed by an exception: {} (owner {}, expires {})",
            text(&s.reason),
            text(&s.owner),
            text(&s.expires)
        );
    }
    out.push('\n');
    out
}

/// `` `main.bicep:41:5` `` (the Bicep line for a compiled template; the JSON location follows when
/// there is one), a link to the line when the source tree's URL is known.
fn location_link(location: &arm::Location, link: Option<&str>) -> String {
    let shown = crate::source::edited_location(location);
    let code = format!("`{}`", inline(&shown.to_string()));
    let linked = match link {
        Some(base) if !shown.file.starts_with('/') => format!(
            "[{code}]({}/{}#L{})",
            base.trim_end_matches('/'),
            shown.file.trim_start_matches("./").replace(' ', "%20"),
            shown.line
        ),
        _ => code,
    };
    if location.bicep.is_some() {
        format!("{linked} (compiled: `{}`)", inline(&location.to_string()))
    } else {
        linked
    }
}

fn mermaid(report: &Report) -> String {
    let mut out = String::from("\n```mermaid\nflowchart LR\n");
    let mut identities: HashMap<&str, String> = HashMap::new();
    let mut scopes: HashMap<String, String> = HashMap::new();
    let mut failing = Vec::new();
    let mut warning = Vec::new();
    for (edge, grant) in report.grants.iter().enumerate() {
        let next = identities.len();
        let identity = identities
            .entry(grant.identity.as_str())
            .or_insert_with(|| {
                let id = format!("i{next}");
                let _ = writeln!(out, "  {id}[\"{}\"]", mermaid_text(&grant.identity_display));
                id
            })
            .clone();
        let key = grant.scope.to_ascii_lowercase();
        let next = scopes.len();
        let scope = scopes
            .entry(key)
            .or_insert_with(|| {
                let id = format!("s{next}");
                let _ = writeln!(
                    out,
                    "  {id}[(\"{}\")]",
                    mermaid_text(&if grant.scope.contains('{') {
                        rules::reviewer_words::scope_display(&grant.scope)
                    } else {
                        short_scope(&grant.scope)
                    })
                );
                id
            })
            .clone();
        let _ = writeln!(
            out,
            "  {identity} -->|\"{}\"| {scope}",
            mermaid_text(&rules::reviewer_words::role_display(&grant.role))
        );
        match grant.verdict {
            RowVerdict::Fail => failing.push(edge),
            RowVerdict::Warn => warning.push(edge),
            RowVerdict::Pass => {}
        }
    }
    let list = |v: &[usize]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#d1242f,stroke-width:3px",
            list(&failing)
        );
    }
    if !warning.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#bf8700,stroke-width:2px",
            list(&warning)
        );
    }
    out.push_str("```\n");
    out
}

/// The last `type/name` pairs of a scope, so graph nodes stay readable.
fn short_scope(scope: &str) -> String {
    let segments: Vec<&str> = scope.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [] | [""] => "/".into(),
        ["subscriptions", sub] => format!("subscription {sub}"),
        ["subscriptions", _, "resourceGroups", rg] => format!("resource group {rg}"),
        ["providers", "Microsoft.Management", "managementGroups", mg] => {
            format!("management group {mg}")
        }
        _ => {
            let providers = segments
                .iter()
                .rposition(|s| s.eq_ignore_ascii_case("providers"))
                .map_or(0, |i| i + 1);
            segments[providers..].join("/")
        }
    }
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

/// Text for a table cell: no pipes or line breaks, no HTML.
fn cell(s: &str) -> String {
    text(s).replace('|', "\\|")
}

/// Free text: HTML-escaped so a message cannot inject markup, on one line.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// Text inside backticks: backticks themselves cannot appear.
fn inline(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_shortened_for_the_graph() {
        assert_eq!(short_scope("/subscriptions/S"), "subscription S");
        assert_eq!(
            short_scope("/subscriptions/S/resourceGroups/rg"),
            "resource group rg"
        );
        assert_eq!(
            short_scope(
                "/subscriptions/S/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
            ),
            "Microsoft.KeyVault/vaults/kv"
        );
        assert_eq!(short_scope("/"), "/");
    }

    #[test]
    fn header_names_each_policy_with_its_templates() {
        use crate::model::{ContextInfo, PolicyGroup, PolicyInfo, PolicySource, ReportInput};
        let group = |dir: &str| PolicyGroup {
            policy: PolicyInfo::new(
                PolicySource::Discovered,
                Some(format!("{dir}/rolegate.yaml")),
                dir,
            ),
            templates: vec![format!("{dir}/main.json")],
        };
        let mut input = ReportInput::new(group("a").policy, ContextInfo::default());
        input.policies = vec![group("a"), group("b")];
        let two = header(&Report::new(input));
        assert!(two.contains("**Policies**"), "{two}");
        assert!(
            two.contains("a/rolegate.yaml (nearest rolegate.yaml)")
                && two.contains("for `a/main.json`")
                && two.contains("for `b/main.json`"),
            "{two}"
        );
        let one = header(&Report::new(ReportInput::new(
            group("a").policy,
            ContextInfo::default(),
        )));
        assert!(one.contains("**Policy:** a/rolegate.yaml"), "{one}");
        assert!(!one.contains("**Policies**"), "{one}");
    }

    #[test]
    fn text_cannot_inject_markup() {
        assert_eq!(cell("a|<b>"), "a\\|&lt;b&gt;");
        assert_eq!(inline("a`b"), "a'b");
    }
}
