//! GitHub: one sticky issue comment per gate, a check run with every finding as an annotation
//! (50 per request), and the job summary. Talks to `GITHUB_API_URL` (GitHub Enterprise Server's
//! `https://HOST/api/v3` works) through octocrab's client, with our own retry on top.

use std::path::PathBuf;

use http::{HeaderMap, Method};
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::Answer;
use crate::marker::Marker;
use crate::report::{repo_path, Severity};
use crate::{Limits, Outcome, Publication, PublishError, Secret};

/// GitHub limits the comment body to 65,536 characters; keep a margin for the marker.
pub const COMMENT_LIMIT: usize = 65_000;
/// GitHub keeps at most 1 MiB of job summary per step.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;
/// Annotations per check-run request (GitHub's limit).
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// Where the docs explain posting from a workflow that has a write token.
pub const FORK_HELP: &str = "docs/github-action.md#pull-requests-from-forks";

/// Where and as whom to post.
#[derive(Debug, Clone)]
pub struct Target {
    /// API root, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`.
    pub api_url: String,
    /// Web root for links, e.g. `https://github.com`.
    pub server_url: String,
    pub owner: String,
    pub repo: String,
    /// The pull request; `None` outside pull-request events (then only the summary is written).
    pub pull_request: Option<u64>,
    /// The pull request's head commit (check run, links, marker).
    pub head_sha: Option<String>,
    pub token: Secret,
    /// `GITHUB_STEP_SUMMARY`, when the summary is to be written.
    pub step_summary: Option<PathBuf>,
}

/// Values given on the command line that take precedence over the event payload.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub pull_request: Option<u64>,
    pub head_sha: Option<String>,
    /// Write the job summary (off when the caller already did).
    pub no_summary: bool,
}

impl Target {
    /// Reads `GITHUB_API_URL`, `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`
    /// (pull request number and head SHA, also from a `workflow_run` payload), `GITHUB_TOKEN` and
    /// `GITHUB_STEP_SUMMARY`.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Target, PublishError> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let token = Secret::new(get("GITHUB_TOKEN").ok_or(PublishError::MissingEnv(
            "GITHUB_TOKEN",
            "pass the workflow's token: env: GITHUB_TOKEN: ${{ github.token }}",
        ))?);
        let repository = get("GITHUB_REPOSITORY").ok_or(PublishError::MissingEnv(
            "GITHUB_REPOSITORY",
            "expected owner/repo (set by GitHub Actions)",
        ))?;
        let (owner, repo) = repository
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| {
                PublishError::Config(format!(
                    "GITHUB_REPOSITORY is '{repository}', expected owner/repo"
                ))
            })?;
        let event = match get("GITHUB_EVENT_PATH") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    PublishError::Config(format!("GITHUB_EVENT_PATH {path}: cannot read: {e}"))
                })?;
                serde_json::from_str::<Value>(&text).map_err(|e| {
                    PublishError::Config(format!("GITHUB_EVENT_PATH {path}: not JSON: {e}"))
                })?
            }
            None => Value::Null,
        };
        let pull_request = overrides
            .pull_request
            .or_else(|| event_pull_request(&event));
        let head_sha = overrides
            .head_sha
            .clone()
            .or_else(|| event_head_sha(&event))
            .filter(|s| s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()));
        let api_url = get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        let server_url = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        Ok(Target {
            api_url: api_url.trim_end_matches('/').to_string(),
            server_url: server_url.trim_end_matches('/').to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            pull_request,
            head_sha,
            token,
            step_summary: if overrides.no_summary {
                None
            } else {
                get("GITHUB_STEP_SUMMARY").map(PathBuf::from)
            },
        })
    }
}

fn event_pull_request(event: &Value) -> Option<u64> {
    event
        .pointer("/pull_request/number")
        .or_else(|| event.pointer("/workflow_run/pull_requests/0/number"))
        .or_else(|| {
            event
                .pointer("/issue/number")
                .filter(|_| event.pointer("/issue/pull_request").is_some())
        })
        .and_then(Value::as_u64)
}

