//! Findings an author would defend (issue 11, the reviewer's sample of 50): each rule-side class
//! of false or misdescribed finding has a small template of its own under
//! `tests/fixtures/sample50/`, checked end to end (expand, model, rules).

use std::path::Path;

use access::RoleCatalogue;
use policy::{Date, Policy};

fn check_with(fixture: &str, policy: &Policy) -> Vec<rules::Finding> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sample50")
        .join(fixture);
    let plan = arm::expand_file(&file, &arm::ExpandOptions::default()).expect("fixture expands");
    let plans = [plan];
    let catalogue = RoleCatalogue::builtin();
    let model = access::build_all(&plans, &catalogue);
    let options = rules::CheckOptions::new(Date::new(2026, 12, 2).expect("date"), &catalogue);
    rules::check(&model, &plans, policy, &options)
}

fn check(fixture: &str) -> Vec<rules::Finding> {
    check_with(fixture, &Policy::embedded_default().policy)
}

fn of<'a>(findings: &'a [rules::Finding], rule: &str) -> Vec<&'a rules::Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn names(findings: &[&rules::Finding], name: &str) -> bool {
    findings
        .iter()
        .any(|f| f.message.contains(&format!("'{name}'")))
}

// Class J: MI001 on workflows that call nothing.
#[test]
fn a_workflow_that_calls_nothing_needs_no_identity_but_one_that_calls_does() {
    let f = check("workflows-that-call-nothing.json");
    let mi001 = of(&f, "MI001");
    // Request trigger, Switch, If and Response only: nothing to authenticate to.
    assert!(!names(&mi001, "custom-rp"), "{mi001:#?}");
    // An HTTP call in an `else` branch is a call.
    assert!(names(&mi001, "forwarder"), "{mi001:#?}");
    // An action type rolegate does not know counts as a call (fail closed).
    assert!(names(&mi001, "child-caller"), "{mi001:#?}");
    // Triggers and actions passed in by parameter are the caller's: they may call anything.
    assert!(names(&mi001, "module-workflow"), "{mi001:#?}");
    // An empty definition handed `$connections` is there to call them.
    assert!(names(&mi001, "connected"), "{mi001:#?}");
    // Under the default policy (by type alone) the tagged replier calls nothing either.
    assert!(!names(&mi001, "tagged-replier"), "{mi001:#?}");
}

#[test]
fn a_policy_rule_that_selects_a_workflow_by_tag_still_requires_its_identity() {
    let policy = Policy::from_str(
        "tagged.yaml",
        "version: 1\nworkloads:\n  - name: payments\n    match:\n      type: Microsoft.Logic/workflows\n      tags:\n        data: payments\n    identity:\n      required: true\n",
    )
    .expect("policy parses");
    let f = check_with("workflows-that-call-nothing.json", &policy);
    let mi001 = of(&f, "MI001");
    assert!(names(&mi001, "tagged-replier"), "{mi001:#?}");
    assert!(!names(&mi001, "custom-rp"), "{mi001:#?}");
}

// Class L: MI005 on deployment scripts sharing one identity.
#[test]
fn deployment_scripts_of_one_run_may_share_an_identity_but_not_with_a_workflow() {
    let f = check("deployment-scripts-share-an-identity.json");
    let mi005 = of(&f, "MI005");
    assert!(
        !mi005
            .iter()
            .any(|x| x.message.contains("user-assigned identity 'scratch'")),
        "{mi005:#?}"
    );
    let runner = mi005
        .iter()
        .find(|x| x.message.contains("user-assigned identity 'runner'"))
        .unwrap_or_else(|| panic!("MI005 on 'runner': {mi005:#?}"));
    assert!(
        runner.message.contains("'seed-data'") && runner.message.contains("'nightly'"),
        "{}",
        runner.message
    );
}

// Class N: RA003 on a policy assignment's identity at its own scope.
#[test]
fn a_policy_assignment_identity_at_its_own_scope_is_not_too_broad_and_fixes_name_the_workload() {
    let f = check("policy-assignment-identity.json");
    let ra003 = of(&f, "RA003");
    assert!(
        !ra003
            .iter()
            .any(|x| x.message.contains("'monitoringGovernance'")),
        "{ra003:#?}"
    );
    // The role is still judged: Contributor is privileged.
    assert!(
        of(&f, "RA002")
            .iter()
            .any(|x| x.message.contains("'monitoringGovernance'")),
        "{f:#?}"
    );
    // A web app granted Key Vault Secrets User on the subscription is too broad, and the fix names the web app.
    let web = ra003
        .iter()
        .find(|x| x.message.contains("'shop-api'"))
        .unwrap_or_else(|| panic!("RA003 on shop-api: {f:#?}"));
    let fix = web.fix.as_deref().unwrap_or_default();
    assert!(fix.contains("'shop-api' uses"), "{fix}");
    assert!(!fix.contains("workflow"), "{fix}");
}

// Class Q: SC002 on a settings object named `credentialProvider`.
#[test]
fn a_credential_provider_options_object_is_not_a_secret_but_credentials_are() {
    let f = check("credential-provider-options.json");
    let sc002 = of(&f, "SC002");
    assert!(!names(&sc002, "credentialProvider"), "{sc002:#?}");
    assert!(names(&sc002, "registryCredentials"), "{sc002:#?}");
}

// Class R: SC004 on the obsolete `AzureWebJobsDashboard`.
#[test]
fn the_dashboard_setting_is_to_be_removed_not_moved_to_an_identity() {
    let f = check("function-dashboard-setting.json");
    let sc004 = of(&f, "SC004");
    let dashboard = sc004
        .iter()
        .find(|x| x.message.contains("'AzureWebJobsDashboard'"))
        .unwrap_or_else(|| panic!("SC004 on AzureWebJobsDashboard: {sc004:#?}"));
    let fix = dashboard.fix.as_deref().unwrap_or_default();
    assert!(
        fix.starts_with("remove the 'AzureWebJobsDashboard' setting"),
        "{fix}"
    );
    assert!(!fix.contains("Storage Blob Data"), "{fix}");
    assert!(
        dashboard.message.contains("obsolete"),
        "{}",
        dashboard.message
    );
    // Another setting with the same key keeps the managed-identity fix.
    let other = sc004
        .iter()
        .find(|x| x.message.contains("'ReportsStorage'"))
        .unwrap_or_else(|| panic!("SC004 on ReportsStorage: {sc004:#?}"));
    assert!(
        other
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("managed identity"),
        "{:?}",
        other.fix
    );
}
