//! The questions the rules ask, answered from a policy that uses every feature
//! (`tests/fixtures/full.yaml`), with the policy location of each answer.

use policy::{
    Date, GrantBasis, GrantRef, IdentityKind, Level, Policy, RoleRef, ScopeLevel, Subject,
    UnresolvedMode, WorkloadRef,
};

fn full() -> Policy {
    let text = include_str!("fixtures/full.yaml");
    match Policy::from_str("full.yaml", text) {
        Ok(p) => p,
        Err(e) => panic!("fixture must be valid:\n{e}"),
    }
}

fn date(text: &str) -> Date {
    Date::parse(text).unwrap_or_else(|| panic!("bad date {text}"))
}

fn payments() -> WorkloadRef<'static> {
    WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay-reconcile").with_tag("Env", "production")
}

#[test]
fn settings_and_their_locations() {
    let p = full();
    assert_eq!(p.unresolved().value, UnresolvedMode::Warn);
    assert_eq!(
        (p.unresolved().location.line, p.unresolved().location.column),
        (2, 13)
    );
    assert!(p.unresolved().explicit);
    let max = p.max_scope_level();
    assert_eq!(max.value, ScopeLevel::Resource);
    assert_eq!(max.location.to_string(), "full.yaml:3:12");
    assert_eq!(max.location.pointer, "/max_scope");
    assert!(p.scope_too_broad(ScopeLevel::ResourceGroup));
    assert!(!p.scope_too_broad(ScopeLevel::Resource));
    assert!(!p.scope_too_broad(ScopeLevel::ChildResource));
}

#[test]
fn defaults_when_the_policy_is_silent() {
    let p = Policy::from_str("min.yaml", "version: 1\n").expect("minimal policy");
    assert_eq!(p.unresolved().value, UnresolvedMode::Fail);
    assert!(!p.unresolved().explicit);
    assert_eq!(p.max_scope_level().value, ScopeLevel::ResourceGroup);
    assert!(p.scope_too_broad(ScopeLevel::Subscription));
    assert!(p.role_denied(&RoleRef::from_text("Owner")).is_some());
    assert!(
        p.mentioned_roles().is_empty(),
        "defaults are not the file's words"
    );
    assert!(!p.shared_identity_allowed("id-x").allowed);
    // An explicit empty list denies nothing.
    let open = Policy::from_str("open.yaml", "version: 1\ndenied_roles: []\n").expect("valid");
    assert!(open.role_denied(&RoleRef::from_text("Owner")).is_none());
}

#[test]
fn denied_roles_match_by_name_or_guid_case_insensitively() {
    let p = full();
    let owner = p
        .role_denied(&RoleRef::from_text("OWNER"))
        .expect("owner denied");
    assert_eq!(owner.location.to_string(), "full.yaml:5:5");
    assert_eq!(owner.location.pointer, "/denied_roles/0");
    // Named in the policy, given only by GUID (a full role definition id) by the template.
    let by_id = RoleRef::new(
        Some("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-2F7382DD24C"),
        None,
    );
    // (that id is one digit short: not a GUID, so it must not match)
    assert!(p.role_denied(&by_id).is_none());
    let contributor = RoleRef::new(
        Some("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"),
        None,
    );
    assert_eq!(
        p.role_denied(&contributor).map(|r| r.location.line),
        Some(6)
    );
    // Given by GUID in the policy, by GUID and name in the template.
    let uaa = RoleRef::new(
        Some("18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"),
        Some("User Access Administrator"),
    );
    assert_eq!(p.role_denied(&uaa).map(|r| r.location.line), Some(7));
    // A name in the policy does not match a different role's name.
    assert!(p.role_denied(&RoleRef::from_text("Reader")).is_none());
    assert!(p
        .role_denied(&RoleRef::from_text(
            "Role Based Access Control Administrator"
        ))
        .is_none());
}

#[test]
fn workload_rules_by_type_name_tags_and_kind() {
    let p = full();
    let names = |w: &WorkloadRef<'_>| -> Vec<String> {
        p.workload_rules(w).iter().map(|r| r.name.clone()).collect()
    };
    assert_eq!(names(&payments()), ["all-logic-apps", "payments"]);
    // Tag missing, tag value not matching, name not matching.
    let untagged = WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay-reconcile");
    assert_eq!(names(&untagged), ["all-logic-apps"]);
    let dev = WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay-1").with_tag("env", "dev");
    assert_eq!(names(&dev), ["all-logic-apps"]);
    let other = WorkloadRef::new("Microsoft.Logic/workflows", "wf-claims").with_tag("env", "prod");
    assert_eq!(names(&other), ["all-logic-apps"]);
    // Kind selects Standard Logic Apps among sites.
    let standard = WorkloadRef::new("Microsoft.Web/sites", "la-std")
        .with_kind(Some("functionapp,workflowapp"));
    assert_eq!(names(&standard), ["standard"]);
    let webapp = WorkloadRef::new("Microsoft.Web/sites", "web").with_kind(Some("app"));
    assert!(names(&webapp).is_empty());
    let kindless = WorkloadRef::new("Microsoft.Web/sites", "web");
    assert!(names(&kindless).is_empty());
}

