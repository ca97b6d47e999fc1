//! Criterion benchmark of the whole `rolegate check` pipeline as library calls:
//! `arm::expand::expand_file` → `access::build_all` → `rules::check` → report build + text, JSON,
//! SARIF and Markdown rendering. Runs on every `examples/*/bad` template and on synthetic templates
//! with N Logic Apps (N = 50, 200, 800) to show the cost grows linearly with the template.
//!
//! Run: `cargo bench -j 2 -p rolegate --bench check_pipeline -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::path::{Path, PathBuf};

use arm::expand::ExpandOptions;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use report::{MarkdownOptions, SourceCache, TextOptions};
use rolegate::commands::check;

/// One benchmark case: a template, its parameter files and the policy `check` would use.
struct Case {
    name: String,
    template: PathBuf,
    parameter_files: Vec<PathBuf>,
    policy: policy::LoadedPolicy,
}

/// What one pipeline run produced; returned so the optimiser cannot drop any stage.
struct Outputs {
    verdict_code: u8,
    bytes: usize,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `bad` half of every example, with its parameter file and its own `rolegate.yaml`.
fn example_cases() -> Vec<Case> {
    let examples = workspace_root().join("examples");
    let Ok(entries) = std::fs::read_dir(&examples) else {
        println!("skipping examples: {} not readable", examples.display());
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("bad"))
        .filter(|p| p.join("main.json").is_file())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let name = dir
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "example".into());
        let policy = match policy::discover(&dir.join("main.json")) {
            Ok(p) => p,
            Err(e) => {
                println!("skipping {name}: policy does not load: {e}");
                continue;
            }
        };
        let params = dir.join("main.parameters.json");
        cases.push(Case {
            name,
            template: dir.join("main.json"),
            parameter_files: if params.is_file() {
                vec![params]
            } else {
                Vec::new()
            },
            policy,
        });
    }
    cases
}

/// A template with `n` Logic Apps, each with a system identity, its own Key Vault, one HTTP action
/// that reads a secret from that vault with managed identity, and one Key Vault Secrets User role
/// assignment of the workflow's identity on the vault. Names are expressions, as in real templates,
/// so the evaluator does its usual work per resource.
fn synthetic_template(n: usize) -> serde_json::Value {
    use serde_json::json;
    let mut resources = Vec::with_capacity(3 * n);
    for i in 0..n {
        let vault = format!("[format('kv-{{0}}-{i}', parameters('prefix'))]");
        let workflow = format!("[format('wf-{{0}}-{i}', parameters('prefix'))]");
        let vault_id = format!(
            "resourceId('Microsoft.KeyVault/vaults', format('kv-{{0}}-{i}', parameters('prefix')))"
        );
        let workflow_id = format!(
            "resourceId('Microsoft.Logic/workflows', format('wf-{{0}}-{i}', parameters('prefix')))"
        );
        let role = "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('secretsUser'))";
        resources.push(json!({
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": vault,
            "location": "[parameters('location')]",
            "properties": {
                "tenantId": "[subscription().tenantId]",
                "sku": { "family": "A", "name": "standard" },
                "enableRbacAuthorization": true
            }
        }));
        resources.push(json!({
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": workflow,
            "location": "[parameters('location')]",
            "identity": { "type": "SystemAssigned" },
            "properties": {
                "state": "Enabled",
                "definition": {
                    "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
                    "contentVersion": "1.0.0.0",
                    "triggers": {
                        "Daily": { "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1 } }
                    },
                    "actions": {
                        "Get_secret": {
                            "type": "Http",
                            "inputs": {
                                "method": "GET",
                                "uri": format!("[format('https://kv-{{0}}-{i}.vault.azure.net/secrets/api-key?api-version=7.4', parameters('prefix'))]"),
                                "authentication": {
                                    "type": "ManagedServiceIdentity",
                                    "audience": "https://vault.azure.net"
                                }
                            },
                            "runtimeConfiguration": { "secureData": { "properties": ["inputs", "outputs"] } }
                        }
                    }
                }
            }
        }));
        resources.push(json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "scope": format!("[format('Microsoft.KeyVault/vaults/kv-{{0}}-{i}', parameters('prefix'))]"),
            "name": format!("[guid({vault_id}, {workflow_id}, {role})]"),
            "properties": {
                "roleDefinitionId": format!("[{role}]"),
                "principalId": format!("[reference({workflow_id}, '2019-05-01', 'full').identity.principalId]"),
                "principalType": "ServicePrincipal"
            },
            "dependsOn": [format!("[{vault_id}]"), format!("[{workflow_id}]")]
        }));
    }
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
            "prefix": { "type": "string", "defaultValue": "bench" }
        },
        "variables": { "secretsUser": "4633458b-17de-408a-b874-0445c86b69e6" },
        "resources": resources
    })
}

