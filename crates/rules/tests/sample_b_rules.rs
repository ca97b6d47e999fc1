//! Findings an author would defend (issue 11, the second reviewer sample of 50): each rule-side
//! class the reviewer found has a small template of its own under `tests/fixtures/sample-b/`,
//! checked end to end (expand, model, rules).

use std::path::{Path, PathBuf};

use access::RoleCatalogue;
use policy::{Date, Policy};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sample-b")
        .join(name)
}

/// Checks the templates together, as a directory run does (one plan per template).
fn check_all(fixtures: &[&str]) -> Vec<rules::Finding> {
    let plans: Vec<_> = fixtures
        .iter()
        .map(|f| {
            arm::expand_file(&fixture(f), &arm::ExpandOptions::default()).expect("fixture expands")
        })
        .collect();
    let catalogue = RoleCatalogue::builtin();
    let model = access::build_all(&plans, &catalogue);
    let options = rules::CheckOptions::new(Date::new(2026, 12, 3).expect("date"), &catalogue);
    rules::check(&model, &plans, &Policy::embedded_default().policy, &options)
}

fn check(name: &str) -> Vec<rules::Finding> {
    check_all(&[name])
}

fn of<'a>(findings: &'a [rules::Finding], rule: &str) -> Vec<&'a rules::Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn names(findings: &[&rules::Finding], name: &str) -> bool {
    findings
        .iter()
        .any(|f| f.message.contains(&format!("'{name}'")))
}

// Class J: MI001 on workflows whose only calls are child workflows and anonymous calls to hosts
// that take no Microsoft Entra token.
#[test]
fn a_workflow_calling_only_public_hosts_or_child_workflows_needs_no_identity() {
    let f = check("workflows-that-call-no-identity-service.json");
    let mi001 = of(&f, "MI001");
    // Recurrence + anonymous GET of a public status page (a workflow parameter's default).
    assert!(!names(&mi001, "status-poller"), "{mi001:#?}");
    // Request + `Workflow` action + anonymous GET of a third-party API in a scope + Response.
    assert!(!names(&mi001, "timer-job"), "{mi001:#?}");
    // An anonymous call to Azure Resource Manager is a call an identity should authenticate.
    assert!(names(&mi001, "arm-poller"), "{mi001:#?}");
    // A host known only at run time may be anything (fail closed).
    assert!(names(&mi001, "forwarder"), "{mi001:#?}");
    // A call that authenticates with a password is where a secret creeps in.
    assert!(names(&mi001, "partner-caller"), "{mi001:#?}");
}

// Class L: MI005 on an image template and the script that builds it.
#[test]
fn an_image_template_and_its_build_script_may_share_an_identity_but_not_with_a_workflow() {
    let f = check("image-template-and-build-script.json");
    let mi005 = of(&f, "MI005");
    assert!(
        !mi005
            .iter()
            .any(|x| x.message.contains("user-assigned identity 'image-builder'")),
        "{mi005:#?}"
    );
    let shared = mi005
        .iter()
        .find(|x| {
            x.message
                .contains("user-assigned identity 'shared-builder'")
        })
        .unwrap_or_else(|| panic!("MI005 on 'shared-builder': {mi005:#?}"));
    assert!(
        shared.message.contains("'nightly-rebuild'") && shared.message.contains("'linux-baseline'"),
        "{}",
        shared.message
    );
}

// Class U of part 2: RA006 with no hint of the principal's kind.
#[test]
fn a_principal_of_unknown_kind_is_not_called_a_recreated_identity() {
    let f = check("principal-of-unknown-kind.json");
    let ra006 = of(&f, "RA006");
    let cluster = ra006
        .iter()
        .find(|x| x.message.contains("parameter 'clusterObjectId'"))
        .unwrap_or_else(|| panic!("RA006 on clusterObjectId: {ra006:#?}"));
    assert!(
        cluster.message.contains("a principal of unknown kind given by parameter 'clusterObjectId', not an identity of this deployment, and not listed in the policy's external_principals"),
        "{}",
        cluster.message
    );
    let fix = cluster.fix.as_deref().unwrap_or_default();
    assert!(fix.contains("external_principals"), "{fix}");
    assert!(fix.contains("'full').identity.principalId"), "{fix}");
    // `principalType: ServicePrincipal` in a deployment that declares no identity: still unknown.
    let automation = ra006
        .iter()
        .find(|x| x.message.contains("parameter 'automationObjectId'"))
        .unwrap_or_else(|| panic!("RA006 on automationObjectId: {ra006:#?}"));
    assert!(
        automation
            .message
            .contains("a service principal of unknown kind"),
        "{}",
        automation.message
    );
    for x in &ra006 {
        assert!(!x.message.contains("recreated"), "{}", x.message);
        assert!(
            !x.message.contains("identity declared in this deployment"),
            "{}",
            x.message
        );
    }
}

