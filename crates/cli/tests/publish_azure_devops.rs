//! `rolegate publish azure-devops` and `check --publish azure-devops` against a fake Azure DevOps
//! REST API (7.1) on 127.0.0.1 that keeps threads and statuses and records every request.

mod support;

use serde_json::json;
use support::*;

fn publish(collection: &str, report: &str, name: &str, extra: &[&str]) -> std::process::Command {
    let dir = std::env::temp_dir().join(format!("rolegate-publish-ado-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, report).unwrap();
    let mut cmd = rolegate();
    ado_env(&mut cmd, collection);
    cmd.args(["publish", "azure-devops", "--json"])
        .arg(&json)
        .args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_thread_updated_in_place_closed_on_pass_reactivated_on_fail() {
    let (server, fake) = azure_devops().await;
    // Someone else's review thread is already there.
    fake.0.lock().unwrap().threads.push(json!({
        "id": 7, "status": "active", "isDeleted": false,
        "comments": [{"id": 1, "content": "please rename this", "isDeleted": false}]
    }));
    // A reviewer pasting the gate's marker (no rolegate.key property): not the gate's thread.
    fake.0.lock().unwrap().threads.push(json!({
        "id": 8, "status": "active", "isDeleted": false,
        "comments": [{"id": 1, "content": "<!-- rolegate:gate key=\"infra/app\" sha=\"x\" run=\"2099-01-01T00:00:00Z\" -->", "isDeleted": false}]
    }));

    // 1. Fail: a new active thread, a failed status with the stable context.
    let out = run(publish(
        &server.uri(),
        &report_json("fail", 2),
        "fail1",
        &["--run-time", "2026-12-02T10:00:00Z"],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    {
        let s = fake.0.lock().unwrap();
        assert_eq!(s.threads.len(), 3);
        let ours = &s.threads[2];
        assert_eq!(ours["status"], "active");
        let content = ours["comments"][0]["content"].as_str().unwrap();
        assert!(content.starts_with(&format!("<!-- rolegate:gate key=\"infra/app\" sha=\"{HEAD_SHA}\" run=\"2026-12-02T10:00:00Z\" -->")), "{content}");
        assert!(content.contains("finding number 1"));
        assert_eq!(s.statuses.len(), 1);
        let status = &s.statuses[0];
        assert_eq!(status["state"], "failed");
        assert_eq!(
            status["context"],
            json!({"name": "infra/app", "genre": "rolegate"})
        );
        assert_eq!(
            status["targetUrl"],
            format!(
                "{}/fabrikam/My%20Project/_build/results?buildId=314",
                server.uri()
            )
        );
        assert!(s
            .seen
            .iter()
            .all(|r| r.auth.as_deref() == Some(&format!("Bearer {ADO_TOKEN}") as &str)));
    }
    // Logging commands: one issue per finding, then the task result.
    let issues: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("##vso[task.logissue type=error;"))
        .collect();
    assert_eq!(issues.len(), 2, "{stdout}");
    assert!(issues[0].contains("infra/app/main.json;linenumber=1;columnnumber=3;code=RA002;]RA002 privileged-role: finding number 0"), "{}", issues[0]);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("##vso[task.complete result=Failed;]"),
        "{stdout}"
    );

    // 2. Pass: the same thread's comment is edited and the thread closed as fixed.
    let out = run(publish(
        &server.uri(),
        &report_json("pass", 0),
        "pass",
        &["--run-time", "2026-12-02T11:00:00Z"],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("##vso[task.complete result=Succeeded;]"));
    {
        let s = fake.0.lock().unwrap();
        assert_eq!(s.threads.len(), 3, "no second thread");
        assert_eq!(s.threads[2]["status"], "fixed");
        assert!(s.threads[2]["comments"][0]["content"]
            .as_str()
            .unwrap()
            .contains("2026-12-02T11:00:00Z"));
        assert_eq!(s.threads[0]["status"], "active", "other threads untouched");
        assert!(s
            .seen
            .iter()
            .any(|r| r.method == "PATCH" && r.path.ends_with("/threads/102/comments/1")));
        assert_eq!(s.statuses[1]["state"], "succeeded");
        assert_eq!(s.statuses[1]["context"], s.statuses[0]["context"]);
    }

    assert_eq!(
        fake.0.lock().unwrap().threads[1]["status"],
        "active",
        "the pasted marker's thread is untouched"
    );

    // 3. Fail again: reactivated.
    let out = run(publish(
        &server.uri(),
        &report_json("fail", 1),
        "fail2",
        &["--run-time", "2026-12-02T12:00:00Z"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let s = fake.0.lock().unwrap();
    assert_eq!(s.threads.len(), 3);
    assert_eq!(s.threads[2]["status"], "active");
    assert_eq!(s.statuses.len(), 3);
    assert_eq!(s.statuses[2]["state"], "failed");
    let status_patches = s
        .seen
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/threads/102"))
        .count();
    assert_eq!(status_patches, 2, "closed once, reactivated once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_publish_posts_and_keeps_the_exit_code_and_the_token_stays_secret() {
    let (server, fake) = azure_devops().await;
    fake.0.lock().unwrap().faults.push_back(Fault {
        method: "POST",
        path_prefix: format!("{ADO_PR}/statuses"),
        status: 429,
        headers: vec![("retry-after", "1".into())],
        body: format!("{{\"message\":\"slow down {ADO_TOKEN}\"}}"),
        times: 1,
    });
    let mut cmd = rolegate();
    ado_env(&mut cmd, &server.uri());
    cmd.env("RUST_LOG", "trace")
        .env("ROLEGATE_LOG", "trace")
        .args([
            "-vvv",
            "check",
            "examples/payment-reconciliation/bad/main.json",
            "-p",
            "examples/payment-reconciliation/bad/main.parameters.json",
            "--publish",
            "auto",
            "--comment-key",
            "prod",
        ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stdout.contains(ADO_TOKEN) && !stderr.contains(ADO_TOKEN),
        "token printed"
    );
    assert!(stdout.contains("##vso[task.logissue type=error;sourcepath="));
    let s = fake.0.lock().unwrap();
    assert_eq!(s.threads.len(), 1);
    assert_eq!(s.statuses.len(), 1, "the 429 was retried");
    assert_eq!(
        s.statuses[0]["context"],
        json!({"name": "prod", "genre": "rolegate"})
    );
    assert!(s.threads[0]["comments"][0]["content"]
        .as_str()
        .unwrap()
        .contains("RA002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_or_outside_a_pr_it_says_so_and_keeps_the_verdict() {
    let (server, fake) = azure_devops().await;
    let mut cmd = publish(
        &server.uri(),
        &report_json("fail", 1),
        "notoken",
        &["--no-logging-commands"],
    );
    cmd.env_remove("SYSTEM_ACCESSTOKEN");
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
        "{stderr}"
    );
    assert!(!stdout.contains("##vso"), "--no-logging-commands");

    let mut cmd = publish(&server.uri(), &report_json("pass", 0), "nopr", &[]);
    cmd.env_remove("SYSTEM_PULLREQUEST_PULLREQUESTID");
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr.contains("not a pull-request build"), "{stderr}");
    assert!(stdout.contains("##vso[task.complete result=Succeeded;]"));
    assert!(fake.0.lock().unwrap().seen.is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_format_json_stdout_is_the_report_alone_and_the_logging_commands_go_to_stderr() {
    let (server, fake) = azure_devops().await;
    let mut cmd = rolegate();
    ado_env(&mut cmd, &server.uri());
    cmd.args([
        "check",
        "examples/payment-reconciliation/bad/main.json",
        "-p",
        "examples/payment-reconciliation/bad/main.parameters.json",
        "--publish",
        "azure-devops",
        "--format",
        "json",
    ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // `rolegate check --format json > report.json` / `| jq`: the whole of stdout is one JSON
    // document.
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"));
    assert_eq!(report["verdict"], "fail");
    assert!(!stdout.contains("##vso"), "{stdout}");
    // The agent still gets every logging command, from stderr.
    let issues = stderr
        .lines()
        .filter(|l| l.starts_with("##vso[task.logissue type=error;sourcepath="))
        .count();
    let errors = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["suppressed"].is_null())
        .count();
    assert_eq!(issues, errors, "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("##vso[task.complete result=Failed;]")),
        "{stderr}"
    );
    assert_eq!(fake.0.lock().unwrap().threads.len(), 1, "still posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logissue_points_at_the_bicep_line() {
    let (server, _fake) = azure_devops().await;
    let mut cmd = rolegate();
    ado_env(&mut cmd, &server.uri());
    // bicep build output with its `.bicep` beside it: every finding has a Bicep line.
    cmd.args([
        "check",
        "examples/payment-reconciliation/bad/main.json",
        "-p",
        "examples/payment-reconciliation/bad/main.parameters.json",
        "--publish",
        "azure-devops",
    ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let issues: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("##vso[task.logissue"))
        .collect();
    assert!(!issues.is_empty(), "{stdout}");
    assert!(
        issues.iter().any(|l| l.contains(
            "examples/payment-reconciliation/bad/modules/subscription-role.bicep;linenumber=10;columnnumber=1;code=RA002;]"
        )),
        "{issues:#?}"
    );
    assert!(
        issues.iter().all(|l| !l.contains("main.json;")),
        "{issues:#?}"
    );
}
