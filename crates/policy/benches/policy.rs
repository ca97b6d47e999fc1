//! Loading (YAML → schema validation → compile) and matching costs.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use policy::{Date, GrantRef, Policy, RoleRef, ScopeLevel, Subject, WorkloadRef};

const FULL: &str = include_str!("../tests/fixtures/full.yaml");

/// A policy with `n` workload rules, each with two grants and an exception, to see that loading
/// grows linearly with size.
fn synthetic(n: usize) -> String {
    let mut text = String::from("version: 1\nworkloads:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - name: w{i}\n    match:\n      type: Microsoft.Logic/workflows\n      name: wf-{i}-*\n      tags:\n        env: prod\n    identity:\n      kind: user\n    grants:\n      - roles: [Key Vault Secrets User]\n        target: {{type: Microsoft.KeyVault/vaults, name: kv-{i}-*}}\n        scopes: [resource]\n      - roles: [ba92f5b4-2d11-453d-a403-e96b0029c9fe]\n        target: {{type: Microsoft.Storage/storageAccounts/blobServices/containers}}\n"
        ));
    }
    text.push_str("exceptions:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - rule: RA002\n    workload: wf-{i}-*\n    reason: r\n    owner: o\n    expires: 2030-01-01\n"
        ));
    }
    text
}

fn load(c: &mut Criterion) {
    // Build the schema validator once, as a process does before its first policy.
    let _ = Policy::from_str("warm.yaml", "version: 1\n");
    c.bench_function("load default.yaml", |b| {
        b.iter(|| Policy::from_str("default.yaml", black_box(policy::DEFAULT_POLICY)))
    });
    c.bench_function("load full fixture", |b| {
        b.iter(|| Policy::from_str("full.yaml", black_box(FULL)))
    });
    for n in [100, 1000] {
        let text = synthetic(n);
        c.bench_function(&format!("load synthetic {n} workload rules"), |b| {
            b.iter(|| Policy::from_str("big.yaml", black_box(&text)))
        });
    }
}

fn matching(c: &mut Criterion) {
    let Ok(p) = Policy::from_str("full.yaml", FULL) else {
        return;
    };
    let w =
        WorkloadRef::new("Microsoft.Logic/workflows", "wf-pay-reconcile").with_tag("env", "prod");
    let g = GrantRef {
        role: RoleRef::new(
            Some("4633458b-17de-408a-b874-0445c86b69e6"),
            Some("Key Vault Secrets User"),
        ),
        target_type: "Microsoft.KeyVault/vaults",
        target_name: "kv-pay-1",
        scope_level: ScopeLevel::Resource,
    };
    c.bench_function("grant_allowed", |b| {
        b.iter(|| p.grant_allowed(black_box(&w), black_box(&g)))
    });
    c.bench_function("role_denied", |b| {
        b.iter(|| p.role_denied(black_box(&g.role)))
    });
    let today = Date::parse("2026-11-26").unwrap_or(Date::today_utc());
    let subject = Subject {
        workload: Some(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf-legacy",
        ),
        role: Some(RoleRef::from_text("Contributor")),
        scope: Some("/subscriptions/s/resourceGroups/rg-legacy"),
        ..Subject::default()
    };
    c.bench_function("exception_for", |b| {
        b.iter(|| p.exception_for("RA002", black_box(&subject), today))
    });
}

criterion_group!(benches, load, matching);
criterion_main!(benches);
