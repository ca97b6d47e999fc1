//! Fakes of GitHub's and Azure DevOps' REST APIs on 127.0.0.1 (wiremock), with state, so the
//! publish tests run the real `rolegate` binary against them and read what they received.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "ghs_TOPSECRETtoken0123456789abcdef";
pub const ADO_TOKEN: &str = "adoSECRETpat0123456789abcdefghijkl";
pub const HEAD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub auth: Option<String>,
    pub body: Value,
}

/// A canned answer served before the normal one, for the first `times` matching requests.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    pub path_prefix: String,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub times: usize,
}

#[derive(Debug, Default)]
pub struct GitHubState {
    /// (id, body, login)
    pub comments: Vec<(u64, String, String)>,
    pub next_id: u64,
    pub check_runs: Vec<Value>,
    pub check_run_updates: Vec<Value>,
    pub seen: Vec<Seen>,
    pub faults: VecDeque<Fault>,
    /// Every write answers 403, as to a fork's read-only token.
    pub read_only: bool,
    pub base: String,
}

#[derive(Clone)]
pub struct FakeGitHub(pub Arc<Mutex<GitHubState>>);

fn seen(request: &Request) -> Seen {
    Seen {
        method: request.method.to_string(),
        path: request.url.path().to_string(),
        query: request.url.query().unwrap_or("").to_string(),
        auth: request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
    }
}

fn take_fault(faults: &mut VecDeque<Fault>, method: &str, path: &str) -> Option<ResponseTemplate> {
    let index = faults
        .iter()
        .position(|f| f.method == method && path.starts_with(&f.path_prefix))?;
    let fault = &mut faults[index];
    let mut template = ResponseTemplate::new(fault.status).set_body_string(fault.body.clone());
    for (k, v) in &fault.headers {
        template = template.insert_header(*k, v.as_str());
    }
    fault.times -= 1;
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(template)
}

fn comment_json(base: &str, id: u64, body: &str, login: &str) -> Value {
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("{base}/repos/o/r/issues/comments/{id}"),
        "html_url": format!("https://github.com/o/r/pull/7#issuecomment-{id}"),
        "body": body,
        "user": {"login": login, "id": 1, "node_id": "U_1", "avatar_url": "", "gravatar_id": "",
                 "url": "", "html_url": "", "followers_url": "", "following_url": "", "gists_url": "",
                 "starred_url": "", "subscriptions_url": "", "organizations_url": "", "repos_url": "",
                 "events_url": "", "received_events_url": "", "type": if login.ends_with("[bot]") {"Bot"} else {"User"}, "site_admin": false},
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
        "author_association": "NONE"
    })
}

