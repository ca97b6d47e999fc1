//! The policies shipped with `examples/` load, and say what each example's story needs: the good
//! grant is allowed, the bad one is denied for the named reason.

use std::path::PathBuf;

use policy::{
    GrantRef, IdentityKind, Level, LoadedPolicy, Policy, RoleRef, ScopeLevel, WorkloadRef,
};

fn examples_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"))
}

/// Loads `examples/<example>/<variant>/rolegate.yaml`; both variants must carry the same policy,
/// because the story is "same policy, different template".
fn load(example: &str) -> LoadedPolicy {
    let dir = examples_dir().join(example);
    let good = dir.join("good/rolegate.yaml");
    let bad = dir.join("bad/rolegate.yaml");
    let good_text =
        std::fs::read_to_string(&good).unwrap_or_else(|e| panic!("{}: {e}", good.display()));
    let bad_text =
        std::fs::read_to_string(&bad).unwrap_or_else(|e| panic!("{}: {e}", bad.display()));
    assert_eq!(
        good_text, bad_text,
        "{example}: good and bad must share one policy"
    );
    Policy::load(&good).unwrap_or_else(|e| panic!("{}: {e}", good.display()))
}

fn grant<'a>(
    role_id: &'a str,
    role: &'a str,
    ty: &'a str,
    name: &'a str,
    level: ScopeLevel,
) -> GrantRef<'a> {
    GrantRef {
        role: RoleRef::new(Some(role_id), Some(role)),
        target_type: ty,
        target_name: name,
        scope_level: level,
    }
}

#[test]
fn payment_reconciliation_allows_secrets_user_on_the_vault_only() {
    let loaded = load("payment-reconciliation");
    let p = &loaded.policy;
    let wf = WorkloadRef::new("Microsoft.Logic/workflows", "payment-reconciliation");

    let good = grant(
        "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Secrets User",
        "Microsoft.KeyVault/vaults",
        "kv-payrec-prod-weu",
        ScopeLevel::Resource,
    );
    assert!(p.grant_allowed(&wf, &good).allowed);
    assert!(p.role_denied(&good.role).is_none());
    assert!(!p.scope_too_broad(ScopeLevel::Resource));

    let bad = grant(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        "Microsoft.Resources/subscriptions",
        "00000000-0000-0000-0000-000000000000",
        ScopeLevel::Subscription,
    );
    assert!(!p.grant_allowed(&wf, &bad).allowed, "RA004");
    assert!(p.role_denied(&bad.role).is_some(), "RA002");
    assert!(p.scope_too_broad(ScopeLevel::Subscription), "RA003");
}

#[test]
fn claims_queue_allows_data_sender_on_the_queue_and_fails_on_keys() {
    let loaded = load("claims-queue");
    let p = &loaded.policy;
    let wf = WorkloadRef::new("Microsoft.Logic/workflows", "claims-intake");
    let good = grant(
        "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
        "Azure Service Bus Data Sender",
        "Microsoft.ServiceBus/namespaces/queues",
        "sb-claims-prod-weu/claims",
        ScopeLevel::ChildResource,
    );
    assert!(p.grant_allowed(&wf, &good).allowed);
    // Data Sender on the whole namespace is not what this workflow may hold.
    let namespace = grant(
        "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
        "Azure Service Bus Data Sender",
        "Microsoft.ServiceBus/namespaces",
        "sb-claims-prod-weu",
        ScopeLevel::Resource,
    );
    assert!(!p.grant_allowed(&wf, &namespace).allowed);
    assert_eq!(p.severity_for("SC004", Level::Warning), Level::Error);
}

#[test]
fn compliance_export_requires_a_user_assigned_identity() {
    let loaded = load("compliance-export");
    let p = &loaded.policy;
    let wf = WorkloadRef::new("Microsoft.Logic/workflows", "compliance-export");
    let identity = p.identity_requirement(&wf).expect("identity rule");
    assert!(identity.required);
    assert_eq!(identity.kind, IdentityKind::User, "MI004");
    let good = grant(
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "Storage Blob Data Contributor",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "stcomplexportprod/default/exports",
        ScopeLevel::ChildResource,
    );
    assert!(p.grant_allowed(&wf, &good).allowed);
    let account = grant(
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "Storage Blob Data Contributor",
        "Microsoft.Storage/storageAccounts",
        "stcomplexportprod",
        ScopeLevel::Resource,
    );
    assert!(!p.grant_allowed(&wf, &account).allowed);
    assert_eq!(p.severity_for("RA007", Level::Warning), Level::Error);
}
