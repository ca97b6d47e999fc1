//! Expansion cost: the largest corpus template, and synthetic templates with thousands of resources
//! at three sizes (cost should grow linearly with the resource count), pretty-printed, minified
//! onto one line (with non-ASCII text, so columns must be counted in characters), and as a
//! symbolic-name template whose `resources` object has thousands of keys.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use arm::expand::{expand_document, ExpandOptions};
use arm::Document;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const LARGEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/quickstarts/application-workloads/sharepoint/sharepoint-adfs/azuredeploy.json"
);

/// How a synthetic template is written.
#[derive(Clone, Copy)]
enum Shape {
    Pretty,
    Minified,
    Symbolic,
}

/// A template of `n` resources: identities, workflows using them, and role assignments whose
/// principal is read with `reference()`, as real role-assignment templates do.
fn synthetic(n: usize, shape: Shape) -> String {
    let mut resources = Vec::with_capacity(n);
    for i in 0..n / 3 {
        resources.push(serde_json::json!({
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
            "name": format!("[format('{{0}}-id-{i}', parameters('prefix'))]"), "location": "[parameters('location')]",
            "tags": {"owner": "équipe-données"}
        }));
        resources.push(serde_json::json!({
            "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01",
            "name": format!("[format('{{0}}-wf-{i}', parameters('prefix'))]"), "location": "[parameters('location')]",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {
                format!("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{{0}}-id-{i}', parameters('prefix')))]"): {}}},
            "properties": {"definition": {"actions": {"call": {"type": "Http", "inputs": {"uri": "https://example.com",
                "authentication": {"type": "ManagedServiceIdentity"}}}}}}
        }));
        resources.push(serde_json::json!({
            "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
            "name": format!("[guid(resourceGroup().id, 'id-{i}', variables('role'))]"),
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('role'))]",
                "principalId": format!("[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{{0}}-id-{i}', parameters('prefix'))), '2023-01-31').principalId]"),
                "principalType": "ServicePrincipal"
            }
        }));
    }
    let mut template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"prefix": {"type": "string", "defaultValue": "app"},
                       "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
        "variables": {"role": "4633458b-17de-408a-b874-0445c86b69e6"},
        "resources": resources
    });
    match shape {
        // Pretty-printed, as real templates are (columns are counted per line).
        Shape::Pretty => serde_json::to_string_pretty(&template).unwrap_or_default(),
        Shape::Minified => serde_json::to_string(&template).unwrap_or_default(),
        Shape::Symbolic => {
            let symbols: serde_json::Map<String, serde_json::Value> = template["resources"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, r)| (format!("res{i}"), r.clone()))
                        .collect()
                })
                .unwrap_or_default();
            template["languageVersion"] = "2.0".into();
            template["resources"] = serde_json::Value::Object(symbols);
            serde_json::to_string_pretty(&template).unwrap_or_default()
        }
    }
}

fn bench(c: &mut Criterion) {
    let options = ExpandOptions::default();
    let mut group = c.benchmark_group("expand");
    group.sample_size(10);
    if let Ok(text) = std::fs::read_to_string(LARGEST) {
        let doc = Arc::new(Document::parse(Path::new(LARGEST), &text).expect("parses"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("largest-corpus-template", |b| {
            b.iter(|| black_box(expand_document(doc.clone(), &options).map(|p| p.resources.len())))
        });
    } else {
        println!("SKIP: {LARGEST} is absent");
    }
    for (label, shape) in [
        ("synthetic-resources", Shape::Pretty),
        ("synthetic-minified", Shape::Minified),
        ("synthetic-symbolic", Shape::Symbolic),
    ] {
        for n in [1_500usize, 3_000, 6_000] {
            let text = synthetic(n, shape);
            let doc =
                Arc::new(Document::parse(Path::new("synthetic.json"), &text).expect("parses"));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new(label, n), &doc, |b, doc| {
                b.iter(|| {
                    let plan = expand_document(doc.clone(), &options).expect("expands");
                    black_box(plan.resources.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
