//! Azure DevOps (REST api-version 7.1): one PR thread per gate whose comment is updated in place,
//! closed ("fixed") when the gate passes and reactivated when it fails; a PR status with the stable
//! context genre `rolegate` and a name per gate, so branch policies can require it; and
//! `##vso[task.logissue]` / `##vso[task.complete]` logging commands. Azure DevOps Server
//! collection URLs (`https://host/tfs/Collection/`) work like `https://dev.azure.com/org/`.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::Answer;
use crate::marker::Marker;
use crate::report::{Severity, Verdict};
use crate::{Limits, Outcome, Publication, PublishError, Secret};

const API_VERSION: &str = "api-version=7.1";
/// The thread property naming the gate.
const KEY_PROPERTY: &str = "rolegate.key";
/// The status context genre every rolegate gate shares.
pub const STATUS_GENRE: &str = "rolegate";
/// Characters of a thread comment we post (the Markdown is already far below).
pub const COMMENT_LIMIT: usize = 150_000;

/// Where and as whom to post.
#[derive(Debug, Clone)]
pub struct Target {
    /// Collection URL, ending in `/`.
    pub collection: String,
    pub project: String,
    pub repository_id: String,
    /// `None` outside pull-request validation builds (then only logging commands).
    pub pull_request: Option<u64>,
    pub token: Secret,
    /// The build's results page, the status's target URL.
    pub build_url: Option<String>,
    /// The PR's source commit, recorded in the marker.
    pub source_commit: Option<String>,
    /// Directory finding paths are relative to (logging commands want absolute paths).
    pub base_dir: PathBuf,
}

impl Target {
    /// Reads `SYSTEM_COLLECTIONURI`, `SYSTEM_TEAMPROJECT`, `BUILD_REPOSITORY_ID`,
    /// `SYSTEM_PULLREQUEST_PULLREQUESTID`, `SYSTEM_ACCESSTOKEN`, `BUILD_BUILDID` and
    /// `SYSTEM_PULLREQUEST_SOURCECOMMITID`.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        base_dir: &Path,
    ) -> Result<Target, PublishError> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let pull_request = match get("SYSTEM_PULLREQUEST_PULLREQUESTID") {
            Some(id) => Some(id.trim().parse::<u64>().map_err(|_| {
                PublishError::Config(format!(
                    "SYSTEM_PULLREQUEST_PULLREQUESTID is '{id}', expected a number"
                ))
            })?),
            None => None,
        };
        let mut collection = get("SYSTEM_COLLECTIONURI").unwrap_or_default();
        if !collection.is_empty() && !collection.ends_with('/') {
            collection.push('/');
        }
        let project = get("SYSTEM_TEAMPROJECT").unwrap_or_default();
        let build_url = get("BUILD_BUILDID")
            .filter(|_| !collection.is_empty())
            .map(|id| {
                format!(
                    "{collection}{}/_build/results?buildId={}",
                    encode_segment(&project),
                    encode_segment(id.trim())
                )
            });
        Ok(Target {
            collection,
            project,
            repository_id: get("BUILD_REPOSITORY_ID").unwrap_or_default(),
            pull_request,
            token: Secret::new(get("SYSTEM_ACCESSTOKEN").unwrap_or_default()),
            build_url,
            source_commit: get("SYSTEM_PULLREQUEST_SOURCECOMMITID"),
            base_dir: base_dir.to_path_buf(),
        })
    }

    fn pull_request_url(&self, number: u64) -> String {
        format!(
            "{}{}/_apis/git/repositories/{}/pullRequests/{number}",
            self.collection,
            encode_segment(&self.project),
            encode_segment(&self.repository_id)
        )
    }
}

/// Percent-encodes one URL path segment (project names have spaces).
fn encode_segment(text: &str) -> String {
    crate::http::encode(text, false)
}

/// What to do besides the thread and status.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Print `##vso[task.logissue]` per finding and `##vso[task.complete]` (off when the caller,
    /// like the Azure DevOps task, prints its own).
    pub logging_commands: bool,
}

