//! Findings an author would defend (issue 11, calls, grants, connectors and identity): each class
//! of false or missed finding seen on Defender for Cloud playbooks and Logic Apps samples has a
//! small template of its own under `tests/fixtures/authors/`, checked end to end (expand, model,
//! rules) with the embedded default policy.

mod common;

use common::of;
use policy::Policy;

fn check(fixture: &str) -> Vec<rules::Finding> {
    common::check_fixture(&format!("authors/{fixture}"))
}

fn about<'a>(
    findings: &'a [rules::Finding],
    rule: &str,
    action: &str,
) -> Option<&'a rules::Finding> {
    findings
        .iter()
        .find(|f| f.rule == rule && f.message.contains(&format!("'{action}'")))
}

#[test]
fn the_need_comes_from_literal_provider_segments_and_unparseable_calls_are_reported() {
    let f = check("calls-runtime-names.json");
    // `/subscriptions/@{...}/providers/Microsoft.Security/tasks`: the type is literal.
    let tasks = about(&f, "EV004", "List_tasks").expect("EV004 on List_tasks");
    assert!(
        tasks.message.contains("Microsoft.Security/tasks/read")
            && !tasks.message.contains("subscriptions/read"),
        "{}",
        tasks.message
    );
    // A URI that is wholly a run-time value, and one glued to the host without a slash: both are
    // findings (fail closed) that say the need is unknown.
    for action in ["Next_page", "Glued_path"] {
        let x = about(&f, "EV004", action).unwrap_or_else(|| panic!("EV004 on {action}: {f:#?}"));
        assert!(
            x.message.contains("cannot tell which actions it needs"),
            "{}",
            x.message
        );
    }
    assert!(of(&f, "RA001").is_empty(), "{f:#?}");
}

#[test]
fn calls_that_need_no_role_assignment_need_no_grant() {
    let f = check("calls-no-grant-needed.json");
    assert!(of(&f, "RA001").is_empty(), "{f:#?}");
    assert!(of(&f, "EV004").is_empty(), "{f:#?}");
}

#[test]
fn variables_set_once_from_template_values_resolve_and_run_time_children_are_covered() {
    let f = check("calls-known-variables.json");
    // `Read_self` resolves through `variables('Api')[...]` to the workflow, where the identity
    // holds Reader; `Read_a_run` (`.../runs/@{...}`, joined with `//`) is a run-time child of it.
    for action in ["Read_self", "Read_a_run", "List_runs"] {
        assert!(about(&f, "EV004", action).is_none(), "{action}: {f:#?}");
        assert!(about(&f, "RA001", action).is_none(), "{action}: {f:#?}");
    }
    // A resolved target the identity holds no role on is RA001's, with the action it needs.
    let other = about(&f, "RA001", "Read_another_workflow").expect("RA001 on another workflow");
    assert!(
        other.message.contains("Microsoft.Logic/workflows/read")
            && other.message.contains("'billing'"),
        "{}",
        other.message
    );
    // A variable changed by SetVariable is a run-time value.
    let changed = about(&f, "EV004", "Read_changed_target").expect("EV004 on the changed variable");
    assert!(
        changed
            .message
            .contains("only known when the workflow runs"),
        "{}",
        changed.message
    );
}

#[test]
fn audiences_are_judged_only_where_the_service_requires_one_form() {
    let f = check("audience-forms.json");
    let mi007 = of(&f, "MI007");
    assert!(
        about(&f, "MI007", "Arm_without_slash").is_none(),
        "{mi007:#?}"
    );
    assert!(
        about(&f, "MI007", "Graph_with_slash").is_none(),
        "{mi007:#?}"
    );
    let space = about(&f, "MI007", "Vault_with_a_space").expect("a stray space is an error");
    assert!(
        space.message.contains("stray whitespace"),
        "{}",
        space.message
    );
    assert!(
        about(&f, "MI007", "Vault_with_slash").is_some(),
        "{mi007:#?}"
    );
    assert_eq!(mi007.len(), 2, "{mi007:#?}");
}

#[test]
fn a_web_app_and_its_slots_share_the_site_identity_by_design() {
    let f = check("web-app-slots.json");
    assert!(of(&f, "MI005").is_empty(), "{f:#?}");
}

#[test]
fn credential_free_defender_triggers_and_sentinel_hold_no_stored_secret() {
    let f = check("connections-defender-playbook.json");
    let mi006 = of(&f, "MI006");
    assert_eq!(mi006.len(), 1, "{mi006:#?}");
    assert!(
        mi006[0].message.contains("connector 'office365'"),
        "{}",
        mi006[0].message
    );
}

#[test]
fn consent_connections_of_managed_identity_connectors_are_reported_with_the_fix() {
    let f = check("connections-defender-playbook.json");
    let mut connectors: Vec<&str> = of(&f, "MI008")
        .iter()
        .filter_map(|x| {
            ["'arm'", "'azuresentinel'", "'ascalert'", "'office365'"]
                .into_iter()
                .find(|c| x.message.contains(&format!("connector {c}")))
        })
        .collect();
    connectors.sort_unstable();
    assert_eq!(connectors, ["'arm'", "'azuresentinel'"], "{f:#?}");
    for x in of(&f, "MI008") {
        assert!(
            x.message
                .contains("used by Logic App workflow 'Notify-ResourceOwner'"),
            "{}",
            x.message
        );
        assert!(
            x.fix
                .as_deref()
                .is_some_and(|fix| fix.contains("ManagedServiceIdentity")),
            "{x:#?}"
        );
    }
}

#[test]
fn the_policy_can_change_mi008_severity_or_turn_it_off() {
    for (level, expected) in [("error", Some(rules::Severity::Error)), ("off", None)] {
        let policy = Policy::from_str(
            "rolegate.yaml",
            &format!("version: 1\nseverity:\n  MI008: {level}\n"),
        )
        .expect("policy");
        let found: Vec<_> =
            common::check_fixture_with("authors/connections-defender-playbook.json", &policy)
                .into_iter()
                .filter(|f| f.rule == "MI008")
                .map(|f| f.severity)
                .collect();
        match expected {
            Some(s) => assert!(
                !found.is_empty() && found.iter().all(|x| *x == s),
                "{found:?}"
            ),
            None => assert!(found.is_empty(), "{found:?}"),
        }
    }
}
