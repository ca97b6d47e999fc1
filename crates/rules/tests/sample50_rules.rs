//! Findings an author would defend (issue 11, the reviewer's sample of 50): each rule-side class
//! of false or misdescribed finding has a small template of its own under
//! `tests/fixtures/sample50/`, checked end to end (expand, model, rules).

mod common;

use common::of;
use policy::Policy;

fn check_with(fixture: &str, policy: &Policy) -> Vec<rules::Finding> {
    common::check_fixture_with(&format!("sample50/{fixture}"), policy)
}

fn check(fixture: &str) -> Vec<rules::Finding> {
    check_with(fixture, &common::default_policy())
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
    // An HTTP call to an Azure endpoint in an `else` branch is a call.
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

fn connection_finding<'a>(findings: &'a [&'a rules::Finding], name: &str) -> &'a rules::Finding {
    findings
        .iter()
        .find(|x| x.message.contains(&format!("API connection '{name}'")))
        .unwrap_or_else(|| panic!("MI006 on '{name}': {findings:#?}"))
}

// Class M: MI006 suggested a managed identity where the far side accepts none.
#[test]
fn connectors_whose_far_side_accepts_no_identity_get_advice_that_can_be_followed() {
    let f = check("connectors-without-identity.json");
    let mi006 = of(&f, "MI006");
    let never = "use a connector that supports managed identity";

    // FTP with its password from a securestring parameter: nothing better is possible, a note.
    let ftp = connection_finding(&mi006, "ftp");
    assert_eq!(ftp.severity, rules::Severity::Note, "{ftp:#?}");
    assert!(
        ftp.message
            .contains("an FTP server accepts no Microsoft Entra identity")
            && ftp.message.contains("securestring parameter 'ftpPassword'"),
        "{}",
        ftp.message
    );
    let fix = ftp.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("a managed identity cannot be used here"),
        "{fix}"
    );
    assert!(!fix.contains(never), "{fix}");

    // SFTP with its password in a plain string parameter: a warning, and the fix says how to keep it.
    let sftp = connection_finding(&mi006, "sftp");
    assert_eq!(sftp.severity, rules::Severity::Warning, "{sftp:#?}");
    let fix = sftp.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("`securestring`") && fix.contains("Key Vault"),
        "{fix}"
    );
    assert!(!fix.contains(never), "{fix}");
    // SC002 on the same plain parameter does not offer a managed identity either.
    let sc002 = of(&f, "SC002");
    let plain = sc002
        .iter()
        .find(|x| x.message.contains("'sftpPassword'"))
        .unwrap_or_else(|| panic!("SC002 on sftpPassword: {sc002:#?}"));
    let fix = plain.fix.as_deref().unwrap_or_default();
    assert!(!fix.contains("use the managed identity"), "{fix}");

    // Office 365 Outlook acts as a person, but Microsoft Graph takes the workflow's identity.
    let mail = connection_finding(&mi006, "mail");
    assert_eq!(mail.severity, rules::Severity::Warning);
    assert!(
        mail.message
            .contains("the token of the person who signs in"),
        "{}",
        mail.message
    );
    let fix = mail.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("Mail.Send") && fix.contains("graph.microsoft.com"),
        "{fix}"
    );

    // Slack holds a person's token and accepts no Entra identity: advice about the account.
    let chat = connection_finding(&mi006, "chat");
    assert!(chat
        .message
        .contains("Slack accepts no Microsoft Entra identity"));
    let fix = chat.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("dedicated account") && !fix.contains(never),
        "{fix}"
    );

    // AS2 reads the integration account's key at deployment: never in the template, a note.
    let as2 = connection_finding(&mi006, "partner-as2");
    assert_eq!(as2.severity, rules::Severity::Note, "{as2:#?}");
    assert!(
        as2.message.contains("listCallbackUrl() at deployment"),
        "{}",
        as2.message
    );
}

