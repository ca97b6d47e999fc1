//! End-to-end: run the `rolegate` binary on every `examples/*/{good,bad}` and hold it to the
//! example's `expected.json` (verdict, exit code, rule ids at JSON pointer and line, and where given
//! the resource and module each finding is in), then check
//! exit code 2 with file:line:column on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rolegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(repo_root())
        // Keep CI variables of the machine running the tests out of the evidence pack.
        .env_remove("GITHUB_SHA")
        .env_remove("BUILD_SOURCEVERSION")
        .env_remove("CI_COMMIT_SHA")
        .env("NO_COLOR", "1")
        // A Bicep compiler on the machine running the tests must not change what they see.
        .env("ROLEGATE_BICEP", "off")
        .output()
        .expect("the rolegate binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Every example directory (`examples/<name>/<good|bad>`), relative to the repo root.
fn example_dirs() -> Vec<String> {
    let mut out = Vec::new();
    let examples = repo_root().join("examples");
    let Ok(entries) = std::fs::read_dir(&examples) else {
        return out;
    };
    for entry in entries.flatten() {
        for variant in ["good", "bad"] {
            let dir = entry.path().join(variant);
            if dir.join("expected.json").is_file() {
                let name = entry.file_name().to_string_lossy().to_string();
                out.push(format!("examples/{name}/{variant}"));
            }
        }
    }
    out.sort();
    out
}

/// A rule that must be reported: (rule, file, [(pointer, line, Bicep file and line)] any of which
/// is right, and the fields its `resource` context must have: `null` for a field that must be
/// absent).
type ExpectedFinding = (
    String,
    String,
    Vec<(String, u64, Option<(String, u64)>)>,
    serde_json::Map<String, Value>,
);

/// `"bicep": {"file": "modules/x.bicep", "line": 10}` of an expected place.
fn expected_bicep(v: &Value) -> Option<(String, u64)> {
    let b = v.get("bicep")?;
    Some((b["file"].as_str()?.to_string(), b["line"].as_u64()?))
}

struct Expected {
    verdict: String,
    exit_code: i32,
    findings: Vec<ExpectedFinding>,
    also_acceptable: Vec<String>,
}

fn expected(dir: &str) -> Expected {
    let path = repo_root().join(dir).join("expected.json");
    let text = std::fs::read_to_string(&path).expect("expected.json");
    let v: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let findings = v["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let mut at = vec![(
                f["pointer"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                expected_bicep(f),
            )];
            for alt in f["also_at"].as_array().cloned().unwrap_or_default() {
                at.push((
                    alt["pointer"].as_str().unwrap_or_default().to_string(),
                    alt["line"].as_u64().unwrap_or_default(),
                    expected_bicep(&alt),
                ));
            }
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or("main.json").to_string(),
                at,
                f["resource"].as_object().cloned().unwrap_or_default(),
            )
        })
        .collect();
    Expected {
        verdict: v["verdict"].as_str().unwrap_or_default().to_string(),
        exit_code: v["exit_code"].as_i64().unwrap_or(-1) as i32,
        findings,
        also_acceptable: v["also_acceptable"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect(),
    }
}

fn check_args(dir: &str) -> Vec<String> {
    let mut args = vec!["check".to_string(), format!("{dir}/main.json")];
    let params = format!("{dir}/main.parameters.json");
    if repo_root().join(&params).is_file() {
        args.push("-p".into());
        args.push(params);
    }
    args
}