#[test]
fn a_service_principal_beside_a_declared_identity_keeps_the_stale_grant_wording() {
    let f = check("principal-beside-an-identity.json");
    let ra006 = of(&f, "RA006");
    assert_eq!(ra006.len(), 1, "{ra006:#?}");
    assert!(
        ra006[0].message.contains("grant goes stale"),
        "{}",
        ra006[0].message
    );
    assert!(
        ra006[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("Logic App workflow 'exporter'"),
        "{:?}",
        ra006[0].fix
    );
}

// Part 1 #24: a label points into the finding's own template run.
#[test]
fn the_identity_label_points_to_the_declaration_in_the_findings_own_template() {
    let f = check_all(&["label-run/a.json", "label-run/b.json"]);
    let ra002 = of(&f, "RA002");
    let worker = ra002
        .iter()
        .find(|x| x.message.contains("'worker'"))
        .unwrap_or_else(|| panic!("RA002 on worker: {f:#?}"));
    assert!(
        worker.location.file.ends_with("b.json"),
        "{:?}",
        worker.location
    );
    let label = worker
        .labels
        .iter()
        .find(|l| l.message == "the identity is declared here")
        .unwrap_or_else(|| panic!("declaration label: {:#?}", worker.labels));
    assert!(
        label.location.file.ends_with("b.json"),
        "{:?}",
        label.location
    );
}

// Part 1 #6, #20, #21: resources named by what is known of them, not by what decides their name.
#[test]
fn resources_named_at_deployment_are_named_by_what_is_known_of_them() {
    let f = check("names-known-at-deployment.json");
    let ev002 = of(&f, "EV002");
    let assignment = ev002
        .iter()
        .find(|x| x.message.contains("role assignment"))
        .unwrap_or_else(|| panic!("EV002 on the role assignment: {f:#?}"));
    assert!(
        assignment
            .message
            .starts_with("the role assignment of 'Reader' on resource group"),
        "{}",
        assignment.message
    );
    // A custom role whose name and roleName are known only at deployment: by its kind and line.
    assert!(
        ev002
            .iter()
            .any(|x| x.message.starts_with("the custom role definition at line ")),
        "{ev002:#?}"
    );
    let mi006 = of(&f, "MI006");
    assert_eq!(mi006.len(), 1, "{f:#?}");
    assert!(
        mi006[0]
            .message
            .starts_with("API connection '<location>-office365' used by"),
        "{}",
        mi006[0].message
    );
    // A second connection whose name also depends only on the location is not "used by" the
    // workflow, which calls office365 alone: names that print alike do not link.
    let mi008 = of(&f, "MI008");
    let [arm] = mi008.as_slice() else {
        panic!("one MI008 on the arm connection: {f:#?}");
    };
    assert!(
        arm.message
            .starts_with("API connection '<location>-arm' is authorised by a person"),
        "{}",
        arm.message
    );
    for x in ev002.iter().chain(mi006.iter()) {
        assert!(!x.message.contains("named by"), "{}", x.message);
    }
}

// MI008 names a consent connection known only at deployment by the known part of its name.
#[test]
fn a_consent_connection_named_at_deployment_is_named_by_its_known_part() {
    let f = check("consent-connection-named-at-deployment.json");
    let mi008 = of(&f, "MI008");
    let [finding] = mi008.as_slice() else {
        panic!("one MI008: {f:#?}");
    };
    assert!(
        finding
            .message
            .starts_with("API connection '<location>-arm' is authorised by a person"),
        "{}",
        finding.message
    );
    assert!(!finding.message.contains("named by"), "{}", finding.message);
    let fix = finding.fix.as_deref().unwrap_or_default();
    assert!(
        fix.starts_with("give API connection '<location>-arm' "),
        "{fix}"
    );
}