#[test]
fn identity_requirement_last_matching_rule_wins() {
    let p = full();
    let req = p
        .identity_requirement(&payments())
        .expect("payments has a requirement");
    assert!(req.required);
    assert_eq!(req.kind, IdentityKind::User);
    assert_eq!(req.rule_name, "payments");
    assert_eq!((req.location.line, req.location.column), (30, 7));
    let other = WorkloadRef::new("Microsoft.Logic/workflows", "wf-claims");
    let req = p.identity_requirement(&other).expect("all logic apps");
    assert!(req.required, "required defaults to true");
    assert_eq!(req.kind, IdentityKind::Any);
    let standard = WorkloadRef::new("Microsoft.Web/sites", "la").with_kind(Some("workflowapp"));
    assert!(
        !p.identity_requirement(&standard)
            .expect("standard")
            .required
    );
    assert!(p
        .identity_requirement(&WorkloadRef::new("Microsoft.Web/sites", "x"))
        .is_none());
}

#[test]
fn grants_allowed_by_role_target_and_scope_level() {
    let p = full();
    let w = payments();
    let kv = |role: &'static str, name: &'static str, level| GrantRef {
        role: RoleRef::from_text(role),
        target_type: "Microsoft.KeyVault/vaults",
        target_name: name,
        scope_level: level,
    };
    let ok = p.grant_allowed(
        &w,
        &kv("key vault secrets user", "KV-PAY-01", ScopeLevel::Resource),
    );
    assert!(ok.allowed);
    assert_eq!(ok.basis, GrantBasis::Listed);
    assert_eq!(
        ok.location.as_ref().map(|l| (l.line, l.column)),
        Some((33, 9))
    );
    assert_eq!(ok.rule_name.as_deref(), Some("payments"));

    for (grant, why) in [
        (
            kv(
                "Key Vault Secrets Officer",
                "kv-pay-01",
                ScopeLevel::Resource,
            ),
            "other role",
        ),
        (
            kv("Key Vault Secrets User", "kv-claims", ScopeLevel::Resource),
            "other vault",
        ),
        (
            kv(
                "Key Vault Secrets User",
                "kv-pay-01",
                ScopeLevel::ChildResource,
            ),
            "other level",
        ),
    ] {
        let d = p.grant_allowed(&w, &grant);
        assert!(!d.allowed, "{why}");
        assert_eq!(d.basis, GrantBasis::NotListed);
        // Points at the `grants:` key of the rule that lists what is allowed.
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((32, 5)),
            "{why}"
        );
    }

    // By GUID in the policy, by name and GUID from the catalogue; target type glob only.
    let send = GrantRef {
        role: RoleRef::new(
            Some("69A216FC-B8FB-44D8-BC22-1F3C2CD27A39"),
            Some("Azure Service Bus Data Sender"),
        ),
        target_type: "Microsoft.ServiceBus/namespaces/queues",
        target_name: "sb-claims/claims",
        scope_level: ScopeLevel::ChildResource,
    };
    let d = p.grant_allowed(&w, &send);
    assert!(d.allowed);
    assert_eq!(d.location.map(|l| l.line), Some(38));
    // The name alone does not match a policy entry given by GUID.
    let by_name = GrantRef {
        role: RoleRef::from_text("Azure Service Bus Data Sender"),
        ..send
    };
    assert!(!p.grant_allowed(&w, &by_name).allowed);

    // A workload no rule restricts.
    let other = WorkloadRef::new("Microsoft.Logic/workflows", "wf-claims");
    let d = p.grant_allowed(
        &other,
        &kv("Key Vault Secrets Officer", "kv", ScopeLevel::Resource),
    );
    assert!(d.allowed);
    assert_eq!(d.basis, GrantBasis::Unrestricted);
    assert!(d.location.is_none());
}

