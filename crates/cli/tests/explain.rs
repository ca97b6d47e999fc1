//! `rolegate explain`: prints a rule's documentation; unknown rules exit 2 with the list.

use std::process::Command;

fn rolegate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .output()
        .expect("the rolegate binary runs")
}

#[test]
fn explain_by_id_prints_the_rule_doc() {
    let out = rolegate(&["explain", "RA002"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("RA002 privileged-role (default severity: error)"));
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
        "## References",
    ] {
        assert!(text.contains(section), "missing {section}");
    }
}

#[test]
fn explain_by_name_finds_the_same_rule() {
    let out = rolegate(&["explain", "broader-role-than-needed"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("RA005 "));
}

#[test]
fn unknown_rule_exits_2_and_lists_ids() {
    let out = rolegate(&["explain", "XX999"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("XX999"));
    assert!(err.contains("MI001") && err.contains("EV003"));
}

#[test]
fn explain_prints_the_live_rules() {
    let out = rolegate(&["explain", "LV001"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("LV001 stale-assignment (default severity: error)"));
    assert!(text.contains("az role assignment delete --ids"));
    let list = rolegate(&["explain"]);
    let list = String::from_utf8_lossy(&list.stdout);
    for id in ["LV001", "LV002", "LV003", "LV004", "LV005", "LV006"] {
        assert!(list.contains(id), "{id} missing from the list");
    }
}

#[test]
fn explain_mi008_prints_the_oauth_connection_rule() {
    let out = rolegate(&["explain", "MI008"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("MI008 oauth-connection-where-mi-possible (default severity: warning)"),
        "{text}"
    );
    assert!(text.contains("parameterValueType"), "{text}");
}
