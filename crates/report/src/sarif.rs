//! SARIF 2.1.0 for code scanning: one run, the rules that ran with their help, one result per finding.

use rules::{Finding, Severity};
use serde_json::{json, Value};

use crate::model::{sha256_hex, Report, RuleInfo};

/// The SARIF schema URI written into every log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders the report as a SARIF 2.1.0 log (pretty JSON).
pub fn render(report: &Report) -> String {
    let value = to_value(report);
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into())
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let rules = report.rule_catalogue();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| descriptor(r, &report.tool.information_uri))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|r| r.id == f.rule)))
        .collect();
    let placeholders = &report.context.placeholders;
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": report.tool.information_uri,
                    "rules": descriptors,
                }
            },
            "automationDetails": { "id": format!("rolegate/{}", report.policy.digest) },
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The directory rolegate was run from." } } },
            "results": results,
            "properties": {
                "verdict": report.verdict.as_str(),
                "failOn": crate::model::severity_name(report.fail_on),
                "policy": report.policy,
                "policies": report.policies,
                "contextPlaceholders": placeholders,
            }
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(rule: &RuleInfo, information_uri: &str) -> Value {
    let help_text = if rule.help.is_empty() {
        rule.summary.clone()
    } else {
        rule.help.clone()
    };
    json!({
        "id": rule.id,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": help_text, "markdown": help_text },
        "helpUri": format!("{}/blob/main/docs/rules/{}.md", information_uri.trim_end_matches('/'), rule.id),
        "defaultConfiguration": { "level": level(rule.default_severity) },
        "properties": { "tags": ["security", "least-privilege", "azure"] }
    })
}

/// A file path as a SARIF URI: relative paths stay relative to `%SRCROOT%`, with `/` separators.
pub fn artifact_location(file: &str) -> Value {
    let path = file.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path).to_string();
    let encoded = path.replace('%', "%25").replace(' ', "%20");
    if path.starts_with('/') {
        json!({ "uri": format!("file://{encoded}") })
    } else {
        json!({ "uri": encoded, "uriBaseId": "%SRCROOT%" })
    }
}

fn physical(location: &arm::Location) -> Value {
    json!({
        "artifactLocation": artifact_location(&location.file),
        "region": {
            "startLine": location.line.max(1),
            "startColumn": location.column.max(1),
        }
    })
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let mut message = finding.message.clone();
    if let Some(fix) = &finding.fix {
        message.push_str(&format!(" Fix: {fix}"));
    }
    // Bicep first, so code scanning annotates the line the author edits; the compiled JSON is a
    // related location.
    let primary = crate::source::edited_location(&finding.location);
    let mut location = json!({ "physicalLocation": physical(&primary) });
    let mut logical = Vec::new();
    if !finding.location.pointer.is_empty() {
        logical.push(json!({
            "fullyQualifiedName": finding.location.pointer,
            "kind": "object",
        }));
    }
    // The resource as its author named it (Bicep symbol, module path), for a compiled template.
    if let Some(resource) = &finding.resource {
        logical.push(json!({
            "name": resource.label(),
            "fullyQualifiedName": resource.qualified_name(),
            "kind": "resource",
        }));
    }
    if !logical.is_empty() {
        location["logicalLocations"] = json!(logical);
    }
    let mut related: Vec<Value> = finding
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(&crate::source::edited_location(&label.location)),
                "message": { "text": label.message },
            })
        })
        .collect();
    if finding.location.bicep.is_some() {
        related.push(json!({
            "id": related.len() + 1,
            "physicalLocation": physical(&finding.location),
            "message": { "text": format!("compiled JSON: {}", finding.location.pointer) },
        }));
    }
    // Stable across line moves: rule, file and JSON path, not line numbers.
    let fingerprint = sha256_hex(
        format!(
            "{}\u{0}{}\u{0}{}",
            finding.rule, finding.location.file, finding.location.pointer
        )
        .as_bytes(),
    );
    let mut out = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": [location],
        "partialFingerprints": { "rolegateFinding/v1": fingerprint },
    });
    if let Some(index) = rule_index {
        out["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        out["relatedLocations"] = json!(related);
    }
    if let Some(s) = finding
        .suppressed
        .as_ref()
        .filter(|s| s.directive.is_some())
    {
        out["suppressions"] = json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": s.reason,
            "location": { "physicalLocation": physical(&crate::source::edited_location(&s.location)) },
        }]);
    } else if let Some(s) = &finding.suppressed {
        out["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (owner {}, expires {})", s.reason, s.owner, s.expires),
            "location": { "physicalLocation": physical(&s.location) },
        }]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uris() {
        assert_eq!(
            artifact_location(r".\examples\a b\main.json"),
            json!({"uri": "examples/a%20b/main.json", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/abs/main.json"),
            json!({"uri": "file:///abs/main.json"})
        );
    }
}