impl Respond for FakeGitHub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let seen = seen(request);
        let method = seen.method.clone();
        // GitHub Enterprise Server serves the same API under /api/v3.
        let (prefix, path) = match seen.path.strip_prefix("/api/v3") {
            Some(rest) => ("/api/v3", rest.to_string()),
            None => ("", seen.path.clone()),
        };
        s.seen.push(seen.clone());
        if let Some(fault) = take_fault(&mut s.faults, &method, &path) {
            return fault;
        }
        if s.read_only && method != "GET" {
            return ResponseTemplate::new(403).set_body_json(json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
            }));
        }
        let base = format!("{}{prefix}", s.base);
        match (method.as_str(), path.as_str()) {
            ("GET", "/repos/o/r/issues/7/comments") => {
                let params: Vec<(String, String)> = request
                    .url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let get = |name: &str| {
                    params
                        .iter()
                        .find(|(k, _)| k == name)
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                };
                let per_page = get("per_page").unwrap_or(30).min(100);
                let page = get("page").unwrap_or(1).max(1);
                let start = (page - 1) * per_page;
                let items: Vec<Value> = s
                    .comments
                    .iter()
                    .skip(start)
                    .take(per_page)
                    .map(|(id, body, login)| comment_json(&base, *id, body, login))
                    .collect();
                let mut template = ResponseTemplate::new(200).set_body_json(Value::Array(items));
                let last = s.comments.len().div_ceil(per_page).max(1);
                if page < last {
                    template = template.insert_header(
                        "link",
                        format!(
                            "<{base}/repos/o/r/issues/7/comments?per_page={per_page}&page={}>; rel=\"next\", <{base}/repos/o/r/issues/7/comments?per_page={per_page}&page={last}>; rel=\"last\"",
                            page + 1
                        )
                        .as_str(),
                    );
                }
                template
            }
            ("POST", "/repos/o/r/issues/7/comments") => {
                s.next_id += 1;
                let id = s.next_id;
                let body = seen.body["body"].as_str().unwrap_or("").to_string();
                s.comments
                    .push((id, body.clone(), "github-actions[bot]".into()));
                ResponseTemplate::new(201).set_body_json(comment_json(
                    &base,
                    id,
                    &body,
                    "github-actions[bot]",
                ))
            }
            ("PATCH", p) if p.starts_with("/repos/o/r/issues/comments/") => {
                let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
                let body = seen.body["body"].as_str().unwrap_or("").to_string();
                match s.comments.iter_mut().find(|c| c.0 == id) {
                    Some(c) => {
                        c.1 = body.clone();
                        ResponseTemplate::new(200).set_body_json(comment_json(
                            &base,
                            id,
                            &body,
                            "github-actions[bot]",
                        ))
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                    }
                }
            }
            ("POST", "/repos/o/r/check-runs") => {
                s.check_runs.push(seen.body.clone());
                ResponseTemplate::new(201).set_body_json(json!({
                    "id": 555, "head_sha": seen.body["head_sha"], "name": seen.body["name"],
                    "status": "completed", "conclusion": seen.body["conclusion"]
                }))
            }
            ("PATCH", "/repos/o/r/check-runs/555") => {
                s.check_run_updates.push(seen.body.clone());
                ResponseTemplate::new(200).set_body_json(json!({"id": 555}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
        }
    }
}

pub async fn github() -> (MockServer, FakeGitHub) {
    let server = MockServer::start().await;
    let fake = FakeGitHub(Arc::new(Mutex::new(GitHubState {
        next_id: 1000,
        base: server.uri(),
        ..Default::default()
    })));
    Mock::given(any())
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    (server, fake)
}

#[derive(Debug, Default)]
pub struct AdoState {
    /// Threads as Azure DevOps returns them.
    pub threads: Vec<Value>,
    pub statuses: Vec<Value>,
    pub seen: Vec<Seen>,
    pub faults: VecDeque<Fault>,
}

#[derive(Clone)]
pub struct FakeAdo(pub Arc<Mutex<AdoState>>);

pub const ADO_PR: &str = "/fabrikam/My%20Project/_apis/git/repositories/repo-1/pullRequests/42";

impl Respond for FakeAdo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let seen = seen(request);
        s.seen.push(seen.clone());
        let (method, path) = (seen.method.clone(), seen.path.clone());
        if let Some(fault) = take_fault(&mut s.faults, &method, &path) {
            return fault;
        }
        if !seen.query.contains("api-version=7.1") {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"message": "api-version missing"}));
        }
        let Some(rest) = path.strip_prefix(ADO_PR) else {
            return ResponseTemplate::new(404)
                .set_body_json(json!({"message": "no such pull request"}));
        };
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["threads"]) => {
                let count = s.threads.len();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"value": s.threads, "count": count}))
            }
            ("POST", ["threads"]) => {
                let id = 100 + s.threads.len() as u64;
                let content = seen.body["comments"][0]["content"].clone();
                let thread = json!({
                    "id": id, "status": seen.body["status"], "isDeleted": false,
                    "properties": seen.body["properties"],
                    "comments": [{"id": 1, "parentCommentId": 0, "content": content, "commentType": "text",
                                  "author": {"displayName": "Project Collection Build Service"}, "isDeleted": false}]
                });
                s.threads.push(thread.clone());
                ResponseTemplate::new(200).set_body_json(thread)
            }
            ("PATCH", ["threads", tid]) => {
                let tid: u64 = tid.parse().unwrap_or(0);
                let status = seen.body["status"].clone();
                match s.threads.iter_mut().find(|t| t["id"] == tid) {
                    Some(t) => {
                        t["status"] = status;
                        ResponseTemplate::new(200).set_body_json(t.clone())
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "no thread"}))
                    }
                }
            }
            ("PATCH", ["threads", tid, "comments", cid]) => {
                let tid: u64 = tid.parse().unwrap_or(0);
                let cid: u64 = cid.parse().unwrap_or(0);
                let content = seen.body["content"].clone();
                let thread = s.threads.iter_mut().find(|t| t["id"] == tid);
                let comment = thread.and_then(|t| {
                    t["comments"]
                        .as_array_mut()
                        .and_then(|cs| cs.iter_mut().find(|c| c["id"] == cid))
                });
                match comment {
                    Some(c) => {
                        c["content"] = content;
                        ResponseTemplate::new(200).set_body_json(c.clone())
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "no comment"}))
                    }
                }
            }
            ("POST", ["statuses"]) => {
                let mut status = seen.body.clone();
                status["id"] = json!(s.statuses.len() + 1);
                s.statuses.push(status.clone());
                ResponseTemplate::new(200).set_body_json(status)
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "unknown route"})),
        }
    }
}

