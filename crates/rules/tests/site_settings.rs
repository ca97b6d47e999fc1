//! SC004 on the app settings of a Logic Apps Standard site, through real expansion of a small
//! fixture: the host storage key is named by its setting, the Azure Files content share (which has
//! no managed-identity option) is not flagged, and a key only in a branch not taken is no finding.

mod common;

fn sc004(params: &[(&str, serde_json::Value)]) -> Vec<rules::Finding> {
    let mut options = arm::ExpandOptions::default();
    for (name, value) in params {
        options.overrides.push((name.to_string(), value.clone()));
    }
    let plan = common::fixture_plan("standard-host-settings.json", &options);
    common::only(
        common::check_plans(&[plan], &common::default_policy()).1,
        "SC004",
    )
}

#[test]
fn host_storage_key_is_named_and_content_share_is_not_flagged() {
    let findings = sc004(&[]);
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    // One on the site's AzureWebJobsStorage, one on the config resource's (key branch taken).
    assert_eq!(findings.len(), 2, "{messages:#?}");
    for f in &findings {
        assert!(
            f.message.starts_with(
                "app setting 'AzureWebJobsStorage' of Logic App (Standard) 'orders-standard'"
            ),
            "{}",
            f.message
        );
        assert!(f
            .fix
            .as_deref()
            .is_some_and(|fix| fix.contains("AzureWebJobsStorage__accountName")));
    }
    assert!(!messages
        .iter()
        .any(|m| m.contains("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")));
    // The site setting points at its own line.
    assert!(
        findings.iter().any(|f| f.location.line == 21),
        "{findings:#?}"
    );
}

#[test]
fn key_in_a_branch_not_taken_is_not_flagged() {
    let findings = sc004(&[("useIdentityStorage", serde_json::json!(true))]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].location.line, 21);
}