/// Posts `publication` to Azure DevOps. Failures to post come back as warnings.
pub async fn publish(
    target: &Target,
    publication: &Publication,
    options: Options,
    limits: Limits,
) -> Result<Outcome, PublishError> {
    let mut outcome = Outcome::default();
    let Some(number) = target.pull_request else {
        outcome.done.push(
            "not a pull-request build (no SYSTEM_PULLREQUEST_PULLREQUESTID): no PR thread or status".into(),
        );
        finish_logging(&mut outcome, target, publication, options);
        return Ok(outcome);
    };
    for (name, value) in [
        ("SYSTEM_COLLECTIONURI", &target.collection),
        ("SYSTEM_TEAMPROJECT", &target.project),
        ("BUILD_REPOSITORY_ID", &target.repository_id),
    ] {
        if value.is_empty() {
            outcome.warnings.push(format!(
                "no PR thread or status: {name} is not set (Azure Pipelines sets it)"
            ));
            finish_logging(&mut outcome, target, publication, options);
            return Ok(outcome);
        }
    }
    if target.token.is_empty() {
        outcome.warnings.push(
            "no PR thread or status: SYSTEM_ACCESSTOKEN is empty; map it in the step: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)".into(),
        );
        finish_logging(&mut outcome, target, publication, options);
        return Ok(outcome);
    }
    let api = Api::new(target, limits)?;
    let marker = Marker {
        key: publication.key.clone(),
        sha: target.source_commit.clone().unwrap_or_default(),
        run: publication.run_time.clone(),
    };
    match upsert_thread(&api, target, number, &marker, publication).await {
        Ok(line) => outcome.done.push(line),
        Err(e) => outcome.warnings.push(format!(
            "the PR thread was not posted: {e}{}",
            permission_hint(&e)
        )),
    }
    match post_status(&api, target, number, publication).await {
        Ok(line) => outcome.done.push(line),
        Err(e) => outcome.warnings.push(format!(
            "the PR status was not posted: {e}{}",
            permission_hint(&e)
        )),
    }
    finish_logging(&mut outcome, target, publication, options);
    Ok(outcome)
}

fn permission_hint(error: &PublishError) -> &'static str {
    match error.status() {
        Some(401 | 403) => {
            " (the build service identity needs 'Contribute to pull requests' on the repository)"
        }
        _ => "",
    }
}

fn finish_logging(
    outcome: &mut Outcome,
    target: &Target,
    publication: &Publication,
    options: Options,
) {
    if options.logging_commands {
        outcome
            .stdout
            .extend(logging_commands(publication, &target.base_dir));
    }
}

/// `##vso[task.logissue]` per active error and warning, then `##vso[task.complete]`.
pub fn logging_commands(publication: &Publication, base_dir: &Path) -> Vec<String> {
    let report = &publication.report;
    let mut lines = Vec::new();
    let mut warnings = false;
    for f in report.active_findings() {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => {
                warnings = true;
                "warning"
            }
            Severity::Note => continue,
        };
        // The Bicep line when there is one: the file in the pull request's diff.
        let at = f.location.shown();
        let file = base_dir.join(&at.file);
        lines.push(format!(
            "##vso[task.logissue type={kind};sourcepath={};linenumber={};columnnumber={};code={};]{}",
            escape_property(&file.display().to_string()),
            at.line,
            at.column,
            escape_property(&f.rule),
            escape_data(&format!("{} {}: {}", f.rule, f.name, at.message(&f.message)))
        ));
    }
    let (result, message) = match (report.verdict, warnings) {
        (Verdict::Fail, _) => ("Failed", "rolegate: the policy failed"),
        (Verdict::Pass, true) => ("SucceededWithIssues", "rolegate: pass, with warnings"),
        (Verdict::Pass, false) => ("Succeeded", "rolegate: pass"),
    };
    lines.push(format!("##vso[task.complete result={result};]{message}"));
    lines
}

/// Escapes the message of a logging command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a logging command (also `;` and `]`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(';', "%3B").replace(']', "%5D")
}

#[derive(Debug, Deserialize)]
struct ThreadList {
    #[serde(default)]
    value: Vec<Thread>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Thread {
    id: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    is_deleted: bool,
    #[serde(default)]
    comments: Vec<ThreadComment>,
    #[serde(default)]
    properties: Option<Value>,
}

impl Thread {
    /// The gate key this thread was created for (the `rolegate.key` property we set; the UI
    /// cannot set properties, so a marker pasted into a comment alone does not make a thread ours).
    fn key(&self) -> Option<&str> {
        let prop = self.properties.as_ref()?.get(KEY_PROPERTY)?;
        prop.get("$value")
            .and_then(Value::as_str)
            .or_else(|| prop.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadComment {
    id: u64,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    is_deleted: bool,
}

struct Api {
    client: reqwest::Client,
    token: Secret,
    limits: Limits,
}

impl Api {
    fn new(target: &Target, limits: Limits) -> Result<Api, PublishError> {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.connect)
            .timeout(limits.request)
            // Never follow a redirect with the token to wherever an answer points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rolegate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PublishError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Api {
            client,
            token: target.token.clone(),
            limits,
        })
    }

    /// One call with retries; `Ok` (the body) only for 2xx answers.
    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<String, PublishError> {
        let path = url.split('?').next().unwrap_or(url);
        let answer =
            crate::http::with_retries(&self.limits, &self.token, method.as_str(), path, || {
                self.send(&method, url, body)
            })
            .await?;
        Ok(answer.body)
    }

    async fn send(
        &self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let mut request = self
            .client
            .request(method.clone(), url)
            .bearer_auth(self.token.expose())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| describe(&e))?;
        Ok(Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

/// A transport error without the URL (it is ours and already in the message's path).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "no answer in time"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    match std::error::Error::source(error) {
        Some(source) => format!("{kind}: {}", crate::http::chain(source)),
        None => kind.to_string(),
    }
}

fn thread_status(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "fixed",
        Verdict::Fail => "active",
    }
}

