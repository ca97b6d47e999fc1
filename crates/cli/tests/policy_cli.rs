//! `rolegate policy ...` end to end: exit codes and file:line:column errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn rolegate(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run rolegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("infra")).expect("scratch dir");
    dir
}

#[test]
fn validate_reports_errors_at_file_line_column_and_exits_2() {
    let dir = scratch("cli-validate");
    std::fs::write(dir.join("bad.yaml"), "version: 1\nunresolved: sometimes\n").expect("write");
    let (code, _, err) = rolegate(&["policy", "validate", "bad.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "bad.yaml:2:13: `unresolved`: \"sometimes\" is not one of: fail, warn, ignore"
        ),
        "{err}"
    );

    std::fs::write(dir.join("good.yaml"), "version: 1\n").expect("write");
    let (code, out, err) = rolegate(&["policy", "validate", "good.yaml"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("good.yaml is valid"), "{out}");

    let (code, out, _) = rolegate(&["policy", "validate", "embedded:strict"], &dir);
    assert_eq!(code, 0);
    assert!(out.contains("embedded strict"), "{out}");
    let (code, _, err) = rolegate(&["policy", "validate", "embedded:nope"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("no built-in policy named `nope`"), "{err}");
}

#[test]
fn which_names_the_discovered_policy() {
    let dir = scratch("cli-which");
    std::fs::write(dir.join("infra/main.json"), "{}").expect("write");
    std::fs::write(dir.join("rolegate.yaml"), "version: 1\n").expect("write");
    let (code, out, err) = rolegate(&["policy", "which", "infra/main.json"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().ends_with("cli-which/rolegate.yaml"), "{out}");
}

#[test]
fn show_and_schema_print_the_shipped_files() {
    let dir = scratch("cli-show");
    let (code, out, _) = rolegate(&["policy", "show", "strict"], &dir);
    assert_eq!(code, 0);
    assert_eq!(out, policy::STRICT_POLICY);
    let (code, out, _) = rolegate(&["policy", "schema"], &dir);
    assert_eq!(code, 0);
    let on_disk = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/policy.schema.json"),
    )
    .unwrap_or_default();
    assert_eq!(out, on_disk);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn init_writes_a_policy_that_allows_todays_safe_grants_only() {
    let dir = scratch("cli-init");
    std::fs::copy(
        fixture("policy-init/main.json"),
        dir.join("infra/main.json"),
    )
    .expect("copy");
    let (code, _, err) = rolegate(&["policy", "init", "infra/main.json"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("wrote infra/rolegate.yaml (1 workloads, 2 grants)"),
        "{err}"
    );
    let written = dir.join("infra/rolegate.yaml");
    let loaded = policy::Policy::load(&written).unwrap_or_else(|e| panic!("{e}"));
    let text = loaded.text();
    assert!(text.contains("kind: system"), "{text}");
    assert!(text.contains("- roles: [Key Vault Secrets User]"), "{text}");
    assert!(
        text.contains("# not allowed (a privileged role): Contributor"),
        "{text}"
    );

    let wf = policy::WorkloadRef::new("Microsoft.Logic/workflows", "wf-payments");
    let kv = policy::GrantRef {
        role: policy::RoleRef::new(
            Some("4633458b-17de-408a-b874-0445c86b69e6"),
            Some("Key Vault Secrets User"),
        ),
        target_type: "Microsoft.KeyVault/vaults",
        target_name: "kv-payments",
        scope_level: policy::ScopeLevel::Resource,
    };
    assert!(loaded.grant_allowed(&wf, &kv).allowed);

    // The file is discovered for the template, and is not overwritten without --force.
    let (code, out, _) = rolegate(&["policy", "which", "infra/main.json"], &dir);
    assert_eq!(code, 0);
    assert!(out.trim().ends_with("infra/rolegate.yaml"), "{out}");
    let (code, _, err) = rolegate(&["policy", "init", "infra/main.json"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("exists; use --force"), "{err}");
    let (code, _, err) = rolegate(&["policy", "init", "infra/main.json", "--force"], &dir);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn init_on_broken_input_exits_2() {
    let dir = scratch("cli-init-broken");
    std::fs::write(dir.join("broken.json"), "{ \"resources\": [ }").expect("write");
    let (code, _, err) = rolegate(&["policy", "init", "--stdout", "broken.json"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("broken.json:1:"), "{err}");
}
