//! Cost of building the access model: linear in workloads, actions and grants.

#[path = "../tests/common/mod.rs"]
mod common;

use access::{build, RoleCatalogue};
use common::{rid, rt, PlanBuilder};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::json;

/// `n` workflows with 20 managed-identity HTTP actions each (nested in scopes), one Key Vault, and one
/// role assignment per workflow.
fn plan(n: usize) -> arm::plan::DeploymentPlan {
    let mut b = PlanBuilder::new().resource("Microsoft.KeyVault/vaults", "kv1", json!({}));
    for i in 0..n {
        let mut actions = serde_json::Map::new();
        for a in 0..20 {
            let http = json!({"type": "Http", "inputs": {"method": "GET", "uri": format!("https://kv1.vault.azure.net/secrets/s{a}"), "authentication": {"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}}});
            actions.insert(
                format!("Scope_{a}"),
                json!({"type": "Scope", "actions": {"Get": http}}),
            );
        }
        let name = format!("wf{i}");
        b = b.resource("Microsoft.Logic/workflows", &name, json!({"identity": {"type": "SystemAssigned"}, "properties": {"definition": {"actions": actions}}}));
        b = b.full(
            "Microsoft.Authorization/roleAssignments",
            &format!("00000000-0000-0000-0000-{i:012}"),
            &rid("Microsoft.KeyVault/vaults", "kv1"),
            "",
            json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6", "principalId": rt("Microsoft.Logic/workflows", &name, "identity.principalId"), "principalType": "ServicePrincipal"}}),
            None,
        );
    }
    b.build()
}

fn bench(c: &mut Criterion) {
    let catalogue = RoleCatalogue::builtin();
    let mut group = c.benchmark_group("access::build");
    for n in [10usize, 100, 400] {
        let p = plan(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| build(p, &catalogue))
        });
    }
    group.finish();
    c.bench_function("RoleCatalogue::builtin (cached clone)", |b| {
        b.iter(RoleCatalogue::builtin)
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