async fn upsert_thread(
    api: &Api,
    target: &Target,
    number: u64,
    marker: &Marker,
    publication: &Publication,
) -> Result<String, PublishError> {
    let base = target.pull_request_url(number);
    let list_url = format!("{base}/threads?{API_VERSION}");
    let text = api.call(Method::GET, &list_url, None).await?;
    let list: ThreadList = serde_json::from_str(&text).map_err(|e| PublishError::Malformed {
        method: "GET".into(),
        path: format!("{base}/threads"),
        message: format!("not a list of threads: {e}"),
    })?;
    let mut ours: Option<(u64, u64, Option<String>, Marker)> = None;
    for thread in list
        .value
        .iter()
        .filter(|t| !t.is_deleted && t.key() == Some(marker.key.as_str()))
    {
        for comment in thread.comments.iter().filter(|c| !c.is_deleted) {
            let Some(found) = comment.content.as_deref().and_then(Marker::find) else {
                continue;
            };
            if found.key == marker.key && ours.as_ref().is_none_or(|(.., m)| found.newer_than(m)) {
                ours = Some((thread.id, comment.id, thread.status.clone(), found));
            }
        }
    }
    let content = crate::github::truncate_chars(
        &format!("{}\n{}", marker.render(), publication.markdown),
        COMMENT_LIMIT,
        "\n\n… truncated; the full report is in the build summary.\n",
    );
    let status = thread_status(publication.report.verdict);
    match ours {
        Some((.., existing)) if existing.newer_than(marker) => Ok(format!(
            "kept the PR thread of a newer run (at {}): this report is from {}",
            existing.run, marker.run
        )),
        Some((thread, comment, current, _)) => {
            api.call(
                Method::PATCH,
                &format!("{base}/threads/{thread}/comments/{comment}?{API_VERSION}"),
                Some(&json!({ "content": content })),
            )
            .await?;
            if current.as_deref() != Some(status) {
                api.call(
                    Method::PATCH,
                    &format!("{base}/threads/{thread}?{API_VERSION}"),
                    Some(&json!({ "status": status })),
                )
                .await?;
            }
            Ok(format!(
                "updated PR thread {thread} on pull request {number} ({status})"
            ))
        }
        None => {
            let created = api
                .call(
                    Method::POST,
                    &format!("{base}/threads?{API_VERSION}"),
                    Some(&json!({
                        "comments": [{"parentCommentId": 0, "content": content, "commentType": "text"}],
                        "status": status,
                        "properties": {KEY_PROPERTY: {"$type": "System.String", "$value": marker.key}},
                    })),
                )
                .await?;
            let id = serde_json::from_str::<Value>(&created)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_u64))
                .map(|id| format!(" {id}"))
                .unwrap_or_default();
            Ok(format!(
                "opened PR thread{id} on pull request {number} ({status})"
            ))
        }
    }
}

async fn post_status(
    api: &Api,
    target: &Target,
    number: u64,
    publication: &Publication,
) -> Result<String, PublishError> {
    let report = &publication.report;
    let (state, description) = match report.verdict {
        Verdict::Pass => (
            "succeeded",
            format!("rolegate: pass ({} warnings)", report.summary.warnings),
        ),
        Verdict::Fail => (
            "failed",
            format!(
                "rolegate: fail ({} errors, {} warnings)",
                report.summary.errors, report.summary.warnings
            ),
        ),
    };
    let mut body = json!({
        "state": state,
        "description": description,
        "context": {"name": publication.key, "genre": STATUS_GENRE},
    });
    if let Some(url) = &target.build_url {
        body["targetUrl"] = Value::String(url.clone());
    }
    api.call(
        Method::POST,
        &format!("{}/statuses?{API_VERSION}", target.pull_request_url(number)),
        Some(&body),
    )
    .await?;
    Ok(format!(
        "PR status {STATUS_GENRE}/{}: {state}",
        publication.key
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_logging_commands() {
        assert_eq!(escape_property("a;b]c\n100%"), "a%3Bb%5Dc%0A100%AZP25");
        assert_eq!(encode_segment("My Project"), "My%20Project");
    }

    #[test]
    fn reads_server_collection_urls() {
        let env = |k: &str| match k {
            "SYSTEM_COLLECTIONURI" => Some("https://tfs.example.com/tfs/DefaultCollection".into()),
            "SYSTEM_TEAMPROJECT" => Some("Fabrikam Fiber".into()),
            "BUILD_REPOSITORY_ID" => Some("repo-guid".into()),
            "SYSTEM_PULLREQUEST_PULLREQUESTID" => Some("17".into()),
            "BUILD_BUILDID" => Some("42".into()),
            _ => None,
        };
        let t = Target::from_env(&env, Path::new("/src")).unwrap();
        assert_eq!(
            t.pull_request_url(17),
            "https://tfs.example.com/tfs/DefaultCollection/Fabrikam%20Fiber/_apis/git/repositories/repo-guid/pullRequests/17"
        );
        assert_eq!(
            t.build_url.as_deref(),
            Some("https://tfs.example.com/tfs/DefaultCollection/Fabrikam%20Fiber/_build/results?buildId=42")
        );
    }
}