pub async fn azure_devops() -> (MockServer, FakeAdo) {
    let server = MockServer::start().await;
    let fake = FakeAdo(Arc::new(Mutex::new(AdoState::default())));
    Mock::given(any())
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    (server, fake)
}

/// The repository root (tests run in crates/cli).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `rolegate` with a clean environment (no CI variables of the machine running the tests).
pub fn rolegate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolegate"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .current_dir(repo_root());
    cmd
}

/// The GitHub Actions environment of a pull_request run against `server`.
pub fn github_env(cmd: &mut Command, api: &str, dir: &Path) {
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        json!({"pull_request": {"number": 7, "head": {"sha": HEAD_SHA}}}).to_string(),
    )
    .unwrap();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"));
}

/// The Azure Pipelines environment of a PR validation build against `server`.
pub fn ado_env(cmd: &mut Command, collection: &str) {
    cmd.env("TF_BUILD", "True")
        .env("SYSTEM_COLLECTIONURI", format!("{collection}/fabrikam/"))
        .env("SYSTEM_TEAMPROJECT", "My Project")
        .env("BUILD_REPOSITORY_ID", "repo-1")
        .env("SYSTEM_PULLREQUEST_PULLREQUESTID", "42")
        .env("SYSTEM_PULLREQUEST_SOURCECOMMITID", HEAD_SHA)
        .env("BUILD_BUILDID", "314")
        .env("SYSTEM_ACCESSTOKEN", ADO_TOKEN);
}

/// A schema-shaped JSON report with `findings` errors (in two files), for `publish`.
pub fn report_json(verdict: &str, findings: usize) -> String {
    let items: Vec<Value> = (0..findings)
        .map(|i| {
            json!({
                "rule": "RA002", "name": "privileged-role", "severity": "error",
                "message": format!("finding number {i}"),
                "location": {"file": if i % 2 == 0 { "infra/app/main.json" } else { "infra/app/nested.json" },
                             "line": i + 1, "column": 3, "pointer": format!("/resources/{i}")}
            })
        })
        .collect();
    json!({
        "version": 1,
        "tool": {"name": "rolegate", "version": "0.1.0", "information_uri": "https://github.com/rolegate/rolegate"},
        "verdict": verdict, "fail_on": "error",
        "summary": {"templates": 1, "identities": 1, "grants": 1, "errors": findings, "warnings": 0, "notes": 0, "suppressed": 0, "failing": findings},
        "policy": {"source": "discovered", "path": "infra/rolegate.yaml", "digest": format!("sha256:{}", "0".repeat(64))},
        "policies": [{"source": "discovered", "path": "infra/rolegate.yaml", "digest": format!("sha256:{}", "0".repeat(64)), "templates": ["infra/app/main.json"]}],
        "context": {"subscription_id": "s", "resource_group": "g", "location": "l", "tenant_id": "t", "management_group": "m", "deployment_name": "d", "placeholders": []},
        "templates": [{"path": "infra/app/main.json", "parameter_files": [], "resources": 2}],
        "findings": items
    })
    .to_string()
}

/// Runs the command off the async runtime's worker threads, so the fake keeps answering.
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("rolegate runs"))
        .await
        .unwrap()
}

pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
