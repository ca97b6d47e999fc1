//! The policy a pull request brings: the report says at the top when the change weakens the
//! policy that judges it, and `--policy-ref REF` judges by the policy as it is at a git ref.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// A repository with the failing payment example committed on `main` (and as `origin/main`),
/// and a working tree whose rolegate.yaml switches the failing rules off and adds an exception.
fn repo(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir =
        std::env::temp_dir().join(format!("rolegate-policy-ref-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = dir.join("infra");
    std::fs::create_dir_all(app.join("modules")).unwrap();
    let src = root.join("examples/payment-reconciliation/bad");
    for f in ["main.json", "main.parameters.json", "rolegate.yaml"] {
        std::fs::copy(src.join(f), app.join(f)).unwrap();
    }
    for entry in std::fs::read_dir(src.join("modules")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), app.join("modules").join(entry.file_name())).unwrap();
    }
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let policy = std::fs::read_to_string(app.join("rolegate.yaml")).unwrap();
    let weakened = policy.replace("  - Contributor\n", "")
        + "\nseverity:\n  RA001: off\n  RA003: off\n  RA004: off\n\nexceptions:\n  - rule: RA002\n    workload: payment-*\n    reason: migration window\n    owner: alice@example.com\n    expires: 2099-01-31\n";
    std::fs::write(app.join("rolegate.yaml"), weakened).unwrap();
    dir
}

fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args([
            "check",
            "infra/main.json",
            "-p",
            "infra/main.parameters.json",
            "--markdown",
            "report.md",
        ])
        .args(extra)
        .current_dir(dir)
        .env_remove("GITHUB_BASE_REF")
        .env_remove("SYSTEM_PULLREQUEST_TARGETBRANCH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        md,
    )
}

#[test]
fn a_pull_request_that_weakens_its_policy_says_so_at_the_top() {
    let dir = repo("diff");
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args([
            "check",
            "infra/main.json",
            "-p",
            "infra/main.parameters.json",
            "--markdown",
            "report.md",
        ])
        .current_dir(&dir)
        .env("GITHUB_BASE_REF", "main")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    // Judged by the changed policy: it now passes, and the report says why at the top.
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{md}");
    assert!(md.starts_with("> [!WARNING]\n> **This pull request changes the policy that judges it:** `infra/rolegate.yaml` (compared with `origin/main`)"), "{md}");
    for effect in [
        "role newly allowed: 'Contributor' is no longer denied",
        "exception added: RA002 for workload 'payment-*' (owner: alice@example.com, expires 2099-01-31): migration window",
        "rule switched off: RA001 (missing-grant)",
        "rule switched off: RA003",
        "rule switched off: RA004",
    ] {
        assert!(md.contains(&format!("> - {effect}")), "missing '{effect}' in\n{md}");
    }
    assert!(
        stderr.contains("warning: this change modifies the policy infra/rolegate.yaml (5 effects"),
        "{stderr}"
    );
}

#[test]
fn policy_ref_judges_by_the_policy_at_the_ref() {
    let dir = repo("ref");
    let (code, stderr, md) = check(&dir, &["--policy-ref", "origin/main"]);
    assert_eq!(code, Some(1), "the base policy still fails it: {stderr}");
    assert!(
        md.contains("Judged by the policy at the base (`--policy-ref`)"),
        "{md}"
    );
    assert!(md.contains("RA002"));
    // The same with an explicit --policy.
    let (code, stderr, _) = check(
        &dir,
        &["--policy", "infra/rolegate.yaml", "--policy-ref", "main"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    // Without it, the working tree's weakened policy judges.
    let (code, _, md) = check(&dir, &[]);
    assert_eq!(code, Some(0));
    assert!(!md.contains("[!WARNING]"), "no base known: no comparison");
}

#[test]
fn policy_ref_fails_closed() {
    let dir = repo("closed");
    let (code, stderr, _) = check(&dir, &["--policy-ref", "no-such-branch"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--policy-ref 'no-such-branch': no such commit"),
        "{stderr}"
    );
    // A policy file the ref does not have is an error, not the embedded default.
    std::fs::write(dir.join("infra/new.yaml"), "version: 1\n").unwrap();
    let (code, stderr, _) = check(
        &dir,
        &["--policy", "infra/new.yaml", "--policy-ref", "main"],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("does not exist at main"), "{stderr}");
}
