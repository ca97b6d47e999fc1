//! The evidence pack for auditors (PCI, SOX): which identities got which roles where, judged by which
//! policy (by digest), at which commit. JSON, versioned like the report.

use serde::{Deserialize, Serialize};

use crate::model::{
    fails, severity_name, ContextInfo, GrantRow, IdentityRow, PolicyGroup, PolicyInfo, Report,
    TemplateInfo, ToolInfo, Verdict, SCHEMA_VERSION,
};

/// The commit a run judged, from the CI environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// Commit SHA.
    pub sha: String,
    /// The environment variable it came from (`GITHUB_SHA`, `BUILD_SOURCEVERSION`, ...).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The CI run that produced the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

impl CommitInfo {
    /// Reads GitHub Actions, Azure Pipelines or GitLab variables through `env` (testable); `None`
    /// outside CI.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Option<CommitInfo> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        if let Some(sha) = get("GITHUB_SHA") {
            let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            let repository = get("GITHUB_REPOSITORY").map(|r| format!("{server}/{r}"));
            let run = match (&repository, get("GITHUB_RUN_ID")) {
                (Some(repo), Some(id)) => Some(format!("{repo}/actions/runs/{id}")),
                _ => None,
            };
            return Some(CommitInfo {
                sha,
                source: "GITHUB_SHA".into(),
                repository,
                run,
            });
        }
        if let Some(sha) = get("BUILD_SOURCEVERSION") {
            return Some(CommitInfo {
                sha,
                source: "BUILD_SOURCEVERSION".into(),
                repository: get("BUILD_REPOSITORY_URI"),
                run: get("BUILD_BUILDID").map(|id| format!("build {id}")),
            });
        }
        if let Some(sha) = get("CI_COMMIT_SHA") {
            return Some(CommitInfo {
                sha,
                source: "CI_COMMIT_SHA".into(),
                repository: get("CI_PROJECT_URL"),
                run: get("CI_PIPELINE_URL"),
            });
        }
        None
    }
}

/// A finding as the evidence pack records it: which rule, where, and whether an exception covered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFinding {
    pub rule: String,
    pub severity: String,
    pub location: String,
    /// The resource the location lies in, as module path and name (`secrets/kvAccess`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub fails_gate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

/// The evidence pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub version: u32,
    /// Always `rolegate-evidence`, so files can be told apart.
    pub kind: String,
    pub tool: ToolInfo,
    pub commit: Option<CommitInfo>,
    pub verdict: Verdict,
    pub policy: PolicyInfo,
    /// Every policy that judged, with its templates (see [`Report::policies`]).
    #[serde(default)]
    pub policies: Vec<PolicyGroup>,
    pub context: ContextInfo,
    pub templates: Vec<TemplateInfo>,
    pub identities: Vec<IdentityRow>,
    pub grants: Vec<GrantRow>,
    pub findings: Vec<EvidenceFinding>,
}

impl Evidence {
    /// Extracts the evidence from a report.
    pub fn new(report: &Report, commit: Option<CommitInfo>) -> Evidence {
        Evidence {
            version: SCHEMA_VERSION,
            kind: "rolegate-evidence".into(),
            tool: report.tool.clone(),
            commit,
            verdict: report.verdict,
            policy: report.policy.clone(),
            policies: report.policies.clone(),
            context: report.context.clone(),
            templates: report.templates.clone(),
            identities: report.identities.clone(),
            grants: report.grants.clone(),
            findings: report
                .findings
                .iter()
                .map(|f| EvidenceFinding {
                    rule: f.rule.clone(),
                    severity: severity_name(f.severity).into(),
                    location: f.location.to_string(),
                    resource: f.resource.as_ref().map(|r| r.qualified_name()),
                    fails_gate: fails(f, report.fail_on),
                    exception: f.suppressed.as_ref().map(|s| {
                        format!("{} (owner {}, expires {})", s.reason, s.owner, s.expires)
                    }),
                })
                .collect(),
        }
    }
}

/// Renders the evidence pack as pretty JSON.
pub fn render(report: &Report, commit: Option<CommitInfo>) -> String {
    serde_json::to_string_pretty(&Evidence::new(report, commit)).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_comes_from_the_ci_environment() {
        let github = |k: &str| match k {
            "GITHUB_SHA" => Some("abc".to_string()),
            "GITHUB_REPOSITORY" => Some("o/r".to_string()),
            "GITHUB_RUN_ID" => Some("7".to_string()),
            _ => None,
        };
        let c = CommitInfo::from_env(github).unwrap();
        assert_eq!(c.sha, "abc");
        assert_eq!(
            c.run.as_deref(),
            Some("https://github.com/o/r/actions/runs/7")
        );
        let ado = |k: &str| (k == "BUILD_SOURCEVERSION").then(|| "def".to_string());
        assert_eq!(
            CommitInfo::from_env(ado).unwrap().source,
            "BUILD_SOURCEVERSION"
        );
        assert_eq!(CommitInfo::from_env(|_| Some(" ".into())), None);
    }
}