fn event_head_sha(event: &Value) -> Option<String> {
    event
        .pointer("/pull_request/head/sha")
        .or_else(|| event.pointer("/workflow_run/head_sha"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A comment as far as we read it; anything else in GitHub's answer is ignored.
#[derive(Debug, Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    author_association: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl Comment {
    /// Whether the comment may be a gate's: written by a bot (the Actions token posts as
    /// github-actions[bot]) or by someone with write access (a personal token). A marker pasted by
    /// an outside contributor must not freeze or hijack the gate's comment.
    fn trusted_author(&self) -> bool {
        let bot = self
            .user
            .as_ref()
            .and_then(|u| u.kind.as_deref())
            .is_some_and(|k| k.eq_ignore_ascii_case("Bot"));
        let member = matches!(
            self.author_association.as_deref(),
            Some("OWNER" | "MEMBER" | "COLLABORATOR")
        );
        bot || member
    }
}

/// The HTTP client: octocrab's transport (auth, base URI, timeouts) plus bounded retries.
struct Api {
    gh: Octocrab,
    base: http::Uri,
    token: Secret,
    limits: Limits,
}

impl Api {
    fn new(target: &Target, limits: Limits) -> Result<Api, PublishError> {
        let base: http::Uri = target.api_url.parse().map_err(|_| {
            PublishError::Config(format!("GITHUB_API_URL '{}' is not a URL", target.api_url))
        })?;
        let gh = Octocrab::builder()
            .personal_token(target.token.expose().to_string())
            .base_uri(base.clone())
            .map_err(|e| PublishError::Config(format!("GITHUB_API_URL: {e}")))?
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .set_connect_timeout(Some(limits.connect))
            .set_read_timeout(Some(limits.request))
            .set_write_timeout(Some(limits.request))
            .build()
            .map_err(|e| PublishError::Config(format!("cannot build the GitHub client: {e}")))?;
        Ok(Api {
            gh,
            base,
            token: target.token.clone(),
            limits,
        })
    }

    /// One API call with retries; `Ok` only for 2xx answers.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, PublishError> {
        crate::http::with_retries(&self.limits, &self.token, method.as_str(), path, || {
            self.send(&method, path, body)
        })
        .await
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let result = match *method {
            Method::GET => self.gh._get(path).await,
            Method::POST => self.gh._post(path, body).await,
            Method::PATCH => self.gh._patch(path, body).await,
            _ => return Err(format!("unsupported method {method}")),
        };
        let response = result.map_err(|e| self.token.scrub(&crate::http::chain(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .gh
            .body_to_string(response)
            .await
            .map_err(|e| self.token.scrub(&crate::http::chain(&e)))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// The path and query of a `Link: <url>; rel="next"` URL, only when it points at the API
    /// host we were given: a hostile answer must not send the token elsewhere.
    fn next_page(&self, headers: &HeaderMap) -> Result<Option<String>, PublishError> {
        let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) else {
            return Ok(None);
        };
        for part in link.split(',') {
            let mut pieces = part.split(';');
            let url = pieces.next().unwrap_or("").trim();
            if !pieces.any(|p| p.trim() == "rel=\"next\"") {
                continue;
            }
            let url = url.trim_start_matches('<').trim_end_matches('>');
            let uri: http::Uri = url.parse().map_err(|_| PublishError::Malformed {
                method: "GET".into(),
                path: "Link".into(),
                message: "the next-page link is not a URL".into(),
            })?;
            if uri.authority().is_some() && uri.authority() != self.base.authority() {
                return Err(PublishError::Malformed {
                    method: "GET".into(),
                    path: "Link".into(),
                    message: "the next-page link points at another host".into(),
                });
            }
            return Ok(uri.path_and_query().map(|p| p.as_str().to_string()));
        }
        Ok(None)
    }
}

/// Posts `publication` to GitHub. Never changes the verdict: failures to post come back as
/// warnings in the outcome, except bad configuration, which is an error.
pub async fn publish(
    target: &Target,
    publication: &Publication,
    limits: Limits,
) -> Result<Outcome, PublishError> {
    let mut outcome = Outcome::default();
    if let Some(path) = &target.step_summary {
        match write_summary(path, &publication.markdown) {
            Ok(()) => outcome.done.push("wrote the job summary".into()),
            Err(e) => outcome.warnings.push(format!(
                "cannot write the job summary {}: {e}",
                path.display()
            )),
        }
    }
    let Some(number) = target.pull_request else {
        outcome.done.push(
            "no pull request in this event: no comment or check run (the report is in the job summary)".into(),
        );
        return Ok(outcome);
    };
    let api = Api::new(target, limits)?;
    let marker = Marker {
        key: publication.key.clone(),
        sha: target.head_sha.clone().unwrap_or_default(),
        run: publication.run_time.clone(),
    };
    let mut forbidden = false;
    match upsert_comment(&api, target, number, &marker, publication).await {
        Ok(line) => outcome.done.push(line),
        Err(e) if is_forbidden(&e) => {
            forbidden = true;
            outcome.warnings.push(fork_warning(number, &e));
        }
        Err(e) => outcome
            .warnings
            .push(format!("the pull request comment was not posted: {e}")),
    }
    match &target.head_sha {
        Some(sha) if !forbidden => match check_run(&api, target, sha, publication).await {
            Ok(line) => outcome.done.push(line),
            Err(e) if is_forbidden(&e) => outcome.warnings.push(format!(
                "no check run: the token may not create one (HTTP {}; the job needs `permissions: checks: write`)",
                e.status().unwrap_or(403)
            )),
            Err(e) => outcome.warnings.push(format!("the check run was not posted: {e}")),
        },
        Some(_) => {}
        None => outcome
            .warnings
            .push("no check run: the head commit is unknown (no pull_request.head.sha in the event; pass --head-sha)".into()),
    }
    Ok(outcome)
}

fn is_forbidden(error: &PublishError) -> bool {
    matches!(error.status(), Some(403))
}

fn fork_warning(number: u64, error: &PublishError) -> String {
    format!(
        "cannot post to pull request #{number}: the token is read-only (HTTP {}; pull requests from forks get a read-only GITHUB_TOKEN): publish from a workflow_run workflow instead, see {FORK_HELP}",
        error.status().unwrap_or(403)
    )
}

async fn upsert_comment(
    api: &Api,
    target: &Target,
    number: u64,
    marker: &Marker,
    publication: &Publication,
) -> Result<String, PublishError> {
    let (owner, repo) = (&target.owner, &target.repo);
    let mut path = Some(format!(
        "/repos/{owner}/{repo}/issues/{number}/comments?per_page=100"
    ));
    let mut ours: Option<(u64, Marker)> = None;
    let mut pages = 0;
    let mut seen = 0usize;
    while let Some(p) = path.take() {
        pages += 1;
        // GitHub serves at most a few thousand comments per issue; stop a hostile endless chain.
        if pages > 100 {
            return Err(PublishError::Malformed {
                method: "GET".into(),
                path: p,
                message: "more than 100 pages of comments".into(),
            });
        }
        let answer = api.call(Method::GET, &p, None).await?;
        let comments: Vec<Comment> =
            serde_json::from_str(&answer.body).map_err(|e| PublishError::Malformed {
                method: "GET".into(),
                path: p.clone(),
                message: format!("not a list of comments: {e}"),
            })?;
        seen += comments.len();
        for comment in comments.into_iter().filter(Comment::trusted_author) {
            let Some(found) = comment.body.as_deref().and_then(Marker::find) else {
                continue;
            };
            if found.key == marker.key {
                // Several (a race of two first runs): keep the newest, like reruns do.
                if ours
                    .as_ref()
                    .is_none_or(|(_, m)| found.newer_than(m) || found == *m)
                {
                    ours = Some((comment.id, found));
                }
            }
        }
        path = api.next_page(&answer.headers)?;
    }
    tracing::debug!(
        pages,
        comments = seen,
        found = ours.is_some(),
        "comments listed"
    );
    let body = comment_body(marker, publication, target);
    match ours {
        Some((_, existing)) if existing.newer_than(marker) => Ok(format!(
            "kept the comment of a newer run ({} at {}): this report is from {}",
            short(&existing.sha),
            existing.run,
            marker.run
        )),
        Some((id, _)) => {
            api.call(
                Method::PATCH,
                &format!("/repos/{owner}/{repo}/issues/comments/{id}"),
                Some(&json!({ "body": body })),
            )
            .await?;
            Ok(format!("updated the comment on pull request #{number}"))
        }
        None => {
            api.call(
                Method::POST,
                &format!("/repos/{owner}/{repo}/issues/{number}/comments"),
                Some(&json!({ "body": body })),
            )
            .await?;
            Ok(format!("commented on pull request #{number}"))
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The comment: marker, then the Markdown with finding locations linked to the head commit,
/// within GitHub's size limit.
fn comment_body(marker: &Marker, publication: &Publication, target: &Target) -> String {
    let markdown = match &target.head_sha {
        Some(sha) => link_locations(
            &publication.markdown,
            &publication.report,
            &format!(
                "{}/{}/{}/blob/{sha}",
                target.server_url, target.owner, target.repo
            ),
        ),
        None => publication.markdown.clone(),
    };
    let body = format!("{}\n{markdown}", marker.render());
    truncate_chars(
        &body,
        COMMENT_LIMIT,
        "\n\n… the report is longer than a comment may be; the full report is in the job summary and the check run.\n",
    )
}

/// Turns `` `path:line:col` `` spans naming a file of the report into links to that line at
/// `blob_root` (GitHub's `blob/<sha>/<path>#L<line>`).
pub fn link_locations(markdown: &str, report: &crate::ReportDoc, blob_root: &str) -> String {
    // Files of the repository only: the Bicep files findings map to, and the templates, but not
    // a template compiled in memory (`main.bicep (compiled)`), which no blob URL can show.
    let files: std::collections::BTreeSet<String> = report
        .findings
        .iter()
        .flat_map(|f| [f.location.shown().file, f.location.file.clone()])
        .chain(report.templates.iter().map(|t| t.path.clone()))
        .chain(
            report
                .templates
                .iter()
                .filter_map(|t| t.path.strip_suffix(" (compiled)").map(str::to_string)),
        )
        .filter(|file| !file.ends_with(" (compiled)"))
        .collect();
    let mut out = String::with_capacity(markdown.len() + 1024);
    let mut rest = markdown;
    while let Some(start) = rest.find('`') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(len) = after[1..].find('`') else {
            out.push_str(after);
            return out;
        };
        let span = &after[1..1 + len];
        let whole = &after[..len + 2];
        match parse_location(span).filter(|(file, _)| files.contains(*file)) {
            // Already inside a link's text: leave it.
            Some((file, line)) if !before.ends_with('[') => {
                out.push_str(&format!(
                    "[{whole}]({blob_root}/{}#L{line})",
                    crate::http::encode(&repo_path(file), true)
                ));
            }
            _ => out.push_str(whole),
        }
        rest = &after[len + 2..];
    }
    out.push_str(rest);
    out
}

fn parse_location(span: &str) -> Option<(&str, u64)> {
    let (head, col) = span.rsplit_once(':')?;
    let (file, line) = head.rsplit_once(':')?;
    col.parse::<u64>().ok()?;
    Some((file, line.parse().ok()?))
}

/// `text` cut to at most `limit` characters (on a line boundary when it can), `note` appended.
pub fn truncate_chars(text: &str, limit: usize, note: &str) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let keep = limit.saturating_sub(note.chars().count());
    let cut: String = text.chars().take(keep).collect();
    let cut = match cut.rfind('\n') {
        Some(i) if i > keep / 2 => cut[..i].to_string(),
        _ => cut,
    };
    cut + note
}

/// Appends the Markdown to the job summary, within GitHub's 1 MiB per step.
fn write_summary(path: &std::path::Path, markdown: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let note = "\n\n… the report is longer than a job summary may be (1 MiB); the full report is in the job log.\n";
    let mut text = markdown.to_string();
    if text.len() > SUMMARY_LIMIT {
        let mut end = SUMMARY_LIMIT - note.len();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(note);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

/// The check run's name for a gate.
pub fn check_name(key: &str) -> String {
    if key == "." {
        "rolegate".into()
    } else {
        format!("rolegate ({key})")
    }
}

async fn check_run(
    api: &Api,
    target: &Target,
    sha: &str,
    publication: &Publication,
) -> Result<String, PublishError> {
    let report = &publication.report;
    let annotations: Vec<Value> = report
        .active_findings()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "failure",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            // The Bicep line when there is one, so the annotation lands in the PR's diff.
            let at = f.location.shown();
            let line = at.line.max(1);
            json!({
                "path": repo_path(&at.file),
                "start_line": line,
                "end_line": line,
                "start_column": at.column.max(1),
                "end_column": at.column.max(1),
                "annotation_level": level,
                "title": format!("{} {}", f.rule, f.name).trim().to_string(),
                "message": truncate_chars(&at.message(&f.message), 60_000, " …"),
            })
        })
        .collect();
    let title = match report.verdict {
        crate::report::Verdict::Pass => format!(
            "pass: {} errors, {} warnings",
            report.summary.errors, report.summary.warnings
        ),
        crate::report::Verdict::Fail => format!(
            "fail: {} errors, {} warnings",
            report.summary.errors, report.summary.warnings
        ),
    };
    let summary = format!(
        "rolegate gate `{}`: **{}** ({} findings as annotations)",
        publication.key,
        title,
        annotations.len()
    );
    let text = truncate_chars(
        &publication.markdown,
        65_000,
        "\n\n… truncated; the full report is in the job summary.\n",
    );
    let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
    let first: Vec<Value> = batches.next().map(<[Value]>::to_vec).unwrap_or_default();
    let conclusion = match report.verdict {
        crate::report::Verdict::Pass => "success",
        crate::report::Verdict::Fail => "failure",
    };
    let (owner, repo) = (&target.owner, &target.repo);
    let created = api
        .call(
            Method::POST,
            &format!("/repos/{owner}/{repo}/check-runs"),
            Some(&json!({
                "name": check_name(&publication.key),
                "head_sha": sha,
                "status": "completed",
                "conclusion": conclusion,
                "output": {"title": title, "summary": summary, "text": text, "annotations": first},
            })),
        )
        .await?;
    let id = serde_json::from_str::<Value>(&created.body)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_u64))
        .ok_or_else(|| PublishError::Malformed {
            method: "POST".into(),
            path: format!("/repos/{owner}/{repo}/check-runs"),
            message: "no check run id in the answer".into(),
        })?;
    let mut requests = 1;
    for batch in batches {
        // Annotations of an update are appended to the run's.
        api.call(
            Method::PATCH,
            &format!("/repos/{owner}/{repo}/check-runs/{id}"),
            Some(&json!({
                "output": {"title": title, "summary": summary, "annotations": batch},
            })),
        )
        .await?;
        requests += 1;
    }
    Ok(format!(
        "check run '{}' on {}: {conclusion}, {} annotations in {requests} requests",
        check_name(&publication.key),
        short(sha),
        annotations.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_report_locations_only() {
        let report = crate::ReportDoc::parse(
            r#"{"version":1,"verdict":"fail","templates":[{"path":"infra/main.json"}],
            "findings":[{"rule":"RA002","name":"x","severity":"error","message":"m","location":{"file":"infra/main.json","line":12,"column":3,"pointer":""}}]}"#,
        )
        .unwrap();
        let md = "at `infra/main.json:12:3` and `other.json:1:1` and `code`";
        assert_eq!(
            link_locations(md, &report, "https://github.com/o/r/blob/abc"),
            "at [`infra/main.json:12:3`](https://github.com/o/r/blob/abc/infra/main.json#L12) and `other.json:1:1` and `code`"
        );
    }

    #[test]
    fn the_job_summary_stays_within_one_mebibyte() {
        let path = std::env::temp_dir().join(format!("rolegate-summary-{}.md", std::process::id()));
        std::fs::write(&path, "").unwrap();
        // Multi-byte characters: the cut must land on a character boundary.
        write_summary(&path, &"é finding\n".repeat(200_000)).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.len() <= SUMMARY_LIMIT + 1, "{}", written.len());
        assert!(written.contains("longer than a job summary may be"));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn truncates_within_the_limit() {
        let long = "line\n".repeat(20_000);
        let cut = truncate_chars(&long, 65_000, "\n… cut\n");
        assert!(cut.chars().count() <= 65_000);
        assert!(cut.ends_with("… cut\n"));
    }
}