/// Writes the synthetic templates to a per-process temporary directory (expansion reads a file, as `check` does).
fn synthetic_cases(sizes: &[usize]) -> Vec<(usize, Case)> {
    let dir = synthetic_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        println!(
            "skipping synthetic templates: cannot create {}: {e}",
            dir.display()
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for &n in sizes {
        let path = dir.join(format!("synthetic-{n}.json"));
        let text = serde_json::to_string_pretty(&synthetic_template(n)).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, text) {
            println!(
                "skipping synthetic N={n}: cannot write {}: {e}",
                path.display()
            );
            continue;
        }
        out.push((
            n,
            Case {
                name: format!("synthetic-{n}"),
                template: path,
                parameter_files: Vec::new(),
                policy: policy::Policy::embedded_default(),
            },
        ));
    }
    out
}

/// Where the synthetic templates are written for this process.
fn synthetic_dir() -> PathBuf {
    std::env::temp_dir().join(format!("rolegate-bench-{}", std::process::id()))
}

/// The pipeline `rolegate check` runs, minus argument parsing and writing to stdout/files: the
/// binary's own report builder (`rolegate::commands::check`), then every render.
fn run_pipeline(case: &Case, catalogue: &access::RoleCatalogue) -> Outputs {
    let options = ExpandOptions {
        parameter_files: case.parameter_files.clone(),
        ..ExpandOptions::default()
    };
    let plans = match arm::expand::expand_file(&case.template, &options) {
        Ok(plan) => vec![plan],
        Err(e) => panic!("{}: benchmark template does not expand: {e}", case.name),
    };
    let report = check::judge_one(plans, &case.policy, catalogue, &options.context, false);
    let sources = SourceCache::new();
    sources.insert(case.policy.policy.name(), case.policy.policy.text());
    let text = report::text::render(&report, &sources, TextOptions { color: false });
    let json = report::json::render(&report);
    let sarif = report::sarif::render(&report);
    let markdown = report::markdown::render(&report, &MarkdownOptions::default());
    Outputs {
        verdict_code: report.verdict.exit_code(),
        bytes: text.len() + json.len() + sarif.len() + markdown.len(),
    }
}

fn bench_examples(c: &mut Criterion) {
    let catalogue = access::RoleCatalogue::builtin();
    let mut group = c.benchmark_group("check/example-bad");
    for case in example_cases() {
        // A bad example must fail: a benchmark of a pipeline that silently broke measures nothing.
        let first = run_pipeline(&case, &catalogue);
        assert_eq!(
            first.verdict_code, 1,
            "{} should fail its policy",
            case.name
        );
        group.bench_function(BenchmarkId::from_parameter(&case.name), |b| {
            b.iter(|| black_box(run_pipeline(black_box(&case), &catalogue).bytes))
        });
    }
    group.finish();
}

fn bench_synthetic(c: &mut Criterion) {
    let catalogue = access::RoleCatalogue::builtin();
    let mut group = c.benchmark_group("check/synthetic");
    group.sample_size(10);
    for (n, case) in synthetic_cases(&[50, 200, 800]) {
        let first = run_pipeline(&case, &catalogue);
        // Every call has its grant: the synthetic template passes, with no finding to render.
        assert_eq!(
            first.verdict_code, 0,
            "{} should pass its policy",
            case.name
        );
        assert!(first.bytes > 0, "{} rendered nothing", case.name);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| black_box(run_pipeline(black_box(&case), &catalogue).bytes))
        });
    }
    group.finish();
}

/// Each stage alone on the synthetic templates, to locate where super-linear cost comes from.
fn bench_stages(c: &mut Criterion) {
    let catalogue = access::RoleCatalogue::builtin();
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    for (n, case) in synthetic_cases(&[200, 800]) {
        let options = ExpandOptions::default();
        let plan = match arm::expand::expand_file(&case.template, &options) {
            Ok(plan) => plan,
            Err(e) => panic!("{}: benchmark template does not expand: {e}", case.name),
        };
        let plans = vec![plan];
        let model = access::build_all(&plans, &catalogue);
        let check_options = rules::CheckOptions::new(policy::Date::today_utc(), &catalogue);
        group.bench_function(BenchmarkId::new("expand", n), |b| {
            b.iter(|| black_box(arm::expand::expand_file(&case.template, &options).is_ok()))
        });
        group.bench_function(BenchmarkId::new("access", n), |b| {
            b.iter(|| black_box(access::build_all(&plans, &catalogue).grants.len()))
        });
        group.bench_function(BenchmarkId::new("rules", n), |b| {
            b.iter(|| black_box(rules::check(&model, &plans, &case.policy, &check_options).len()))
        });
    }
    group.finish();
}

/// Removes the synthetic templates once every group has run.
fn cleanup(_: &mut Criterion) {
    let _ = std::fs::remove_dir_all(synthetic_dir());
}

criterion_group!(
    benches,
    bench_examples,
    bench_synthetic,
    bench_stages,
    cleanup
);
criterion_main!(benches);