#[test]
fn every_example_gets_its_expected_verdict_and_findings() {
    let dirs = example_dirs();
    if dirs.is_empty() {
        println!("skipping: no examples/*/{{good,bad}}/expected.json found");
        return;
    }
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(problem) = check_example(dir) {
            failures.push(format!("{dir}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn check_example(dir: &str) -> Result<(), String> {
    let want = expected(dir);
    let slug = dir.replace('/', "_");
    let sarif = scratch(&format!("{slug}.sarif"));
    let junit = scratch(&format!("{slug}.xml"));
    let markdown = scratch(&format!("{slug}.md"));
    let evidence = scratch(&format!("{slug}.evidence.json"));
    let mut args = check_args(dir);
    for (flag, path) in [
        ("--sarif", &sarif),
        ("--junit", &junit),
        ("--markdown", &markdown),
        ("--evidence", &evidence),
    ] {
        args.push(flag.into());
        args.push(path.display().to_string());
    }
    args.extend(["--format".into(), "json".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rolegate(&argv);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    if code != want.exit_code {
        return Err(format!(
            "exit code {code}, expected {}\nstderr: {stderr}\nstdout: {}",
            want.exit_code,
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(1_500)
                .collect::<String>()
        ));
    }
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}); stderr: {stderr}"))?;
    if report["verdict"] != want.verdict.as_str() {
        return Err(format!(
            "verdict {}, expected {}",
            report["verdict"], want.verdict
        ));
    }
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for (rule, file, at, resource) in &want.findings {
        let hits: Vec<&Value> = findings
            .iter()
            .filter(|f| {
                f["rule"] == rule.as_str()
                    && f["location"]["file"]
                        .as_str()
                        .is_some_and(|p| p.ends_with(&format!("/{file}")) || p == file)
                    && at.iter().any(|(pointer, line, bicep)| {
                        f["location"]["pointer"] == pointer.as_str()
                            && f["location"]["line"].as_u64() == Some(*line)
                            // The Bicep line the author edits (the module's own file for a
                            // module's resource).
                            && bicep.as_ref().is_none_or(|(file, line)| {
                                f["location"]["bicep"]["file"] == format!("{dir}/{file}").as_str()
                                    && f["location"]["bicep"]["line"].as_u64() == Some(*line)
                            })
                    })
            })
            .collect();
        if hits.is_empty() {
            problems.push(format!("missing {rule} at {file} {at:?}"));
        }
        // The resource and module the finding is in, as a Bicep author would look for them.
        let in_resource = |f: &&Value| {
            resource
                .iter()
                .all(|(key, want)| &f["resource"][key.as_str()] == want)
        };
        if !hits.is_empty() && !hits.iter().any(in_resource) {
            problems.push(format!(
                "{rule} at {file}: resource {}, expected {}",
                hits[0]["resource"],
                Value::Object(resource.clone())
            ));
        }
    }
    // Errors nobody expected are wrong too: a gate that cries wolf gets switched off.
    for f in &findings {
        let rule = f["rule"].as_str().unwrap_or_default();
        let expected_rule = want.findings.iter().any(|(r, _, _, _)| r == rule)
            || want.also_acceptable.iter().any(|r| r == rule);
        if f["severity"] == "error" && f.get("suppressed").is_none() && !expected_rule {
            problems.push(format!(
                "unexpected error {rule} at {}:{}: {}",
                f["location"]["file"], f["location"]["line"], f["message"]
            ));
        }
    }
    // The policy used is named: the example's own rolegate.yaml when it has one.
    let own_policy = repo_root().join(dir).join("rolegate.yaml");
    if own_policy.is_file() {
        if report["policy"]["source"] != "discovered"
            || !report["policy"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("rolegate.yaml"))
        {
            problems.push(format!("policy not discovered: {}", report["policy"]));
        }
    } else if report["policy"]["source"].as_str().is_none() {
        problems.push("report does not say which policy was used".into());
    }
    // Every side output was written and is well-formed.
    let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let sarif_log: Value = serde_json::from_str(&read(&sarif)).unwrap_or(Value::Null);
    let results = sarif_log["runs"][0]["results"].as_array().map(Vec::len);
    if sarif_log["version"] != "2.1.0" || results != Some(findings.len()) {
        problems.push(format!(
            "SARIF: version {}, {results:?} results",
            sarif_log["version"]
        ));
    }
    let xml = read(&junit);
    if !xml.starts_with("<?xml") || xml.matches("<failure").count() > 0 && want.exit_code == 0 {
        problems.push("JUnit missing or failing on a passing example".into());
    }
    let md = read(&markdown);
    let headline = if want.verdict == "pass" {
        "## ✅ rolegate: PASS"
    } else {
        "## ❌ rolegate: FAIL"
    };
    if !md.starts_with(headline) {
        problems.push(format!(
            "Markdown does not lead with the verdict: {:?}",
            md.lines().next()
        ));
    }
    let pack: Value = serde_json::from_str(&read(&evidence)).unwrap_or(Value::Null);
    if pack["kind"] != "rolegate-evidence" || pack["policy"]["digest"] != report["policy"]["digest"]
    {
        problems.push("evidence pack missing or with another policy digest".into());
    }

    // The text output points at the same places.
    let out = rolegate(
        &check_args(dir)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(want.exit_code) {
        problems.push(format!("text run exit code {:?}", out.status.code()));
    }
    for (rule, file, at, resource) in &want.findings {
        let pointed = at
            .iter()
            .any(|(_, line, _)| text.contains(&format!("{dir}/{file}:{line}:")));
        if !text.contains(&format!("[{rule}]")) || !pointed {
            problems.push(format!("text output lacks {rule} at {file}:{at:?}"));
        }
        // A compiled template's finding leads with its Bicep line.
        let at_bicep = at
            .iter()
            .filter_map(|(_, _, b)| b.as_ref())
            .any(|(file, line)| text.contains(&format!("--> {dir}/{file}:{line}:")));
        if at.iter().any(|(_, _, b)| b.is_some()) && !at_bicep {
            problems.push(format!(
                "text output does not point {rule} at its Bicep line"
            ));
        }
        if let Some(module) = resource.get("module").and_then(Value::as_str) {
            if !text.contains(&format!(" in module '{module}')")) {
                problems.push(format!(
                    "text output does not name module {module} for {rule}"
                ));
            }
        }
    }
    if !text.contains("policy: ") {
        problems.push("text output does not say which policy was used".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn broken_json_exits_2_with_file_line_column() {
    let path = scratch("broken.json");
    std::fs::write(
        &path,
        "{\n  \"resources\": [\n    { \"type\" \"x\" }\n  ]\n}\n",
    )
    .expect("write");
    let file = path.display().to_string();
    let out = rolegate(&["check", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("{file}:3:")),
        "no file:line:col in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unknown_function_exits_2_pointing_at_the_expression() {
    let path = scratch("unknown-function.json");
    std::fs::write(
        &path,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Logic/workflows",
      "apiVersion": "2019-05-01",
      "name": "[concatt('wf', '1')]",
      "location": "westus",
      "identity": { "type": "SystemAssigned" },
      "properties": {}
    }
  ]
}
"#,
    )
    .expect("write");
    let file = path.display().to_string();
    let out = rolegate(&["check", &file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("EV003"), "{stdout}");
    assert!(stdout.contains("concatt"), "{stdout}");
    assert!(
        stdout.contains(&format!("{file}:8:")),
        "no file:line:col in {stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_policy_exits_2_naming_the_policy_line() {
    let dir = example_dirs();
    let Some(dir) = dir.first() else {
        println!("skipping: no examples");
        return;
    };
    let policy = scratch("bad-policy.yaml");
    std::fs::write(&policy, "version: 1\ndeny_roles: 12\nno_such_key: true\n").expect("write");
    let policy = policy.display().to_string();
    let template = format!("{dir}/main.json");
    let out = rolegate(&["check", &template, "--policy", &policy]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("{policy}:")),
        "policy file not named: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_template_and_bad_flags_exit_2() {
    let out = rolegate(&["check", "does/not/exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist.json"));
    let out = rolegate(&["check", "x.json", "--fail-on", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_single_template_notes_the_parameter_file_beside_it() {
    let template = "examples/payment-reconciliation/bad/main.json";
    let out = rolegate(&["check", template]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pass `-p examples/payment-reconciliation/bad/main.parameters.json`"),
        "{stderr}"
    );
    let params = "examples/payment-reconciliation/bad/main.parameters.json";
    let out = rolegate(&["check", template, "-p", params]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("note:"),
        "no note once -p is given"
    );
}

#[test]
fn bicep_source_is_bad_input_that_says_what_to_pass() {
    let out = rolegate(&["check", "examples/payment-reconciliation/bad/main.bicep"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bicep build examples/payment-reconciliation/bad/main.bicep")
            && stderr.contains("examples/payment-reconciliation/bad/main.json is there already"),
        "{stderr}"
    );
    assert!(!stderr.contains("invalid JSON"), "{stderr}");

    let params = scratch("main.bicepparam");
    std::fs::write(&params, "using 'main.bicep'\n").expect("write");
    let out = rolegate(&[
        "check",
        "examples/payment-reconciliation/bad/main.json",
        "-p",
        &params.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bicep build-params"), "{stderr}");
}

#[test]
fn fail_on_warning_is_stricter_than_fail_on_error() {
    // On a passing example, --fail-on warning fails exactly when it has warnings.
    for dir in example_dirs().iter().filter(|d| d.ends_with("/good")) {
        let mut args = check_args(dir);
        args.extend([
            "--format".into(),
            "json".into(),
            "--fail-on".into(),
            "warning".into(),
        ]);
        let out = rolegate(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let warnings = report["summary"]["warnings"].as_u64().unwrap_or(0);
        let want = if warnings > 0 { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(want),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(report["fail_on"], "warning");
    }
}

#[test]
fn a_discovered_policy_is_shown_by_the_path_the_user_would_type() {
    // Discovery walks absolute paths; labels into the policy must still read like the template
    // paths beside them, not like /home/runner/work/... .
    let out = rolegate(&["check", "examples/payment-reconciliation/bad"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("::: examples/payment-reconciliation/bad/rolegate.yaml:"),
        "no relative label into the policy:\n{text}"
    );
    let root = std::fs::canonicalize(repo_root()).expect("repo root");
    assert!(
        !text.contains(&*root.to_string_lossy()),
        "an absolute path leaked into the report:\n{text}"
    );
}