// Class N: a policy assignment's identity is judged by the roles its definition lists.
#[test]
fn a_policy_assignment_identity_is_judged_by_the_roles_its_definition_lists() {
    let f = check("policy-assignment-roles.json");
    let ra002 = of(&f, "RA002");
    let ra005 = of(&f, "RA005");
    // A role the definition lists (through the policy set) is what remediation needs.
    assert!(!names(&ra002, "listed-role"), "{ra002:#?}");
    assert!(!names(&ra005, "listed-role"), "{ra005:#?}");
    assert!(!names(&of(&f, "RA003"), "listed-role"), "{f:#?}");
    // Contributor instead: denied, and the fix names the definition's roles, not a workflow.
    let contributor = ra002
        .iter()
        .find(|x| x.message.contains("'contributor-instead'"))
        .unwrap_or_else(|| panic!("RA002 on contributor-instead: {ra002:#?}"));
    let fix = contributor.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("'Monitoring Contributor' and 'Log Analytics Contributor'"),
        "{fix}"
    );
    assert!(!fix.contains("workflow"), "{fix}");
    // A role broader than the one the definition lists, though not denied: RA005 names the listed one.
    let broader = ra005
        .iter()
        .find(|x| x.message.contains("'broader-role'"))
        .unwrap_or_else(|| panic!("RA005 on broader-role: {f:#?}"));
    assert_eq!(
        broader.fix.as_deref(),
        Some("grant 'Monitoring Reader' instead of 'Monitoring Contributor'")
    );
}

// A privileged role the template's own policy definition lists is still an over-grant: the
// author wrote both and can narrow both (before/after review: four true RA002 had vanished).
#[test]
fn a_privileged_role_listed_by_the_templates_own_policy_definition_is_still_reported() {
    let f = check("policy-definition-lists-contributor.json");
    let ra002 = of(&f, "RA002");
    let [finding] = ra002.as_slice() else {
        panic!("one RA002 on the Contributor grant: {f:#?}");
    };
    assert!(
        finding.message.contains("'alerts-assignment'")
            && finding.message.contains("'Contributor' on subscription")
            && finding
                .message
                .contains("its policy definition in this template lists that role"),
        "{}",
        finding.message
    );
    let fix = finding.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("narrow the policy definition's `roleDefinitionIds`"),
        "{fix}"
    );
}

// Class E: grants to an AKS cluster's kubelet and add-on identities.
#[test]
fn aks_kubelet_and_add_on_identities_are_judged_as_identities_of_the_cluster() {
    let f = check("aks-cluster-identities.json");
    // Nothing about these grants is "cannot be known".
    assert!(of(&f, "EV001").is_empty(), "{:#?}", of(&f, "EV001"));
    let ra002 = of(&f, "RA002");
    // Contributor on the resource group to the AGIC add-on identity: a privileged role.
    let agic = ra002
        .iter()
        .find(|x| {
            x.message
                .contains("the ingressApplicationGateway add-on identity of Microsoft.ContainerService/managedClusters 'aks1'")
                || x.message
                    .contains("the ingressApplicationGateway add-on identity of AKS cluster 'aks1'")
        })
        .unwrap_or_else(|| panic!("RA002 on the AGIC identity: {f:#?}"));
    assert!(
        agic.message.contains("'Contributor' on resource group"),
        "{}",
        agic.message
    );
    assert_eq!(
        agic.subject.workload.as_deref(),
        Some("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.ContainerService/managedClusters/aks1"),
        "{agic:#?}"
    );
    // The add-on identity is created with the cluster: its grant needs principalType.
    assert!(
        of(&f, "RA007").iter().any(|x| x
            .message
            .contains("ingressApplicationGateway add-on identity")),
        "{f:#?}"
    );
    // A pre-created kubelet identity the cluster names is that user-assigned identity.
    assert!(
        ra002
            .iter()
            .any(|x| x.message.contains("user-assigned identity 'kubelet-id'")),
        "{ra002:#?}"
    );
}
