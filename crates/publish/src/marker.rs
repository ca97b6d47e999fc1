//! The hidden marker that identifies a gate's comment or thread and orders runs.
//!
//! `<!-- rolegate:gate key="KEY" sha="HEAD_SHA" run="2026-12-02T16:46:19Z" -->` on the body's first
//! line. Keys and SHAs are restricted to characters that cannot end the HTML comment or a value.

use crate::report::{repo_path, ReportDoc};

const PREFIX: &str = "<!-- rolegate:gate ";

/// A parsed marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The gate's key.
    pub key: String,
    /// The head commit the report judged (empty when unknown).
    pub sha: String,
    /// When the report was computed (UTC, sorts as text).
    pub run: String,
}

impl Marker {
    /// The marker line.
    pub fn render(&self) -> String {
        format!(
            "{PREFIX}key=\"{}\" sha=\"{}\" run=\"{}\" -->",
            sanitize_key(&self.key),
            sanitize_value(&self.sha),
            sanitize_value(&self.run)
        )
    }

    /// The marker of a comment body, if it has one (on any line: services may prepend text).
    pub fn find(body: &str) -> Option<Marker> {
        let start = body.find(PREFIX)?;
        let rest = &body[start + PREFIX.len()..];
        let end = rest.find("-->")?;
        let attrs = &rest[..end];
        Some(Marker {
            key: attr(attrs, "key")?,
            sha: attr(attrs, "sha").unwrap_or_default(),
            run: attr(attrs, "run").unwrap_or_default(),
        })
    }

    /// Whether this (existing) marker is from a later run than `other`: then `other` must not
    /// overwrite it.
    pub fn newer_than(&self, other: &Marker) -> bool {
        self.run > other.run
    }
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = attrs.find(&needle)? + needle.len();
    let len = attrs[start..].find('"')?;
    Some(attrs[start..start + len].to_string())
}

/// A key as the marker, check-run name and status context carry it: letters, digits and
/// `._/:@+-`; anything else becomes `-`.
pub fn sanitize_key(key: &str) -> String {
    let cleaned: String = key
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._/:@+-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    // `--` could end the HTML comment.
    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    if out.is_empty() {
        "default".into()
    } else {
        out.chars().take(100).collect()
    }
}

fn sanitize_value(value: &str) -> String {
    let mut out = String::new();
    for c in value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ":.-_".contains(*c))
        .take(64)
    {
        // `--` could end the HTML comment.
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// The default key of a report: the directory holding every judged template, plus the policy
/// when one was given explicitly (`--policy`). Two gates over other directories or with other
/// policies (dev and prod) get other keys; adding a template to a gate's directory does not
/// change its key.
pub fn default_key(report: &ReportDoc) -> String {
    let dirs: Vec<Vec<String>> = report
        .templates
        .iter()
        .map(|t| {
            let path = repo_path(&t.path);
            let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
            parts.pop();
            parts.retain(|p| !p.is_empty() && p != ".");
            parts
        })
        .collect();
    let mut common: Vec<String> = dirs.first().cloned().unwrap_or_default();
    for dir in &dirs[1.min(dirs.len())..] {
        let same = common.iter().zip(dir).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    let mut key = if common.is_empty() {
        ".".to_string()
    } else {
        common.join("/")
    };
    let explicit = report
        .policies
        .iter()
        .chain(report.policy.iter())
        .find(|p| p.source == "explicit");
    if let Some(path) = explicit.and_then(|p| p.path.as_deref()) {
        key.push('@');
        key.push_str(&repo_path(path));
    }
    sanitize_key(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        let m = Marker {
            key: "infra/prod@prod.yaml".into(),
            sha: "abc123".into(),
            run: "2026-12-02T16:46:19Z".into(),
        };
        let body = format!("{}\n## rolegate: fail", m.render());
        assert_eq!(Marker::find(&body), Some(m.clone()));
        let older = Marker {
            run: "2026-12-02T16:00:00Z".into(),
            ..m.clone()
        };
        assert!(m.newer_than(&older));
        assert!(!older.newer_than(&m));
    }

    #[test]
    fn keys_cannot_break_the_comment() {
        assert_eq!(sanitize_key("a --> b \"c\""), "a-b-c-");
        assert_eq!(sanitize_key(""), "default");
        assert!(!Marker {
            key: "x-->".into(),
            sha: "--".into(),
            run: "\"".into()
        }
        .render()[4..]
            .trim_end_matches("-->")
            .contains("--"));
    }

    #[test]
    fn default_key_is_the_common_directory_and_explicit_policy() {
        let doc = ReportDoc::parse(
            r#"{"version":1,"verdict":"pass","templates":[{"path":"./infra/a/main.json"},{"path":"infra/b/main.json"}],
            "policies":[{"source":"explicit","path":"policies/prod.yaml","templates":[]}]}"#,
        )
        .unwrap();
        assert_eq!(default_key(&doc), "infra@policies/prod.yaml");
        let doc = ReportDoc::parse(
            r#"{"version":1,"verdict":"pass","templates":[{"path":"main.json"}]}"#,
        )
        .unwrap();
        assert_eq!(default_key(&doc), ".");
    }
}
