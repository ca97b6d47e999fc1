//! `policy init`'s writer: the policy it writes validates and says what the template has.

use policy::{
    Date, Draft, DraftGrant, DraftWorkload, GrantRef, IdentityKind, Policy, RoleRef, ScopeLevel,
    WorkloadRef,
};

fn grant(name: Option<&str>, id: &str, ty: &str, target: &str, level: ScopeLevel) -> DraftGrant {
    DraftGrant {
        role_name: name.map(str::to_owned),
        role_id: id.to_owned(),
        target_type: ty.to_owned(),
        target_name: target.to_owned(),
        scope_level: level,
    }
}

fn sample() -> Draft {
    Draft {
        source: "examples/payment-reconciliation/bad/main.json".into(),
        today: Date::parse("2026-11-26"),
        workloads: vec![
            DraftWorkload {
                resource_type: "Microsoft.Logic/workflows".into(),
                name: "wf-pay[1]".into(),
                kind: None,
                identity: Some(IdentityKind::System),
                grants: vec![
                    grant(
                        Some("Key Vault Secrets User"),
                        "4633458b-17de-408a-b874-0445c86b69e6",
                        "Microsoft.KeyVault/vaults",
                        "kv-pay",
                        ScopeLevel::Resource,
                    ),
                    grant(
                        Some("Contributor"),
                        "b24988ac-6180-42a0-ab88-20f7382dd24c",
                        "Microsoft.Resources/subscriptions",
                        "0000",
                        ScopeLevel::Subscription,
                    ),
                    grant(
                        None,
                        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                        "Microsoft.Resources/subscriptions",
                        "0000",
                        ScopeLevel::Subscription,
                    ),
                ],
                missing: vec!["Service Bus send on sb-claims/claims".into()],
            },
            DraftWorkload {
                resource_type: "Microsoft.Web/sites".into(),
                name: "true".into(),
                kind: Some("functionapp,workflowapp".into()),
                identity: None,
                grants: vec![],
                missing: vec![],
            },
            DraftWorkload {
                resource_type: "Microsoft.Logic/workflows".into(),
                name: "wf-{uniqueString(resourceGroup().id)}-prod".into(),
                kind: None,
                identity: Some(IdentityKind::User),
                grants: vec![],
                missing: vec![],
            },
        ],
        external_principals: vec![(
            "11111111-2222-3333-4444-555555555555".into(),
            "Reader on rg-x: with a colon".into(),
        )],
        shared_identities: vec![("id-shared".into(), vec!["a".into(), "b".into()])],
        notes: vec!["principal of grant x is a parameter".into()],
    }
}

#[test]
fn written_policy_validates_and_allows_exactly_todays_safe_grants() {
    let text = sample().render();
    let p = Policy::from_str("init.yaml", &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    assert!(text.contains("# on 2026-11-26."));
    assert!(text.contains("# not allowed (a privileged role): Contributor on Microsoft.Resources/subscriptions 0000"), "{text}");
    assert!(
        text.contains("# not allowed (a scope above a resource group): ba92f5b4"),
        "{text}"
    );
    assert!(
        text.contains("# needs, and no grant gives it: Service Bus send"),
        "{text}"
    );
    assert_eq!(p.max_scope_level().value, ScopeLevel::Resource);

    // The name with glob metacharacters matches itself only.
    let wf = WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay[1]");
    assert_eq!(
        p.identity_requirement(&wf).map(|r| r.kind),
        Some(IdentityKind::System)
    );
    assert!(p
        .identity_requirement(&WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay1"))
        .is_none());
    let kv = GrantRef {
        role: RoleRef::new(
            Some("4633458b-17de-408a-b874-0445c86b69e6"),
            Some("Key Vault Secrets User"),
        ),
        target_type: "Microsoft.KeyVault/vaults",
        target_name: "kv-pay",
        scope_level: ScopeLevel::Resource,
    };
    assert!(p.grant_allowed(&wf, &kv).allowed);
    let contributor = GrantRef {
        role: RoleRef::new(
            Some("b24988ac-6180-42a0-ab88-20f7382dd24c"),
            Some("Contributor"),
        ),
        target_type: "Microsoft.Resources/subscriptions",
        target_name: "0000",
        scope_level: ScopeLevel::Subscription,
    };
    assert!(!p.grant_allowed(&wf, &contributor).allowed);
    assert!(p.role_denied(&contributor.role).is_some());

    // A Standard Logic App named like a YAML boolean, without identity today: still required.
    let site =
        WorkloadRef::new("Microsoft.Web/sites", "true").with_kind(Some("functionapp,workflowapp"));
    assert!(p.identity_requirement(&site).is_some_and(|r| r.required));
    assert!(text.contains("rule MI001 reports it"), "{text}");
    // A name only known at deployment matches any value of the unknown part.
    let wf2 = WorkloadRef::new("Microsoft.Logic/workflows", "wf-abc123-prod");
    assert_eq!(
        p.identity_requirement(&wf2).map(|r| r.kind),
        Some(IdentityKind::User)
    );
    assert!(text.contains("name: \"wf-*-prod\""), "{text}");
    assert!(p
        .external_principal_allowed("11111111-2222-3333-4444-555555555555")
        .is_some());
    assert!(p.shared_identity_allowed("id-shared").allowed);
    assert!(!p.shared_identity_allowed("id-other").allowed);
}

#[test]
fn empty_draft_validates() {
    let text = Draft::default().render();
    let p = Policy::from_str("init.yaml", &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    assert!(p.workloads().is_empty());
}
