//! `rolegate publish github` and `check --publish github` against a fake GitHub REST API on
//! 127.0.0.1 that keeps comments and check runs and records every request.

mod support;

use std::time::Instant;

use support::*;

fn existing_comments(fake: &FakeGitHub, n: u64) {
    let mut s = fake.0.lock().unwrap();
    for i in 0..n {
        let body = if i == 30 {
            // An outside contributor pasting the gate's marker with a far-future run time: ignored,
            // or it would freeze the gate's comment.
            "<!-- rolegate:gate key=\"infra/app\" sha=\"abc\" run=\"2099-01-01T00:00:00Z\" -->\n## rolegate: PASS".to_string()
        } else if i == 60 {
            // Another gate's comment in the same PR: never touched.
            "<!-- rolegate:gate key=\"prod\" sha=\"abc\" run=\"2026-01-01T00:00:00Z\" -->\n## rolegate: PASS".to_string()
        } else {
            format!("review comment {i}")
        };
        s.comments.push((i + 1, body, format!("reviewer{}", i % 5)));
    }
}

fn publish_cmd(
    api: &str,
    dir: &std::path::Path,
    report: &str,
    extra: &[&str],
) -> std::process::Command {
    let json = dir.join(format!(
        "report-{}.json",
        extra.join("-").replace(['/', ':'], "_")
    ));
    std::fs::write(&json, report).unwrap();
    let mut cmd = rolegate();
    github_env(&mut cmd, api, dir);
    cmd.arg("publish")
        .arg("github")
        .arg("--json")
        .arg(&json)
        .args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_creates_one_comment_among_120_and_a_rerun_edits_it() {
    let (server, fake) = github().await;
    existing_comments(&fake, 120);
    let dir = tempdir();
    let report = report_json("fail", 3);

    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report,
        &["--run-time", "2026-12-02T10:00:00Z"],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the report's verdict is the exit code: {stderr}"
    );
    {
        let s = fake.0.lock().unwrap();
        // All comments were read: two pages of 100.
        let lists: Vec<&Seen> = s.seen.iter().filter(|r| r.method == "GET").collect();
        assert_eq!(lists.len(), 2, "{lists:?}");
        assert!(lists[1].query.contains("page=2"));
        assert_eq!(s.comments.len(), 121);
        let posts = s
            .seen
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/issues/7/comments"))
            .count();
        assert_eq!(posts, 1);
        let ours = &s.comments[120].1;
        assert!(ours.starts_with(&format!(
            "<!-- rolegate:gate key=\"infra/app\" sha=\"{HEAD_SHA}\" run=\"2026-12-02T10:00:00Z\" -->"
        )), "{ours}");
        assert!(ours.contains("finding number 2"));
        // Locations link to the head commit.
        assert!(
            ours.contains(&format!(
                "(https://github.example/o/r/blob/{HEAD_SHA}/infra/app/main.json#L1)"
            )),
            "{ours}"
        );
        // The token went to the API, as a bearer token.
        assert!(s
            .seen
            .iter()
            .all(|r| r.auth.as_deref() == Some(&format!("Bearer {TOKEN}") as &str)));
        assert!(s.comments[60].1.contains("key=\"prod\""));
    }
    assert!(stderr.contains("commented on pull request #7"), "{stderr}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("finding number 0"));

    // Rerun, later: the same comment is edited, nothing is added.
    let report = report_json("pass", 0);
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report,
        &["--run-time", "2026-12-02T11:00:00Z"],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let s = fake.0.lock().unwrap();
    assert_eq!(s.comments.len(), 121, "no duplicate comment");
    let patches: Vec<&Seen> = s
        .seen
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/issues/comments/"))
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].path, "/repos/o/r/issues/comments/1001");
    assert!(s.comments[120].1.contains("run=\"2026-12-02T11:00:00Z\""));
    assert!(s.comments[120].1.contains("PASS"));
    assert!(
        s.comments[60].1.contains("2026-01-01"),
        "the other gate's comment is untouched"
    );
    assert!(
        s.comments[30].1.contains("2099"),
        "the pasted marker is not ours: untouched"
    );
    assert!(stderr.contains("updated the comment"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_run_does_not_overwrite_a_newer_runs_comment() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let newer = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("pass", 0),
        &["--run-time", "2026-12-02T12:00:00Z"],
    ))
    .await;
    assert_eq!(newer.status.code(), Some(0));
    let older = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 2),
        &["--run-time", "2026-12-02T09:00:00Z"],
    ))
    .await;
    let (_, stderr) = text(&older);
    assert_eq!(older.status.code(), Some(1), "verdict unchanged: {stderr}");
    assert!(
        stderr.contains("kept the comment of a newer run"),
        "{stderr}"
    );
    let s = fake.0.lock().unwrap();
    assert_eq!(s.comments.len(), 1);
    assert!(s.comments[0].1.contains("2026-12-02T12:00:00Z"));
    assert!(!s
        .seen
        .iter()
        .any(|r| r.method == "PATCH" && r.path.contains("/issues/comments/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_twenty_findings_make_three_annotation_batches() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 120),
        &[],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = fake.0.lock().unwrap();
    assert_eq!(s.check_runs.len(), 1);
    let run = &s.check_runs[0];
    assert_eq!(run["head_sha"], HEAD_SHA);
    assert_eq!(run["conclusion"], "failure");
    assert_eq!(run["name"], "rolegate (infra/app)");
    let mut batches = vec![run["output"]["annotations"].as_array().unwrap().len()];
    batches.extend(
        s.check_run_updates
            .iter()
            .map(|u| u["output"]["annotations"].as_array().unwrap().len()),
    );
    assert_eq!(batches, vec![50, 50, 20]);
    let mut messages: Vec<String> = std::iter::once(run)
        .chain(s.check_run_updates.iter())
        .flat_map(|r| r["output"]["annotations"].as_array().unwrap().clone())
        .map(|a| a["message"].as_str().unwrap().to_string())
        .collect();
    messages.sort();
    messages.dedup();
    assert_eq!(messages.len(), 120, "every finding once");
    let first = &run["output"]["annotations"][0];
    assert_eq!(first["path"], "infra/app/main.json");
    assert_eq!(first["annotation_level"], "failure");
    assert_eq!(first["start_line"], 1);
    assert!(stderr.contains("120 annotations in 3 requests"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forks_read_only_token_degrades_to_one_warning_and_keeps_the_verdict() {
    let (server, fake) = github().await;
    fake.0.lock().unwrap().read_only = true;
    let dir = tempdir();
    // check --publish on a failing example: exit 1 (the verdict), not 0 and not 2.
    let mut cmd = rolegate();
    github_env(&mut cmd, &server.uri(), &dir);
    cmd.args([
        "check",
        "examples/payment-reconciliation/bad/main.json",
        "-p",
        "examples/payment-reconciliation/bad/main.parameters.json",
        "--publish",
        "auto",
    ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("RA002"), "the report is still printed");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("read-only") && warnings[0].contains("workflow_run"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("403"));
    // Nothing was written, and no second write was tried after the 403.
    {
        let s = fake.0.lock().unwrap();
        assert!(s.comments.is_empty());
        assert_eq!(s.seen.iter().filter(|r| r.method != "GET").count(), 1);
    }

    // A passing gate stays a pass.
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("pass", 0),
        &[],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_and_a_429_with_retry_after_are_retried() {
    let (server, fake) = github().await;
    {
        let mut s = fake.0.lock().unwrap();
        s.faults.push_back(Fault {
            method: "POST",
            path_prefix: "/repos/o/r/issues/7/comments".into(),
            status: 502,
            headers: vec![],
            body: "<html>Bad gateway</html>".into(),
            times: 1,
        });
        s.faults.push_back(Fault {
            method: "POST",
            path_prefix: "/repos/o/r/check-runs".into(),
            status: 429,
            headers: vec![("retry-after", "2".into())],
            body: r#"{"message":"You have exceeded a secondary rate limit"}"#.into(),
            times: 1,
        });
    }
    let dir = tempdir();
    let started = Instant::now();
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 1),
        &[],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    let s = fake.0.lock().unwrap();
    assert_eq!(s.comments.len(), 1);
    assert_eq!(s.check_runs.len(), 1);
    let check_posts: Vec<&Seen> = s
        .seen
        .iter()
        .filter(|r| r.path == "/repos/o/r/check-runs")
        .collect();
    assert_eq!(check_posts.len(), 2, "one 429, one retry");
    // Retry-After: 2 was honoured (plus the 502's own backoff of 1 s).
    assert!(
        started.elapsed().as_secs_f64() >= 3.0,
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_are_bounded_and_a_failure_is_a_warning() {
    let (server, fake) = github().await;
    fake.0.lock().unwrap().faults.push_back(Fault {
        method: "GET",
        path_prefix: "/repos/o/r/issues/7/comments".into(),
        status: 503,
        headers: vec![],
        body: "unavailable".into(),
        times: 100,
    });
    let dir = tempdir();
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("pass", 0),
        &[],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: the pull request comment was not posted")
            && stderr.contains("503"),
        "{stderr}"
    );
    let s = fake.0.lock().unwrap();
    assert_eq!(
        s.seen.iter().filter(|r| r.method == "GET").count(),
        4,
        "four attempts, then give up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_answers_are_errors_with_a_message() {
    let (server, fake) = github().await;
    fake.0.lock().unwrap().faults.push_back(Fault {
        method: "GET",
        path_prefix: "/repos/o/r/issues/7/comments".into(),
        status: 200,
        headers: vec![(
            "link",
            "<https://evil.example/steal?page=2>; rel=\"next\"".into(),
        )],
        body: "[]".into(),
        times: 1,
    });
    let dir = tempdir();
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 1),
        &[],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another host"), "{stderr}");
    assert!(!stderr.contains("panicked"));

    fake.0.lock().unwrap().faults.push_back(Fault {
        method: "GET",
        path_prefix: "/repos/o/r/issues/7/comments".into(),
        status: 200,
        headers: vec![],
        body: "{\"not\": \"a list\"".into(),
        times: 1,
    });
    let out = run(publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 1),
        &["--no-summary"],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("not a list of comments"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_never_printed_even_at_trace() {
    let (server, fake) = github().await;
    fake.0.lock().unwrap().faults.push_back(Fault {
        method: "POST",
        path_prefix: "/repos/o/r/issues/7/comments".into(),
        status: 422,
        headers: vec![],
        // A hostile answer that echoes the token back.
        body: format!("{{\"message\":\"bad credentials {TOKEN}\"}}"),
        times: 1,
    });
    let dir = tempdir();
    for (extra, log) in [
        (vec!["-vvv"], "trace"),
        (vec![], "trace,hyper=trace,octocrab=trace"),
    ] {
        let mut cmd = publish_cmd(&server.uri(), &dir, &report_json("fail", 2), &extra);
        cmd.env("RUST_LOG", log).env("ROLEGATE_LOG", log);
        let out = run(cmd).await;
        let (stdout, stderr) = text(&out);
        assert!(
            stderr.contains("TRACE") || stderr.contains("DEBUG"),
            "{stderr}"
        );
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "token printed:\n{stdout}\n{stderr}"
        );
        assert!(!stdout.contains(&TOKEN[4..20]) && !stderr.contains(&TOKEN[4..20]));
    }
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(!summary.contains(TOKEN));
    let s = fake.0.lock().unwrap();
    assert!(s.comments.iter().all(|c| !c.1.contains(TOKEN)));
    // The 422 was reported, scrubbed.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_run_payloads_and_ghes_urls_work() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let json = dir.join("report.json");
    std::fs::write(&json, report_json("fail", 1)).unwrap();
    let event = dir.join("workflow_run.json");
    std::fs::write(
        &event,
        serde_json::json!({"workflow_run": {"head_sha": HEAD_SHA, "run_started_at": "2026-12-02T08:00:00Z", "pull_requests": []}}).to_string(),
    )
    .unwrap();
    let mut cmd = rolegate();
    github_env(&mut cmd, &format!("{}/api/v3", server.uri()), &dir);
    cmd.env("GITHUB_EVENT_PATH", &event);
    // A fork's workflow_run has no pull_requests: the number comes from the artifact.
    cmd.args([
        "publish",
        "github",
        "--pull-request",
        "7",
        "--comment-key",
        "prod gate",
        "--json",
    ])
    .arg(&json);
    let out = run(cmd).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = fake.0.lock().unwrap();
    // GitHub Enterprise Server: every request under /api/v3.
    assert!(
        s.seen.iter().all(|r| r.path.starts_with("/api/v3/")),
        "{:?}",
        s.seen
    );
    assert_eq!(s.comments.len(), 1);
    // The run time of the workflow that computed the report, and the key as given (sanitized).
    assert!(
        s.comments[0].1.starts_with(&format!("<!-- rolegate:gate key=\"prod-gate\" sha=\"{HEAD_SHA}\" run=\"2026-12-02T08:00:00Z\" -->")),
        "{}",
        s.comments[0].1
    );
    assert_eq!(s.check_runs[0]["name"], "rolegate (prod-gate)");
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rolegate-publish-gh-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_times_out_instead_of_hanging_the_job() {
    let (server, fake) = github().await;
    let dir = tempdir();
    // Answers after 30 s; the client gives up on each attempt after 1 s.
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let mut cmd = publish_cmd(
        &server.uri(),
        &dir,
        &report_json("fail", 1),
        &["--no-summary"],
    );
    cmd.env("ROLEGATE_HTTP_TIMEOUT", "1");
    let started = Instant::now();
    let out = run(cmd).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("warning: the pull request comment was not posted"),
        "{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 25,
        "bounded: {:?}",
        started.elapsed()
    );
    let _ = fake;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_report_is_cut_to_githubs_comment_limit() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let md = dir.join("long.md");
    std::fs::write(&md, "- ❌ **RA002** a finding line\n".repeat(10_000)).unwrap();
    let mut cmd = publish_cmd(&server.uri(), &dir, &report_json("fail", 1), &[]);
    cmd.arg("--markdown").arg(&md);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    let s = fake.0.lock().unwrap();
    let body = &s.comments[0].1;
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.contains("longer than a comment may be"));
    assert!(
        body.starts_with("<!-- rolegate:gate "),
        "the marker survives the cut"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_format_json_stdout_is_the_report_alone() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let mut cmd = rolegate();
    github_env(&mut cmd, &server.uri(), &dir);
    cmd.args([
        "check",
        "examples/payment-reconciliation/bad/main.json",
        "-p",
        "examples/payment-reconciliation/bad/main.parameters.json",
        "--publish",
        "github",
        "--format",
        "json",
    ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"));
    assert_eq!(report["verdict"], "fail");
    // No workflow command (`::error …`) and no progress line shares stdout with the report.
    assert!(!stdout.lines().any(|l| l.starts_with("::")), "{stdout}");
    assert!(
        stderr.contains("rolegate: "),
        "what was posted is said on stderr: {stderr}"
    );
    assert_eq!(fake.0.lock().unwrap().comments.len(), 1, "still posted");
}

/// The payment-reconciliation example's `main.json` is `bicep build` output with its `.bicep`
/// beside it: every finding has a Bicep line.
const BICEP_EXAMPLE: &str = "examples/payment-reconciliation/bad";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_and_comment_links_point_at_the_bicep_lines() {
    let (server, fake) = github().await;
    let dir = tempdir();
    let mut cmd = rolegate();
    github_env(&mut cmd, &server.uri(), &dir);
    cmd.args([
        "check",
        &format!("{BICEP_EXAMPLE}/main.json"),
        "-p",
        &format!("{BICEP_EXAMPLE}/main.parameters.json"),
        "--publish",
        "github",
    ]);
    let out = run(cmd).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = fake.0.lock().unwrap();
    let annotations = s.check_runs[0]["output"]["annotations"]
        .as_array()
        .expect("annotations");
    let ra002 = annotations
        .iter()
        .find(|a| a["title"] == "RA002 privileged-role")
        .expect("RA002 annotation");
    assert_eq!(
        ra002["path"],
        format!("{BICEP_EXAMPLE}/modules/subscription-role.bicep")
    );
    assert_eq!(ra002["start_line"], 10);
    assert!(
        annotations
            .iter()
            .all(|a| a["path"].as_str().is_some_and(|p| p.ends_with(".bicep"))),
        "no annotation on the compiled JSON: {annotations:#?}"
    );
    let comment = &s.comments[0].1;
    assert!(
        comment.contains(&format!(
            "(https://github.example/o/r/blob/{HEAD_SHA}/{BICEP_EXAMPLE}/main.bicep#L61)"
        )),
        "{comment}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_compiled_in_memory_is_never_linked_or_annotated_as_a_file() {
    let (server, fake) = github().await;
    let dir = tempdir();
    // A stand-in Bicep CLI printing the example's compiled JSON; the `.bicep` sources beside it.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stand_in = bin.join("bicep");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\n[ \"$1\" = build ] || exit 64\ncat '{}'\n",
            repo_root().join(BICEP_EXAMPLE).join("main.json").display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = rolegate();
    github_env(&mut cmd, &server.uri(), &dir);
    cmd.env("PATH", path).env_remove("ROLEGATE_BICEP").args([
        "check",
        &format!("{BICEP_EXAMPLE}/main.bicep"),
        "-p",
        &format!("{BICEP_EXAMPLE}/main.parameters.json"),
        "--publish",
        "github",
    ]);
    let out = run(cmd).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = fake.0.lock().unwrap();
    let annotations = s.check_runs[0]["output"]["annotations"].to_string();
    assert!(!annotations.contains("(compiled)"), "{annotations}");
    assert!(
        annotations.contains(&format!("{BICEP_EXAMPLE}/modules/subscription-role.bicep")),
        "{annotations}"
    );
    let comment = &s.comments[0].1;
    assert!(
        !comment.contains("%20(compiled)") && !comment.contains("(compiled)#L"),
        "a link to the in-memory JSON: {comment}"
    );
    assert!(
        comment.contains(&format!("blob/{HEAD_SHA}/{BICEP_EXAMPLE}/main.bicep#L61")),
        "{comment}"
    );
}