#[test]
fn empty_grants_list_allows_nothing() {
    let text = "version: 1\nworkloads:\n  - match: {name: locked}\n    grants: []\n";
    let p = Policy::from_str("p.yaml", text).expect("valid");
    let d = p.grant_allowed(
        &WorkloadRef::new("Microsoft.Logic/workflows", "locked"),
        &GrantRef {
            role: RoleRef::from_text("Reader"),
            target_type: "Microsoft.Resources/resourceGroups",
            target_name: "rg",
            scope_level: ScopeLevel::ResourceGroup,
        },
    );
    assert!(!d.allowed);
    assert_eq!(d.location.map(|l| (l.line, l.column)), Some((4, 5)));
}

#[test]
fn external_principals_and_shared_identities() {
    let p = full();
    let ext = p
        .external_principal_allowed("6a3c1e2d-1111-4222-8333-944455556666")
        .expect("listed, case-insensitively");
    assert!(ext.reason.contains("Backup"));
    assert_eq!(ext.location.line, 9);
    assert!(p
        .external_principal_allowed("00000000-0000-0000-0000-000000000000")
        .is_none());

    let shared = p.shared_identity_allowed(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID-Platform-Logs",
    );
    assert!(shared.allowed);
    assert_eq!((shared.location.line, shared.location.column), (13, 5));
    let not = p.shared_identity_allowed("id-payments");
    assert!(!not.allowed);
    assert_eq!(not.location.line, 11);
}

#[test]
fn severity_overrides() {
    let p = full();
    assert_eq!(p.severity_for("RA005", Level::Warning), Level::Error);
    assert_eq!(p.severity_for("ev002", Level::Warning), Level::Off);
    assert_eq!(p.severity_for("RA002", Level::Error), Level::Error);
    assert_eq!(p.severity_for("SC001", Level::Note), Level::Note);
    let o = p.severity_override("RA005").expect("override");
    assert_eq!((o.location.line, o.location.column), (15, 10));
}

#[test]
fn exceptions_match_subjects_and_expire() {
    let p = full();
    let legacy = Subject {
        workload: Some("/subscriptions/s/resourceGroups/rg-legacy/providers/Microsoft.Logic/workflows/wf-legacy"),
        identity: None,
        role: Some(RoleRef::new(Some("b24988ac-6180-42a0-ab88-20f7382dd24c"), Some("Contributor"))),
        scope: Some("/subscriptions/1234/resourceGroups/RG-LEGACY"),
    };
    let before = date("2026-11-26");
    let e = p.exception_for("RA002", &legacy, before).expect("covered");
    assert_eq!(e.owner, "payments-team@contoso.com");
    assert_eq!(e.location.line, 50);
    // The last day still applies; the day after does not.
    assert!(p
        .exception_for("RA002", &legacy, date("2026-12-31"))
        .is_some());
    assert!(p
        .exception_for("RA002", &legacy, date("2027-01-01"))
        .is_none());
    // Other rule, other scope, missing subject part.
    assert!(p.exception_for("RA003", &legacy, before).is_none());
    let other_scope = Subject {
        scope: Some("/subscriptions/1234"),
        ..legacy
    };
    assert!(p.exception_for("RA002", &other_scope, before).is_none());
    let no_role = Subject {
        role: None,
        ..legacy
    };
    assert!(p.exception_for("RA002", &no_role, before).is_none());

    // The second exception expired on 2025-01-31; rule id is compared case-insensitively.
    let old = Subject {
        identity: Some("id-old-1"),
        ..Subject::default()
    };
    assert!(p.exception_for("ra003", &old, date("2025-01-31")).is_some());
    assert!(p.exception_for("RA003", &old, before).is_none());
    let expired: Vec<u32> = p
        .expired_exceptions(before)
        .iter()
        .map(|e| e.location.line)
        .collect();
    assert_eq!(expired, [57]);
    assert_eq!(p.expired_exceptions(date("2027-06-01")).len(), 2);
    assert!(p.expired_exceptions(date("2024-01-01")).is_empty());
}

#[test]
fn mentioned_roles_and_rule_ids_for_catalogue_checks() {
    let p = full();
    let roles: Vec<(&str, u32)> = p
        .mentioned_roles()
        .iter()
        .map(|r| (r.text.as_str(), r.location.line))
        .collect();
    assert_eq!(
        roles,
        [
            ("Owner", 5),
            ("contributor", 6),
            ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", 7),
            ("Key Vault Secrets User", 33),
            ("69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", 39),
            ("Contributor", 52),
        ]
    );
    let ids: Vec<(&str, u32, u32)> = p
        .mentioned_rule_ids()
        .iter()
        .map(|(id, l)| (*id, l.line, l.column))
        .collect();
    assert_eq!(
        ids,
        [
            ("RA005", 15, 10),
            ("EV002", 16, 10),
            ("RA002", 50, 11),
            ("RA003", 57, 11)
        ]
    );
}
